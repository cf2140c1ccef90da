package vault

import (
	"context"

	"safeguard/companion/crypto"
	"safeguard/companion/session"
)

// Audit actions for retention decisions (issue 16): the event names the
// decision record's id, never the records or customers it covers.
const (
	ActionDisposalApproved = "disposal_approved"
	ActionRetentionExtend  = "retention_extended"
)

// PutRetentionDecision seals a DSL's batch decision (session.DecideRetention)
// to its author, every DSL and the recovery key, stores it, queues it for
// the hub and audits it, in one transaction.
func (v *Vault) PutRetentionDecision(ctx context.Context, d session.RetentionDecision) (Entry, error) {
	return v.putTeamRecord(ctx, crypto.KindRetention, "retention decision", d.ID, d, "")
}

// RetentionDecisions opens every retention decision this person can read,
// with who signed each and whether the directory names them a DSL, for
// session.ApplyDecisions to judge.
func (v *Vault) RetentionDecisions(ctx context.Context) ([]session.SignedDecision, []Failure, error) {
	return openTeamRecords(ctx, v, crypto.KindRetention, "retention decision", func(d session.RetentionDecision) string { return d.ID },
		func(d session.RetentionDecision, by string, dsl bool) session.SignedDecision {
			return session.SignedDecision{Decision: d, SignerID: by, SignerIsDSL: dsl}
		})
}
