package vault

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"safeguard/companion/crypto"
	"safeguard/companion/store"
)

// FuzzTrailOf: shared audit comes from other people's devices (decrypted,
// but its content is theirs). Whatever its bytes, TrailOf must not panic,
// and every event it accepts must be its signer's and part of a chain that
// checks.
//
//	go test -run '^$' -fuzz FuzzTrailOf -fuzztime 60s ./vault
func FuzzTrailOf(f *testing.F) {
	const signer = "0123456789abcdef0123456789abcdef"
	// A genuine run of a chain, written by a real store, for the seed.
	st, err := store.Open(filepath.Join(f.TempDir(), "p", "chain.db"))
	if err != nil {
		f.Fatal(err)
	}
	at := testNow
	for i := range 3 {
		if err := st.Audit(f.Context(), store.Event{At: at.Add(time.Duration(i) * time.Minute), Actor: signer, Action: store.ActionViewed, SubjectID: "rec-1"}); err != nil {
			f.Fatal(err)
		}
	}
	recs, err := st.AuditEvents(f.Context(), 0, 10)
	st.Close()
	if err != nil {
		f.Fatal(err)
	}
	good := AuditBatch{V: auditBatchVersion, Chain: store.ChainID(recs[0])}
	for _, r := range recs {
		good.Events = append(good.Events, SharedEvent{Seq: r.Seq, At: r.At, Actor: r.Actor, Action: r.Action, Subject: r.SubjectID,
			Prev: hexOf(r.PrevHash), Hash: hexOf(r.Hash)})
	}
	b, _ := json.Marshal(good)
	f.Add(b)
	good.Events = good.Events[1:]
	b, _ = json.Marshal(good)
	f.Add(b)
	f.Add([]byte(`{"v":1,"chain":"c","events":[]}`))
	f.Add([]byte(`{"v":1,"chain":"c","events":[{"seq":1,"actor":"x","prev":"00","hash":"zz"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		e := Entry{Header: crypto.Header{ID: "audit-1", Kind: crypto.KindAudit, Author: crypto.KeyID(signer)}, Body: body}
		trail := TrailOf([]Entry{e}, "")
		if len(trail.Problems) > 0 {
			return
		}
		for _, ev := range trail.Events {
			if ev.Actor != signer {
				t.Fatalf("accepted an event of %q from %q", ev.Actor, signer)
			}
		}
		if len(trail.Events) > 0 {
			if trail.Events[0].Seq != 1 {
				t.Fatalf("accepted a chain that starts at event %d without a problem", trail.Events[0].Seq)
			}
			if err := store.CheckChain([32]byte{}, trail.Events); err != nil {
				t.Fatalf("accepted a chain that does not check: %v", err)
			}
		}
	})
}
