package records

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"safeguard/companion/crypto"
	"safeguard/companion/session"
)

// Case is one incident folded to its latest version.
//
// An incident is written once by whoever raised it (the first version, its
// envelope id the incident's id) and then once per DSL action: each later
// version is a new signed envelope naming the version it follows as its
// parent (header ParentID and ParentHash), and its document must extend
// that version's (IncidentDocument.Extends: the chronology only grows).
// The latest version is the one no other version names as parent; if two
// were written from the same version at once, the newer wins and the other
// is kept in Others so that nothing a DSL did is hidden.
type Case struct {
	ID string
	// Latest is the incident as it stands.
	Latest *Item
	// Versions is the chain from the first version to Latest, oldest first.
	Versions []*Item
	// Others are genuine versions not on that chain: written at the same
	// time from the same earlier version as one on it.
	Others []*Item
}

// Doc is the incident as it stands.
func (c *Case) Doc() session.IncidentDocument { return *c.Latest.Incident }

// First is the version the raiser reported.
func (c *Case) First() *Item { return c.Versions[0] }

// Case returns the folded incident with the given incident id.
func (r *Index) Case(id string) (*Case, bool) {
	c, ok := r.cases[id]
	return c, ok
}

// CaseOf returns the case an incident version belongs to, whether or not it
// is the latest.
func (r *Index) CaseOf(it *Item) (*Case, bool) {
	if it == nil || it.Incident == nil || it.Refused != "" {
		return nil, false
	}
	return r.Case(it.Incident.ID)
}

// IsLatest reports whether an item is the latest version of its incident.
func (r *Index) IsLatest(it *Item) bool {
	c, ok := r.CaseOf(it)
	return ok && c.Latest == it
}

// fold groups the incident versions by incident id, checks each version
// against the one it names as parent, and finds each incident's latest
// genuine version. A version that fails a check is refused, with the
// reason in Item.Refused, and so is every version written on top of it: a
// refused record is never shown as genuine (docs/ARCHITECTURE.md, Promises).
func (r *Index) fold() {
	groups := map[string][]*Item{}
	var ids []string
	for _, it := range r.Items {
		if it.Incident == nil {
			continue
		}
		it.Refused = ""
		if _, ok := groups[it.Incident.ID]; !ok {
			ids = append(ids, it.Incident.ID)
		}
		groups[it.Incident.ID] = append(groups[it.Incident.ID], it)
	}
	r.Cases, r.Refused, r.cases = nil, nil, map[string]*Case{}
	for _, id := range ids {
		c, refused := foldCase(id, groups[id], r.byID)
		r.Refused = append(r.Refused, refused...)
		if c != nil {
			r.Cases = append(r.Cases, c)
			r.cases[id] = c
		}
	}
}

func foldCase(id string, versions []*Item, byID map[string]*Item) (*Case, []*Item) {
	state := map[*Item]int{} // 0 unchecked, 1 checking, 2 genuine, 3 refused
	var check func(it *Item) bool
	check = func(it *Item) bool {
		switch state[it] {
		case 1:
			it.Refused = "its versions name each other in a loop"
			return false
		case 2:
			return true
		case 3:
			return false
		}
		state[it] = 1
		err := checkVersion(it, byID, check)
		if err != nil {
			it.Refused = err.Error()
			state[it] = 3
			return false
		}
		state[it] = 2
		return true
	}
	var good, refused []*Item
	for _, it := range versions {
		if check(it) {
			good = append(good, it)
		} else {
			refused = append(refused, it)
		}
	}
	if len(good) == 0 {
		return nil, refused
	}
	parents := map[string]bool{}
	for _, it := range good {
		parents[it.Entry.Header.ParentID] = true
	}
	var heads []*Item
	for _, it := range good {
		if !parents[it.Entry.Header.ID] {
			heads = append(heads, it)
		}
	}
	// Newest first; the id breaks a tie in created time so that every
	// device picks the same one.
	slices.SortFunc(heads, func(a, b *Item) int {
		return cmp.Or(b.Entry.Header.Created.Compare(a.Entry.Header.Created), cmp.Compare(b.Entry.Header.ID, a.Entry.Header.ID))
	})
	c := &Case{ID: id, Latest: heads[0]}
	on := map[*Item]bool{}
	for it := heads[0]; it != nil; {
		c.Versions = append(c.Versions, it)
		on[it] = true
		it = byID[it.Entry.Header.ParentID]
		if it == nil || it.Incident == nil {
			break
		}
	}
	slices.Reverse(c.Versions)
	for _, it := range good {
		if !on[it] {
			c.Others = append(c.Others, it)
		}
	}
	return c, refused
}

// checkVersion checks one incident version against its parent; genuine
// reports (and memoises) whether the parent passed its own checks.
func checkVersion(it *Item, byID map[string]*Item, genuine func(*Item) bool) error {
	h := it.Entry.Header
	d := it.Incident
	if h.ParentID == "" {
		// The first version is the raiser's report, sealed under the
		// incident's own id; the hub writes an id only once, so there can
		// be no second first version.
		if h.ID != d.ID {
			return fmt.Errorf("it claims to be the first report of incident %s but is not filed under that id", d.ID)
		}
		return nil
	}
	parent, ok := byID[h.ParentID]
	switch {
	case !ok:
		return fmt.Errorf("the version it follows (%s) is not on this device, so it cannot be checked yet", h.ParentID)
	case parent.Incident == nil || parent.Incident.ID != d.ID:
		return errors.New("it names a record of another incident as its earlier version")
	case h.ParentHash != parent.Entry.Hash:
		return errors.New("the earlier version it names is not the one it was written on")
	case !genuine(parent):
		return errors.New("the version it follows was refused")
	}
	if err := d.Extends(*parent.Incident); err != nil {
		return fmt.Errorf("it rewrites the incident's history: %w", err)
	}
	// The DSL's side of the flow is for the safeguarding team; the raiser
	// may still add to what they reported. Anyone else is refused.
	first := parent
	for first.Entry.Header.ParentID != "" {
		if p, ok := byID[first.Entry.Header.ParentID]; ok {
			first = p
		} else {
			break
		}
	}
	a := it.Entry.Author
	if a == nil || !(a.HasRole(crypto.RoleDSL) || (first.Entry.Author != nil && first.Entry.Author.ID == a.ID)) {
		return errors.New("it was written by someone who is neither on the safeguarding team nor the person who raised it")
	}
	return nil
}
