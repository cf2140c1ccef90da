package main

import (
	"golang.org/x/sys/windows"
)

// showStartupError shows why the app cannot start in a message box when
// nobody can read its standard error: the .exe is built as a GUI program
// (-H=windowsgui), and one started from the Start menu or Explorer has no
// standard error at all. Started from a console or a test, with standard
// error redirected, it only writes there, so nothing waits on a click.
func showStartupError(err error) {
	if h, herr := windows.GetStdHandle(windows.STD_ERROR_HANDLE); herr == nil && h != 0 && h != windows.InvalidHandle {
		return
	}
	text, terr := windows.UTF16PtrFromString("Safeguard Companion cannot start: " + err.Error())
	title, _ := windows.UTF16PtrFromString("Safeguard Companion")
	if terr != nil {
		return
	}
	windows.MessageBox(0, text, title, windows.MB_OK|windows.MB_ICONWARNING)
}
