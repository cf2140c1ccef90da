package client

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"safeguard/companion/crypto"
	"safeguard/companion/sync/proto"
	"safeguard/companion/sync/synctest"
)

// TestAnAppTooOldForItsHubSaysUpdateTheApp is issue 14 §5: "an app too old
// for its hub says 'update the app' in plain words". A real hub sits behind
// a front that, for the pull, answers as a hub of a later version would:
// refusing this version once its window is over (what this hub answers a
// version 1 app), or sending a page in a newer format. A hub older than
// this app, which has no /v2/pull, is named as the one to update. Records
// already sent keep their receipts; nothing is lost.
func TestAnAppTooOldForItsHubSaysUpdateTheApp(t *testing.T) {
	ctx := context.Background()
	org := synctest.NewOrg(t)
	h := synctest.StartHub(t, synctest.Backends()[0].Open(t), org, nil)
	target, _ := url.Parse(h.URL)
	var mode atomic.Value
	rp := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != proto.PathPull {
			rp.ServeHTTP(w, r)
			return
		}
		switch mode.Load().(string) {
		case "refused":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUpgradeRequired)
			_, _ = w.Write([]byte(`{"code":"app_too_old","error":"This app is too old for this hub, which stopped accepting its version on 1 March 2031: update the app."}`))
		case "newer page":
			w.Header().Set("Content-Type", proto.ContentTypeBatch)
			_, _ = w.Write(append([]byte("SGC-PULL-3\n"), make([]byte, 13)...))
		case "older hub":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"code":"not_found","error":"there is no such endpoint on this hub"}`))
		default:
			rp.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(front.Close)

	alice := newDevice(t, org, h, "alice", nil, nil, front.URL)
	for i, c := range []struct {
		mode    string
		problem Problem
		words   string
	}{
		{"refused", ProblemUpdateApp, "update the app"},
		{"newer page", ProblemUpdateApp, "update the app"},
		{"older hub", ProblemUpdateHub, "update the hub"},
	} {
		mode.Store(c.mode)
		alice.save(t, org.Seal(t, "alice", "v-"+strings.ReplaceAll(c.mode, " ", "-"), crypto.KindSessionRecord, []byte(c.mode)))
		if err := alice.eng.SyncNow(ctx); err == nil {
			t.Fatalf("%s: the round succeeded", c.mode)
		}
		st := alice.eng.Status(ctx)
		if st.Problem != c.problem || !strings.Contains(st.Message, c.words) || !strings.Contains(st.Message, "saved on this computer") {
			t.Fatalf("%s: status %+v", c.mode, st)
		}
		if st.Sent != int64(i+1) || st.Waiting != 0 {
			t.Fatalf("%s: the push before the pull: %+v", c.mode, st)
		}
	}
	mode.Store("")
	if err := alice.eng.SyncNow(ctx); err != nil {
		t.Fatal(err)
	}
	if st := alice.eng.Status(ctx); st.Problem != ProblemNone || st.Received == 0 {
		t.Fatalf("the same hub as it is: %+v", st)
	}
}
