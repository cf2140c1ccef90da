package app

import (
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/session"
)

type fixedClock struct{ t time.Time }

func (c *fixedClock) Now() time.Time { return c.t }

var london, _ = time.LoadLocation("Europe/London")

// newTestUI builds the real UI on Fyne's headless test driver.
func newTestUI(t *testing.T) (*UI, *fixedClock) {
	t.Helper()
	a := test.NewTempApp(t)
	pack, err := session.DefaultPack()
	if err != nil {
		t.Fatal(err)
	}
	clock := &fixedClock{t: time.Date(2026, 11, 25, 9, 0, 0, 0, london)}
	n := 0
	u := New(a, Config{
		Pack:  pack,
		Clock: clock,
		Me:    Practitioner{Name: "Sam Okafor", KeyID: "key-sam", TrainingCompleted: time.Date(2026, 3, 2, 0, 0, 0, 0, london)},
		NewID: func() string { n++; return "rec-" + string(rune('0'+n)) },
	})
	u.win.Resize(fyne.NewSize(1024, 640))
	return u, clock
}

// screenshot writes the window to $SCREENSHOT_DIR/name-{light,dark}.png when
// that variable is set (make screenshots sets it).
func screenshot(t *testing.T, u *UI, name string) {
	t.Helper()
	dir := os.Getenv("SCREENSHOT_DIR")
	if dir == "" {
		return
	}
	for _, dark := range []bool{false, true} {
		u.setTheme(dark)
		variant := "light"
		if dark {
			variant = "dark"
		}
		img := u.win.Canvas().Capture()
		f, err := os.Create(filepath.Join(dir, name+"-"+variant+".png"))
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, img); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	u.setTheme(false)
}

// visibleTexts lists the text of every visible label on the window.
func visibleTexts(u *UI) string {
	var out []string
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch w := o.(type) {
		case *widget.Label:
			out = append(out, w.Text)
		case *widget.Button:
			out = append(out, w.Text)
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		case fyne.Widget:
			r := test.WidgetRenderer(w)
			for _, c := range r.Objects() {
				walk(c)
			}
		}
	}
	walk(u.win.Content())
	return strings.Join(out, "\n")
}

// findButton finds a visible button by its text.
func findButton(t *testing.T, u *UI, text string) *widget.Button {
	t.Helper()
	var found *widget.Button
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if found != nil || o == nil || !o.Visible() {
			return
		}
		switch w := o.(type) {
		case *widget.Button:
			if w.Text == text {
				found = w
			}
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(w).Objects() {
				walk(c)
			}
		}
	}
	walk(u.win.Content())
	if found == nil {
		t.Fatalf("no button %q on screen:\n%s", text, visibleTexts(u))
	}
	return found
}
