package vault

import (
	"context"
	"fmt"

	"safeguard/companion/crypto"
	"safeguard/companion/session"
	"safeguard/companion/store"
)

// Audit actions for legal holds (issue 16): the audit chain accepts any
// short token, so these need no migration. The event names the hold
// record's id, never what it covers: a customer reference is not for the
// plaintext chain.
const (
	ActionHeld       = "held"
	ActionHoldLifted = "hold_lifted"
)

// PutHold seals a legal hold placed or lifted (session.PlaceHold,
// session.LiftHold) to its author, every DSL and the recovery key, stores
// it, queues it for the hub and audits it, in one transaction. A lifting
// names the hold it lifts as its parent.
func (v *Vault) PutHold(ctx context.Context, e session.HoldEvent) (Entry, error) {
	parentID, parentHash := e.ParentRecordID(), ""
	if parentID != "" {
		// Bound by the hash of the hold's own envelope, so a lifting cannot
		// be moved to another hold.
		p, err := v.st.GetEnvelope(ctx, parentID)
		if err != nil {
			return Entry{}, fmt.Errorf("lift legal hold: the hold %s is not on this device: %w", parentID, err)
		}
		if p.Kind != string(crypto.KindHold) {
			return Entry{}, fmt.Errorf("lift legal hold: %s is not a legal hold", parentID)
		}
		parentHash = crypto.EnvelopeHash(wire(p))
	}
	return v.commitParent(ctx, "", e.ID, crypto.KindHold, e, parentID, parentHash, "", "", store.PriorityUrgent)
}

// Holds opens every legal hold record this person can read, with who
// signed each and whether the directory names them a DSL, for
// session.FoldHolds to judge. Records that fail verification are returned
// as failures, never as holds.
func (v *Vault) Holds(ctx context.Context) ([]session.SignedHold, []Failure, error) {
	entries, fails, err := v.Open(ctx, nil, crypto.KindHold)
	if err != nil {
		return nil, nil, fmt.Errorf("open legal holds: %w", err)
	}
	out := make([]session.SignedHold, 0, len(entries))
	for _, en := range entries {
		var e session.HoldEvent
		if err := en.Decode(&e); err != nil || e.ID != en.Header.ID {
			fails = append(fails, Failure{ID: en.Header.ID, Err: fmt.Errorf("%w: the hold record's content is not readable", crypto.ErrMalformed)})
			continue
		}
		sh := session.SignedHold{Event: e}
		if en.Author != nil {
			sh.SignerID = en.Author.ID
			sh.SignerIsDSL = en.Author.HasRole(crypto.RoleDSL)
		}
		out = append(out, sh)
	}
	return out, fails, nil
}

// auditAction is the audit action for a record about to be sealed.
func auditAction(kind crypto.Kind, parentID string, value any) string {
	switch kind {
	case crypto.KindIncident:
		// The first version of an incident is the escalation; a DSL's
		// later version is a signed step like any other record.
		if parentID == "" {
			return store.ActionEscalated
		}
	case crypto.KindHold:
		if e, ok := value.(session.HoldEvent); ok && e.Action == session.HoldLifted {
			return ActionHoldLifted
		}
		return ActionHeld
	case crypto.KindRetentionFacts:
		return ActionFactsShared
	case crypto.KindRetention:
		if d, ok := value.(session.RetentionDecision); ok && d.Choice == session.ChoiceExtend {
			return ActionRetentionExtend
		}
		return ActionDisposalApproved
	case crypto.KindSubjectAccess:
		if e, ok := value.(session.SAREvent); ok {
			switch e.Action {
			case session.SARExtended:
				return ActionSARExtended
			case session.SARAnswered:
				return ActionSARAnswered
			}
		}
		return ActionSAROpened
	case crypto.KindTransfer:
		if e, ok := value.(session.TransferEvent); ok && e.Action == session.TransferConfirmed {
			return ActionTransferConfirmed
		}
		return ActionTransferSent
	}
	return store.ActionSigned
}
