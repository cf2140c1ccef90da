// Package vault keeps one person's records on this device. It seals domain
// documents into signed, age-encrypted envelopes (package crypto) and keeps
// them in the local store (package store), so that plaintext exists only in
// memory: never in SQLite, temp files or logs.
package vault

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"safeguard/companion/crypto"
	"safeguard/companion/session"
	"safeguard/companion/store"
)

// Vault is a person's records: their drafts and the envelopes addressed to
// them or written by them.
type Vault struct {
	st    *store.Store
	me    *crypto.Identity
	dir   atomic.Pointer[crypto.Directory] // see SetDirectory
	clock session.Clock
	// keys remembers each record's file key beside it in the store, so a
	// record is decapsulated once on this device, not at every unlock; nil
	// if it could not be made, and then every open is a full one.
	keys *crypto.KeyCache
	// search tags the blind search index's terms (search.go); nil if it
	// could not be made, and then nothing is indexed or searched.
	search *crypto.SearchKey
	idx    searchCache
}

// New opens a vault over an open store, for the holder of me, trusting dir
// (which must have come through crypto.VerifyDirectory).
func New(st *store.Store, me *crypto.Identity, dir *crypto.Directory, clock session.Clock) *Vault {
	// NewKeyCache fails only if key derivation does, which it cannot with
	// these fixed sizes; without a cache the vault is only slower.
	keys, _ := crypto.NewKeyCache(me)
	search, _ := crypto.NewSearchKey(me)
	v := &Vault{st: st, me: me, clock: clock, keys: keys, search: search}
	v.dir.Store(dir)
	return v
}

// KeyID is the holder's key id.
func (v *Vault) KeyID() string { return string(v.me.KeyID()) }

// Directory is the organisation directory the vault trusts.
func (v *Vault) Directory() *crypto.Directory { return v.dir.Load() }

// SetDirectory trusts a newer organisation directory from now on, as sync
// fetches one: new leavers' keys are refused and new starters' records open
// without a restart. d must have come through crypto.VerifyDirectory
// against the pinned admin key; an older or equal version is ignored, so a
// directory can never be rolled back here either. Operations already
// running finish with the directory they started with.
func (v *Vault) SetDirectory(d *crypto.Directory) bool {
	for {
		cur := v.dir.Load()
		if d == nil || (cur != nil && d.Version <= cur.Version) {
			return false
		}
		if v.dir.CompareAndSwap(cur, d) {
			return true
		}
	}
}

// Draft kinds, as the store files them: a session document or an incident.
const (
	draftSession  = "session"
	draftIncident = "incident"
	// draftPlan is a plan not yet saved as a session (issue 19). It has
	// the id the session will take, so saving the session replaces it.
	draftPlan = "plan"
	// draftWords are the words typed for a record's boxes (KeptWords).
	draftWords = "words"
)

// SaveDraft seals a session document to its author alone and saves it
// durably: once it returns, a crash or power cut loses nothing. It is called
// every few seconds while a session is live.
func (v *Vault) SaveDraft(ctx context.Context, doc session.Document) error {
	return v.saveDraft(ctx, doc.ID, draftSession, doc, doc.PackVersion)
}

// SaveIncidentDraft does the same for an incident not yet reported.
func (v *Vault) SaveIncidentDraft(ctx context.Context, doc session.IncidentDocument) error {
	return v.saveDraft(ctx, doc.ID, draftIncident, doc, doc.PackVersion)
}

func (v *Vault) saveDraft(ctx context.Context, id, kind string, value any, packVersion string) error {
	env, err := v.seal(id, crypto.KindDraft, value, "", "", packVersion)
	if err != nil {
		return fmt.Errorf("save draft: %w", err)
	}
	err = v.st.SaveDraft(ctx, store.Draft{ID: id, Kind: kind, Updated: v.clock.Now(), Ciphertext: env})
	if err != nil {
		return fmt.Errorf("save draft: %w", err)
	}
	return nil
}

// Drafts opens every saved session draft, for the home screen and for
// resuming after a crash. A draft that does not open is reported, never
// silently dropped.
func (v *Vault) Drafts(ctx context.Context) ([]session.Document, error) {
	var out []session.Document
	err := v.drafts(ctx, draftSession, func(b []byte) error {
		var doc session.Document
		if _, err := v.open(b, &doc); err != nil {
			return err
		}
		out = append(out, doc)
		return nil
	})
	return out, err
}

// SavePlanDraft seals a plan being typed, not yet saved as a session, to
// its author alone and saves it durably (issue 19: a plan half done is
// never lost).
func (v *Vault) SavePlanDraft(ctx context.Context, d session.PlanDraft) error {
	return v.saveDraft(ctx, d.ID, draftPlan, d, d.PackVersion)
}

// PlanDrafts opens every plan not yet saved as a session.
func (v *Vault) PlanDrafts(ctx context.Context) ([]session.PlanDraft, error) {
	var out []session.PlanDraft
	err := v.drafts(ctx, draftPlan, func(b []byte) error {
		var d session.PlanDraft
		if _, err := v.open(b, &d); err != nil {
			return err
		}
		out = append(out, d)
		return nil
	})
	return out, err
}

// IncidentDrafts opens every incident not yet reported.
func (v *Vault) IncidentDrafts(ctx context.Context) ([]session.IncidentDocument, error) {
	var out []session.IncidentDocument
	err := v.drafts(ctx, draftIncident, func(b []byte) error {
		var doc session.IncidentDocument
		if _, err := v.open(b, &doc); err != nil {
			return err
		}
		out = append(out, doc)
		return nil
	})
	return out, err
}

func (v *Vault) drafts(ctx context.Context, kind string, each func([]byte) error) error {
	ds, err := v.st.ListDrafts(ctx)
	if err != nil {
		return fmt.Errorf("list drafts: %w", err)
	}
	var errs []error
	for _, d := range ds {
		if d.Kind != kind {
			continue
		}
		if err := each(d.Ciphertext); err != nil {
			errs = append(errs, fmt.Errorf("draft %s: %w", d.ID, err))
		}
	}
	return errors.Join(errs...)
}

// KeptWords are words typed in a record's boxes whose act is not yet
// done (a review's comment, a DSL's case action; issue 20), by box.
type KeptWords struct {
	RecordID string            `json:"record_id"`
	Words    map[string]string `json:"words"`
}

// SaveKeptWords seals the words typed for a record's boxes to their
// author alone and saves them durably beside the record (store.KeptBeside):
// they go when it is disposed of. None left removes them.
func (v *Vault) SaveKeptWords(ctx context.Context, k KeptWords) error {
	id := k.RecordID + store.KeptBeside
	if len(k.Words) == 0 {
		return v.DeleteDraft(ctx, id)
	}
	return v.saveDraft(ctx, id, draftWords, k, "")
}

// AllKeptWords opens every record's kept words.
func (v *Vault) AllKeptWords(ctx context.Context) ([]KeptWords, error) {
	var out []KeptWords
	err := v.drafts(ctx, draftWords, func(b []byte) error {
		var k KeptWords
		if _, err := v.open(b, &k); err != nil {
			return err
		}
		out = append(out, k)
		return nil
	})
	return out, err
}

// DeleteDraft removes a draft, for a session cancelled before it was signed.
func (v *Vault) DeleteDraft(ctx context.Context, id string) error {
	if err := v.st.DeleteDraft(ctx, id); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("delete draft: %w", err)
	}
	return nil
}

// SignRecord seals a signed session document to the recipients the policy
// names, stores it and queues it for sync, and removes its draft, all in one
// transaction. The document must be in the Signed state.
func (v *Vault) SignRecord(ctx context.Context, doc session.Document) (Entry, error) {
	if doc.State != session.Signed {
		return Entry{}, fmt.Errorf("sign record: the session is %s, not signed", doc.State)
	}
	return v.commit(ctx, doc.ID, doc.ID, crypto.KindSessionRecord, doc, "", doc.PackVersion, store.PriorityNormal)
}

// AddAddendum seals an addendum to a signed record. The parent is named by
// id and bound by the hash of its envelope, so an addendum cannot be moved to
// another record.
func (v *Vault) AddAddendum(ctx context.Context, parent Entry, a session.Addendum) (Entry, error) {
	if a.ParentID != parent.Header.ID {
		return Entry{}, errors.New("add addendum: it names another record")
	}
	return v.commit(ctx, "", a.ID, crypto.KindAddendum, a, parent.Hash, parent.Header.PolicyVersion, store.PriorityNormal)
}

// Put seals any domain value as a record of the given kind and queues it.
// Incidents go to the front of the sync queue.
func (v *Vault) Put(ctx context.Context, id string, kind crypto.Kind, value any, parent *Entry, policyVersion string) (Entry, error) {
	return v.put(ctx, "", id, kind, value, parent, policyVersion, "")
}

// PutFor is Put for a record about someone other than its author, which
// that person must be able to read: subjectPersonID (a directory person id)
// is sealed into the record's encrypted metadata and widens its recipients
// (crypto.Directory.RecipientsFor). A review (crypto.KindReview) names the
// author of the record it reviews, and then goes to the reviewer, that
// person and that person's line managers; a DSL's later version of an
// incident (crypto.KindIncident) names whoever raised it, and then goes to
// the DSL, every DSL and the raiser. SubjectOf(parent) gives the usual
// choice. Only reviews and incidents may name a subject; "" names none,
// exactly as Put.
func (v *Vault) PutFor(ctx context.Context, id string, kind crypto.Kind, value any, parent *Entry, policyVersion, subjectPersonID string) (Entry, error) {
	return v.put(ctx, "", id, kind, value, parent, policyVersion, subjectPersonID)
}

// ReportIncident seals a reported incident to the safeguarding team and the
// recovery key, stores it, puts it at the front of the sync queue and
// removes its draft, in one transaction. parent is the previous version
// when the DSL records a later step; use ReportIncidentFor then, so that
// whoever raised the incident can still read it.
func (v *Vault) ReportIncident(ctx context.Context, versionID string, doc session.IncidentDocument, parent *Entry) (Entry, error) {
	return v.put(ctx, doc.ID, versionID, crypto.KindIncident, doc, parent, doc.PackVersion, "")
}

// ReportIncidentFor is ReportIncident naming the incident's subject, the
// person who raised it (SubjectOf(*parent) for a later version), who is
// then among the recipients beside the author and every DSL.
func (v *Vault) ReportIncidentFor(ctx context.Context, versionID string, doc session.IncidentDocument, parent *Entry, subjectPersonID string) (Entry, error) {
	return v.put(ctx, doc.ID, versionID, crypto.KindIncident, doc, parent, doc.PackVersion, subjectPersonID)
}

// SubjectOf is the person a review of parent, or a later version of it,
// is about: the subject parent itself names, else parent's author.
func SubjectOf(parent Entry) string {
	if parent.Subject != "" {
		return parent.Subject
	}
	if parent.Author != nil {
		return parent.Author.ID
	}
	return ""
}

func (v *Vault) put(ctx context.Context, draftID, id string, kind crypto.Kind, value any, parent *Entry, policyVersion, subject string) (Entry, error) {
	prio := store.PriorityNormal
	if kind == crypto.KindIncident {
		prio = store.PriorityUrgent
	}
	parentHash, parentID := "", ""
	if parent != nil {
		parentHash, parentID = parent.Hash, parent.Header.ID
	}
	return v.commitParent(ctx, draftID, id, kind, value, parentID, parentHash, policyVersion, subject, prio)
}

func (v *Vault) commit(ctx context.Context, draftID, id string, kind crypto.Kind, value any, parentHash, policyVersion string, prio int) (Entry, error) {
	return v.commitParent(ctx, draftID, id, kind, value, parentIDOf(value), parentHash, policyVersion, "", prio)
}

func (v *Vault) commitParent(ctx context.Context, draftID, id string, kind crypto.Kind, value any, parentID, parentHash, policyVersion, subject string, prio int) (Entry, error) {
	if parentID == "" {
		parentID = parentIDOf(value)
	}
	if subject == v.personID() {
		subject = "" // the author reads every record anyway
	}
	action := auditAction(kind, parentID, value)
	// Record, outbox entry, draft removal and audit event: one transaction,
	// one fsync. Its first half (the draft's removal and the audit event)
	// needs no envelope, so it runs while the record is sealed, on the
	// core the key encapsulations leave free.
	ev := store.Event{Actor: v.KeyID(), Action: action, SubjectID: id}
	type begun struct {
		sv  *store.Save
		err error
	}
	began := make(chan begun, 1)
	go func() {
		sv, err := v.st.BeginSave(ctx, draftID, ev)
		began <- begun{sv, err}
	}()
	env, body, fileKey, sealErr := v.sealFor(id, kind, value, parentID, parentHash, policyVersion, subject)
	b := <-began
	if sealErr != nil {
		if b.err == nil {
			b.sv.Abort()
		}
		return Entry{}, fmt.Errorf("seal %s: %w", kind, sealErr)
	}
	if b.err != nil {
		return Entry{}, fmt.Errorf("save %s: %w", kind, b.err)
	}
	h := env.Header()
	raw := env.Bytes()
	se := toStore(env, raw)
	se.Priority = prio
	se.FileKey = fileKey
	if err := b.sv.Commit(se); err != nil {
		return Entry{}, fmt.Errorf("save %s: %w", kind, err)
	}
	me, _ := v.Directory().Person(v.personID())
	return Entry{Header: h, Author: me, Hash: crypto.EnvelopeHash(raw), Body: body, Subject: subject}, nil
}

func parentIDOf(value any) string {
	if a, ok := value.(session.Addendum); ok {
		return a.ParentID
	}
	if p, ok := value.(interface{ ParentRecordID() string }); ok {
		return p.ParentRecordID()
	}
	return ""
}

func (v *Vault) personID() string {
	p, _, ok := v.Directory().Key(v.me.KeyID())
	if !ok {
		return ""
	}
	return p.ID
}

func (v *Vault) seal(id string, kind crypto.Kind, value any, parentID, parentHash, policyVersion string) ([]byte, error) {
	env, _, _, err := v.sealFor(id, kind, value, parentID, parentHash, policyVersion, "")
	if err != nil {
		return nil, err
	}
	return env.Bytes(), nil
}

// sealFor seals value and returns the envelope, the encoded payload (so
// the caller need not encode it again) and the record's file key sealed by
// the vault's key cache (nil without one).
func (v *Vault) sealFor(id string, kind crypto.Kind, value any, parentID, parentHash, policyVersion, subject string) (env *crypto.Envelope, body, fileKey []byte, err error) {
	body, err = json.Marshal(value)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("encode: %w", err)
	}
	env, fileKey, err = crypto.SealRemembered(v.me, v.Directory(), crypto.Record{
		ID: id, Kind: kind, Created: v.clock.Now(), ParentID: parentID, ParentHash: parentHash,
		PolicyVersion: policyVersion, Subject: subject, Body: body,
	}, v.keys)
	return env, body, fileKey, err
}

// open verifies and decrypts one envelope and decodes its body into into.
func (v *Vault) open(b []byte, into any) (*crypto.Opened, error) {
	o, err := crypto.Open(b, v.Directory(), v.me)
	if err != nil {
		return nil, err
	}
	if into != nil {
		if err := json.Unmarshal(o.Body, into); err != nil {
			return nil, fmt.Errorf("%w: the record's content is not readable", crypto.ErrMalformed)
		}
	}
	return o, nil
}

// toStore splits an envelope for the store: Header holds everything before
// the age file (magic, routing header, signature), Body the age file itself.
// b is the envelope's wire form (env.Bytes()), which Header and Body share.
func toStore(env *crypto.Envelope, b []byte) store.Envelope {
	h := env.Header()
	ct := len(env.Ciphertext())
	return store.Envelope{
		ID: h.ID, Kind: string(h.Kind), AuthorKey: string(h.Author), Created: h.Created,
		ParentID: h.ParentID, Header: b[:len(b)-ct], Body: b[len(b)-ct:],
	}
}

// wire joins a stored envelope back into its wire form.
func wire(e store.Envelope) []byte {
	out := make([]byte, 0, len(e.Header)+len(e.Body))
	return append(append(out, e.Header...), e.Body...)
}

// Entry is a verified, decrypted record held in memory.
type Entry struct {
	Header crypto.Header
	Author *crypto.Person // shared between the entries of one Open: do not modify
	Hash   string         // envelope hash, for addenda and receipts
	Body   []byte         // the decoded JSON payload
	// Subject is the person id the record is about, when its author named
	// one (a review's reviewed practitioner, an incident's raiser); see
	// PutFor.
	Subject string
}

// Decode decodes the entry's payload.
func (e Entry) Decode(into any) error { return json.Unmarshal(e.Body, into) }

// Failure is a record that could not be opened: shown to the person as
// refused, never as genuine.
type Failure struct {
	ID  string
	Err error
}

// Open verifies and decrypts every stored record of the given kinds (all
// kinds but drafts when none are given) on all cores, newest first. Records
// this person cannot read are skipped; records that fail verification are
// returned as failures, never as entries. onFirst, if not nil, is called with
// the first screenful as soon as it is ready, long before the rest.
func (v *Vault) Open(ctx context.Context, onFirst func([]Entry), kinds ...crypto.Kind) ([]Entry, []Failure, error) {
	// The first screenful is chosen from the envelopes' routing columns
	// alone and opened before the rest is even read: reading every
	// envelope's bytes is most of the wait for a long list.
	var firsts map[int64]opened
	if onFirst != nil {
		var err error
		if firsts, err = v.openFirstScreen(ctx, kinds, onFirst); err != nil {
			return nil, nil, err
		}
	}
	envs, err := v.list(ctx, kinds)
	if err != nil {
		return nil, nil, err
	}
	slices.SortFunc(envs, newestFirst)
	results := make([]opened, len(envs))
	var rest []store.Envelope
	var restAt []int
	for i, e := range envs {
		if r, ok := firsts[e.Seq]; ok {
			results[i] = r
			continue
		}
		rest = append(rest, e)
		restAt = append(restAt, i)
	}
	restResults := make([]opened, len(rest))
	v.openAll(ctx, rest, restResults)
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	for j, i := range restAt {
		results[i] = restResults[j]
	}
	v.idx.offer(v.remember(ctx, envs, results))
	entries, fails := split(results)
	return entries, fails, nil
}

// newestFirst orders envelopes by the created column, so nothing is
// decrypted to sort; equal times fall back to the local save order, newest
// first, so the order is the same every time.
func newestFirst(a, b store.Envelope) int {
	if c := b.Created.Compare(a.Created); c != 0 {
		return c
	}
	return cmp.Compare(b.Seq, a.Seq)
}

// openFirstScreen opens the newest screenful of the given kinds, hands the
// entries to onFirst, and returns what it opened by Seq, so Open does not
// open them twice.
func (v *Vault) openFirstScreen(ctx context.Context, kinds []crypto.Kind, onFirst func([]Entry)) (map[int64]opened, error) {
	if len(kinds) == 0 {
		kinds = defaultKinds
	}
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k)
	}
	seqs, err := v.st.NewestSeqs(ctx, firstScreenful, names...)
	if err != nil {
		return nil, fmt.Errorf("list records: %w", err)
	}
	envs, err := v.st.EnvelopesBySeq(ctx, seqs)
	if err != nil {
		return nil, fmt.Errorf("list records: %w", err)
	}
	slices.SortFunc(envs, newestFirst)
	results := make([]opened, len(envs))
	v.openAll(ctx, envs, results)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	entries, _ := split(results)
	onFirst(entries)
	bySeq := make(map[int64]opened, len(envs))
	for i, e := range envs {
		bySeq[e.Seq] = results[i]
	}
	return bySeq, nil
}

// remember stores the file keys of the records that were opened the full
// way, so the next Open of them is a remembered one, and the search index
// rows of the records opened that had none. Both are caches: if a write
// fails, nothing is lost but time, and the next Open tries again. envs are
// the envelopes results were opened from, index for index. It returns the
// index rows it wrote, for the search cache.
func (v *Vault) remember(ctx context.Context, envs []store.Envelope, results []opened) []store.SearchRow {
	var keys []store.FileKey
	var rows []store.SearchRow
	for i, r := range results {
		if r.fileKey != nil {
			keys = append(keys, store.FileKey{EnvelopeID: r.entry.Header.ID, Sealed: r.fileKey})
		}
		if r.bloom != nil {
			rows = append(rows, store.SearchRow{Seq: envs[i].Seq, Kind: envs[i].Kind, Created: envs[i].Created, Bloom: r.bloom})
		}
	}
	_ = v.st.RememberFileKeys(ctx, keys)
	if err := v.st.IndexRecords(ctx, rows); err != nil {
		return nil
	}
	return rows
}

// RememberKeys opens, on every core, each stored record whose file key is
// not yet remembered or that is not yet in the search index, and remembers
// its key and indexes it, without keeping what it decrypted: run in the
// background after sync brings records in, it makes the next Open of them
// cost symmetric work only, and a search find them. It returns how many
// keys it remembered.
func (v *Vault) RememberKeys(ctx context.Context) (int, error) {
	if v.keys == nil && v.search == nil {
		return 0, nil
	}
	want := wantKinds(nil)
	n := 0
	var batch []store.Envelope
	flush := func() {
		results := make([]opened, len(batch))
		v.openAll(ctx, batch, results)
		for i := range results {
			if results[i].fileKey != nil {
				n++
			}
			clear(results[i].entry.Body)
		}
		v.idx.offer(v.remember(ctx, batch, results))
		batch = batch[:0]
	}
	for e, err := range v.st.Envelopes(ctx, store.Filter{Unremembered: true}) {
		if err != nil {
			return n, fmt.Errorf("remember file keys: %w", err)
		}
		if (e.FileKey != nil || v.keys == nil) && (e.Indexed || v.search == nil) || !want(e.Kind) {
			continue
		}
		if batch = append(batch, e); len(batch) == rememberBatch {
			flush()
		}
	}
	flush()
	return n, ctx.Err()
}

// rememberBatch bounds how much ciphertext RememberKeys holds at once.
const rememberBatch = 500

// firstScreenful is how many records a list shows before scrolling.
const firstScreenful = 40

// defaultKinds are the kinds Open lists when none are named: everything but
// drafts, which the store keeps apart.
var defaultKinds = []crypto.Kind{crypto.KindSessionRecord, crypto.KindAddendum, crypto.KindIncident, crypto.KindReview, crypto.KindFigures}

// list reads the stored envelopes of the given kinds. For the default kinds
// it makes one pass over the table rather than one query per kind, and
// leaves out anything else (the store does not hold drafts there, but
// nothing here relies on that).
//
// Reading 10,000 rows of ~10 KB is most of the wait before the first
// screenful can be chosen, so a large table is read in two halves at once,
// split by local save order (Seq): rows up to the middle from one query,
// rows after it from another, each in its own read transaction. Envelopes
// are append-only, so the halves neither overlap nor miss a row that was
// there when the count was taken.
func (v *Vault) list(ctx context.Context, kinds []crypto.Kind) ([]store.Envelope, error) {
	filters := []store.Filter{{}}
	want := wantKinds(kinds)
	if len(kinds) > 0 {
		filters = filters[:0]
		for _, k := range slices.Compact(slices.Sorted(slices.Values(kinds))) {
			filters = append(filters, store.Filter{Kind: string(k)})
		}
	}
	total, err := v.st.CountEnvelopes(ctx, store.Filter{})
	if err != nil {
		return nil, fmt.Errorf("list records: %w", err)
	}
	// Seq is the table's rowid and rows are never deleted, so Seq runs
	// densely from 1 and total/2 is close to the middle. Correctness does
	// not depend on it; only the balance of the two halves does.
	mid := int64(total / 2)
	parts := 1
	if total >= parallelScanFrom && runtime.GOMAXPROCS(0) > 1 {
		parts = 2
	}
	got := make([][]store.Envelope, len(filters)*parts)
	errs := make([]error, len(got))
	var wg sync.WaitGroup
	for fi, f := range filters {
		for p := range parts {
			wg.Go(func() {
				g := f
				upTo := int64(math.MaxInt64)
				if parts == 2 {
					if p == 0 {
						upTo = mid
					} else {
						g.After = mid
					}
				}
				k := fi*parts + p
				for e, err := range v.st.Envelopes(ctx, g) {
					if err != nil {
						errs[k] = fmt.Errorf("list records: %w", err)
						return
					}
					if e.Seq > upTo {
						return
					}
					if want(e.Kind) {
						got[k] = append(got[k], e)
					}
				}
			})
		}
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return slices.Concat(got...), nil
}

// wantKinds says which stored kinds a list of the given kinds holds: the
// default kinds when none are given.
func wantKinds(kinds []crypto.Kind) func(string) bool {
	if len(kinds) == 0 {
		kinds = defaultKinds
	}
	return func(k string) bool { return slices.Contains(kinds, crypto.Kind(k)) }
}

// parallelScanFrom is the table size from which list reads in two halves.
const parallelScanFrom = 1000

// opened is the outcome of opening one envelope.
type opened struct {
	entry   Entry
	fail    *Failure
	skip    bool
	fileKey []byte // to remember: set when the record was opened the full way
	bloom   []byte // to index: set when the record had no search index row
}

// openAll opens envs into out, index for index, on every core. Each worker
// has its own crypto.Opener, which reuses its plaintext buffer and opens the
// stored parts in place. A record whose file key the store remembers costs
// symmetric work only; any other costs its key unwrap and its signature
// check as well, and its file key is handed back to be remembered.
func (v *Vault) openAll(ctx context.Context, envs []store.Envelope, out []opened) {
	dir := v.Directory() // one directory for the whole list
	var next atomic.Int64
	workers := min(runtime.GOMAXPROCS(0), len(envs))
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			op := crypto.NewOpener(dir, v.me)
			yielded := time.Now()
			for ctx.Err() == nil {
				j := int(next.Add(1) - 1)
				if j >= len(envs) {
					return
				}
				e := envs[j]
				var (
					o       *crypto.Opened
					fileKey []byte
					err     error
				)
				if v.keys != nil {
					o, fileKey, err = op.OpenRemembered(v.keys, e.Header, e.Body, e.FileKey)
				} else {
					o, err = op.OpenSplit(e.Header, e.Body)
				}
				if errors.Is(err, crypto.ErrMalformed) {
					// Stored split elsewhere than before the age file (every
					// writer today splits there): judge the joined bytes.
					o, err = op.Open(wire(e))
				}
				if err == nil {
					err = checkRow(e, o.Header, dir)
				}
				switch {
				case errors.Is(err, crypto.ErrNotRecipient):
					out[j] = opened{skip: true}
					if v.search != nil && !e.Indexed {
						// Never a candidate: nothing here to find.
						out[j].bloom = make([]byte, bloomBytes)
					}
				case err != nil:
					out[j] = opened{fail: &Failure{ID: e.ID, Err: err}}
				default:
					out[j] = opened{entry: Entry{Header: o.Header, Author: o.Author, Hash: o.Hash, Body: o.Body, Subject: o.Subject}, fileKey: fileKey}
					if v.search != nil && !e.Indexed {
						out[j].bloom = bloom(v.search, RecordTerms(o.Body))
					}
				}
				// The ciphertext is no longer needed: let it go as we go.
				envs[j].Header, envs[j].Body, envs[j].FileKey = nil, nil, nil
				// Lower-priority work in bounded chunks: once a millisecond
				// has passed, a goroutine waiting to run (the UI's) may.
				if time.Since(yielded) >= time.Millisecond {
					runtime.Gosched()
					yielded = time.Now()
				}
			}
		})
	}
	wg.Wait()
}

// ErrRowMismatch: a stored record's routing columns disagree with what its
// author signed, the sign of a database edited to show one record as
// another (or as another kind: an incident filed as a session record).
var ErrRowMismatch = errors.New("this record is filed on this computer under another name, kind, author or date than its author signed: the local database may have been altered, so it is not shown")

// checkRow compares a stored row with the signed header of the record it
// holds, and judges the record by the hub's receipt time when it has one:
// a record the hub took in at or after its author's key was revoked is
// refused whatever date it claims, and so is one dated beyond that time by
// more than the clock window (crypto.CheckReceived). The directory may
// have revoked the key since the record was pulled, so this is checked at
// every open, not only at the pull.
func checkRow(e store.Envelope, h crypto.Header, dir *crypto.Directory) error {
	if e.ID != h.ID || e.Kind != string(h.Kind) || e.AuthorKey != string(h.Author) ||
		e.ParentID != h.ParentID || e.Created.UnixMilli() != h.Created.UnixMilli() {
		return fmt.Errorf("%w (filed as %s %q, signed as %s %q)", ErrRowMismatch, e.Kind, e.ID, h.Kind, h.ID)
	}
	if !e.Received.IsZero() {
		return crypto.CheckReceived(h, dir, e.Received)
	}
	return nil
}

func split(rs []opened) ([]Entry, []Failure) {
	entries := make([]Entry, 0, len(rs))
	var fails []Failure
	for _, r := range rs {
		switch {
		case r.fail != nil:
			fails = append(fails, *r.fail)
		case !r.skip:
			entries = append(entries, r.entry)
		}
	}
	return entries, fails
}

// Viewed records in the audit chain that the holder opened a record.
func (v *Vault) Viewed(ctx context.Context, id string) error {
	return v.st.Audit(ctx, store.Event{Actor: v.KeyID(), Action: store.ActionViewed, SubjectID: id})
}

// Waiting is how many records wait to be sent to the hub.
func (v *Vault) Waiting(ctx context.Context) (int, error) { return v.st.CountOutbox(ctx) }

// ExportCiphertext returns the age file inside a stored record, for a
// recipient to open with the age command-line tool, and records the export
// in the audit chain.
func (v *Vault) ExportCiphertext(ctx context.Context, id string) ([]byte, error) {
	e, err := v.st.GetEnvelope(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("export record: %w", err)
	}
	env, err := crypto.ParseEnvelope(wire(e))
	if err != nil {
		return nil, fmt.Errorf("export record: %w", err)
	}
	if err := v.st.Audit(ctx, store.Event{Actor: v.KeyID(), Action: store.ActionExported, SubjectID: id}); err != nil {
		return nil, fmt.Errorf("export record: %w", err)
	}
	return env.Ciphertext(), nil
}
