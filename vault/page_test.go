package vault

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"safeguard/companion/crypto"
	"safeguard/companion/store"
)

// OpenPage pages through what Open lists, newest first, each record once,
// whatever the page size (issue 18: the inbox pages from the store); and
// OpenChildren finds a record's review by its parent.
func TestOpenPageMatchesOpen(t *testing.T) {
	ctx := context.Background()
	v, _, clock := openVault(t, "sam")
	var parent Entry
	for i := range 7 {
		clock.t = testNow.Add(time.Duration(i/2) * time.Minute) // ties of two
		e, err := v.Put(ctx, fmt.Sprintf("rec-%d", i), crypto.KindSessionRecord, map[string]string{"summary": fmt.Sprint("record ", i)}, nil, "v1")
		if err != nil {
			t.Fatal(err)
		}
		if i == 2 {
			parent = e
		}
	}
	if _, err := v.Put(ctx, "rv-1", crypto.KindReview, map[string]string{"text": "seen"}, &parent, "v1"); err != nil {
		t.Fatal(err)
	}
	all, _, err := v.Open(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	ids := func(es []Entry) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.Header.ID)
		}
		return out
	}
	for _, size := range []int{1, 3, 8, 50} {
		var got []Entry
		var at store.Ref
		for range 20 {
			p, err := v.OpenPage(ctx, at, size)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, p.Entries...)
			if p.Done {
				break
			}
			at = p.Next
		}
		if !slices.Equal(ids(got), ids(all)) {
			t.Errorf("pages of %d: %v, want %v", size, ids(got), ids(all))
		}
	}
	kids, fails, err := v.OpenChildren(ctx, []string{parent.Header.ID, "rec-0"})
	if err != nil || len(fails) > 0 {
		t.Fatal(err, fails)
	}
	if got := ids(kids); !slices.Equal(got, []string{"rv-1"}) {
		t.Errorf("children = %v, want the review", got)
	}
}
