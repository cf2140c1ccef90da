package hub_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"safeguard/companion/crypto"
	"safeguard/companion/sync/hub"
	"safeguard/companion/sync/proto"
	"safeguard/companion/sync/synctest"
)

// zeros is a request body of n zero bytes that counts what the hub reads
// of it, and, if hold is not nil, sends one byte and then waits until hold
// is closed: a client sending slowly.
type zeros struct {
	n, read atomic.Int64
	hold    chan struct{}
}

func newZeros(n int64) *zeros {
	z := &zeros{}
	z.n.Store(n)
	return z
}

func (z *zeros) Read(p []byte) (int, error) {
	if z.hold != nil && z.read.Load() > 0 {
		<-z.hold
	}
	left := z.n.Load() - z.read.Load()
	if left <= 0 {
		return 0, io.EOF
	}
	k := min(int64(len(p)), left, 64<<10)
	if z.hold != nil {
		k = 1 // one byte, then wait
	}
	clear(p[:k])
	z.read.Add(k)
	return int(k), nil
}

// direct sends a request to the hub's handler from the address from, and
// returns its status and refusal.
func direct(t *testing.T, h http.Handler, from string, req *http.Request) (int, proto.Error) {
	t.Helper()
	req.RemoteAddr = from + ":40000"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var pe proto.Error
	if rec.Code >= 300 {
		if err := json.Unmarshal(rec.Body.Bytes(), &pe); err != nil {
			t.Fatalf("%d with a body that is not a JSON error: %q", rec.Code, rec.Body.Bytes())
		}
	}
	return rec.Code, pe
}

// bigPush is a push request declaring n bytes of body, signed by key (nil:
// unsigned) over what the body would hash to, as claimed by digest.
func bigPush(t *testing.T, key ed25519.PrivateKey, at time.Time, body io.Reader, n int64, claimed []byte, digest bool) *http.Request {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, proto.PathPush, body)
	req.ContentLength = n
	if key != nil {
		auth, err := proto.SignRequest(key, http.MethodPost, proto.PathPush, at, claimed)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", auth)
	}
	if digest {
		req.Header.Set(proto.DigestHeader, proto.FormatDigest(sha256.Sum256(claimed)))
	}
	return req
}

// TestHubChecksHeadersBeforeReadingTheBody is issue 14 §3: "authenticate
// the request's headers (format, clock, device, revocation) before reading
// any body". Each request declares the largest body the hub accepts; the
// hub refuses every one of them without reading a byte of it. A body whose
// digest is declared has its signature checked before it is read as well.
func TestHubChecksHeadersBeforeReadingTheBody(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b synctest.Backend) {
		e := setup(t, b)
		ctx := context.Background()
		now := e.clock.Now()
		full := make([]byte, proto.MaxRequestBody)
		carol := enrol(t, e, "carol")
		if err := e.h.DB.RevokeDevice(ctx, proto.DeviceID(carol.Public().(ed25519.PublicKey)), now); err != nil {
			t.Fatal(err)
		}
		dana := enrol(t, e, "dana")
		if err := e.h.DB.RevokePerson(ctx, "dana", now); err != nil {
			t.Fatal(err)
		}
		stranger := synctest.NewDeviceKey(t)
		aliceID := proto.DeviceID(e.alice.Public().(ed25519.PublicKey))
		forged, _ := proto.SignRequest(stranger, http.MethodPost, proto.PathPush, now, full)
		forged = strings.Replace(forged, "device="+proto.DeviceID(stranger.Public().(ed25519.PublicKey)), "device="+aliceID, 1)

		cases := []struct {
			name   string
			req    func(body io.Reader) *http.Request
			status int
			code   string
		}{
			{"no signature header", func(r io.Reader) *http.Request {
				return bigPush(t, nil, now, r, proto.MaxRequestBody, full, true)
			}, 401, proto.CodeUnauthenticated},
			{"a malformed signature header", func(r io.Reader) *http.Request {
				q := bigPush(t, nil, now, r, proto.MaxRequestBody, full, true)
				q.Header.Set("Authorization", "SGC1 device=zz")
				return q
			}, 401, proto.CodeUnauthenticated},
			{"a clock ten minutes out", func(r io.Reader) *http.Request {
				return bigPush(t, e.alice, now.Add(10*time.Minute), r, proto.MaxRequestBody, full, true)
			}, 401, proto.CodeClockSkew},
			{"a device never enrolled", func(r io.Reader) *http.Request {
				return bigPush(t, stranger, now, r, proto.MaxRequestBody, full, true)
			}, 401, proto.CodeUnknownDevice},
			{"a revoked device", func(r io.Reader) *http.Request {
				return bigPush(t, carol, now, r, proto.MaxRequestBody, full, true)
			}, 403, proto.CodeDeviceRevoked},
			{"a revoked person's device", func(r io.Reader) *http.Request {
				return bigPush(t, dana, now, r, proto.MaxRequestBody, full, true)
			}, 403, proto.CodePersonRevoked},
			{"an enrolled device's id signed by another key, digest declared", func(r io.Reader) *http.Request {
				q := bigPush(t, nil, now, r, proto.MaxRequestBody, full, true)
				q.Header.Set("Authorization", forged)
				return q
			}, 401, proto.CodeUnauthenticated},
			{"a signature over another body than the digest declared", func(r io.Reader) *http.Request {
				q := bigPush(t, e.alice, now, r, proto.MaxRequestBody, []byte("other"), false)
				q.Header.Set(proto.DigestHeader, proto.FormatDigest(sha256.Sum256(full)))
				return q
			}, 401, proto.CodeUnauthenticated},
			{"a malformed digest", func(r io.Reader) *http.Request {
				q := bigPush(t, e.alice, now, r, proto.MaxRequestBody, full, false)
				q.Header.Set(proto.DigestHeader, "md5=:AAAA:")
				return q
			}, 400, proto.CodeMalformed},
			{"no declared length (chunked)", func(r io.Reader) *http.Request {
				return bigPush(t, e.alice, now, r, -1, full, true)
			}, 411, proto.CodeLengthRequired},
			{"a length over the limit", func(r io.Reader) *http.Request {
				return bigPush(t, e.alice, now, r, proto.MaxRequestBody+1, full, true)
			}, 413, proto.CodeTooLarge},
			{"an enrolment over its small limit", func(r io.Reader) *http.Request {
				q := httptest.NewRequest(http.MethodPost, proto.PathEnrol, r)
				q.ContentLength = proto.MaxEnrolBody + 1
				auth, _ := proto.SignRequest(stranger, http.MethodPost, proto.PathEnrol, now, nil)
				q.Header.Set("Authorization", auth)
				return q
			}, 413, proto.CodeTooLarge},
			{"an enrolment with no signature header", func(r io.Reader) *http.Request {
				q := httptest.NewRequest(http.MethodPost, proto.PathEnrol, r)
				q.ContentLength = proto.MaxEnrolBody
				return q
			}, 401, proto.CodeUnauthenticated},
			{"a pull with a body", func(r io.Reader) *http.Request {
				q := httptest.NewRequest(http.MethodGet, proto.PathPull, r)
				q.ContentLength = proto.MaxRequestBody
				return q
			}, 400, proto.CodeMalformed},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				body := newZeros(proto.MaxRequestBody)
				s, pe := direct(t, e.h.Hub.Handler(), "192.0.2.7", c.req(body))
				if s != c.status || pe.Code != c.code {
					t.Fatalf("got %d %+v; want %d %s", s, pe, c.status, c.code)
				}
				if n := body.read.Load(); n != 0 {
					t.Fatalf("the hub read %d bytes of the body before refusing it", n)
				}
			})
		}
		// The same push from Alice herself is read, and judged on its content.
		body := newZeros(proto.MaxRequestBody)
		s, pe := direct(t, e.h.Hub.Handler(), "192.0.2.7", bigPush(t, e.alice, now, body, proto.MaxRequestBody, full, true))
		if s != 400 || pe.Code != proto.CodeMalformed || body.read.Load() != proto.MaxRequestBody {
			t.Fatalf("Alice's own push: %d %+v, %d bytes read", s, pe, body.read.Load())
		}
	})
}

// TestHubCapsBodiesInFlightAndRequestsPerDeviceAndAddress is issue 14 §3:
// "cap the bytes of bodies in flight and connections per address and per
// device". Slow senders hold their places; the next one over a cap is told
// the hub is busy at once (or after a short wait for body room), without
// its body being read, while others carry on.
func TestHubCapsBodiesInFlightAndRequestsPerDeviceAndAddress(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b synctest.Backend) {
		db := b.Open(t)
		org := synctest.NewOrg(t)
		clock := synctest.NewClock()
		h := synctest.StartHubWith(t, db, org, hub.Options{Now: clock.Now, Limits: hub.Limits{
			BodyBytes: 1, // the smallest budget: one largest body at a time
			BodyWait:  100 * time.Millisecond, RequestsPerAddress: 3, RequestsPerDevice: 2,
		}})
		e := &env{org: org, h: h, clock: clock}
		e.alice, e.bob = enrol(t, e, "alice"), enrol(t, e, "bob")
		handler := h.Hub.Handler()
		now := clock.Now()
		full := make([]byte, proto.MaxRequestBody)

		// hold starts a push that sends its first bytes and then waits.
		type held struct {
			body *zeros
			done chan int
		}
		hold := func(key ed25519.PrivateKey, from string, n int64, claimed []byte) held {
			z := newZeros(n)
			z.hold = make(chan struct{})
			done := make(chan int, 1)
			go func() {
				s, _ := direct(t, handler, from, bigPush(t, key, now, z, n, claimed, true))
				done <- s
			}()
			for z.read.Load() == 0 {
				time.Sleep(time.Millisecond)
			}
			return held{z, done}
		}
		try := func(key ed25519.PrivateKey, from string, n int64, claimed []byte) (int, proto.Error, int64) {
			z := newZeros(n)
			s, pe := direct(t, handler, from, bigPush(t, key, now, z, n, claimed, true))
			return s, pe, z.read.Load()
		}

		// Bodies in flight: Alice's slow 16 MiB push holds the room; Bob's
		// waits a moment and is told the hub is busy, unread.
		slow := hold(e.alice, "192.0.2.1", proto.MaxRequestBody, full)
		if s, pe, n := try(e.bob, "192.0.2.2", proto.MaxRequestBody, full); s != 503 || pe.Code != proto.CodeBusy || n != 0 {
			t.Fatalf("a second largest body while the first is in flight: %d %+v, %d bytes read", s, pe, n)
		}
		close(slow.body.hold)
		<-slow.done
		if s, pe, n := try(e.bob, "192.0.2.2", proto.MaxRequestBody, full); s != 400 || n != proto.MaxRequestBody {
			t.Fatalf("once the room is free: %d %+v, %d bytes read", s, pe, n)
		}

		// Requests per device: two slow small pushes from Alice, a third is
		// refused; Bob is not affected.
		small := pushBody(t, org.Seal(t, "alice", "r1", crypto.KindSessionRecord, []byte("x")))
		a1 := hold(e.alice, "192.0.2.1", int64(len(small)), small)
		a2 := hold(e.alice, "192.0.2.3", int64(len(small)), small)
		if s, pe, n := try(e.alice, "192.0.2.4", int64(len(small)), small); s != 503 || pe.Code != proto.CodeBusy ||
			!strings.Contains(pe.Message, "this device") || n != 0 {
			t.Fatalf("a third request at once from one device: %d %+v, %d bytes read", s, pe, n)
		}
		bobs := pushBody(t, org.Seal(t, "bob", "r2", crypto.KindSessionRecord, []byte("y")))
		if s, pe := direct(t, handler, "192.0.2.2", bigPush(t, e.bob, now, bytes.NewReader(bobs), int64(len(bobs)), bobs, true)); s != 200 {
			t.Fatalf("Bob while Alice is at her limit: %d %+v", s, pe)
		}
		// Requests per address: 192.0.2.1 has one in flight; two more
		// (anyone's) fill it, and a fourth is refused before its headers
		// are even read.
		b1 := hold(e.bob, "192.0.2.1", int64(len(bobs)), bobs)
		b2 := hold(e.bob, "192.0.2.1", int64(len(bobs)), bobs)
		if s, pe, n := try(nil, "192.0.2.1", proto.MaxRequestBody, full); s != 503 || pe.Code != proto.CodeBusy ||
			!strings.Contains(pe.Message, "address") || n != 0 {
			t.Fatalf("a fourth request at once from one address: %d %+v, %d bytes read", s, pe, n)
		}
		for _, x := range []held{a1, a2, b1, b2} {
			close(x.body.hold)
			<-x.done
		}
	})
}

// TestAnImpostorOfTheOldVersionCannotStarveTheDevice: a request without a
// declared digest (the previous version's) can only be authenticated after
// its body is read, so someone naming Alice's device that way gets one
// body's room at most, from a share kept apart; Alice's own requests,
// checked before their bodies, are not held up by it.
func TestAnImpostorOfTheOldVersionCannotStarveTheDevice(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b synctest.Backend) {
		e := setup(t, b)
		handler := e.h.Hub.Handler()
		now := e.clock.Now()
		stranger := synctest.NewDeviceKey(t)
		aliceID := proto.DeviceID(e.alice.Public().(ed25519.PublicKey))
		impostor := func(body io.Reader) *http.Request {
			q := bigPush(t, stranger, now, body, proto.MaxRequestBody, nil, false)
			a := q.Header.Get("Authorization")
			q.Header.Set("Authorization", strings.Replace(a, "device="+proto.DeviceID(stranger.Public().(ed25519.PublicKey)), "device="+aliceID, 1))
			return q
		}
		z := newZeros(proto.MaxRequestBody)
		z.hold = make(chan struct{})
		done := make(chan int, 1)
		go func() {
			s, _ := direct(t, handler, "192.0.2.66", impostor(z))
			done <- s
		}()
		for z.read.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
		z2 := newZeros(proto.MaxRequestBody)
		if s, pe := direct(t, handler, "192.0.2.67", impostor(z2)); s != 503 || pe.Code != proto.CodeBusy || z2.read.Load() != 0 {
			t.Fatalf("a second unverified body for one device: %d %+v, %d bytes read", s, pe, z2.read.Load())
		}
		for i := range 3 {
			rec := e.org.Seal(t, "alice", "own-"+itoa(int64(i)), crypto.KindSessionRecord, []byte("x"))
			if s, pe, _ := send(t, e.h.URL, e.alice, e.clock.Now(), "POST", proto.PathPush, pushBody(t, rec), ""); s != 200 {
				t.Fatalf("Alice's own push while an impostor holds her old-version place: %d %+v", s, pe)
			}
		}
		close(z.hold)
		if s := <-done; s != 401 {
			t.Fatalf("the impostor's request, once read: %d", s)
		}
	})
}

// enrolRequest is a signed enrolment with code, from a new key.
func enrolRequest(t *testing.T, at time.Time, code string) (*http.Request, []byte, string) {
	t.Helper()
	k := synctest.NewDeviceKey(t)
	body, err := json.Marshal(proto.EnrolRequest{Code: code, DeviceKey: k.Public().(ed25519.PublicKey), Name: "laptop"})
	if err != nil {
		t.Fatal(err)
	}
	auth, err := proto.SignRequest(k, http.MethodPost, proto.PathEnrol, at, body)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, proto.PathEnrol, bytes.NewReader(body))
	req.Header.Set("Authorization", auth)
	return req, body, auth
}

// TestEnrolmentChecksTheCodeBeforeWritingAnything is issue 14 §3:
// "enrolment checks the code before writing anything". The same signed
// request with a wrong code, sent twice, is refused for its code both
// times: the first left no trace (not even its nonce, which would make the
// second a replay), and no device.
func TestEnrolmentChecksTheCodeBeforeWritingAnything(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b synctest.Backend) {
		e := setup(t, b)
		req, body, auth := enrolRequest(t, e.clock.Now(), "AAAAA-BBBBB-CCCCC-DDDDD")
		for i := range 2 {
			if i == 1 {
				req = httptest.NewRequest(http.MethodPost, proto.PathEnrol, bytes.NewReader(body))
				req.Header.Set("Authorization", auth)
			}
			s, pe := direct(t, e.h.Hub.Handler(), "192.0.2.9", req)
			if s != 403 || pe.Code != proto.CodeEnrolCode {
				t.Fatalf("attempt %d with a wrong code: %d %+v", i+1, s, pe)
			}
		}
		var er proto.EnrolRequest
		if err := json.Unmarshal(body, &er); err != nil {
			t.Fatal(err)
		}
		if _, err := e.h.DB.Device(context.Background(), proto.DeviceID(er.DeviceKey)); err == nil {
			t.Fatal("a device was registered with a wrong code")
		}
	})
}

// TestEnrolmentIsRateLimitedPerAddress is issue 14 §3: "enrolment ... is
// rate-limited per address". Ten guesses from one address in a minute;
// the eleventh is refused before it is looked at, even with a good code
// (which stays unused); another address is not affected; a minute later
// the first may try again.
func TestEnrolmentIsRateLimitedPerAddress(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b synctest.Backend) {
		e := setup(t, b)
		handler := e.h.Hub.Handler()
		for i := range 10 {
			req, _, _ := enrolRequest(t, e.clock.Now(), "AAAAA-BBBBB-CCCCC-DDDD"+string(rune('A'+i)))
			if s, pe := direct(t, handler, "192.0.2.10", req); s != 403 || pe.Code != proto.CodeEnrolCode {
				t.Fatalf("guess %d: %d %+v", i+1, s, pe)
			}
		}
		code := synctest.Code(t, e.h.DB, "carol")
		req, _, _ := enrolRequest(t, e.clock.Now(), code)
		s, pe := direct(t, handler, "192.0.2.10", req)
		if s != http.StatusTooManyRequests || pe.Code != proto.CodeBusy || !strings.Contains(pe.Message, "wait a minute") {
			t.Fatalf("the eleventh attempt in a minute: %d %+v", s, pe)
		}
		req, _, _ = enrolRequest(t, e.clock.Now(), code)
		if s, pe := direct(t, handler, "192.0.2.11", req); s != 200 {
			t.Fatalf("the good code from another address: %d %+v", s, pe)
		}
		e.clock.Set(e.clock.Now().Add(time.Minute))
		req, _, _ = enrolRequest(t, e.clock.Now(), synctest.Code(t, e.h.DB, "carol"))
		if s, pe := direct(t, handler, "192.0.2.10", req); s != 200 {
			t.Fatalf("a minute later: %d %+v", s, pe)
		}
	})
}

// TestMetricsOnlyOnTheHubsComputerOrToAnAdmin is issue 14 §3: "/metrics is
// served on loopback or to an admin only".
func TestMetricsOnlyOnTheHubsComputerOrToAnAdmin(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b synctest.Backend) {
		db := b.Open(t)
		org := synctest.NewOrg(t, "ict")
		clock := synctest.NewClock()
		h := synctest.StartHub(t, db, org, clock.Now)
		e := &env{org: org, h: h, clock: clock}
		e.alice = enrol(t, e, "alice")
		ict := enrol(t, e, "ict")
		signed := func(key ed25519.PrivateKey) func(*http.Request) {
			return func(r *http.Request) {
				a, err := proto.SignRequest(key, http.MethodGet, proto.PathMetrics, clock.Now(), nil)
				if err != nil {
					t.Fatal(err)
				}
				r.Header.Set("Authorization", a)
			}
		}
		for _, c := range []struct {
			name string
			from string
			set  func(*http.Request)
			want int
		}{
			{"from the hub's own computer", "127.0.0.1", nil, 200},
			{"from the hub's own computer over IPv6", "::1", nil, 200},
			{"from elsewhere", "192.0.2.5", nil, 403},
			{"through a proxy on the hub's computer", "127.0.0.1", func(r *http.Request) { r.Header.Set("X-Forwarded-For", "192.0.2.5") }, 403},
			{"from elsewhere, signed by the admin's device", "192.0.2.5", signed(ict), 200},
			{"from elsewhere, signed by a practitioner's device", "192.0.2.5", signed(e.alice), 403},
			{"from elsewhere, signed by a device never enrolled", "192.0.2.5", signed(synctest.NewDeviceKey(t)), 403},
		} {
			t.Run(c.name, func(t *testing.T) {
				req := httptest.NewRequest(http.MethodGet, proto.PathMetrics, nil)
				if c.set != nil {
					c.set(req)
				}
				if c.from == "::1" {
					req.RemoteAddr = "[::1]:40000"
				} else {
					req.RemoteAddr = c.from + ":40000"
				}
				rec := httptest.NewRecorder()
				h.Hub.Handler().ServeHTTP(rec, req)
				if rec.Code != c.want {
					t.Fatalf("got %d %q; want %d", rec.Code, rec.Body.Bytes(), c.want)
				}
				if c.want == 200 && !strings.Contains(rec.Body.String(), "companion_hub_requests_total") {
					t.Fatalf("metrics: %q", rec.Body.Bytes())
				}
				if c.want != 200 && strings.Contains(rec.Body.String(), "companion_hub") {
					t.Fatalf("a refusal showed the counters: %q", rec.Body.Bytes())
				}
			})
		}
	})
}
