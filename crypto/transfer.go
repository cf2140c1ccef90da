package crypto

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"filippo.io/age"
)

// Sealing a safeguarding file to another organisation (issue 16 section
// 4): when a young person moves to another provider, their file is sealed
// with age to the receiving DSL's own age key, which is outside this
// organisation's directory. The result is a plain age file the receiver
// opens with the standard age tool: `age -d -i their-key.txt file.age`.

// ErrTransferRecipient: the receiving DSL's key is not an age public key.
var ErrTransferRecipient = errors.New("this is not an age public key: ask the receiving DSL for theirs (it starts age1)")

// ParseTransferRecipient reads the receiving DSL's age public key: a
// post-quantum hybrid key (age1pq1...) or a classic X25519 one (age1...).
func ParseTransferRecipient(s string) (age.Recipient, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "age1pq1") {
		r, err := age.ParseHybridRecipient(s)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrTransferRecipient, err)
		}
		return r, nil
	}
	r, err := age.ParseX25519Recipient(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTransferRecipient, err)
	}
	return r, nil
}

// SealForTransfer encrypts plaintext to the receiving DSL's age key alone.
func SealForTransfer(recipient string, plaintext []byte) ([]byte, error) {
	r, err := ParseTransferRecipient(recipient)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	w, err := age.Encrypt(&b, r)
	if err != nil {
		return nil, fmt.Errorf("seal for transfer: %w", err)
	}
	if _, err := w.Write(plaintext); err != nil {
		return nil, fmt.Errorf("seal for transfer: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("seal for transfer: %w", err)
	}
	return b.Bytes(), nil
}
