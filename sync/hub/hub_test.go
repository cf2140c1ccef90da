package hub_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"safeguard/companion/crypto"
	"safeguard/companion/sync/client"
	"safeguard/companion/sync/hub"
	"safeguard/companion/sync/proto"
	"safeguard/companion/sync/synctest"
)

// env is one hub with an org and enrolled devices for alice and bob.
type env struct {
	org   *synctest.Org
	h     *synctest.Hub
	clock *synctest.Clock
	alice ed25519.PrivateKey
	bob   ed25519.PrivateKey
}

func setup(t *testing.T, b synctest.Backend) *env {
	t.Helper()
	db := b.Open(t)
	org := synctest.NewOrg(t)
	clock := synctest.NewClock()
	h := synctest.StartHub(t, db, org, clock.Now)
	e := &env{org: org, h: h, clock: clock}
	e.alice = enrol(t, e, "alice")
	e.bob = enrol(t, e, "bob")
	return e
}

func enrol(t *testing.T, e *env, person string) ed25519.PrivateKey {
	t.Helper()
	k := synctest.NewDeviceKey(t)
	resp, err := client.Enrol(context.Background(), e.h.URL, nil, k, synctest.Code(t, e.h.DB, person), person+"'s laptop", e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if resp.Person != person || !bytes.Equal(resp.HubKey, e.h.Hub.HubKey()) {
		t.Fatalf("enrol answered %+v", resp)
	}
	return k
}

// send makes one signed request as this version's app does, declaring
// the body's digest; key may be nil for no signature.
func send(t *testing.T, url string, key ed25519.PrivateKey, at time.Time, method, uri string, body []byte, auth string) (int, proto.Error, []byte) {
	t.Helper()
	return sendAs(t, proto.Version, url, key, at, method, uri, body, auth)
}

// sendAs is send as an app of protocol version v: version 1 declared no
// digest of its body.
func sendAs(t *testing.T, v int, url string, key ed25519.PrivateKey, at time.Time, method, uri string, body []byte, auth string) (int, proto.Error, []byte) {
	t.Helper()
	if auth == "" && key != nil {
		var err error
		if auth, err = proto.SignRequest(key, method, uri, at, body); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, url+uri, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if v >= 2 && len(body) > 0 {
		req.Header.Set(proto.DigestHeader, proto.FormatDigest(sha256.Sum256(body)))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var pe proto.Error
	if resp.StatusCode >= 300 {
		if err := json.Unmarshal(b, &pe); err != nil {
			t.Fatalf("%s %s: %d with a body that is not a JSON error: %q", method, uri, resp.StatusCode, b)
		}
	}
	return resp.StatusCode, pe, b
}

func pushBody(t *testing.T, envs ...[]byte) []byte {
	t.Helper()
	return proto.EncodePush(envs)
}

func forEachBackend(t *testing.T, fn func(t *testing.T, b synctest.Backend)) {
	for _, b := range synctest.Backends() {
		t.Run(b.Name, func(t *testing.T) { fn(t, b) })
	}
}

func count(t *testing.T, db hub.Backend) int64 {
	n, err := db.Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPushReceiptAndIdempotence(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b synctest.Backend) {
		e := setup(t, b)
		rec := e.org.Seal(t, "alice", "rec-1", crypto.KindSessionRecord, []byte("summary"))
		status, pe, raw := send(t, e.h.URL, e.alice, e.clock.Now(), "POST", proto.PathPush, pushBody(t, rec), "")
		if status != 200 {
			t.Fatalf("push: %d %+v", status, pe)
		}
		receipts, err := proto.ParsePushAnswer(raw)
		if err != nil || len(receipts) != 1 {
			t.Fatalf("push answer %q: %v", raw, err)
		}
		r, err := proto.VerifyReceipt(e.h.Hub.HubKey(), receipts[0])
		if err != nil || r.ID != "rec-1" || r.Hash != crypto.EnvelopeHash(rec) || r.Seq != 1 || r.Size != 1 {
			t.Fatalf("receipt %+v, %v", r, err)
		}
		// The same bytes again: accepted, same receipt.
		status, _, raw2 := send(t, e.h.URL, e.alice, e.clock.Now(), "POST", proto.PathPush, pushBody(t, rec), "")
		if status != 200 || !bytes.Equal(raw, raw2) {
			t.Fatalf("re-push: %d, same answer %v", status, bytes.Equal(raw, raw2))
		}
		// The same id with other bytes (age is randomised): refused.
		other := e.org.Seal(t, "alice", "rec-1", crypto.KindSessionRecord, []byte("summary"))
		status, pe, _ = send(t, e.h.URL, e.alice, e.clock.Now(), "POST", proto.PathPush, pushBody(t, other), "")
		if status != http.StatusConflict || pe.Code != proto.CodeConflict || pe.ID != "rec-1" {
			t.Fatalf("conflicting push: %d %+v", status, pe)
		}
		// A batch with a good new record and the conflicting one stores nothing.
		fresh := e.org.Seal(t, "alice", "rec-2", crypto.KindSessionRecord, []byte("x"))
		status, _, _ = send(t, e.h.URL, e.alice, e.clock.Now(), "POST", proto.PathPush, pushBody(t, fresh, other), "")
		if status != http.StatusConflict || count(t, e.h.DB) != 1 {
			t.Fatalf("mixed batch: %d, held %d", status, count(t, e.h.DB))
		}
		st, err := e.h.DB.Get(context.Background(), "rec-1")
		if err != nil || !bytes.Equal(st.Data, rec) {
			t.Fatalf("held record changed: %v", err)
		}
	})
}

// A batch is answered with one receipt per record under one signed root;
// each stands alone, and a record pushed again is receipted with where the
// hub first stored it.
func TestPushBatchReceipts(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b synctest.Backend) {
		e := setup(t, b)
		var recs [][]byte
		for _, id := range []string{"b-1", "b-2", "b-3", "b-4", "b-5"} {
			recs = append(recs, e.org.Seal(t, "alice", id, crypto.KindSessionRecord, []byte(id)))
		}
		first := e.clock.Now()
		if status, pe, _ := send(t, e.h.URL, e.alice, first, "POST", proto.PathPush, pushBody(t, recs[:3]...), ""); status != 200 {
			t.Fatalf("first push: %d %+v", status, pe)
		}
		e.clock.Set(first.Add(time.Minute))
		batch := [][]byte{recs[1], recs[3], recs[4]} // b-2 again, then two new
		status, pe, raw := send(t, e.h.URL, e.alice, e.clock.Now(), "POST", proto.PathPush, pushBody(t, batch...), "")
		if status != 200 {
			t.Fatalf("second push: %d %+v", status, pe)
		}
		receipts, err := proto.ParsePushAnswer(raw)
		if err != nil || len(receipts) != 3 {
			t.Fatalf("push answer: %d receipts, %v", len(receipts), err)
		}
		want := []struct {
			id   string
			seq  int64
			when time.Time
		}{{"b-2", 2, first}, {"b-4", 4, e.clock.Now()}, {"b-5", 5, e.clock.Now()}}
		var root [32]byte
		last := int64(3)
		for i, raw := range receipts {
			r, err := proto.VerifyReceipt(e.h.Hub.HubKey(), bytes.Clone(raw))
			if err != nil {
				t.Fatal(err)
			}
			// New records follow what the hub held, in order (PostgreSQL
			// may leave gaps).
			seqOK := r.Seq == want[i].seq
			if i > 0 {
				seqOK = r.Seq > last
				last = r.Seq
			}
			if r.ID != want[i].id || !seqOK || !r.Received.Equal(time.UnixMilli(want[i].when.UnixMilli())) || // the hub keeps milliseconds
				r.Hash != crypto.EnvelopeHash(batch[i]) || r.Index != i || r.Size != 3 {
				t.Fatalf("receipt %d says %+v, want %+v", i, r, want[i])
			}
			if i > 0 && r.Root != root {
				t.Fatal("one answer's receipts name different roots")
			}
			root = r.Root
		}

		// The same record twice in one batch: stored once, receipted twice.
		twice := e.org.Seal(t, "alice", "b-6", crypto.KindSessionRecord, []byte("b-6"))
		status, pe, raw = send(t, e.h.URL, e.alice, e.clock.Now(), "POST", proto.PathPush, pushBody(t, twice, twice), "")
		if status != 200 {
			t.Fatalf("a record twice in a batch: %d %+v", status, pe)
		}
		receipts, err = proto.ParsePushAnswer(raw)
		if err != nil || len(receipts) != 2 {
			t.Fatalf("push answer: %d receipts, %v", len(receipts), err)
		}
		r0, err0 := proto.VerifyReceipt(e.h.Hub.HubKey(), receipts[0])
		r1, err1 := proto.VerifyReceipt(e.h.Hub.HubKey(), receipts[1])
		if err0 != nil || err1 != nil || r0.Seq != r1.Seq || r0.ID != "b-6" || r1.ID != "b-6" || count(t, e.h.DB) != 6 {
			t.Fatalf("a record twice: %+v %v, %+v %v, held %d", r0, err0, r1, err1, count(t, e.h.DB))
		}
		// One id with two contents in one batch: refused, nothing stored.
		x1 := e.org.Seal(t, "alice", "b-7", crypto.KindSessionRecord, []byte("b-7"))
		x2 := e.org.Seal(t, "alice", "b-7", crypto.KindSessionRecord, []byte("b-7"))
		status, pe, _ = send(t, e.h.URL, e.alice, e.clock.Now(), "POST", proto.PathPush, pushBody(t, x1, x2), "")
		if status != http.StatusConflict || pe.ID != "b-7" || count(t, e.h.DB) != 6 {
			t.Fatalf("one id, two contents: %d %+v, held %d", status, pe, count(t, e.h.DB))
		}
	})
}

func TestAuthRefusals(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b synctest.Backend) {
		e := setup(t, b)
		ctx := context.Background()
		rec := e.org.Seal(t, "alice", "rec-a", crypto.KindSessionRecord, []byte("a"))
		bobsRec := e.org.Seal(t, "bob", "rec-b", crypto.KindSessionRecord, []byte("b"))
		body := pushBody(t, rec)
		stranger := synctest.NewDeviceKey(t)

		replayAuth, err := proto.SignRequest(e.alice, "POST", proto.PathPush, e.clock.Now(), pushBody(t, bobsRec))
		if err != nil {
			t.Fatal(err)
		}
		// Alice's device id with a signature by another key.
		aliceID := proto.DeviceID(e.alice.Public().(ed25519.PublicKey))
		forged, _ := proto.SignRequest(stranger, "POST", proto.PathPush, e.clock.Now(), body)
		forged = strings.Replace(forged, "device="+proto.DeviceID(stranger.Public().(ed25519.PublicKey)), "device="+aliceID, 1)

		carol := enrol(t, e, "carol")
		if err := e.h.DB.RevokeDevice(ctx, proto.DeviceID(carol.Public().(ed25519.PublicKey)), e.clock.Now()); err != nil {
			t.Fatal(err)
		}
		dana := enrol(t, e, "dana")
		if err := e.h.DB.RevokePerson(ctx, "dana", e.clock.Now()); err != nil {
			t.Fatal(err)
		}
		carolRec := e.org.Seal(t, "carol", "rec-c", crypto.KindSessionRecord, []byte("c"))
		danaRec := e.org.Seal(t, "dana", "rec-d", crypto.KindIncident, []byte("d"))
		tampered := bytes.Clone(rec)
		tampered[len(tampered)-1] ^= 1
		g1 := e.org.Seal(t, "alice", "rec-g1", crypto.KindSessionRecord, []byte("g1"))
		g2 := e.org.Seal(t, "alice", "rec-g2", crypto.KindSessionRecord, []byte("g2"))

		// The replay case sends once, successfully, first.
		if s, pe, _ := send(t, e.h.URL, nil, time.Time{}, "POST", proto.PathPush, pushBody(t, bobsRec), replayAuth); s != http.StatusForbidden {
			t.Fatalf("first send of the replayed request: %d %+v", s, pe)
		}

		cases := []struct {
			name   string
			key    ed25519.PrivateKey
			at     time.Time
			body   []byte
			auth   string
			status int
			code   string
			msg    string
		}{
			{"no signature", nil, e.clock.Now(), body, "", 401, proto.CodeUnauthenticated, "missing"},
			{"garbage header", nil, e.clock.Now(), body, "Bearer abc", 401, proto.CodeUnauthenticated, "scheme"},
			{"unknown device", stranger, e.clock.Now(), body, "", 401, proto.CodeUnknownDevice, "not enrolled"},
			{"wrong key", nil, e.clock.Now(), body, forged, 401, proto.CodeUnauthenticated, "does not match"},
			{"replay", nil, e.clock.Now(), pushBody(t, bobsRec), replayAuth, 401, proto.CodeReplay, "already received"},
			{"clock skew", e.alice, e.clock.Now().Add(-time.Hour), body, "", 401, proto.CodeClockSkew, "clock"},
			{"revoked device", carol, e.clock.Now(), pushBody(t, carolRec), "", 403, proto.CodeDeviceRevoked, "revoked"},
			{"revoked person", dana, e.clock.Now(), pushBody(t, danaRec), "", 403, proto.CodePersonRevoked, "revoked"},
			{"another person's record", e.alice, e.clock.Now(), pushBody(t, bobsRec), "", 403, proto.CodeNotYourRecord, "someone else"},
			{"tampered record", e.alice, e.clock.Now(), pushBody(t, tampered), "", 422, proto.CodeInvalidRecord, "altered"},
			// The checks run while the backend writes: a record at fault
			// anywhere in a batch still leaves nothing stored.
			{"a tampered record among good ones", e.alice, e.clock.Now(), pushBody(t, g1, tampered, g2), "", 422, proto.CodeInvalidRecord, "altered"},
			{"another person's record last", e.alice, e.clock.Now(), pushBody(t, g1, g2, bobsRec), "", 403, proto.CodeNotYourRecord, "someone else"},
			{"the first record at fault is named", e.alice, e.clock.Now(), pushBody(t, g1, tampered, []byte("hello")), "", 422, proto.CodeInvalidRecord, "altered"},
			{"malformed body", e.alice, e.clock.Now(), []byte(`{"envelopes": "nope"`), "", 400, proto.CodeMalformed, "not a valid batch"},
			{"truncated record", e.alice, e.clock.Now(), pushBody(t, bobsRec)[:200], "", 400, proto.CodeMalformed, "truncated"},
			{"trailing data", e.alice, e.clock.Now(), append(pushBody(t, bobsRec), 0), "", 400, proto.CodeMalformed, "after the last record"},
			{"not an envelope", e.alice, e.clock.Now(), pushBody(t, []byte("hello")), "", 400, proto.CodeMalformed, "not a Safeguard Companion record"},
			{"empty push", e.alice, e.clock.Now(), pushBody(t), "", 400, proto.CodeMalformed, "between 1 and"},
			{"oversized body", e.alice, e.clock.Now(), bytes.Repeat([]byte("a"), proto.MaxRequestBody+1), "", 413, proto.CodeTooLarge, "larger than"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				status, pe, _ := send(t, e.h.URL, c.key, c.at, "POST", proto.PathPush, c.body, c.auth)
				if status != c.status || pe.Code != c.code || !strings.Contains(pe.Message, c.msg) {
					t.Fatalf("got %d %q %q; want %d %q containing %q", status, pe.Code, pe.Message, c.status, c.code, c.msg)
				}
				if n := count(t, e.h.DB); n != 0 {
					t.Fatalf("%d records stored after a refusal", n)
				}
			})
		}
		// Revoked devices cannot pull either.
		if s, pe, _ := send(t, e.h.URL, carol, e.clock.Now(), "GET", proto.PathPull+"?after=0", nil, ""); s != 403 || pe.Code != proto.CodeDeviceRevoked {
			t.Fatalf("revoked pull: %d %+v", s, pe)
		}
		// A pull signed for one cursor cannot be replayed for another.
		a, _ := proto.SignRequest(e.bob, "GET", proto.PathPull+"?after=0", e.clock.Now(), nil)
		if s, pe, _ := send(t, e.h.URL, nil, time.Time{}, "GET", proto.PathPull+"?after=5", nil, a); s != 401 || pe.Code != proto.CodeUnauthenticated {
			t.Fatalf("re-pointed pull: %d %+v", s, pe)
		}
	})
}

func TestPullRoutingAndPaging(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b synctest.Backend) {
		e := setup(t, b)
		var envs [][]byte
		for i := range 7 {
			envs = append(envs, e.org.Seal(t, "alice", "r"+string(rune('a'+i)), crypto.KindSessionRecord, []byte("s")))
		}
		draft := e.org.Seal(t, "alice", "draft-1", crypto.KindDraft, []byte("d")) // author only
		envs = append(envs, draft)
		if s, pe, _ := send(t, e.h.URL, e.alice, e.clock.Now(), "POST", proto.PathPush, pushBody(t, envs...), ""); s != 200 {
			t.Fatalf("push %d %+v", s, pe)
		}
		pull := func(key ed25519.PrivateKey, after int64, limit string) proto.PullPage {
			uri := proto.PathPull + "?after=" + itoa(after) + "&limit=" + limit
			s, pe, raw := send(t, e.h.URL, key, e.clock.Now(), "GET", uri, nil, "")
			if s != 200 {
				t.Fatalf("pull %d %+v", s, pe)
			}
			r, err := proto.ParsePull(raw)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		// Bob manages alice: 7 records, not the draft, in pages of 3.
		var got []string
		after := int64(0)
		for {
			r := pull(e.bob, after, "3")
			for _, rec := range r.Records {
				got = append(got, string(rec.Envelope[:0])+itoaS(rec.Seq))
				if sha256.Sum256(rec.Envelope) != rec.Hash {
					t.Fatal("hash mismatch")
				}
			}
			after = r.Next
			if !r.More {
				break
			}
		}
		if len(got) != 7 {
			t.Fatalf("bob pulled %d records, want 7", len(got))
		}
		if r := pull(e.alice, 0, "100"); len(r.Records) != 8 || r.More {
			t.Fatalf("alice pulled %d records, want 8", len(r.Records))
		}
		carol := enrol(t, e, "carol")
		if r := pull(carol, 0, "100"); len(r.Records) != 0 {
			t.Fatalf("carol pulled %d records addressed to others", len(r.Records))
		}
		for _, q := range []string{"?after=-1", "?limit=0", "?limit=99999", "?after=1&after=2", "?cursor=1", "?after=x"} {
			if s, pe, _ := send(t, e.h.URL, e.bob, e.clock.Now(), "GET", proto.PathPull+q, nil, ""); s != 400 || pe.Code != proto.CodeMalformed {
				t.Fatalf("pull%s: %d %+v", q, s, pe)
			}
		}
	})
}

func itoa(n int64) string  { return itoaS(n) }
func itoaS(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestDirectoryPublishAndFetch(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b synctest.Backend) {
		e := setup(t, b)
		s, _, raw := send(t, e.h.URL, e.bob, e.clock.Now(), "GET", proto.PathDirectory, nil, "")
		if s != 200 || !bytes.Equal(raw, e.org.Signed) {
			t.Fatalf("fetch: %d", s)
		}
		if s, _, _ := send(t, e.h.URL, e.bob, e.clock.Now(), "GET", proto.PathDirectory+"?have=1", nil, ""); s != 204 {
			t.Fatalf("fetch when up to date: %d", s)
		}
		v2 := e.org.Sign(t, 2, nil)
		if s, pe, _ := send(t, e.h.URL, e.bob, e.clock.Now(), "POST", proto.PathDirectory, v2, ""); s != 200 {
			t.Fatalf("publish v2: %d %+v", s, pe)
		}
		// Rollback to version 1, and another version 2: refused.
		if s, pe, _ := send(t, e.h.URL, e.bob, e.clock.Now(), "POST", proto.PathDirectory, e.org.Signed, ""); s != 409 || pe.Code != proto.CodeDirectory || !strings.Contains(pe.Message, "older") {
			t.Fatalf("rollback: %d %+v", s, pe)
		}
		if s, pe, _ := send(t, e.h.URL, e.bob, e.clock.Now(), "POST", proto.PathDirectory, e.org.Sign(t, 2, nil), ""); s != 409 {
			t.Fatalf("fork: %d %+v", s, pe)
		}
		// Signed by someone other than the admin: refused.
		mallory, _ := crypto.GenerateIdentity()
		bad, err := crypto.SignDirectory(e.org.Directory(3, nil), mallory)
		if err != nil {
			t.Fatal(err)
		}
		if s, pe, _ := send(t, e.h.URL, e.bob, e.clock.Now(), "POST", proto.PathDirectory, bad, ""); s != 403 || !strings.Contains(pe.Message, "administrator") {
			t.Fatalf("wrong signer: %d %+v", s, pe)
		}
		if s, pe, _ := send(t, e.h.URL, e.bob, e.clock.Now(), "POST", proto.PathDirectory, []byte("{}"), ""); s != 400 {
			t.Fatalf("junk directory: %d %+v", s, pe)
		}
		if _, _, raw := send(t, e.h.URL, e.bob, e.clock.Now(), "GET", proto.PathDirectory, nil, ""); !bytes.Equal(raw, v2) {
			t.Fatal("the hub does not serve version 2")
		}
	})
}

func TestEnrolCodes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b synctest.Backend) {
		e := setup(t, b)
		ctx := context.Background()
		code := synctest.Code(t, e.h.DB, "carol")
		k1, k2 := synctest.NewDeviceKey(t), synctest.NewDeviceKey(t)
		if _, err := client.Enrol(ctx, e.h.URL, nil, k1, strings.ToLower(code), "", e.clock.Now()); err != nil {
			t.Fatalf("enrol with a lower-case code: %v", err)
		}
		// The same device retrying (lost answer) is fine; a second device is not.
		if _, err := client.Enrol(ctx, e.h.URL, nil, k1, code, "", e.clock.Now()); err != nil {
			t.Fatalf("retried enrol: %v", err)
		}
		_, err := client.Enrol(ctx, e.h.URL, nil, k2, code, "", e.clock.Now())
		var he *client.HubError
		if !errorsAs(err, &he) || he.Status != 403 || he.Code != proto.CodeEnrolCode {
			t.Fatalf("second device with a used code: %v", err)
		}
		if _, err := client.Enrol(ctx, e.h.URL, nil, k2, "AAAAA-BBBBB-CCCCC-DDDDD", "", e.clock.Now()); !errorsAs(err, &he) || he.Code != proto.CodeEnrolCode {
			t.Fatalf("made-up code: %v", err)
		}
		if _, err := hub.IssueEnrolCode(ctx, e.h.DB, "nobody", time.Hour, synctest.Epoch); err == nil {
			t.Fatal("a code for someone not in the directory was issued")
		}
		// Expired.
		old, err := hub.IssueEnrolCode(ctx, e.h.DB, "carol", time.Minute, e.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Set(e.clock.Now().Add(2 * time.Minute))
		if _, err := client.Enrol(ctx, e.h.URL, nil, k2, old, "", e.clock.Now()); !errorsAs(err, &he) || he.Code != proto.CodeEnrolCode {
			t.Fatalf("expired code: %v", err)
		}
	})
}

func TestHealthAndMetrics(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b synctest.Backend) {
		e := setup(t, b)
		for _, p := range []string{proto.PathHealth, proto.PathMetrics} {
			resp, err := http.Get(e.h.URL + p)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || len(body) == 0 {
				t.Fatalf("%s: %d %q", p, resp.StatusCode, body)
			}
			if p == proto.PathMetrics && !strings.Contains(string(body), "companion_hub_devices_enrolled_total 2") {
				t.Fatalf("metrics: %s", body)
			}
		}
		s, pe, _ := send(t, e.h.URL, e.bob, e.clock.Now(), "GET", "/v1/nothing", nil, "")
		if s != 404 || pe.Code != proto.CodeNotFound {
			t.Fatalf("unknown path: %d %+v", s, pe)
		}
		s, pe, _ = send(t, e.h.URL, e.bob, e.clock.Now(), "GET", proto.PathPush, nil, "")
		if s != 405 || pe.Code != proto.CodeMethod {
			t.Fatalf("wrong method: %d %+v", s, pe)
		}
	})
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
