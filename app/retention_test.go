package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"safeguard/companion/crypto"
	"safeguard/companion/device"
	"safeguard/companion/session"
	"safeguard/companion/store"
	"safeguard/companion/vault"
)

// newDSLUI is the real UI on a real device set up as the demo
// organisation's DSL (Morgan).
func newDSLUI(t *testing.T) (*UI, *fixedClock, *device.Device) {
	t.Helper()
	pack, err := session.DefaultPack()
	if err != nil {
		t.Fatal(err)
	}
	clock := &fixedClock{}
	clock.Set(suiteNow)
	dir := t.TempDir()
	ks, err := crypto.NewFileKeystore(filepath.Join(dir, "keys"), "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	ks.SetWorkFactor(10)
	dev, err := device.SetUpDemo(context.Background(), device.Paths{Config: filepath.Join(dir, "config"), Data: filepath.Join(dir, "data")}, ks, clock.Now(), "morgan")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dev.Close() })
	n := 0
	u := New(test.NewTempApp(t), Config{Pack: pack, Clock: clock, NewID: func() string { n++; return fmt.Sprintf("hold-%04d", n) }, TickEvery: time.Hour})
	u.ui.queue = make(chan func(), 1024)
	u.win.Resize(fyne.NewSize(1200, 760))
	u.useDevice(dev)
	settle(u)
	return u, clock, dev
}

// closedIncident seals, as the DSL, an incident about an adult that was
// raised and closed on the given days: as if it had come from the hub.
func closedIncident(t *testing.T, u *UI, id, ref string, closed time.Time) {
	t.Helper()
	doc := session.IncidentDocument{ID: id, PackID: u.cfg.Pack.ID, PackVersion: u.cfg.Pack.Version, Status: session.IncidentClosed,
		Author: u.cfg.Vault.KeyID(), RaisedAt: closed.AddDate(0, -1, 0), Subject: session.Customer{Reference: ref, Age: 40},
		Origin: session.Origin{Kind: session.OriginHome}, Description: "A concern about an adult customer.", Classification: session.Classification{Category: "contact", Type: "grooming"},
		ClosedAt: closed, ClosedBy: u.cfg.Vault.KeyID(), Outcome: "Referred; no further action.",
		Chronology: []session.ChronologyEntry{
			{Seq: 1, At: closed.AddDate(0, -1, 0), By: u.cfg.Vault.KeyID(), Event: session.EventRaised, Detail: "Raised from home"},
			{Seq: 2, At: closed, By: u.cfg.Vault.KeyID(), Event: session.EventClosed, Detail: "Closed: Referred; no further action."},
		}}
	if _, err := u.cfg.Vault.ReportIncident(context.Background(), id, doc, nil); err != nil {
		t.Fatal(err)
	}
}

// The Retention screen lists what falls due by the schedule (an adult's
// incident is reviewed six years after closure), and a DSL's legal hold
// (with its reason and who set it) is signed, audited and shown against the
// record until it is lifted.
func TestRetentionScreenDueAndLegalHold(t *testing.T) {
	u, clock, dev := newDSLUI(t)
	today := time.Date(suiteNow.Year(), suiteNow.Month(), suiteNow.Day(), 12, 0, 0, 0, london)
	closedIncident(t, u, "inc-old-1", "CUS-OLD1", today.AddDate(-6, 0, -10))
	closedIncident(t, u, "inc-old-2", "CUS-OLD2", today.AddDate(-6, 0, 45))
	closedIncident(t, u, "inc-new-3", "CUS-NEW3", today.AddDate(0, 0, -2))

	mustSee(t, u, "Retention")
	tap(t, u, "Retention")
	mustSee(t, u, "1 past their date · 0 due this month · 1 due in the next three months · 1 later · 0 with no date yet.",
		"Past its date (1)", "Incident · CUS-OLD1", "Due in the next three months (1)", "Incident · CUS-OLD2",
		"Review on "+today.AddDate(-6, 0, -10).AddDate(6, 0, 0).Format("2 January 2006")+": closure + 6 years, then review (Limitation Act 1980 s2",
		"The period is still to be confirmed by the organisation.",
		"a record under a legal hold is never offered for disposal",
		"Legal holds standing (0)", "7 of 7 periods are still to be confirmed by the organisation.",
		"Incident about an allegation about a member of staff: the member of staff's normal retirement age or 10 years from the day it was made, whichever is longer, then review (to confirm)")
	if strings.Contains(visibleTexts(u), "CUS-NEW3") {
		t.Fatal("a record due in six years is listed before Show later is ticked")
	}
	test.Tap(findCheck(t, u, "Show records due later and those with no date yet"))
	mustSee(t, u, "Due later (1)", "Incident · CUS-NEW3")
	test.Tap(findCheck(t, u, "Show records due later and those with no date yet"))

	// A hold without its reason is refused in words, and nothing sealed.
	tap(t, u, "Hold this record")
	if got := findEntry(t, u, "Customer reference or record").Text; got != "inc-old-1" {
		t.Fatalf("Hold this record on the first row fills in %q", got)
	}
	tap(t, u, "Place hold")
	mustSee(t, u, "Say why: a legal hold and its lifting each need the reason")
	holds := func() int {
		n, err := dev.Store.CountEnvelopes(context.Background(), store.Filter{Kind: string(crypto.KindHold)})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if holds() != 0 {
		t.Fatal("a hold without its reason was sealed")
	}

	test.Type(findEntry(t, u, "Why the hold is placed (for example, a police investigation, a claim or a subject access request)"), "Claim notified by the family's solicitors")
	tap(t, u, "Place hold")
	on := u.clockText(suiteNow, "2 January 2006")
	mustSee(t, u, "Hold placed and signed: Incident inc-old-1 of CUS-OLD1.", "Legal holds standing (1)",
		"HELD: Incident inc-old-1 of CUS-OLD1. Claim notified by the family's solicitors (set by Morgan Hughes (demo) on "+on+")")
	if holds() != 1 {
		t.Fatalf("%d hold records sealed, want 1", holds())
	}
	if !audited(t, dev, vault.ActionHeld) {
		t.Fatal("placing a hold is not in the audit chain")
	}
	screenshot(t, u, "40-retention")

	// A hold on a customer reference covers every record about them.
	clock.Advance(time.Hour)
	findRadio(t, u, session.HoldCustomer.Label()).SetSelected(session.HoldCustomer.Label())
	test.Type(findEntry(t, u, "Customer reference or record"), "CUS-OLD2")
	test.Type(findEntry(t, u, "Why the hold is placed (for example, a police investigation, a claim or a subject access request)"), "Subject access request received")
	tap(t, u, "Place hold")
	mustSee(t, u, "Legal holds standing (2)", "HELD: Everything about customer CUS-OLD2. Subject access request received")

	tap(t, u, "Lift hold…")
	tap(t, u, "Lift")
	mustSee(t, u, "Say why: a legal hold and its lifting each need the reason")
	test.Type(findEntry(t, u, "Why the hold is lifted"), "Claim withdrawn")
	tap(t, u, "Lift")
	mustSee(t, u, "Hold lifted and signed: Incident inc-old-1 of CUS-OLD1.", "Legal holds standing (1)")
	if strings.Contains(visibleTexts(u), "HELD: Incident inc-old-1") {
		t.Fatal("a lifted hold still shows against the record")
	}
	if holds() != 3 || !audited(t, dev, vault.ActionHoldLifted) {
		t.Fatalf("lifting: %d hold records, audited %v", holds(), audited(t, dev, vault.ActionHoldLifted))
	}

	// The case screen says when the incident is reviewed.
	tap(t, u, "Home")
	tap(t, u, "Incident cases")
	test.Tap(findCheck(t, u, "Show closed incidents"))
	settle(u)
	openCase(t, u, "CUS-OLD1")
	mustSee(t, u, "Retention", "Review on "+today.AddDate(-6, 0, -10).AddDate(6, 0, 0).Format("2 January 2006")+": closure + 6 years")
	screenshot(t, u, "42-case-retention")
}

func audited(t *testing.T, dev *device.Device, action string) bool {
	t.Helper()
	evs, err := dev.Store.AuditEvents(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if ev.Action == action {
			return true
		}
	}
	return false
}

// Only the safeguarding team has the Retention screen.
func TestRetentionButtonOnlyForDSLs(t *testing.T) {
	u, _ := newTestUI(t)
	if strings.Contains(visibleTexts(u), "Retention") {
		t.Fatal("a practitioner's home offers Retention")
	}
	dsl, _, _ := newDSLUI(t)
	mustSee(t, dsl, "Retention")
}

// The signed record view says when the record is reviewed or disposed of,
// from the schedule of the pack it was made under; a customer whose date
// of birth is not recorded gives an estimate, said as such.
func TestSignedRecordShowsItsRetention(t *testing.T) {
	u, _ := newTestUI(t)
	signed := time.Date(suiteNow.Year(), suiteNow.Month(), suiteNow.Day(), 11, 0, 0, 0, london)
	d := session.Document{ID: "rec-ret-1", PackID: u.cfg.Pack.ID, PackVersion: u.cfg.Pack.Version, State: session.Signed, CreatedAt: signed.AddDate(0, 0, -1), SignedAt: signed,
		Plan:   session.Plan{Customer: session.Customer{Reference: "CUS-4821", Age: 16}, Start: signed.Add(-time.Hour), Duration: 45 * time.Minute, Method: "video", Platform: "teams"},
		Record: &session.Record{Summary: "Explored college courses."}}
	u.ShowSignedRecord(historyItem{doc: d})
	settle(u)
	due := time.Date(signed.Year()-16, signed.Month(), signed.Day(), 0, 0, 0, 0, london).AddDate(25, 0, 0)
	mustSee(t, u, "Retention: Review on "+due.Format("2 January 2006")+": date of birth + 25 years, then review (IRMS",
		"Estimated: the date of birth is not recorded, so it is taken from the age (16)")
	screenshot(t, u, "41-signed-record-retention")
}

// The DSL ticks records past their date and approves their disposal in one
// batch, or keeps them longer with the reason (UK GDPR Art 5(1)(e), 5(2));
// a held record has no tick box (Annex 2 3.4), and each decision is signed
// and audited.
func TestRetentionBatchDecisions(t *testing.T) {
	u, _, dev := newDSLUI(t)
	today := time.Date(suiteNow.Year(), suiteNow.Month(), suiteNow.Day(), 12, 0, 0, 0, london)
	closedIncident(t, u, "inc-a", "CUS-A", today.AddDate(-6, 0, -10))
	closedIncident(t, u, "inc-b", "CUS-B", today.AddDate(-6, 0, -9))
	closedIncident(t, u, "inc-c", "CUS-C", today.AddDate(-6, 0, -8))
	closedIncident(t, u, "inc-h", "CUS-H", today.AddDate(-6, 0, -7))
	tap(t, u, "Retention")
	mustSee(t, u, "4 past their date", "Decide on ticked records (0 ticked)")

	findRadio(t, u, session.HoldCustomer.Label()).SetSelected(session.HoldCustomer.Label())
	test.Type(findEntry(t, u, "Customer reference or record"), "CUS-H")
	test.Type(findEntry(t, u, "Why the hold is placed (for example, a police investigation, a claim or a subject access request)"), "Police investigation")
	tap(t, u, "Place hold")
	mustSee(t, u, "Held: not offered for disposal.")
	if strings.Contains(visibleTexts(u), "Tick inc-h") {
		t.Fatal("a held record is offered for disposal")
	}

	test.Tap(findCheck(t, u, "Tick inc-a (CUS-A)"))
	test.Tap(findCheck(t, u, "Tick inc-b (CUS-B)"))
	mustSee(t, u, "Decide on ticked records (2 ticked)")
	decisions := func() int {
		n, err := dev.Store.CountEnvelopes(context.Background(), store.Filter{Kind: string(crypto.KindRetention)})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	tap(t, u, "Approve disposal of ticked")
	mustSee(t, u, "Disposal of 2 records approved and signed; 2 disposed of on this computer, and the hub and every device follow at their next sync.",
		"Decide on ticked records (0 ticked)", "2 past their date", "Disposed of (2)",
		"• Incident inc-a, made "+u.clockText(today.AddDate(-6, 0, -10).AddDate(0, -1, 0), "2 January 2006"))
	if strings.Contains(visibleTexts(u), "Incident · CUS-A") || strings.Contains(visibleTexts(u), "Tick inc-b") {
		t.Fatal("a disposed record is still listed")
	}
	if decisions() != 1 || !audited(t, dev, vault.ActionDisposalApproved) || !audited(t, dev, store.ActionDisposed) {
		t.Fatal("the approval is not one signed, audited decision, with the disposals audited")
	}
	for _, id := range []string{"inc-a", "inc-b"} {
		if _, err := dev.Store.GetEnvelope(context.Background(), id); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("%s is still on this computer: %v", id, err)
		}
	}
	if _, err := dev.Store.GetEnvelope(context.Background(), "inc-h"); err != nil {
		t.Fatalf("the held record went: %v", err)
	}
	if un, err := dev.Store.UnsentTombstones(context.Background()); err != nil || len(un) != 2 {
		t.Fatalf("tombstones waiting for the hub: %d, %v", len(un), err)
	}

	// Keeping longer needs the reason and a date.
	test.Tap(findCheck(t, u, "Tick inc-c (CUS-C)"))
	tap(t, u, "Keep ticked longer")
	mustSee(t, u, "Say why the records are kept longer")
	until := today.AddDate(1, 0, 0)
	test.Type(findEntry(t, u, "Reason (needed to keep longer)"), "Complaint to the Ombudsman open")
	test.Type(findEntry(t, u, "Keep until (DD/MM/YYYY)"), until.Format("02/01/2006"))
	tap(t, u, "Keep ticked longer")
	mustSee(t, u, "1 record kept until "+until.Format("2 January 2006")+", signed with the reason.", "1 past their date")
	test.Tap(findCheck(t, u, "Show records due later and those with no date yet"))
	mustSee(t, u, "Kept until "+until.Format("2 January 2006")+": Complaint to the Ombudsman open (decided by Morgan Hughes (demo)", "1 past their date")
	if decisions() != 2 || !audited(t, dev, vault.ActionRetentionExtend) {
		t.Fatal("the extension is not a signed, audited decision")
	}
	test.Tap(findCheck(t, u, "Tick inc-c (CUS-C)"))
	screenshot(t, u, "43-retention-batch")

	// The Board's report counts and lists the disposals.
	tap(t, u, "Home")
	tap(t, u, "Quarterly report")
	settle(u)
	mustSee(t, u, "Records disposed of at the end of retention", "Records disposed of at the end of retention (2)",
		"Past retention date at quarter end, still kept")
	if !strings.Contains(visibleTexts(u), "Incident inc-b: made ") {
		t.Fatal("the report does not list the disposal")
	}
}
