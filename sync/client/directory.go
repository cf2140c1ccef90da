package client

import (
	"crypto/ed25519"
	"fmt"
	"sync"

	"safeguard/companion/crypto"
)

// DirectoryHolder keeps the verified organisation directory the engine
// checks records against. Updates go through crypto.VerifyDirectory with
// the admin key pinned at set-up and the directory held, so the hub cannot
// hand the device another signer's directory or an older one.
type DirectoryHolder struct {
	admin ed25519.PublicKey
	save  func(signed []byte) error

	mu     sync.RWMutex
	dir    *crypto.Directory
	signed []byte
}

// NewDirectoryHolder starts from signed (nil if the device has none yet).
// save, if not nil, is called with each newly accepted directory before it
// is used, so that the app can persist it; an error from save refuses the
// update.
func NewDirectoryHolder(admin ed25519.PublicKey, signed []byte, save func([]byte) error) (*DirectoryHolder, error) {
	h := &DirectoryHolder{admin: admin, save: save}
	if signed != nil {
		d, err := crypto.VerifyDirectory(signed, admin, nil)
		if err != nil {
			return nil, fmt.Errorf("the saved organisation directory: %w", err)
		}
		h.dir, h.signed = d, signed
	}
	return h, nil
}

// Current returns the directory, or nil before the first one.
func (h *DirectoryHolder) Current() *crypto.Directory {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.dir
}

// Version is the held version, 0 before the first one.
func (h *DirectoryHolder) Version() uint64 {
	if d := h.Current(); d != nil {
		return d.Version
	}
	return 0
}

// Update verifies and adopts a newer directory.
func (h *DirectoryHolder) Update(signed []byte) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	d, err := crypto.VerifyDirectory(signed, h.admin, h.dir)
	if err != nil {
		return err
	}
	if h.dir != nil && d.Version == h.dir.Version {
		return nil
	}
	if h.save != nil {
		if err := h.save(signed); err != nil {
			return fmt.Errorf("saving the organisation directory: %w", err)
		}
	}
	h.dir, h.signed = d, signed
	return nil
}
