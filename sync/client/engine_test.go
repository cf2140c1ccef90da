package client

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"net"
	"strings"
	"testing"
	"time"

	"safeguard/companion/crypto"
	"safeguard/companion/sync/hub"
	"safeguard/companion/sync/proto"
	"safeguard/companion/sync/synctest"
)

func deadURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func TestEngineOfflineThenSync(t *testing.T) {
	for _, b := range synctest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			org := synctest.NewOrg(t)
			clock := synctest.NewClock()
			h := synctest.StartHub(t, b.Open(t), org, clock.Now)
			dead := deadURL(t)
			alice := newDevice(t, org, h, "alice", clock.Now, nil, dead)
			bob := newDevice(t, org, h, "bob", clock.Now, nil, h.URL)
			dana := newDevice(t, org, h, "dana", clock.Now, nil, h.URL)

			// Written offline: three records, then an incident.
			var sent [][]byte
			for _, id := range []string{"s1", "s2", "s3"} {
				sent = append(sent, org.Seal(t, "alice", id, crypto.KindSessionRecord, []byte("summary "+id)))
			}
			sent = append(sent, org.Seal(t, "alice", "inc1", crypto.KindIncident, []byte("disclosure")))
			for _, s := range sent {
				alice.save(t, s)
			}
			if err := alice.eng.SyncNow(ctx); err == nil {
				t.Fatal("sync with no hub succeeded")
			}
			st := alice.eng.Status(ctx)
			if st.Problem != ProblemOffline || st.Waiting != 4 || !st.LastSuccess.IsZero() || !strings.Contains(st.Message, "Offline") {
				t.Fatalf("offline status: %+v", st)
			}

			// Reconnect (an app restart pointing at the hub).
			alice.st.Close()
			alice.open(t, clock.Now, nil, h.URL)
			if err := alice.eng.SyncNow(ctx); err != nil {
				t.Fatal(err)
			}
			st = alice.eng.Status(ctx)
			if st.Problem != ProblemNone || st.Waiting != 0 || !st.LastSuccess.Equal(clock.Now()) || st.Sent != 4 {
				t.Fatalf("status after sync: %+v", st)
			}
			// Incidents first: the incident has the hub's first sequence number.
			raw, err := alice.st.Receipt(ctx, "inc1")
			if err != nil {
				t.Fatal(err)
			}
			r, err := proto.VerifyReceipt(alice.hubKey, raw)
			if err != nil || r.Seq != 1 || r.Hash != crypto.EnvelopeHash(sent[3]) {
				t.Fatalf("incident receipt %+v %v", r, err)
			}

			// Bob (line manager) gets the three records, verified; dana (DSL) the incident.
			for _, d := range []*device{bob, dana} {
				if err := d.eng.SyncNow(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if bob.held(t) != 3 || dana.held(t) != 1 || bob.outbox(t) != 0 {
				t.Fatalf("bob holds %d, dana %d", bob.held(t), dana.held(t))
			}
			got, err := bob.st.GetEnvelope(ctx, "s2")
			if err != nil || !bytes.Equal(wire(got), sent[1]) {
				t.Fatalf("bob's copy of s2: %v", err)
			}
			o, err := crypto.Open(wire(got), org.Dir, org.People["bob"])
			if err != nil || string(o.Body) != "summary s2" {
				t.Fatalf("bob opens s2: %v", err)
			}
			// Pulled records are not queued to be sent back.
			if bob.outbox(t) != 0 {
				t.Fatal("pulled records were queued for push")
			}
			// After a restart, the cursor holds: nothing is fetched again.
			bob.st.Close()
			bob.open(t, clock.Now, nil, h.URL)
			if err := bob.eng.SyncNow(ctx); err != nil || bob.eng.Status(ctx).Received != 0 {
				t.Fatalf("resync after restart: %v, received %d", err, bob.eng.Status(ctx).Received)
			}
		})
	}
}

func TestEngineProblems(t *testing.T) {
	for _, b := range synctest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			org := synctest.NewOrg(t)
			clock := synctest.NewClock()
			h := synctest.StartHub(t, b.Open(t), org, clock.Now)
			alice := newDevice(t, org, h, "alice", clock.Now, nil, h.URL)
			alice.save(t, org.Seal(t, "alice", "s1", crypto.KindSessionRecord, []byte("x")))

			// A receipt from a key other than the pinned one is not accepted.
			good := alice.hubKey
			pub, _, _ := ed25519.GenerateKey(nil)
			alice.hubKey = pub
			alice.st.Close()
			alice.open(t, clock.Now, nil, h.URL)
			if err := alice.eng.SyncNow(ctx); err == nil {
				t.Fatal("a receipt from the wrong key was accepted")
			}
			if st := alice.eng.Status(ctx); st.Problem != ProblemBadReceipt || st.Waiting != 1 {
				t.Fatalf("wrong hub key: %+v", st)
			}
			alice.hubKey = good
			alice.st.Close()
			alice.open(t, clock.Now, nil, h.URL)

			// The device's clock is an hour fast.
			fast := func() time.Time { return clock.Now().Add(time.Hour) }
			alice.eng.cfg.Now, alice.eng.c.now = fast, fast
			_ = alice.eng.SyncNow(ctx)
			if st := alice.eng.Status(ctx); st.Problem != ProblemClockSkew || !strings.Contains(st.Message, "clock") {
				t.Fatalf("clock skew: %+v", st)
			}
			alice.eng.cfg.Now, alice.eng.c.now = clock.Now, clock.Now
			if err := alice.eng.SyncNow(ctx); err != nil {
				t.Fatal(err)
			}

			// A record the hub refuses (it holds other bytes under the same
			// id, sent from elsewhere) is set aside, not lost, and the rest
			// still go.
			a := org.Seal(t, "alice", "dup", crypto.KindSessionRecord, []byte("y"))
			bDup := org.Seal(t, "alice", "dup", crypto.KindSessionRecord, []byte("y"))
			if _, err := h.DB.Push(ctx, []hub.Item{{ID: "dup", Hash: crypto.EnvelopeHash(a), Author: "x", Device: "x",
				Recipients: []string{"x"}, Data: a}}, clock.Now()); err != nil {
				t.Fatal(err)
			}
			alice.save(t, bDup)
			alice.save(t, org.Seal(t, "alice", "after", crypto.KindSessionRecord, []byte("z")))
			_ = alice.eng.SyncNow(ctx)
			st := alice.eng.Status(ctx)
			if st.Problem != ProblemRecordRefused || st.Waiting != 1 || !strings.Contains(st.Message, "different content") {
				t.Fatalf("refused record: %+v", st)
			}
			if _, err := alice.st.Receipt(ctx, "after"); err != nil {
				t.Fatalf("the record after the refused one was not sent: %v", err)
			}

			// Revoked: refused in plain words; records stay queued.
			alice.save(t, org.Seal(t, "alice", "s2", crypto.KindSessionRecord, []byte("z")))
			if err := h.DB.RevokeDevice(ctx, proto.DeviceID(alice.key.Public().(ed25519.PublicKey)), clock.Now()); err != nil {
				t.Fatal(err)
			}
			_ = alice.eng.SyncNow(ctx)
			st = alice.eng.Status(ctx)
			if st.Problem != ProblemDeviceRefused || !strings.Contains(st.Message, "revoked") || st.Waiting != 2 {
				t.Fatalf("revoked: %+v", st)
			}
			if _, err := alice.st.GetEnvelope(ctx, "s2"); err != nil {
				t.Fatal("a queued record is gone")
			}
		})
	}
}

// A pulled record that differs from the copy already on this computer is
// set aside (the local copy kept, the problem said) without holding up the
// rest of its page or any page after it.
func TestEnginePullPastConflict(t *testing.T) {
	for _, b := range synctest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			org := synctest.NewOrg(t)
			clock := synctest.NewClock()
			h := synctest.StartHub(t, b.Open(t), org, clock.Now)
			alice := newDevice(t, org, h, "alice", clock.Now, nil, h.URL)
			bob := newDevice(t, org, h, "bob", clock.Now, nil, h.URL)

			// Bob already holds a different record under the id s2 (signed by
			// alice, so it verifies).
			other := org.Seal(t, "alice", "s2", crypto.KindSessionRecord, []byte("another s2"))
			env, err := crypto.ParseEnvelope(other)
			if err != nil {
				t.Fatal(err)
			}
			if err := bob.st.PutReceivedEnvelope(ctx, toStore(env, other)); err != nil {
				t.Fatal(err)
			}
			for _, id := range []string{"s1", "s2", "s3"} {
				alice.save(t, org.Seal(t, "alice", id, crypto.KindSessionRecord, []byte("summary "+id)))
			}
			if err := alice.eng.SyncNow(ctx); err != nil {
				t.Fatal(err)
			}
			if err := bob.eng.SyncNow(ctx); err == nil {
				t.Fatal("a differing record was pulled without a problem said")
			}
			st := bob.eng.Status(ctx)
			if st.Problem != ProblemBadRecord || st.Refused != 1 || st.Received != 2 || !strings.Contains(st.Message, "local copy was kept") {
				t.Fatalf("status: %+v", st)
			}
			kept, err := bob.st.GetEnvelope(ctx, "s2")
			if err != nil || !bytes.Equal(wire(kept), other) {
				t.Fatalf("bob's own s2 was not kept: %v", err)
			}

			// Later records still arrive, and the set-aside one is not
			// offered again.
			alice.save(t, org.Seal(t, "alice", "s4", crypto.KindSessionRecord, []byte("summary s4")))
			if err := alice.eng.SyncNow(ctx); err != nil {
				t.Fatal(err)
			}
			if err := bob.eng.SyncNow(ctx); err != nil {
				t.Fatalf("the next sync: %v", err)
			}
			if bob.held(t) != 4 {
				t.Errorf("bob holds %d records, want s1 to s4", bob.held(t))
			}
		})
	}
}
