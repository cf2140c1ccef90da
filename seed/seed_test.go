package seed

import (
	"context"
	"maps"
	"path/filepath"
	"testing"
	"time"

	"safeguard/companion/org"
	"safeguard/companion/store"
	"safeguard/companion/testclock"
)

// TestNoDistribute: without the direct copy, every record stays in its
// author's store, queued to send, and the counts of what each person can
// read are those of the same data set copied directly; a given organisation
// and store paths are used.
func TestNoDistribute(t *testing.T) {
	until := testclock.Day()
	from := until.AddDate(0, -2, 0)
	direct, err := Generate(context.Background(), Config{Dir: t.TempDir(), From: from, Until: until, SessionsPerDay: 2, Seed: 9, Views: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()

	o, err := org.Demo(from.Add(-24 * time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	w, err := Generate(context.Background(), Config{From: from, Until: until, SessionsPerDay: 2, Seed: 9, Views: 3,
		Org: o, NoDistribute: true, StorePath: func(id string) string { return filepath.Join(dir, "home-"+id, "my.db") }})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if w.Org != o {
		t.Error("the given organisation was not used")
	}
	if !maps.Equal(w.Records, direct.Records) {
		t.Errorf("readable counts %v, directly copied %v", w.Records, direct.Records)
	}
	ctx := context.Background()
	authored := 0
	for _, m := range o.Members {
		st := w.Stores[m.Person.ID]
		if st.Path() != filepath.Join(dir, "home-"+m.Person.ID, "my.db") {
			t.Errorf("%s's store is at %s", m.Person.ID, st.Path())
		}
		all, err := st.CountEnvelopes(ctx, store.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		mine, err := st.CountEnvelopes(ctx, store.Filter{AuthorKey: string(m.Identity.KeyID())})
		if err != nil {
			t.Fatal(err)
		}
		queued, err := st.CountOutbox(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if all != mine || queued != mine {
			t.Errorf("%s's store holds %d records, %d of them theirs, %d queued", m.Person.ID, all, mine, queued)
		}
		authored += mine
	}
	if authored == 0 || w.Records[Manager] == 0 || w.Records[DSL] == 0 {
		t.Errorf("made %d records; readable %v", authored, w.Records)
	}
	// No views without the readers' records; WriteViews adds them once a
	// reader holds their records.
	if n := viewed(t, w.Stores[Manager]); n != 0 {
		t.Errorf("%d views written without distribution", n)
	}
	before := viewed(t, direct.Stores[Manager])
	if err := WriteViews(ctx, direct.Stores[Manager], direct.Vaults[Manager], direct.Clock, 4, until, 1); err != nil {
		t.Fatal(err)
	}
	if after := viewed(t, direct.Stores[Manager]); before != 3 || after != before+4 {
		t.Errorf("views: %d, then %d", before, after)
	}
}

func viewed(t *testing.T, st *store.Store) int {
	t.Helper()
	evs, err := st.AuditEvents(context.Background(), 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range evs {
		if ev.Action == store.ActionViewed {
			n++
		}
	}
	return n
}
