//go:build windows

package crypto

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"
)

// credentialBlobLimit is the most a Windows Credential Manager entry holds
// (CRED_MAX_CREDENTIAL_BLOB_SIZE, 5 × 512 bytes); go-keyring refuses a
// longer secret with ErrSetDataTooBig before Windows sees it.
const credentialBlobLimit = 2560

// TestWindowsCredentialManager keeps identities in the real Windows
// Credential Manager (advapi32 CredWrite/CredRead/CredDelete, through
// go-keyring and wincred). Other tests in this binary install go-keyring's
// mock, which cannot be undone, so the real test runs in a fresh copy of
// this binary, as TestSecretServiceIntegration does on Linux.
func TestWindowsCredentialManager(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestWindowsCredentialManagerChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "COMPANION_WINCRED_CHILD=1")
	out, err := cmd.CombinedOutput()
	t.Logf("child:\n%s", out)
	if err != nil {
		t.Fatalf("real Credential Manager test failed: %v", err)
	}
	if !bytes.Contains(out, []byte("--- PASS: TestWindowsCredentialManagerChild")) {
		t.Fatalf("child test did not run")
	}
}

func TestWindowsCredentialManagerChild(t *testing.T) {
	if os.Getenv("COMPANION_WINCRED_CHILD") != "1" {
		t.Skip("only runs as the child of TestWindowsCredentialManager")
	}
	if err := ProbeKeyring(DefaultProbeTimeout); err != nil {
		t.Fatalf("the Credential Manager refused the probe: %v", err)
	}
	keystoreContract(t, KeyringStore{})

	// The largest identity the app keeps: every identity is one hybrid
	// (ML-KEM-768 + X25519) age identity and one Ed25519 seed, so the
	// stored form has one length; take the longest of a few to be sure.
	var largest *Identity
	for range 8 {
		id, err := GenerateIdentity()
		if err != nil {
			t.Fatal(err)
		}
		if largest == nil || len(id.marshalSecret()) > len(largest.marshalSecret()) {
			largest = id
		}
	}
	size := len(largest.marshalSecret())
	t.Logf("an identity is %d bytes in the Credential Manager (the limit is %d)", size, credentialBlobLimit)
	if size > credentialBlobLimit {
		t.Fatalf("an identity is %d bytes, more than the Credential Manager's %d-byte limit: "+
			"store it split across entries or in the passphrase file", size, credentialBlobLimit)
	}
	name := largest.KeyID().String()
	if err := (KeyringStore{}).Store(name, largest); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { (KeyringStore{}).Delete(name) })
	got, err := (KeyringStore{}).Load(name)
	if err != nil {
		t.Fatal(err)
	}
	if !sameIdentity(got, largest) {
		t.Fatal("the identity read back from the Credential Manager differs")
	}

	// The limit itself: a secret of exactly the limit round-trips, one byte
	// more is refused with go-keyring's error, not truncated.
	full := strings.Repeat("k", credentialBlobLimit)
	if err := keyring.Set(KeyringService, "limit-probe", full); err != nil {
		t.Fatalf("a %d-byte secret: %v", credentialBlobLimit, err)
	}
	defer keyring.Delete(KeyringService, "limit-probe")
	if back, err := keyring.Get(KeyringService, "limit-probe"); err != nil || back != full {
		t.Fatalf("a %d-byte secret came back as %d bytes: %v", credentialBlobLimit, len(back), err)
	}
	if err := keyring.Set(KeyringService, "limit-probe", full+"k"); !errors.Is(err, keyring.ErrSetDataTooBig) {
		t.Fatalf("a %d-byte secret: %v, want ErrSetDataTooBig", credentialBlobLimit+1, err)
	}
}
