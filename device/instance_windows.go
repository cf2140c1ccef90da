package device

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/windows"
)

// lockFileName is the file in the data folder that the running app holds
// locked. It stays behind, empty, when the app closes.
const lockFileName = "companion.lock"

// LockData makes sure this is the only copy of the app using p's data: it
// takes an exclusive lock on a file in the data folder for as long as the
// process runs, and returns ErrAlreadyOpen when another process holds it.
// Windows drops the lock when the process ends, however it ends, so a crash
// leaves nothing to clear up. Call release when closing.
//
// Only on Windows, where field laptops are managed by ICT and a second
// click on the Start menu shortcut is the usual way to open a second copy;
// elsewhere LockData does nothing (lock_other.go).
func LockData(p Paths) (release func(), err error) {
	if err := os.MkdirAll(p.Data, 0o700); err != nil {
		return nil, fmt.Errorf("create the data folder: %w", err)
	}
	path := filepath.Join(p.Data, lockFileName)
	name, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return nil, fmt.Errorf("lock the data folder %s: %w", p.Data, err)
	}
	// Shared opening, so that a backup or virus scanner reading the file
	// never makes the app think it is already open; the byte-range lock
	// below is what excludes a second copy.
	h, err := windows.CreateFile(name, windows.GENERIC_READ|windows.GENERIC_WRITE,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, nil,
		windows.OPEN_ALWAYS, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		return nil, fmt.Errorf("lock the data folder %s: %w", p.Data, err)
	}
	var whole windows.Overlapped
	err = windows.LockFileEx(h, windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &whole)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
		windows.CloseHandle(h)
		return nil, ErrAlreadyOpen
	}
	if err != nil {
		windows.CloseHandle(h)
		return nil, fmt.Errorf("lock the data folder %s: %w", p.Data, err)
	}
	return func() {
		windows.UnlockFileEx(h, 0, 1, 0, &whole)
		windows.CloseHandle(h)
	}, nil
}
