// Package crypto holds identities, keyring storage, the signed organisation
// directory and signed, age-encrypted record envelopes (docs/ARCHITECTURE.md, "Trust
// model"). It knows nothing about screens, SQL or the network.
//
// # Identities and keystores
//
// GenerateIdentity makes a person's key pair: a post-quantum hybrid age
// identity (ML-KEM-768 + X25519) and an Ed25519 signing key; its KeyID is a
// short hash of both public keys. A Keystore keeps identities on the device:
// KeyringStore (the OS keyring via go-keyring, service "safeguard-companion")
// or, where ProbeKeyring finds no keyring within a few seconds, FileKeystore
// (one passphrase-protected age scrypt file per key). ChooseKeystore does
// that choice and hands FallbackExplanation to the app for the first run.
// ExportIdentity writes the age half as an identity file the age tool reads.
//
// # Directory
//
// The organisation directory (people, roles, teams, keys with validity,
// recovery recipient, revocations) is signed with SignDirectory by the admin
// key and accepted with VerifyDirectory against the pinned admin key and the
// directory already held, refusing other signers and rollbacks. A verified
// *Directory is read-only and safe for concurrent use.
//
// # Envelopes
//
// Seal encrypts a Record with age to Directory.RecipientsFor its Kind and
// Subject (always including the recovery recipient) and signs header,
// ciphertext hash and length. Open parses (ParseEnvelope), verifies (Verify)
// before it decrypts, decrypts fully before releasing anything, then checks
// that the inner metadata matches the header. Every refusal wraps one
// sentinel error (ErrMalformed, ErrBadSignature, ...) whose message a person
// can read. An Opener does the same for many records (an inbox), reusing its
// buffers and unwrapping only the reader's own stanza.
//
// The ciphertext inside an envelope is an ordinary age file; see README.md
// in this directory for reading one with the age command-line tool.
package crypto
