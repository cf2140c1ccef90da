package hub_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"safeguard/companion/sync/proto"
	"safeguard/companion/sync/synctest"
)

// FuzzRequestHeaders: the headers are all the hub looks at before it
// decides whether to read a body. Whatever a stranger puts in them, the hub
// answers with a refusal and reads none of the body.
func FuzzRequestHeaders(f *testing.F) {
	org, err := synctest.MakeOrg()
	if err != nil {
		f.Fatal(err)
	}
	h := synctest.StartHub(f, synctest.Backends()[0].Open(f), org, nil)
	handler := h.Hub.Handler()
	key := synctest.NewDeviceKey(f)
	signed, _ := proto.SignRequest(key, http.MethodPost, proto.PathPush, synctest.Epoch, []byte("x"))
	f.Add(http.MethodPost, proto.PathPush, signed, proto.FormatDigest([32]byte{}), int64(proto.MaxRequestBody))
	f.Add(http.MethodPost, proto.PathPush, "", "", int64(-1))
	f.Add(http.MethodPost, proto.PathEnrol, "SGC1 device=00,ts=1,nonce=00,sig=00", "sha-256=:AAAA:", int64(100))
	f.Add(http.MethodGet, proto.PathPull+"?after=0", "Basic YWxpY2U6", "", int64(0))
	f.Add(http.MethodPost, proto.PathDirectory, signed, "", int64(5))
	f.Add(http.MethodGet, proto.PathMetrics, signed, "", int64(0))
	f.Fuzz(func(t *testing.T, method, uri, auth, digest string, length int64) {
		if !validMethod(method) || uri == "" || uri[0] != '/' {
			return
		}
		body := newZeros(max(0, min(length, proto.MaxRequestBody+1)))
		req, err := http.NewRequest(method, "http://hub"+uri, body)
		if err != nil {
			return
		}
		req.ContentLength = length
		req.RequestURI = uri
		req.RemoteAddr = "192.0.2.1:1"
		req.Header.Set("Authorization", auth)
		req.Header.Set(proto.DigestHeader, digest)
		req.Header.Set("Content-Length", strconv.FormatInt(length, 10))
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		// (The router redirects a path that is not clean, "/a/../b", and
		// answers 200 on /healthz alone.)
		if rec.Code < 300 && (rec.Code != http.StatusOK || uri != proto.PathHealth) {
			t.Fatalf("%s %s answered 200 to a stranger: %q", method, uri, rec.Body.Bytes())
		}
		if n := body.read.Load(); n != 0 && method == http.MethodPost && uri != proto.PathEnrol {
			t.Fatalf("%s %s: %d bytes of a stranger's body read", method, uri, n)
		}
	})
}

func validMethod(m string) bool {
	if m == "" || len(m) > 10 {
		return false
	}
	for _, c := range m {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}
