package crypto

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"filippo.io/age"
)

// TestRecipientsWithSubject: a review naming the reviewed practitioner goes
// to the reviewer, that practitioner and their line managers; a DSL's later
// version of an incident naming its raiser goes to the DSL, every DSL and
// the raiser; always the recovery key last, author first, every key once,
// never a revoked key.
func TestRecipientsWithSubject(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name            string
		kind            Kind
		author, subject string
		dir             *Directory
		want            []string
	}{
		{"manager reviews own report", KindReview, "mike", "alice", f.v2, []string{"mike", "alice", "recovery"}},
		{"another team's manager reviews", KindReview, "nina", "alice", f.v2, []string{"nina", "alice", "mike", "recovery"}},
		{"DSL reviews", KindReview, "dana", "eve", f.v2, []string{"dana", "eve", "nina", "recovery"}},
		{"review naming its author", KindReview, "mike", "mike", f.v2, []string{"mike", "recovery"}},
		{"no subject: as before", KindReview, "mike", "", f.v2, []string{"mike", "recovery"}},
		{"DSL's later step", KindIncident, "dana", "alice", f.v2, []string{"dana", "alice", "recovery"}},
		{"DSL's later step, leo current", KindIncident, "dana", "alice", f.v1, []string{"dana", "leo", "alice", "recovery"}},
		{"raiser is a DSL", KindIncident, "leo", "dana", f.v1, []string{"leo", "dana", "recovery"}},
		{"raiser revoked since", KindIncident, "dana", "leo", f.v2, []string{"dana", "recovery"}},
		{"reviewed practitioner's manager", KindReview, "dana", "bob", f.v2, []string{"dana", "bob", "mike", "recovery"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, err := tt.dir.RecipientsFor(tt.kind, tt.author, tt.subject, fixedNow)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			seen := map[KeyID]bool{}
			for _, r := range rs {
				if seen[r.KeyID] {
					t.Errorf("key %s listed twice", r.KeyID)
				}
				seen[r.KeyID] = true
				if _, revoked := tt.dir.RevokedAt(r.KeyID); revoked {
					t.Errorf("revoked key %s listed", r.KeyID)
				}
				if r.PersonID == "" {
					got = append(got, "recovery")
				} else {
					got = append(got, r.PersonID)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("recipients = %v, want %v", got, tt.want)
			}
		})
	}
	for _, k := range []Kind{KindSessionRecord, KindAddendum, KindDraft} {
		if _, err := f.v2.RecipientsFor(k, "alice", "bob", fixedNow); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s with a subject: got %v, want ErrMalformed", k, err)
		}
	}
	if _, err := f.v2.RecipientsFor(KindReview, "mike", "nobody", fixedNow); !errors.Is(err, ErrMalformed) {
		t.Errorf("unknown subject: got %v, want ErrMalformed", err)
	}
	if _, err := Seal(f.ids["mike"], f.v2, Record{ID: "r", Kind: KindReview, Created: fixedNow, Subject: "nobody", Body: []byte("x")}); !errors.Is(err, ErrMalformed) {
		t.Errorf("Seal with unknown subject: got %v", err)
	}
}

// TestRoundTripSubject seals reviews and later incident versions naming a
// subject and checks exactly who can open them, through Open and through
// age itself (so the exclusion is cryptographic, not only the header's
// routing), and that the subject comes back out.
func TestRoundTripSubject(t *testing.T) {
	f := newFixture(t)
	readers := map[string]age.Identity{"recovery": f.recovery, "outsider": f.outsider}
	for id, ident := range f.ids {
		readers[id] = ident
	}
	tests := []struct {
		kind            Kind
		author, subject string
		canOpen         []string
	}{
		{KindReview, "mike", "alice", []string{"mike", "alice", "recovery"}},
		{KindReview, "nina", "bob", []string{"nina", "bob", "mike", "recovery"}},
		{KindIncident, "dana", "eve", []string{"dana", "eve", "recovery"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind)+"/"+tt.author+"/about-"+tt.subject, func(t *testing.T) {
			rec := record("rec-"+string(tt.kind), tt.kind, "countersigned; follow-up agreed")
			rec.Subject = tt.subject
			rec.ParentID, rec.ParentHash = "rec-parent", EnvelopeHash([]byte("parent"))
			env := f.seal(t, tt.author, f.v2, rec)
			e, err := ParseEnvelope(env)
			if err != nil {
				t.Fatal(err)
			}
			for name, reader := range readers {
				got, err := Open(env, f.v2, reader)
				_, ageErr := age.Decrypt(bytes.NewReader(e.Ciphertext()), reader)
				if slices.Contains(tt.canOpen, name) {
					if err != nil || ageErr != nil {
						t.Errorf("%s cannot open: %v / age: %v", name, err, ageErr)
						continue
					}
					if got.Subject != tt.subject || got.Author.ID != tt.author || got.Hash != EnvelopeHash(env) {
						t.Errorf("%s: subject %q author %s hash %s", name, got.Subject, got.Author.ID, got.Hash)
					}
					continue
				}
				if !errors.Is(err, ErrNotRecipient) || got != nil {
					t.Errorf("%s: got (%v, %v), want ErrNotRecipient", name, got, err)
				}
				var noMatch *age.NoIdentityMatchError
				if !errors.As(ageErr, &noMatch) {
					t.Errorf("%s: age itself: %v, want no identity match", name, ageErr)
				}
			}
		})
	}
}

// opaque hides an identity's type, so the Opener cannot tell its key id.
type opaque struct{ age.Identity }

// TestOpenerReaders: an Opener finds the reader's own stanza whatever form
// the identity takes, and falls back to trying every stanza when it cannot
// tell which is the reader's.
func TestOpenerReaders(t *testing.T) {
	f := newFixture(t)
	env := f.seal(t, "alice", f.v2, record("rec-1", KindSessionRecord, "body"))
	for name, r := range map[string]age.Identity{
		"identity":          f.ids["mike"],
		"age half":          f.ids["mike"].AgeIdentity(),
		"recovery":          f.recovery,
		"opaque manager":    opaque{f.ids["mike"]},
		"opaque recovery":   opaque{f.recovery},
		"outsider, manager": f.outsider, // one of several readers opens it
	} {
		ids := []age.Identity{r}
		if name == "outsider, manager" {
			ids = append(ids, f.ids["mike"])
		}
		op := NewOpener(f.v2, ids...)
		for range 2 { // the second time with the reused buffer
			got, err := op.Open(env)
			if err != nil || string(got.Body) != "body" {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
	if _, err := NewOpener(f.v2, opaque{f.outsider}).Open(env); !errors.Is(err, ErrNotRecipient) {
		t.Errorf("opaque outsider: got %v, want ErrNotRecipient", err)
	}
	// The split form opens the same, and refuses a misplaced split.
	b, _ := ParseEnvelope(env)
	ct := len(b.Ciphertext())
	op := NewOpener(f.v2, f.ids["alice"])
	if got, err := op.OpenSplit(env[:len(env)-ct], env[len(env)-ct:]); err != nil || got.Hash != EnvelopeHash(env) {
		t.Errorf("split: %v", err)
	}
	if _, err := op.OpenSplit(env[:len(env)-ct-1], env[len(env)-ct-1:]); !errors.Is(err, ErrMalformed) {
		t.Errorf("misplaced split: got %v, want ErrMalformed", err)
	}
	// A tampered split record is refused like a whole one.
	bad := bytes.Clone(env[len(env)-ct:])
	bad[len(bad)/2] ^= 1
	if _, err := op.OpenSplit(env[:len(env)-ct], bad); !errors.Is(err, ErrCiphertextMismatch) {
		t.Errorf("tampered split: got %v", err)
	}
}
