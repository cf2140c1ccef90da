package vault

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"safeguard/companion/crypto"
	"safeguard/companion/store"
)

// Annex 2 3.4 (records kept secure, GDPR) and issue 18: a search finds a
// record by a word of its text or by its customer reference, opens only
// the candidates the blind index offers, and never shows a record that
// does not hold the words.
func TestSearchFindsByWordAndReference(t *testing.T) {
	ctx := context.Background()
	sam, _, _ := openVault(t, "sam")
	var ids []string
	for i, words := range []string{"alpha bravo", "bravo charlie", "charlie delta", "echo"} {
		doc := signedDocument(t, fmt.Sprintf("%s marker%d", words, i))
		e, err := sam.SignRecord(ctx, doc)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.Header.ID)
	}
	for _, tc := range []struct {
		query string
		want  []int
	}{
		{"bravo", []int{0, 1}},
		{"BRAVO", []int{0, 1}},
		{"charlie bravo", []int{1}},
		{"  Delta!  ", []int{2}},
		{"foxtrot", nil},
		{"alpha delta", nil},
		{"bra", nil}, // whole words only
		{"marker3", []int{3}},
	} {
		t.Run(tc.query, func(t *testing.T) {
			res, err := sam.Search(ctx, tc.query, 10)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range res.Entries {
				got = append(got, e.Header.ID)
			}
			var want []string
			for _, i := range tc.want {
				want = append(want, ids[i])
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("search %q found %v, want %v", tc.query, got, want)
			}
			if res.Opened > len(ids) || res.Candidates < len(want) {
				t.Errorf("search %q opened %d of %d candidates", tc.query, res.Opened, res.Candidates)
			}
		})
	}
	// A customer reference, however it is typed: signedDocument names the
	// customer CUS-<length of marker>: "alpha bravo marker0" is 19 long.
	for _, q := range []string{"CUS-19", "cus 19", "cus19"} {
		res, err := sam.Search(ctx, q, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Entries) != 1 || res.Entries[0].Header.ID != ids[0] {
			t.Errorf("search for reference %q found %d records", q, len(res.Entries))
		}
	}
	// The limit: newest first, no more than asked for.
	res, err := sam.Search(ctx, "bravo", 1)
	if err != nil || len(res.Entries) != 1 {
		t.Fatalf("limit 1: %v %d", err, len(res.Entries))
	}
}

// The manager's device indexes records as they arrive (RememberKeys, run
// after sync) and finds them; a record the reader cannot open is indexed
// as never a candidate.
func TestSearchIndexesPulledRecords(t *testing.T) {
	ctx := context.Background()
	_, samSt, _ := openVault(t, "sam")
	sam := New(samSt, mustMember(t, "sam").Identity, demo.Directory, &fixedClock{t: testNow})
	if _, err := sam.SignRecord(ctx, signedDocument(t, "pulled kestrel")); err != nil {
		t.Fatal(err)
	}
	var pulled []store.Envelope
	for e, err := range samSt.Envelopes(ctx, store.Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		e.FileKey = nil
		pulled = append(pulled, e)
	}
	mgr, mst, _ := openVault(t, "priya")
	if err := mst.PutReceivedEnvelopes(ctx, pulled); err != nil {
		t.Fatal(err)
	}
	if _, err := mgr.RememberKeys(ctx); err != nil {
		t.Fatal(err)
	}
	if left, _, err := mst.Unindexed(ctx, 0); err != nil || len(left) != 0 {
		t.Fatalf("after RememberKeys %d records are not indexed (%v)", len(left), err)
	}
	res, err := mgr.Search(ctx, "kestrel", 10)
	if err != nil || len(res.Entries) != 1 {
		t.Fatalf("the manager's search found %d (%v)", len(res.Entries), err)
	}
}

func mustMember(t *testing.T, id string) struct{ Identity *crypto.Identity } {
	t.Helper()
	m, ok := demo.Member(id)
	if !ok {
		t.Fatalf("no member %s", id)
	}
	return struct{ Identity *crypto.Identity }{m.Identity}
}

// Annex 2 3.4, issue 18: nothing readable reaches the disk. After records
// with a known word are saved, opened and indexed, neither the word nor
// the customer reference is anywhere in the database files' bytes, in any
// case, and the index rows are the fixed-size filters alone.
func TestSearchIndexHoldsNoPlaintext(t *testing.T) {
	ctx := context.Background()
	v, st, _ := openVault(t, "sam")
	const word = "Quetzalcoatlus"
	for i := range 20 {
		doc := signedDocument(t, fmt.Sprintf("%s sighting %d", word, i))
		if _, err := v.SignRecord(ctx, doc); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := v.Open(ctx, nil); err != nil {
		t.Fatal(err)
	}
	res, err := v.Search(ctx, word, 50)
	if err != nil || len(res.Entries) != 20 {
		t.Fatalf("search found %d (%v)", len(res.Entries), err)
	}
	path := st.Path()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	var n, all int
	err = raw.QueryRowContext(ctx, "SELECT count(*) FILTER (WHERE length(bloom) = ?), count(*) FROM search_index", bloomBytes).Scan(&n, &all)
	raw.Close()
	if err != nil || n != 20 || all != 20 {
		t.Fatalf("%d index rows of %d bytes, %d in all, want 20 (%v)", n, bloomBytes, all, err)
	}
	files, _ := filepath.Glob(path + "*")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		low := bytes.ToLower(b)
		for _, needle := range []string{word, "sighting", "cus-"} {
			if bytes.Contains(low, []byte(strings.ToLower(needle))) {
				t.Errorf("%s holds %q in plain text", filepath.Base(f), needle)
			}
		}
	}
}

// FuzzSearchTerms: the words of a record come from other people's
// devices, and the query from the keyboard. Whatever the text, splitting
// it never panics, every term is a lowercase run of letters and digits of
// the allowed length, and a record holding the text is always found by a
// search for that same text (the record and the query are split alike).
//
//	go test -run '^$' -fuzz FuzzSearchTerms -fuzztime 60s ./vault
func FuzzSearchTerms(f *testing.F) {
	for _, s := range []string{"", "YP-2041", "interview next week", "Émilie's café, 3 p.m.", "a", "ǅemal İstanbul ΣΊΣΥΦΟΣ",
		"2026-12-03T15:04:05Z", "x\x00y", "\xff\xfe", strings.Repeat("long", 20), "CUS 19"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, w := range Words(text) {
			n := len([]rune(w))
			if n < minTermRunes || n > maxTermRunes || w != strings.ToLower(w) {
				t.Fatalf("word %q of %q", w, text)
			}
		}
		body, err := json.Marshal(map[string]any{"text": text, "customer": map[string]string{"reference": text}})
		if err != nil {
			t.Skip()
		}
		terms := RecordTerms(body)
		if !slices.IsSorted(terms) || len(slices.Compact(slices.Clone(terms))) != len(terms) {
			t.Fatalf("terms of %q not sorted and distinct: %q", text, terms)
		}
		q := parseQuery(text)
		if q.empty() {
			return
		}
		if isTimestamp(text) {
			// A time is not searched by word; by reference it is.
			return
		}
		if !q.matchTerms(terms) {
			t.Fatalf("a record holding %q is not found by searching for it (terms %q, query %+v)", text, terms, q)
		}
	})
}

// The index in memory is kept up to date: records saved here after the
// first search, and records pulled and remembered after it, are found by
// the next one.
func TestSearchSeesRecordsAddedAfterTheFirstSearch(t *testing.T) {
	ctx := context.Background()
	_, samSt, _ := openVault(t, "sam")
	sam := New(samSt, mustMember(t, "sam").Identity, demo.Directory, &fixedClock{t: testNow})
	mgr, mst, _ := openVault(t, "priya")
	pull := func() {
		t.Helper()
		var got []store.Envelope
		for e, err := range samSt.Envelopes(ctx, store.Filter{}) {
			if err != nil {
				t.Fatal(err)
			}
			e.FileKey = nil
			got = append(got, e)
		}
		if err := mst.PutReceivedEnvelopes(ctx, got); err != nil {
			t.Fatal(err)
		}
	}
	found := func(v *Vault, q string) int {
		t.Helper()
		res, err := v.Search(ctx, q, 10)
		if err != nil {
			t.Fatal(err)
		}
		return len(res.Entries)
	}
	if n := found(sam, "heron"); n != 0 {
		t.Fatalf("found %d before any record", n)
	}
	if _, err := sam.SignRecord(ctx, signedDocument(t, "first heron")); err != nil {
		t.Fatal(err)
	}
	if n := found(sam, "heron"); n != 1 {
		t.Fatalf("the author's search after saving found %d, want 1", n)
	}
	pull()
	if n := found(mgr, "heron"); n != 1 {
		t.Fatalf("the manager's first search found %d, want 1", n)
	}
	if _, err := sam.SignRecord(ctx, signedDocument(t, "second heron")); err != nil {
		t.Fatal(err)
	}
	pull()
	if _, err := mgr.RememberKeys(ctx); err != nil {
		t.Fatal(err)
	}
	if n := found(mgr, "heron"); n != 2 {
		t.Fatalf("after a second pull the manager's search found %d, want 2", n)
	}
	if n := found(sam, "heron second"); n != 1 {
		t.Fatalf("the author's search for both words found %d, want 1", n)
	}
}
