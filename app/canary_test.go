package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"safeguard/companion/testclock"
)

// TestNoPlaintextAnywhere is issue 4's canary test: a full session (plan,
// consent, live markers, record, an addendum) and an incident, with a unique
// marker string in every free-text field, an incident left unreported with
// its answers and where the imagery is typed, and words kept for a box
// whose act is not yet done (issue 20); afterwards the data directory,
// the temporary directory and everything logged hold none of them (Trust
// model: plaintext never touches disk).
func TestNoPlaintextAnywhere(t *testing.T) {
	start := testclock.NewStopwatch()
	var logged bytes.Buffer
	log.SetOutput(&logged)
	defer log.SetOutput(os.Stderr)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := os.Stderr
	os.Stderr = w
	var captured bytes.Buffer
	done := make(chan struct{})
	go func() { io.Copy(&captured, r); close(done) }()
	defer func() {
		os.Stderr = stderr
		w.Close()
		<-done
	}()

	n := 0
	canary := func() string { n++; return fmt.Sprintf("QZX%02dCANARY", n) }
	var markers []string
	mark := func() string { m := canary(); markers = append(markers, m); return m }

	u, clock, env := newTestUIEnv(t)
	u.cfg.Errors = func(op string, err error) { fmt.Fprintf(&logged, "%s: %v\n", op, err) }

	tap(t, u, "New session")
	f := u.currentPlan
	test.Type(f.ref, "CUS-"+mark())
	test.Type(f.age, "15")
	f.date.SetText(dmy(planDay))
	test.Type(f.start, "10:00")
	f.method.SetSelected("Video call")
	f.platform.SetSelected("Microsoft Teams")
	test.Type(f.access, mark())
	test.Type(f.facilitator, mark())
	test.Type(f.notified, mark())
	test.Type(f.link, "https://teams.example/l/"+mark()) // issue 19: the meeting link, sealed with the plan
	test.Type(f.parentCarer, mark())
	test.Type(f.crisis, mark())
	answerAll(f, answerYes)
	radioFor(t, f, "device_location").SetSelected(answerNo)
	test.Type(mitigationFor(t, f, "device_location"), mark())
	tap(t, u, "Save plan")
	tap(t, u, "Consent and invitation")
	findRadio(t, u, channelSMS).SetSelected(channelSMS)
	test.Type(findEntry(t, u, "Their reply, word for word"), mark())
	tap(t, u, "Record consent")
	clock.Set(planDay)
	tap(t, u, "Start session")
	l := u.currentLive
	for _, c := range l.agreement {
		c.SetChecked(true)
	}
	settle(u)
	clock.Advance(5 * time.Minute)
	l.tick() // autosave
	tap(t, u, "Disclosure  (Ctrl+1)")
	test.Type(findEntry(t, u, "What the customer said, word for word"), mark())
	tap(t, u, "Record")
	clock.Advance(50 * time.Minute)
	l.tick()
	test.Type(findEntry(t, u, "The exceptional circumstances"), mark())
	tap(t, u, "Record reason")
	tap(t, u, "End session")
	test.Type(findEntry(t, u, "What was discussed"), mark())
	test.Type(findEntry(t, u, "Who"), mark())
	test.Type(findEntry(t, u, "What"), mark())
	test.Type(findEntry(t, u, "By DD/MM/YYYY"), dmy(planDay.AddDate(0, 0, 7)))
	test.Type(findEntry(t, u, "What the concerns were and what you did (required after a disclosure or a change of risk)"), mark())
	recordNoConcern(t, u, mark())
	tap(t, u, "Sign and lock")
	tap(t, u, "Yes")
	test.Type(findEntry(t, u, "Add a note to this record (it is signed and cannot be changed)"), mark())
	tap(t, u, "Add addendum")

	// An incident from the signed record.
	tap(t, u, escalateLabel)
	tap(t, u, "I have read this: continue")
	inc := u.currentIncident
	test.Type(inc.describe, mark())
	inc.kind.SetSelected(kindLabel(t, u, "nudes_semi_nudes"))
	inc.subtype.SetSelected(subtypeLabel(t, u, "nudes_semi_nudes", "experimental"))
	settle(u)
	test.Type(inc.imPlatform, mark())
	test.Type(inc.imAccount, mark())
	inc.imAttest.SetSelected(attestNotViewed)
	settle(u)
	tap(t, u, "Report to the safeguarding team")
	if !strings.Contains(inc.status.Text, "Reported") {
		t.Fatalf("incident not reported: %q", inc.status.Text)
	}
	settle(u)

	// An incident left unreported, its answers and where the imagery is
	// chosen and typed (kept as chosen, issue 20), and words typed for a
	// record's box whose act is not yet done (kept words, issue 20).
	press(t, u, shortcutFor(t, "Ctrl+H"))
	settle(u)
	press(t, u, shortcutFor(t, "Ctrl+E"))
	tap(t, u, "I have read this: continue")
	left := u.currentIncident
	test.Type(left.describe, mark())
	left.kind.SetSelected(kindLabel(t, u, "nudes_semi_nudes"))
	settle(u)
	test.Type(left.qPlatform, mark())
	test.Type(left.imAccount, mark())
	left.imAttest.SetSelected(attestNotViewed)
	settle(u)
	keptMarks := []string{mark()}
	kept := entry("")
	u.typed.keep("review:rec-canary:comment", kept)
	test.Type(kept, keptMarks[0])
	press(t, u, shortcutFor(t, "Ctrl+H"))
	settle(u)
	drafts, err := u.cfg.Vault.IncidentDrafts(context.Background())
	if err != nil || len(drafts) != 1 || drafts[0].Typed == nil {
		t.Fatalf("the incident left unreported is not kept: %v %+v", err, drafts)
	}
	draft, _ := json.Marshal(drafts[0])
	for _, m := range markers[len(markers)-4 : len(markers)-1] {
		if !bytes.Contains(draft, []byte(m)) {
			t.Errorf("marker %s did not reach the incident draft: the scan would prove nothing", m)
		}
	}
	words, err := u.cfg.Vault.AllKeptWords(context.Background())
	if err != nil || len(words) != 1 || words[0].Words["review:rec-canary:comment"] != keptMarks[0] {
		t.Errorf("the kept words did not reach the vault: %v %+v", err, words)
	}

	// The canaries did reach the records: they are in the sealed payloads.
	if len(markers) < 18 {
		t.Fatalf("only %d marked fields", len(markers))
	}
	signed, _ := json.Marshal(u.journal.history[0].doc)
	for _, m := range markers[:14] {
		if !bytes.Contains(signed, []byte(m)) {
			t.Errorf("marker %s did not reach the signed record: the scan would prove nothing", m)
		}
	}
	env.dev.Close()

	hits := 0
	scan := func(what, path string, b []byte) {
		for _, m := range markers {
			if bytes.Contains(b, []byte(m)) {
				hits++
				t.Errorf("%s: %s holds %s in plain text", what, path, m)
			}
		}
	}
	for _, root := range []string{env.paths.Config, env.paths.Data, os.TempDir()} {
		filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			info, err := d.Info()
			if err != nil || !start.ModifiedSince(info) || info.Size() > 64<<20 || !info.Mode().IsRegular() {
				return nil
			}
			b, err := os.ReadFile(path)
			if err == nil {
				scan("disk", path, b)
			}
			return nil
		})
	}
	w.Close()
	<-done
	os.Stderr = stderr
	scan("log", "the log", logged.Bytes())
	scan("log", "standard error", captured.Bytes())
	t.Logf("%d marked fields; scanned the data and config folders, %s and the logs: %d hits", len(markers), os.TempDir(), hits)
}
