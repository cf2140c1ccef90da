package app

import (
	"fmt"
	"strings"
	"testing"

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
