// Package records is the reader's index of everything they can read:
// records already verified and decrypted by the vault, decoded by kind and
// cross-referenced (reviews and addenda by the record they belong to), with
// a search text held in memory only, and each incident folded along its
// version chain to the version that stands (chain.go). Screens list and
// filter it; the Board report (package report) is built from its Input.
package records

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"safeguard/companion/crypto"
	"safeguard/companion/report"
	"safeguard/companion/session"
	"safeguard/companion/vault"
)

// Item is one opened record, decoded by kind.
type Item struct {
	Entry vault.Entry
	Doc   *session.Document // a session record
	// Incident is one version of an incident; Index folds the versions
	// (see Case). Only a case's Latest version is the incident as it
	// stands.
	Incident *session.IncidentDocument
	Review   *session.Review // a manager's review of a session record
	Addendum *session.Addendum
	// Figures is a line manager's quarterly session figures, shared with
	// the DSLs (crypto.KindFigures).
	Figures *report.Contribution
	// Refused says why an incident version was refused while folding
	// (see Index.Refused); "" for every other record.
	Refused string
	// search is the record's decrypted text, lower-cased, held in memory
	// only, for the inbox search.
	search string
}

// Kind is the record's kind.
func (it *Item) Kind() crypto.Kind { return it.Entry.Header.Kind }

// Matches reports whether the record's text contains q, which must already
// be lower-case.
func (it *Item) Matches(q string) bool { return q == "" || strings.Contains(it.search, q) }

// Index is everything a person can read, decoded and cross-referenced:
// reviews and addenda by the record they belong to.
type Index struct {
	Items []*Item
	byID  map[string]*Item
	// Reviews and Addenda by parent record id, oldest first.
	Reviews map[string][]session.Review
	Addenda map[string][]session.Addendum
	// Cases are the incidents, each folded to its latest version, in no
	// particular order; Refused are the incident versions that failed the
	// checks of a version chain. Both are rebuilt by fold.
	Cases   []*Case
	Refused []*Item
	cases   map[string]*Case
}

// New decodes opened records. A record whose content does not decode
// is reported and left out, never guessed at.
func New(entries []vault.Entry) (*Index, []error) {
	r := &Index{byID: make(map[string]*Item, len(entries)), Reviews: map[string][]session.Review{}, Addenda: map[string][]session.Addendum{}}
	r.Items = make([]*Item, 0, len(entries))
	return r, r.Append(entries)
}

// Append decodes the next page of a list read newest first (records
// older than every one held) and takes it in: reviews and addenda by the
// record they belong to, incidents folded again. A record already held
// (a search found it first) is not taken twice. A record whose content
// does not decode is reported and left out (issue 18: the inbox pages
// from the store rather than opening everything).
func (r *Index) Append(entries []vault.Entry) []error {
	if r.byID == nil {
		r.byID = map[string]*Item{}
		r.Reviews = map[string][]session.Review{}
		r.Addenda = map[string][]session.Addendum{}
	}
	entries = slices.DeleteFunc(slices.Clone(entries), func(e vault.Entry) bool { _, ok := r.byID[e.Header.ID]; return ok })
	// Decoding is most of the cost (JSON and the search text): do it on
	// every core, then index in order on one.
	items := make([]*Item, len(entries))
	fails := make([]error, len(entries))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(1, len(entries)/decodeChunk)) {
		wg.Go(func() {
			for {
				start := int(next.Add(decodeChunk)) - decodeChunk
				if start >= len(entries) {
					return
				}
				for i := start; i < min(start+decodeChunk, len(entries)); i++ {
					items[i], fails[i] = decode(entries[i])
				}
			}
		})
	}
	wg.Wait()
	// The page's reviews and addenda, in the order opened (newest first);
	// the domain folds them by time, so order only matters for display:
	// oldest first, and this page's before those already held, which are
	// newer.
	reviews := map[string][]session.Review{}
	addenda := map[string][]session.Addendum{}
	var errs []error
	for i, it := range items {
		if fails[i] != nil {
			errs = append(errs, fmt.Errorf("record %s: %w", entries[i].Header.ID, fails[i]))
			continue
		}
		r.Items = append(r.Items, it)
		r.byID[it.Entry.Header.ID] = it
		switch {
		case it.Review != nil:
			reviews[it.Review.ParentID] = append(reviews[it.Review.ParentID], *it.Review)
		case it.Addendum != nil:
			addenda[it.Addendum.ParentID] = append(addenda[it.Addendum.ParentID], *it.Addendum)
		}
	}
	for k, rs := range reviews {
		reverse(rs)
		r.Reviews[k] = append(rs, r.Reviews[k]...)
	}
	for k, as := range addenda {
		reverse(as)
		r.Addenda[k] = append(as, r.Addenda[k]...)
	}
	r.fold()
	return errs
}

// decodeChunk is how many records a decoding worker takes at a time.
const decodeChunk = 64

func reverse[T any](s []T) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

// Add takes in a record made on this device after the others were opened
// (a review just signed), so screens need not reopen everything.
func (r *Index) Add(e vault.Entry) error {
	it, err := decode(e)
	if err != nil {
		return fmt.Errorf("record %s: %w", e.Header.ID, err)
	}
	r.Items = append([]*Item{it}, r.Items...)
	r.add(it)
	if it.Incident != nil {
		r.fold()
	}
	return nil
}

func (r *Index) add(it *Item) {
	if r.byID == nil {
		r.byID = map[string]*Item{}
		r.Reviews = map[string][]session.Review{}
		r.Addenda = map[string][]session.Addendum{}
	}
	r.byID[it.Entry.Header.ID] = it
	switch {
	case it.Review != nil:
		r.Reviews[it.Review.ParentID] = append(r.Reviews[it.Review.ParentID], *it.Review)
	case it.Addendum != nil:
		r.Addenda[it.Addendum.ParentID] = append(r.Addenda[it.Addendum.ParentID], *it.Addendum)
	}
}

// Get returns a record by id.
func (r *Index) Get(id string) (*Item, bool) {
	it, ok := r.byID[id]
	return it, ok
}

func decode(e vault.Entry) (*Item, error) {
	it := &Item{Entry: e}
	var parts []string
	if e.Author != nil {
		parts = append(parts, e.Author.Name)
	}
	switch e.Header.Kind {
	case crypto.KindSessionRecord:
		var d session.Document
		if err := e.Decode(&d); err != nil {
			return nil, err
		}
		it.Doc = &d
		parts = append(parts, d.Plan.Customer.Reference, d.OverrunReason, d.AgreementReason)
		if d.Consent != nil {
			parts = append(parts, d.Consent.NoConsentReason)
		}
		if d.Record != nil {
			parts = append(parts, d.Record.Summary, d.Record.Concerns)
			for _, a := range d.Record.Actions {
				parts = append(parts, a.Who, a.What)
			}
		}
		for _, m := range d.Markers {
			parts = append(parts, m.Kind.Label(), m.ExactWords, m.Note)
		}
	case crypto.KindIncident:
		var d session.IncidentDocument
		if err := e.Decode(&d); err != nil {
			return nil, err
		}
		if d.ID == "" || len(d.Chronology) == 0 {
			return nil, errors.New("not an incident document: it has no id or chronology")
		}
		it.Incident = &d
		// The whole payload is searchable: the incident flow owns its shape.
		parts = append(parts, d.Subject.Reference, string(e.Body))
	case crypto.KindReview:
		var rv session.Review
		if err := e.Decode(&rv); err != nil {
			return nil, err
		}
		it.Review = &rv
		parts = append(parts, rv.Action.Label(), rv.Text)
		if rv.FollowUp != nil {
			parts = append(parts, rv.FollowUp.Who, rv.FollowUp.What)
		}
	case crypto.KindAddendum:
		var a session.Addendum
		if err := e.Decode(&a); err != nil {
			return nil, err
		}
		it.Addendum = &a
		parts = append(parts, a.Text)
	case crypto.KindFigures:
		var c report.Contribution
		if err := e.Decode(&c); err != nil {
			return nil, err
		}
		if err := c.Check(); err != nil {
			return nil, err
		}
		it.Figures = &c
	}
	it.search = strings.ToLower(strings.Join(parts, "\n"))
	// The payload is decoded: an item does not hold its JSON as well
	// (issue 18: at 100,000 records the bodies alone are hundreds of MB).
	it.Entry.Body = nil
	return it, nil
}

// Input gathers the report's input from the records: the session records,
// each incident as its latest genuine version, and the session figures
// managers shared (report.SharedFacts decides which count). pack names the
// incident types and routes.
func (r *Index) Input(pack *session.Pack) report.Input {
	in := report.Input{Pack: pack}
	var received []report.Received
	for _, it := range r.Items {
		switch {
		case it.Doc != nil:
			in.Sessions = append(in.Sessions, *it.Doc)
		case it.Figures != nil && it.Entry.Author != nil:
			received = append(received, report.Received{From: it.Entry.Author.ID, Figures: *it.Figures})
		}
	}
	for _, c := range r.Cases {
		in.Incidents = append(in.Incidents, c.Doc())
	}
	loc := time.UTC
	if pack != nil {
		loc = pack.Location()
	}
	in.Shared = report.SharedFacts(received, loc)
	return in
}
