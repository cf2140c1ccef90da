package vault

import (
	"context"
	"fmt"

	"safeguard/companion/crypto"
	"safeguard/companion/session"
	"safeguard/companion/store"
)

// Dispose carries out an approved disposal on this computer (issue 16): it
// signs a tombstone naming the record and every envelope it is made of
// (its addenda, reviews, later versions), as the DSL who approved it; the
// store deletes them with their receipts, outbox entries, remembered file
// keys and drafts, keeps the tombstone as the certificate and audits it;
// the sync engine sends the tombstone to the hub, which deletes its copy
// and passes the tombstone to every device. The caller has asked
// session.MayCarryOut: a standing hold blocks it.
func (v *Vault) Dispose(ctx context.Context, d session.RetentionDecision, r session.DecidedRecord) (crypto.Tombstone, error) {
	if d.Choice != session.ChoiceDispose {
		return crypto.Tombstone{}, fmt.Errorf("dispose of %s: the decision %s does not approve disposal", r.RecordID, d.ID)
	}
	kind := crypto.KindSessionRecord
	if r.Kind == session.RetainIncident {
		kind = crypto.KindIncident
	}
	fam, err := v.st.Family(ctx, r.RecordID)
	if err != nil {
		return crypto.Tombstone{}, fmt.Errorf("dispose of %s: %w", r.RecordID, err)
	}
	t := crypto.Tombstone{RecordID: r.RecordID, Kind: kind, Envelopes: fam, Made: r.Made, Due: r.Due,
		DecisionID: d.ID, ApprovedBy: v.personID(), ApprovedAt: v.clock.Now()}
	signed, err := crypto.SignTombstone(v.me, t)
	if err != nil {
		return crypto.Tombstone{}, fmt.Errorf("dispose of %s: %w", r.RecordID, err)
	}
	if err := v.st.Dispose(ctx, store.Disposal{RecordID: r.RecordID, Envelopes: fam, Signed: signed}, store.Event{Actor: v.KeyID()}); err != nil {
		return crypto.Tombstone{}, fmt.Errorf("dispose of %s: %w", r.RecordID, err)
	}
	t.Signer = v.me.KeyID()
	return t, nil
}

// Disposals are the certificates of every disposal carried out on this
// computer, verified against the directory; one that no longer verifies
// (its signer's key since rotated out of the directory) is returned as a
// failure, still counted.
func (v *Vault) Disposals(ctx context.Context) ([]crypto.Tombstone, []Failure, error) {
	ts, err := v.st.Tombstones(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("read disposals: %w", err)
	}
	var out []crypto.Tombstone
	var fails []Failure
	for _, st := range ts {
		t, err := crypto.VerifyTombstone(st.Signed, v.Directory())
		if err != nil {
			fails = append(fails, Failure{ID: st.RecordID, Err: err})
			continue
		}
		out = append(out, t)
	}
	return out, fails, nil
}
