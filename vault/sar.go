package vault

import (
	"context"

	"safeguard/companion/crypto"
	"safeguard/companion/session"
	"safeguard/companion/store"
)

// Audit actions for subject access requests (issue 16). An exported
// disclosure pack is store.ActionExported with the request's id.
const (
	ActionSAROpened   = "sar_opened"
	ActionSARExtended = "sar_extended"
	ActionSARAnswered = "sar_answered"
)

// PutSAR seals a step of a subject access request to its author, every DSL
// and the recovery key, stores it, queues it for the hub and audits it. A
// later step names the opening as its parent.
func (v *Vault) PutSAR(ctx context.Context, e session.SAREvent) (Entry, error) {
	return v.putTeamRecord(ctx, crypto.KindSubjectAccess, "subject access request", e.ID, e, e.ParentRecordID())
}

// SARs opens every subject access record this person can read, with who
// signed each and whether they are a DSL, for session.FoldSARs.
func (v *Vault) SARs(ctx context.Context) ([]session.SignedSAREvent, []Failure, error) {
	return openTeamRecords(ctx, v, crypto.KindSubjectAccess, "subject access request", func(e session.SAREvent) string { return e.ID },
		func(e session.SAREvent, by string, dsl bool) session.SignedSAREvent {
			return session.SignedSAREvent{Event: e, SignerID: by, SignerIsDSL: dsl}
		})
}

// AuditExport records that a disclosure pack (or a transfer) was exported.
func (v *Vault) AuditExport(ctx context.Context, subjectID string) error {
	return v.st.Audit(ctx, store.Event{Actor: v.KeyID(), Action: store.ActionExported, SubjectID: subjectID})
}
