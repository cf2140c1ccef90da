package crypto

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"unicode/utf8"

	"golang.org/x/crypto/scrypt"
)

// UnlockSecret is what the idle lock checks when the keys are in the OS
// keyring, which would otherwise open without asking (issue 14): a PIN or
// passphrase the person chose, stretched with scrypt. Only the salt and the
// stretched hash are kept, beside the app's data; never the secret.
type UnlockSecret struct {
	Salt []byte `json:"salt"`
	LogN int    `json:"log_n"`
	Hash []byte `json:"hash"`
}

// MinUnlockSecret is the shortest PIN or passphrase the lock takes.
const MinUnlockSecret = 6

// DefaultUnlockWorkFactor is scrypt's log2 N for the lock: about a tenth of
// a second on a field laptop, so unlocking is quick and guessing is not.
const DefaultUnlockWorkFactor = 15

// ErrWeakUnlockSecret is a PIN or passphrase too short to protect anything.
var ErrWeakUnlockSecret = fmt.Errorf("choose a PIN or passphrase of at least %d characters", MinUnlockSecret)

// NewUnlockSecret stretches secret with a new salt at work factor logN.
func NewUnlockSecret(secret string, logN int) (UnlockSecret, error) {
	if utf8.RuneCountInString(secret) < MinUnlockSecret {
		return UnlockSecret{}, ErrWeakUnlockSecret
	}
	if logN < 10 || logN > 22 {
		return UnlockSecret{}, errors.New("unlock secret: work factor out of range")
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return UnlockSecret{}, fmt.Errorf("unlock secret: %w", err)
	}
	h, err := stretch(secret, salt, logN)
	if err != nil {
		return UnlockSecret{}, err
	}
	return UnlockSecret{Salt: salt, LogN: logN, Hash: h}, nil
}

// Check reports whether secret is the one chosen, in constant time.
func (u UnlockSecret) Check(secret string) bool {
	if len(u.Salt) == 0 || len(u.Hash) == 0 || u.LogN < 10 || u.LogN > 22 {
		return false
	}
	h, err := stretch(secret, u.Salt, u.LogN)
	return err == nil && subtle.ConstantTimeCompare(h, u.Hash) == 1
}

func stretch(secret string, salt []byte, logN int) ([]byte, error) {
	h, err := scrypt.Key([]byte(secret), salt, 1<<logN, 8, 1, 32)
	if err != nil {
		return nil, fmt.Errorf("unlock secret: %w", err)
	}
	return h, nil
}
