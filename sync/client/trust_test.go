package client

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
	"time"

	"safeguard/companion/crypto"
	"safeguard/companion/store"
	"safeguard/companion/sync/hub"
	"safeguard/companion/sync/proto"
	"safeguard/companion/sync/synctest"
)

func sealDated(t *testing.T, o *synctest.Org, person, id string, created time.Time) []byte {
	t.Helper()
	b, err := crypto.Seal(o.People[person], o.Dir, crypto.Record{ID: id, Kind: crypto.KindSessionRecord, Created: created, Body: []byte(id)})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pushThenRevoke has alice push r-early (received two hours back) and
// r-backdated (received now, claiming a date three hours back), then
// publishes directory 2, which revokes her key from an hour back: r-early
// came before the revocation, r-backdated after it.
func pushThenRevoke(t *testing.T, org *synctest.Org, h *synctest.Hub, clock *synctest.Clock, alice *device) {
	t.Helper()
	ctx := context.Background()
	now := clock.Now()
	clock.Set(now.Add(-2 * time.Hour))
	alice.save(t, sealDated(t, org, "alice", "r-early", now.Add(-2*time.Hour-time.Minute)))
	if err := alice.eng.SyncNow(ctx); err != nil {
		t.Fatal(err)
	}
	clock.Set(now)
	alice.save(t, sealDated(t, org, "alice", "r-backdated", now.Add(-3*time.Hour)))
	if err := alice.eng.SyncNow(ctx); err != nil {
		t.Fatal(err)
	}
	v2 := org.Sign(t, 2, []crypto.Revocation{{KeyID: org.People["alice"].KeyID(), RevokedAt: now.Add(-time.Hour), Reason: "key compromised"}})
	if _, err := hub.PublishDirectory(ctx, h.DB, v2, now); err != nil {
		t.Fatal(err)
	}
}

// TestEngineRefusesARecordReceivedAfterItsAuthorsRevocation is issue 14 §2:
// "the app refuses a record received after its author's revocation". ICT
// revokes alice's key from an hour back (it was compromised since). A
// record the hub received after that, dated three hours back, passes on
// its claimed date; judged by the hub's signed receipt time it came after
// the revocation, and bob's device refuses it and keeps nothing of it. A
// record the hub received before the revocation is kept.
func TestEngineRefusesARecordReceivedAfterItsAuthorsRevocation(t *testing.T) {
	for _, b := range synctest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			org := synctest.NewOrg(t)
			clock := synctest.NewClock()
			h := synctest.StartHub(t, b.Open(t), org, clock.Now)
			alice := newDevice(t, org, h, "alice", clock.Now, nil, h.URL)
			bob := newDevice(t, org, h, "bob", clock.Now, nil, h.URL)
			now := clock.Now()
			pushThenRevoke(t, org, h, clock, alice)

			err := bob.eng.SyncNow(ctx)
			st := bob.eng.Status(ctx)
			if err == nil || st.Problem != ProblemBadRecord || !strings.Contains(st.Message, "revoked") {
				t.Fatalf("sync: %v; status %+v", err, st)
			}
			if bob.dir.Version() != 2 {
				t.Fatalf("bob holds directory %d", bob.dir.Version())
			}
			if _, err := bob.st.GetEnvelope(ctx, "r-backdated"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("a record the hub received after its author's revocation was saved: %v", err)
			}
			if e, err := bob.st.GetEnvelope(ctx, "r-early"); err != nil || !e.Received.Before(now.Add(-time.Hour)) {
				t.Errorf("a record received before the revocation: %v, received %v", err, e.Received)
			}
		})
	}
}

// TestEngineRefusesFutureDatedRecords is issue 14 §2: "A record dated
// beyond now plus the clock window is refused by hub and app". The hub
// would refuse it, so it is put straight into the hub's database, as a
// hub whose database was altered would serve it.
func TestEngineRefusesFutureDatedRecords(t *testing.T) {
	for _, b := range synctest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			org := synctest.NewOrg(t)
			clock := synctest.NewClock()
			h := synctest.StartHub(t, b.Open(t), org, clock.Now)
			bob := newDevice(t, org, h, "bob", clock.Now, nil, h.URL)
			now := clock.Now()
			for id, created := range map[string]time.Time{
				"r-future": now.Add(crypto.ClockWindow + time.Minute),
				"r-now":    now,
			} {
				env := sealDated(t, org, "alice", id, created)
				e, _ := crypto.ParseEnvelope(env)
				var rcpt []string
				for _, k := range e.Header().Recipients {
					rcpt = append(rcpt, string(k))
				}
				if _, err := h.DB.Push(ctx, []hub.Item{{ID: id, Hash: crypto.EnvelopeHash(env), Author: string(e.Header().Author),
					Device: "0123456789abcdef0123456789abcdef", Recipients: rcpt, Data: env}}, now); err != nil {
					t.Fatal(err)
				}
			}
			err := bob.eng.SyncNow(ctx)
			st := bob.eng.Status(ctx)
			if err == nil || st.Problem != ProblemBadRecord || !strings.Contains(st.Message, "future") {
				t.Fatalf("sync: %v; status %+v", err, st)
			}
			if _, err := bob.st.GetEnvelope(ctx, "r-future"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("a future-dated record was saved: %v", err)
			}
			e, err := bob.st.GetEnvelope(ctx, "r-now")
			if err != nil || !e.Received.Equal(time.UnixMilli(now.UnixMilli())) {
				t.Errorf("the genuine record, with the hub's receipt time: %+v %v", e.Received, err)
			}
		})
	}
}

// TestPulledRecordNeedsTheHubsReceipt: a pulled record whose receipt is not
// the pinned hub key's, or names another record, is refused.
func TestPulledRecordNeedsTheHubsReceipt(t *testing.T) {
	org := synctest.NewOrg(t)
	env := org.Seal(t, "alice", "r-1", crypto.KindSessionRecord, []byte("s"))
	hubKey, rogue := synctest.NewDeviceKey(t), synctest.NewDeviceKey(t)
	now := synctest.Epoch
	receipt := func(key ed25519.PrivateKey, id string, seq int64) []byte {
		rs, err := proto.SignReceipts(key, []proto.Receipt{{ID: id, Seq: seq, Hash: crypto.EnvelopeHash(env), Received: now}})
		if err != nil {
			t.Fatal(err)
		}
		return rs[0]
	}
	v := proto.NewReceiptVerifier(hubKey.Public().(ed25519.PublicKey))
	rec := func(r []byte) proto.PullRecord {
		return proto.PullRecord{Seq: 1, Hash: sha256.Sum256(env), Receipt: r, Envelope: env}
	}
	if se, err := verifyOne(rec(receipt(hubKey, "r-1", 1)), org.Dir, v, now); err != nil || !se.Received.Equal(time.UnixMilli(now.UnixMilli())) {
		t.Fatalf("the hub's own receipt: %v", err)
	}
	for name, r := range map[string][]byte{
		"signed by another key":    receipt(rogue, "r-1", 1),
		"naming another record":    receipt(hubKey, "r-2", 1),
		"naming another seq":       receipt(hubKey, "r-1", 2),
		"no receipt, just garbage": []byte("receipt"),
	} {
		if _, err := verifyOne(rec(r), org.Dir, v, now); !errors.Is(err, proto.ErrReceipt) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestEngineSaysWhenTheDirectoryIsStale is issue 14 §2: "the app says when
// the hub has not offered a newer one for a long time". A hub that keeps
// answering "nothing newer" hides every revocation since; after
// DirectoryStaleAfter the status says so, and a newly issued directory
// clears it.
func TestEngineSaysWhenTheDirectoryIsStale(t *testing.T) {
	ctx := context.Background()
	org := synctest.NewOrg(t)
	clock := synctest.NewClock()
	h := synctest.StartHub(t, synctest.Backends()[0].Open(t), org, clock.Now)
	bob := newDevice(t, org, h, "bob", clock.Now, nil, h.URL)
	if err := bob.eng.SyncNow(ctx); err != nil {
		t.Fatal(err)
	}
	if st := bob.eng.Status(ctx); st.Problem != ProblemNone {
		t.Fatalf("fresh directory: %+v", st)
	}
	later := org.Dir.IssuedAt.Add(DefaultDirectoryStaleAfter + 24*time.Hour)
	clock.Set(later)
	if err := bob.eng.SyncNow(ctx); err != nil {
		t.Fatal(err)
	}
	st := bob.eng.Status(ctx)
	if st.Problem != ProblemStaleDirectory || !strings.Contains(st.Message, "no newer organisation directory") ||
		!strings.Contains(st.Message, org.Dir.IssuedAt.Format("2 January 2006")) || !st.LastSuccess.Equal(later) {
		t.Fatalf("stale directory: %+v", st)
	}
	d := org.Directory(2, nil)
	d.IssuedAt = later.Add(-time.Hour)
	signed, err := crypto.SignDirectory(d, org.Admin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hub.PublishDirectory(ctx, h.DB, signed, later); err != nil {
		t.Fatal(err)
	}
	if err := bob.eng.SyncNow(ctx); err != nil {
		t.Fatal(err)
	}
	if st := bob.eng.Status(ctx); st.Problem != ProblemNone || st.Message != "" {
		t.Fatalf("after a fresh directory: %+v", st)
	}
}

// TestCheckHubURL is issue 14 §1: "A hub address that is not loopback must
// be https; a plain http:// address elsewhere is refused with a sentence
// saying why."
func TestCheckHubURL(t *testing.T) {
	for _, c := range []struct {
		url  string
		want error
	}{
		{"https://hub.example.org:8443", nil},
		{"https://hub.example.org", nil},
		{"http://127.0.0.1:8443", nil},
		{"http://localhost:8443", nil},
		{"http://[::1]:8443", nil},
		{"http://hub.example.org:8443", ErrPlainHTTP},
		{"http://192.168.1.20:8443", ErrPlainHTTP},
		{"http://127.0.0.1.example.org", ErrPlainHTTP},
		{"hub.example.org:8443", ErrHubURL},
		{"ftp://hub.example.org", ErrHubURL},
		{"https://", ErrHubURL},
		{"https://user:pw@hub.example.org", ErrHubURL},
		{"", ErrHubURL},
	} {
		err := CheckHubURL(c.url)
		if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%q: got %v, want %v", c.url, err, c.want)
		}
	}
	if err := CheckHubURL("http://hub.example.org"); !strings.Contains(err.Error(), "https://") || !strings.Contains(err.Error(), "not encrypted") {
		t.Errorf("the refusal does not say why: %v", err)
	}
	// Enrolling over plain HTTP elsewhere sends nothing.
	if _, err := Enrol(context.Background(), "http://hub.example.org:8443", nil, synctest.NewDeviceKey(t), "AAAAA-BBBBB-CCCCC-DDDDD", "", synctest.Epoch); !errors.Is(err, ErrPlainHTTP) {
		t.Errorf("enrol over plain http: %v", err)
	}
}
