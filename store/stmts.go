package store

import (
	"context"
	"database/sql"
	"errors"
)

// The statements a save runs, prepared once on the write connection when
// the store opens. SQLite parses and plans a statement in about 10 µs here
// and a save runs seven, so preparing them per transaction was a fifth of
// the store's share of a save (BenchmarkSaveRecord4K, issue 4). A
// transaction borrows them with tx.StmtContext, which reuses the statement
// already prepared on the connection (the write pool has one).
const (
	sqlInsertEnvelope = `INSERT INTO envelopes
		(id, kind, author_key, created, parent_id, header, body, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`
	sqlQueueOutbox = `INSERT INTO outbox (envelope_id, priority, enqueued, next_attempt)
		VALUES (?, ?, ?, 0)`
	sqlRememberFileKey = `INSERT INTO file_keys (envelope_id, sealed) VALUES (?, ?)
		ON CONFLICT (envelope_id) DO UPDATE SET sealed = excluded.sealed`
	sqlInsertReceipt = `INSERT INTO receipts (envelope_id, received, receipt) VALUES (?, ?, ?)
		ON CONFLICT (envelope_id) DO NOTHING`
	sqlIndexEnvelope = `INSERT INTO search_index (seq, kind, created, bloom)
		SELECT seq, kind, created, ? FROM envelopes WHERE id = ?
		ON CONFLICT (seq) DO UPDATE SET bloom = excluded.bloom`
	sqlDeleteDraft = "DELETE FROM drafts WHERE id = ?"
	sqlAuditHead   = "SELECT seq, hash FROM audit_head WHERE one = 1"
	sqlInsertAudit = `INSERT INTO audit (seq, at, actor, action, subject_id, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?)`
	sqlUpsertAuditHead = `INSERT INTO audit_head (one, seq, hash) VALUES (1, ?, ?)
		ON CONFLICT (one) DO UPDATE SET seq = excluded.seq, hash = excluded.hash`
)

// statements holds the prepared statements; see prepare.
type statements struct {
	insertEnvelope, queueOutbox, rememberFileKey, insertReceipt, indexEnvelope, deleteDraft *sql.Stmt
	auditHead, insertAudit, upsertAuditHead                                                 *sql.Stmt
}

// prepare prepares every statement on db, after the schema is current.
func prepare(ctx context.Context, db *sql.DB) (*statements, error) {
	st := &statements{}
	for _, p := range []struct {
		into **sql.Stmt
		sql  string
	}{
		{&st.insertEnvelope, sqlInsertEnvelope},
		{&st.queueOutbox, sqlQueueOutbox},
		{&st.rememberFileKey, sqlRememberFileKey},
		{&st.insertReceipt, sqlInsertReceipt},
		{&st.indexEnvelope, sqlIndexEnvelope},
		{&st.deleteDraft, sqlDeleteDraft},
		{&st.auditHead, sqlAuditHead},
		{&st.insertAudit, sqlInsertAudit},
		{&st.upsertAuditHead, sqlUpsertAuditHead},
	} {
		s, err := db.PrepareContext(ctx, p.sql)
		if err != nil {
			st.close()
			return nil, err
		}
		*p.into = s
	}
	return st, nil
}

// close closes whatever was prepared.
func (st *statements) close() error {
	var errs []error
	for _, s := range []*sql.Stmt{st.insertEnvelope, st.queueOutbox, st.rememberFileKey, st.insertReceipt, st.indexEnvelope, st.deleteDraft,
		st.auditHead, st.insertAudit, st.upsertAuditHead} {
		if s != nil {
			errs = append(errs, s.Close())
		}
	}
	return errors.Join(errs...)
}
