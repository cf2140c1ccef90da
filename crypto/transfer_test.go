package crypto

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

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
