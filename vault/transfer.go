package vault

import (
	"context"

	"safeguard/companion/crypto"
	"safeguard/companion/session"
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
	return v.putTeamRecord(ctx, crypto.KindTransfer, "transfer", e.ID, e, e.ParentRecordID())
}

// Transfers opens every transfer record this person can read, for
// session.FoldTransfers.
func (v *Vault) Transfers(ctx context.Context) ([]session.SignedTransferEvent, []Failure, error) {
	return openTeamRecords(ctx, v, crypto.KindTransfer, "transfer", func(e session.TransferEvent) string { return e.ID },
		func(e session.TransferEvent, by string, dsl bool) session.SignedTransferEvent {
			return session.SignedTransferEvent{Event: e, SignerID: by, SignerIsDSL: dsl}
		})
}
