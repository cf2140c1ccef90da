package vault

import (
	"context"
	"fmt"

	"safeguard/companion/crypto"
	"safeguard/companion/session"
	"safeguard/companion/store"
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
	return v.commitParent(ctx, "", d.ID, crypto.KindRetention, d, "", "", "", "", store.PriorityUrgent)
}

// RetentionDecisions opens every retention decision this person can read,
// with who signed each and whether the directory names them a DSL, for
// session.ApplyDecisions to judge.
func (v *Vault) RetentionDecisions(ctx context.Context) ([]session.SignedDecision, []Failure, error) {
	entries, fails, err := v.Open(ctx, nil, crypto.KindRetention)
	if err != nil {
		return nil, nil, fmt.Errorf("open retention decisions: %w", err)
	}
	out := make([]session.SignedDecision, 0, len(entries))
	for _, en := range entries {
		var d session.RetentionDecision
		if err := en.Decode(&d); err != nil || d.ID != en.Header.ID {
			fails = append(fails, Failure{ID: en.Header.ID, Err: fmt.Errorf("%w: the decision's content is not readable", crypto.ErrMalformed)})
			continue
		}
		sd := session.SignedDecision{Decision: d}
		if en.Author != nil {
			sd.SignerID = en.Author.ID
			sd.SignerIsDSL = en.Author.HasRole(crypto.RoleDSL)
		}
		out = append(out, sd)
	}
	return out, fails, nil
}
