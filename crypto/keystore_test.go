package crypto

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
	"safeguard/companion/testclock"
)

// Tests in this file that call keyring.MockInit replace go-keyring's
// process-wide provider, so they are not parallel, and the real Secret
// Service test runs in a child process where no mock was ever installed.

func sameIdentity(a, b *Identity) bool {
	return a.KeyID() == b.KeyID() && bytes.Equal(a.marshalSecret(), b.marshalSecret())
}

// keystoreContract is what any Keystore must do.
func keystoreContract(t *testing.T, ks Keystore) {
	t.Helper()
	id, err := GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	name := id.KeyID().String()
	if _, err := ks.Load(name); !errors.Is(err, ErrKeyNotFound) {
		t.Fatalf("Load before Store: %v, want ErrKeyNotFound", err)
	}
	if err := ks.Store(name, id); err != nil {
		t.Fatal(err)
	}
	got, err := ks.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	if !sameIdentity(got, id) {
		t.Fatalf("loaded identity differs from stored")
	}
	if err := ks.Delete(name); err != nil {
		t.Fatal(err)
	}
	if _, err := ks.Load(name); !errors.Is(err, ErrKeyNotFound) {
		t.Fatalf("Load after Delete: %v", err)
	}
	if err := ks.Delete(name); !errors.Is(err, ErrKeyNotFound) {
		t.Fatalf("second Delete: %v", err)
	}
	for _, bad := range []string{"", "../escape", "a/b", ".hidden", strings.Repeat("x", 200)} {
		if err := ks.Store(bad, id); err == nil {
			t.Errorf("name %q accepted", bad)
		}
	}
}

func TestKeyringStoreMock(t *testing.T) {
	keyring.MockInit()
	keystoreContract(t, KeyringStore{})
}

func TestKeyringStoreCorruptEntry(t *testing.T) {
	keyring.MockInit()
	if err := keyring.Set(KeyringService, "k", "not an identity"); err != nil {
		t.Fatal(err)
	}
	if _, err := (KeyringStore{}).Load("k"); !errors.Is(err, ErrMalformed) {
		t.Errorf("corrupt entry: %v", err)
	}
}

func TestProbeKeyring(t *testing.T) {
	keyring.MockInit()
	if err := ProbeKeyring(time.Second); err != nil {
		t.Errorf("working keyring: %v", err)
	}
	// The messages go-keyring gives on Linux without a Secret Service
	// (docs/ARCHITECTURE.md, "Running one package's tests").
	for _, msg := range []string{
		`exec: "dbus-launch": executable file not found in $PATH`,
		`The name org.freedesktop.secrets was not provided by any .service files`,
		`failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'`,
	} {
		keyring.MockInitWithError(errors.New(msg))
		err := ProbeKeyring(time.Second)
		if !errors.Is(err, ErrNoKeyring) {
			t.Errorf("%q: got %v, want ErrNoKeyring", msg, err)
		}
	}
}

func TestChooseKeystoreFallsBack(t *testing.T) {
	keyring.MockInitWithError(errors.New(`exec: "dbus-launch": executable file not found in $PATH`))
	var shown string
	ks, err := ChooseKeystore(t.TempDir(), time.Second, func(explanation string) (string, error) {
		shown = explanation
		return "correct horse battery staple", nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ks.(*FileKeystore); !ok {
		t.Fatalf("got %T, want *FileKeystore", ks)
	}
	if shown != FallbackExplanation {
		t.Errorf("the first-run explanation was not shown")
	}

	keyring.MockInit()
	ks, err = ChooseKeystore(t.TempDir(), time.Second, func(string) (string, error) {
		t.Error("asked for a passphrase although the keyring works")
		return "", errors.New("no")
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ks.(KeyringStore); !ok {
		t.Fatalf("got %T, want KeyringStore", ks)
	}
}

func newTestFileKeystore(t *testing.T, dir, pass string) *FileKeystore {
	t.Helper()
	ks, err := NewFileKeystore(dir, pass)
	if err != nil {
		t.Fatal(err)
	}
	ks.SetWorkFactor(10) // fast for tests; production keeps age's default
	return ks
}

func TestFileKeystore(t *testing.T) {
	dir := t.TempDir()
	keystoreContract(t, newTestFileKeystore(t, dir, "correct horse battery staple"))

	ks := newTestFileKeystore(t, dir, "correct horse battery staple")
	id, _ := GenerateIdentity()
	if err := ks.Store("me", id); err != nil {
		t.Fatal(err)
	}
	// Never a plaintext key on disk (Trust model): the file is an age file
	// and contains neither secret.
	raw, err := os.ReadFile(filepath.Join(dir, "me.age"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(raw, []byte("age-encryption.org/v1\n-> scrypt ")) {
		t.Errorf("key file is not a passphrase-protected age file")
	}
	if bytes.Contains(raw, []byte("AGE-SECRET-KEY")) || bytes.Contains(raw, []byte(identityMagic)) {
		t.Errorf("key file contains plaintext key material")
	}
	// Windows has no Unix permission bits (Go reports 0666 for any file
	// that is not read-only): there the folder under the user's profile,
	// which only they and administrators can open, protects the file.
	if fi, _ := os.Stat(filepath.Join(dir, "me.age")); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("left-over files in key folder: %v", entries)
	}
	wrong := newTestFileKeystore(t, dir, "wrong passphrase")
	if _, err := wrong.Load("me"); !errors.Is(err, ErrWrongPassphrase) {
		t.Errorf("wrong passphrase: %v", err)
	}
	if _, err := NewFileKeystore(dir, ""); err == nil {
		t.Errorf("empty passphrase accepted")
	}
}

// TestSecretServiceIntegration stores, loads and deletes an identity in a
// real Secret Service. Run it through scripts/with-secret-service.sh, which
// starts gnome-keyring-daemon in a private D-Bus session and sets
// COMPANION_SECRET_SERVICE=1.
func TestSecretServiceIntegration(t *testing.T) {
	if os.Getenv("COMPANION_SECRET_SERVICE") != "1" {
		t.Skip("no Secret Service for this run: set COMPANION_SECRET_SERVICE=1, e.g. scripts/with-secret-service.sh go test ./crypto")
	}
	// Other tests in this process install go-keyring's mock provider, which
	// cannot be undone; run the real test in a fresh copy of this binary.
	cmd := exec.Command(os.Args[0], "-test.run=^TestSecretServiceChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "COMPANION_SECRET_SERVICE_CHILD=1")
	out, err := cmd.CombinedOutput()
	t.Logf("child:\n%s", out)
	if err != nil {
		t.Fatalf("real Secret Service test failed: %v", err)
	}
	if !bytes.Contains(out, []byte("--- PASS: TestSecretServiceChild")) {
		t.Fatalf("child test did not run")
	}
}

func TestSecretServiceChild(t *testing.T) {
	if os.Getenv("COMPANION_SECRET_SERVICE_CHILD") != "1" {
		t.Skip("only runs as the child of TestSecretServiceIntegration")
	}
	if err := ProbeKeyring(DefaultProbeTimeout); err != nil {
		t.Fatalf("Secret Service not usable: %v", err)
	}
	keystoreContract(t, KeyringStore{})
}

// TestProbeKeyringNoSecretService probes the real go-keyring backend with a
// session bus address that leads nowhere, in a child process (no mock), and
// checks that the probe refuses quickly instead of hanging.
func TestProbeKeyringNoSecretService(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no Secret Service to be missing: its keyring is the Credential Manager, " +
			"always there (TestWindowsCredentialManager stores the largest identity in it)")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestProbeKeyringChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(),
		"COMPANION_PROBE_CHILD=1",
		"DBUS_SESSION_BUS_ADDRESS=unix:path="+filepath.Join(t.TempDir(), "no-bus-here"))
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS: TestProbeKeyringChild")) {
		t.Fatalf("child failed: %v\n%s", err, out)
	}
}

func TestProbeKeyringChild(t *testing.T) {
	if os.Getenv("COMPANION_PROBE_CHILD") != "1" {
		t.Skip("only runs as the child of TestProbeKeyringNoSecretService")
	}
	start := testclock.NewStopwatch()
	err := ProbeKeyring(DefaultProbeTimeout)
	if !errors.Is(err, ErrNoKeyring) {
		t.Fatalf("got %v, want ErrNoKeyring", err)
	}
	if d := start.Elapsed(); d > DefaultProbeTimeout+500*time.Millisecond {
		t.Fatalf("probe took %v", d)
	}
	t.Logf("refused in %v: %v", start.Elapsed().Round(time.Millisecond), err)
}

// TestNewKeyFilePassphraseHasAMinimumStrength is issue 14 §4: "The fallback
// key file's passphrase has a minimum strength, said on screen". The
// first-run explanation states the minimum; a weak answer is asked again
// with the reason; a key file made before the rule still opens.
func TestNewKeyFilePassphraseHasAMinimumStrength(t *testing.T) {
	keyring.MockInitWithError(errors.New(`exec: "dbus-launch": executable file not found in $PATH`))
	defer keyring.MockInit()
	if !strings.Contains(FallbackExplanation, "at least 12 characters") {
		t.Errorf("the first-run explanation does not say the minimum: %q", FallbackExplanation)
	}
	dir := t.TempDir()
	answers := []string{"password1", "aaaaaaaaaaaaaaaa", "123456789012", "correct horse battery staple"}
	var shown []string
	ks, err := ChooseKeystore(dir, time.Second, func(explanation string) (string, error) {
		shown = append(shown, explanation)
		a := answers[0]
		answers = answers[1:]
		return a, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(shown) != 4 || !strings.Contains(shown[1], "it has 9 characters; choose one of at least 12") ||
		!strings.Contains(shown[2], "repeats the same few characters") || !strings.Contains(shown[3], "runs along the keyboard") {
		t.Fatalf("asked %d times: %q", len(shown), shown)
	}
	fk := ks.(*FileKeystore)
	fk.SetWorkFactor(10)
	id, err := GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	// A key file made with a short passphrase before the rule.
	old, err := NewFileKeystore(dir, "short")
	if err != nil {
		t.Fatal(err)
	}
	old.SetWorkFactor(10)
	if err := old.Store("me", id); err != nil {
		t.Fatal(err)
	}
	ks, err = ChooseKeystore(dir, time.Second, func(string) (string, error) { return "short", nil })
	if err != nil {
		t.Fatalf("an existing key file's passphrase refused: %v", err)
	}
	if got, err := ks.Load("me"); err != nil || got.KeyID() != id.KeyID() {
		t.Errorf("the existing key file: %v", err)
	}
	for _, strong := range []string{"correct horse battery staple", "Tulip-Harbour-Ledger-9", "ôlèàüßçéñ€æø"} {
		if err := CheckNewPassphrase(strong); err != nil {
			t.Errorf("%q refused: %v", strong, err)
		}
	}
	if err := CheckNewPassphrase("qwertyuiop1"); !errors.Is(err, ErrWeakPassphrase) {
		t.Errorf("11 characters accepted: %v", err)
	}
}
