package vault

import (
	"context"
	"fmt"

	"safeguard/companion/crypto"
	"safeguard/companion/session"
	"safeguard/companion/store"
)

// Audit actions for transfers (issue 16). The sealed file's export is
// store.ActionExported with the transfer's id.
const (
	ActionTransferSent      = "transfer_sent"
	ActionTransferConfirmed = "transfer_confirmed"
)

// PutTransfer seals a transfer step to its author, every DSL and the
// recovery key, stores it, queues it for the hub and audits it.
func (v *Vault) PutTransfer(ctx context.Context, e session.TransferEvent) (Entry, error) {
	parentID, parentHash := e.ParentRecordID(), ""
	if parentID != "" {
		p, err := v.st.GetEnvelope(ctx, parentID)
		if err != nil {
			return Entry{}, fmt.Errorf("transfer %s is not on this device: %w", parentID, err)
		}
		if p.Kind != string(crypto.KindTransfer) {
			return Entry{}, fmt.Errorf("%s is not a transfer", parentID)
		}
		parentHash = crypto.EnvelopeHash(wire(p))
	}
	return v.commitParent(ctx, "", e.ID, crypto.KindTransfer, e, parentID, parentHash, "", "", store.PriorityUrgent)
}

// Transfers opens every transfer record this person can read, for
// session.FoldTransfers.
func (v *Vault) Transfers(ctx context.Context) ([]session.SignedTransferEvent, []Failure, error) {
	entries, fails, err := v.Open(ctx, nil, crypto.KindTransfer)
	if err != nil {
		return nil, nil, fmt.Errorf("open transfers: %w", err)
	}
	out := make([]session.SignedTransferEvent, 0, len(entries))
	for _, en := range entries {
		var e session.TransferEvent
		if err := en.Decode(&e); err != nil || e.ID != en.Header.ID {
			fails = append(fails, Failure{ID: en.Header.ID, Err: fmt.Errorf("%w: the transfer's content is not readable", crypto.ErrMalformed)})
			continue
		}
		s := session.SignedTransferEvent{Event: e}
		if en.Author != nil {
			s.SignerID = en.Author.ID
			s.SignerIsDSL = en.Author.HasRole(crypto.RoleDSL)
		}
		out = append(out, s)
	}
	return out, fails, nil
}
