package crypto

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"time"
	"unicode"

	"filippo.io/age"
	"github.com/zalando/go-keyring"
)

// KeyringService is the service name under which identities are stored in
// the operating system keyring.
const KeyringService = "safeguard-companion"

// DefaultProbeTimeout bounds how long ProbeKeyring waits. A Secret Service
// that is present but locked can block on an unlock prompt nobody sees.
const DefaultProbeTimeout = 3 * time.Second

// Keystore keeps identities on this device. Names are chosen by the caller;
// the convention is the key id (Identity.KeyID), so that every key a person
// ever held can be found from the directory after rotation.
type Keystore interface {
	Store(name string, id *Identity) error
	Load(name string) (*Identity, error) // wraps ErrKeyNotFound when absent
	Delete(name string) error            // wraps ErrKeyNotFound when absent
}

// FallbackExplanation is shown, in plain words, the first time the app has
// to use a passphrase-protected key file instead of the system keyring.
const FallbackExplanation = "This computer has no system keyring that Safeguard Companion can use, " +
	"so your keys will be kept in a file protected by a passphrase that you choose now. " +
	"Your keys are never written down unprotected. " +
	"Choose one of at least 12 characters: three or four unrelated words are strong and easy to remember. " +
	"You will need this passphrase each time you open the app. " +
	"If you forget it, your keys on this computer cannot be recovered: ask your administrator to issue new ones. " +
	"Records already sent stay safe and readable by the organisation."

var keyNamePattern = regexp.MustCompile(`^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$`)

func checkName(name string) error {
	if !keyNamePattern.MatchString(name) {
		return fmt.Errorf("key name %q is not allowed (letters, digits, . _ - only)", name)
	}
	return nil
}

// KeyringStore keeps identities in the OS keyring through go-keyring.
type KeyringStore struct{}

// Store implements Keystore.
func (KeyringStore) Store(name string, id *Identity) error {
	if err := checkName(name); err != nil {
		return err
	}
	if err := keyring.Set(KeyringService, name, string(id.marshalSecret())); err != nil {
		return fmt.Errorf("saving key in the system keyring: %w", err)
	}
	return nil
}

// Load implements Keystore.
func (KeyringStore) Load(name string) (*Identity, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	s, err := keyring.Get(KeyringService, name)
	if errors.Is(err, keyring.ErrNotFound) {
		return nil, fmt.Errorf("%w (%s)", ErrKeyNotFound, name)
	} else if err != nil {
		return nil, fmt.Errorf("reading key from the system keyring: %w", err)
	}
	return parseSecret([]byte(s))
}

// Delete implements Keystore.
func (KeyringStore) Delete(name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	err := keyring.Delete(KeyringService, name)
	if errors.Is(err, keyring.ErrNotFound) {
		return fmt.Errorf("%w (%s)", ErrKeyNotFound, name)
	} else if err != nil {
		return fmt.Errorf("deleting key from the system keyring: %w", err)
	}
	return nil
}

// ProbeKeyring checks, within timeout, that the OS keyring can store, read
// and delete an entry. It runs the round trip in a goroutine because on
// Linux a Secret Service can hang (locked collection, invisible prompt); if
// it does, that goroutine is abandoned and finishes whenever D-Bus answers.
// Typical refusals: `exec: "dbus-launch": executable file not found` (no
// session bus) and `org.freedesktop.secrets was not provided` (no daemon).
func ProbeKeyring(timeout time.Duration) error {
	const user = "probe"
	done := make(chan error, 1) // buffered: an abandoned probe must not block forever
	go func() {
		err := keyring.Set(KeyringService, user, "probe")
		if err == nil {
			var got string
			got, err = keyring.Get(KeyringService, user)
			if err == nil && got != "probe" {
				err = errors.New("keyring returned a different value")
			}
			if derr := keyring.Delete(KeyringService, user); err == nil {
				err = derr
			}
		}
		done <- err
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("%w: %w", ErrNoKeyring, err)
		}
		return nil
	case <-timer.C:
		return fmt.Errorf("%w: no answer within %s", ErrNoKeyring, timeout)
	}
}

// ChooseKeystore returns the OS keyring when ProbeKeyring succeeds within
// timeout. Otherwise it calls askPassphrase with FallbackExplanation (for the
// app to show before asking) and returns a FileKeystore in fallbackDir.
func ChooseKeystore(fallbackDir string, timeout time.Duration, askPassphrase func(explanation string) (string, error)) (Keystore, error) {
	if err := ProbeKeyring(timeout); err == nil {
		return KeyringStore{}, nil
	}
	// A new key file needs a strong passphrase; one made before this rule
	// still opens with the passphrase it was made with.
	existing, _ := filepath.Glob(filepath.Join(fallbackDir, "*.age"))
	explanation := FallbackExplanation
	for {
		pass, err := askPassphrase(explanation)
		if err != nil {
			return nil, fmt.Errorf("asking for a key file passphrase: %w", err)
		}
		if len(existing) == 0 {
			if err := CheckNewPassphrase(pass); err != nil {
				explanation = FallbackExplanation + "\n\n" + err.Error()
				continue
			}
		}
		return NewFileKeystore(fallbackDir, pass)
	}
}

// MinPassphraseLength is the fewest characters a new key file passphrase
// may have. The file is scrypt-protected (about a second per guess on a
// laptop), so twelve characters of words put a stolen file out of reach.
const MinPassphraseLength = 12

// ErrWeakPassphrase wraps every refusal of CheckNewPassphrase.
var ErrWeakPassphrase = errors.New("this passphrase is too easy to guess")

// CheckNewPassphrase is the minimum strength of a passphrase protecting a
// new key file: at least MinPassphraseLength characters, and not mostly
// one repeated character or a run such as "123456789012". The refusal says
// what to do, for the screen to show as it stands.
func CheckNewPassphrase(p string) error {
	runes := []rune(p)
	if len(runes) < MinPassphraseLength {
		return fmt.Errorf("%w: it has %d characters; choose one of at least %d (three or four unrelated words work well)",
			ErrWeakPassphrase, len(runes), MinPassphraseLength)
	}
	distinct := map[rune]bool{}
	steps := 0
	for i, r := range runes {
		distinct[unicode.ToLower(r)] = true
		if i > 0 && (r-runes[i-1] == 1 || r-runes[i-1] == -1) {
			steps++
		}
	}
	if len(distinct) < 5 || steps >= len(runes)-2 {
		return fmt.Errorf("%w: it repeats the same few characters or runs along the keyboard; choose three or four unrelated words",
			ErrWeakPassphrase)
	}
	return nil
}

// FileKeystore keeps each identity in its own age file encrypted to a
// passphrase (scrypt), for machines without a keyring. No key is ever
// written to disk unencrypted, not even in a temporary file.
type FileKeystore struct {
	dir        string
	passphrase string
	workFactor int
}

// NewFileKeystore uses (and creates, mode 0700) dir.
func NewFileKeystore(dir, passphrase string) (*FileKeystore, error) {
	if passphrase == "" {
		return nil, errors.New("a key file needs a passphrase")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating key folder: %w", err)
	}
	return &FileKeystore{dir: dir, passphrase: passphrase}, nil
}

// SetWorkFactor sets the scrypt work factor (log2 N) for files written from
// now on. The default is age's (18, about a second); tests lower it.
func (f *FileKeystore) SetWorkFactor(logN int) { f.workFactor = logN }

// Dir is the folder holding the key files.
func (f *FileKeystore) Dir() string { return f.dir }

func (f *FileKeystore) path(name string) string { return filepath.Join(f.dir, name+".age") }

// Store implements Keystore. The file is written to a temporary name,
// synced, then renamed, so a crash leaves the old key or the new, never half.
func (f *FileKeystore) Store(name string, id *Identity) error {
	if err := checkName(name); err != nil {
		return err
	}
	r, err := age.NewScryptRecipient(f.passphrase)
	if err != nil {
		return fmt.Errorf("protecting key file: %w", err)
	}
	if f.workFactor > 0 {
		r.SetWorkFactor(f.workFactor)
	}
	var ct bytes.Buffer
	w, err := age.Encrypt(&ct, r)
	if err != nil {
		return fmt.Errorf("protecting key file: %w", err)
	}
	secret := id.marshalSecret()
	defer clear(secret)
	if _, err := w.Write(secret); err != nil {
		return fmt.Errorf("protecting key file: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("protecting key file: %w", err)
	}
	return writeFileAtomic(f.path(name), ct.Bytes())
}

func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("saving key file: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("saving key file: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("saving key file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("saving key file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("saving key file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("saving key file: %w", err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync() // best effort: make the rename itself durable
		d.Close()
	}
	return nil
}

// Load implements Keystore. A wrong passphrase wraps ErrWrongPassphrase.
func (f *FileKeystore) Load(name string) (*Identity, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	ct, err := os.ReadFile(f.path(name))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w (%s)", ErrKeyNotFound, name)
	} else if err != nil {
		return nil, fmt.Errorf("reading key file: %w", err)
	}
	ident, err := age.NewScryptIdentity(f.passphrase)
	if err != nil {
		return nil, fmt.Errorf("opening key file: %w", err)
	}
	pt, err := decryptAge(bytes.NewReader(ct), false, ident)
	if errors.Is(err, ErrNotRecipient) {
		return nil, ErrWrongPassphrase
	} else if err != nil {
		return nil, fmt.Errorf("opening key file %s: %w", name, err)
	}
	defer clear(pt)
	return parseSecret(pt)
}

// Delete implements Keystore.
func (f *FileKeystore) Delete(name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	err := os.Remove(f.path(name))
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%w (%s)", ErrKeyNotFound, name)
	} else if err != nil {
		return fmt.Errorf("deleting key file: %w", err)
	}
	return nil
}
