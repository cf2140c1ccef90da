// Command emptywindow is the floor of issue 18's window-appears figure: a
// Fyne program that opens one window of the app's size holding one empty
// label, and nothing else. BenchmarkWindowAppearsScale (window_bench_test.go)
// builds it from here; under testdata, it is never part of a release build
// nor of ./... .
package main

import (
	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
)

func main() {
	a := fyneapp.NewWithID("org.safeguardcompanion.emptywindow")
	w := a.NewWindow("Empty Fyne window")
	w.SetContent(widget.NewLabel(""))
	w.Resize(fyne.NewSize(1024, 640)) // the app's window at 100% text (app/window.go)
	w.ShowAndRun()
}
