package app

import (
	"context"
	"strings"

	"fyne.io/fyne/v2/widget"

	"safeguard/companion/vault"
)

// Words typed in a box whose action is a signed act of its own (a review's
// comment or follow-up is signed when added, and so is each of the DSL's
// case actions, so none can be saved as it is typed) are kept, by record
// and box, until the act is done: a screen drawn again after another
// action (Countersign), Escalate then Back, leaving for the list and coming
// back, or closing the app and opening it again finds them still there
// (issue 20 item 2). They are sealed to the person alone as they are typed
// and saved beside their record (vault.SaveKeptWords), so they go when the
// act is done (forget) and when the record is disposed of; nothing
// readable reaches the disk.
//
// A key is "kind:record:box" (review:<record id>:comment); the words of one
// record are saved together.

// keptWords is what is kept, and the saves under way.
type keptWords struct {
	*shell
	words map[string]string
	// saving is the records with a save under way; again, those with a
	// change since it began, saved once it ends (one save at a time for a
	// record, so they land in order).
	saving, again map[string]bool
}

func newKeptWords(sh *shell) *keptWords {
	return &keptWords{shell: sh, words: map[string]string{}, saving: map[string]bool{}, again: map[string]bool{}}
}

// keep makes e hold, and go on keeping, the words typed under key; with
// none kept, e keeps what it was given (a time that defaults to now).
func (k *keptWords) keep(key string, e *widget.Entry) {
	if s, ok := k.words[key]; ok {
		e.SetText(s)
	}
	e.OnChanged = func(s string) { k.setKept(key, s) }
}

// keepChoice is keep for a choice (a radio group): the option chosen.
func (k *keptWords) keepChoice(key string, r *widget.RadioGroup) {
	if s, ok := k.words[key]; ok {
		r.SetSelected(s)
	}
	was := r.OnChanged
	r.OnChanged = func(s string) {
		k.setKept(key, s)
		if was != nil {
			was(s)
		}
	}
}

// kept is what is kept under key.
func (k *keptWords) kept(key string) (string, bool) {
	s, ok := k.words[key]
	return s, ok
}

// setKept keeps s under key (nothing, for none) and saves its record's
// words.
func (k *keptWords) setKept(key, s string) {
	if k.words[key] == s {
		return
	}
	if s == "" {
		delete(k.words, key)
	} else {
		k.words[key] = s
	}
	k.saveKept(keptRecord(key))
}

// forget drops the words kept under keys, once their act is done.
func (k *keptWords) forget(keys ...string) {
	records := map[string]bool{}
	for _, key := range keys {
		if _, ok := k.words[key]; ok {
			delete(k.words, key)
			records[keptRecord(key)] = true
		}
	}
	for r := range records {
		k.saveKept(r)
	}
}

// keptRecord is the record a key is about.
func keptRecord(key string) string {
	parts := strings.SplitN(key, ":", 3)
	if len(parts) < 3 {
		return key
	}
	return parts[1]
}

// saveKept saves the words kept for record as they stand, one save at a
// time: keystrokes typed while one is saved make one more save, not one
// each.
func (k *keptWords) saveKept(record string) {
	v := k.cfg.Vault
	if v == nil {
		return
	}
	if k.saving[record] {
		k.again[record] = true
		return
	}
	k.saving[record] = true
	words := map[string]string{}
	for key, s := range k.words {
		if keptRecord(key) == record {
			words[key] = s
		}
	}
	k.background(func(ctx context.Context) error {
		return v.SaveKeptWords(ctx, vault.KeptWords{RecordID: record, Words: words})
	}, func(error) {
		k.saving[record] = false
		if k.again[record] {
			k.again[record] = false
			k.saveKept(record)
		}
	})
}

// loadKeptWords reads the words kept when the app was last open; words
// typed meanwhile are not overwritten.
func (k *keptWords) loadKeptWords() {
	v := k.cfg.Vault
	if v == nil {
		return
	}
	var all []vault.KeptWords
	k.background(func(ctx context.Context) error {
		var err error
		all, err = v.AllKeptWords(ctx)
		return err
	}, func(error) {
		for _, r := range all {
			for key, s := range r.Words {
				if _, ok := k.words[key]; !ok && keptRecord(key) == r.RecordID {
					k.words[key] = s
				}
			}
		}
	})
}
