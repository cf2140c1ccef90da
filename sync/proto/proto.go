// Package proto is the wire protocol between the sync engine on a device and
// the hub: request signing, the hub's signed receipts, the binary bodies of
// push and pull (batch.go) and the JSON bodies of the other endpoints. Both
// sides import it so that what one signs the other checks byte for byte.
//
// Every request carries one header:
//
//	Authorization: SGC1 device=<device id>,ts=<unix ms>,nonce=<32 hex>,sig=<base64url>
//
// where sig is Ed25519 by the device key over RequestMessage. The body is
// covered by its SHA-256, the path by its exact request URI (query included),
// so a signed request cannot be replayed against another endpoint, cursor or
// body; the nonce and the timestamp window stop replays of the same request.
package proto

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"safeguard/companion/crypto"
)

// Endpoint paths. A path's version changes only when what it answers
// changes: a pull page gained signed receipts in protocol version 2, so
// pulls moved to /v2/pull; the other endpoints answer as they did.
const (
	PathEnrol     = "/v1/enrol"
	PathPush      = "/v1/push"
	PathPull      = "/v2/pull" // ?after=<seq>&limit=<n>; answers SGC-PULL-2 pages
	PathPullV1    = "/v1/pull" // the previous version's pull: SGC-PULL-1 pages, no receipts
	PathDirectory = "/v1/directory"
	PathHealth    = "/healthz"
	PathMetrics   = "/metrics"
)

// Protocol versions. Version is what this build speaks:
//
//   - 1: pull pages without receipts (/v1/pull, SGC-PULL-1); the hub reads a
//     request's body before it can check its signature.
//   - 2: pull pages carry the hub's signed receipt for each record
//     (/v2/pull, SGC-PULL-2), and every request with a body declares its
//     SHA-256 in a Content-Digest header, so the hub checks the signature
//     before it reads a byte of the body.
//
// A hub accepts Version and PreviousVersion; the previous one only for
// DeprecationWindow after the hub first ran this version (hub.Options),
// after which its requests are refused with CodeAppTooOld, whose message
// tells the person to update the app. Push bodies (SGC-PUSH-1), push
// answers (SGC-RECEIPTS-2), receipts (SGC-RECEIPT-2) and envelopes
// (SGC-ENVELOPE-1) are the same in both versions, each naming its own
// format version in its magic.
const (
	Version           = 2
	PreviousVersion   = 1
	DeprecationWindow = 180 * 24 * time.Hour
)

// Limits both sides agree on.
const (
	// MaxRequestBody bounds any request body. A push batch is split by the
	// client to stay under it.
	MaxRequestBody = 16 << 20
	// MaxEnvelope bounds one envelope on the hub. Records are text and
	// small structured data; 4 MiB is far above any real one.
	MaxEnvelope = 4 << 20
	// MaxBatch bounds the number of envelopes in one push.
	MaxBatch = 1000
	// MaxPullLimit bounds one page of a pull.
	MaxPullLimit = 2000
	// MaxEnrolBody bounds an enrolment request (a code, a key and a name):
	// it is read before the device is known, so it is kept small.
	MaxEnrolBody = 4 << 10
	// ClockWindow is how far a request's timestamp may be from the hub's
	// clock. Nonces are kept at least twice this long. It is crypto's, so
	// that the window for requests and for record dates is one rule.
	ClockWindow = crypto.ClockWindow
)

// AuthScheme names the Authorization scheme.
const AuthScheme = "SGC1"

const requestContext = "safeguard-companion request v1\n"

// DeviceID names a device key: the first 16 bytes of a domain-separated
// SHA-256 of the Ed25519 public key, as 32 lowercase hex digits.
func DeviceID(pub ed25519.PublicKey) string {
	h := sha256.New()
	h.Write([]byte("safeguard-companion device v1\n"))
	h.Write(pub)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

var (
	hex32    = regexp.MustCompile(`^[0-9a-f]{32}$`)
	sigB64   = regexp.MustCompile(`^[A-Za-z0-9_-]{86}$`) // 64 bytes, raw base64url
	tsDigits = regexp.MustCompile(`^[0-9]{1,15}$`)
)

// Auth is a parsed Authorization header.
type Auth struct {
	Device    string
	Timestamp time.Time
	Nonce     string
	Signature []byte
}

// ErrAuthHeader wraps every refusal of ParseAuth.
var ErrAuthHeader = errors.New("the request's signature header is missing or malformed")

// ParseAuth parses an Authorization header strictly: the scheme, then
// exactly the four fields in order. Anything else is refused, so there is
// one accepted spelling of each signed request.
func ParseAuth(h string) (Auth, error) {
	bad := func(why string) (Auth, error) { return Auth{}, fmt.Errorf("%w: %s", ErrAuthHeader, why) }
	if h == "" {
		return bad("no Authorization header")
	}
	if len(h) > 512 {
		return bad("too long")
	}
	rest, ok := strings.CutPrefix(h, AuthScheme+" ")
	if !ok {
		return bad("unknown scheme (want " + AuthScheme + ")")
	}
	parts := strings.Split(rest, ",")
	want := []string{"device", "ts", "nonce", "sig"}
	if len(parts) != len(want) {
		return bad("want device, ts, nonce and sig")
	}
	vals := make([]string, len(want))
	for i, p := range parts {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k != want[i] {
			return bad("field " + strconv.Itoa(i+1) + " should be " + want[i])
		}
		vals[i] = v
	}
	if !hex32.MatchString(vals[0]) {
		return bad("device id malformed")
	}
	if !tsDigits.MatchString(vals[1]) {
		return bad("timestamp malformed")
	}
	ms, err := strconv.ParseInt(vals[1], 10, 64)
	if err != nil {
		return bad("timestamp malformed")
	}
	if !hex32.MatchString(vals[2]) {
		return bad("nonce malformed")
	}
	if !sigB64.MatchString(vals[3]) {
		return bad("signature malformed")
	}
	sig, err := base64.RawURLEncoding.Strict().DecodeString(vals[3])
	if err != nil || len(sig) != ed25519.SignatureSize {
		return bad("signature malformed")
	}
	return Auth{Device: vals[0], Timestamp: time.UnixMilli(ms).UTC(), Nonce: vals[2], Signature: sig}, nil
}

// RequestMessage is what the device signs.
func RequestMessage(method, requestURI, device string, ts time.Time, nonce string, bodySHA256 [32]byte) []byte {
	var b strings.Builder
	b.WriteString(requestContext)
	b.WriteString(method)
	b.WriteByte('\n')
	b.WriteString(requestURI)
	b.WriteByte('\n')
	b.WriteString(device)
	b.WriteByte('\n')
	b.WriteString(strconv.FormatInt(ts.UnixMilli(), 10))
	b.WriteByte('\n')
	b.WriteString(nonce)
	b.WriteByte('\n')
	b.WriteString(hex.EncodeToString(bodySHA256[:]))
	return []byte(b.String())
}

// SignRequest returns the Authorization header value for a request.
func SignRequest(key ed25519.PrivateKey, method, requestURI string, now time.Time, body []byte) (string, error) {
	var n [16]byte
	if _, err := rand.Read(n[:]); err != nil {
		return "", fmt.Errorf("making a request nonce: %w", err)
	}
	nonce := hex.EncodeToString(n[:])
	dev := DeviceID(key.Public().(ed25519.PublicKey))
	ts := time.UnixMilli(now.UnixMilli())
	sig := ed25519.Sign(key, RequestMessage(method, requestURI, dev, ts, nonce, sha256.Sum256(body)))
	return fmt.Sprintf("%s device=%s,ts=%d,nonce=%s,sig=%s", AuthScheme, dev, ts.UnixMilli(), nonce,
		base64.RawURLEncoding.EncodeToString(sig)), nil
}

// VerifyRequest checks a parsed header's signature with the device's key.
func VerifyRequest(pub ed25519.PublicKey, a Auth, method, requestURI string, bodySHA256 [32]byte) bool {
	if len(pub) != ed25519.PublicKeySize {
		return false
	}
	return ed25519.Verify(pub, RequestMessage(method, requestURI, a.Device, a.Timestamp, a.Nonce, bodySHA256), a.Signature)
}

// DigestHeader carries a request body's SHA-256 (RFC 9530), so that the hub
// can check the request's signature, which covers that hash, before it
// reads the body; it then refuses a body that does not match.
const DigestHeader = "Content-Digest"

// FormatDigest is the DigestHeader value for a body with this SHA-256.
func FormatDigest(sum [32]byte) string {
	return "sha-256=:" + base64.StdEncoding.EncodeToString(sum[:]) + ":"
}

// ErrDigest wraps every refusal of ParseDigest.
var ErrDigest = errors.New("the request's Content-Digest header is malformed (want sha-256=:<base64>:)")

// ParseDigest reads a DigestHeader value strictly: one sha-256 digest.
func ParseDigest(h string) ([32]byte, error) {
	var sum [32]byte
	inner, ok := strings.CutPrefix(h, "sha-256=:")
	if !ok || len(h) > 64 {
		return sum, ErrDigest
	}
	inner, ok = strings.CutSuffix(inner, ":")
	if !ok {
		return sum, ErrDigest
	}
	b, err := base64.StdEncoding.Strict().DecodeString(inner)
	// Go's decoder skips line breaks, even in strict mode: a header is
	// taken only in its one spelling (found by FuzzParseDigest).
	if err != nil || len(b) != len(sum) || base64.StdEncoding.EncodeToString(b) != inner {
		return sum, ErrDigest
	}
	copy(sum[:], b)
	return sum, nil
}
