package app

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"safeguard/companion/session"
)

// press types a shortcut the way Fyne's desktop driver does: the window
// menu's item with that shortcut first, whatever has the focus (a text box
// or a dialog included), else the canvas. Tests that call screen methods
// directly passed over Ctrl+1 to Ctrl+5 doing nothing (issue 20); this goes
// through the same lookup as a key press.
func press(t *testing.T, u *UI, sc fyne.Shortcut) {
	t.Helper()
	if m := u.win.MainMenu(); m != nil {
		for _, menu := range m.Items {
			for _, it := range menu.Items {
				if it.Shortcut != nil && it.Shortcut.ShortcutName() == sc.ShortcutName() && it.Action != nil {
					it.Action()
					settle(u)
					return
				}
			}
		}
	}
	u.win.Canvas().(fyne.Shortcutable).TypedShortcut(sc)
	settle(u)
}

// readmeShortcuts are the shortcuts the README promises, as written there:
// "Ctrl+1", "Ctrl+Shift+B".
func readmeShortcuts(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	start := strings.Index(text, "## Keyboard shortcuts")
	if start < 0 {
		t.Fatal("the README has no Keyboard shortcuts section")
	}
	section := text[start+2:]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	seen := map[string]bool{}
	var out []string
	for _, m := range regexp.MustCompile(`Ctrl\+(?:Shift\+)?[0-9A-Z]\b`).FindAllString(section, -1) {
		if !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	return out
}

// shortcutFor turns "Ctrl+Shift+B" into the shortcut it names.
func shortcutFor(t *testing.T, s string) fyne.Shortcut {
	t.Helper()
	mod := fyne.KeyModifierShortcutDefault
	rest := strings.TrimPrefix(s, "Ctrl+")
	if r, ok := strings.CutPrefix(rest, "Shift+"); ok {
		mod |= fyne.KeyModifierShift
		rest = r
	}
	return &desktop.CustomShortcut{KeyName: fyne.KeyName(rest), Modifier: mod}
}

// TestEveryReadmeShortcutWorks presses each shortcut the README lists and
// checks what it did, on the screen it is for.
func TestEveryReadmeShortcutWorks(t *testing.T) {
	listed := readmeShortcuts(t)
	if len(listed) < 10 {
		t.Fatalf("the README lists %d shortcuts: %v", len(listed), listed)
	}
	checks := map[string]func(t *testing.T){
		"Ctrl+N": func(t *testing.T) {
			u, _ := newTestUI(t)
			press(t, u, shortcutFor(t, "Ctrl+N"))
			if u.currentPlan == nil {
				t.Fatalf("Ctrl+N did not open a new plan:\n%s", visibleTexts(u))
			}
		},
		"Ctrl+H": func(t *testing.T) {
			u, _ := newTestUI(t)
			tap(t, u, "New session")
			press(t, u, shortcutFor(t, "Ctrl+H"))
			if !u.onHome {
				t.Fatalf("Ctrl+H did not go home:\n%s", visibleTexts(u))
			}
		},
		"Ctrl+J": func(t *testing.T) {
			u, _ := newTestUI(t)
			press(t, u, shortcutFor(t, "Ctrl+N"))
			test.Type(u.currentPlan.ref, "CUS-4821")
			test.Type(u.currentPlan.age, "15")
			press(t, u, shortcutFor(t, "Ctrl+J"))
			if u.win.Canvas().Focused() != u.currentPlan.start {
				t.Fatalf("Ctrl+J did not go to the next thing to do (the start time): %T", u.win.Canvas().Focused())
			}
		},
		"Ctrl+E": func(t *testing.T) {
			u, _ := newTestUI(t)
			press(t, u, shortcutFor(t, "Ctrl+E"))
			if !strings.Contains(visibleTexts(u), "Before anything else (Annex 1)") {
				t.Fatalf("Ctrl+E did not escalate:\n%s", visibleTexts(u))
			}
		},
		"Ctrl+1": func(t *testing.T) {
			u, _ := liveForShortcuts(t)
			press(t, u, shortcutFor(t, "Ctrl+1"))
			if u.win.Canvas().Overlays().Top() == nil || !strings.Contains(visibleTexts(u), "Exact words") {
				t.Fatalf("Ctrl+1 did not ask for the exact words:\n%s", visibleTexts(u))
			}
		},
		"Ctrl+2": markerShortcut("Ctrl+2", session.MarkThirdParty),
		"Ctrl+3": markerShortcut("Ctrl+3", session.MarkFacilitator),
		"Ctrl+4": func(t *testing.T) {
			u, _ := liveForShortcuts(t)
			press(t, u, shortcutFor(t, "Ctrl+4"))
			if !strings.Contains(visibleTexts(u), "Record the reassessment") {
				t.Fatalf("Ctrl+4 did not ask for the reassessment (Annex 2 3.2):\n%s", visibleTexts(u))
			}
		},
		"Ctrl+5": markerShortcut("Ctrl+5", session.MarkConnectionLost),
		"Ctrl+B": func(t *testing.T) {
			u, l := liveForShortcuts(t)
			press(t, u, shortcutFor(t, "Ctrl+B"))
			if !l.hidden {
				t.Fatal("Ctrl+B did not hide the screen")
			}
		},
		"Ctrl+Shift+B": func(t *testing.T) {
			u, l := liveForShortcuts(t)
			press(t, u, shortcutFor(t, "Ctrl+B"))
			press(t, u, shortcutFor(t, "Ctrl+Shift+B"))
			if l.hidden {
				t.Fatal("Ctrl+Shift+B did not bring the screen back")
			}
		},
	}
	for _, sc := range listed {
		t.Run(sc, func(t *testing.T) {
			check, ok := checks[sc]
			if !ok {
				t.Fatalf("the README promises %s, and no test presses it", sc)
			}
			check(t)
		})
	}
}

// liveForShortcuts is a session running for ten minutes, its agreement
// confirmed.
func liveForShortcuts(t *testing.T) (*UI, *liveScreen) {
	t.Helper()
	u, clock := newTestUI(t)
	l := liveSession(t, u, clock)
	for _, c := range l.agreement {
		c.SetChecked(true)
	}
	settle(u)
	clock.Advance(10 * time.Minute)
	l.tick()
	return u, l
}

func markerShortcut(sc string, kind session.MarkerKind) func(t *testing.T) {
	return func(t *testing.T) {
		u, l := liveForShortcuts(t)
		press(t, u, shortcutFor(t, sc))
		ms := l.s.Document().Markers
		if len(ms) != 1 || ms[0].Kind != kind {
			t.Fatalf("%s: markers %+v, want one %s", sc, ms, kind)
		}
	}
}

// TestEscalateFromTheDisclosureDialog: the adviser is typing in the
// disclosure's box when Ctrl+E is pressed; the words typed so far go with
// the escalation (the dialog does not hide Escalate, and its shortcut
// works inside it).
func TestEscalateFromTheDisclosureDialog(t *testing.T) {
	u, l := liveForShortcuts(t)
	press(t, u, shortcutFor(t, "Ctrl+1"))
	words := findEntry(t, u, "What the customer said, word for word")
	test.Type(words, "He said not to tell anyone about the photos")
	if !strings.Contains(visibleTexts(u), "Escalate now  (Ctrl+E)") {
		t.Fatalf("the disclosure dialog hides Escalate:\n%s", visibleTexts(u))
	}
	press(t, u, shortcutFor(t, "Ctrl+E"))
	if !strings.Contains(visibleTexts(u), "Before anything else (Annex 1)") {
		t.Fatalf("Ctrl+E in the dialog did not escalate:\n%s", visibleTexts(u))
	}
	if u.win.Canvas().Overlays().Top() != nil {
		t.Error("the disclosure dialog is still open over the guidance")
	}
	d := l.s.Document()
	if len(d.Markers) != 2 || d.Markers[0].ExactWords != "He said not to tell anyone about the photos" || d.Markers[1].Kind != session.MarkEscalated {
		t.Fatalf("the words typed were not recorded before escalating: %+v", d.Markers)
	}
}

// TestShortcutsDoNothingWhileLocked: a locked app shows nothing and does
// nothing on a shortcut.
func TestShortcutsDoNothingWhileLocked(t *testing.T) {
	u, _ := newTestUI(t)
	u.lock.locked = true
	press(t, u, shortcutFor(t, "Ctrl+N"))
	if u.currentPlan != nil {
		t.Fatal("Ctrl+N opened a plan on a locked app")
	}
}
