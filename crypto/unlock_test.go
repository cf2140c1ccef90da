package crypto

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

func TestUnlockSecret(t *testing.T) {
	if _, err := NewUnlockSecret("12345", 10); !errors.Is(err, ErrWeakUnlockSecret) {
		t.Fatalf("a five-character PIN was taken: %v", err)
	}
	s, err := NewUnlockSecret("4821 blue", 10)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Check("4821 blue") || s.Check("4821 blu") || s.Check("") {
		t.Fatal("Check accepts the wrong secret or refuses the right one")
	}
	// Kept as JSON beside the data: the secret is not in it.
	b, _ := json.Marshal(s)
	if bytes.Contains(b, []byte("4821")) || bytes.Contains(b, []byte("blue")) {
		t.Fatalf("the secret is stored: %s", b)
	}
	var back UnlockSecret
	if err := json.Unmarshal(b, &back); err != nil || !back.Check("4821 blue") {
		t.Fatalf("round trip: %v", err)
	}
	// A tampered or empty verifier opens nothing.
	back.LogN = 40
	if back.Check("4821 blue") || (UnlockSecret{}).Check("") {
		t.Fatal("a broken verifier unlocks")
	}
	other, _ := NewUnlockSecret("4821 blue", 10)
	if string(other.Salt) == string(s.Salt) {
		t.Fatal("the salt repeats")
	}
}
