package hub_test

import (
	"context"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"safeguard/companion/crypto"
	"safeguard/companion/sync/hub"
	"safeguard/companion/sync/proto"
	"safeguard/companion/sync/synctest"
)

// sealAt seals a record by person dated at created, against the org's
// version 1 directory (where every key is valid from a day before Epoch).
func sealAt(t *testing.T, o *synctest.Org, person, id string, created time.Time) []byte {
	t.Helper()
	b, err := crypto.Seal(o.People[person], o.Dir, crypto.Record{ID: id, Kind: crypto.KindSessionRecord, Created: created, Body: []byte(id)})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestHubRefusesRecordsFromARevokedKeyWhateverTheirDate is issue 14 §2:
// "the hub refuses records from a revoked key or person whatever date they
// claim". Alice's key is revoked; she dates a new record to before the
// revocation. Judged by its own date it passes; the hub judges it by the
// moment it receives it. A record it already held from before the
// revocation is still receipted when the device sends it again.
func TestHubRefusesRecordsFromARevokedKeyWhateverTheirDate(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b synctest.Backend) {
		e := setup(t, b)
		ctx := context.Background()
		start := e.clock.Now()
		before := sealAt(t, e.org, "alice", "r-before", start.Add(-time.Minute))
		if s, pe, _ := send(t, e.h.URL, e.alice, e.clock.Now(), "POST", proto.PathPush, pushBody(t, before), ""); s != 200 {
			t.Fatalf("push before the revocation: %d %+v", s, pe)
		}

		revokedAt := start.Add(time.Minute)
		v2 := e.org.Sign(t, 2, []crypto.Revocation{{KeyID: e.org.People["alice"].KeyID(), RevokedAt: revokedAt, Reason: "left"}})
		if _, err := hub.PublishDirectory(ctx, e.h.DB, v2, start); err != nil {
			t.Fatal(err)
		}
		e.clock.Set(start.Add(2 * time.Minute))

		backdated := sealAt(t, e.org, "alice", "r-backdated", start.Add(-3*time.Hour))
		s, pe, _ := send(t, e.h.URL, e.alice, e.clock.Now(), "POST", proto.PathPush, pushBody(t, backdated), "")
		if s != http.StatusUnprocessableEntity || pe.Code != proto.CodeInvalidRecord || pe.ID != "r-backdated" ||
			!strings.Contains(pe.Message, "revoked") {
			t.Fatalf("backdated record from a revoked key: %d %+v", s, pe)
		}
		if _, err := e.h.DB.Get(ctx, "r-backdated"); err == nil {
			t.Fatal("the hub stored a record from a revoked key")
		}
		// The receipt for the record held from before is owed, and given.
		s, pe, raw := send(t, e.h.URL, e.alice, e.clock.Now(), "POST", proto.PathPush, pushBody(t, before), "")
		if s != 200 {
			t.Fatalf("the same record again after the revocation: %d %+v", s, pe)
		}
		receipts, err := proto.ParsePushAnswer(raw)
		if err != nil || len(receipts) != 1 {
			t.Fatal(err)
		}
		if r, err := proto.VerifyReceipt(e.h.Hub.HubKey(), receipts[0]); err != nil || r.ID != "r-before" || !r.Received.Before(revokedAt) {
			t.Errorf("receipt for the record held from before: %+v %v", r, err)
		}
		// Other bytes under the same id are not let in by that door.
		other := sealAt(t, e.org, "alice", "r-before", start.Add(-2*time.Minute))
		if s, pe, _ := send(t, e.h.URL, e.alice, e.clock.Now(), "POST", proto.PathPush, pushBody(t, other), ""); s == 200 {
			t.Fatalf("other bytes under a held id from a revoked key: %d %+v", s, pe)
		}
	})
}

// TestHubRefusesFutureDatedRecords is issue 14 §2: "A record dated beyond
// now plus the clock window is refused by hub and app."
func TestHubRefusesFutureDatedRecords(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b synctest.Backend) {
		e := setup(t, b)
		now := e.clock.Now()
		late := sealAt(t, e.org, "alice", "r-future", now.Add(crypto.ClockWindow+time.Minute))
		s, pe, _ := send(t, e.h.URL, e.alice, now, "POST", proto.PathPush, pushBody(t, late), "")
		if s != http.StatusUnprocessableEntity || pe.Code != proto.CodeInvalidRecord || !strings.Contains(pe.Message, "future") {
			t.Fatalf("a record dated beyond the clock window: %d %+v", s, pe)
		}
		near := sealAt(t, e.org, "alice", "r-near", now.Add(crypto.ClockWindow-time.Second))
		if s, pe, _ := send(t, e.h.URL, e.alice, now, "POST", proto.PathPush, pushBody(t, near), ""); s != 200 {
			t.Fatalf("a record dated within the clock window: %d %+v", s, pe)
		}
	})
}

// TestPullPagesCarrySignedReceiptTimes is issue 14 §2: "pull pages carry
// the hub-signed receipt time". Each record comes with a receipt that
// verifies with the hub key alone and names the record, its place and the
// time the hub first stored it.
func TestPullPagesCarrySignedReceiptTimes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b synctest.Backend) {
		e := setup(t, b)
		pushedAt := e.clock.Now()
		var envs [][]byte
		for _, id := range []string{"p-1", "p-2", "p-3"} {
			envs = append(envs, e.org.Seal(t, "alice", id, crypto.KindSessionRecord, []byte(id)))
		}
		if s, pe, _ := send(t, e.h.URL, e.alice, pushedAt, "POST", proto.PathPush, pushBody(t, envs...), ""); s != 200 {
			t.Fatalf("push: %d %+v", s, pe)
		}
		e.clock.Set(pushedAt.Add(time.Hour))
		s, pe, raw := send(t, e.h.URL, e.bob, e.clock.Now(), "GET", proto.PathPull+"?after=0&limit=2", nil, "")
		if s != 200 {
			t.Fatalf("pull: %d %+v", s, pe)
		}
		page, err := proto.ParsePull(raw)
		if err != nil || len(page.Records) != 2 {
			t.Fatalf("page: %v, %d records", err, len(page.Records))
		}
		for i, r := range page.Records {
			rc, err := proto.VerifyReceipt(e.h.Hub.HubKey(), r.Receipt)
			if err != nil {
				t.Fatalf("record %d: %v", i, err)
			}
			env, _ := crypto.ParseEnvelope(r.Envelope)
			if rc.ID != env.Header().ID || rc.Seq != r.Seq || rc.Hash != hex.EncodeToString(r.Hash[:]) ||
				!rc.Received.Equal(time.UnixMilli(pushedAt.UnixMilli())) {
				t.Errorf("record %d: receipt %+v for seq %d received %v", i, rc, r.Seq, pushedAt)
			}
		}
		// Not the hub's key: refused.
		if _, err := proto.VerifyReceipt(e.org.Admin.SigningPublicKey(), page.Records[0].Receipt); err == nil {
			t.Error("a pull receipt verified with another key")
		}
	})
}
