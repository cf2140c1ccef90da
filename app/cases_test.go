package app

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/crypto"
	"safeguard/companion/report"
	"safeguard/companion/seed"
	"safeguard/companion/session"
)

// raiseTestIncident reports, as the seeded practitioner, a grooming concern
// about a 14-year-old (three referral routes required: police, CEOP and
// children's social care), and delivers it to the DSL's store as sync
// would. It is raised before any seeded incident and never acknowledged, so
// it heads the DSL's queue as overdue.
func raiseTestIncident(t *testing.T, w *seed.World) string {
	t.Helper()
	ctx := context.Background()
	at := raisedAt
	w.Clock.Set(at)
	defer w.Clock.Set(seededUntil)
	sam := session.Actor{ID: w.Vaults[seed.Practitioner].KeyID()}
	inc, err := session.RaiseIncident(w.Pack, w.Clock, "inc-test-1", sam,
		session.Origin{Kind: session.OriginSession, SessionID: "rec-test-1", Platform: "teams", Elapsed: 20 * time.Minute,
			Disclosures: []string{"he said not to tell anyone about the photos"}},
		session.Customer{Reference: "CUS-T014", Age: 14})
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []func() error{
		inc.ConfirmGuidance,
		func() error {
			return inc.Describe("An adult from a game asks her to talk in private and to send photos.")
		},
		func() error { return inc.Classify(session.Classification{Type: "grooming"}, "") },
		func() error {
			return inc.SetCircumstances(session.Circumstances{Severity: "serious",
				OtherParty: &session.OtherParty{Is: session.PartyAdult, Relationship: session.RelStrangerOnline}}, "")
		},
		func() error {
			return inc.SetImmediateRisk(false, "She is at home with her mother; he does not know where she lives.")
		},
		inc.Report,
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	doc := inc.Document()
	if _, err := w.Vaults[seed.Practitioner].ReportIncident(ctx, doc.ID, doc, nil); err != nil {
		t.Fatal(err)
	}
	e, err := w.Stores[seed.Practitioner].GetEnvelope(ctx, doc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Stores[seed.DSL].PutReceivedEnvelope(ctx, e); err != nil {
		t.Fatal(err)
	}
	return doc.ID
}

// dslCase opens the DSL's incident versions from their vault and folds them,
// as another device would.
func dslCase(t *testing.T, w *seed.World, id string) (*report.Case, *report.Records) {
	t.Helper()
	entries, fails, err := w.Vaults[seed.DSL].Open(context.Background(), nil, crypto.KindIncident)
	if err != nil || len(fails) > 0 {
		t.Fatalf("open: %v %v", err, fails)
	}
	recs, errs := report.NewRecords(entries)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	c, ok := recs.Case(id)
	if !ok {
		t.Fatalf("incident %s not in the DSL's vault", id)
	}
	return c, recs
}

// checkChain checks that every version of a case names the one before as
// its parent, bound by hash, and extends it.
func checkChain(t *testing.T, c *report.Case) {
	t.Helper()
	for k := 1; k < len(c.Versions); k++ {
		prev, v := c.Versions[k-1], c.Versions[k]
		if v.Entry.Header.ParentID != prev.Entry.Header.ID || v.Entry.Header.ParentHash != prev.Entry.Hash {
			t.Fatalf("version %d does not name version %d as parent", k+1, k)
		}
		if err := v.Incident.Extends(*prev.Incident); err != nil {
			t.Fatalf("version %d: %v", k+1, err)
		}
		if v.Entry.Header.Kind != crypto.KindIncident || v.Entry.Author == nil || v.Entry.Author.ID != seed.DSL {
			t.Fatalf("version %d is not an incident sealed by the DSL", k+1)
		}
	}
}

func findSelect(t *testing.T, u *UI, placeholder string) *widget.Select {
	t.Helper()
	var found *widget.Select
	walk(u, func(o fyne.CanvasObject) {
		if s, ok := o.(*widget.Select); ok && found == nil && s.PlaceHolder == placeholder {
			found = s
		}
	})
	if found == nil {
		t.Fatalf("no select %q on screen", placeholder)
	}
	return found
}

func mustSee(t *testing.T, u *UI, want ...string) {
	t.Helper()
	texts := visibleTexts(u)
	for _, w := range want {
		if !strings.Contains(texts, w) {
			t.Fatalf("%q not on screen:\n%s", w, texts)
		}
	}
}

// raisedAt is when raiseTestIncident raises its incident: 15:00 the day
// before the seeded records begin.
var raisedAt = seededFrom.Add(-9 * time.Hour)

func TestCaseQueueAcknowledgeReferClose(t *testing.T) {
	u, w := newSeededUI(t, seed.DSL)
	id := raiseTestIncident(t, w)
	clock := u.cfg.Clock.(*fixedClock)
	step := func() { clock.Advance(7 * time.Minute); w.Clock.Set(clock.Now()) }

	u.ShowCases()
	settle(u)
	mustSee(t, u, "open incident", fmt.Sprintf("OVERDUE: not acknowledged, %d days", int(seededUntil.Sub(raisedAt).Hours()/24)), "CUS-T014 · Contact: Online predators and grooming",
		"Not yet acknowledged", "3 required steps open")
	screenshot(t, u, "23-cases")

	// Overdue incidents come first, the oldest first: the test incident.
	findList(t, u).Select(0)
	settle(u)
	mustSee(t, u, "Where it came from", "20 min into the session rec-test-1 (Microsoft Teams)",
		"“he said not to tell anyone about the photos”", "Customer CUS-T014, aged 14",
		"Illegal: yes.", "Immediate risk: no", "Chronology", "Version 1, sealed by Sam")

	step()
	tap(t, u, "Acknowledge")
	mustSee(t, u, "Acknowledged.", fmt.Sprintf("Acknowledged after %d days", int(clock.Now().Sub(raisedAt).Hours()/24)))
	c, _ := dslCase(t, w, id)
	if len(c.Versions) != 2 || c.Doc().Status != session.IncidentAcknowledged {
		t.Fatalf("acknowledging made %d versions, status %s", len(c.Versions), c.Doc().Status)
	}
	checkChain(t, c)

	// Closing with the required routes undecided is refused in words, and
	// nothing is sealed.
	step()
	test.Type(findEntry(t, u, "Outcome: what was done and why the incident can close"), "Referred; police investigating.")
	tap(t, u, "Close incident")
	mustSee(t, u, "Not done yet:", "• Police: record the referral, or the reason for not making it.",
		"record the referral, or the reason for not making it")
	if c, _ := dslCase(t, w, id); len(c.Versions) != 2 {
		t.Fatalf("a refused close was sealed: %d versions", len(c.Versions))
	}

	// A referral needs an agency, then its reference.
	tap(t, u, "Record referral")
	mustSee(t, u, "Choose the agency.")
	findSelect(t, u, "Agency").SetSelected("Police")
	test.Type(findEntry(t, u, "Agency's reference number"), "CAD-2211")
	referred := seededUntil.Add(5 * time.Minute)
	test.Type(findEntry(t, u, "Referred at DD/MM/YYYY HH:MM"), referred.Format("02/01/2006 15:04"))
	tap(t, u, "Record referral")
	mustSee(t, u, "Referral recorded.", "✓ Police (required): referred "+referred.Format("2 Jan 2006 15:04")+", reference CAD-2211")

	step()
	findSelect(t, u, "Agency").SetSelected("CEOP (National Crime Agency Child Exploitation and Online Protection)")
	test.Type(findEntry(t, u, "Agency's reference number"), "CEOP-77")
	tap(t, u, "Record referral")
	step()
	findSelect(t, u, "Agency").SetSelected("Children's social care")
	tap(t, u, "Not referring")
	mustSee(t, u, "Say why this referral is not being made.")
	test.Type(findEntry(t, u, "Why this referral is not being made"), "Police strategy meeting includes social care; they asked us not to refer twice.")
	tap(t, u, "Not referring")
	mustSee(t, u, "– Children's social care (required): not referred.")

	step()
	test.Type(findEntry(t, u, "What will be checked"), "Check she has blocked and reported the account")
	test.Type(findEntry(t, u, "Who will check it"), "Morgan")
	due := seededUntil.AddDate(0, 0, 14)
	test.Type(findEntry(t, u, "Due (DD/MM/YYYY)"), dmy(due))
	tap(t, u, "Add follow-up")
	mustSee(t, u, "Follow-up set.", "○ Check she has blocked and reported the account (Morgan), due "+due.Format("Mon 2 Jan 2006"))
	screenshot(t, u, "24-case")

	// With the routes decided, closing still lists what is left undone
	// and asks for the reason.
	step()
	test.Type(findEntry(t, u, "Outcome: what was done and why the incident can close"), "Referred to police and CEOP; police investigating.")
	tap(t, u, "Close incident")
	mustSee(t, u, "• Follow-up still open: Check she has blocked and reported the account",
		"give the reason the incident closes without them")
	test.Type(findEntry(t, u, "Only if closing with steps or follow-ups left: why"), "Police have taken the case over; they run the follow-up.")
	tap(t, u, "Close incident")
	mustSee(t, u, "Incident closed.", "This incident is closed.", "Closed by Morgan Hughes (demo)")

	c, recs := dslCase(t, w, id)
	if c.Doc().Status != session.IncidentClosed || len(c.Versions) != 7 || len(recs.Refused) != 0 {
		t.Fatalf("closed incident: status %s, %d versions, %d refused", c.Doc().Status, len(c.Versions), len(recs.Refused))
	}
	checkChain(t, c)
	if d := c.Doc(); len(d.Referrals) != 2 || d.Referrals[0].Reference != "CAD-2211" || len(d.Declined) != 1 || d.CloseReason == "" {
		t.Fatalf("what the domain recorded: %+v %+v %q", d.Referrals, d.Declined, d.CloseReason)
	}

	// Back in the queue the incident has left the open list.
	tap(t, u, "Back")
	if strings.Contains(visibleTexts(u), "CUS-T014") {
		t.Fatalf("a closed incident is still in the open queue:\n%s", visibleTexts(u))
	}

	// The access audit shows the DSL opened the incident.
	u.ShowAccessAudit(w.Stores[seed.DSL])
	settle(u)
	local, err := w.Stores[seed.DSL].AuditEvents(context.Background(), 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	mustSee(t, u, fmt.Sprintf("%d events on this device and ", len(local)), "every chain is unbroken", "shared from colleagues' devices", "Morgan Hughes (demo)", "Priya Shah (demo)", "opened", "Incident · CUS-T014: Contact: Online predators and grooming")
	screenshot(t, u, "25-access-audit")
}

// A version that rewrites the incident's history is refused: the queue says
// so, and the case shows the version before it.
func TestCaseQueueRefusesRewrittenHistory(t *testing.T) {
	u, w := newSeededUI(t, seed.DSL)
	id := raiseTestIncident(t, w)
	c, _ := dslCase(t, w, id)
	bad := c.Doc()
	bad.Chronology[0].Detail = "Nothing happened"
	bad.Status = session.IncidentClosed
	if _, err := w.Vaults[seed.DSL].ReportIncident(context.Background(), "inc-test-forged", bad, &c.Latest.Entry); err != nil {
		t.Fatal(err)
	}
	u.ShowCases()
	settle(u)
	mustSee(t, u, "1 incident record refused and not shown", "it rewrites the incident's history", "CUS-T014", "Not yet acknowledged")
	findList(t, u).Select(0)
	settle(u)
	mustSee(t, u, "A version of this incident was refused and is not shown", "Acknowledge")
}
