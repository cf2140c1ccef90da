package vault

import (
	"context"
	"fmt"

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
	parentID, parentHash := e.ParentRecordID(), ""
	if parentID != "" {
		p, err := v.st.GetEnvelope(ctx, parentID)
		if err != nil {
			return Entry{}, fmt.Errorf("subject access request %s is not on this device: %w", parentID, err)
		}
		if p.Kind != string(crypto.KindSubjectAccess) {
			return Entry{}, fmt.Errorf("%s is not a subject access request", parentID)
		}
		parentHash = crypto.EnvelopeHash(wire(p))
	}
	return v.commitParent(ctx, "", e.ID, crypto.KindSubjectAccess, e, parentID, parentHash, "", "", store.PriorityUrgent)
}

// SARs opens every subject access record this person can read, with who
// signed each and whether they are a DSL, for session.FoldSARs.
func (v *Vault) SARs(ctx context.Context) ([]session.SignedSAREvent, []Failure, error) {
	entries, fails, err := v.Open(ctx, nil, crypto.KindSubjectAccess)
	if err != nil {
		return nil, nil, fmt.Errorf("open subject access requests: %w", err)
	}
	out := make([]session.SignedSAREvent, 0, len(entries))
	for _, en := range entries {
		var e session.SAREvent
		if err := en.Decode(&e); err != nil || e.ID != en.Header.ID {
			fails = append(fails, Failure{ID: en.Header.ID, Err: fmt.Errorf("%w: the request's content is not readable", crypto.ErrMalformed)})
			continue
		}
		s := session.SignedSAREvent{Event: e}
		if en.Author != nil {
			s.SignerID = en.Author.ID
			s.SignerIsDSL = en.Author.HasRole(crypto.RoleDSL)
		}
		out = append(out, s)
	}
	return out, fails, nil
}

// AuditExport records that a disclosure pack (or a transfer) was exported.
func (v *Vault) AuditExport(ctx context.Context, subjectID string) error {
	return v.st.Audit(ctx, store.Event{Actor: v.KeyID(), Action: store.ActionExported, SubjectID: subjectID})
}
