package app

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"safeguard/companion/records"
	"safeguard/companion/seed"
	"safeguard/companion/session"
)

// TestHomeSaysWhatWaitsOnAManager: home tells a line manager how many of her
// team's records wait for review (and how many are overdue), the follow-ups
// past their day, and whether last quarter's figures are shared (issue 15).
func TestHomeSaysWhatWaitsOnAManager(t *testing.T) {
	u, w := newSeededUI(t, seed.Manager)
	u.ShowHome()
	settle(u)
	recs := openRecords(t, w, seed.Manager)
	want := needsOf(recs, u.me().ID, u.cfg.Clock.Now(), w.Pack)
	if want.waiting == 0 {
		t.Fatal("the seeded year leaves nothing waiting for review: the test would prove nothing")
	}
	texts := visibleTexts(u)
	if !strings.Contains(texts, fmt.Sprintf("%d records waiting for your review", want.waiting)) {
		t.Fatalf("home does not say what waits (want %d):\n%s", want.waiting, texts)
	}
	// Counted independently: unreviewed session records by others.
	n := 0
	for _, it := range recs.Items {
		if it.Doc != nil && it.Entry.Author.ID != u.me().ID && !session.StatusOf(recs.Reviews[it.Entry.Header.ID]).Reviewed {
			n++
		}
	}
	if n != want.waiting {
		t.Errorf("waiting %d, counted %d", want.waiting, n)
	}
	if want.figuresShared == strings.Contains(texts, "are not yet shared") {
		t.Errorf("figures shared %v, home says:\n%s", want.figuresShared, texts)
	}
	// A practitioner is told none of this.
	p, _ := newSeededUIFrom(t, w, seed.Practitioner)
	p.ShowHome()
	settle(p)
	if strings.Contains(visibleTexts(p), "waiting for your review") {
		t.Error("a practitioner is told about reviews")
	}
}

func openRecords(t *testing.T, w *seed.World, who string) *records.Index {
	t.Helper()
	entries, _, err := w.Vaults[who].Open(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	recs, _ := records.New(entries)
	return recs
}

// TestHomeSaysWhatIsDueOnTheTeamsIncidents: home tells a safeguarding lead
// the follow-ups and referral checks due on the team's incidents (issue 15;
// Annex 1: refer where the policy requires, monitor the situation), as the
// domain counts them (session.Incident.Due, tested there clause by clause).
func TestHomeSaysWhatIsDueOnTheTeamsIncidents(t *testing.T) {
	u, w := newSeededUI(t, seed.DSL)
	id := raiseTestIncident(t, w) // grooming of a child: referrals required
	var want session.CaseDue
	_, recs := dslCase(t, w, id)
	for _, c := range recs.Cases {
		inc, err := session.RestoreIncident(w.Pack, u.cfg.Clock, c.Doc(), u.caseActor())
		if err != nil {
			t.Fatal(err)
		}
		d := inc.Due()
		want.FollowUps += d.FollowUps
		want.Referrals += d.Referrals
	}
	if want.Referrals == 0 {
		t.Fatal("no referral check due in the test's data: the test would prove nothing")
	}
	u.ShowHome()
	settle(u)
	mustSee(t, u, dueText(want))
	if !strings.Contains(dueText(want), fmt.Sprintf("%d referral check", want.Referrals)) {
		t.Errorf("due text %q does not count the referral checks", dueText(want))
	}
	p, _ := newSeededUIFrom(t, w, seed.Practitioner)
	p.ShowHome()
	settle(p)
	if strings.Contains(visibleTexts(p), "referral check") {
		t.Error("a practitioner is told the safeguarding team's referral checks")
	}
}

// TestHomeSaysWhatIsLeftToFinish: a practitioner's home says which of
// their records are still to write or sign, and that an incident they
// raised is not reported yet (Annex 1: report it, or discard it with the
// reason); records waiting to sync are the sync line's
// (TestOfflineRecordReachesManagerThroughHub).
func TestHomeSaysWhatIsLeftToFinish(t *testing.T) {
	u, clock := newTestUI(t)
	u.ShowHome()
	settle(u)
	if strings.Contains(visibleTexts(u), "To finish:") {
		t.Fatalf("nothing to finish, yet home says:\n%s", visibleTexts(u))
	}
	l := liveSession(t, u, clock)
	for _, c := range l.agreement {
		c.SetChecked(true)
	}
	settle(u)
	clock.Advance(30 * time.Minute)
	tap(t, u, "End session")
	tap(t, u, "Home")
	mustSee(t, u, "To finish: 1 session record to write.")
	tap(t, u, escalateLabel)
	tap(t, u, "I have read this: continue")
	tap(t, u, "Back")
	u.loadSessions() // as on opening the app: the incident drafts are read
	settle(u)
	mustSee(t, u, "To finish: 1 session record to write, 1 incident not reported yet.")
	screenshot(t, u, "23b-home-to-finish")
}
