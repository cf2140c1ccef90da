package vault

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"safeguard/companion/crypto"
	"safeguard/companion/store"
)

// The blind search index (docs/search-index.md). Each record a reader has
// opened gets one row in the store: a Bloom filter of the keyed tags
// (crypto.SearchKey) of its words and customer references. A search tags
// the query's terms the same way, tests every row in memory, and opens
// only the newest candidates, confirming each against its decrypted text,
// so a false positive of the filter is never shown. Nothing readable
// reaches the disk, and a search decrypts tens of records, not all.

// Bloom filter shape: 4,096 bits (512 bytes) and eight bits a term, each
// 12 bits of the term's tag. A record of 150 distinct terms sets about a
// quarter of the bits, so a query word wrongly matches about one record in
// 100,000 (a 2,048-bit filter, measured first, let a thousand through at
// that size, each costing a decryption). The records a filter picks are
// opened and checked, so a false match costs time, never a wrong answer;
// a record with many more terms fills its filter and is picked more often,
// for the same reason harmlessly.
const (
	bloomBytes = 512
	bloomBits  = bloomBytes * 8
	bloomProbe = 8
	// maxTerms bounds the terms taken from one record, so a huge record
	// costs bounded work to index.
	maxTerms = 4096
	// Terms are whole words of minTermRunes to maxTermRunes letters or
	// digits, lowercased.
	minTermRunes = 2
	maxTermRunes = 40
	// refPrefix marks a whole customer reference, normalised by normRef,
	// so that "YP-2041" finds that customer and not every record with the
	// words "yp" and "2041".
	refPrefix = "ref\x00"
)

// Words splits text into search words: runs of letters and digits,
// lowercased, of minTermRunes to maxTermRunes runes. Longer runs are
// dropped (no one types them); shorter ones say too little. The same
// function splits a query and a record, so they agree exactly.
func Words(text string) []string {
	var out []string
	for w := range strings.FieldsFuncSeq(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if n := utf8.RuneCountInString(w); n < minTermRunes || n > maxTermRunes {
			continue
		}
		out = append(out, strings.ToLower(w))
	}
	return out
}

// normRef normalises a customer reference: letters and digits only,
// upper case, so "yp-2041", "YP 2041" and "YP2041" are one customer.
// It is "" when nothing is left.
func normRef(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToUpper(r))
		}
	}
	if b.Len() > 4*maxTermRunes {
		return ""
	}
	return b.String()
}

// RecordTerms lists the distinct search terms of a record's decoded JSON
// payload: every word of every string value, and each string under a
// "reference" key as a whole customer reference. Keys, numbers and
// timestamps are not terms. A payload that is not JSON has no terms.
func RecordTerms(body []byte) []string {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return nil
	}
	seen := map[string]bool{}
	var walk func(key string, v any)
	walk = func(key string, v any) {
		if len(seen) >= maxTerms {
			return
		}
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				walk(k, e)
			}
		case []any:
			for _, e := range x {
				walk(key, e)
			}
		case string:
			if strings.EqualFold(key, "reference") {
				if r := normRef(x); r != "" {
					seen[refPrefix+r] = true
				}
			}
			if isTimestamp(x) {
				return
			}
			for _, w := range Words(x) {
				seen[w] = true
				if len(seen) >= maxTerms {
					return
				}
			}
		}
	}
	walk("", v)
	out := make([]string, 0, len(seen))
	for t := range seen {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// isTimestamp says whether a string value is a time, as the payloads
// encode them: not searched by word.
func isTimestamp(s string) bool {
	if len(s) < len("2006-01-02T15:04:05Z") || len(s) > len(time.RFC3339Nano)+6 || s[4] != '-' {
		return false
	}
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil
}

// A query is what a search looks for: every word (AND), or else the whole
// customer reference.
type query struct {
	words []string
	ref   string
}

// parseQuery reads what a person typed into the search box.
func parseQuery(text string) query {
	q := query{ref: normRef(text)}
	seen := map[string]bool{}
	for _, w := range Words(text) {
		if !seen[w] {
			seen[w] = true
			q.words = append(q.words, w)
		}
	}
	if len(q.words) == 0 && len(q.ref) < minTermRunes {
		q.ref = ""
	}
	return q
}

func (q query) empty() bool { return len(q.words) == 0 && q.ref == "" }

// matchTerms says whether a record with the given sorted terms answers q.
func (q query) matchTerms(terms []string) bool {
	has := func(t string) bool { _, ok := slices.BinarySearch(terms, t); return ok }
	if q.ref != "" && has(refPrefix+q.ref) {
		return true
	}
	if len(q.words) == 0 {
		return false
	}
	for _, w := range q.words {
		if !has(w) {
			return false
		}
	}
	return true
}

// probes are a term's bit positions in a record's filter.
type probes [bloomProbe]uint16

func termProbes(k *crypto.SearchKey, term string) probes {
	tag := k.Tag(term)
	var p probes
	for i := range p {
		p[i] = binary.LittleEndian.Uint16(tag[2*i:]) % bloomBits // 12 bits: bloomBits is 4,096
	}
	return p
}

// bloom makes a record's filter from its terms.
func bloom(k *crypto.SearchKey, terms []string) []byte {
	f := make([]byte, bloomBytes)
	for _, t := range terms {
		for _, b := range termProbes(k, t) {
			f[b/8] |= 1 << (b % 8)
		}
	}
	return f
}

func (p probes) in(f []byte) bool {
	if len(f) != bloomBytes {
		return false
	}
	for _, b := range p {
		if f[b/8]&(1<<(b%8)) == 0 {
			return false
		}
	}
	return true
}

// bloomQuery is a query's probes.
type bloomQuery struct {
	words []probes
	ref   *probes
}

func (q query) probes(k *crypto.SearchKey) bloomQuery {
	var bq bloomQuery
	for _, w := range q.words {
		bq.words = append(bq.words, termProbes(k, w))
	}
	if q.ref != "" {
		p := termProbes(k, refPrefix+q.ref)
		bq.ref = &p
	}
	return bq
}

// candidate says whether a record's filter may answer the query.
func (bq bloomQuery) candidate(f []byte) bool {
	if bq.ref != nil && bq.ref.in(f) {
		return true
	}
	if len(bq.words) == 0 {
		return false
	}
	for _, p := range bq.words {
		if !p.in(f) {
			return false
		}
	}
	return true
}

// SearchResult is what Search found.
type SearchResult struct {
	// Entries are the newest matching records, up to the limit asked for,
	// each confirmed against its decrypted text.
	Entries []Entry
	// Failures are candidates that did not open: shown as refused.
	Failures []Failure
	// Candidates is how many records the index offered, an upper bound
	// on how many match; Opened how many were decrypted to answer.
	Candidates, Opened int
}

// Search finds the newest records of the given kinds (the default kinds
// when none are given) whose text holds every word of text, or whose
// customer reference is text, and returns up to limit of them, newest
// first. It decrypts only candidates the blind index offers, newest first,
// until limit are confirmed; records not yet indexed (saved or pulled
// since) are indexed first.
func (v *Vault) Search(ctx context.Context, text string, limit int, kinds ...crypto.Kind) (SearchResult, error) {
	var res SearchResult
	q := parseQuery(text)
	if q.empty() || limit <= 0 {
		return res, nil
	}
	if v.search == nil {
		return res, errors.New("search: no search key could be derived from this identity")
	}
	v.idx.mu.Lock()
	defer v.idx.mu.Unlock()
	if err := v.indexPendingLocked(ctx); err != nil {
		return res, err
	}
	want := wantKinds(kinds)
	bq := q.probes(v.search)
	var cands []store.SearchRow
	for _, r := range v.idx.rows {
		if want(r.Kind) && bq.candidate(r.Bloom) {
			cands = append(cands, store.SearchRow{Seq: r.Seq, Kind: r.Kind, Created: r.Created})
		}
	}
	res.Candidates = len(cands)
	slices.SortFunc(cands, func(a, b store.SearchRow) int {
		return newestFirst(store.Envelope{Created: a.Created, Seq: a.Seq}, store.Envelope{Created: b.Created, Seq: b.Seq})
	})
	// Open candidates a page at a time until limit are confirmed.
	for len(cands) > 0 && len(res.Entries) < limit {
		page := cands[:min(len(cands), max(limit-len(res.Entries), firstScreenful))]
		cands = cands[len(page):]
		seqs := make([]int64, len(page))
		for i, r := range page {
			seqs[i] = r.Seq
		}
		envs, err := v.st.EnvelopesBySeq(ctx, seqs)
		if err != nil {
			return res, fmt.Errorf("search: %w", err)
		}
		slices.SortFunc(envs, newestFirst)
		results := make([]opened, len(envs))
		v.openAll(ctx, envs, results)
		if err := ctx.Err(); err != nil {
			return res, err
		}
		res.Opened += len(envs)
		for _, r := range results {
			switch {
			case r.fail != nil:
				res.Failures = append(res.Failures, *r.fail)
			case r.skip:
			case len(res.Entries) < limit && q.matchTerms(RecordTerms(r.entry.Body)):
				res.Entries = append(res.Entries, r.entry)
			}
		}
	}
	return res, nil
}

// IndexPending indexes every stored record that has no index row yet:
// records saved here, or pulled, since the last index. A record whose key
// is remembered costs symmetric work only. A record this person cannot
// read gets an empty filter, never a candidate; one that fails its checks
// gets no row and is tried again when the vault is next opened (and shown
// as refused by whatever lists it).
func (v *Vault) IndexPending(ctx context.Context) error {
	if v.search == nil {
		return nil
	}
	v.idx.mu.Lock()
	defer v.idx.mu.Unlock()
	return v.indexPendingLocked(ctx)
}

// searchCache is the index rows in memory: read from the store once, at
// the first search, then kept up to date as rows are written, so a search
// tests filters in memory (at 100,000 records, reading 51 MB of rows from
// SQLite at each search took over a second). It holds keyed filters only,
// the same as the disk.
type searchCache struct {
	mu     sync.Mutex
	loaded bool
	upTo   int64         // every envelope up to this Seq has been looked at
	at     map[int64]int // Seq -> position in rows
	rows   []store.SearchRow
	kinds  map[string]string // one copy of each kind's name
}

// addLocked takes rows into the cache; the caller holds mu.
func (c *searchCache) addLocked(rows []store.SearchRow) {
	for _, r := range rows {
		if k, ok := c.kinds[r.Kind]; ok {
			r.Kind = k
		} else {
			c.kinds[r.Kind] = r.Kind
		}
		if i, ok := c.at[r.Seq]; ok {
			c.rows[i] = r
			continue
		}
		c.at[r.Seq] = len(c.rows)
		c.rows = append(c.rows, r)
	}
}

// offer takes rows just written into the cache, if it is loaded.
func (c *searchCache) offer(rows []store.SearchRow) {
	if len(rows) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.loaded {
		c.addLocked(rows)
	}
}

// indexPendingLocked loads the cache if need be and indexes what came
// since; the caller holds v.idx.mu.
func (v *Vault) indexPendingLocked(ctx context.Context) error {
	wasLoaded := v.idx.loaded
	if !v.idx.loaded {
		v.idx.at, v.idx.rows, v.idx.kinds, v.idx.upTo = map[int64]int{}, nil, map[string]string{}, 0
		for r, err := range v.st.SearchRows(ctx) {
			if err != nil {
				return fmt.Errorf("search: %w", err)
			}
			v.idx.addLocked([]store.SearchRow{r})
		}
		v.idx.loaded = true
	}
	seqs, last, err := v.st.Unindexed(ctx, v.idx.upTo)
	if err != nil {
		return fmt.Errorf("index records: %w", err)
	}
	// Rows written with their envelopes since the cache last looked (a
	// pull that opened each record on its way in: Envelope.Index) were
	// not offered to it: take them from the store. Read after Unindexed,
	// so that every row it counted as there (up to last) is seen.
	if wasLoaded {
		for r, err := range v.st.SearchRowsAfter(ctx, v.idx.upTo) {
			if err != nil {
				return fmt.Errorf("search: %w", err)
			}
			v.idx.addLocked([]store.SearchRow{r})
		}
	}
	want := wantKinds(nil)
	for len(seqs) > 0 {
		part := seqs[:min(len(seqs), rememberBatch)]
		seqs = seqs[len(part):]
		envs, err := v.st.EnvelopesBySeq(ctx, part)
		if err != nil {
			return fmt.Errorf("index records: %w", err)
		}
		envs = slices.DeleteFunc(envs, func(e store.Envelope) bool { return !want(e.Kind) })
		results := make([]opened, len(envs))
		v.openAll(ctx, envs, results)
		if err := ctx.Err(); err != nil {
			return err
		}
		v.idx.addLocked(v.remember(ctx, envs, results))
	}
	v.idx.upTo = last
	return nil
}
