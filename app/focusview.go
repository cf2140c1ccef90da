package app

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Fyne moves the keyboard focus with Tab but does not scroll a long form
// to it, so an adviser working by keyboard could type into a box they
// cannot see (issue 20 item 8). The window is watched for the focus moving
// and the panel it is in is scrolled to show it.

// focusWatchEvery is how often the focus is looked at: quick enough that
// the form has scrolled before the next key.
const focusWatchEvery = 100 * time.Millisecond

// focusWatch remembers what had the focus when last looked at.
type focusWatch struct {
	last     fyne.Focusable
	watching bool
}

// watchFocus starts looking at the focus for the window's life, once the
// first screen a person works on is up (first run, or the device opened).
func (u *UI) watchFocus() {
	if u.focus.watching {
		return
	}
	u.focus.watching = true
	u.svc.Every(focusWatchEvery, nil, func() { u.runOnUI(u.focusIntoView) })
}

// focusIntoView scrolls what has the focus into view, once each time the
// focus moves.
func (u *UI) focusIntoView() {
	f := u.win.Canvas().Focused()
	if f == nil || f == u.focus.last {
		return
	}
	u.focus.last = f
	if o, ok := f.(fyne.CanvasObject); ok && u.win.Content() != nil {
		scrollIntoView(u.win.Content(), o)
	}
}

// scrollIntoView scrolls the innermost panel that holds o (by where each
// is drawn: Fyne does not say which container holds a widget's parts, such
// as a radio group's options) so that o is wholly on show, with a little
// room around it.
func scrollIntoView(root, o fyne.CanvasObject) {
	d := fyne.CurrentApp().Driver()
	at, size := d.AbsolutePositionForObject(o), o.Size()
	var best *container.Scroll
	var bestArea float32
	eachScroll(root, func(s *container.Scroll) {
		if s.Content == nil || s.Direction == container.ScrollNone || s.Direction == container.ScrollHorizontalOnly {
			return
		}
		c, cs := d.AbsolutePositionForObject(s.Content), s.Content.Size()
		inside := at.X >= c.X-0.5 && at.X+size.Width <= c.X+cs.Width+0.5 &&
			at.Y >= c.Y-0.5 && at.Y+size.Height <= c.Y+cs.Height+0.5
		if area := cs.Width * cs.Height; inside && (best == nil || area < bestArea) {
			best, bestArea = s, area
		}
	})
	if best == nil {
		return
	}
	top := at.Y - d.AbsolutePositionForObject(best.Content).Y // in the content
	room := theme.Padding() * 2
	view := best.Size().Height
	off := best.Offset.Y
	switch {
	case top-room < off:
		off = top - room
	case top+size.Height+room > off+view:
		off = top + size.Height + room - view
	default:
		return
	}
	off = max(0, min(off, best.Content.MinSize().Height-view))
	best.ScrollToOffset(fyne.NewPos(best.Offset.X, off))
}

// eachScroll calls fn for each visible scrolling panel under o, through the
// containers the screens are built of.
func eachScroll(o fyne.CanvasObject, fn func(*container.Scroll)) {
	if o == nil || !o.Visible() {
		return
	}
	switch w := o.(type) {
	case *container.Scroll:
		fn(w)
		eachScroll(w.Content, fn)
	case *fyne.Container:
		for _, c := range w.Objects {
			eachScroll(c, fn)
		}
	case *container.Split:
		eachScroll(w.Leading, fn)
		eachScroll(w.Trailing, fn)
	case *container.AppTabs:
		if t := w.Selected(); t != nil {
			eachScroll(t.Content, fn)
		}
	case *widget.Form:
		for _, it := range w.Items {
			eachScroll(it.Widget, fn)
		}
	}
}
