// Package store is the local, encrypted-at-rest SQLite store: envelopes,
// encrypted drafts, the sync outbox and the append-only audit chain. It never
// holds plaintext.
package store
