package app

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"safeguard/companion/crypto"
	"safeguard/companion/device"
	"safeguard/companion/seed"
	"safeguard/companion/session"
	"safeguard/companion/store"
	"safeguard/companion/sync/client"
	"safeguard/companion/sync/hub"
	"safeguard/companion/sync/synctest"
	"safeguard/companion/testclock"
	"safeguard/companion/vault"
)

// personOnHub is one person's UI on their own enrolled device, syncing
// with the hub by hand.
type personOnHub struct {
	u   *UI
	dev *device.Device
	eng *client.Engine
}

func (p personOnHub) sync(t *testing.T) {
	t.Helper()
	if err := p.eng.SyncNow(context.Background()); err != nil {
		t.Fatalf("sync: %v", err)
	}
}

// holds reports whether the device holds the envelope.
func (p personOnHub) holds(t *testing.T, id string) bool {
	t.Helper()
	_, err := p.dev.Store.GetEnvelope(context.Background(), id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

// Issue 16, end to end through a real hub on loopback, on both hub
// backends (Annex 2 3.4: records kept securely, and no longer than the
// schedule says, UK GDPR Art 5(1)(e)). Sam signs a record through the
// screens; his app shares its retention facts, sealed to the DSLs. A record
// he signed before facts were shared gets them from Priya's app, his line
// manager's, when she opens it. Priya reviews the first (the review sealed
// to Sam's line of management only). Morgan, the DSL, who can read neither
// record nor review, sees both records on the Retention screen once they
// are due, places a legal hold on the second's customer, and approves
// disposal of the first: the record, its review and its facts leave the hub
// and every device; the held record and its facts stay.
func TestDisposalOfPractitionersRecordThroughTheHub(t *testing.T) {
	backends := []struct {
		name string
		open func(t *testing.T) hub.Backend
	}{
		{"sqlite", func(t *testing.T) hub.Backend {
			db, err := hub.OpenSQLite(context.Background(), t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		}},
		{"postgres", func(t *testing.T) hub.Backend { return synctest.OpenPostgres(t) }},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			now := testclock.Start()
			samUI, clock := newTestUI(t)
			clock.Set(now)
			db := b.open(t)
			lh, enrol := startTestHubOn(t, db, now, clock.Now)
			defer lh.down()
			// Every device is enrolled first, on the hub's day.
			devs := map[string]*device.Device{}
			keys := map[string]crypto.Keystore{}
			for _, p := range []string{"sam", "priya", "morgan"} {
				devs[p], keys[p] = enrol(p)
			}
			join := func(u *UI, person string) personOnHub {
				dev, keys := devs[person], keys[person]
				n := 0
				u.cfg.Clock = clock
				u.cfg.NewID = func() string { n++; return fmt.Sprintf("%s-%04d", person, n) }
				u.keys = keys
				u.useDevice(dev) // opening the app: loadSessions shares missing facts
				settle(u)
				eng, err := dev.SyncEngine(keys, nil, clock.Now)
				if err != nil {
					t.Fatal(err)
				}
				u.sync.engine = eng
				return personOnHub{u: u, dev: dev, eng: eng}
			}
			sam := join(samUI, "sam")

			// Sam signs a record through the screens (customer CUS-4821,
			// aged 15: kept to date of birth + 25 years).
			l := liveSession(t, sam.u, clock)
			for _, c := range l.agreement {
				c.SetChecked(true)
			}
			settle(sam.u)
			clock.Advance(30 * time.Minute)
			tap(t, sam.u, "End session")
			test.Type(findEntry(t, sam.u, "What was discussed"), "Apprenticeship options; CV next week.")
			tap(t, sam.u, "Sign and lock")
			tap(t, sam.u, "Yes")
			settle(sam.u)
			samVault := sam.dev.Vault(clock)
			recs, _, err := samVault.Open(ctx, nil, crypto.KindSessionRecord)
			if err != nil || len(recs) != 1 {
				t.Fatalf("sam's signed records: %d %v", len(recs), err)
			}
			gone := recs[0]
			var goneDoc session.Document
			if err := gone.Decode(&goneDoc); err != nil {
				t.Fatal(err)
			}
			facts, _, err := samVault.RetentionFacts(ctx)
			if err != nil || len(facts) != 1 || facts[0].RecordID != gone.Header.ID || facts[0].By != "sam" || facts[0].Reference != "CUS-4821" || facts[0].Age != 15 {
				t.Fatalf("signing shared no retention facts, or the wrong ones: %+v %v", facts, err)
			}
			goneFacts := facts[0].ID

			// A record signed as before facts were shared: nothing for the
			// DSLs until a line manager's app shares them.
			heldDoc := goneDoc
			heldDoc.ID = "ses-before-facts"
			heldDoc.Plan.Customer.Reference = "CUS-HELD"
			if _, err := samVault.SignRecord(ctx, heldDoc); err != nil {
				t.Fatal(err)
			}
			sam.sync(t)

			// Priya opens her app: it shares the missing facts; she
			// reviews the first record.
			priyaDev, priyaKeys := devs["priya"], keys["priya"]
			priyaEng, err := priyaDev.SyncEngine(priyaKeys, nil, clock.Now)
			if err != nil {
				t.Fatal(err)
			}
			if err := priyaEng.SyncNow(ctx); err != nil {
				t.Fatal(err)
			}
			priyaUI, _ := newTestUI(t)
			n := 0
			priyaUI.cfg.Clock, priyaUI.cfg.NewID, priyaUI.keys = clock, func() string { n++; return fmt.Sprintf("priya-%04d", n) }, priyaKeys
			priyaUI.useDevice(priyaDev)
			settle(priyaUI)
			priyaUI.sync.engine = priyaEng
			priya := personOnHub{u: priyaUI, dev: priyaDev, eng: priyaEng}
			pv := priyaDev.Vault(clock)
			pfacts, _, err := pv.RetentionFacts(ctx)
			var heldFacts string
			for _, f := range pfacts {
				if f.RecordID == heldDoc.ID && f.By == "priya" {
					heldFacts = f.ID
				}
			}
			if err != nil || heldFacts == "" {
				t.Fatalf("the line manager's app did not share the facts of a record signed without them: %+v %v", pfacts, err)
			}
			pe, _, err := pv.Open(ctx, nil, crypto.KindSessionRecord)
			if err != nil {
				t.Fatal(err)
			}
			for i := range pe {
				if pe[i].Header.ID == gone.Header.ID {
					pe[0] = pe[i]
				}
			}
			if len(pe) != 2 || pe[0].Header.ID != gone.Header.ID {
				t.Fatalf("priya opens %d records", len(pe))
			}
			rv, err := session.NewReview(session.Review{ID: "priya-review", ParentID: gone.Header.ID, Reviewer: "priya", Action: session.ReviewCountersigned}, "sam", nil, clock)
			if err != nil {
				t.Fatal(err)
			}
			review, err := pv.PutFor(ctx, rv.ID, crypto.KindReview, rv, &pe[0], pe[0].Header.PolicyVersion, vault.SubjectOf(pe[0]))
			if err != nil {
				t.Fatal(err)
			}
			priya.sync(t)
			sam.sync(t)
			if !sam.holds(t, review.Header.ID) {
				t.Fatal("sam did not get the review of his record")
			}

			// Eleven years on, Morgan sees both records due, though he can
			// read neither.
			morganUI, _ := newTestUI(t)
			morgan := join(morganUI, "morgan")
			morgan.sync(t)
			if morgan.holds(t, gone.Header.ID) || morgan.holds(t, review.Header.ID) || !morgan.holds(t, goneFacts) || !morgan.holds(t, heldFacts) {
				t.Fatal("the DSL's device holds the wrong envelopes: the facts, never the record or its review")
			}
			clock.Set(now.AddDate(11, 0, 0))
			tap(t, morgan.u, "Retention")
			mustSee(t, morgan.u, "2 past their date", "Session record · CUS-4821", "Session record · CUS-HELD",
				"date of birth + 25 years, then review")

			findRadio(t, morgan.u, session.HoldCustomer.Label()).SetSelected(session.HoldCustomer.Label())
			test.Type(findEntry(t, morgan.u, "Customer reference or record"), "CUS-HELD")
			test.Type(findEntry(t, morgan.u, "Why the hold is placed (for example, a police investigation, a claim or a subject access request)"), "Claim notified")
			tap(t, morgan.u, "Place hold")
			mustSee(t, morgan.u, "Held: not offered for disposal.")
			if b.name == "sqlite" {
				screenshot(t, morgan.u, "44-retention-practitioners-records")
			}
			test.Tap(findCheck(t, morgan.u, "Tick "+gone.Header.ID+" (CUS-4821)"))
			tap(t, morgan.u, "Approve disposal of ticked")
			mustSee(t, morgan.u, "Disposal of 1 record approved and signed; 1 disposed of on this computer", "Disposed of (1)")
			if morgan.holds(t, goneFacts) || !morgan.holds(t, heldFacts) {
				t.Fatal("the DSL's device: the disposed record's facts stayed, or the held one's went")
			}
			morgan.sync(t)

			// The hub: the record, its review and its facts are gone; the
			// held record and its facts stay.
			for _, id := range []string{gone.Header.ID, review.Header.ID, goneFacts} {
				if _, err := db.Get(ctx, id); !errors.Is(err, hub.ErrNotFound) {
					t.Errorf("the hub still serves %s: %v", id, err)
				}
			}
			for _, id := range []string{heldDoc.ID, heldFacts} {
				if _, err := db.Get(ctx, id); err != nil {
					t.Errorf("the hub lost %s, which is held: %v", id, err)
				}
			}
			// Every device: the same.
			for _, p := range []personOnHub{sam, priya} {
				p.sync(t)
				for _, id := range []string{gone.Header.ID, review.Header.ID, goneFacts} {
					if p.holds(t, id) {
						t.Errorf("a device still holds %s", id)
					}
				}
				if !p.holds(t, heldDoc.ID) {
					t.Error("a device lost the held record")
				}
			}
			if !priya.holds(t, heldFacts) {
				t.Error("the held record's facts left the device of the manager who shared them")
			}
			// A review written later under the disposed record is refused
			// by the hub.
			late := []byte("a review sealed after disposal")
			if _, err := db.Push(ctx, []hub.Item{{ID: "priya-late", Hash: "late", Author: "priya", Device: "d", Recipients: []string{"k"}, Data: late, Parent: gone.Header.ID}}, clock.Now()); !errors.As(err, new(*hub.DisposedError)) {
				t.Errorf("an envelope pushed under a disposed record: %v", err)
			}
		})
	}
}

// TestMissingFactsAreSharedAfterHomeIsUp: a line manager's records signed
// before facts were shared (issue 16) are shared in the background after
// the records are open, a chunk at a time: opening never waits for them.
// A manager with five years of such records has tens of thousands, which
// took longer than one background job may (found on a 105,000-record
// device: home said "Opening your records…" for a minute, then that they
// could not be opened).
func TestMissingFactsAreSharedAfterHomeIsUp(t *testing.T) {
	u, w := newSeededUI(t, seed.Manager)
	v := w.Vaults[seed.Manager]
	u.loadSessions()
	sw := testclock.NewStopwatch()
	for !u.journal.loaded && sw.Within(time.Minute) {
		select {
		case fn := <-u.ui.queue:
			fn()
		default:
			time.Sleep(time.Millisecond)
		}
	}
	if !u.journal.loaded || u.journal.loadProblem != "" {
		t.Fatalf("records not opened: loaded %v, %q", u.journal.loaded, u.journal.loadProblem)
	}
	have, err := v.FactsShared(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(have) != 0 {
		t.Errorf("%d facts were shared before the records were shown as open", len(have))
	}
	settle(u)
	have, err = v.FactsShared(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(have) <= factsChunk {
		t.Fatalf("%d facts shared: the seeded year should need more than one chunk of %d", len(have), factsChunk)
	}
	// Every record the manager manages now has its facts: none is missing.
	entries, _, err := v.Open(t.Context(), nil, crypto.KindSessionRecord)
	if err != nil {
		t.Fatal(err)
	}
	_, missing, err := u.missingFacts(t.Context(), entries)
	if err != nil || len(missing) != 0 {
		t.Errorf("%d records still without facts (%v)", len(missing), err)
	}
}
