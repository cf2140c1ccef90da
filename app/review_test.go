package app

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"safeguard/companion/crypto"
	"safeguard/companion/seed"
	"safeguard/companion/session"
	"safeguard/companion/store"
)

// countersign taps Countersign on the review screen and confirms.
func countersign(t *testing.T, u *UI) {
	t.Helper()
	tap(t, u, "Countersign")
	mustSee(t, u, "Countersign this record?")
	tap(t, u, countersignConfirm)
}

// openFirstUnreviewed opens, as the manager, the first record waiting for
// review, and returns its customer reference, read from the screen.
func openFirstUnreviewed(t *testing.T, u *UI) string {
	t.Helper()
	u.ShowInbox()
	settle(u)
	test.Tap(findCheck(t, u, "Unreviewed"))
	findList(t, u).Select(0)
	settle(u)
	for _, line := range strings.Split(visibleTexts(u), "\n") {
		if ref, ok := strings.CutPrefix(line, "Review: "); ok {
			return ref
		}
	}
	t.Fatalf("no review screen:\n%s", visibleTexts(u))
	return ""
}

// testReviews are the reviews this test's manager made (the test UI's ids).
func testReviews(t *testing.T, w *seed.World) []store.Envelope {
	t.Helper()
	var out []store.Envelope
	for e, err := range w.Stores[seed.Manager].Envelopes(context.Background(), store.Filter{Kind: string(crypto.KindReview)}) {
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(e.ID, "rv-test-") {
			out = append(out, e)
		}
	}
	return out
}

// Issue 20 item 5: countersigning is the manager's signed word that they
// vouch for the record, and cannot be taken back: it asks first, and
// Cancel seals nothing.
func TestReviewCountersignAsksFirst(t *testing.T) {
	u, w := newSeededUI(t, seed.Manager)
	openFirstUnreviewed(t, u)
	tap(t, u, "Countersign")
	mustSee(t, u, "Countersign this record?", "cannot be taken back")
	screenshot(t, u, "21a-review-countersign-confirm")
	tap(t, u, "Cancel")
	if n := len(testReviews(t, w)); n != 0 {
		t.Fatalf("cancelling sealed %d reviews", n)
	}
	if strings.Contains(visibleTexts(u), "Countersigned ") {
		t.Fatalf("shown as countersigned after Cancel:\n%s", visibleTexts(u))
	}
	countersign(t, u)
	mustSee(t, u, "Countersigned ")
	if n := len(testReviews(t, w)); n != 1 {
		t.Fatalf("confirming sealed %d reviews, want 1", n)
	}
}

// Issue 20 item 5: the manager's review comments and follow-ups reach the
// practitioner. Reviews are sealed to the reviewed record's author
// (vault.PutFor); delivered as sync would, the practitioner's History shows
// each record's review in a few words, finds a record by its comment, and
// the record shows who reviewed it, the comment and the follow-up.
func TestPractitionerHistoryShowsManagersReview(t *testing.T) {
	u, w := newSeededUI(t, seed.Manager)
	ref := openFirstUnreviewed(t, u)
	test.Type(findEntry(t, u, "Comment for the record (signed; cannot be changed)"), "Well handled; talk at supervision.")
	tap(t, u, "Add comment")
	countersign(t, u)
	test.Type(findEntry(t, u, "Who"), "Sam")
	test.Type(findEntry(t, u, "What needs doing"), "Book a follow-up call")
	due := seededUntil.AddDate(0, 0, 7)
	test.Type(findEntry(t, u, "Due (YYYY-MM-DD)"), due.Format("2006-01-02"))
	tap(t, u, "Add follow-up")
	mustSee(t, u, "Open follow-ups (1)")

	reviews := testReviews(t, w)
	if len(reviews) != 3 {
		t.Fatalf("the manager made %d reviews, want 3", len(reviews))
	}
	for _, e := range reviews {
		if err := w.Stores[seed.Practitioner].PutReceivedEnvelope(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}

	p, _ := newSeededUIFrom(t, w, seed.Practitioner)
	p.loadSessions()
	settle(p)
	p.ShowHistory()
	settle(p)
	search := findEntry(t, p, "Search reference, summary, actions, review comments…")
	test.Type(search, "talk at supervision")
	mustSee(t, p, "1 of ", ref, "Countersigned · 1 comment · 1 follow-up open")
	screenshot(t, p, "08a-history-reviewed")

	findList(t, p).Select(0)
	settle(p)
	at := seededUntil.In(london).Format("2 Jan 2006 15:04")
	mustSee(t, p, "Your line manager's review",
		"Comment from Priya Shah (demo), "+at+": Well handled; talk at supervision.",
		"Countersigned by Priya Shah (demo), "+at+".",
		"Follow-up from Priya Shah (demo) for Sam: Book a follow-up call, due "+due.In(london).Format("2 Jan 2006")+". Open.")
	screenshot(t, p, "08b-record-reviewed")
}

// Issue 20 item 5: a manager reading a disclosure on the review screen can
// escalate from it (Ctrl+E, and the button), as the record's own screen
// does; the incident is raised from the record, and Back returns to the
// review.
func TestReviewScreenEscalates(t *testing.T) {
	u, _ := newSeededUI(t, seed.Manager)
	ref := openFirstUnreviewed(t, u)
	findButton(t, u, escalateLabel)
	press(t, u, shortcutFor(t, "Ctrl+E"))
	mustSee(t, u, "Escalate: read this first")
	tap(t, u, "I have read this: continue")
	mustSee(t, u, "from the record of "+ref+".")
	d := u.currentIncident.inc.Document()
	if d.Origin.Kind != session.OriginRecord || d.Subject.Reference != ref {
		t.Fatalf("escalated from the review: origin %s, about %q, want the record of %s", d.Origin.Kind, d.Subject.Reference, ref)
	}
	tap(t, u, "Back")
	mustSee(t, u, "Review: "+ref, "Mark reviewed")
}

// Issue 20 item 2: a comment typed on the review screen is not lost when
// the screen is drawn again (Countersign before Add comment, Escalate then
// Back); once added, the box is empty.
func TestReviewCommentTypedIsKept(t *testing.T) {
	u, w := newSeededUI(t, seed.Manager)
	ref := openFirstUnreviewed(t, u)
	const words = "Good record; book the follow-up call for next week."
	test.Type(findEntry(t, u, "Comment for the record (signed; cannot be changed)"), words)
	test.Type(findEntry(t, u, "What needs doing"), "Call the customer back")
	countersign(t, u)
	mustSee(t, u, "Countersigned ")
	if got := findEntry(t, u, "Comment for the record (signed; cannot be changed)").Text; got != words {
		t.Fatalf("the comment typed after countersigning: %q", got)
	}
	// Escalate, then Back: the review screen is drawn again.
	tap(t, u, escalateLabel)
	tap(t, u, "Back")
	settle(u)
	mustSee(t, u, "Review: "+ref)
	if got := findEntry(t, u, "What needs doing").Text; got != "Call the customer back" {
		t.Fatalf("the follow-up typed, on coming back: %q", got)
	}
	tap(t, u, "Add comment")
	settle(u)
	if got := findEntry(t, u, "Comment for the record (signed; cannot be changed)").Text; got != "" {
		t.Fatalf("the comment box after adding it: %q", got)
	}
	if n := len(testReviews(t, w)); n != 2 {
		t.Fatalf("%d reviews sealed, want the countersignature and the comment", n)
	}
}
