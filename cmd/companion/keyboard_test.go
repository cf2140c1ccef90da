package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"safeguard/companion/crypto"
	"safeguard/companion/device"
	"safeguard/companion/session"
	"safeguard/companion/testclock"
)

// Issue 20, items 1 to 4, through real keyboard input to the real window:
// the real binary under Xvfb, keys sent with xdotool, and what the app did
// read back from its own home with the device and vault packages, the way
// the app itself reads it. Each test fails if its fault comes back.

// needKeyboard skips a test that cannot drive the real window.
func needKeyboard(t *testing.T) {
	t.Helper()
	if os.Getenv("COMPANION_SECRET_SERVICE") != "1" {
		t.Skip("needs a real Secret Service for the keys (make test runs this under scripts/with-secret-service.sh)")
	}
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Skip("xdotool is not installed (make test installs it)")
	}
}

// homePaths are the folders of a COMPANION_HOME.
func homePaths(home string) device.Paths {
	return device.Paths{Config: filepath.Join(home, "config"), Data: filepath.Join(home, "data")}
}

// workdayClock runs from the next working day at hour:00, London time: a
// session planned around then is within agreed hours whatever day the suite
// runs on.
func workdayClock(hour int) *testclock.Running {
	return testclock.NewRunning(testclock.NextWorkday(testclock.Start(), hour, 0))
}

// practitionerHome is a home set up as the demo organisation's
// practitioner, as the first run's "Try it as a practitioner" sets it up
// (device.SetUpDemo), a week before the day clock says (the keys are valid
// from then on), with the keys in the real Secret Service.
func practitionerHome(t *testing.T, clock *testclock.Running) (string, device.Paths) {
	t.Helper()
	home := t.TempDir()
	paths := homePaths(home)
	dev, err := device.SetUpDemo(context.Background(), paths, crypto.KeyringStore{}, clock.Now().AddDate(0, 0, -7), "sam")
	if err != nil {
		t.Fatalf("set up the practitioner's home: %v", err)
	}
	dev.Close()
	return home, paths
}

// openToSeed opens the home's device, for a test to save there what it
// seeds before the app starts, and the policy pack; the caller closes dev.
func openToSeed(t *testing.T, paths device.Paths) (*session.Pack, *device.Device) {
	t.Helper()
	pack, err := session.DefaultPack()
	if err != nil {
		t.Fatal(err)
	}
	dev, err := device.Open(context.Background(), paths, crypto.KeyringStore{})
	if err != nil {
		t.Fatalf("open the home: %v", err)
	}
	return pack, dev
}

// seedSession saves a session planned for planned, its plan valid, every
// risk item met and the customer's consent recorded an hour before the
// app's now, as a draft in the home: the state the plan and consent screens
// leave it in. With end, it was also held from its planned start for 40
// minutes, and its record is still to write.
func seedSession(t *testing.T, paths device.Paths, clock *testclock.Running, planned time.Time, end bool) string {
	t.Helper()
	ctx := context.Background()
	pack, dev := openToSeed(t, paths)
	defer dev.Close()
	created := planned
	if now := clock.Now(); now.Before(created) {
		created = now
	}
	at := testclock.At(created.Add(-time.Hour))
	v := dev.Vault(at)
	plan := session.Plan{
		Customer: session.Customer{Reference: "CUS-4821", Age: 16},
		Start:    planned, Duration: 45 * time.Minute, Method: "video", Platform: "teams",
		Facilitator: "Form tutor", HowNotified: "E-mail with the Teams link",
		CrisisPlan: "Call the duty DSO; 999 if in immediate danger.", ParentCarerInformed: "Letter home via school",
	}
	s, err := session.New(pack, at, "rec-issue-20", v.KeyID(), plan)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	a := session.Assessment{Answers: map[string]session.ItemAnswer{}}
	for _, it := range pack.Items(plan) {
		a.Answers[it.ID] = session.ItemAnswer{Answer: session.Met}
	}
	if r, err := s.Assess(a); err != nil || !r.Outcome.MayProceed() {
		t.Fatalf("assess: %v %+v", err, r)
	}
	reply := &session.ConsentReply{Channel: session.ChannelSMS, ReceivedAt: at.Now(), From: session.RespondentCustomer, ExactWords: "YES"}
	if err := s.RecordConsent(session.Consent{Reply: reply}); err != nil {
		t.Fatalf("consent: %v", err)
	}
	if end {
		at.Set(planned)
		if err := s.Start(); err != nil {
			t.Fatalf("start: %v", err)
		}
		at.Set(planned.Add(40 * time.Minute))
		if err := s.End(); err != nil {
			t.Fatalf("end: %v", err)
		}
	}
	if err := v.SaveDraft(ctx, s.Document()); err != nil {
		t.Fatalf("save the session: %v", err)
	}
	return s.Document().ID
}

// onDisk reads the home's drafts as the app reads them: opened with the
// person's key from the real Secret Service. It may run while the app runs.
func onDisk(paths device.Paths) (sessions []session.Document, incidents []session.IncidentDocument, err error) {
	ctx := context.Background()
	dev, err := device.Open(ctx, paths, crypto.KeyringStore{})
	if err != nil {
		return nil, nil, err
	}
	defer dev.Close()
	v := dev.Vault(suiteClock)
	if sessions, err = v.Drafts(ctx); err != nil {
		return nil, nil, err
	}
	incidents, err = v.IncidentDrafts(ctx)
	return sessions, incidents, err
}

// waitSession waits until the session id on disk is as ok wants it, and
// returns it.
func (a *realApp) waitSession(paths device.Paths, id, what string, ok func(session.Document) bool) session.Document {
	a.t.Helper()
	var got session.Document
	last := "nothing read"
	for sw := testclock.NewStopwatch(); sw.Within(40 * time.Second); time.Sleep(200 * time.Millisecond) {
		docs, _, err := onDisk(paths)
		if err != nil {
			last = err.Error()
			continue
		}
		last = "no such session on disk"
		for _, d := range docs {
			if d.ID == id {
				got, last = d, describeSession(d)
			}
		}
		if got.ID == id && ok(got) {
			a.t.Logf("%s: %s", what, last)
			return got
		}
	}
	a.screenshot("failed-" + strings.ReplaceAll(what, " ", "-") + ".png")
	a.t.Fatalf("%s did not happen; on disk: %s; app output:\n%s", what, last, a.logs.String())
	return got
}

// waitIncidents waits until the incident drafts on disk are as ok wants.
func (a *realApp) waitIncidents(paths device.Paths, what string, ok func([]session.IncidentDocument) bool) []session.IncidentDocument {
	a.t.Helper()
	var got []session.IncidentDocument
	last := "nothing read"
	for sw := testclock.NewStopwatch(); sw.Within(40 * time.Second); time.Sleep(200 * time.Millisecond) {
		_, incs, err := onDisk(paths)
		if err != nil {
			last = err.Error()
			continue
		}
		got, last = incs, fmt.Sprintf("%d incident drafts", len(incs))
		for _, d := range incs {
			last += fmt.Sprintf("; %s %q, typed %+v, chronology %+v", d.Status, d.Description, d.Typed, d.Chronology)
		}
		if ok(incs) {
			return got
		}
	}
	a.screenshot("failed-" + strings.ReplaceAll(what, " ", "-") + ".png")
	a.t.Fatalf("%s did not happen; on disk: %s; app output:\n%s", what, last, a.logs.String())
	return got
}

// describeSession is a session's state and markers, for a test's log.
func describeSession(d session.Document) string {
	var kinds []string
	for _, m := range d.Markers {
		kinds = append(kinds, string(m.Kind))
	}
	out := string(d.State) + ", markers [" + strings.Join(kinds, " ") + "]"
	if r := d.RecordDraft; r != nil {
		out += fmt.Sprintf(", record being written: %q", r.Summary)
	}
	return out
}

// markerKinds are the kinds of a session's markers, in order.
func markerKinds(d session.Document) []session.MarkerKind {
	var out []session.MarkerKind
	for _, m := range d.Markers {
		out = append(out, m.Kind)
	}
	return out
}

// screenshot keeps the window as name in $SCREENSHOT_DIR, when it is set,
// to look at.
func (a *realApp) screenshot(name string) {
	a.t.Helper()
	dir := os.Getenv("SCREENSHOT_DIR")
	if dir == "" {
		return
	}
	if b, err := exec.Command("/usr/bin/import", "-display", a.display, "-window", a.window, filepath.Join(dir, name)).CombinedOutput(); err != nil {
		a.t.Logf("screenshot %s: %v %s", name, err, b)
	}
}

// kill ends the app at once (SIGKILL): nothing it had not saved survives.
func (a *realApp) kill() {
	a.t.Helper()
	a.cmd.Process.Kill()
	a.cmd.Wait()
}

// plaintextIn says whether words appear unencrypted in any file of the home.
func plaintextIn(t *testing.T, home, words string) string {
	t.Helper()
	var found string
	filepath.WalkDir(home, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if b, err := os.ReadFile(path); err == nil && bytes.Contains(b, []byte(words)) {
			found = path
		}
		return nil
	})
	return found
}

// TestMarkersByKeyboardInRealBinary (issue 20 item 3): in a live session of
// the real binary, Ctrl+1 to Ctrl+5 each add their marker, also while a text
// box in a dialog has the focus, and Ctrl+E escalates from inside the
// disclosure dialog with the words typed there (Annex 2 3.1, 3.2). Before
// issue 20 the live screen's shortcuts were registered and then removed by
// the screen change, and none fired.
func TestMarkersByKeyboardInRealBinary(t *testing.T) {
	needKeyboard(t)
	clock := workdayClock(10)
	home, paths := practitionerHome(t, clock)
	id := seedSession(t, paths, clock, clock.Now().Add(10*time.Minute), false)
	ctx, cancel := context.WithTimeout(context.Background(), 180*time.Second)
	defer cancel()
	a := startAppAt(ctx, t, binary(t), startXvfb(t), home, nil, clock)
	a.waitQuiet("home to open the records")
	a.screenshot("issue20-3-home.png")

	// Home: the first Tab reaches today's list (the screen's body comes
	// before the buttons above it), Space opens the session on its consent
	// screen, with the focus in the reply's words; four Tabs on (Record
	// consent, the reason to go ahead without, its button) is Start
	// session. The planned time is ten minutes away: no question asked.
	a.keys("Tab", "space")
	a.waitQuiet("the consent screen")
	a.keys("Tab", "Tab", "Tab", "Tab", "space")
	a.waitSession(paths, id, "the session going live", func(d session.Document) bool { return d.State == session.Live })
	a.screenshot("issue20-3-live.png")

	// Ctrl+2, nothing focused: third party present.
	a.keys("ctrl+2")
	a.waitSession(paths, id, "Ctrl+2's marker", func(d session.Document) bool { return len(d.Markers) == 1 })

	// Ctrl+4 asks for the reassessment, with the focus in What changed;
	// Ctrl+3 pressed while typing there adds its marker all the same.
	a.keys("ctrl+4")
	a.waitQuiet("the reassessment dialog")
	const changed = "Her older brother came into the room"
	a.xdo("type", changed)
	a.keys("ctrl+3")
	a.waitSession(paths, id, "Ctrl+3's marker, typed in the reassessment", func(d session.Document) bool { return len(d.Markers) == 2 })
	a.screenshot("issue20-3-reassess.png")
	// The reassessment by keyboard: Tab to the first outcome (Proceed),
	// Space; three Tabs to the first action (Carry on as planned), Space;
	// four more to the approach, Cancel, then Record.
	a.keys("Tab", "space", "Tab", "Tab", "Tab", "space", "Tab", "Tab", "Tab", "Tab", "Tab", "Tab", "space")
	a.waitSession(paths, id, "Ctrl+4's reassessment", func(d session.Document) bool { return len(d.Markers) == 3 })

	// Ctrl+1 asks for the exact words, with the focus in their box; Ctrl+5
	// pressed there records the lost connection (and pauses the timer).
	a.keys("ctrl+1")
	a.waitQuiet("the disclosure dialog")
	const words = "He said not to tell anyone about the photos"
	a.xdo("type", words)
	a.keys("ctrl+5")
	a.waitSession(paths, id, "Ctrl+5's marker, typed in the disclosure", func(d session.Document) bool { return len(d.Markers) == 4 })
	a.screenshot("issue20-3-disclosure.png")
	// Ctrl+E inside the dialog: the words are recorded, then escalated.
	a.keys("ctrl+e")
	d := a.waitSession(paths, id, "Ctrl+E from the disclosure dialog", func(d session.Document) bool { return len(d.Markers) == 6 })
	a.waitQuiet("the escalation guidance")
	a.screenshot("issue20-3-escalated.png")
	a.stop()

	want := []session.MarkerKind{session.MarkThirdParty, session.MarkFacilitator, session.MarkRiskChanged,
		session.MarkConnectionLost, session.MarkDisclosure, session.MarkEscalated}
	if got := markerKinds(d); !equalKinds(got, want) {
		t.Fatalf("markers %v, want %v", got, want)
	}
	if r := d.Markers[2].Reassessment; r == nil || r.WhatChanged != changed || r.Outcome != session.Proceed || r.Action != session.RiskContinue {
		t.Errorf("the reassessment typed: %+v, want %q, proceed, carry on", r, changed)
	}
	if d.Markers[4].ExactWords != words {
		t.Errorf("the disclosure's words: %q, want %q", d.Markers[4].ExactWords, words)
	}
	if d.State != session.Paused {
		t.Errorf("after Ctrl+5 the session is %s, want paused", d.State)
	}
	if s := a.logs.String(); strings.Contains(s, "CUS-") || strings.Contains(s, "photos") || strings.Contains(s, "panic") {
		t.Errorf("the app's log:\n%s", s)
	}
}

func equalKinds(a, b []session.MarkerKind) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestOffPlanStartByKeyboardInRealBinary (issue 20 item 4; Annex 2 1.3.1):
// a session planned for the next working day, started today in the real
// binary, asks first: Start now with no reason is refused, with a reason it
// starts, and the record keeps the planned time beside when it was held.
// Before issue 20 it started at once, and the record showed the planned
// time as if it were when it happened.
func TestOffPlanStartByKeyboardInRealBinary(t *testing.T) {
	needKeyboard(t)
	clock := workdayClock(10)
	home, paths := practitionerHome(t, clock)
	planned := testclock.NextWorkday(clock.Now(), 10, 0)
	id := seedSession(t, paths, clock, planned, false)
	ctx, cancel := context.WithTimeout(context.Background(), 180*time.Second)
	defer cancel()
	a := startAppAt(ctx, t, binary(t), startXvfb(t), home, nil, clock)
	a.waitQuiet("home to open the records")

	// Home, today's list, the session's consent screen, Start session (as
	// in TestMarkersByKeyboardInRealBinary).
	a.keys("Tab", "space")
	a.waitQuiet("the consent screen")
	a.keys("Tab", "Tab", "Tab", "Tab", "space")
	a.waitQuiet("the question")
	a.screenshot("issue20-4-ask.png")
	// The question has the focus in its reason: Tab to Not now, Tab to
	// Start now, Space, with no reason: refused.
	a.keys("Tab", "Tab", "space")
	a.waitQuiet("Start now refused")
	a.screenshot("issue20-4-no-reason.png")
	if d := a.waitSession(paths, id, "the session read back", func(session.Document) bool { return true }); d.State != session.Consented {
		t.Fatalf("started a day early with no reason given: %s", d.State)
	}
	// Back to the reason, type it, and Start now.
	const reason = "The customer asked to bring it forward"
	a.keys("shift+Tab", "shift+Tab")
	a.xdo("type", reason)
	a.keys("Tab", "Tab", "space")
	d := a.waitSession(paths, id, "the session going live off plan", func(d session.Document) bool { return d.State == session.Live })
	if o := d.OffPlanStart; o == nil || o.Reason != reason || !o.Planned.Equal(planned) || planned.Sub(o.At) < 12*time.Hour {
		t.Fatalf("the start away from the plan: %+v, want the reason %q, planned %v, started today", o, reason, planned)
	}
	a.waitQuiet("the live screen")

	// End session: Shift+Tab from nothing goes backwards from the window's
	// last button (the theme's), past Escalate, to End session.
	a.keys("shift+Tab", "shift+Tab", "shift+Tab", "space")
	d = a.waitSession(paths, id, "the session ending", func(d session.Document) bool { return d.State == session.Ended })
	a.waitQuiet("the record")
	a.screenshot("issue20-4-record.png")
	a.stop()
	from, to := d.Held()
	if !d.Plan.Start.Equal(planned) || from.Sub(d.OffPlanStart.At).Abs() > time.Second || to.IsZero() || to.Before(from) {
		t.Errorf("the record's times: planned %v, held %v to %v, want planned %v, held from %v", d.Plan.Start, from, to, planned, d.OffPlanStart.At)
	}
}

// TestRecordKeptByKeyboardInRealBinary (issue 20 item 2): the meeting
// record typed in the real binary is kept on leaving for home and shown
// again on coming back, autosaved while it is typed, sealed (nowhere on
// disk in plain text), and there after kill -9 and a restart. Before issue
// 20 the form came back empty.
func TestRecordKeptByKeyboardInRealBinary(t *testing.T) {
	needKeyboard(t)
	clock := workdayClock(11)
	home, paths := practitionerHome(t, clock)
	id := seedSession(t, paths, clock, clock.Now().Add(-time.Hour), true)
	ctx, cancel := context.WithTimeout(context.Background(), 180*time.Second)
	defer cancel()
	bin, display := binary(t), startXvfb(t)
	a := startAppAt(ctx, t, bin, display, home, nil, clock)
	a.waitQuiet("home to open the records")

	// Home, today's list: the ended session opens on its record, with the
	// focus in the summary.
	openRecord := func() {
		a.keys("Tab", "space")
		a.waitQuiet("the record")
	}
	// The record is opened with Space, and nothing of that key is typed
	// into the summary, which has the focus: Fyne delivers the key's
	// character after the key (app's focusOnOpen).
	summary := func(d session.Document) string {
		if d.RecordDraft == nil {
			return ""
		}
		return d.RecordDraft.Summary
	}
	openRecord()
	const first, second, third = "Talked through two apprenticeship applications.", " Next: a mock interview.", " She will send both by Friday."
	a.xdo("type", first)
	a.screenshot("issue20-2-typed.png")
	a.keys("ctrl+h")
	a.waitSession(paths, id, "the record kept on leaving", func(d session.Document) bool { return summary(d) == first })
	a.waitQuiet("home")

	// Back: the words are there (End puts the cursor after them), and
	// what is added to them is autosaved without leaving the screen.
	openRecord()
	a.screenshot("issue20-2-back.png")
	a.keys("End")
	a.xdo("type", second)
	a.waitSession(paths, id, "the record autosaved", func(d session.Document) bool { return summary(d) == first+second })
	if f := plaintextIn(t, home, "apprenticeship"); f != "" {
		t.Errorf("the record is in plain text in %s", f)
	}
	a.kill()

	// Started again after kill -9: the record is there to carry on.
	a = startAppAt(ctx, t, bin, display, home, nil, clock)
	a.waitQuiet("home to open the records again")
	openRecord()
	a.screenshot("issue20-2-restarted.png")
	a.keys("End")
	a.xdo("type", third)
	a.keys("ctrl+h")
	d := a.waitSession(paths, id, "the record after a restart", func(d session.Document) bool { return strings.HasSuffix(summary(d), third) })
	a.stop()
	if got := summary(d); got != first+second+third {
		t.Errorf("the record after leaving, coming back, kill -9 and a restart: %q, want %q", got, first+second+third)
	}
	if d.State != session.Ended {
		t.Errorf("the session is %s, want ended (record still to write)", d.State)
	}
}
