package crypto

import (
	"errors"
	"fmt"
	"io"

	"filippo.io/age"
	"filippo.io/age/armor"
)

// Unexported stage markers, joined to ErrDecrypt so tests (and only tests)
// can tell a header failure from a payload failure or an armor failure.
var (
	errAgeHeader  = errors.New("age header")
	errAgePayload = errors.New("age payload")
	errAgeArmor   = errors.New("age armor")
)

// decryptAge is the only way this package decrypts. It reads the whole
// payload into memory and returns it only after age has authenticated every
// chunk including the last: age's streaming reader can hand out plaintext
// from a truncated or corrupted file before it reports the error (Trust
// model: "a truncated age file can release plaintext before it fails"). On
// any failure the partial buffer is wiped and nil is returned.
//
// If armored is true, src is ASCII-armored ("-----BEGIN AGE ENCRYPTED
// FILE-----"); envelopes never are, but the C2SP vectors include armor.
func decryptAge(src io.Reader, armored bool, ids ...age.Identity) ([]byte, error) {
	if armored {
		src = armor.NewReader(src)
	}
	r, err := age.Decrypt(src, ids...)
	if err != nil {
		var noMatch *age.NoIdentityMatchError
		var armorErr *armor.Error
		switch {
		case errors.As(err, &noMatch):
			return nil, fmt.Errorf("%w: %w", ErrNotRecipient, err)
		case errors.As(err, &armorErr):
			return nil, fmt.Errorf("%w: %w: %w", ErrDecrypt, errAgeArmor, err)
		default:
			return nil, fmt.Errorf("%w: %w: %w", ErrDecrypt, errAgeHeader, err)
		}
	}
	pt, err := io.ReadAll(r)
	if err != nil {
		clear(pt)
		var armorErr *armor.Error
		if errors.As(err, &armorErr) {
			return nil, fmt.Errorf("%w: %w: %w", ErrDecrypt, errAgeArmor, err)
		}
		return nil, fmt.Errorf("%w: %w: %w", ErrDecrypt, errAgePayload, err)
	}
	return pt, nil
}
