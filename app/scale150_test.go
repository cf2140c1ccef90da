package app

import (
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/seed"
)

// atScale150 sets u's window as it is on a 1280x800 laptop with text at
// 150% (Fyne's scale setting): the window's first size at that scale
// (window.go), drawn at 1.5 pixels a unit.
func atScale150(u *UI) {
	u.win.Canvas().(test.WindowlessCanvas).SetScale(1.5)
	u.win.Resize(windowSize(1.5))
}

// fitsAtScale150 fails when the screen on show needs more room than the
// window has at 150% (words that do not wrap push the window wider than
// the laptop's screen, so they are cut off there), and keeps the screen
// as $SCREENSHOT_DIR/scale150-name.png to look at.
func fitsAtScale150(t *testing.T, u *UI, name string) {
	t.Helper()
	room := windowSize(1.5)
	u.win.Resize(room)
	relayout(u)
	has := u.win.Content().Size()
	if need := u.win.Content().MinSize(); need.Width > has.Width+0.5 || need.Height > has.Height+0.5 {
		t.Errorf("%s at 150%%: the screen needs %.0fx%.0f, the window has %.0fx%.0f", name, need.Width, need.Height, has.Width, has.Height)
	}
	for _, cut := range cutOff(u.win.Content()) {
		t.Errorf("%s at 150%%: %s", name, cut)
	}
	dir := os.Getenv("SCREENSHOT_DIR")
	if dir == "" {
		return
	}
	f, err := os.Create(filepath.Join(dir, "scale150-"+name+".png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, u.win.Canvas().Capture()); err != nil {
		t.Fatal(err)
	}
}

// showAt150 opens a screen, waits for what it loads, and checks it at 150%.
func showAt150(t *testing.T, u *UI, name string, show func()) {
	t.Helper()
	show()
	settle(u)
	fitsAtScale150(t, u, name)
}

// TestScreensFitAtScale150: issue 15 §6, text at 150% does not clip at
// 1280x800 on the line manager's and the DSL's screens (the practitioner's
// journey is walked at that scale by cmd/companion's keyboard walk).
func TestScreensFitAtScale150(t *testing.T) {
	m, w := newSeededUI(t, seed.Manager)
	atScale150(m)
	m.loadSessions()
	settle(m)
	showAt150(t, m, "inbox", m.ShowInbox)
	ref := openFirstUnreviewed(t, m)
	fitsAtScale150(t, m, "review")
	press(t, m, shortcutFor(t, "Ctrl+E"))
	tap(t, m, "I have read this: continue")
	mustSee(t, m, "from the record of "+ref+".")
	fitsAtScale150(t, m, "incident")
	showAt150(t, m, "report", func() { m.ShowReport(w.Stores[seed.Manager]) })

	// History is the practitioner's: their own signed records.
	p, _ := newSeededUIFrom(t, w, seed.Practitioner)
	atScale150(p)
	p.loadSessions()
	settle(p)
	showAt150(t, p, "history", p.ShowHistory)
	findList(t, p).Select(0)
	settle(p)
	fitsAtScale150(t, p, "history-record")

	d, _ := newSeededUIFrom(t, w, seed.DSL)
	atScale150(d)
	raiseTestIncident(t, w)
	showAt150(t, d, "cases", d.ShowCases)
	openCase(t, d, "CUS-T014")
	fitsAtScale150(t, d, "case")
	showAt150(t, d, "retention", d.ShowRetention)
	showAt150(t, d, "subject-access", d.ShowSubjectAccess)
	test.Type(findEntry(t, d, "Customer reference"), "CUS-T014")
	test.Type(findEntry(t, d, "Received (DD/MM/YYYY)"), seededUntil.AddDate(0, 0, -3).Format("02/01/2006"))
	tap(t, d, "Open request")
	tap(t, d, "Open CUS-T014")
	fitsAtScale150(t, d, "subject-access-request")
	showAt150(t, d, "transfers", d.ShowTransfers)
	showAt150(t, d, "access-audit", func() { d.ShowAccessAudit(w.Stores[seed.DSL]) })
}

// cutOff names what is cut off inside the screen even though the window
// fits: a panel whose content is wider than the panel (its right-hand side
// is cut off, or must be scrolled sideways, as a long placeholder did on
// Retention), and a choice whose chosen words are cut short.
func cutOff(root fyne.CanvasObject) []string {
	var out []string
	walkFrom(root, func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *container.Scroll:
			// Cut off when it scrolls only up and down; to be scrolled
			// sideways to be read when it may: neither is fit to read.
			if w.Direction != container.ScrollHorizontalOnly && w.Content != nil {
				if need, has := w.Content.MinSize().Width, w.Size().Width; need > has+0.5 {
					out = append(out, fmt.Sprintf("a panel's content needs %.0f wide, the panel is %.0f: %s", need, has, firstWords(w.Content)))
				}
			}
		case *widget.Select:
			words := fyne.MeasureText(w.Selected, theme.TextSize(), fyne.TextStyle{}).Width
			if need := words + theme.IconInlineSize() + 4*theme.InnerPadding(); need > w.Size().Width+0.5 {
				out = append(out, fmt.Sprintf("the choice %q is cut short (%.0f wide, needs %.0f)", w.Selected, w.Size().Width, need))
			}
		}
	})
	return out
}

// firstWords are the first words found under o, to say which panel.
func firstWords(o fyne.CanvasObject) string {
	words := strings.Fields(textsUnder(o))
	if len(words) > 12 {
		words = append(words[:12], "…")
	}
	return strings.Join(words, " ")
}

// relayout lays the window out again from the top, as the desktop driver
// does on its next frames when something's size has changed (a label that
// wraps is taller once it knows its width); Fyne's test canvas does not.
func relayout(u *UI) {
	var rec func(o fyne.CanvasObject)
	rec = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch w := o.(type) {
		case *fyne.Container:
			if w.Layout != nil {
				w.Layout.Layout(w.Objects, w.Size())
			}
			for _, c := range w.Objects {
				rec(c)
			}
		case fyne.Widget:
			r := test.WidgetRenderer(w)
			r.Layout(w.Size())
			for _, c := range r.Objects() {
				rec(c)
			}
		}
	}
	for range 3 {
		rec(u.win.Content())
	}
}
