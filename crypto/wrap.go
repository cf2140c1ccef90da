package crypto

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"filippo.io/age"
)

// allRecipients presents a record's recipients to age.Encrypt as one, so
// that their key encapsulations (an ML-KEM-768 + X25519 encapsulation
// each, nearly all of a seal's cost) run on every core instead of one after
// another: a save to three recipients on two cores takes about half the
// time (issue 4). The file it makes is the one age would make with the
// recipients passed separately: the same stanzas, in the same order, which
// Opener relies on (one stanza per header recipient, in header order).
type allRecipients []age.Recipient

func (rs allRecipients) Wrap(fileKey []byte) ([]*age.Stanza, error) {
	s, _, err := rs.WrapWithLabels(fileKey)
	return s, err
}

// WrapWithLabels wraps fileKey to every recipient and returns their
// stanzas in order. Like age, it refuses recipients whose labels differ (a
// classical key beside post-quantum ones would undo their protection).
func (rs allRecipients) WrapWithLabels(fileKey []byte) ([]*age.Stanza, []string, error) {
	stanzas := make([][]*age.Stanza, len(rs))
	labels := make([][]string, len(rs))
	errs := make([]error, len(rs))
	wrap := func(i int) { stanzas[i], labels[i], errs[i] = wrapWithLabels(rs[i], fileKey) }
	if len(rs) > 1 && runtime.GOMAXPROCS(0) > 1 {
		var wg sync.WaitGroup
		for i := 1; i < len(rs); i++ {
			wg.Go(func() { wrap(i) })
		}
		wrap(0)
		wg.Wait()
	} else {
		for i := range rs {
			wrap(i)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	for i := 1; i < len(labels); i++ {
		if !sameLabels(labels[0], labels[i]) {
			return nil, nil, fmt.Errorf("%w: recipients of different kinds (post-quantum and classical) cannot be mixed", ErrMalformed)
		}
	}
	var first []string
	if len(labels) > 0 {
		first = labels[0]
	}
	return slices.Concat(stanzas...), first, nil
}

func wrapWithLabels(r age.Recipient, fileKey []byte) ([]*age.Stanza, []string, error) {
	if r, ok := r.(age.RecipientWithLabels); ok {
		return r.WrapWithLabels(fileKey)
	}
	s, err := r.Wrap(fileKey)
	return s, nil, err
}

// sameLabels compares label sets as age does: order does not matter.
func sameLabels(a, b []string) bool {
	a, b = slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b))
	return slices.Equal(a, b)
}
