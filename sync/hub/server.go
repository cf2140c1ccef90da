package hub

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"safeguard/companion/crypto"
	"safeguard/companion/sync/internal/workers"
	"safeguard/companion/sync/proto"
)

// apiError is a refusal on its way to the client.
type apiError struct {
	status int
	body   proto.Error
}

func (e *apiError) Error() string { return e.body.Message }

func refuse(status int, code, msg string) *apiError {
	return &apiError{status: status, body: proto.Error{Code: code, Message: msg}}
}

// authKind says how an endpoint's requests are authenticated.
type authKind int

const (
	authNone   authKind = iota
	authDevice          // signed by an enrolled device
	authEnrol           // signed by the key being enrolled, named in the body
)

// endpoint is one route of the API.
type endpoint struct {
	method  string
	auth    authKind
	maxBody int64 // 0: the request has no body
	fn      handler
}

// Handler returns the HTTP API.
func (h *Hub) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(proto.PathEnrol, h.route(endpoint{http.MethodPost, authEnrol, proto.MaxEnrolBody, h.enrol}))
	mux.HandleFunc(proto.PathPush, h.route(endpoint{http.MethodPost, authDevice, proto.MaxRequestBody, h.push}))
	mux.HandleFunc(proto.PathPull, h.route(endpoint{http.MethodGet, authDevice, 0, h.pull}))
	mux.HandleFunc(proto.PathPullV1, h.route(endpoint{http.MethodGet, authDevice, 0, h.pullV1}))
	mux.HandleFunc(proto.PathDispose, h.route(endpoint{http.MethodPost, authDevice, proto.MaxTombstone, h.dispose}))
	mux.HandleFunc(proto.PathTombstones, h.route(endpoint{http.MethodGet, authDevice, 0, h.tombstones}))
	publish := h.route(endpoint{http.MethodPost, authDevice, proto.MaxRequestBody, h.publish})
	get := h.route(endpoint{http.MethodGet, authDevice, 0, h.getDirectory})
	mux.HandleFunc(proto.PathDirectory, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			publish(w, r)
			return
		}
		get(w, r)
	})
	mux.HandleFunc(proto.PathHealth, h.health)
	mux.HandleFunc(proto.PathMetrics, h.metrics)
	mux.HandleFunc("/", h.route(endpoint{fn: func(context.Context, *request) (any, *apiError) {
		return nil, refuse(http.StatusNotFound, proto.CodeNotFound, "there is no such endpoint on this hub")
	}}))
	return mux
}

// request is what a handler sees: the body, the parsed signature header
// and, once authenticated, the device.
type request struct {
	r      *http.Request
	body   []byte
	auth   proto.Auth
	device Device
	// unverified: the body was read before the signature could be
	// checked (a previous-version request, which declares no digest).
	unverified bool
}

type handler func(ctx context.Context, q *request) (any, *apiError)

// route runs one endpoint and writes its JSON answer or refusal. Raw
// []byte results are written as they are (the signed directory).
func (h *Hub) route(ep endpoint) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := h.now()
		h.m.requests.Add(1)
		res, aerr := h.serve(w, r, ep)
		status := http.StatusOK
		w.Header().Set("Cache-Control", "no-store")
		if aerr != nil {
			h.m.refused.Add(1)
			status = aerr.status
			switch aerr.body.Code {
			case proto.CodeClockSkew:
				aerr.body.HubTime = h.now().UnixMilli()
			case proto.CodeBusy:
				w.Header().Set("Retry-After", "5")
			}
			if r.ContentLength != 0 {
				// The body was refused unread: do not let the server
				// drain it to keep the connection.
				w.Header().Set("Connection", "close")
			}
			writeJSON(w, status, aerr.body)
		} else if _, ok := res.(notModified); ok {
			status = http.StatusNoContent
			w.WriteHeader(status)
		} else if b, ok := res.(batchBody); ok {
			w.Header().Set("Content-Type", proto.ContentTypeBatch)
			w.Header().Set("Content-Length", strconv.Itoa(len(b)))
			w.WriteHeader(status)
			_, _ = w.Write(b) // see below
		} else if b, ok := res.([]byte); ok {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", strconv.Itoa(len(b)))
			w.WriteHeader(status)
			_, _ = w.Write(b) // a failed write is the client's lost response; it retries
		} else {
			writeJSON(w, status, res)
		}
		// Method, path, status and timing only: never content, ids of
		// records or keys.
		h.log.Info("request", "method", r.Method, "path", r.URL.Path, "status", status,
			"ms", h.now().Sub(start).Milliseconds())
	}
}

// serve checks a request in order of cost, so that what a stranger can
// make the hub do is cheap: the method, the requests at once from its
// address, the declared length; then the signature header's format and
// clock, the device and its revocation, and (when the body's digest is
// declared) the signature itself; only then room for the body in the
// hub-wide budget, and the body.
func (h *Hub) serve(w http.ResponseWriter, r *http.Request, ep endpoint) (any, *apiError) {
	if ep.method != "" && r.Method != ep.method {
		return nil, refuse(http.StatusMethodNotAllowed, proto.CodeMethod, "this endpoint takes "+ep.method+" only")
	}
	addr := addressKey(r.RemoteAddr)
	release, ok := h.lim.perAddress.acquire(addr)
	if !ok {
		return nil, busy("too many requests at once from this network address")
	}
	defer release()
	switch n := r.ContentLength; {
	case n < 0:
		return nil, refuse(http.StatusLengthRequired, proto.CodeLengthRequired,
			"the request's body has no declared length; send it with a Content-Length")
	case n > ep.maxBody && ep.maxBody == proto.MaxRequestBody:
		return nil, refuse(http.StatusRequestEntityTooLarge, proto.CodeTooLarge,
			fmt.Sprintf("the request is larger than the hub accepts (%d bytes); send fewer records at a time", proto.MaxRequestBody))
	case n > 0 && ep.maxBody == 0:
		return nil, refuse(http.StatusBadRequest, proto.CodeMalformed, "this request has no body")
	case n > ep.maxBody:
		return nil, refuse(http.StatusRequestEntityTooLarge, proto.CodeTooLarge,
			fmt.Sprintf("this request may carry at most %d bytes", ep.maxBody))
	}
	ctx := r.Context()
	q := &request{r: r}
	// The body's SHA-256: declared in the header, or that of no body.
	var digest *[32]byte
	if v := r.Header.Get(proto.DigestHeader); v != "" {
		d, err := proto.ParseDigest(v)
		if err != nil {
			return nil, refuse(http.StatusBadRequest, proto.CodeMalformed, err.Error())
		}
		digest = &d
	} else if r.ContentLength == 0 {
		d := sha256.Sum256(nil)
		digest = &d
	}
	pool := h.lim.verified
	switch ep.auth {
	case authEnrol:
		if !h.lim.enrol.allow(addr, h.now()) {
			return nil, refuse(http.StatusTooManyRequests, proto.CodeBusy,
				"too many enrolment attempts from this network address; wait a minute and try again")
		}
		a, aerr := h.parseAuth(r)
		if aerr != nil {
			return nil, aerr
		}
		q.auth = a
		pool = h.lim.unverified // the key to check it with is in the body
	case authDevice:
		a, d, aerr := h.deviceHeader(ctx, r)
		if aerr != nil {
			return nil, aerr
		}
		q.auth, q.device = a, d
		if digest != nil {
			if !proto.VerifyRequest(d.Key, a, r.Method, r.RequestURI, *digest) {
				return nil, badSignature()
			}
		} else {
			if !h.previousAccepted() {
				return nil, h.appTooOld()
			}
			rel, ok := h.lim.unverifiedDev.acquire(d.ID)
			if !ok {
				return nil, busy("this device is already sending as much as the hub takes at once")
			}
			defer rel()
			q.unverified = true
			pool = h.lim.unverified
		}
		rel, ok := h.lim.perDevice.acquire(d.ID)
		if !ok {
			return nil, busy("too many requests at once from this device")
		}
		defer rel()
	}
	if n := r.ContentLength; n > 0 {
		wctx, cancel := context.WithTimeout(ctx, h.lim.wait)
		err := pool.acquire(wctx, n)
		cancel()
		if err != nil {
			return nil, busy("the hub is receiving as much as it can hold at once")
		}
		defer pool.release(n)
		body := make([]byte, n)
		if _, err := io.ReadFull(r.Body, body); err != nil {
			return nil, refuse(http.StatusBadRequest, proto.CodeMalformed, "the request body could not be read completely")
		}
		q.body = body
	}
	sum := sha256.Sum256(q.body)
	if digest != nil && sum != *digest {
		return nil, refuse(http.StatusBadRequest, proto.CodeDigest, "the request body does not match its Content-Digest; it may have been cut short: send it again")
	}
	if ep.auth == authDevice {
		if q.unverified && !proto.VerifyRequest(q.device.Key, q.auth, r.Method, r.RequestURI, sum) {
			return nil, badSignature()
		}
		if aerr := h.useNonce(ctx, q.auth); aerr != nil {
			return nil, aerr
		}
	}
	return ep.fn(ctx, q)
}

func busy(why string) *apiError {
	return refuse(http.StatusServiceUnavailable, proto.CodeBusy, "the hub is busy: "+why+"; the app tries again shortly")
}

func badSignature() *apiError {
	return refuse(http.StatusUnauthorized, proto.CodeUnauthenticated, "the request's signature does not match this device's key")
}

// previousAccepted reports whether the deprecation window of the previous
// protocol version is still open.
func (h *Hub) previousAccepted() bool { return h.now().Before(h.previousUntil) }

func (h *Hub) appTooOld() *apiError {
	return refuse(http.StatusUpgradeRequired, proto.CodeAppTooOld, fmt.Sprintf(
		"This app is too old for this hub, which stopped accepting its version on %s: update the app "+
			"(your ICT administrator can help). Records on this computer are kept and are sent once the app is updated.",
		h.previousUntil.Format("2 January 2006")))
}

// batchBody is a binary answer (a pull page, a push's receipts), written
// as it is.
type batchBody []byte

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"code":"internal","error":"the hub could not encode its answer"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b) // see route
}

func (h *Hub) internal(op string, err error) *apiError {
	// The detail goes to the operator's log, not to the client.
	h.log.Error("internal error", "op", op, "err", err)
	return refuse(http.StatusInternalServerError, proto.CodeInternal, "the hub could not "+op+"; try again later")
}

// parseAuth reads the Authorization header's format and checks its clock.
func (h *Hub) parseAuth(r *http.Request) (proto.Auth, *apiError) {
	a, err := proto.ParseAuth(r.Header.Get("Authorization"))
	if err != nil {
		return a, refuse(http.StatusUnauthorized, proto.CodeUnauthenticated, err.Error())
	}
	if skew := h.now().Sub(a.Timestamp); skew > proto.ClockWindow || skew < -proto.ClockWindow {
		return a, refuse(http.StatusUnauthorized, proto.CodeClockSkew, fmt.Sprintf(
			"this device's clock is %s away from the hub's; set the computer's date and time correctly",
			skew.Round(time.Second).Abs()))
	}
	return a, nil
}

// deviceHeader checks what the headers alone can: the signature header's
// format and clock, that it names an enrolled device, and that neither the
// device nor its person is revoked.
func (h *Hub) deviceHeader(ctx context.Context, r *http.Request) (proto.Auth, Device, *apiError) {
	a, aerr := h.parseAuth(r)
	if aerr != nil {
		return a, Device{}, aerr
	}
	d, err := h.db.Device(ctx, a.Device)
	if errors.Is(err, ErrNotFound) {
		return a, d, refuse(http.StatusUnauthorized, proto.CodeUnknownDevice,
			"this device is not enrolled with the hub; enrol it with a code from your administrator")
	}
	if err != nil {
		return a, d, h.internal("look up the device", err)
	}
	if d.Revoked {
		return a, d, refuse(http.StatusForbidden, proto.CodeDeviceRevoked,
			"this device has been revoked by your administrator and can no longer sync")
	}
	if d.PersonRevoked {
		return a, d, refuse(http.StatusForbidden, proto.CodePersonRevoked,
			"your account has been revoked by your administrator and can no longer sync")
	}
	return a, d, nil
}

// useNonce consumes a request's nonce; only authenticated requests get
// here, so that unauthenticated traffic cannot fill the nonce table.
func (h *Hub) useNonce(ctx context.Context, a proto.Auth) *apiError {
	now := h.now()
	err := h.db.UseNonce(ctx, a.Device, a.Nonce, now, now.Add(-2*proto.ClockWindow-time.Minute))
	if errors.Is(err, ErrReplay) {
		return refuse(http.StatusUnauthorized, proto.CodeReplay, ErrReplay.Error())
	}
	if err != nil {
		return h.internal("record the request", err)
	}
	return nil
}

// enrol registers a device. It writes nothing, not even the request's
// nonce, until the signature and the code have been checked.
func (h *Hub) enrol(ctx context.Context, q *request) (any, *apiError) {
	a := q.auth
	var req proto.EnrolRequest
	if err := proto.StrictUnmarshal(q.body, &req); err != nil {
		return nil, refuse(http.StatusBadRequest, proto.CodeMalformed, "the enrolment request is not valid JSON of the expected shape")
	}
	if len(req.DeviceKey) != ed25519.PublicKeySize || len(req.Name) > 128 || len(req.Code) > 64 {
		return nil, refuse(http.StatusBadRequest, proto.CodeMalformed, "the enrolment request has a malformed device key, name or code")
	}
	if proto.DeviceID(req.DeviceKey) != a.Device {
		return nil, refuse(http.StatusUnauthorized, proto.CodeUnauthenticated, "the request is not signed by the key being enrolled")
	}
	if !proto.VerifyRequest(req.DeviceKey, a, q.r.Method, q.r.RequestURI, sha256.Sum256(q.body)) {
		return nil, badSignature()
	}
	code := hashCode(req.Code)
	switch err := h.db.CheckEnrolCode(ctx, code, a.Device, h.now()); {
	case errors.Is(err, ErrBadCode):
		return nil, refuse(http.StatusForbidden, proto.CodeEnrolCode, ErrBadCode.Error())
	case err != nil:
		return nil, h.internal("check the enrolment code", err)
	}
	if aerr := h.useNonce(ctx, a); aerr != nil {
		return nil, aerr
	}
	d, err := h.db.Enrol(ctx, code, Device{ID: a.Device, Key: req.DeviceKey, Name: req.Name}, h.now())
	switch {
	case errors.Is(err, ErrBadCode):
		return nil, refuse(http.StatusForbidden, proto.CodeEnrolCode, ErrBadCode.Error())
	case errors.Is(err, ErrExists):
		return nil, refuse(http.StatusConflict, proto.CodeConflict, "this device is already enrolled")
	case err != nil:
		return nil, h.internal("enrol the device", err)
	}
	h.m.enrolled.Add(1)
	return proto.EnrolResponse{Device: d.ID, Person: d.Person, HubKey: h.HubKey(), AdminKey: h.admin}, nil
}

// verified is one envelope that passed the checks, or the refusal of one
// that did not. revoked marks a refusal only because its author's key is
// revoked now: the same bytes may already be held from before.
type verified struct {
	item    Item
	err     *apiError
	header  crypto.Header
	revoked bool
}

func (h *Hub) push(ctx context.Context, q *request) (any, *apiError) {
	envs, err := proto.ParsePush(q.body)
	if errors.Is(err, proto.ErrNewerFormat) {
		return nil, refuse(http.StatusBadRequest, proto.CodeMalformed,
			"the records are in a newer format than this hub understands: the app is newer than the hub; ask your ICT administrator to update the hub")
	}
	if err != nil {
		return nil, refuse(http.StatusBadRequest, proto.CodeMalformed, "the push is not a valid batch of records: "+
			strings.TrimPrefix(err.Error(), proto.ErrBatch.Error()+": "))
	}
	cd, err := h.directory(ctx)
	if errors.Is(err, errNoDirectory) {
		return nil, refuse(http.StatusServiceUnavailable, proto.CodeNoDirectory, errNoDirectory.Error())
	}
	if err != nil {
		return nil, h.internal("read the directory", err)
	}
	if _, ok := cd.dir.Person(q.device.Person); !ok {
		return nil, refuse(http.StatusForbidden, proto.CodePersonRevoked,
			"your account is not in the organisation directory any more")
	}
	// One moment for the whole push: the receipt time the backend stores
	// is the time every record is judged by.
	now := h.now()
	out := make([]verified, len(envs))
	// Signature checks dominate the CPU cost of a push: spread them over
	// the cores.
	workers.Each(len(out), 32, func(i int) {
		out[i] = h.check(envs[i], i, cd.dir, q.device.Person, now)
	})
	items := make([]Item, len(out))
	for i, v := range out {
		if v.err != nil && !(v.revoked && h.heldBefore(ctx, v, cd.dir)) {
			return nil, v.err // nothing of this push is stored
		}
		items[i] = v.item
		items[i].Device = q.device.ID
	}
	stored, err := h.db.Push(ctx, items, now)
	var disposed *DisposedError
	if errors.As(err, &disposed) {
		return nil, disposedRefusal(disposed)
	}
	var conflict *ConflictError
	if errors.As(err, &conflict) {
		e := refuse(http.StatusConflict, proto.CodeConflict, conflict.Error())
		e.body.ID = conflict.ID
		return nil, e
	}
	if err != nil {
		return nil, h.internal("store the records", err)
	}
	// Only now, with the write committed, is anything receipted: one
	// receipt per record, all under one signature over the batch's Merkle
	// root (proto/receipt.go).
	recs := make([]proto.Receipt, len(stored))
	for i, s := range stored {
		recs[i] = proto.Receipt{ID: s.ID, Seq: s.Seq, Hash: s.Hash, Received: s.Received}
	}
	receipts, err := proto.SignReceipts(h.key, recs)
	if err != nil {
		return nil, h.internal("sign the receipts", err)
	}
	h.m.pushed.Add(int64(len(stored)))
	return batchBody(proto.EncodePushAnswer(receipts)), nil
}

// heldBefore reports whether a record refused for its key's revocation is
// already held, with the same bytes, from before the revocation: a device
// whose receipt was lost on the way sends it again, and gets the receipt
// it is owed. Anything else stays refused.
func (h *Hub) heldBefore(ctx context.Context, v verified, dir *crypto.Directory) bool {
	s, err := h.db.Get(ctx, v.item.ID)
	return err == nil && s.Hash == v.item.Hash && crypto.CheckReceived(v.header, dir, s.Received) == nil
}

// check parses and verifies one envelope for the device's person, received
// now: a key revoked at or before now signs nothing the hub takes, whatever
// date the record claims, and a record dated beyond now and the clock
// window is refused (docs/ARCHITECTURE.md Trust model).
func (h *Hub) check(b []byte, i int, dir *crypto.Directory, person string, now time.Time) verified {
	if len(b) > proto.MaxEnvelope {
		return verified{err: refuse(http.StatusRequestEntityTooLarge, proto.CodeTooLarge,
			fmt.Sprintf("record %d is larger than the hub accepts (%d bytes)", i+1, proto.MaxEnvelope))}
	}
	e, err := crypto.ParseEnvelope(b)
	if err != nil {
		return verified{err: refuse(http.StatusBadRequest, proto.CodeMalformed, fmt.Sprintf("record %d: %v", i+1, err))}
	}
	hd := e.Header()
	author, err := crypto.Verify(e, dir)
	if err != nil {
		ae := refuse(http.StatusUnprocessableEntity, proto.CodeInvalidRecord, fmt.Sprintf("record %s: %v", hd.ID, err))
		ae.body.ID = hd.ID
		return verified{err: ae}
	}
	if author.ID != person {
		ae := refuse(http.StatusForbidden, proto.CodeNotYourRecord,
			fmt.Sprintf("record %s was written by someone else; a device may only send its own person's records", hd.ID))
		ae.body.ID = hd.ID
		return verified{err: ae}
	}
	rcpt := make([]string, len(hd.Recipients))
	for j, k := range hd.Recipients {
		rcpt[j] = string(k)
	}
	v := verified{header: hd, item: Item{ID: hd.ID, Hash: crypto.EnvelopeHash(b), Author: string(hd.Author),
		Recipients: rcpt, Data: b, Parent: hd.ParentID}}
	if err := crypto.CheckReceived(hd, dir, now); err != nil {
		v.err = refuse(http.StatusUnprocessableEntity, proto.CodeInvalidRecord, fmt.Sprintf("record %s: %v", hd.ID, err))
		v.err.body.ID = hd.ID
		v.revoked = errors.Is(err, crypto.ErrRevokedSigner)
	}
	return v
}

const defaultPullLimit = 500

// ParsePullQuery reads ?after=&limit= strictly.
func ParsePullQuery(raw string) (after int64, limit int, err error) {
	v, err := url.ParseQuery(raw)
	if err != nil {
		return 0, 0, errors.New("the query string does not parse")
	}
	limit = defaultPullLimit
	for k, vals := range v {
		if len(vals) != 1 {
			return 0, 0, fmt.Errorf("parameter %q is repeated", k)
		}
		switch k {
		case "after":
			after, err = strconv.ParseInt(vals[0], 10, 64)
			if err != nil || after < 0 {
				return 0, 0, errors.New("after must be a sequence number (0 or more)")
			}
		case "limit":
			limit, err = strconv.Atoi(vals[0])
			if err != nil || limit < 1 || limit > proto.MaxPullLimit {
				return 0, 0, fmt.Errorf("limit must be between 1 and %d", proto.MaxPullLimit)
			}
		default:
			return 0, 0, fmt.Errorf("unknown parameter %q", k)
		}
	}
	return after, limit, nil
}

func (h *Hub) pull(ctx context.Context, q *request) (any, *apiError) {
	return h.pullPage(ctx, q, true)
}

// pullV1 serves an app of the previous protocol version, within the
// deprecation window, pages without receipts (which it cannot read):
// such an app judges a record by its own date, as it always did, while
// the hub still refuses anything from a revoked key when it arrives.
func (h *Hub) pullV1(ctx context.Context, q *request) (any, *apiError) {
	if !h.previousAccepted() {
		return nil, h.appTooOld()
	}
	return h.pullPage(ctx, q, false)
}

func (h *Hub) pullPage(ctx context.Context, q *request, withReceipts bool) (any, *apiError) {
	after, limit, err := ParsePullQuery(q.r.URL.RawQuery)
	if err != nil {
		return nil, refuse(http.StatusBadRequest, proto.CodeMalformed, err.Error())
	}
	cd, err := h.directory(ctx)
	if errors.Is(err, errNoDirectory) {
		return nil, refuse(http.StatusServiceUnavailable, proto.CodeNoDirectory, errNoDirectory.Error())
	}
	if err != nil {
		return nil, h.internal("read the directory", err)
	}
	p, ok := cd.dir.Person(q.device.Person)
	if !ok {
		return nil, refuse(http.StatusForbidden, proto.CodePersonRevoked,
			"your account is not in the organisation directory any more")
	}
	// Every key the person ever held: records sealed to a rotated-out key
	// are still theirs to read.
	keys := make([]string, len(p.Keys))
	for i, k := range p.Keys {
		keys[i] = string(k.ID)
	}
	// One more than asked, to tell the client whether to come back at once.
	recs, err := h.db.Pull(ctx, keys, after, limit+1)
	if err != nil {
		return nil, h.internal("read the records", err)
	}
	page := proto.PullPage{Records: make([]proto.PullRecord, 0, min(len(recs), limit)), Next: after}
	if len(recs) > limit {
		recs, page.More = recs[:limit], true
	}
	receipts := make([][]byte, len(recs))
	if withReceipts {
		if receipts, err = h.pullReceipts(recs); err != nil {
			return nil, h.internal("sign the receipts", err)
		}
	}
	size := proto.PullOverhead
	for i, s := range recs {
		r := proto.PullRecord{Seq: s.Seq, Envelope: s.Data, Receipt: receipts[i]}
		if n, err := hex.Decode(r.Hash[:], []byte(s.Hash)); err != nil || n != len(r.Hash) {
			return nil, h.internal("read the records", fmt.Errorf("record at %d has a malformed stored hash", s.Seq))
		}
		page.Records = append(page.Records, r)
		page.Next = s.Seq
		size += proto.PullRecordSize(len(r.Receipt), len(s.Data))
	}
	h.m.pulled.Add(int64(len(recs)))
	if !withReceipts {
		return batchBody(proto.AppendPullV1(make([]byte, 0, size), page)), nil
	}
	return batchBody(proto.AppendPull(make([]byte, 0, size), page)), nil
}

// pullReceipts signs a receipt for each record of a pull page, naming the
// time the hub first stored it, so the device can judge the record against
// its author's revocation by a time the author could not choose. A page is
// signed in batches of at most MaxBatch: one signature per batch.
func (h *Hub) pullReceipts(recs []Stored) ([][]byte, error) {
	out := make([][]byte, 0, len(recs))
	for start := 0; start < len(recs); start += proto.MaxBatch {
		part := recs[start:min(len(recs), start+proto.MaxBatch)]
		rs := make([]proto.Receipt, len(part))
		for i, s := range part {
			rs[i] = proto.Receipt{ID: s.ID, Seq: s.Seq, Hash: s.Hash, Received: s.Received}
		}
		signed, err := proto.SignReceipts(h.key, rs)
		if err != nil {
			return nil, err
		}
		out = append(out, signed...)
	}
	return out, nil
}

func (h *Hub) getDirectory(ctx context.Context, q *request) (any, *apiError) {
	cd, err := h.directory(ctx)
	if errors.Is(err, errNoDirectory) {
		return nil, refuse(http.StatusNotFound, proto.CodeNoDirectory, errNoDirectory.Error())
	}
	if err != nil {
		return nil, h.internal("read the directory", err)
	}
	if have := q.r.URL.Query().Get("have"); have != "" {
		v, err := strconv.ParseUint(have, 10, 64)
		if err != nil {
			return nil, refuse(http.StatusBadRequest, proto.CodeMalformed, "have must be a directory version number")
		}
		if cd.version <= v {
			return notModified{}, nil
		}
	}
	return cd.signed, nil
}

// notModified answers a directory fetch when the device is up to date.
type notModified struct{}

func (h *Hub) publish(ctx context.Context, q *request) (any, *apiError) {
	v, err := PublishDirectory(ctx, h.db, q.body, h.now())
	switch {
	case errors.Is(err, crypto.ErrDirectorySignature):
		return nil, refuse(http.StatusForbidden, proto.CodeDirectory, err.Error())
	case errors.Is(err, crypto.ErrDirectoryRollback):
		return nil, refuse(http.StatusConflict, proto.CodeDirectory, err.Error())
	case errors.Is(err, crypto.ErrDirectoryInvalid):
		return nil, refuse(http.StatusBadRequest, proto.CodeDirectory, err.Error())
	case err != nil:
		return nil, h.internal("publish the directory", err)
	}
	h.m.published.Add(1)
	return map[string]uint64{"version": v}, nil
}

func (h *Hub) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if _, err := h.db.LatestDirectoryVersion(ctx); err != nil {
		h.log.Error("health check failed", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, proto.Error{Code: proto.CodeInternal, Message: "the hub cannot reach its database"})
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "ok\n")
}

// metrics shows the counters to this computer (a scraper beside the hub)
// or to a device of someone with the admin role in the directory, and to
// nobody else: they say how busy the hub is and how many records it holds.
func (h *Hub) metrics(w http.ResponseWriter, r *http.Request) {
	if !h.metricsAllowed(r) {
		h.m.refused.Add(1)
		writeJSON(w, http.StatusForbidden, proto.Error{Code: proto.CodeUnauthenticated,
			Message: "the hub's metrics are served on the hub's own computer, or to a signed request from an organisation admin's device"})
		return
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	w.Header().Set("Cache-Control", "no-store")
	var held int64 = -1
	if n, err := h.db.Count(r.Context()); err == nil {
		held = n
	}
	fmt.Fprintf(w, "companion_hub_requests_total %d\n", h.m.requests.Load())
	fmt.Fprintf(w, "companion_hub_refused_total %d\n", h.m.refused.Load())
	fmt.Fprintf(w, "companion_hub_envelopes_receipted_total %d\n", h.m.pushed.Load())
	fmt.Fprintf(w, "companion_hub_envelopes_served_total %d\n", h.m.pulled.Load())
	fmt.Fprintf(w, "companion_hub_devices_enrolled_total %d\n", h.m.enrolled.Load())
	fmt.Fprintf(w, "companion_hub_directories_published_total %d\n", h.m.published.Load())
	fmt.Fprintf(w, "companion_hub_envelopes_held %d\n", held)
}

// metricsAllowed: a loopback peer that is not a proxy passing a request on
// (a proxy on the same computer names the real client in a forwarding
// header), or a bodiless GET signed by an enrolled, unrevoked device whose
// person has the admin role in the current directory.
func (h *Hub) metricsAllowed(r *http.Request) bool {
	if r.Method != http.MethodGet || r.ContentLength != 0 {
		return false
	}
	if r.Header.Get("Authorization") == "" {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		ip := net.ParseIP(host)
		forwarded := r.Header.Get("Forwarded") != "" || r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("X-Real-Ip") != ""
		return err == nil && ip != nil && ip.IsLoopback() && !forwarded
	}
	ctx := r.Context()
	a, d, aerr := h.deviceHeader(ctx, r)
	if aerr != nil || !proto.VerifyRequest(d.Key, a, r.Method, r.RequestURI, sha256.Sum256(nil)) {
		return false
	}
	cd, err := h.directory(ctx)
	if err != nil {
		return false
	}
	p, ok := cd.dir.Person(d.Person)
	return ok && p.HasRole(crypto.RoleAdmin) && h.useNonce(ctx, a) == nil
}
