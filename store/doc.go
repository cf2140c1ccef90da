// Package store is the local, encrypted-at-rest SQLite store: envelopes,
// encrypted drafts, the sync outbox and the append-only audit chain. It never
// holds plaintext.
//
// # What it holds
//
// The store deals in opaque bytes. Envelopes (signed, age-encrypted records)
// and drafts arrive already encrypted; the only clear-text columns are
// non-identifying routing fields (id, kind, author key id, created time,
// parent id), audit tokens (who, what action, which record id, when) and
// non-sensitive settings. Every such field must be a short token without
// spaces, so free text, which could be content, is refused (ErrInvalid)
// rather than stored in clear.
//
// # Durability
//
// One database per person (DefaultPath), WAL mode with synchronous=FULL:
// every write is one transaction and returns only after COMMIT, that is
// after the WAL has been fsynced, so a crash or power cut cannot lose a
// save the caller was told about. PutEnvelope writes the envelope and its
// outbox entry together; Acknowledge stores the hub's receipt and removes
// the outbox entry together; SaveRecord saves a signed record, queues it,
// deletes its draft and appends its audit event together. Envelopes, receipts and audit rows are append-only,
// enforced by triggers as well as by the code, and an outbox entry cannot be
// deleted without its receipt.
//
// A save costs one fsync, of the WAL, and that fsync carries only the
// save's frames: the WAL's space is written ahead (fillWAL), so a commit
// rewrites blocks the file already has instead of growing it, and after a
// pause the background checkpointer starts the WAL again itself
// (restartWAL), so the next save does not write and fsync a new WAL header
// first. Checkpoints run in the background once saves pause.
//
// # Listing thousands of records
//
// Screens should not decrypt on every repaint. The intended flow: when the
// identity is unlocked, stream every envelope with Envelopes (one read
// snapshot, memory-mapped, ~5 ms per 1,000 envelopes of 4 KB on the
// reference machine) into a pool of decrypting workers, keep the plaintext
// index in memory only, and show the first screenful as soon as it is
// decrypted (the first 50 arrive in well under 1 ms). ListEnvelopes pages
// with a keyset cursor (Filter.After) for anything that needs pages;
// CountEnvelopes answers counts without reading bodies. Saves are not
// blocked while a listing runs.
//
// # Errors
//
// Failures a practitioner can meet are sentinels for errors.Is, each with a
// message that says what to do: ErrCorrupt, ErrDiskFull, ErrReadOnly,
// ErrNewerSchema (Open refuses, and does not touch, a database from a newer
// version), ErrConflict, ErrNotFound, ErrTampered. None of them means that
// anything already saved has been lost.
//
// # Audit chain
//
// Each audit row carries sha256(prev_hash || canonical fields) and a head
// row records the last link, so VerifyAudit detects an edited, deleted,
// inserted or reordered row, and rows cut from the end. Someone with write
// access to the file could still rebuild the whole chain consistently;
// anchoring AuditHead off the device (in a signed, synced envelope) is what
// closes that gap.
package store
