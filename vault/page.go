package vault

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"safeguard/companion/crypto"
	"safeguard/companion/store"
)

// Page is one page of a list read newest first (OpenPage).
type Page struct {
	Entries  []Entry
	Failures []Failure
	// Next is where the page after this one starts; Done says there is
	// none (this page was the last, or short).
	Next store.Ref
	Done bool
}

// OpenPage verifies and decrypts the newest limit records of the given
// kinds (the default kinds when none are given) older than before (a zero
// Ref: from the newest), newest first. It chooses them from the store's
// (kind, created, seq) index and reads and opens only them, so a list of
// 100,000 records shows its first screenful, and each page after, in time
// and memory that do not grow with the list (issue 18). Like Open, records
// this person cannot read are skipped, those that fail verification are
// failures, and file keys and index rows are remembered on the way.
func (v *Vault) OpenPage(ctx context.Context, before store.Ref, limit int, kinds ...crypto.Kind) (Page, error) {
	if len(kinds) == 0 {
		kinds = defaultKinds
	}
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k)
	}
	var p Page
	var seqs []int64
	var err error
	seqs, p.Next, err = v.st.NewestBefore(ctx, before, min(limit, maxPage), names...)
	if err != nil {
		return p, fmt.Errorf("list records: %w", err)
	}
	p.Done = len(seqs) < min(limit, maxPage)
	envs, err := v.st.EnvelopesBySeq(ctx, seqs)
	if err != nil {
		return p, fmt.Errorf("list records: %w", err)
	}
	slices.SortFunc(envs, newestFirst)
	results := make([]opened, len(envs))
	v.openAll(ctx, envs, results)
	if err := ctx.Err(); err != nil {
		return p, err
	}
	v.idx.offer(v.remember(ctx, envs, results))
	p.Entries, p.Failures = split(results)
	return p, nil
}

// maxPage bounds a page: the store reads at most this many envelopes by
// Seq at once.
const maxPage = 1000

// OpenChildren verifies and decrypts the records made on the given records
// (reviews, addenda, later incident versions: every stored record whose
// parent is one of ids), newest first, so a record found by a search far
// down a paged list is shown with its reviews without opening the rest.
func (v *Vault) OpenChildren(ctx context.Context, ids []string) ([]Entry, []Failure, error) {
	want := wantKinds(nil)
	var envs []store.Envelope
	for len(ids) > 0 {
		part := ids[:min(len(ids), maxPage)]
		ids = ids[len(part):]
		got, err := v.st.EnvelopesByParent(ctx, part)
		if err != nil {
			return nil, nil, fmt.Errorf("list records: %w", err)
		}
		envs = append(envs, slices.DeleteFunc(got, func(e store.Envelope) bool { return !want(e.Kind) })...)
	}
	return v.openEnvelopes(ctx, envs)
}

// OpenIDs verifies and decrypts the stored records with the given ids (an
// id not stored is left out), newest first: the earlier versions of an
// incident found on a page, so its chain is checked whole.
func (v *Vault) OpenIDs(ctx context.Context, ids []string) ([]Entry, []Failure, error) {
	var envs []store.Envelope
	for _, id := range ids {
		e, err := v.st.GetEnvelope(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("list records: %w", err)
		}
		envs = append(envs, e)
	}
	return v.openEnvelopes(ctx, envs)
}

// openEnvelopes opens envs newest first, remembering keys and index rows.
func (v *Vault) openEnvelopes(ctx context.Context, envs []store.Envelope) ([]Entry, []Failure, error) {
	slices.SortFunc(envs, newestFirst)
	results := make([]opened, len(envs))
	v.openAll(ctx, envs, results)
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	v.idx.offer(v.remember(ctx, envs, results))
	entries, fails := split(results)
	return entries, fails, nil
}
