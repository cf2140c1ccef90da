package app

import (
	"image/color"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// Issue 20 item 8: the keyboard focus is visible on every button, whatever
// its colour, the red Escalate and the blue main action included, in light
// and dark: the button's face changes clearly when it takes the focus.
func TestFocusIsVisibleOnEveryButton(t *testing.T) {
	u, _ := newTestUI(t)
	var buttons []*widget.Button
	walk(u, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && !b.Disabled() {
			buttons = append(buttons, b)
		}
	})
	kinds := map[widget.Importance]bool{}
	for _, b := range buttons {
		kinds[b.Importance] = true
	}
	if !kinds[widget.DangerImportance] || !kinds[widget.HighImportance] || !kinds[widget.MediumImportance] {
		t.Fatalf("home should carry a red, a blue and a plain button; it has %v", kinds)
	}
	for _, dark := range []bool{false, true} {
		u.setTheme(dark)
		for _, b := range buttons {
			u.win.Canvas().Unfocus()
			before := faceOf(u, b)
			u.win.Canvas().Focus(b)
			after := faceOf(u, b)
			if d := colourDistance(before, after); d < 60 {
				t.Errorf("dark %v: focus on %q (importance %d) changes its face by %d only (%v to %v)", dark, b.Text, b.Importance, d, before, after)
			}
		}
	}
	u.win.Canvas().Focus(findButton(t, u, escalateLabel))
	screenshot(t, u, "00a-focus-escalate")
	u.setTheme(false)
}

// faceOf is the colour of a button's face, read from the window halfway
// down, just inside its left edge, clear of its text and icon.
func faceOf(u *UI, b *widget.Button) color.Color {
	img := u.win.Canvas().Capture()
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(b)
	scale := u.win.Canvas().Scale()
	x, y := int((pos.X+6)*scale), int((pos.Y+b.Size().Height/2)*scale)
	return img.At(x, y)
}

// colourDistance is the sum of the channel differences, 0-765.
func colourDistance(a, b color.Color) int {
	abs := func(x int) int {
		if x < 0 {
			return -x
		}
		return x
	}
	c1, c2 := color.NRGBAModel.Convert(a).(color.NRGBA), color.NRGBAModel.Convert(b).(color.NRGBA)
	return abs(int(c1.R)-int(c2.R)) + abs(int(c1.G)-int(c2.G)) + abs(int(c1.B)-int(c2.B))
}
