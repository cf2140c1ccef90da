package session

import (
	"bytes"
	"fmt"

	"safeguard/companion/assets"
)

// DefaultPack loads the pack embedded in the binary. It is validated by the
// same code as an organisation's own pack; a failure here is a build defect
// that the tests catch.
func DefaultPack() (*Pack, error) {
	p, err := LoadPack(bytes.NewReader(assets.PolicyPack))
	if err != nil {
		return nil, fmt.Errorf("embedded default pack: %w", err)
	}
	return p, nil
}
