package vault

import (
	"errors"

	"safeguard/companion/crypto"
	"safeguard/companion/store"
)

// PulledOpener returns a function that opens a record sync has just
// pulled and checked (crypto.Check, against dir), on the calling goroutine,
// and sets on e what the store keeps beside it so that it is never opened
// the full way again: its file key sealed by the vault's key cache, and its
// row of the blind search index. The signature is not checked a second
// time: the check's mark is carried in memory from the pull to here, never
// read from disk (crypto.Checked). A record this person cannot read gets an
// empty index row, as Open gives it; one that does not open gets neither,
// and is opened, and refused, at Open as before. Nothing decrypted is kept.
//
// Each goroutine takes its own function (it holds a crypto.Opener). The
// sync engine calls it (client.Rememberer); RememberKeys then finds nothing
// left to do for what came in this way.
func (v *Vault) PulledOpener(dir *crypto.Directory) func(*crypto.Checked, *store.Envelope) {
	if v.keys == nil && v.search == nil {
		return func(*crypto.Checked, *store.Envelope) {}
	}
	op := crypto.NewOpener(dir, v.me)
	want := wantKinds(nil)
	return func(c *crypto.Checked, e *store.Envelope) {
		if !want(e.Kind) {
			return
		}
		o, fileKey, err := op.OpenChecked(v.keys, c)
		switch {
		case errors.Is(err, crypto.ErrNotRecipient):
			if v.search != nil {
				// Never a candidate: nothing here to find.
				e.Index = make([]byte, bloomBytes)
			}
		case err != nil:
			return
		default:
			e.FileKey = fileKey
			if v.search != nil {
				e.Index = bloom(v.search, RecordTerms(o.Body))
			}
			clear(o.Body)
		}
	}
}
