package proto

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The bulk bodies, a push request, its answer and a pull page, are binary:
// a few MB of envelopes as base64 inside JSON cost more CPU to scan, encode
// and decode than the signature checks they carry (BenchmarkSync
// profiles), and grow the bytes on the wire by a third. Everything else
// stays JSON.
//
// Push request body (all integers big-endian):
//
//	magic    "SGC-PUSH-1\n"
//	count    uint32, 1..MaxBatch
//	count × (length uint32, 1..MaxEnvelope; envelope: length bytes)
//
// Push answer (the body of a 200 answer to POST /v1/push): one receipt
// (receipt.go) per envelope, in request order, each the bytes the device
// stores:
//
//	magic    "SGC-RECEIPTS-2\n"
//	count    uint32, 1..MaxBatch
//	count × (length uint32, 1..MaxReceipt; receipt: length bytes)
//
// Pull page (the body of a 200 answer to GET /v1/pull), version 2:
//
//	magic    "SGC-PULL-2\n"
//	next     int64, >= 0: the cursor for the following page
//	more     byte, 0 or 1
//	count    uint32, 0..MaxPullLimit
//	count × (seq int64 > 0, increasing; hash: 32 bytes, SHA-256 of the
//	         envelope; rlen uint32, 1..MaxReceipt; receipt: rlen bytes;
//	         length uint32, 1..MaxEnvelope; envelope)
//
// Each record carries the hub's signed receipt for it (receipt.go; the
// page's records are one batch under one signature), naming its id, seq,
// hash and the time the hub first stored it: the device judges a record
// against its author's revocation by that time, which the author cannot
// backdate (docs/ARCHITECTURE.md Trust model).
//
// Pull page, version 1: what /v1/pull answers a previous-version app
// within the deprecation window (proto.go): the same without the receipt.
//
//	magic    "SGC-PULL-1\n"
//	next, more, count as above
//	count × (seq int64; hash: 32 bytes; length uint32; envelope)
//
// Nothing may follow the last envelope: there is one accepted encoding of
// each body.

// ContentTypeBatch labels both binary bodies.
const ContentTypeBatch = "application/vnd.safeguard-companion.batch"

const (
	pushMagic       = "SGC-PUSH-1\n"
	pushAnswerMagic = "SGC-RECEIPTS-2\n"
	pullMagic       = "SGC-PULL-2\n"
	pullMagicV1     = "SGC-PULL-1\n"
)

// ErrBatch wraps every refusal of ParsePush and ParsePull.
var ErrBatch = errors.New("the body is not a valid batch of records")

// ErrNewerFormat: a body in a later version of its format than this build
// knows, from a peer newer than this one.
var ErrNewerFormat = errors.New("it is in a newer format than this version understands")

// newerMagic reports whether b starts with magic's family (the magic up to
// its version number) and a higher version than magic's: "SGC-PULL-3\n"
// against "SGC-PULL-2\n".
func newerMagic(b []byte, magic string) bool {
	family := strings.TrimRight(magic, "0123456789\n")
	ours, err := strconv.Atoi(strings.TrimSuffix(magic[len(family):], "\n"))
	if err != nil || len(b) < len(family) || string(b[:len(family)]) != family {
		return false
	}
	rest := b[len(family):]
	end := bytes.IndexByte(rest[:min(len(rest), 10)], '\n')
	if end < 1 {
		return false
	}
	v, err := strconv.Atoi(string(rest[:end]))
	return err == nil && v > ours
}

// EncodePush returns the body of a push carrying envs in order.
func EncodePush(envs [][]byte) []byte {
	n := PushOverhead
	for _, e := range envs {
		n += PushSize(len(e))
	}
	b := AppendPushHeader(make([]byte, 0, n), len(envs))
	for _, e := range envs {
		b = AppendPushEnvelope(b, e)
	}
	return b
}

// AppendPushHeader starts a push body of count envelopes; append each one
// with AppendPushEnvelope.
func AppendPushHeader(dst []byte, count int) []byte {
	dst = append(dst, pushMagic...)
	return binary.BigEndian.AppendUint32(dst, uint32(count))
}

// AppendPushEnvelope appends one envelope given as the concatenation of
// parts (the store keeps an envelope as header and body), so the sender
// needs no copy of its own.
func AppendPushEnvelope(dst []byte, parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(n))
	for _, p := range parts {
		dst = append(dst, p...)
	}
	return dst
}

// PushSize is the size of a push body's framing for one envelope of n bytes,
// so a sender can keep a batch under MaxRequestBody.
func PushSize(n int) int { return 4 + n }

// PushOverhead is the framing of a push body apart from its envelopes.
const PushOverhead = len(pushMagic) + 4

// ParsePush reads a push body. The envelopes returned are sub-slices of b,
// not copies: the caller keeps b alive and unchanged while it uses them.
func ParsePush(b []byte) ([][]byte, error) {
	bad := func(why string) ([][]byte, error) { return nil, fmt.Errorf("%w: %s", ErrBatch, why) }
	rest, ok := cutMagic(b, pushMagic)
	if !ok {
		if newerMagic(b, pushMagic) {
			return nil, fmt.Errorf("%w: %w", ErrBatch, ErrNewerFormat)
		}
		return bad("wrong magic")
	}
	count, rest, ok := cutUint32(rest)
	if !ok {
		return bad("truncated count")
	}
	if count == 0 || count > MaxBatch {
		return bad(fmt.Sprintf("a push carries between 1 and %d records", MaxBatch))
	}
	out := make([][]byte, 0, count)
	for range count {
		var env []byte
		if env, rest, ok = cutEnvelope(rest); !ok {
			return bad(fmt.Sprintf("record %d is truncated, empty or larger than %d bytes", len(out)+1, MaxEnvelope))
		}
		out = append(out, env)
	}
	if len(rest) != 0 {
		return bad("data after the last record")
	}
	return out, nil
}

// EncodePushAnswer returns the body of a push answer carrying receipts in
// order.
func EncodePushAnswer(receipts [][]byte) []byte {
	n := len(pushAnswerMagic) + 4
	for _, r := range receipts {
		n += 4 + len(r)
	}
	b := append(make([]byte, 0, n), pushAnswerMagic...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(receipts)))
	for _, r := range receipts {
		b = binary.BigEndian.AppendUint32(b, uint32(len(r)))
		b = append(b, r...)
	}
	return b
}

// ParsePushAnswer reads a push answer. The receipts are sub-slices of b;
// they are not verified here (VerifyReceipt, ReceiptVerifier).
func ParsePushAnswer(b []byte) ([][]byte, error) {
	bad := func(why string) ([][]byte, error) { return nil, fmt.Errorf("%w: %s", ErrBatch, why) }
	rest, ok := cutMagic(b, pushAnswerMagic)
	if !ok {
		if newerMagic(b, pushAnswerMagic) {
			return nil, fmt.Errorf("%w: %w", ErrBatch, ErrNewerFormat)
		}
		return bad("wrong magic")
	}
	count, rest, ok := cutUint32(rest)
	if !ok {
		return bad("truncated count")
	}
	if count == 0 || count > MaxBatch {
		return bad(fmt.Sprintf("a push answer carries between 1 and %d receipts", MaxBatch))
	}
	out := make([][]byte, 0, count)
	for range count {
		var n uint32
		if n, rest, ok = cutUint32(rest); !ok || n == 0 || int(n) > MaxReceipt || uint64(n) > uint64(len(rest)) {
			return bad(fmt.Sprintf("receipt %d is truncated, empty or larger than %d bytes", len(out)+1, MaxReceipt))
		}
		out = append(out, rest[:n:n])
		rest = rest[n:]
	}
	if len(rest) != 0 {
		return bad("data after the last receipt")
	}
	return out, nil
}

// PullPage is one decoded pull answer.
type PullPage struct {
	Records []PullRecord
	Next    int64 // the cursor for the following page
	More    bool  // another page is waiting now
}

// PullRecord is one envelope addressed to the caller, with the SHA-256 the
// hub holds for it and the hub's signed receipt for it (not verified by
// ParsePull: see ReceiptVerifier).
type PullRecord struct {
	Seq      int64
	Hash     [32]byte
	Receipt  []byte
	Envelope []byte
}

// ErrPullVersion: the page is in version 1, from a hub older than this app.
var ErrPullVersion = errors.New("the hub sent records in an older format without receipt times; the hub needs updating")

// AppendPull appends the encoding of p to dst.
func AppendPull(dst []byte, p PullPage) []byte {
	dst = append(dst, pullMagic...)
	dst = binary.BigEndian.AppendUint64(dst, uint64(p.Next))
	more := byte(0)
	if p.More {
		more = 1
	}
	dst = append(dst, more)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(p.Records)))
	for _, r := range p.Records {
		dst = binary.BigEndian.AppendUint64(dst, uint64(r.Seq))
		dst = append(dst, r.Hash[:]...)
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(r.Receipt)))
		dst = append(dst, r.Receipt...)
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(r.Envelope)))
		dst = append(dst, r.Envelope...)
	}
	return dst
}

// AppendPullV1 appends the version 1 encoding of p, without receipts, for
// an app of the previous protocol version.
func AppendPullV1(dst []byte, p PullPage) []byte {
	dst = append(dst, pullMagicV1...)
	dst = binary.BigEndian.AppendUint64(dst, uint64(p.Next))
	more := byte(0)
	if p.More {
		more = 1
	}
	dst = append(dst, more)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(p.Records)))
	for _, r := range p.Records {
		dst = binary.BigEndian.AppendUint64(dst, uint64(r.Seq))
		dst = append(dst, r.Hash[:]...)
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(r.Envelope)))
		dst = append(dst, r.Envelope...)
	}
	return dst
}

// PullRecordSize is the encoded size of a record with a receipt of r bytes
// and an envelope of n bytes.
func PullRecordSize(r, n int) int { return 8 + 32 + 4 + r + 4 + n }

// PullOverhead is the framing of a pull page apart from its records.
const PullOverhead = len(pullMagic) + 8 + 1 + 4

// ParsePull reads a pull page. The envelopes are sub-slices of b.
func ParsePull(b []byte) (PullPage, error) {
	bad := func(why string) (PullPage, error) { return PullPage{}, fmt.Errorf("%w: %s", ErrBatch, why) }
	rest, ok := cutMagic(b, pullMagic)
	if !ok {
		if _, v1 := cutMagic(b, pullMagicV1); v1 {
			return PullPage{}, fmt.Errorf("%w: %w", ErrBatch, ErrPullVersion)
		}
		if newerMagic(b, pullMagic) {
			return PullPage{}, fmt.Errorf("%w: %w", ErrBatch, ErrNewerFormat)
		}
		return bad("wrong magic")
	}
	if len(rest) < 8+1+4 {
		return bad("truncated page header")
	}
	var p PullPage
	p.Next = int64(binary.BigEndian.Uint64(rest))
	more := rest[8]
	count := binary.BigEndian.Uint32(rest[9:])
	rest = rest[13:]
	if p.Next < 0 || more > 1 || count > MaxPullLimit {
		return bad("page header out of range")
	}
	p.More = more == 1
	p.Records = make([]PullRecord, 0, count)
	last := int64(0)
	for range count {
		if len(rest) < 8+32 {
			return bad("truncated record")
		}
		var r PullRecord
		r.Seq = int64(binary.BigEndian.Uint64(rest))
		copy(r.Hash[:], rest[8:40])
		if r.Seq <= last {
			return bad("sequence numbers out of order")
		}
		last = r.Seq
		n, after, ok := cutUint32(rest[40:])
		if !ok || n == 0 || int(n) > MaxReceipt || uint64(n) > uint64(len(after)) {
			return bad("record's receipt truncated, empty or too large")
		}
		r.Receipt, rest = after[:n:n], after[n:]
		if r.Envelope, rest, ok = cutEnvelope(rest); !ok {
			return bad("record truncated, empty or too large")
		}
		p.Records = append(p.Records, r)
	}
	if len(rest) != 0 {
		return bad("data after the last record")
	}
	return p, nil
}

func cutMagic(b []byte, magic string) ([]byte, bool) {
	if len(b) < len(magic) || string(b[:len(magic)]) != magic {
		return nil, false
	}
	return b[len(magic):], true
}

func cutUint32(b []byte) (uint32, []byte, bool) {
	if len(b) < 4 {
		return 0, nil, false
	}
	return binary.BigEndian.Uint32(b), b[4:], true
}

// cutEnvelope reads one length-prefixed envelope. The result's capacity is
// clipped so that appending to it cannot overwrite the next record.
func cutEnvelope(b []byte) (env, rest []byte, ok bool) {
	n, b, ok := cutUint32(b)
	if !ok || n == 0 || n > MaxEnvelope || uint64(n) > uint64(len(b)) {
		return nil, nil, false
	}
	return b[:n:n], b[n:], true
}
