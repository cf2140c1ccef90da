package vault

import (
	"context"
	"fmt"

	"safeguard/companion/crypto"
	"safeguard/companion/store"
)

// The safeguarding team's records about records (issue 16): legal holds,
// retention decisions, subject access requests and transfers. Each is
// sealed to its author, every DSL and the recovery key, signed, stored,
// queued for the hub ahead of ordinary records and audited, in one
// transaction; a later step names the first as its parent, bound by the
// hash of the parent's envelope so it cannot be moved to another. Opening
// them gives each with who signed it and whether the directory names them
// a DSL: the domain (session) judges, the vault only verifies.

// putTeamRecord seals value as a record of kind. parentID, when set, must
// be a record of the same kind on this device; what names the kind in
// errors ("legal hold").
func (v *Vault) putTeamRecord(ctx context.Context, kind crypto.Kind, what, id string, value any, parentID string) (Entry, error) {
	parentHash := ""
	if parentID != "" {
		p, err := v.st.GetEnvelope(ctx, parentID)
		if err != nil {
			return Entry{}, fmt.Errorf("%s %s is not on this device: %w", what, parentID, err)
		}
		if p.Kind != string(kind) {
			return Entry{}, fmt.Errorf("%s is not a %s", parentID, what)
		}
		parentHash = crypto.EnvelopeHash(wire(p))
	}
	return v.commitParent(ctx, "", id, kind, value, parentID, parentHash, "", "", store.PriorityUrgent)
}

// openTeamRecords opens every record of kind this person can read and
// decodes each as an E whose id (idOf) must be its envelope's; signed
// wraps it with its signer for the domain. Records that do not verify or
// decode are failures, never records.
func openTeamRecords[E, S any](ctx context.Context, v *Vault, kind crypto.Kind, what string, idOf func(E) string, signed func(e E, signerID string, signerIsDSL bool) S) ([]S, []Failure, error) {
	entries, fails, err := v.Open(ctx, nil, kind)
	if err != nil {
		return nil, nil, fmt.Errorf("open %ss: %w", what, err)
	}
	out := make([]S, 0, len(entries))
	for _, en := range entries {
		var e E
		if err := en.Decode(&e); err != nil || idOf(e) != en.Header.ID {
			fails = append(fails, Failure{ID: en.Header.ID, Err: fmt.Errorf("%w: the %s's content is not readable", crypto.ErrMalformed, what)})
			continue
		}
		var by string
		var dsl bool
		if en.Author != nil {
			by, dsl = en.Author.ID, en.Author.HasRole(crypto.RoleDSL)
		}
		out = append(out, signed(e, by, dsl))
	}
	return out, fails, nil
}
