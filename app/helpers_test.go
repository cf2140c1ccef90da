package app

import (
	"context"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/crypto"
	"safeguard/companion/device"
	"safeguard/companion/session"
	"safeguard/companion/store"
	"safeguard/companion/testclock"
)

// fixedClock is a clock the test moves by hand. Background work reads it,
// so it is locked.
type fixedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fixedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fixedClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *fixedClock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

var london = testclock.London

// suiteNow is "now" for this package's tests (testclock: the wall clock, or
// COMPANION_TEST_NOW); every date the tests type or expect derives from it.
var suiteNow = testclock.Start().In(london)

// planDay is when the tests' sessions are planned: the next working day at
// 10:00.
var planDay = testclock.NextWorkday(suiteNow, 10, 0)

// trainedOn is when the test practitioner completed safeguarding training:
// nine months ago, so it is current for three months more.
var trainedOn = time.Date(suiteNow.Year(), suiteNow.Month(), suiteNow.Day(), 0, 0, 0, 0, london).AddDate(0, -9, 0)

// dmy is a date as the forms take it.
func dmy(t time.Time) string { return t.Format("02/01/2006") }

// testEnv is a real device in a temporary folder: the demo organisation,
// keys in a passphrase-protected key file, a real SQLite store.
type testEnv struct {
	paths device.Paths
	ks    *crypto.FileKeystore
	dev   *device.Device
}

func newTestEnv(t *testing.T, now time.Time) *testEnv {
	t.Helper()
	dir := t.TempDir()
	paths := device.Paths{Config: filepath.Join(dir, "config"), Data: filepath.Join(dir, "data")}
	ks, err := crypto.NewFileKeystore(filepath.Join(dir, "keys"), "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	ks.SetWorkFactor(10) // scrypt at full strength takes a second a key
	dev, err := device.SetUpDemo(context.Background(), paths, ks, now, "sam")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dev.Close() })
	return &testEnv{paths: paths, ks: ks, dev: dev}
}

// newTestUI builds the real UI on Fyne's headless test driver, on a real
// device set up with the demo organisation.
func newTestUI(t *testing.T) (*UI, *fixedClock) {
	u, clock, _ := newTestUIEnv(t)
	return u, clock
}

func newTestUIEnv(t *testing.T) (*UI, *fixedClock, *testEnv) {
	t.Helper()
	a := test.NewTempApp(t)
	pack, err := session.DefaultPack()
	if err != nil {
		t.Fatal(err)
	}
	clock := &fixedClock{}
	clock.Set(suiteNow)
	env := newTestEnv(t, clock.Now())
	n := 0
	u := New(a, Config{
		Pack:      pack,
		Clock:     clock,
		NewID:     func() string { n++; return fmt.Sprintf("rec-%04d", n) },
		TickEvery: time.Hour, // tests call tick themselves
	})
	u.ui.queue = make(chan func(), 1024)
	u.win.Resize(fyne.NewSize(1024, 640))
	u.useDevice(env.dev)
	settle(u)
	u.cfg.Me.TrainingCompleted = trainedOn
	u.ShowHome()
	settle(u)
	return u, clock, env
}

// settle runs the callbacks of background work on the test goroutine until
// none is left, as the app's UI goroutine would.
func settle(u *UI) { settleWithin(u, 30*time.Second) }

// settleWithin is settle, giving up after limit.
func settleWithin(u *UI, limit time.Duration) {
	deadlineWatch, deadlineWithin := testclock.NewStopwatch(), limit
	for deadlineWatch.Within(deadlineWithin) {
		select {
		case fn := <-u.ui.queue:
			fn()
		default:
			if u.ui.pending.Load() == 0 {
				return
			}
			time.Sleep(time.Millisecond)
		}
	}
	panic(fmt.Sprintf("background work did not finish in %v", limit))
}

// findEntry finds a visible entry by its placeholder.
func findEntry(t *testing.T, u *UI, placeholder string) *widget.Entry {
	t.Helper()
	var found *widget.Entry
	walk(u, func(o fyne.CanvasObject) {
		switch e := o.(type) {
		case *widget.Entry:
			if found == nil && e.PlaceHolder == placeholder {
				found = e
			}
		case *textArea:
			if found == nil && e.PlaceHolder == placeholder {
				found = &e.Entry
			}
		}
	})
	if found == nil {
		t.Fatalf("no entry %q on screen", placeholder)
	}
	return found
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

// walk visits every visible object on the window, overlays included.
func walk(u *UI, visit func(fyne.CanvasObject)) {
	walkFrom(u.win.Content(), visit)
	for _, o := range u.win.Canvas().Overlays().List() {
		walkFrom(o, visit)
	}
}

// walkFrom visits o and every visible object under it.
func walkFrom(root fyne.CanvasObject, visit func(fyne.CanvasObject)) {
	var rec func(o fyne.CanvasObject)
	rec = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		visit(o)
		switch w := o.(type) {
		case *fyne.Container:
			for _, c := range w.Objects {
				rec(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(w).Objects() {
				rec(c)
			}
		}
	}
	rec(root)
}

// visibleTexts lists the text of every visible label and button.
func visibleTexts(u *UI) string {
	var out []string
	walk(u, func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.Label:
			out = append(out, w.Text)
		case *widget.Button:
			out = append(out, w.Text)
		}
	})
	return strings.Join(out, "\n")
}

// findButton finds a visible button by its text.
func findButton(t *testing.T, u *UI, text string) *widget.Button {
	t.Helper()
	var found *widget.Button
	walk(u, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && found == nil && b.Text == text {
			found = b
		}
	})
	if found == nil {
		t.Fatalf("no button %q on screen:\n%s", text, visibleTexts(u))
	}
	return found
}

// tap taps a button by its text and waits for the background work it
// starts.
func tap(t *testing.T, u *UI, text string) {
	t.Helper()
	test.Tap(findButton(t, u, text))
	settle(u)
}

// findRadio finds a visible radio group offering the option.
func findRadio(t *testing.T, u *UI, option string) *widget.RadioGroup {
	t.Helper()
	var found *widget.RadioGroup
	walk(u, func(o fyne.CanvasObject) {
		if r, ok := o.(*widget.RadioGroup); ok && found == nil {
			for _, op := range r.Options {
				if op == option {
					found = r
				}
			}
		}
	})
	if found == nil {
		t.Fatalf("no radio offering %q", option)
	}
	return found
}

type storeItem = store.OutboxItem

// escalateLabel is the Escalate button's text, with its shortcut.
const escalateLabel = "Escalate  (Ctrl+E)"

// reopen is the app closed and opened again on the same device: the process
// gone, a new UI over the device opened from disk.
func reopen(t *testing.T, u *UI, env *testEnv) *UI {
	t.Helper()
	env.dev.Close()
	dev, err := device.Open(context.Background(), env.paths, env.ks)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dev.Close() })
	// Not the closed device's vault: New would start reading it (home's
	// lists) before the queue below is set, and its callback would then
	// run on that goroutine, beside the test's (a crash seen in CI);
	// useDevice gives the reopened device's.
	cfg := u.cfg
	cfg.Vault = nil
	u2 := New(test.NewTempApp(t), cfg)
	u2.ui.queue = make(chan func(), 64)
	u2.useDevice(dev)
	settle(u2)
	return u2
}
