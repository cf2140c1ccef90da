package app

import (
	"os"
	"strconv"

	"fyne.io/fyne/v2"
)

// The smallest screen the app is made for (issue 15 §6): a 1280x800
// laptop, less room for the title bar and a task bar.
const smallestScreenWidth, smallestScreenHeight = 1280, 740

// windowSize is the window's first size: 1024x640 at the usual text size,
// smaller in Fyne's units when text is scaled up, so that at 150% the
// window still fits the smallest screen instead of running off its edges.
func windowSize(scale float32) fyne.Size {
	w, h := float32(1024), float32(640)
	if scale > 0 {
		w = min(w, smallestScreenWidth/scale)
		h = min(h, smallestScreenHeight/scale)
	}
	return fyne.NewSize(w, h)
}

// textScale is the person's text scale as Fyne takes it: FYNE_SCALE when
// set, else the app's settings.
func textScale(a fyne.App) float32 {
	if v, err := strconv.ParseFloat(os.Getenv("FYNE_SCALE"), 32); err == nil && v > 0 {
		return float32(v)
	}
	return a.Settings().Scale()
}
