package crypto

import (
	"crypto/ed25519"
	"fmt"
	"strings"
	"time"
)

// ClockWindow is how far apart two honest clocks may be: the hub refuses a
// request whose time is further than this from its own, and a record dated
// later than this after the moment it can have been made is refused
// (ErrFutureDated).
const ClockWindow = 5 * time.Minute

// CheckReceived checks a verified envelope's header against the moment the
// hub first received the record, as the hub's signed receipt says (or, on
// the hub itself, the moment of the push). The author's key must not have
// been revoked at or before that moment, whatever date the record claims,
// and the record may not be dated later than that moment plus ClockWindow.
//
// Verify alone judges revocation by the record's own date, which the holder
// of a revoked key could backdate; the hub's receipt time cannot be
// backdated (Trust model: "the hub's receipt time, not the author's claimed
// date, decides whether a record came before a revocation").
func CheckReceived(h Header, dir *Directory, received time.Time) error {
	if at, revoked := dir.RevokedAt(h.Author); revoked && !received.Before(at) {
		return fmt.Errorf("%w (revoked %s; the hub received this record %s, whatever date it claims)", ErrRevokedSigner,
			at.UTC().Format(time.RFC3339), received.UTC().Format(time.RFC3339))
	}
	if h.Created.After(received.Add(ClockWindow)) {
		return fmt.Errorf("%w (dated %s, received by the hub %s)", ErrFutureDated,
			h.Created.UTC().Format(time.RFC3339), received.UTC().Format(time.RFC3339))
	}
	return nil
}

// CheckNotFuture refuses a record dated later than now plus ClockWindow.
func CheckNotFuture(h Header, now time.Time) error {
	if h.Created.After(now.Add(ClockWindow)) {
		return fmt.Errorf("%w (dated %s, and it is now %s)", ErrFutureDated,
			h.Created.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	return nil
}

// AdminFingerprint is the admin key's fingerprint as ICT hands it to a new
// member with their enrolment code: the admin key id (AdminKeyID, 128 bits)
// in eight groups of four hex digits, easy to read out and to type. A hub
// or a directory file that names another admin key cannot match it without
// a second preimage of SHA-256 truncated to 128 bits.
func AdminFingerprint(pub ed25519.PublicKey) string { return groupFingerprint(string(AdminKeyID(pub))) }

// GroupFingerprint writes an admin key id as AdminFingerprint does.
func GroupFingerprint(id KeyID) string { return groupFingerprint(string(id)) }

// ParseAdminFingerprint reads a fingerprint as a person typed it: spaces,
// dashes and letter case do not matter; 32 hex digits must remain.
func ParseAdminFingerprint(s string) (KeyID, error) {
	k := strings.ToLower(strings.NewReplacer(" ", "", "-", "", "\t", "", ":", "").Replace(strings.TrimSpace(s)))
	if !KeyID(k).Valid() {
		return "", fmt.Errorf("the admin key fingerprint should be 32 letters and digits (0-9, a-f), usually written in 8 groups of 4; check it against what your ICT administrator sent")
	}
	return KeyID(k), nil
}

// MatchAdminKey reports whether pub is the admin key the fingerprint names;
// an *AdminKeyMismatchError, which matches ErrAdminKeyMismatch, when it is
// not.
func MatchAdminKey(pub ed25519.PublicKey, fingerprint KeyID) error {
	if len(pub) != ed25519.PublicKeySize || AdminKeyID(pub) != fingerprint {
		return &AdminKeyMismatchError{Named: fingerprintOf(pub), Given: groupFingerprint(string(fingerprint))}
	}
	return nil
}

// AdminKeyMismatchError is ErrAdminKeyMismatch with both fingerprints, for
// the person to compare with what ICT sent: the one the hub or file names
// and the one they were given, each grouped as people read them.
type AdminKeyMismatchError struct{ Named, Given string }

func (e *AdminKeyMismatchError) Error() string {
	return fmt.Sprintf("%s: it names %s, you were given %s", ErrAdminKeyMismatch, e.Named, e.Given)
}

func (e *AdminKeyMismatchError) Is(target error) bool { return target == ErrAdminKeyMismatch }

func fingerprintOf(pub ed25519.PublicKey) string {
	if len(pub) != ed25519.PublicKeySize {
		return "no valid key"
	}
	return AdminFingerprint(pub)
}

func groupFingerprint(id string) string {
	var b strings.Builder
	for i := 0; i < len(id); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(id[i:min(i+4, len(id))])
	}
	return b.String()
}
