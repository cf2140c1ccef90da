// Package device is this computer's set-up: whose device it is, the pinned
// organisation admin key, the signed directory, where the keys live (OS
// keyring or passphrase file) and where the data lives. It opens the vault
// the app works in.
package device

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"safeguard/companion/crypto"
	"safeguard/companion/org"
	"safeguard/companion/session"
	"safeguard/companion/store"
	"safeguard/companion/vault"
)

// Profile is the non-secret set-up of this device, kept as a small JSON file
// in the user's config folder: who uses it and which admin key it trusts.
// Keys are never in it.
type Profile struct {
	PersonID string       `json:"person_id"`
	KeyID    crypto.KeyID `json:"key_id"`
	Org      string       `json:"org"`
	// AdminKey is the organisation admin's Ed25519 key, pinned at set-up.
	AdminKey ed25519.PublicKey `json:"admin_key"`
	Demo     bool              `json:"demo,omitempty"`
	// TrainingCompleted is the person's last safeguarding training date
	// (Annex 2 1.2), as entered at set-up.
	TrainingCompleted time.Time `json:"training_completed,omitzero"`
	// Hub is set when the device syncs with the organisation's hub.
	Hub *HubLink `json:"hub,omitempty"`
	// DirectoryVersion is the highest organisation directory version this
	// device has accepted. It is kept here as well as beside the directory
	// in the store, so that putting an older signed directory back in the
	// store (to undo a revocation) is refused at the next start.
	DirectoryVersion uint64 `json:"directory_version,omitempty"`
}

// Paths are where the device keeps its files.
type Paths struct {
	Config string // the profile and, without a keyring, the key files
	Data   string // the per-person databases
}

// DefaultPaths are the OS's user config and data folders.
func DefaultPaths() (Paths, error) {
	cfg, err := os.UserConfigDir()
	if err != nil {
		return Paths{}, fmt.Errorf("find the config folder: %w", err)
	}
	db, err := store.DefaultPath("x")
	if err != nil {
		return Paths{}, err
	}
	return Paths{Config: filepath.Join(cfg, store.AppDirName), Data: filepath.Dir(filepath.Dir(db))}, nil
}

func (p Paths) profile() string { return filepath.Join(p.Config, "profile.json") }
func (p Paths) keys() string    { return filepath.Join(p.Config, "keys") }

// DB is the database of one person.
func (p Paths) DB(personID string) string {
	return filepath.Join(p.Data, personID, store.DBFileName)
}

// ErrNotSetUp means this device has no profile yet: show the first-run
// screen.
var ErrNotSetUp = errors.New("this device is not set up yet")

// LoadProfile reads the profile, or returns ErrNotSetUp.
func LoadProfile(p Paths) (Profile, error) {
	b, err := os.ReadFile(p.profile())
	if errors.Is(err, fs.ErrNotExist) {
		return Profile{}, ErrNotSetUp
	}
	if err != nil {
		return Profile{}, fmt.Errorf("read the device profile: %w", err)
	}
	var pr Profile
	if err := json.Unmarshal(b, &pr); err != nil || pr.PersonID == "" || len(pr.AdminKey) != ed25519.PublicKeySize {
		return Profile{}, fmt.Errorf("the device profile %s is damaged: move it aside and set the device up again", p.profile())
	}
	return pr, nil
}

func saveProfile(p Paths, pr Profile) error {
	if err := os.MkdirAll(p.Config, 0o700); err != nil {
		return fmt.Errorf("create the config folder: %w", err)
	}
	b, err := json.MarshalIndent(pr, "", "  ")
	if err != nil {
		return err
	}
	tmp := p.profile() + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("write the device profile: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("write the device profile: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write the device profile: %w", err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, p.profile())
}

// Device is an unlocked device: the person's identity, the trusted
// directory and their open store.
type Device struct {
	Profile Profile
	Me      *crypto.Identity
	Person  crypto.Person
	Dir     *crypto.Directory
	Store   *store.Store
	Paths   Paths
}

// directorySetting is where the signed directory bytes are kept: they are
// re-verified against the pinned key at every start. highestSetting keeps
// the highest version accepted, as the profile does: an older directory at
// start-up is a rollback, and is refused.
const (
	directorySetting = "directory"
	highestSetting   = "directory.highest_version"
)

// keepDirectory saves a newly accepted signed directory in st and raises
// the highest version seen, in the store and in the profile. It never
// lowers either.
func keepDirectory(ctx context.Context, p Paths, st *store.Store, signed []byte, version uint64) error {
	if err := st.SetSetting(ctx, directorySetting, string(signed)); err != nil {
		return err
	}
	if highestSeen(ctx, st, Profile{}) < version {
		if err := st.SetSetting(ctx, highestSetting, strconv.FormatUint(version, 10)); err != nil {
			return err
		}
	}
	pr, err := LoadProfile(p)
	if errors.Is(err, ErrNotSetUp) {
		return nil // set-up saves the profile with the version itself
	}
	if err != nil {
		return err
	}
	if pr.DirectoryVersion < version {
		pr.DirectoryVersion = version
		return saveProfile(p, pr)
	}
	return nil
}

// highestSeen is the highest directory version the store or the profile
// records; 0 when neither does (a device set up before it was kept).
func highestSeen(ctx context.Context, st *store.Store, pr Profile) uint64 {
	v := pr.DirectoryVersion
	if s, err := st.Setting(ctx, highestSetting); err == nil {
		if n, err := strconv.ParseUint(s, 10, 64); err == nil && n > v {
			v = n
		}
	}
	return v
}

// SetUpDemo makes the demo organisation, keeps every demo person's keys in
// ks, and sets the device up as one of its people (org.DemoPeople ids: sam,
// the practitioner; priya, his line manager; morgan, a safeguarding lead).
func SetUpDemo(ctx context.Context, p Paths, ks crypto.Keystore, now time.Time, as string) (*Device, error) {
	o, err := org.Demo(now)
	if err != nil {
		return nil, err
	}
	return SetUpDemoOrg(ctx, p, ks, o, now, as)
}

// SetUpDemoOrg is SetUpDemo in a demo organisation already made, for a
// caller that has first written a year of its people's records into the
// store at p.DB(as) (package seed): the organisation's keys are then valid
// from before the first of them.
func SetUpDemoOrg(ctx context.Context, p Paths, ks crypto.Keystore, o *org.Organisation, now time.Time, as string) (*Device, error) {
	for _, m := range o.Members {
		if err := ks.Store(m.Identity.KeyID().String(), m.Identity); err != nil {
			return nil, fmt.Errorf("keep the demo keys: %w", err)
		}
	}
	me, ok := o.Member(as)
	if !ok {
		return nil, fmt.Errorf("set up demo: no demo person %q", as)
	}
	pr := Profile{PersonID: as, KeyID: me.Identity.KeyID(), Org: o.Directory.Org, AdminKey: o.Pinned(), Demo: true,
		TrainingCompleted: now.AddDate(0, -3, 0), DirectoryVersion: o.Directory.Version}
	st, err := store.Open(p.DB(pr.PersonID))
	if err != nil {
		return nil, err
	}
	if err := keepDirectory(ctx, p, st, o.Signed, o.Directory.Version); err != nil {
		st.Close()
		return nil, err
	}
	if err := saveProfile(p, pr); err != nil {
		st.Close()
		return nil, err
	}
	return &Device{Profile: pr, Me: me.Identity, Person: me.Person, Dir: o.Directory, Store: st, Paths: p}, nil
}

// Open unlocks a set-up device: loads the key from ks, opens the store and
// re-verifies the held directory against the pinned admin key.
func Open(ctx context.Context, p Paths, ks crypto.Keystore) (*Device, error) {
	pr, err := LoadProfile(p)
	if err != nil {
		return nil, err
	}
	me, err := ks.Load(pr.KeyID.String())
	if err != nil {
		return nil, fmt.Errorf("load your key: %w", err)
	}
	st, err := store.Open(p.DB(pr.PersonID))
	if err != nil {
		return nil, err
	}
	signed, err := st.Setting(ctx, directorySetting)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("the organisation directory is missing from this device: %w", err)
	}
	dir, err := crypto.VerifyDirectory([]byte(signed), pr.AdminKey, nil)
	if err != nil {
		st.Close()
		return nil, err
	}
	if highest := highestSeen(ctx, st, pr); dir.Version < highest {
		st.Close()
		return nil, fmt.Errorf("%w (the directory on this computer is version %d, but it has already accepted version %d: "+
			"someone may have put an older one back to undo a revocation)", crypto.ErrDirectoryRollback, dir.Version, highest)
	}
	person, ok := dir.Person(pr.PersonID)
	if !ok {
		st.Close()
		return nil, fmt.Errorf("%w: you are no longer in the organisation directory", crypto.ErrUnknownSigner)
	}
	return &Device{Profile: pr, Me: me, Person: *person, Dir: dir, Store: st, Paths: p}, nil
}

// Vault is the device's vault.
func (d *Device) Vault(clock session.Clock) *vault.Vault {
	return vault.New(d.Store, d.Me, d.Dir, clock)
}

// Close closes the store.
func (d *Device) Close() error { return d.Store.Close() }

// Keystore picks the OS keyring, or a passphrase-protected key file when
// there is none (crypto.ChooseKeystore).
func Keystore(p Paths, askPassphrase func(explanation string) (string, error)) (crypto.Keystore, error) {
	return crypto.ChooseKeystore(p.keys(), crypto.DefaultProbeTimeout, askPassphrase)
}

// NewIdentity makes this person's keys and keeps them in ks, for the join
// flow: the person sends the public half to their ICT administrator, who
// publishes it in the directory.
func NewIdentity(ks crypto.Keystore) (*crypto.Identity, error) {
	id, err := crypto.GenerateIdentity()
	if err != nil {
		return nil, err
	}
	if err := ks.Store(id.KeyID().String(), id); err != nil {
		return nil, fmt.Errorf("keep your keys: %w", err)
	}
	return id, nil
}

// ErrNotInDirectory means the directory does not list the new key yet.
var ErrNotInDirectory = errors.New("your key is not in this directory yet: send your public key to your ICT administrator and import the directory they publish after adding it")

// Join sets the device up for the person whose key is me, from their
// organisation's signed directory and the admin key to pin. The person
// compares crypto.AdminFingerprint(adminKey) with the fingerprint ICT sent
// before calling it: a directory file carries no proof of whose it is
// beyond the key that signed it.
func Join(ctx context.Context, p Paths, me *crypto.Identity, signedDir []byte, adminKey ed25519.PublicKey, training time.Time) (*Device, error) {
	dir, err := crypto.VerifyDirectory(signedDir, adminKey, nil)
	if err != nil {
		return nil, err
	}
	person, _, ok := dir.Key(me.KeyID())
	if !ok {
		return nil, ErrNotInDirectory
	}
	pr := Profile{PersonID: person.ID, KeyID: me.KeyID(), Org: dir.Org, AdminKey: adminKey, TrainingCompleted: training,
		DirectoryVersion: dir.Version}
	st, err := store.Open(p.DB(pr.PersonID))
	if err != nil {
		return nil, err
	}
	if err := keepDirectory(ctx, p, st, signedDir, dir.Version); err != nil {
		st.Close()
		return nil, err
	}
	if err := saveProfile(p, pr); err != nil {
		st.Close()
		return nil, err
	}
	return &Device{Profile: pr, Me: me, Person: *person, Dir: dir, Store: st, Paths: p}, nil
}

// MarkDemo labels a set-up device as one of the demo organisation's, so that
// the app says its people are fictional. SetUpDemo does this itself; a demo
// home enrolled through a hub (companion-hub seed-demo) is marked with it.
func MarkDemo(p Paths) error {
	pr, err := LoadProfile(p)
	if err != nil {
		return err
	}
	pr.Demo = true
	return saveProfile(p, pr)
}
