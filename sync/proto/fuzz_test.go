package proto

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
	"time"

	"safeguard/companion/crypto"
)

// fuzzKey is fixed so that seeds stay meaningful.
var fuzzKey = ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))

// FuzzParseAuth: the Authorization header is the first outside input the
// hub reads. Whatever parses must re-verify consistently and never panic.
func FuzzParseAuth(f *testing.F) {
	h, _ := SignRequest(fuzzKey, "POST", PathPush, time.UnixMilli(1700000000000), []byte("{}"))
	f.Add(h)
	f.Add("")
	f.Add("SGC1 device=00,ts=1,nonce=00,sig=00")
	f.Add("Bearer x")
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAuth(s)
		if err != nil {
			return
		}
		if len(a.Signature) != ed25519.SignatureSize || len(a.Device) != 32 || len(a.Nonce) != 32 {
			t.Fatalf("accepted malformed header %q", s)
		}
		_ = VerifyRequest(fuzzKey.Public().(ed25519.PublicKey), a, "POST", PathPush, sha256.Sum256(nil))
	})
}

// fuzzReceipts is a batch of three receipts by fuzzKey.
func fuzzReceipts() [][]byte {
	rs, err := SignReceipts(fuzzKey, []Receipt{
		{ID: "r1", Seq: 1, Hash: strings.Repeat("ab", 32), Received: time.UnixMilli(1700000000000)},
		{ID: "r2", Seq: 2, Hash: strings.Repeat("cd", 32), Received: time.UnixMilli(1700000000000)},
		{ID: "r3", Seq: 3, Hash: strings.Repeat("ef", 32), Received: time.UnixMilli(1700000000000)},
	})
	if err != nil {
		panic(err)
	}
	return rs
}

// FuzzVerifyReceipt: receipts come back from the network to the device,
// and are kept to be checked again later. Whatever verifies says what a
// receipt must say, re-encodes to the same bytes, and is refused under
// another hub key.
func FuzzVerifyReceipt(f *testing.F) {
	for _, r := range fuzzReceipts() {
		f.Add(r)
	}
	f.Add([]byte(`{"receipt":{},"sig":""}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		rc, err := VerifyReceipt(fuzzKey.Public().(ed25519.PublicKey), b)
		if err != nil {
			if !errors.Is(err, ErrReceipt) {
				t.Fatalf("refused without ErrReceipt: %v", err)
			}
			return
		}
		if rc.Seq <= 0 || rc.Index >= rc.Size || len(rc.Hash) != 64 || rc.ID == "" {
			t.Fatalf("accepted a receipt saying %+v", rc)
		}
		if _, err := VerifyReceipt(hubB.Public().(ed25519.PublicKey), b); err == nil {
			t.Fatal("a receipt verified under two hub keys")
		}
	})
}

// FuzzParseReceipt: the receipt parser alone, before any signature. What
// parses has exactly one encoding, and stays within its bounds.
func FuzzParseReceipt(f *testing.F) {
	for _, r := range fuzzReceipts() {
		f.Add(r)
	}
	f.Add([]byte(receiptMagic))
	f.Add([]byte("SGC-RECEIPT-1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := parseReceipt(b)
		if err != nil {
			if !errors.Is(err, ErrReceipt) {
				t.Fatalf("refused without ErrReceipt: %v", err)
			}
			return
		}
		if len(b) > MaxReceipt || p.size < 1 || p.size > MaxBatch || p.index >= p.size || p.seq <= 0 ||
			p.received < 0 || !validRecordID(p.id) || len(p.path) > maxReceiptPath {
			t.Fatalf("parsed out of bounds: size %d index %d seq %d id %q path %d", p.size, p.index, p.seq, p.id, len(p.path))
		}
		if !bytes.Equal(p.appendTo(nil), b) {
			t.Fatal("a receipt parsed but does not re-encode to the same bytes")
		}
		_, _ = rootFromPath(p.index, p.size, hashLeaf(p.leaf), p.path)
	})
}

// FuzzPushAnswer: the push answer as the device reads it.
func FuzzPushAnswer(f *testing.F) {
	f.Add(EncodePushAnswer(fuzzReceipts()))
	f.Add(EncodePushAnswer([][]byte{[]byte("x")}))
	f.Add(EncodePushAnswer(nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		rs, err := ParsePushAnswer(b)
		if err != nil {
			return
		}
		if len(rs) == 0 || len(rs) > MaxBatch {
			t.Fatalf("accepted an answer of %d receipts", len(rs))
		}
		if !bytes.Equal(EncodePushAnswer(rs), b) {
			t.Fatal("a push answer parsed but does not re-encode to the same bytes")
		}
		for _, r := range rs {
			if len(r) == 0 || len(r) > MaxReceipt {
				t.Fatalf("accepted a receipt of %d bytes", len(r))
			}
			_, _ = VerifyReceipt(fuzzKey.Public().(ed25519.PublicKey), r)
		}
	})
}

// FuzzPushBody: the push body as the hub reads it, then each envelope.
// What parses has exactly one encoding: encoding it again gives b.
func FuzzPushBody(f *testing.F) {
	f.Add(EncodePush([][]byte{[]byte("SGC-ENVELOPE-1\n\x00\x00\x00\x02{}")}))
	f.Add(EncodePush([][]byte{[]byte("a"), []byte("bc")}))
	f.Add(EncodePush(nil))
	f.Add([]byte(`{"envelopes":[]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		envs, err := ParsePush(b)
		if err != nil {
			return
		}
		if len(envs) == 0 || len(envs) > MaxBatch {
			t.Fatalf("accepted a push of %d records", len(envs))
		}
		if !bytes.Equal(EncodePush(envs), b) {
			t.Fatal("a push body parsed but does not re-encode to the same bytes")
		}
		for _, e := range envs {
			_, _ = crypto.ParseEnvelope(e)
		}
	})
}

// FuzzPullPage: a pull page as the device reads it from the network.
func FuzzPullPage(f *testing.F) {
	f.Add(AppendPull(nil, PullPage{Next: 7, More: true, Records: []PullRecord{
		{Seq: 3, Hash: sha256.Sum256([]byte("x")), Receipt: []byte("r"), Envelope: []byte("x")},
		{Seq: 7, Hash: sha256.Sum256([]byte("yz")), Receipt: []byte("rr"), Envelope: []byte("yz")},
	}}))
	f.Add(AppendPull(nil, PullPage{}))
	f.Add(AppendPull(nil, PullPage{Records: []PullRecord{{Seq: 2, Receipt: []byte("r"), Envelope: []byte("a")}, {Seq: 1, Receipt: []byte("r"), Envelope: []byte("b")}}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePull(b)
		if err != nil {
			return
		}
		if p.Next < 0 || len(p.Records) > MaxPullLimit {
			t.Fatalf("accepted a page with next %d and %d records", p.Next, len(p.Records))
		}
		last := int64(0)
		for _, r := range p.Records {
			if r.Seq <= last || len(r.Envelope) == 0 || len(r.Envelope) > MaxEnvelope || len(r.Receipt) == 0 || len(r.Receipt) > MaxReceipt {
				t.Fatalf("accepted a record with seq %d after %d, %d bytes", r.Seq, last, len(r.Envelope))
			}
			last = r.Seq
		}
		if !bytes.Equal(AppendPull(nil, p), b) {
			t.Fatal("a pull page parsed but does not re-encode to the same bytes")
		}
	})
}
