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

// ActionFactsShared is the audit action for retention facts shared with
// the DSLs; the event names the facts record's id.
const ActionFactsShared = "retention_facts_shared"

// PutRetentionFacts seals a signed session record's retention facts
// (session.ShareRetentionFacts) to their publisher, every DSL and the
// recovery key, under the session record as parent (bound by its hash, so
// a tombstone for the record takes them too), stores them, queues them for
// the hub and audits it, in one transaction.
func (v *Vault) PutRetentionFacts(ctx context.Context, r session.RetentionFactsRecord) (Entry, error) {
	if err := r.Validate(); err != nil {
		return Entry{}, fmt.Errorf("share retention facts: %w", err)
	}
	p, err := v.st.GetEnvelope(ctx, r.RecordID)
	if err != nil {
		return Entry{}, fmt.Errorf("share retention facts: the record %s is not on this device: %w", r.RecordID, err)
	}
	if p.Kind != string(crypto.KindSessionRecord) {
		return Entry{}, fmt.Errorf("share retention facts: %s is not a session record", r.RecordID)
	}
	return v.commitParent(ctx, "", r.ID, crypto.KindRetentionFacts, r, r.RecordID, crypto.EnvelopeHash(wire(p)), "", "", store.PriorityNormal)
}

// RetentionFacts opens every retention facts record this person can read.
// One whose content does not match its envelope (another id or parent, or
// shared in the name of someone other than its signer) is a failure, not
// facts.
func (v *Vault) RetentionFacts(ctx context.Context) ([]session.RetentionFactsRecord, []Failure, error) {
	entries, fails, err := v.Open(ctx, nil, crypto.KindRetentionFacts)
	if err != nil {
		return nil, nil, fmt.Errorf("open retention facts: %w", err)
	}
	out := make([]session.RetentionFactsRecord, 0, len(entries))
	for _, en := range entries {
		var r session.RetentionFactsRecord
		err := en.Decode(&r)
		if err == nil && (r.ID != en.Header.ID || r.RecordID != en.Header.ParentID || en.Author == nil || en.Author.ID != r.By) {
			err = fmt.Errorf("%w: the facts do not match their envelope", crypto.ErrMalformed)
		}
		if err != nil {
			fails = append(fails, Failure{ID: en.Header.ID, Err: fmt.Errorf("%w: the retention facts are not readable", crypto.ErrMalformed)})
			continue
		}
		out = append(out, r)
	}
	return out, fails, nil
}

// FactsShared are the ids of the records this device holds retention facts
// for, read from the envelopes' routing headers without opening them (so
// that checking at every start what still needs facts costs no decryption).
func (v *Vault) FactsShared(ctx context.Context) (map[string]bool, error) {
	out := map[string]bool{}
	for e, err := range v.st.Envelopes(ctx, store.Filter{Kind: string(crypto.KindRetentionFacts)}) {
		if err != nil {
			return nil, fmt.Errorf("list retention facts: %w", err)
		}
		out[e.ParentID] = true
	}
	return out, nil
}
