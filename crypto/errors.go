package crypto

import "errors"

// Sentinel errors. Every refusal wraps exactly one of these so that callers
// can branch with errors.Is and show the message to a person as it stands:
// the Promises in docs/ARCHITECTURE.md ask for "a clear, specific error".
var (
	// ErrMalformed: the envelope bytes are not a well-formed envelope.
	ErrMalformed = errors.New("this record is damaged or is not a Safeguard Companion record")
	// ErrBadSignature: the author's signature does not match the record.
	ErrBadSignature = errors.New("this record's signature does not match: it may have been altered and cannot be trusted")
	// ErrCiphertextMismatch: the encrypted part is not the one the author signed.
	ErrCiphertextMismatch = errors.New("this record's encrypted content is not what its author signed: it may have been altered or swapped")
	// ErrUnknownSigner: the signing key is not in the organisation directory.
	ErrUnknownSigner = errors.New("this record was signed by someone who is not in the organisation directory")
	// ErrRevokedSigner: the signing key had been revoked when the record was signed.
	ErrRevokedSigner = errors.New("this record was signed with a key the organisation had already revoked")
	// ErrNotRecipient: none of the reader's keys can open the record.
	ErrNotRecipient = errors.New("this record is not addressed to you, so it cannot be opened with your keys")
	// ErrDecrypt: the age file failed to decrypt (damaged header or payload).
	ErrDecrypt = errors.New("this record's encrypted content is damaged and cannot be decrypted")
	// ErrInnerMismatch: the decrypted content disagrees with the signed header,
	// the sign of a re-signed or re-wrapped record.
	ErrInnerMismatch = errors.New("this record's content does not match its label: it may have been re-wrapped by someone else")
	// ErrDirectorySignature: the directory is not signed by the pinned admin key.
	ErrDirectorySignature = errors.New("this organisation directory is not signed by your organisation's administrator key")
	// ErrDirectoryRollback: the directory is older than the one already held.
	ErrDirectoryRollback = errors.New("this organisation directory is older than the one you already have")
	// ErrDirectoryInvalid: the directory is malformed or inconsistent.
	ErrDirectoryInvalid = errors.New("this organisation directory is damaged or inconsistent")
	// ErrNoValidKey: a person has no current, unrevoked key for the task.
	ErrNoValidKey = errors.New("there is no current, unrevoked key for this person")
	// ErrKeyNotFound: the keystore holds nothing under that name.
	ErrKeyNotFound = errors.New("no key is stored under that name on this device")
	// ErrNoKeyring: the operating system keyring is not reachable.
	ErrNoKeyring = errors.New("the system keyring is not available on this computer")
	// ErrWrongPassphrase: a passphrase-protected key file did not open.
	ErrWrongPassphrase = errors.New("the passphrase is not correct for this key file")
)

// Refusals about time (docs/ARCHITECTURE.md Trust model: "A key signs only within its
// validity window, and never after its revocation ... A record dated in
// the future beyond the clock window is refused").
var (
	// ErrOutsideValidity: the record is dated outside its key's validity window.
	ErrOutsideValidity = errors.New("this record is dated outside the period its author's key was valid for, so it cannot be trusted")
	// ErrFutureDated: the record claims a time later than it can have been made.
	ErrFutureDated = errors.New("this record is dated in the future, later than it can have been written, so it cannot be trusted")
	// ErrAdminKeyMismatch: a hub or file names another admin key than the
	// fingerprint ICT handed over.
	ErrAdminKeyMismatch = errors.New("the organisation key this hub or file names does not match the fingerprint your ICT administrator gave you")
)
