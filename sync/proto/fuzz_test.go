package proto

import (
	"crypto/ed25519"
	"crypto/sha256"
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

// FuzzVerifyReceipt: receipts come back from the network to the device.
func FuzzVerifyReceipt(f *testing.F) {
	r, _ := SignReceipt(fuzzKey, Receipt{ID: "r1", Seq: 1, Hash: "00", Received: time.UnixMilli(0)})
	f.Add(r)
	f.Add([]byte(`{"receipt":{},"sig":""}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if rc, err := VerifyReceipt(fuzzKey.Public().(ed25519.PublicKey), b); err == nil && rc.Seq <= 0 {
			t.Fatal("accepted a receipt with no sequence number")
		}
	})
}

// FuzzPushBody: the push body as the hub reads it, then each envelope.
func FuzzPushBody(f *testing.F) {
	f.Add([]byte(`{"envelopes":["U0dDLUVOVkVMT1BFLTEK"]}`))
	f.Add([]byte(`{"envelopes":[]}`))
	f.Add([]byte(`{"envelopes":null,"x":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var req PushRequest
		if err := StrictUnmarshal(b, &req); err != nil {
			return
		}
		for _, e := range req.Envelopes {
			_, _ = crypto.ParseEnvelope(e)
		}
	})
}
