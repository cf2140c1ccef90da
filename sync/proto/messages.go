package proto

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// EnrolRequest is the body of POST /v1/enrol. The request is signed with the
// key it enrols, which proves the device holds it.
type EnrolRequest struct {
	Code      string            `json:"code"`
	DeviceKey ed25519.PublicKey `json:"device_key"`
	Name      string            `json:"name,omitempty"` // e.g. "field laptop 3"; shown to admins
}

// EnrolResponse tells the device who it is now and which keys to pin.
type EnrolResponse struct {
	Device   string            `json:"device"`
	Person   string            `json:"person"`
	HubKey   ed25519.PublicKey `json:"hub_key"`   // signs receipts
	AdminKey ed25519.PublicKey `json:"admin_key"` // signs the directory
}

// PushResponse carries one signed receipt per envelope, in request order.
// Each is kept by the device exactly as received.
type PushResponse struct {
	Receipts []json.RawMessage `json:"receipts"`
}

// Error is every refusal's body. Message is written for a person; Code is
// for the program; ID names the envelope at fault in a push.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"error"`
	ID      string `json:"id,omitempty"`
	HubTime int64  `json:"hub_time_ms,omitempty"` // set on clock-skew refusals
}

// Error codes.
const (
	CodeUnauthenticated = "unauthenticated"
	CodeClockSkew       = "clock_skew"
	CodeReplay          = "replay"
	CodeUnknownDevice   = "unknown_device"
	CodeDeviceRevoked   = "device_revoked"
	CodePersonRevoked   = "person_revoked"
	CodeNotYourRecord   = "not_your_record"
	CodeConflict        = "conflict"
	CodeMalformed       = "malformed"
	CodeTooLarge        = "too_large"
	CodeInvalidRecord   = "invalid_record"
	CodeDirectory       = "directory_refused"
	CodeNoDirectory     = "no_directory"
	CodeEnrolCode       = "enrol_code"
	CodeInternal        = "internal"
	CodeNotFound        = "not_found"
	CodeMethod          = "method_not_allowed"
)

// Receipt is what the hub signs once an envelope is durable.
type Receipt struct {
	V        int       `json:"v"`
	Hub      string    `json:"hub"` // DeviceID-style id of the hub key
	ID       string    `json:"id"`
	Seq      int64     `json:"seq"`
	Hash     string    `json:"hash"` // crypto.EnvelopeHash of the wire bytes
	Received time.Time `json:"received"`
}

type signedReceipt struct {
	Receipt json.RawMessage `json:"receipt"`
	Sig     []byte          `json:"sig"`
}

const receiptContext = "safeguard-companion receipt v1\n"

// HubKeyID names the hub's receipt key.
func HubKeyID(pub ed25519.PublicKey) string {
	h := sha256.New()
	h.Write([]byte("safeguard-companion hub v1\n"))
	h.Write(pub)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// SignReceipt returns the signed receipt bytes. Ed25519 is deterministic, so
// the same receipt signed again is the same bytes.
func SignReceipt(key ed25519.PrivateKey, r Receipt) ([]byte, error) {
	r.V = 1
	r.Hub = HubKeyID(key.Public().(ed25519.PublicKey))
	r.Received = r.Received.UTC()
	raw, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encoding receipt: %w", err)
	}
	sig := ed25519.Sign(key, append([]byte(receiptContext), raw...))
	return json.Marshal(signedReceipt{Receipt: raw, Sig: sig})
}

// ErrReceipt wraps every refusal of VerifyReceipt.
var ErrReceipt = errors.New("the hub's receipt does not verify")

// VerifyReceipt checks a signed receipt against the pinned hub key and
// returns it. The caller compares ID and Hash with what it sent.
func VerifyReceipt(hub ed25519.PublicKey, b []byte) (Receipt, error) {
	var sr signedReceipt
	if err := StrictUnmarshal(b, &sr); err != nil {
		return Receipt{}, fmt.Errorf("%w: %w", ErrReceipt, err)
	}
	if len(hub) != ed25519.PublicKeySize || len(sr.Sig) != ed25519.SignatureSize ||
		!ed25519.Verify(hub, append([]byte(receiptContext), sr.Receipt...), sr.Sig) {
		return Receipt{}, fmt.Errorf("%w: signature is not the pinned hub key's", ErrReceipt)
	}
	var r Receipt
	if err := StrictUnmarshal(sr.Receipt, &r); err != nil {
		return Receipt{}, fmt.Errorf("%w: %w", ErrReceipt, err)
	}
	if r.V != 1 || r.Hub != HubKeyID(hub) || r.Seq <= 0 {
		return Receipt{}, fmt.Errorf("%w: unexpected content", ErrReceipt)
	}
	return r, nil
}

// StrictUnmarshal decodes exactly one JSON value, refusing unknown fields
// and trailing data: outside input gets one reading only.
func StrictUnmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}
