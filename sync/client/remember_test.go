package client

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"safeguard/companion/crypto"
	"safeguard/companion/store"
	"safeguard/companion/sync/synctest"
	"safeguard/companion/testclock"
	"safeguard/companion/vault"
)

// TestPullOpensRecordsOnTheWayIn is issue 18's new DSL device: with the
// vault as its Rememberer, the engine pulls page after page (three records
// a page here, so the fetch, check and save stages overlap), and each
// record that passes every check is saved with its file key and its search
// index row in the page's transaction. Afterwards RememberKeys has nothing
// left to do, every record opens from what was remembered, and a search
// finds a pulled record, also when the vault's search cache was loaded
// before the pull.
func TestPullOpensRecordsOnTheWayIn(t *testing.T) {
	for _, b := range synctest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			org := synctest.NewOrg(t)
			h := synctest.StartHub(t, b.Open(t), org, nil)
			alice := newDevice(t, org, h, "alice", nil, nil, h.URL)
			const n = 10
			for i := range n {
				body := fmt.Sprintf(`{"summary":"concern number%d raised"}`, i)
				alice.save(t, org.Seal(t, "alice", fmt.Sprintf("inc-%02d", i), crypto.KindIncident, []byte(body)))
			}
			if err := alice.eng.SyncNow(ctx); err != nil {
				t.Fatal(err)
			}

			dana := newDevice(t, org, h, "dana", nil, nil, h.URL, func(c *Config) { c.PullPage = 3 })
			v := vault.New(dana.st, org.People["dana"], org.Dir, testclock.NewRunning(synctest.Epoch))
			// The cache is loaded (empty) before the pull, as an open app's is.
			if _, err := v.Search(ctx, "number4", 5); err != nil {
				t.Fatal(err)
			}
			dana.eng.SetRememberer(v)
			if err := dana.eng.SyncNow(ctx); err != nil {
				t.Fatal(err)
			}
			if got := dana.held(t); got != n {
				t.Fatalf("dana holds %d records, want %d", got, n)
			}
			for e, err := range dana.st.Envelopes(ctx, store.Filter{}) {
				if err != nil {
					t.Fatal(err)
				}
				if e.FileKey == nil || !e.Indexed || e.Received.IsZero() {
					t.Errorf("%s: file key remembered %v, indexed %v, receipt time %v", e.ID, e.FileKey != nil, e.Indexed, e.Received)
				}
			}
			if got, err := v.RememberKeys(ctx); err != nil || got != 0 {
				t.Errorf("RememberKeys after the pull remembered %d (%v), want nothing left", got, err)
			}
			entries, fails, err := v.Open(ctx, nil, crypto.KindIncident)
			if err != nil || len(fails) != 0 || len(entries) != n {
				t.Fatalf("open: %d entries, failures %v, %v", len(entries), fails, err)
			}
			res, err := v.Search(ctx, "number4", 5)
			if err != nil || len(res.Entries) != 1 || res.Entries[0].Header.ID != "inc-04" {
				t.Fatalf("search after the pull: %+v, %v", res, err)
			}
		})
	}
}

// TestPullWithRemembererStillRefuses is issue 14 §2's revocation rule with
// issue 18's pipelined pull: a record the hub received after its author's
// revocation is refused and nothing of it is kept (no envelope, no file
// key, no index row), while the record received before it is kept with
// both.
func TestPullWithRemembererStillRefuses(t *testing.T) {
	ctx := context.Background()
	org := synctest.NewOrg(t)
	clock := synctest.NewClock()
	h := synctest.StartHub(t, synctest.Backends()[0].Open(t), org, clock.Now)
	alice := newDevice(t, org, h, "alice", clock.Now, nil, h.URL)
	bob := newDevice(t, org, h, "bob", clock.Now, nil, h.URL, func(c *Config) { c.PullPage = 1 })
	v := vault.New(bob.st, org.People["bob"], org.Dir, testclock.NewRunning(synctest.Epoch))
	bob.eng.SetRememberer(v)
	pushThenRevoke(t, org, h, clock, alice)

	err := bob.eng.SyncNow(ctx)
	st := bob.eng.Status(ctx)
	if err == nil || st.Problem != ProblemBadRecord || !strings.Contains(st.Message, "revoked") {
		t.Fatalf("sync: %v; status %+v", err, st)
	}
	if _, err := bob.st.GetEnvelope(ctx, "r-backdated"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a record the hub received after its author's revocation was saved: %v", err)
	}
	e, err := bob.st.GetEnvelope(ctx, "r-early")
	if err != nil || e.FileKey == nil || !e.Indexed {
		t.Errorf("the record received before the revocation: %v, file key %v, indexed %v", err, e.FileKey != nil, e.Indexed)
	}
	if left, err := bob.st.CountEnvelopes(ctx, store.Filter{Unremembered: true}); err != nil || left != 0 {
		t.Errorf("%d records left to remember (%v)", left, err)
	}
}
