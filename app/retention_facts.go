package app

import (
	"context"
	"fmt"
	"slices"

	"safeguard/companion/crypto"
	"safeguard/companion/session"
	"safeguard/companion/vault"
)

// Retention facts (issue 16): a session record is sealed to its author and
// line managers, never to the DSLs who approve disposal, so the author's
// app shares what retention needs of it (session.ShareRetentionFacts, no
// content) with the DSLs when it is signed; the author's or a line
// manager's app shares them on opening for any signed record that has none
// (one signed before facts were shared, or whose sharing failed).

// factsSharer says who this person is to a record's verified signer.
func (sh *shell) factsSharer(signer *crypto.Person) (session.FactsSharer, bool) {
	me := sh.me()
	if me == nil || signer == nil {
		return session.FactsSharer{}, false
	}
	by := session.FactsSharer{ID: me.ID, Author: signer.ID == me.ID, LineManager: slices.Contains(signer.Managers, me.ID)}
	return by, by.Author || by.LineManager
}

// shareRetentionFacts seals a signed record's facts to the DSLs.
func (sh *shell) shareRetentionFacts(ctx context.Context, e vault.Entry, d session.Document) error {
	by, ok := sh.factsSharer(e.Author)
	if !ok {
		return nil
	}
	r, err := session.ShareRetentionFacts(sh.cfg.Clock, by, sh.cfg.NewID(), d, sh.retentionPacks())
	if err != nil {
		return fmt.Errorf("share retention facts of %s: %w", d.ID, err)
	}
	_, err = sh.cfg.Vault.PutRetentionFacts(ctx, r)
	return err
}

// shareMissingFacts shares facts for every signed session record among
// entries that this person wrote or manages and that has none yet. A
// failure is logged (never content) and tried again at the next opening.
func (sh *shell) shareMissingFacts(ctx context.Context, entries []vault.Entry) {
	have, err := sh.cfg.Vault.FactsShared(ctx)
	if err != nil {
		sh.logError("sharing retention facts", err)
		return
	}
	var docs []session.Document
	byID := map[string]vault.Entry{}
	for _, e := range entries {
		if e.Header.Kind != crypto.KindSessionRecord {
			continue
		}
		var d session.Document
		if e.Decode(&d) != nil || d.ID != e.Header.ID {
			continue
		}
		if _, ok := sh.factsSharer(e.Author); ok {
			docs = append(docs, d)
			byID[d.ID] = e
		}
	}
	for _, d := range session.MissingRetentionFacts(docs, have) {
		if err := sh.shareRetentionFacts(ctx, byID[d.ID], d); err != nil {
			sh.logError("sharing retention facts", err)
		}
	}
}

// logError passes an error to the configured log (ids, never content).
func (sh *shell) logError(doing string, err error) {
	if sh.cfg.Errors != nil {
		sh.cfg.Errors(doing, err)
	}
}
