package client

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync/atomic"
	"testing"

	"safeguard/companion/crypto"
	"safeguard/companion/sync/proto"
	"safeguard/companion/sync/synctest"
)

// A push answer that is not the hub's receipts for exactly the records
// sent leaves every record in the outbox; the real answer then takes them
// out, each with a receipt that verifies alone.
func TestEngineKeepsRecordsWithoutTheirReceipts(t *testing.T) {
	ctx := context.Background()
	org := synctest.NewOrg(t)
	h := synctest.StartHub(t, synctest.Backends()[0].Open(t), org, nil)
	target, _ := url.Parse(h.URL)
	var mode atomic.Value
	mode.Store("pass")
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ModifyResponse = func(r *http.Response) error {
		if r.Request.URL.Path != proto.PathPush || r.StatusCode != http.StatusOK {
			return nil
		}
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return err
		}
		switch mode.Load().(string) {
		case "json":
			b = []byte(`{"receipts":[]}`)
		case "swapped":
			rs, err := proto.ParsePushAnswer(b)
			if err != nil || len(rs) < 2 {
				t.Errorf("the hub's answer: %d receipts, %v", len(rs), err)
			} else {
				rs[0], rs[1] = rs[1], rs[0]
				b = proto.EncodePushAnswer(rs)
			}
		case "cut":
			b = b[:len(b)-7]
		case "fewer":
			rs, _ := proto.ParsePushAnswer(b)
			b = proto.EncodePushAnswer(rs[:len(rs)-1])
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		r.ContentLength = int64(len(b))
		r.Header.Set("Content-Length", strconv.Itoa(len(b)))
		return nil
	}
	proxy := httptest.NewServer(rp)
	t.Cleanup(proxy.Close)

	alice := newDevice(t, org, h, "alice", nil, nil, proxy.URL)
	sent := map[string][]byte{}
	for _, id := range []string{"k1", "k2", "k3"} {
		b := org.Seal(t, "alice", id, crypto.KindSessionRecord, []byte(id))
		sent[id] = b
		alice.save(t, b)
	}
	for _, c := range []struct {
		mode    string
		problem Problem
	}{
		{"json", ProblemUpdateHub},
		{"swapped", ProblemBadReceipt},
		{"fewer", ProblemBadReceipt},
		{"cut", ProblemOffline},
	} {
		mode.Store(c.mode)
		if err := alice.eng.SyncNow(ctx); err == nil {
			t.Fatalf("%s: the round succeeded", c.mode)
		}
		st := alice.eng.Status(ctx)
		if st.Problem != c.problem || st.Waiting != 3 || st.Sent != 0 {
			t.Fatalf("%s: status %+v", c.mode, st)
		}
	}
	mode.Store("pass")
	if err := alice.eng.SyncNow(ctx); err != nil {
		t.Fatal(err)
	}
	if st := alice.eng.Status(ctx); st.Problem != ProblemNone || st.Waiting != 0 || st.Sent != 3 {
		t.Fatalf("status %+v", st)
	}
	for id, b := range sent {
		raw, err := alice.st.Receipt(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		r, err := proto.VerifyReceipt(alice.hubKey, raw)
		if err != nil || r.ID != id || r.Hash != crypto.EnvelopeHash(b) || r.Size != 3 {
			t.Fatalf("stored receipt of %s: %+v, %v", id, r, err)
		}
	}
}
