package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/crypto"
	"safeguard/companion/records"
	"safeguard/companion/seed"
	"safeguard/companion/session"
)

// raiseTestIncident reports, as the seeded practitioner, a grooming concern
// about a 14-year-old, and delivers it to the DSL's store as sync would.
// The practitioner answers the immediate-risk question but not the
// severity or who the other person is: Report does not need them, so the
// DSL answers them on the case screen. It is raised before any seeded
// incident and never acknowledged, so it heads the DSL's queue as overdue.
func raiseTestIncident(t *testing.T, w *seed.World) string {
	t.Helper()
	return raiseTestIncidentAs(t, w, "inc-test-1", "CUS-T014", true)
}

// raiseTestIncidentAs is raiseTestIncident with its own id and customer
// reference, leaving the immediate-risk question unanswered too unless
// risk.
func raiseTestIncidentAs(t *testing.T, w *seed.World, id, ref string, risk bool) string {
	t.Helper()
	return raiseTestIncidentDoing(t, w, id, ref, func(inc *session.Incident) error {
		if err := inc.Classify(session.Classification{Type: "grooming"}, ""); err != nil || !risk {
			return err
		}
		return inc.SetImmediateRisk(false, "She is at home with her mother; he does not know where she lives.")
	})
}

// raiseTestIncidentDoing raises and reports an incident as the seeded
// practitioner, who says what happened, then does answer, and delivers it
// to the DSL's store as sync would.
func raiseTestIncidentDoing(t *testing.T, w *seed.World, id, ref string, answer func(*session.Incident) error) string {
	t.Helper()
	ctx := context.Background()
	at := raisedAt
	w.Clock.Set(at)
	defer w.Clock.Set(seededUntil)
	sam := session.Actor{ID: w.Vaults[seed.Practitioner].KeyID()}
	inc, err := session.RaiseIncident(w.Pack, w.Clock, id, sam,
		session.Origin{Kind: session.OriginSession, SessionID: "rec-test-1", Platform: "teams", Elapsed: 20 * time.Minute,
			Disclosures: []string{"he said not to tell anyone about the photos"}},
		session.Customer{Reference: ref, Age: 14})
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []func() error{
		inc.ConfirmGuidance,
		func() error {
			return inc.Describe("An adult from a game asks her to talk in private and to send photos.")
		},
		func() error { return answer(inc) },
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
func dslCase(t *testing.T, w *seed.World, id string) (*records.Case, *records.Index) {
	t.Helper()
	entries, fails, err := w.Vaults[seed.DSL].Open(context.Background(), nil, crypto.KindIncident)
	if err != nil || len(fails) > 0 {
		t.Fatalf("open: %v %v", err, fails)
	}
	recs, errs := records.New(entries)
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
func checkChain(t *testing.T, c *records.Case) {
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
	// Grooming of a 14-year-old, illegal, reported with only the immediate
	// risk answered: of the Annex 1 steps only the report to the DSO is
	// done; police, CEOP and children's social care are required and open.
	mustSee(t, u, "open incident", fmt.Sprintf("OVERDUE: not acknowledged, %d days", int(seededUntil.Sub(raisedAt).Hours()/24)), "CUS-T014 · Contact: Online predators and grooming",
		"Not yet acknowledged", "11 required steps open")
	screenshot(t, u, "23-cases")

	openCase(t, u, "CUS-T014")
	mustSee(t, u, "Not answered yet: How severe is it?", "Where it came from", "20 min into a session on Microsoft Teams",
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

	// The practitioner reported without the severity or who the other
	// person is: closing asks for them, and the DSL answers them here.
	step()
	test.Type(findEntry(t, u, "Outcome: what was done and why the incident can close"), "Referred; police investigating.")
	tap(t, u, "Close incident")
	mustSee(t, u, "Not done yet:", "• Answer: How severe is it?")
	answerGroomingQuestions(t, u)
	tap(t, u, "Save these answers")
	// A child groomed needs the police, CEOP and social care whoever the
	// other person is; a serious incident is also told to the Operations
	// Manager (Annex 1 relevant person).
	mustSee(t, u, "Answers saved. The referral routes are unchanged. Now to be told: Operations Manager.")
	// Issue 20 item 6: a referral's time defaults to now, as the screen
	// is drawn.
	if when, want := findEntry(t, u, "Referred at DD/MM/YYYY HH:MM").Text, clock.Now().In(london).Format("02/01/2006 15:04"); when != want {
		t.Fatalf("the referral time is %q, not now (%s)", when, want)
	}
	if c, _ := dslCase(t, w, id); len(c.Versions) != 3 || c.Doc().Circumstances.Severity != "serious" {
		t.Fatalf("answering made %d versions, severity %q", len(c.Versions), c.Doc().Circumstances.Severity)
	}

	// Closing with the required routes undecided is refused in words, and
	// nothing is sealed.
	step()
	test.Type(findEntry(t, u, "Outcome: what was done and why the incident can close"), "Referred; police investigating.")
	tap(t, u, "Close incident")
	mustSee(t, u, "Not done yet:", "• Police: record the referral, or the reason for not making it.",
		"record the referral, or the reason for not making it")
	if strings.Contains(visibleTexts(u), "Answer: How severe is it?") {
		t.Fatalf("the answered question is still asked for:\n%s", visibleTexts(u))
	}
	if c, _ := dslCase(t, w, id); len(c.Versions) != 3 {
		t.Fatalf("a refused close was sealed: %d versions", len(c.Versions))
	}

	// A referral needs an agency, then its reference.
	tap(t, u, "Record referral")
	mustSee(t, u, "Choose the agency.")
	findSelect(t, u, "Agency").SetSelected("Police")
	test.Type(findEntry(t, u, "Agency's reference number"), "CAD-2211")
	referred := seededUntil.Add(5 * time.Minute)
	// This referral was made earlier than the time offered.
	when := findEntry(t, u, "Referred at DD/MM/YYYY HH:MM")
	when.SetText("")
	test.Type(when, referred.Format("02/01/2006 15:04"))
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
	plainCaseWords(t, u, w)

	// With the routes decided, closing still lists what is left undone
	// and asks for the reason.
	step()
	test.Type(findEntry(t, u, "Outcome: what was done and why the incident can close"), "Referred to police and CEOP; police investigating.")
	tap(t, u, "Close incident")
	mustSee(t, u, "• Follow-up still open: Check she has blocked and reported the account",
		"give the reason the incident closes without them")
	test.Type(findEntry(t, u, "Only if closing with steps or follow-ups left: why"), "Police have taken the case over; they run the follow-up.")
	tap(t, u, "Close incident")
	mustSee(t, u, "Incident closed.", "This incident is closed.", "Closed by Morgan Hughes (demo)",
		"20 min into a session on Microsoft Teams", "· Raised\n", "· Said what happened (as above)", "Follow-up set: Check she has blocked")
	plainCaseWords(t, u, w)

	c, recs := dslCase(t, w, id)
	if c.Doc().Status != session.IncidentClosed || len(c.Versions) != 8 || len(recs.Refused) != 0 {
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
	openCase(t, u, "CUS-T014")
	mustSee(t, u, "A version of this incident was refused and is not shown", "Acknowledge")
}

// openCase taps the queue's row for the customer reference, as a mouse
// would.
func openCase(t *testing.T, u *UI, ref string) {
	t.Helper()
	var row fyne.Tappable
	walk(u, func(o fyne.CanvasObject) {
		tp, ok := o.(fyne.Tappable)
		if !ok || row != nil {
			return
		}
		if w, ok := o.(fyne.Widget); ok && strings.Contains(textsUnder(w), ref+" · ") {
			row = tp
		}
	})
	if row == nil {
		t.Fatalf("no row for %s in the queue:\n%s", ref, visibleTexts(u))
	}
	test.Tap(row)
	settle(u)
}

// textsUnder is the text of every label under a widget.
func textsUnder(o fyne.CanvasObject) string {
	var out []string
	var rec func(o fyne.CanvasObject)
	rec = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch w := o.(type) {
		case *widget.Label:
			out = append(out, w.Text)
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
	rec(o)
	return strings.Join(out, "\n")
}

// radioAfter finds the first visible radio group after the label with the
// text: the answer to that question.
func radioAfter(t *testing.T, u *UI, label string) *widget.RadioGroup {
	t.Helper()
	var found *widget.RadioGroup
	seen := false
	walk(u, func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.Label:
			seen = seen || w.Text == label
		case *widget.RadioGroup:
			if seen && found == nil {
				found = w
			}
		}
	})
	if found == nil {
		t.Fatalf("no answer after %q on screen:\n%s", label, visibleTexts(u))
	}
	return found
}

// answerGroomingQuestions answers, on the case screen, what the test
// incident was reported without: the severity, and that the other person is
// an adult she met online.
func answerGroomingQuestions(t *testing.T, u *UI) {
	t.Helper()
	findSelect(t, u, "Choose the severity").SetSelected(severityLabel(t, u, "serious"))
	findRadio(t, u, whoAdult).SetSelected(whoAdult)
	findSelect(t, u, "How they know each other").SetSelected(session.RelStrangerOnline.Label())
}

// Annex 1 severity, 3.4.2.1, 10.1 f: an incident reported without the
// answers the rules need is answered by the DSL on the case screen, each
// answer a new sealed version, with the route changes it makes said in
// words. An answer the domain refuses is shown in plain words and nothing
// is sealed; answered, the question no longer stops the incident closing.
func TestCaseScreenAnswersOpenQuestions(t *testing.T) {
	u, w := newSeededUI(t, seed.DSL)
	id := raiseTestIncidentAs(t, w, "inc-test-1", "CUS-T014", false)
	versions := func() int { c, _ := dslCase(t, w, id); return len(c.Versions) }

	u.ShowCases()
	settle(u)
	openCase(t, u, "CUS-T014")
	mustSee(t, u, "Not answered yet: How severe is it?", "Immediate risk: not answered")
	tap(t, u, "Acknowledge")
	outcome := "Referred to the police; they are investigating."
	test.Type(findEntry(t, u, "Outcome: what was done and why the incident can close"), outcome)
	tap(t, u, "Close incident")
	mustSee(t, u, "• Answer: How severe is it?", "• Answer: is there an immediate risk?")

	// Refused: an age that is not a number, an age that contradicts
	// "child", and "no immediate risk" without saying why.
	findRadio(t, u, whoChild).SetSelected(whoChild)
	test.Type(findEntry(t, u, "Their age, if known"), "sixteen")
	tap(t, u, "Save these answers")
	mustSee(t, u, "Enter the other person's age in whole years, for example 16, or leave it empty.")
	findEntry(t, u, "Their age, if known").SetText("24")
	tap(t, u, "Save these answers")
	mustSee(t, u, "Not done yet:", "• At 24 they are an adult, not a child: check the age, or choose adult.")
	findEntry(t, u, "Their age, if known").SetText("")
	answerGroomingQuestions(t, u)
	radioAfter(t, u, "Is there an immediate risk? (Annex 1)").SetSelected(no)
	tap(t, u, "Save these answers")
	mustSee(t, u, "• Say why no one is at immediate risk.")
	if n := versions(); n != 2 {
		t.Fatalf("refused answers were sealed: %d versions", n)
	}

	// Answered, with the reason: one new version; the other person being
	// a member of staff brings in the route that deals with staff.
	findSelect(t, u, "How they know each other").SetSelected(session.RelStaff.Label())
	test.Type(findEntry(t, u, "Why no one is at immediate risk (needed for no)"), "She is at home with her mother; he does not know where she lives.")
	tap(t, u, "Save these answers")
	mustSee(t, u, "Answers saved. The referral routes are unchanged. Now to be told: ", "Designated Safeguarding Officer: HR and staff (Head of People)",
		"Immediate risk: no", "To be told (Annex 1 relevant person): ")
	screenshot(t, u, "24a-case-questions")
	c, _ := dslCase(t, w, id)
	if d := c.Doc(); len(c.Versions) != 3 || d.Circumstances.Severity != "serious" || d.ImmediateRisk == nil || *d.ImmediateRisk ||
		d.Circumstances.OtherParty == nil || d.Circumstances.OtherParty.Relationship != session.RelStaff {
		t.Fatalf("answering sealed %d versions: %+v", len(c.Versions), d.Circumstances)
	}
	checkChain(t, c)
	if strings.Contains(visibleTexts(u), "Not answered yet") || strings.Contains(visibleTexts(u), "Is there an immediate risk? (Annex 1)") {
		t.Fatalf("answered questions still shown as open:\n%s", visibleTexts(u))
	}

	// The questions no longer stop it closing: only the routes and the
	// steps do, and with those decided it closes.
	inc, err := session.RestoreIncident(u.cfg.Pack, u.cfg.Clock, c.Doc(), u.caseActor())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range inc.Requirements().Routes {
		if r.Required {
			findSelect(t, u, "Agency").SetSelected(r.Route.Label)
			findEntry(t, u, "Agency's reference number").SetText("REF-" + r.Route.ID)
			tap(t, u, "Record referral")
			mustSee(t, u, "Referral recorded.")
		}
	}
	test.Type(findEntry(t, u, "Outcome: what was done and why the incident can close"), outcome)
	test.Type(findEntry(t, u, "Only if closing with steps or follow-ups left: why"), "The police have taken the case over.")
	tap(t, u, "Close incident")
	mustSee(t, u, "Incident closed.", "This incident is closed.")
	if c, _ := dslCase(t, w, id); c.Doc().Status != session.IncidentClosed {
		t.Fatalf("not closed: %s", c.Doc().Status)
	}
}

// yOf is where on the window the first visible label containing text is
// drawn, from the top.
func yOf(t *testing.T, u *UI, text string) float32 {
	t.Helper()
	var found fyne.CanvasObject
	walk(u, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && found == nil && strings.Contains(l.Text, text) {
			found = l
		}
	})
	if found == nil {
		t.Fatalf("%q not on screen:\n%s", text, visibleTexts(u))
	}
	return fyne.CurrentApp().Driver().AbsolutePositionForObject(found).Y
}

// unacknowledged counts the incidents in the DSL's vault not yet
// acknowledged, and finds when the oldest was raised.
func unacknowledged(t *testing.T, w *seed.World) (n int, oldest time.Time) {
	t.Helper()
	entries, _, err := w.Vaults[seed.DSL].Open(context.Background(), nil, crypto.KindIncident)
	if err != nil {
		t.Fatal(err)
	}
	recs, _ := records.New(entries)
	for _, c := range recs.Cases {
		if d := c.Doc(); d.Status == session.IncidentReported {
			if n++; n == 1 || d.RaisedAt.Before(oldest) {
				oldest = d.RaisedAt
			}
		}
	}
	return n, oldest
}

// Issue 20 item 6: new incidents, not yet acknowledged, come first in the
// DSL's queue under their own heading, apart from the acknowledged ones
// whose follow-ups are overdue (Annex 1: reported to the DSL as soon as
// possible; session.AckWithin).
func TestCaseQueueGroupsNewIncidentsFirst(t *testing.T) {
	u, w := newSeededUI(t, seed.DSL)
	raiseTestIncident(t, w)
	// A second incident, acknowledged the hour it was raised, whose
	// follow-up fell due the next day.
	id := raiseTestIncidentAs(t, w, "inc-test-2", "CUS-T022", true)
	dslSeal(t, w, id, raisedAt.Add(time.Hour), func(i *session.Incident) error {
		if err := i.Acknowledge(); err != nil {
			return err
		}
		_, err := i.AddFollowUp("Check she has blocked the account", "Morgan", raisedAt.AddDate(0, 0, 1))
		return err
	})
	u.win.Resize(fyne.NewSize(1200, 2400))
	n, _ := unacknowledged(t, w)

	u.ShowCases()
	settle(u)
	newHead := fmt.Sprintf("New: not yet acknowledged (%d), longest waiting first", n)
	overdueHead := "Acknowledged, with a follow-up overdue ("
	order := []float32{yOf(t, u, newHead), yOf(t, u, "CUS-T014 · "), yOf(t, u, overdueHead), yOf(t, u, "CUS-T022 · ")}
	if !slices.IsSorted(order) {
		t.Fatalf("not new first, under its heading, then the overdue follow-up under its own (%v):\n%s", order, visibleTexts(u))
	}
	mustSee(t, u, "OVERDUE: Follow-up overdue")
	screenshot(t, u, "23b-cases-grouped")
}

// dslSeal applies a DSL action to the latest version of an incident at a
// given time and seals it in the DSL's vault, as the case screen would.
func dslSeal(t *testing.T, w *seed.World, id string, at time.Time, apply func(*session.Incident) error) {
	t.Helper()
	w.Clock.Set(at)
	defer w.Clock.Set(seededUntil)
	c, _ := dslCase(t, w, id)
	inc, err := session.RestoreIncident(w.Pack, w.Clock, c.Doc(), session.Actor{ID: w.Vaults[seed.DSL].KeyID(), Safeguarding: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := apply(inc); err != nil {
		t.Fatal(err)
	}
	parent := c.Latest.Entry
	if _, err := w.Vaults[seed.DSL].ReportIncident(context.Background(), fmt.Sprintf("%s-v%d", id, len(c.Versions)+1), inc.Document(), &parent); err != nil {
		t.Fatal(err)
	}
}

// Issue 20 item 6: home tells the safeguarding team how many incidents
// are not yet acknowledged and how long the oldest has waited, marked once
// past session.AckWithin; acknowledging one takes it off the count. Nobody
// else is told.
func TestHomeCountsUnacknowledgedIncidents(t *testing.T) {
	u, w := newSeededUI(t, seed.DSL)
	raiseTestIncident(t, w)
	n, oldest := unacknowledged(t, w)
	if !oldest.Equal(raisedAt) {
		t.Fatalf("the oldest waiting incident was raised at %s, not the test's at %s", oldest, raisedAt)
	}
	count := func(n int) string {
		if n == 1 {
			return "1 incident not yet acknowledged"
		}
		return fmt.Sprintf("%d incidents not yet acknowledged", n)
	}

	u.ShowHome()
	settle(u)
	mustSee(t, u, fmt.Sprintf("%s; the oldest has waited %d days. Escalations should be acknowledged within 24 hours: open Incident cases.",
		count(n), int(seededUntil.Sub(raisedAt).Hours()/24)))
	screenshot(t, u, "23a-home-dsl")

	u.ShowCases()
	settle(u)
	openCase(t, u, "CUS-T014")
	tap(t, u, "Acknowledge")
	u.ShowHome()
	settle(u)
	if n == 1 {
		mustSee(t, u, "No incident is waiting to be acknowledged.")
	} else {
		mustSee(t, u, count(n-1)+"; the oldest has waited ")
	}

	p, _ := newSeededUIFrom(t, w, seed.Practitioner)
	p.ShowHome()
	settle(p)
	if texts := visibleTexts(p); strings.Contains(texts, "acknowledged") {
		t.Fatalf("a practitioner's home counts the safeguarding team's incidents:\n%s", texts)
	}
}

// plainCaseWords fails if the case screen shows a raw id or key (issue 20
// item 8: no raw ids or hashes in the chronology) or prints any line of
// text twice.
func plainCaseWords(t *testing.T, u *UI, w *seed.World) {
	t.Helper()
	var lines []string
	walk(u, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok {
			lines = append(lines, strings.Split(l.Text, "\n")...)
		}
	})
	raw := []string{"rec-test-1", "inc-test-1", "f1", w.Vaults[seed.DSL].KeyID(), w.Vaults[seed.Practitioner].KeyID()}
	seen := map[string]bool{}
	for _, line := range lines {
		line = strings.TrimSpace(line)
		for _, r := range raw {
			if strings.Contains(line, r) {
				t.Errorf("raw id %q on the case screen: %q", r, line)
			}
		}
		if line != "" && seen[line] {
			t.Errorf("printed twice: %q", line)
		}
		seen[line] = true
	}
}

// Policy 1.4, 3, 4: a practitioner may report an incident without saying
// what kind it is, and Close refuses an unclassified incident; the DSL
// classifies it on the case screen, with the pack's help for the choice
// (3.4.7.1-2 for nudes), sealed as a new version, and it can then close.
func TestCaseScreenClassifiesAnUnclassifiedIncident(t *testing.T) {
	u, w := newSeededUI(t, seed.DSL)
	id := raiseTestIncidentDoing(t, w, "inc-test-1", "CUS-T015", func(inc *session.Incident) error {
		return inc.SetImmediateRisk(false, "She is at home with her mother; he does not know where she lives.")
	})
	versions := func() int { c, _ := dslCase(t, w, id); return len(c.Versions) }

	u.ShowCases()
	settle(u)
	mustSee(t, u, "CUS-T015 · Not classified yet")
	openCase(t, u, "CUS-T015")
	mustSee(t, u, "Not classified yet.")
	tap(t, u, "Acknowledge")
	outcome := "Referred to the police; they are investigating."
	test.Type(findEntry(t, u, "Outcome: what was done and why the incident can close"), outcome)
	tap(t, u, "Close incident")
	mustSee(t, u, "• Classify the incident before closing it.", "What kind of incident (1.4, 3, 4)", "Needed before the incident can close")

	// Nothing chosen: refused in words, nothing sealed.
	tap(t, u, "Save the classification")
	mustSee(t, u, "Choose the type of incident first")
	if n := versions(); n != 2 {
		t.Fatalf("an empty classification was sealed: %d versions", n)
	}

	// The pack's help is shown for the type chosen and each subtype, so
	// experimental and aggravated are chosen on the policy's terms.
	kind := findSelect(t, u, "Choose the type")
	kind.SetSelected(kindLabel(t, u, "nudes_semi_nudes"))
	mustSee(t, u, "Experimental (3.4.7.2): Created and sent with no adult involvement", "Aggravated (3.4.7.1): Additional or abusive elements")
	screenshot(t, u, "24b-case-classify")

	// It is grooming, as what happened says: its category comes with it,
	// and the routes a groomed child needs are now required.
	kind.SetSelected(kindLabel(t, u, "grooming"))
	if cat := findSelect(t, u, "Content, contact, conduct or commerce").Selected; cat == "" {
		t.Fatal("choosing the type did not bring its category")
	}
	tap(t, u, "Save the classification")
	mustSee(t, u, "Classified. Referral routes: Police is now required", "Contact: Online predators and grooming · ", "Illegal: yes.")
	c, _ := dslCase(t, w, id)
	if d := c.Doc(); len(c.Versions) != 3 || d.Type != "grooming" || d.Category == "" {
		t.Fatalf("classifying sealed %d versions: %+v", len(c.Versions), d.Classification)
	}
	checkChain(t, c)
	if strings.Contains(visibleTexts(u), "Needed before the incident can close: the practitioner") {
		t.Fatalf("the classification is still asked for:\n%s", visibleTexts(u))
	}

	// What is left is what grooming needs; done, it closes.
	answerGroomingQuestions(t, u)
	tap(t, u, "Save these answers")
	mustSee(t, u, "Answers saved.")
	plainCaseWords(t, u, w)
	inc, err := session.RestoreIncident(u.cfg.Pack, u.cfg.Clock, c.Doc(), u.caseActor())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range inc.Requirements().Routes {
		if r.Required {
			findSelect(t, u, "Agency").SetSelected(r.Route.Label)
			findEntry(t, u, "Agency's reference number").SetText("REF-" + r.Route.ID)
			tap(t, u, "Record referral")
			mustSee(t, u, "Referral recorded.")
		}
	}
	test.Type(findEntry(t, u, "Outcome: what was done and why the incident can close"), outcome)
	test.Type(findEntry(t, u, "Only if closing with steps or follow-ups left: why"), "The police have taken the case over.")
	tap(t, u, "Close incident")
	mustSee(t, u, "Incident closed.", "This incident is closed.")
	if c, _ := dslCase(t, w, id); c.Doc().Status != session.IncidentClosed {
		t.Fatalf("not closed: %s", c.Doc().Status)
	}
}

// Issue 20 item 2: what the DSL types in one of the case's boxes is kept
// while another action is taken (each redraws the screen) and when the
// case is left for the queue and opened again; a box is emptied only once
// its own action is saved.
func TestCaseScreenKeepsWhatIsTyped(t *testing.T) {
	u, w := newSeededUI(t, seed.DSL)
	raiseTestIncident(t, w)
	u.ShowCases()
	settle(u)
	openCase(t, u, "CUS-T014")
	tap(t, u, "Acknowledge")
	mustSee(t, u, "Acknowledged.")
	const check = "That the police have made contact with her"
	test.Type(findEntry(t, u, "What will be checked"), check)
	test.Type(findEntry(t, u, "A call made, a discussion held (added to the chronology)"), "Rang the police; PC on duty took the details.")
	tap(t, u, "Add note")
	mustSee(t, u, "Note added.", "Rang the police; PC on duty took the details.")
	if got := findEntry(t, u, "A call made, a discussion held (added to the chronology)").Text; got != "" {
		t.Errorf("the note box after adding it: %q", got)
	}
	if got := findEntry(t, u, "What will be checked").Text; got != check {
		t.Fatalf("the follow-up typed, after adding a note: %q", got)
	}
	tap(t, u, "Back")
	settle(u)
	openCase(t, u, "CUS-T014")
	if got := findEntry(t, u, "What will be checked").Text; got != check {
		t.Fatalf("the follow-up typed, on opening the case again: %q", got)
	}
}
