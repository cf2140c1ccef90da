package vault

import (
	"context"

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
	return v.putTeamRecord(ctx, crypto.KindHold, "legal hold", e.ID, e, e.ParentRecordID())
}

// Holds opens every legal hold record this person can read, with who
// signed each and whether the directory names them a DSL, for
// session.FoldHolds to judge. Records that fail verification are returned
// as failures, never as holds.
func (v *Vault) Holds(ctx context.Context) ([]session.SignedHold, []Failure, error) {
	return openTeamRecords(ctx, v, crypto.KindHold, "legal hold", func(e session.HoldEvent) string { return e.ID },
		func(e session.HoldEvent, by string, dsl bool) session.SignedHold {
			return session.SignedHold{Event: e, SignerID: by, SignerIsDSL: dsl}
		})
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
