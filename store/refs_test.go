package store

import (
	"context"
	"errors"
	"fmt"
	"safeguard/companion/testclock"
	"slices"
	"testing"
	"time"
)

func TestRefsAndEnvelopesBySeq(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	for _, id := range []string{"a", "b", "c", "d"} {
		e := testEnvelope(id, 50)
		e.Created = e.Created.Add(-time1(id))
		if err := s.PutEnvelope(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	refs, err := s.Refs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) != 4 || refs[0].ID != "a" || refs[3].ID != "d" || refs[2].Kind != "record" {
		t.Fatalf("refs = %+v", refs)
	}
	if want := testEnvelope("b", 50).Created.Add(-time1("b")); !refs[1].Created.Equal(want) {
		t.Errorf("created = %v, want %v", refs[1].Created, want)
	}
	got, err := s.EnvelopesBySeq(ctx, []int64{refs[3].Seq, refs[1].Seq, 999})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "b" || got[1].ID != "d" || string(got[1].Body) != string(testEnvelope("d", 50).Body) {
		t.Errorf("by seq = %d envelopes %v", len(got), got)
	}
	if got, err := s.EnvelopesBySeq(ctx, nil); err != nil || got != nil {
		t.Errorf("no seqs: %v %v", got, err)
	}
	if _, err := s.EnvelopesBySeq(ctx, make([]int64, maxBySeq+1)); !errors.Is(err, ErrInvalid) {
		t.Errorf("too many seqs: %v", err)
	}
}

// time1 gives each test id a distinct age in minutes.
func time1(id string) time.Duration { return time.Duration(id[0]-'a') * time.Minute }

// NewestSeqs picks the newest envelopes of the kinds asked for, newest
// first, ties broken by save order, from the index alone.
func TestNewestSeqs(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	base := testclock.Start()
	var es []Envelope
	for i, k := range []string{"record", "incident", "record", "audit", "record"} {
		e := testEnvelope(fmt.Sprintf("n-%d", i), 50)
		e.Kind = k
		e.Created = base.Add(time.Duration(i/2) * time.Minute) // 0,0,1,1,2
		es = append(es, e)
	}
	if err := s.PutEnvelopes(ctx, es); err != nil {
		t.Fatal(err)
	}
	seq := map[string]int64{}
	for _, e := range es {
		got, err := s.GetEnvelope(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		seq[e.ID] = got.Seq
	}
	for _, tc := range []struct {
		limit int
		kinds []string
		want  []string
	}{
		{10, nil, []string{"n-4", "n-3", "n-2", "n-1", "n-0"}},
		{2, []string{"record", "incident"}, []string{"n-4", "n-2"}},
		{10, []string{"incident", "record"}, []string{"n-4", "n-2", "n-1", "n-0"}},
		{0, nil, nil},
	} {
		got, err := s.NewestSeqs(ctx, tc.limit, tc.kinds...)
		if err != nil {
			t.Fatal(err)
		}
		var want []int64
		for _, id := range tc.want {
			want = append(want, seq[id])
		}
		if !slices.Equal(got, want) {
			t.Errorf("NewestSeqs(%d, %v) = %v, want %v", tc.limit, tc.kinds, got, want)
		}
	}
}

// NewestBefore pages through the newest envelopes: each page starts after
// the cursor the last one returned, ties in created time broken by save
// order, and the pages together are NewestSeqs of everything, once each.
func TestNewestBeforePages(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	base := testclock.Start()
	var es []Envelope
	for i := range 11 {
		e := testEnvelope(fmt.Sprintf("p-%d", i), 50)
		e.Kind = []string{"record", "review"}[i%2]
		e.Created = base.Add(time.Duration(i/3) * time.Minute) // ties of three
		es = append(es, e)
	}
	if err := s.PutEnvelopes(ctx, es); err != nil {
		t.Fatal(err)
	}
	all, err := s.NewestSeqs(ctx, 100, "record", "review")
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{1, 2, 3, 4, 11, 20} {
		var got []int64
		var at Ref
		for range 20 {
			page, next, err := s.NewestBefore(ctx, at, size, "record", "review")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, page...)
			if len(page) < size {
				break
			}
			at = next
		}
		if !slices.Equal(got, all) {
			t.Errorf("pages of %d = %v, want %v", size, got, all)
		}
	}
}
