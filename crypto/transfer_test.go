package crypto

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"filippo.io/age"
)

// A file sealed for transfer opens with the receiving DSL's key alone,
// with the Go library and (AGE_BIN) the standard age tool; keys of both
// kinds work; anything else is refused in words.
func TestSealForTransfer(t *testing.T) {
	hybrid, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}
	classic, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte(`{"customer_reference":"CUS-7","records":[]}`)
	for _, c := range []struct {
		name string
		pub  string
		id   age.Identity
		file string
	}{
		{"post-quantum hybrid", hybrid.Recipient().String(), hybrid, hybrid.String()},
		{"classic X25519", classic.Recipient().String(), classic, classic.String()},
	} {
		t.Run(c.name, func(t *testing.T) {
			sealed, err := SealForTransfer(" "+c.pub+"\n", plain)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(sealed, plain) {
				t.Fatal("the plaintext is in the sealed file")
			}
			r, err := age.Decrypt(bytes.NewReader(sealed), c.id)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(r)
			if !bytes.Equal(got, plain) {
				t.Fatal("opened to something else")
			}
			ageBin := os.Getenv("AGE_BIN")
			if ageBin == "" {
				t.Log("AGE_BIN is not set: the standard age tool is not run here")
				return
			}
			dir := t.TempDir()
			f, key := filepath.Join(dir, "file.age"), filepath.Join(dir, "key.txt")
			if err := os.WriteFile(f, sealed, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(key, []byte(c.file+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(ageBin, "-d", "-i", key, f).Output()
			if err != nil || !bytes.Equal(out, plain) {
				t.Fatalf("age -d: %v %q", err, out)
			}
		})
	}
	if _, err := SealForTransfer("ssh-ed25519 AAAA", plain); !errors.Is(err, ErrTransferRecipient) {
		t.Errorf("not an age key: %v", err)
	}
}

// Issue 16: a tombstone is taken only when signed by a DSL, in their own
// name, with a key valid and not revoked when they approved it; a changed
// byte, an outsider or a practitioner is refused.
func TestVerifyTombstone(t *testing.T) {
	f := newFixture(t)
	at := fixedNow.Add(-time.Hour)
	tomb := func(approvedBy string, when time.Time) Tombstone {
		return Tombstone{RecordID: "ses-1", Kind: KindSessionRecord, Envelopes: []string{"ses-1", "add-1"}, Made: at.AddDate(-6, 0, 0),
			Due: at.AddDate(0, 0, -1), DecisionID: "dec-1", ApprovedBy: approvedBy, ApprovedAt: when}
	}
	sign := func(id *Identity, tb Tombstone) []byte {
		b, err := SignTombstone(id, tb)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	good := sign(f.ids["dana"], tomb("dana", at))
	var st signedTombstone
	if err := json.Unmarshal(good, &st); err != nil {
		t.Fatal(err)
	}
	st.Body = bytes.Replace(st.Body, []byte(`"ses-1"`), []byte(`"ses-9"`), 1)
	st.Body = bytes.Replace(st.Body, []byte(`["ses-1"`), []byte(`["ses-9"`), 1)
	tampered, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		b    []byte
		want error
	}{
		{"a DSL's tombstone", good, nil},
		{"a changed byte", tampered, ErrTombstone},
		{"Annex 1 a practitioner's", sign(f.ids["alice"], tomb("alice", at)), ErrTombstoneNotDSL},
		{"a line manager's", sign(f.ids["mike"], tomb("mike", at)), ErrTombstoneNotDSL},
		{"a DSL's key naming another DSL", sign(f.ids["dana"], tomb("leo", at)), ErrTombstone},
		{"someone outside the directory", sign(f.outsider, tomb("dana", at)), ErrUnknownSigner},
		{"a DSL whose key was revoked before approving", sign(f.ids["leo"], tomb("leo", leoRevokedAt.Add(time.Minute))), ErrRevokedSigner},
		{"not a tombstone", []byte(`{"body":"e30=","sig":""}`), ErrTombstone},
	}
	for _, c := range cases {
		got, err := VerifyTombstone(c.b, f.v2)
		if c.want == nil {
			if err != nil || got.RecordID != "ses-1" || len(got.Envelopes) != 2 || got.Signer != f.ids["dana"].KeyID() {
				t.Errorf("%s: %+v %v", c.name, got, err)
			}
			continue
		}
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := SignTombstone(f.ids["dana"], Tombstone{RecordID: "ses-1", Kind: KindSessionRecord, Envelopes: []string{"other"}, DecisionID: "d", ApprovedBy: "dana", ApprovedAt: at}); !errors.Is(err, ErrTombstone) {
		t.Errorf("a tombstone not naming its own record among its envelopes: %v", err)
	}
}
