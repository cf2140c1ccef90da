// Package client is the device's sync engine. It runs in the background,
// sends what the store's outbox holds (incidents first) and takes a record
// out of the outbox only with the hub's signed receipt, verified; it pulls
// what is addressed to this person and verifies each envelope against the
// organisation directory before saving it. All its state is in the store, so
// it resumes after a restart where it stopped.
package client

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"safeguard/companion/crypto"
	"safeguard/companion/store"
	"safeguard/companion/sync/proto"
)

// HubError is a refusal from the hub.
type HubError struct {
	Status  int
	Code    string
	Message string
	ID      string // the record at fault, in a push
}

func (e *HubError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("the hub answered %d %s", e.Status, http.StatusText(e.Status))
	}
	return "the hub refused the request: " + e.Message
}

// NetError is a failure to get an answer at all: no connection, a dropped
// or cut-off response. Always worth retrying.
type NetError struct{ Err error }

func (e *NetError) Error() string { return "the hub could not be reached: " + e.Err.Error() }
func (e *NetError) Unwrap() error { return e.Err }

// conn signs and sends requests to one hub.
type conn struct {
	base string
	http *http.Client
	key  ed25519.PrivateKey
	now  func() time.Time
}

// do sends a signed request with a JSON body (if any) and decodes a 200
// answer into out (if not nil), returning the status and the answer's bytes.
func (c *conn) do(ctx context.Context, method, uri string, body []byte, out any) (int, []byte, error) {
	return c.doBody(ctx, method, uri, body, "application/json", out)
}

// doBody is do with the body's content type given.
func (c *conn) doBody(ctx context.Context, method, uri string, body []byte, contentType string, out any) (int, []byte, error) {
	auth, err := proto.SignRequest(c.key, method, uri, c.now(), body)
	if err != nil {
		return 0, nil, err
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+uri, rd)
	if err != nil {
		return 0, nil, fmt.Errorf("making the request: %w", err)
	}
	req.Header.Set("Authorization", auth)
	if body != nil {
		req.Header.Set("Content-Type", contentType)
		// The hub checks the signature against this before reading the body.
		req.Header.Set(proto.DigestHeader, proto.FormatDigest(sha256.Sum256(body)))
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, &NetError{err}
	}
	defer resp.Body.Close()
	b, err := readAnswer(resp)
	if err != nil {
		return 0, nil, &NetError{fmt.Errorf("the answer was cut off: %w", err)}
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		if out != nil {
			if err := json.Unmarshal(b, out); err != nil {
				// A truncated body that still arrived "whole" is a network fault.
				return 0, nil, &NetError{fmt.Errorf("the answer was incomplete: %w", err)}
			}
		}
		return resp.StatusCode, b, nil
	case resp.StatusCode == http.StatusNoContent:
		return resp.StatusCode, nil, nil
	}
	var pe proto.Error
	if err := json.Unmarshal(b, &pe); err != nil || pe.Code == "" {
		// Not the hub's own refusal: a proxy's error page or a cut-off
		// answer. Treat it as the network, and retry.
		return 0, nil, &NetError{fmt.Errorf("the hub answered %d without an explanation", resp.StatusCode)}
	}
	if pe.Code == proto.CodeInternal {
		return 0, nil, &NetError{errors.New(pe.Message)}
	}
	return resp.StatusCode, nil, &HubError{Status: resp.StatusCode, Code: pe.Code, Message: pe.Message, ID: pe.ID}
}

// maxAnswer bounds what the client reads: a pull page is a few MB at most
// (MaxPullLimit envelopes of a few KB).
const maxAnswer = 64 << 20

// readAnswer reads a response body within maxAnswer, sizing the buffer
// once from a declared length rather than growing it by doubling.
func readAnswer(resp *http.Response) ([]byte, error) {
	rd := io.LimitReader(resp.Body, maxAnswer)
	if n := resp.ContentLength; n > 0 && n <= maxAnswer {
		b := make([]byte, n)
		if _, err := io.ReadFull(rd, b); err != nil {
			return nil, err
		}
		return b, nil
	}
	return io.ReadAll(rd)
}

// Enrol registers deviceKey with the hub using a one-time code from the
// administrator. The answer names the person and the hub and admin keys to
// pin; the caller stores them with the device key.
func Enrol(ctx context.Context, hubURL string, hc *http.Client, deviceKey ed25519.PrivateKey, code, name string, now time.Time) (proto.EnrolResponse, error) {
	if err := CheckHubURL(hubURL); err != nil {
		return proto.EnrolResponse{}, err
	}
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	c := &conn{base: strings.TrimRight(hubURL, "/"), http: hc, key: deviceKey, now: func() time.Time { return now }}
	body, err := json.Marshal(proto.EnrolRequest{Code: code, DeviceKey: deviceKey.Public().(ed25519.PublicKey), Name: name})
	if err != nil {
		return proto.EnrolResponse{}, err
	}
	var resp proto.EnrolResponse
	if _, _, err := c.do(ctx, http.MethodPost, proto.PathEnrol, body, &resp); err != nil {
		return proto.EnrolResponse{}, fmt.Errorf("enrolling this device: %w", err)
	}
	if len(resp.HubKey) != ed25519.PublicKeySize || len(resp.AdminKey) != ed25519.PublicKeySize {
		return proto.EnrolResponse{}, errors.New("enrolling this device: the hub's answer lacks its keys")
	}
	return resp, nil
}

// toStore splits an envelope for the store the way the app does: Header is
// everything before the age file, Body the age file; Header||Body is the
// wire form.
func toStore(env *crypto.Envelope, wire []byte) store.Envelope {
	h := env.Header()
	ct := len(env.Ciphertext())
	return store.Envelope{
		ID: h.ID, Kind: string(h.Kind), AuthorKey: string(h.Author), Created: h.Created,
		ParentID: h.ParentID, Header: wire[:len(wire)-ct], Body: wire[len(wire)-ct:],
	}
}

func wire(e store.Envelope) []byte {
	out := make([]byte, 0, len(e.Header)+len(e.Body))
	return append(append(out, e.Header...), e.Body...)
}

// backoff is exponential with "equal jitter": half the step fixed, half
// random, so that many devices coming back at once spread out.
func backoff(failures int, lo, hi time.Duration, r func() float64) time.Duration {
	d := lo
	for i := 1; i < failures && d < hi; i++ {
		d *= 2
	}
	d = min(d, hi)
	return d/2 + time.Duration(r()*float64(d/2))
}

func defaultRand() float64 { return rand.Float64() }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
