package store

import (
	"context"
	"errors"
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
