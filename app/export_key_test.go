package app

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"filippo.io/age"

	"safeguard/companion/crypto"
)

// TestKeyExportIsOwnerOnlyAndNeverOverwrites is issue 14 §4: "Export my key
// writes with owner-only permissions and never overwrites silently". The
// save dialog would create the file readable by others and replace an
// existing one; the export creates it itself.
func TestKeyExportIsOwnerOnlyAndNeverOverwrites(t *testing.T) {
	id, err := crypto.GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	folder := t.TempDir()
	export := func(w io.Writer) error {
		return crypto.ExportIdentity(w, id.AgeIdentity(), "correct horse battery staple")
	}
	path, err := writeKeyExport(folder, export)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("exported key file mode %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	first, _ := os.ReadFile(path)
	// The file opens with the passphrase, as the age tool would open it.
	r, err := age.NewScryptIdentity("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	dec, err := age.Decrypt(bytes.NewReader(first), r)
	if err != nil {
		t.Fatal(err)
	}
	if plain, _ := io.ReadAll(dec); !bytes.Contains(plain, []byte("AGE-SECRET-KEY-PQ-")) {
		t.Error("the exported file holds no age identity")
	}

	// Again into the same folder: refused in words, the first file intact.
	_, err = writeKeyExport(folder, export)
	if !errors.Is(err, errKeyExportExists) || !strings.Contains(err.Error(), "choose another folder") {
		t.Fatalf("a second export into the same folder: %v", err)
	}
	if again, _ := os.ReadFile(path); !bytes.Equal(again, first) {
		t.Error("the existing key file was changed")
	}
}
