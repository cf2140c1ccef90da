//go:build windows

package device

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"safeguard/companion/crypto"
	"safeguard/companion/store"
	"safeguard/companion/testclock"
)

// These tests run as Windows binaries: under Wine by `make test-windows`,
// whose Windows user is "Siân Ørsted Ünal" so that every profile path has
// spaces and letters outside ASCII, or on Windows itself with `go test`.

// within reports whether path is inside dir (case-insensitively, as
// Windows compares paths).
func within(path, dir string) bool {
	rel, err := filepath.Rel(strings.ToLower(dir), strings.ToLower(path))
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// TestDefaultPathsAreInTheUsersProfile: the profile and key files go to
// %AppData% (the roaming profile, small and not live), the databases to
// %LocalAppData% (never roamed: copying a live SQLite file at log-off can
// tear it), both under the person's own profile and never beside the
// program, which ICT installs read-only under Program Files.
func TestDefaultPathsAreInTheUsersProfile(t *testing.T) {
	p, err := DefaultPaths()
	if err != nil {
		t.Fatal(err)
	}
	appData, localAppData, profile := os.Getenv("AppData"), os.Getenv("LocalAppData"), os.Getenv("UserProfile")
	t.Logf("config %s\ndata   %s\n(%%UserProfile%% is %s)", p.Config, p.Data, profile)
	if want := filepath.Join(appData, store.AppDirName); p.Config != want {
		t.Errorf("config folder %q, want %q", p.Config, want)
	}
	if want := filepath.Join(localAppData, store.AppDirName); p.Data != want {
		t.Errorf("data folder %q, want %q", p.Data, want)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{p.Config, p.Data, p.DB("sam")} {
		if profile == "" || !within(dir, profile) {
			t.Errorf("%s is not under the user's profile %q", dir, profile)
		}
		if within(dir, filepath.Dir(exe)) {
			t.Errorf("%s is beside the program (%s)", dir, exe)
		}
	}
}

// TestDeviceInAProfileWithSpacesAndAccents sets up the demo device with its
// keys in the real Windows Credential Manager and its files in a folder of
// the person's profile, closes it, and opens it again: the keys and every
// file are found through paths with spaces and letters outside ASCII.
func TestDeviceInAProfileWithSpacesAndAccents(t *testing.T) {
	base := filepath.Join(t.TempDir(), "Safeguard Companion – données")
	p := Paths{Config: filepath.Join(base, "Roaming"), Data: filepath.Join(base, "Local")}
	if !strings.ContainsRune(base, ' ') || strings.IndexFunc(base, func(r rune) bool { return r > unicode.MaxASCII }) < 0 {
		t.Fatalf("the test folder %q should have spaces and letters outside ASCII", base)
	}
	ks, err := Keystore(p, func(string) (string, error) {
		return "", errors.New("asked for a key file passphrase although Windows has the Credential Manager")
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ks.(crypto.KeyringStore); !ok {
		t.Fatalf("keys would be kept in %T, want the Credential Manager (crypto.KeyringStore)", ks)
	}
	ctx := context.Background()
	d, err := SetUpDemo(ctx, p, ks, testclock.Start(), "sam")
	if err != nil {
		t.Fatal(err)
	}
	keyName := d.Profile.KeyID.String()
	t.Cleanup(func() { // leave no demo keys in a real Credential Manager
		for _, person := range d.Dir.People {
			for _, k := range person.Keys {
				ks.Delete(k.ID.String())
			}
		}
	})
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d, err = Open(ctx, p, ks)
	if err != nil {
		t.Fatalf("reopening the device: %v", err)
	}
	defer d.Close()
	if d.Me.KeyID().String() != keyName || d.Person.ID != "sam" {
		t.Errorf("reopened as %s with key %s", d.Person.ID, d.Me.KeyID())
	}
	if _, err := os.Stat(p.DB("sam")); err != nil {
		t.Errorf("the database is not where it should be: %v", err)
	}
	// No key material in any file: the keys are in the Credential Manager.
	filepath.Walk(base, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, _ := os.ReadFile(path)
		if bytes.Contains(b, []byte("AGE-SECRET-KEY")) {
			t.Errorf("%s holds a secret key", path)
		}
		return nil
	})
}

// TestSecondCopyRefuses: a second copy of the app on the same data, here
// another process, is refused with a sentence saying what to do, for as long
// as the first holds the data; once the first has closed, it opens.
func TestSecondCopyRefuses(t *testing.T) {
	p := Paths{Config: filepath.Join(t.TempDir(), "config dir"), Data: filepath.Join(t.TempDir(), "dáta dir")}
	release, err := LockData(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LockData(p); !errors.Is(err, ErrAlreadyOpen) {
		t.Errorf("a second lock in the same process: %v, want ErrAlreadyOpen", err)
	}
	other := func() string {
		cmd := exec.Command(os.Args[0], "-test.run=^TestSecondCopyChild$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), "COMPANION_LOCK_CHILD_DATA="+p.Data)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("the second copy: %v\n%s", err, out)
		}
		return string(out)
	}
	out := other()
	if !strings.Contains(out, "refused: "+ErrAlreadyOpen.Error()) {
		t.Fatalf("the second copy was not refused with the sentence:\n%s", out)
	}
	t.Logf("the second copy says: %s", ErrAlreadyOpen)
	release()
	if out := other(); !strings.Contains(out, "opened") {
		t.Fatalf("after the first closed, the second copy did not open:\n%s", out)
	}
	// Another person's data is another lock.
	release, err = LockData(p)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	defer release()
	elsewhere, err := LockData(Paths{Data: filepath.Join(t.TempDir(), "other")})
	if err != nil {
		t.Fatalf("other data: %v", err)
	}
	elsewhere()
}

func TestSecondCopyChild(t *testing.T) {
	data := os.Getenv("COMPANION_LOCK_CHILD_DATA")
	if data == "" {
		t.Skip("only runs as the second copy in TestSecondCopyRefuses")
	}
	release, err := LockData(Paths{Data: data})
	if err != nil {
		t.Logf("refused: %v", err)
		return
	}
	t.Log("opened")
	release()
}
