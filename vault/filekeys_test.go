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

// fileKeys lists the remembered file key of every stored envelope.
func fileKeys(t *testing.T, st *store.Store) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for e, err := range st.Envelopes(context.Background(), store.Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		out[e.ID] = e.FileKey
	}
	return out
}

// The author's records are remembered as they are saved; a reader's are
// remembered by their first Open; a remembered Open gives exactly what the
// full one gave; and a damaged entry is opened the full way and replaced.
func TestOpenRemembersFileKeys(t *testing.T) {
	ctx := context.Background()
	sam, samStore, _ := openVault(t, "sam")
	for _, id := range []string{"r1", "r2", "r3"} {
		if _, err := sam.Put(ctx, id, crypto.KindSessionRecord, map[string]string{"text": "note " + id}, nil, "v1"); err != nil {
			t.Fatal(err)
		}
	}
	for id, k := range fileKeys(t, samStore) {
		if len(k) == 0 {
			t.Errorf("the author's own record %s was saved without its file key", id)
		}
	}

	priya, priyaStore, _ := openVault(t, "priya")
	for e, err := range samStore.Envelopes(ctx, store.Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		e.FileKey = nil // the hub never carries them
		if err := priyaStore.PutReceivedEnvelope(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	for id, k := range fileKeys(t, priyaStore) {
		if k != nil {
			t.Fatalf("received record %s arrived with a file key", id)
		}
	}
	full, fails, err := priya.Open(ctx, nil)
	if err != nil || len(fails) > 0 || len(full) != 3 {
		t.Fatalf("first open: %v %v %d", err, fails, len(full))
	}
	remembered := fileKeys(t, priyaStore)
	for id, k := range remembered {
		if len(k) == 0 {
			t.Errorf("record %s not remembered after the first open", id)
		}
	}
	// Another person's entries are useless to this vault: priya's entries
	// are not sam's, though both read the same records.
	if slices.Equal(remembered["r1"], fileKeys(t, samStore)["r1"]) {
		t.Error("two people's entries for one record are the same bytes")
	}

	again, fails, err := priya.Open(ctx, nil)
	if err != nil || len(fails) > 0 {
		t.Fatalf("remembered open: %v %v", err, fails)
	}
	if len(again) != len(full) {
		t.Fatalf("remembered open gave %d entries, full %d", len(again), len(full))
	}
	for i := range full {
		a, b := full[i], again[i]
		if a.Header.ID != b.Header.ID || a.Hash != b.Hash || string(a.Body) != string(b.Body) || a.Author.ID != b.Author.ID {
			t.Errorf("entry %d: full %+v, remembered %+v", i, a, b)
		}
	}
	if got := fileKeys(t, priyaStore); !slices.Equal(got["r2"], remembered["r2"]) {
		t.Error("a remembered open rewrote the entry")
	}

	// A damaged entry: the record still opens, and the entry is replaced.
	if err := priyaStore.RememberFileKeys(ctx, []store.FileKey{{EnvelopeID: "r2", Sealed: []byte("not an entry")}}); err != nil {
		t.Fatal(err)
	}
	entries, fails, err := priya.Open(ctx, nil)
	if err != nil || len(fails) > 0 || len(entries) != 3 {
		t.Fatalf("open with a damaged entry: %v %v %d", err, fails, len(entries))
	}
	if k := fileKeys(t, priyaStore)["r2"]; string(k) == "not an entry" || len(k) == 0 {
		t.Errorf("the damaged entry was not replaced: %q", k)
	}
}

// The first screenful is the newest records of the kinds asked for, in the
// order the whole list gives them, and the whole list holds each record
// once, whether or not a first screenful was asked for.
func TestOpenFirstScreenful(t *testing.T) {
	ctx := context.Background()
	sam, _, clock := openVault(t, "sam")
	start := clock.t.Add(25 * time.Hour) // a day earlier is still after the keys were issued
	for i := range 60 {
		// Saved in an order that is not time order: every third record is
		// dated a day earlier than its neighbours, as one written offline
		// and received late would be.
		clock.t = start.Add(time.Duration(i) * time.Minute)
		if i%3 == 0 {
			clock.t = clock.t.Add(-24 * time.Hour)
		}
		kind := crypto.KindSessionRecord
		if i%4 == 0 {
			kind = crypto.KindIncident
		}
		if _, err := sam.Put(ctx, fmt.Sprintf("r%02d", i), kind, map[string]int{"n": i}, nil, "v1"); err != nil {
			t.Fatal(err)
		}
	}
	for _, kinds := range [][]crypto.Kind{nil, {crypto.KindIncident}} {
		var first []Entry
		all, fails, err := sam.Open(ctx, func(es []Entry) { first = es }, kinds...)
		if err != nil || len(fails) > 0 {
			t.Fatal(err, fails)
		}
		plain, _, err := sam.Open(ctx, nil, kinds...)
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
		if !slices.Equal(ids(all), ids(plain)) {
			t.Errorf("kinds %v: the list differs with and without a first screenful", kinds)
		}
		if len(slices.Compact(slices.Sorted(slices.Values(ids(all))))) != len(all) {
			t.Errorf("kinds %v: a record is listed twice", kinds)
		}
		want := min(len(all), firstScreenful)
		if len(first) != want || !slices.Equal(ids(first), ids(all[:want])) {
			t.Errorf("kinds %v: first screenful %v, want the list's first %d %v", kinds, ids(first), want, ids(all[:want]))
		}
		for i := 1; i < len(all); i++ {
			if all[i].Header.Created.After(all[i-1].Header.Created) {
				t.Fatalf("kinds %v: not newest first at %d", kinds, i)
			}
		}
	}
}

// RememberKeys remembers the file key of every received record it can
// open, and only those, once.
func TestRememberKeys(t *testing.T) {
	ctx := context.Background()
	sam, samStore, _ := openVault(t, "sam")
	for i := range 7 {
		if _, err := sam.Put(ctx, fmt.Sprintf("r%d", i), crypto.KindSessionRecord, map[string]int{"n": i}, nil, "v1"); err != nil {
			t.Fatal(err)
		}
	}
	// An incident goes to the DSLs, not to sam's manager.
	if _, err := sam.Put(ctx, "inc", crypto.KindIncident, map[string]string{"id": "inc"}, nil, "v1"); err != nil {
		t.Fatal(err)
	}
	priya, priyaStore, _ := openVault(t, "priya")
	for e, err := range samStore.Envelopes(ctx, store.Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		e.FileKey = nil
		if err := priyaStore.PutReceivedEnvelope(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	n, err := priya.RememberKeys(ctx)
	if err != nil || n != 7 {
		t.Fatalf("remembered %d, %v; want 7", n, err)
	}
	for id, k := range fileKeys(t, priyaStore) {
		if (len(k) > 0) != (id != "inc") {
			t.Errorf("%s: remembered %v", id, len(k) > 0)
		}
	}
	if n, err := priya.RememberKeys(ctx); err != nil || n != 0 {
		t.Errorf("second run remembered %d, %v", n, err)
	}
}
