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

// factsChunk is how many records' facts one background job shares: each
// is signed, sealed to every DSL and saved durably (a few milliseconds),
// and a manager opening five years of records signed before facts were
// shared has tens of thousands of them, far more than one job may take.
const factsChunk = 100

// missingFacts are the signed session records among entries that this
// person wrote or manages and whose facts no one has shared yet.
func (sh *shell) missingFacts(ctx context.Context, entries []vault.Entry) ([]vault.Entry, []session.Document, error) {
	have, err := sh.cfg.Vault.FactsShared(ctx)
	if err != nil {
		return nil, nil, err
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
	missing := session.MissingRetentionFacts(docs, have)
	es := make([]vault.Entry, len(missing))
	for k, d := range missing {
		es[k] = byID[d.ID]
	}
	return es, missing, nil
}

// shareMissingFacts shares, in the background after the records are open
// and a chunk at a time, the facts of every signed session record among
// entries that this person wrote or manages and that has none yet. Opening
// never waits for it; closing the window stops it between chunks; a
// failure is logged (never content) and tried again at the next opening.
func (sh *shell) shareMissingFacts(entries []vault.Entry) {
	var (
		es   []vault.Entry
		docs []session.Document
	)
	sh.background(func(ctx context.Context) error {
		var err error
		es, docs, err = sh.missingFacts(ctx, entries)
		return err
	}, func(err error) {
		if err != nil {
			sh.logError("sharing retention facts", err)
			return
		}
		sh.shareFactsInChunks(es, docs)
	})
}

// shareFactsInChunks shares the facts of docs (signed as es), factsChunk
// in each background job, one job after another.
func (sh *shell) shareFactsInChunks(es []vault.Entry, docs []session.Document) {
	if len(docs) == 0 || sh.svc.Closing() {
		return
	}
	n := min(len(docs), factsChunk)
	sh.background(func(ctx context.Context) error {
		for k := range n {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err := sh.shareRetentionFacts(ctx, es[k], docs[k]); err != nil {
				sh.logError("sharing retention facts", err)
			}
		}
		return nil
	}, func(error) { sh.shareFactsInChunks(es[n:], docs[n:]) })
}

// logError passes an error to the configured log (ids, never content).
func (sh *shell) logError(doing string, err error) {
	if sh.cfg.Errors != nil {
		sh.cfg.Errors(doing, err)
	}
}
