package proto

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"io"
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
	// CodeAppTooOld: the request is in a protocol version the hub no
	// longer accepts; the person must update the app.
	CodeAppTooOld = "app_too_old"
	// CodeBusy: the hub is at its limit for requests at once (from this
	// address or device, or bodies in flight); retry after a while.
	CodeBusy = "busy"
	// CodeLengthRequired: a body sent without a declared length.
	CodeLengthRequired = "length_required"
	// CodeDigest: the body does not match its declared Content-Digest.
	CodeDigest = "digest_mismatch"
)

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
