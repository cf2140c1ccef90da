package proto

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

var (
	hubA = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, ed25519.SeedSize))
	hubB = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{2}, ed25519.SeedSize))
)

func pub(k ed25519.PrivateKey) ed25519.PublicKey { return k.Public().(ed25519.PublicKey) }

var epochMs = time.UnixMilli(1772442000000).UTC()

// batch makes n records: ids prefix-1.., hashes of their names, seqs from
// seq0.
func batch(prefix string, n int, seq0 int64) []Receipt {
	out := make([]Receipt, n)
	for i := range out {
		id := fmt.Sprintf("%s-%d", prefix, i+1)
		h := sha256.Sum256([]byte(id))
		out[i] = Receipt{ID: id, Seq: seq0 + int64(i), Hash: hex.EncodeToString(h[:]), Received: epochMs.Add(time.Duration(i) * time.Millisecond)}
	}
	return out
}

func sign(t *testing.T, k ed25519.PrivateKey, recs []Receipt) [][]byte {
	t.Helper()
	rs, err := SignReceipts(k, recs)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestReceiptsVerifyEach(t *testing.T) {
	for _, n := range []int{1, 2, 3, 5, 8, 13, 500, MaxBatch} {
		recs := batch("r", n, 100)
		rs := sign(t, hubA, recs)
		v := NewReceiptVerifier(pub(hubA))
		var root [32]byte
		for i, raw := range rs {
			if len(raw) > MaxReceipt {
				t.Fatalf("receipt of %d bytes, MaxReceipt %d", len(raw), MaxReceipt)
			}
			for _, verify := range []func([]byte) (Receipt, error){v.Verify, func(b []byte) (Receipt, error) { return VerifyReceipt(pub(hubA), b) }} {
				r, err := verify(raw)
				if err != nil {
					t.Fatalf("batch of %d, receipt %d: %v", n, i, err)
				}
				want := recs[i]
				if r.ID != want.ID || r.Seq != want.Seq || r.Hash != want.Hash || !r.Received.Equal(want.Received) ||
					r.Index != i || r.Size != n || r.Hub != HubKeyID(pub(hubA)) {
					t.Fatalf("batch of %d, receipt %d says %+v, want %+v", n, i, r, want)
				}
				if i == 0 {
					root = r.Root
				} else if r.Root != root {
					t.Fatal("receipts of one batch name different roots")
				}
			}
		}
		// Deterministic: the same batch signs to the same bytes.
		again := sign(t, hubA, recs)
		for i := range rs {
			if !bytes.Equal(rs[i], again[i]) {
				t.Fatal("the same batch signed twice differs")
			}
		}
	}
}

func TestSignReceiptsRefusesBadInput(t *testing.T) {
	good := batch("r", 1, 1)[0]
	for name, recs := range map[string][]Receipt{
		"no records":   nil,
		"too many":     batch("r", MaxBatch+1, 1),
		"seq zero":     {{ID: good.ID, Hash: good.Hash, Received: good.Received}},
		"short hash":   {{ID: good.ID, Seq: 1, Hash: good.Hash[:62], Received: good.Received}},
		"hash not hex": {{ID: good.ID, Seq: 1, Hash: "zz" + good.Hash[2:], Received: good.Received}},
		"bad id":       {{ID: "a b", Seq: 1, Hash: good.Hash, Received: good.Received}},
		"empty id":     {{Seq: 1, Hash: good.Hash, Received: good.Received}},
		"before 1970":  {{ID: good.ID, Seq: 1, Hash: good.Hash, Received: time.UnixMilli(-1)}},
	} {
		if _, err := SignReceipts(hubA, recs); err == nil {
			t.Errorf("%s: signed", name)
		}
	}
}

// signV1 is how version 1 signed a receipt: JSON, one signature each.
func signV1(k ed25519.PrivateKey, r Receipt) []byte {
	raw, _ := json.Marshal(map[string]any{"v": 1, "hub": HubKeyID(pub(k)), "id": r.ID, "seq": r.Seq,
		"hash": r.Hash, "received": r.Received})
	sig := ed25519.Sign(k, append([]byte("safeguard-companion receipt v1\n"), raw...))
	b, _ := json.Marshal(map[string]any{"receipt": json.RawMessage(raw), "sig": sig})
	return b
}

// Offsets into a receipt, for tampering.
const (
	offSeq      = offLeaf
	offReceived = offLeaf + 8
	offHash     = offLeaf + 16
	offID       = offLeaf + 49
)

func offPath(raw []byte) int { return offID + int(raw[offLeaf+48]) + 1 }

func edit(raw []byte, fn func(b []byte) []byte) []byte { return fn(bytes.Clone(raw)) }

func TestVerifyReceiptRefusals(t *testing.T) {
	recs := batch("rec", 5, 40)
	rs := sign(t, hubA, recs)
	other := sign(t, hubA, batch("rec", 3, 90)) // another batch, same hub
	byB := sign(t, hubB, recs)
	const at = 2 // the receipt tampered with: record 3 of 5, a path of 3
	raw := rs[at]
	if pathLen(at, 5) != 3 || pathLen(at+1, 5) != 3 {
		t.Fatal("the cases below assume records 3 and 4 of 5 have paths of 3")
	}
	hubID := hubKeyID(pub(hubA))

	cases := []struct {
		name string
		hub  ed25519.PublicKey
		b    []byte
		want error
	}{
		{"wrong pinned hub key", pub(hubB), raw, ErrReceiptHub},
		{"signed by another key under the pinned key's id", pub(hubA), edit(byB[at], func(b []byte) []byte {
			copy(b[offStatement:], hubID[:])
			return b
		}), ErrReceiptSignature},
		{"pinned key malformed", pub(hubA)[:31], raw, ErrReceiptSignature},
		{"altered root", pub(hubA), edit(raw, func(b []byte) []byte { b[offSig-1] ^= 1; return b }), ErrReceiptSignature},
		{"altered batch size", pub(hubA), edit(raw, func(b []byte) []byte { b[offStatement+hubIDSize+3]++; return b }), ErrReceiptSignature},
		{"altered signature", pub(hubA), edit(raw, func(b []byte) []byte { b[offSig] ^= 1; return b }), ErrReceiptSignature},
		{"altered id", pub(hubA), edit(raw, func(b []byte) []byte { b[offID] = 'X'; return b }), ErrReceiptProof},
		{"another record's id", pub(hubA), edit(raw, func(b []byte) []byte {
			b[offPath(b)-2] = '4' // rec-3 becomes rec-4
			return b
		}), ErrReceiptProof},
		{"altered seq", pub(hubA), edit(raw, func(b []byte) []byte { b[offSeq+7]++; return b }), ErrReceiptProof},
		{"altered received time", pub(hubA), edit(raw, func(b []byte) []byte { b[offReceived+7]++; return b }), ErrReceiptProof},
		{"altered hash", pub(hubA), edit(raw, func(b []byte) []byte { b[offHash] ^= 0x80; return b }), ErrReceiptProof},
		{"altered path", pub(hubA), edit(raw, func(b []byte) []byte { b[offPath(b)+5] ^= 1; return b }), ErrReceiptProof},
		{"path moved to another index", pub(hubA), edit(raw, func(b []byte) []byte {
			binary.BigEndian.PutUint32(b[offIndex:], at+1)
			return b
		}), ErrReceiptProof},
		{"another record's path", pub(hubA), edit(raw, func(b []byte) []byte {
			p := offPath(b)
			return append(b[:p:p], rs[at+1][offPath(rs[at+1]):]...)
		}), ErrReceiptProof},
		{"proof one hash short", pub(hubA), edit(raw, func(b []byte) []byte {
			b[offPath(b)-1]--
			return b[:len(b)-32]
		}), ErrReceiptProof},
		{"proof one hash long", pub(hubA), edit(raw, func(b []byte) []byte {
			b[offPath(b)-1]++
			return append(b, b[len(b)-32:]...)
		}), ErrReceiptProof},
		{"another batch's signed root", pub(hubA), edit(raw, func(b []byte) []byte {
			copy(b[offStatement:offIndex], other[0][offStatement:offIndex])
			binary.BigEndian.PutUint32(b[offIndex:], 0)
			return b
		}), ErrReceiptProof},
		{"another batch's root, same size", pub(hubA), edit(raw, func(b []byte) []byte {
			o := sign(t, hubA, batch("other", 5, 200))
			copy(b[offStatement:offIndex], o[at][offStatement:offIndex])
			return b
		}), ErrReceiptProof},
		{"version 1 receipt", pub(hubA), signV1(hubA, recs[at]), ErrReceiptVersion},
		{"unknown version", pub(hubA), edit(raw, func(b []byte) []byte { b[len("SGC-RECEIPT-")] = '3'; return b }), ErrReceiptVersion},
		{"empty", pub(hubA), nil, ErrReceiptMalformed},
		{"not a receipt", pub(hubA), []byte("hello"), ErrReceiptMalformed},
		{"cut short", pub(hubA), raw[:len(raw)-1], ErrReceiptMalformed},
		{"cut in the header", pub(hubA), raw[:offLeaf+3], ErrReceiptMalformed},
		{"trailing byte", pub(hubA), append(bytes.Clone(raw), 0), ErrReceiptMalformed},
		{"proof longer than any batch needs", pub(hubA), edit(raw, func(b []byte) []byte {
			b[offPath(b)-1] = maxReceiptPath + 1
			return append(b, make([]byte, 32*(maxReceiptPath+1-3))...)
		}), ErrReceiptMalformed},
		{"index outside the batch", pub(hubA), edit(raw, func(b []byte) []byte { binary.BigEndian.PutUint32(b[offIndex:], 5); return b }), ErrReceiptMalformed},
		{"empty batch", pub(hubA), edit(raw, func(b []byte) []byte {
			binary.BigEndian.PutUint32(b[offStatement+hubIDSize:], 0)
			return b
		}), ErrReceiptMalformed},
		{"seq zero", pub(hubA), edit(raw, func(b []byte) []byte { clear(b[offSeq : offSeq+8]); return b }), ErrReceiptMalformed},
		{"negative received time", pub(hubA), edit(raw, func(b []byte) []byte { b[offReceived] = 0x80; return b }), ErrReceiptMalformed},
		{"id with a space", pub(hubA), edit(raw, func(b []byte) []byte { b[offID] = ' '; return b }), ErrReceiptMalformed},
		{"empty id", pub(hubA), edit(raw, func(b []byte) []byte {
			p := offPath(b)
			b[offLeaf+48] = 0
			return append(b[:offID], b[p-1:]...)
		}), ErrReceiptMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := VerifyReceipt(c.hub, c.b)
			if err == nil {
				t.Fatalf("accepted: %+v", r)
			}
			if !errors.Is(err, c.want) || !errors.Is(err, ErrReceipt) {
				t.Fatalf("refused with %q; want %q, wrapping ErrReceipt", err, c.want)
			}
			// A verifier that has already checked this batch's signature
			// refuses it too.
			v := NewReceiptVerifier(c.hub)
			_, _ = v.Verify(raw)
			if _, err2 := v.Verify(c.b); !errors.Is(err2, c.want) {
				t.Fatalf("with the batch already verified: %v, want %v", err2, c.want)
			}
		})
	}
	// The untouched receipt still verifies: the cases edited copies.
	if _, err := VerifyReceipt(pub(hubA), raw); err != nil {
		t.Fatal(err)
	}
}

// The verifier's memory is of a statement and its signature together: the
// same statement under another signature is checked again.
func TestReceiptVerifierCache(t *testing.T) {
	rs := sign(t, hubA, batch("r", 4, 1))
	v := NewReceiptVerifier(pub(hubA))
	if _, err := v.Verify(rs[0]); err != nil {
		t.Fatal(err)
	}
	forged := edit(rs[1], func(b []byte) []byte { b[offIndex-1] ^= 1; return b })
	if _, err := v.Verify(forged); !errors.Is(err, ErrReceiptSignature) {
		t.Fatalf("a forged signature on a known statement: %v", err)
	}
	if len(v.verified) != 1 {
		t.Fatalf("the verifier remembers %d statements", len(v.verified))
	}
	for _, raw := range rs[1:] {
		if _, err := v.Verify(raw); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPushAnswer(t *testing.T) {
	rs := sign(t, hubA, batch("r", 3, 1))
	body := EncodePushAnswer(rs)
	got, err := ParsePushAnswer(body)
	if err != nil || !slices.EqualFunc(got, rs, bytes.Equal) {
		t.Fatalf("round trip: %v", err)
	}
	for name, b := range map[string][]byte{
		"empty":          nil,
		"no receipts":    EncodePushAnswer(nil),
		"cut short":      body[:len(body)-1],
		"trailing":       append(bytes.Clone(body), 0),
		"empty receipt":  EncodePushAnswer([][]byte{{}}),
		"too large":      EncodePushAnswer([][]byte{make([]byte, MaxReceipt+1)}),
		"a pull page":    AppendPull(nil, PullPage{}),
		"version 1 JSON": []byte(`{"receipts":[]}`),
	} {
		if _, err := ParsePushAnswer(b); !errors.Is(err, ErrBatch) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
