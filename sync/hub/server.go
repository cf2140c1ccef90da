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

// Handler returns the HTTP API.
func (h *Hub) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(proto.PathEnrol, h.route(http.MethodPost, h.enrol))
	mux.HandleFunc(proto.PathPush, h.route(http.MethodPost, h.authed(h.push)))
	mux.HandleFunc(proto.PathPull, h.route(http.MethodGet, h.authed(h.pull)))
	mux.HandleFunc(proto.PathDirectory, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			h.route(http.MethodPost, h.authed(h.publish))(w, r)
			return
		}
		h.route(http.MethodGet, h.authed(h.getDirectory))(w, r)
	})
	mux.HandleFunc(proto.PathHealth, h.health)
	mux.HandleFunc(proto.PathMetrics, h.metrics)
	mux.HandleFunc("/", h.route("", func(context.Context, *request) (any, *apiError) {
		return nil, refuse(http.StatusNotFound, proto.CodeNotFound, "there is no such endpoint on this hub")
	}))
	return mux
}

// request is what a handler sees: the raw body and, once authenticated,
// the device.
type request struct {
	r      *http.Request
	body   []byte
	device Device
}

type handler func(ctx context.Context, q *request) (any, *apiError)

// route checks the method, reads the body within the limit, runs fn and
// writes its JSON answer or refusal. Raw []byte results are written as they
// are (the signed directory).
func (h *Hub) route(method string, fn handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := h.now()
		h.m.requests.Add(1)
		var res any
		var aerr *apiError
		if method != "" && r.Method != method {
			aerr = refuse(http.StatusMethodNotAllowed, proto.CodeMethod, "this endpoint takes "+method+" only")
		} else {
			body, err := readBody(w, r)
			var tooBig *http.MaxBytesError
			switch {
			case errors.As(err, &tooBig):
				aerr = refuse(http.StatusRequestEntityTooLarge, proto.CodeTooLarge,
					fmt.Sprintf("the request is larger than the hub accepts (%d bytes); send fewer records at a time", proto.MaxRequestBody))
			case err != nil:
				aerr = refuse(http.StatusBadRequest, proto.CodeMalformed, "the request body could not be read completely")
			default:
				res, aerr = fn(r.Context(), &request{r: r, body: body})
			}
		}
		status := http.StatusOK
		w.Header().Set("Cache-Control", "no-store")
		if aerr != nil {
			h.m.refused.Add(1)
			status = aerr.status
			if aerr.body.Code == proto.CodeClockSkew {
				aerr.body.HubTime = h.now().UnixMilli()
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

// batchBody is a binary answer (a pull page, a push's receipts), written
// as it is.
type batchBody []byte

// readBody reads the request body within MaxRequestBody. A declared length
// sizes the buffer once: growing it by doubling for a push of several MB
// cost as much CPU as hashing it.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	rd := http.MaxBytesReader(w, r.Body, proto.MaxRequestBody)
	if n := r.ContentLength; n > 0 && n <= proto.MaxRequestBody {
		buf := make([]byte, n+1) // one more, to see a body longer than declared
		got, err := io.ReadFull(rd, buf)
		switch {
		case errors.Is(err, io.ErrUnexpectedEOF) && int64(got) == n:
			return buf[:n], nil
		case err == nil:
			return nil, errors.New("the body is longer than its declared length")
		default:
			return nil, err
		}
	}
	return io.ReadAll(rd)
}

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

// checkSignature verifies the Authorization header against pub, and the
// timestamp window. It does not consume the nonce.
func (h *Hub) checkSignature(q *request, pub ed25519.PublicKey, a proto.Auth) *apiError {
	if !proto.VerifyRequest(pub, a, q.r.Method, q.r.RequestURI, sha256.Sum256(q.body)) {
		return refuse(http.StatusUnauthorized, proto.CodeUnauthenticated,
			"the request's signature does not match this device's key")
	}
	return nil
}

func (h *Hub) parseAuth(q *request) (proto.Auth, *apiError) {
	a, err := proto.ParseAuth(q.r.Header.Get("Authorization"))
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

// authed authenticates the device, refuses revoked devices and people, and
// consumes the nonce last, so that unauthenticated traffic cannot fill the
// nonce table.
func (h *Hub) authed(fn handler) handler {
	return func(ctx context.Context, q *request) (any, *apiError) {
		a, aerr := h.parseAuth(q)
		if aerr != nil {
			return nil, aerr
		}
		d, err := h.db.Device(ctx, a.Device)
		if errors.Is(err, ErrNotFound) {
			return nil, refuse(http.StatusUnauthorized, proto.CodeUnknownDevice,
				"this device is not enrolled with the hub; enrol it with a code from your administrator")
		}
		if err != nil {
			return nil, h.internal("look up the device", err)
		}
		if aerr := h.checkSignature(q, d.Key, a); aerr != nil {
			return nil, aerr
		}
		if d.Revoked {
			return nil, refuse(http.StatusForbidden, proto.CodeDeviceRevoked,
				"this device has been revoked by your administrator and can no longer sync")
		}
		if d.PersonRevoked {
			return nil, refuse(http.StatusForbidden, proto.CodePersonRevoked,
				"your account has been revoked by your administrator and can no longer sync")
		}
		if aerr := h.useNonce(ctx, a); aerr != nil {
			return nil, aerr
		}
		q.device = d
		return fn(ctx, q)
	}
}

func (h *Hub) enrol(ctx context.Context, q *request) (any, *apiError) {
	a, aerr := h.parseAuth(q)
	if aerr != nil {
		return nil, aerr
	}
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
	if aerr := h.checkSignature(q, req.DeviceKey, a); aerr != nil {
		return nil, aerr
	}
	if aerr := h.useNonce(ctx, a); aerr != nil {
		return nil, aerr
	}
	d, err := h.db.Enrol(ctx, hashCode(req.Code), Device{ID: a.Device, Key: req.DeviceKey, Name: req.Name}, h.now())
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
// window is refused (DESIGN.md Trust model).
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
		Recipients: rcpt, Data: b}}
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
	if len(q.body) != 0 {
		return nil, refuse(http.StatusBadRequest, proto.CodeMalformed, "a pull has no body")
	}
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
	receipts, err := h.pullReceipts(recs)
	if err != nil {
		return nil, h.internal("sign the receipts", err)
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

func (h *Hub) metrics(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
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
