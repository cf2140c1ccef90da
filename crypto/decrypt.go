package crypto

import (
	"bytes"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"

	"filippo.io/age"
	"filippo.io/age/armor"
	"golang.org/x/crypto/chacha20poly1305"
)

// Unexported stage markers, joined to ErrDecrypt so tests (and only tests)
// can tell a header failure from a payload failure or an armor failure.
var (
	errAgeHeader  = errors.New("age header")
	errAgePayload = errors.New("age payload")
	errAgeArmor   = errors.New("age armor")
)

// decryptAge decrypts a whole age file read from src and returns the
// plaintext only after every chunk, including the last, has authenticated
// (Trust model: "a truncated age file can release plaintext before it
// fails"). On any failure nothing is returned. The caller owns the result.
//
// If armored is true, src is ASCII-armored ("-----BEGIN AGE ENCRYPTED
// FILE-----"); envelopes never are, but the C2SP vectors include armor.
func decryptAge(src io.Reader, armored bool, ids ...age.Identity) ([]byte, error) {
	if armored {
		src = armor.NewReader(src)
	}
	ct, err := io.ReadAll(src)
	if err != nil {
		var armorErr *armor.Error
		if errors.As(err, &armorErr) {
			return nil, fmt.Errorf("%w: %w: %w", ErrDecrypt, errAgeArmor, err)
		}
		return nil, fmt.Errorf("%w: %w: %w", ErrDecrypt, errAgeHeader, err)
	}
	return openAge(ct, nil, ids...)
}

// openAge is the only way this package decrypts. ct is a whole age file in
// memory. The header goes through age itself (age.DecryptHeader: stanza
// parsing, unwrapping, header MAC); the payload is decrypted here, straight
// into scratch when it is large enough, because age's streaming reader
// allocates two 64 KiB chunk buffers per file (most of the ~145 KiB it costs
// per record) and can release plaintext from a truncated file before it
// fails. The returned plaintext may alias scratch; on failure scratch has
// been wiped and nil is returned.
func openAge(ct, scratch []byte, ids ...age.Identity) ([]byte, error) {
	hdr := ageHeaderPrefix(ct)
	fileKey, err := age.DecryptHeader(hdr, ids...)
	if err != nil {
		var noMatch *age.NoIdentityMatchError
		if errors.As(err, &noMatch) {
			return nil, fmt.Errorf("%w: %w", ErrNotRecipient, err)
		}
		return nil, fmt.Errorf("%w: %w: %w", ErrDecrypt, errAgeHeader, err)
	}
	defer clear(fileKey)
	return decryptPayload(ct[len(hdr):], scratch, fileKey)
}

// decryptPayload decrypts the payload of an age file (everything after the
// header) with its file key.
func decryptPayload(payload, scratch, fileKey []byte) ([]byte, error) {
	if len(payload) < streamNonceSize {
		// age.Decrypt fails here too, before handing out a reader.
		return nil, fmt.Errorf("%w: %w: failed to read nonce: %w", ErrDecrypt, errAgeHeader, io.ErrUnexpectedEOF)
	}
	key, err := hkdf.Key(sha256.New, fileKey, payload[:streamNonceSize], "payload", chacha20poly1305.KeySize)
	if err != nil {
		return nil, fmt.Errorf("%w: %w: %w", ErrDecrypt, errAgePayload, err)
	}
	defer clear(key)
	pt, err := decryptStream(key, payload[streamNonceSize:], scratch)
	if err != nil {
		return nil, fmt.Errorf("%w: %w: %w", ErrDecrypt, errAgePayload, err)
	}
	return pt, nil
}

// openAgeWithKey decrypts the age file ct with a file key remembered from an
// earlier full open (see KeyCache). That open parsed the header with age
// itself, and the signed ciphertext hash pins the same bytes now, so the
// header is not parsed again: only its MAC is checked, as age checks it
// (HMAC-SHA-256 under HKDF(file key, "header") over the header up to and
// including "---"), before the payload is decrypted as openAge does.
func openAgeWithKey(ct, scratch, fileKey []byte) ([]byte, error) {
	hdr := ageHeaderPrefix(ct)
	footer := bytes.LastIndex(hdr, []byte("\n--- "))
	if footer < 0 || len(hdr) == len(ct) {
		return nil, fmt.Errorf("%w: %w: no header footer", ErrDecrypt, errAgeHeader)
	}
	signed, macText := hdr[:footer+len("\n---")], hdr[footer+len("\n--- "):len(hdr)-1]
	mac, err := base64.RawStdEncoding.Strict().DecodeString(string(macText))
	if err != nil || len(mac) != sha256.Size {
		return nil, fmt.Errorf("%w: %w: malformed header MAC", ErrDecrypt, errAgeHeader)
	}
	hmacKey, err := hkdf.Key(sha256.New, fileKey, nil, "header", sha256.Size)
	if err != nil {
		return nil, fmt.Errorf("%w: %w: %w", ErrDecrypt, errAgeHeader, err)
	}
	defer clear(hmacKey)
	h := hmac.New(sha256.New, hmacKey)
	h.Write(signed)
	if !hmac.Equal(h.Sum(nil), mac) {
		return nil, fmt.Errorf("%w: %w: bad header MAC", ErrDecrypt, errAgeHeader)
	}
	return decryptPayload(ct[len(hdr):], scratch, fileKey)
}

// ageHeaderPrefix returns the header of the age file ct: everything up to
// and including the closing "---" line. Recipient stanza lines begin "-> "
// and their bodies are base64, so the first line that begins "---" is the
// footer in any header age accepts (format.Parse stops at the same line).
// When there is none, the whole file is returned and age.DecryptHeader
// reports what is wrong with it, exactly as age.Decrypt would.
func ageHeaderPrefix(ct []byte) []byte {
	i := bytes.Index(ct, []byte("\n---"))
	if i < 0 {
		return ct
	}
	j := bytes.IndexByte(ct[i+1:], '\n')
	if j < 0 {
		return ct
	}
	return ct[:i+1+j+1]
}

// The age payload format (age-encryption.org/v1): a 16-byte nonce, then
// STREAM: ChaCha20-Poly1305 over 64 KiB chunks, the nonce an 11-byte
// big-endian chunk counter and a last-chunk flag byte.
const (
	streamNonceSize = 16
	streamChunk     = 64 << 10
	streamEncChunk  = streamChunk + chacha20poly1305.Overhead
)

// decryptStream decrypts and authenticates the whole STREAM payload with
// the same rules as age's reader (filippo.io/age/internal/stream): the last
// chunk is flagged, may be short or full, is empty only when it is the only
// chunk, and nothing may follow it. Plaintext goes into scratch if it fits;
// on failure whatever was written is wiped and nil is returned.
func decryptStream(key, payload, scratch []byte) ([]byte, error) {
	aead, err := chacha20poly1305.New(key)
	if err != nil {
		return nil, err
	}
	// The plaintext is shorter than the payload, so with this capacity Open
	// never reallocates and every byte written stays where it can be wiped.
	if cap(scratch) < len(payload) {
		scratch = make([]byte, 0, len(payload))
	}
	out := scratch[:0]
	fail := func(err error) ([]byte, error) {
		clear(scratch[:cap(scratch)])
		return nil, err
	}
	var nonce [chacha20poly1305.NonceSize]byte
	for first := true; ; first = false {
		if len(payload) == 0 {
			// A file cannot end without a flagged last chunk.
			return fail(io.ErrUnexpectedEOF)
		}
		in := payload[:min(len(payload), streamEncChunk)]
		payload = payload[len(in):]
		last := len(in) < streamEncChunk
		if last && !first && len(in) == chacha20poly1305.Overhead {
			return fail(errors.New("last chunk is empty"))
		}
		if last {
			nonce[len(nonce)-1] = 1
		}
		next, err := aead.Open(out, nonce[:], in, nil)
		if err != nil && !last {
			// A full-length chunk may be the last one.
			last = true
			nonce[len(nonce)-1] = 1
			next, err = aead.Open(out, nonce[:], in, nil)
		}
		if err != nil {
			return fail(errors.New("failed to decrypt and authenticate payload chunk, file may be corrupted or tampered with"))
		}
		out = next
		if last {
			if len(payload) != 0 {
				return fail(errors.New("trailing data after end of encrypted file"))
			}
			return out, nil
		}
		for i := len(nonce) - 2; i >= 0; i-- {
			nonce[i]++
			if nonce[i] != 0 {
				break
			}
		}
	}
}
