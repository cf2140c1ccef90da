package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"safeguard/companion/crypto"
	"safeguard/companion/device"
	"safeguard/companion/session"
	"safeguard/companion/testclock"
)

// tab presses Tab n times; back presses Shift+Tab n times.
func (a *realApp) tab(n int) {
	a.t.Helper()
	for range n {
		a.xdo("key", "Tab")
	}
}

func (a *realApp) back(n int) {
	a.t.Helper()
	for range n {
		a.xdo("key", "shift+Tab")
	}
}

// write types text into the focused field.
func (a *realApp) write(text string) {
	a.t.Helper()
	a.xdo("type", "--delay", "30", text)
}

// replace types text over what the focused field holds.
func (a *realApp) replace(text string) {
	a.t.Helper()
	a.xdo("key", "ctrl+a")
	a.write(text)
}

// setUpDemo takes the first-run screen by keyboard into the demo
// organisation as a practitioner: Tab, Tab to "Try it as a practitioner",
// Space. The screen comes after the keyring probe, and keys pressed before
// it do nothing, so it tries again until the device is set up.
func (a *realApp) setUpDemo(paths device.Paths) {
	a.t.Helper()
	setUp := func() bool { _, err := device.LoadProfile(paths); return err == nil }
	for try := 0; try < 8 && !setUp(); try++ {
		time.Sleep(3 * time.Second)
		if setUp() {
			break
		}
		a.tab(2)
		a.xdo("key", "space")
	}
	a.waitFor("the demo set-up", 40*time.Second, setUp)
	a.waitQuiet("home, and the records loaded behind it")
}

// step is a screenshot of the journey when SCREENSHOT_DIR is set and the
// journey names its screenshots (prefix).
func (a *realApp) step(prefix, name string) {
	a.t.Helper()
	if dir := os.Getenv("SCREENSHOT_DIR"); dir != "" && prefix != "" {
		time.Sleep(500 * time.Millisecond)
		a.shoot(dir, prefix+name+".png")
	}
}

// practitionerByKeyboard walks the practitioner's journey with the keyboard
// alone, Tab, Shift+Tab, Space and typing, from the first run to a signed
// record: home, plan and risk assessment, consent, start, the agreement,
// end, the record, sign and lock. Each field is
// reached by Tab in the order it is read on screen; what was typed in each
// is checked on disk afterwards, so a field reached out of order puts a
// value in the wrong place and fails the test. prefix, if not empty, names
// the screenshots of each step.
func practitionerByKeyboard(t *testing.T, prefix string, env ...string) {
	if os.Getenv("COMPANION_SECRET_SERVICE") != "1" {
		t.Skip("needs a real Secret Service for the keys (make test runs this under scripts/with-secret-service.sh)")
	}
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Skip("xdotool is not installed (make test installs it)")
	}
	pack, err := session.DefaultPack()
	if err != nil {
		t.Fatal(err)
	}
	// The app's clock starts two minutes before the session it plans, on
	// a working day, so that it starts on time.
	start := testclock.NextWorkday(suiteClock.Now(), 10, 0)
	display := startXvfb(t)
	home := t.TempDir()
	paths := device.Paths{Config: filepath.Join(home, "config"), Data: filepath.Join(home, "data")}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	a := startAppWith(ctx, t, binary(t), display, home, &lockedBuffer{},
		append([]string{session.ClockSetting + "=" + start.Add(-2*time.Minute).Format(time.RFC3339)}, env...)...)
	a.setUpDemo(paths)
	a.step(prefix, "1-home")

	// Home: the first stop is New session.
	a.tab(1)
	a.xdo("key", "space")
	a.settle(time.Second)
	// Plan: the customer's reference has the focus; then each field in
	// the order it is read.
	a.write("CUS-4821")
	a.tab(1)
	a.write("15") // age
	a.tab(3)      // date of birth (not needed with the age), adult at risk
	a.replace(start.In(pack.Location()).Format("02/01/2006"))
	a.tab(1)
	a.replace("10:00")
	a.tab(1)
	a.replace("45") // minutes
	a.tab(3)        // the two reasons (not needed), then the method
	a.xdo("key", "Right")
	a.tab(1)
	a.xdo("key", "Right") // the platform
	a.tab(2)              // accessibility needs: none
	a.write("Form tutor")
	a.tab(1)
	a.write("E-mail with the Teams link")
	a.tab(2) // the meeting link (kept sealed with the plan; none here), then the parent line
	a.write("Letter home via school")
	a.tab(1)
	a.write("Call the duty DSO; 999 if in immediate danger")
	a.step(prefix, "2-plan-typed")
	// The checklist: Tab to the first question, one stop each; Y answers
	// it and the focus moves on to the next still to answer, and after
	// the last to Save plan (issue 19).
	plan := session.Plan{Customer: session.Customer{Age: 15}, Method: "video", Platform: "teams"}
	a.tab(1)
	for _, it := range pack.Items(plan) {
		if it.KnownFrom != "" {
			continue // answered from its source, not asked (issue 19)
		}
		a.xdo("key", "y")
	}
	a.xdo("key", "space") // Save plan
	a.settle(time.Second)
	a.step(prefix, "3-plan-saved")
	// Saved, the next step has the focus: Consent and invitation.
	a.xdo("key", "space")
	a.settle(time.Second)
	// Consent: the reply has the focus. Shift+Tab back to the channel it
	// came by: past who sent it and when it came, to Text message.
	a.write("YES")
	a.back(5)
	a.xdo("key", "space")
	a.step(prefix, "4-consent")
	a.tab(6) // when it came, who sent it, the reply, Record consent
	a.xdo("key", "space")
	a.settle(time.Second)
	// Recorded, Start session has the focus.
	a.step(prefix, "5-consented")
	a.xdo("key", "space")
	a.settle(time.Second)
	// Live: the agreement's first point has the focus; Space confirms
	// each, Tab moves to the next.
	for k := range pack.Agreement {
		if k > 0 {
			a.tab(1)
		}
		a.xdo("key", "space")
	}
	a.settle(time.Second)
	a.step(prefix, "6-live")
	a.tab(7) // past the five markers (Ctrl+1 to 5) and Pause, to End session
	a.xdo("key", "space")
	a.settle(time.Second)
	// The record: what was discussed has the focus.
	a.write("College courses; CV next week.")
	a.step(prefix, "7-record")
	a.tab(6) // an action's who, what and by when, Add an action, concerns, Sign and lock
	a.xdo("key", "space")
	a.settle(time.Second)
	a.step(prefix, "8-sign-asks")
	a.tab(2) // in "Sign and lock?": No, then Yes
	a.xdo("key", "space")
	a.settle(2 * time.Second)
	a.step(prefix, "9-signed")
	a.stop()

	dev, err := device.Open(context.Background(), paths, crypto.KeyringStore{})
	if err != nil {
		t.Fatalf("open the device the app set up: %v", err)
	}
	defer dev.Close()
	signed, _, err := dev.Vault(suiteClock).Open(context.Background(), nil, crypto.KindSessionRecord)
	if err != nil || len(signed) != 1 {
		t.Fatalf("signed records on disk: %d, %v; app output:\n%s", len(signed), err, a.logs.String())
	}
	var d session.Document
	if err := signed[0].Decode(&d); err != nil {
		t.Fatal(err)
	}
	p := d.Plan
	got := fmt.Sprintf("ref %q age %d start %s duration %s method %q platform %q facilitator %q notified %q parent %q crisis %q",
		p.Customer.Reference, p.Customer.Age, p.Start.In(pack.Location()).Format("02/01/2006 15:04"), p.Duration, p.Method, p.Platform,
		p.Facilitator, p.HowNotified, p.ParentCarerInformed, p.CrisisPlan)
	want := fmt.Sprintf("ref %q age %d start %s duration %s method %q platform %q facilitator %q notified %q parent %q crisis %q",
		"CUS-4821", 15, start.In(pack.Location()).Format("02/01/2006 15:04"), 45*time.Minute, "video", "teams",
		"Form tutor", "E-mail with the Teams link", "Letter home via school", "Call the duty DSO; 999 if in immediate danger")
	if got != want {
		t.Errorf("the plan typed by keyboard:\n got %s\nwant %s", got, want)
	}
	if d.Outcome != session.Proceed {
		t.Errorf("risk assessment %q, want proceed: every Yes reached by Tab and Space", d.Outcome)
	}
	if d.Consent == nil || d.Consent.Reply == nil || d.Consent.Reply.ExactWords != "YES" || d.Consent.Reply.Channel != session.ChannelSMS {
		t.Errorf("consent %+v, want the reply YES", d.Consent)
	}
	if len(d.Agreement) != len(pack.Agreement) {
		t.Errorf("%d of %d agreement points confirmed by Space and Tab", len(d.Agreement), len(pack.Agreement))
	}
	if d.State != session.Signed || d.Record == nil || d.Record.Summary != "College courses; CV next week." {
		t.Errorf("session %s, record %+v: want it signed with the summary typed", d.State, d.Record)
	}
}

// TestPractitionerJourneyByKeyboard: issue 15 §6, every screen works by
// keyboard alone in a sensible focus order: plan, consent, start, the
// agreement, end, record, sign.
func TestPractitionerJourneyByKeyboard(t *testing.T) {
	practitionerByKeyboard(t, "") // the screens as usual are in the other screenshots
}

// TestPractitionerJourneyAtScale150: the same journey with text scaled to
// 150% (Fyne's scale setting) on a 1280x800 screen (issue 15 §6); with
// SCREENSHOT_DIR set (make screenshots) each step is kept as
// scale150-*.png, to look at for clipped words.
func TestPractitionerJourneyAtScale150(t *testing.T) {
	practitionerByKeyboard(t, "scale150-", "FYNE_SCALE=1.5")
}
