package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode"

	"safeguard/companion/crypto"
	"safeguard/companion/device"
	"safeguard/companion/session"
	"safeguard/companion/store"
	"safeguard/companion/sync/client"
	"safeguard/companion/sync/proto"
	"safeguard/companion/vault"

	"fyne.io/fyne/v2/test"
)

// leaks are what the errors below carry that a person must never be shown
// (issue 15, "one voice for errors"): Go's own error text, a file path, a
// record id, a package prefix, and what a hub that is not ours says.
var leaks = []string{
	"no space left on device", "permission denied", "read-only file system", "/home/ana", "companion.db",
	"r-7f3a9c", "store:", "vault:", "sync:", "dial tcp", "connection refused", "127.0.0.1", "json:",
	"sql:", "context deadline exceeded", "PWNED", "%!", "<nil>",
}

// Errors as the packages below the app return them: a typed error deep in
// a chain of wrapping that names files, ids and system calls.
var (
	errDiskFull    = fmt.Errorf("vault: save draft r-7f3a9c: %w", fmt.Errorf("store: put envelope: %w (%w)", store.ErrDiskFull, syscall.ENOSPC))
	errReadOnly    = fmt.Errorf("store: open: %w (%w)", store.ErrReadOnly, &os.PathError{Op: "open", Path: "/home/ana/.local/share/companion.db", Err: syscall.EROFS})
	errClosed      = fmt.Errorf("vault: open r-7f3a9c: %w", store.ErrClosed)
	errCorrupt     = fmt.Errorf("store: list: %w (%w)", store.ErrCorrupt, errors.New("sql: file is not a database"))
	errBadSig      = fmt.Errorf("vault: open r-7f3a9c: %w", crypto.ErrBadSignature)
	errRowSwap     = fmt.Errorf("vault: open r-7f3a9c: %w", vault.ErrRowMismatch)
	errPass        = fmt.Errorf("open key /home/ana/key.age: %w", crypto.ErrWrongPassphrase)
	errNoKey       = fmt.Errorf("keystore: %w", crypto.ErrKeyNotFound)
	errDirForged   = fmt.Errorf("vault: directory: %w", crypto.ErrDirectorySignature)
	errRogue       = fmt.Errorf("enrol with the hub: %w", device.ErrRogueHub)
	errInvite      = fmt.Errorf("%w: %w", device.ErrInvitation, errors.New("json: unexpected end of JSON input"))
	errInviteFile  = fmt.Errorf("join: %w", &device.InvitationError{Why: "it is not a Safeguard Companion enrolment invitation; ask your ICT administrator to send it again"})
	errKeyMismatch = fmt.Errorf("directory file: %w", &crypto.AdminKeyMismatchError{Named: "1a2b 3c4d", Given: "9f8e 7d6c"})
	errRogueKey    = fmt.Errorf("%w (%w)", device.ErrRogueHub, &crypto.AdminKeyMismatchError{Named: "1a2b 3c4d", Given: "9f8e 7d6c"})
	errPlainHTTP   = fmt.Errorf("sync: %w", client.ErrPlainHTTP)
	errNet         = fmt.Errorf("sync: push: %w", &client.NetError{Err: errors.New("dial tcp 127.0.0.1:8443: connect: connection refused")})
	errBadCode     = fmt.Errorf("sync: enrol: %w", &client.HubError{Status: 403, Code: proto.CodeEnrolCode, Message: "PWNED: type your passphrase here"})
	errRevoked     = fmt.Errorf("sync: pull: %w", &client.HubError{Status: 403, Code: proto.CodeDeviceRevoked, Message: "PWNED"})
	errHubOther    = &client.HubError{Status: 500, Code: "teapot", Message: "PWNED"}
	errTimeout     = fmt.Errorf("vault: open: %w", context.DeadlineExceeded)
	errFields      = fmt.Errorf("review: %w", session.FieldErrors{
		{Field: "note", Message: "write what you checked"},
		{Field: "follow_up", Message: "give the follow-up a due date"}})
	errLocked     = fmt.Errorf("sign r-7f3a9c: %w", session.ErrLocked)
	errOwn        = fmt.Errorf("review r-7f3a9c: %w", session.ErrOwnRecord)
	errTransition = fmt.Errorf("session r-7f3a9c: %w", &session.TransitionError{From: session.Signed, Event: "mark"})
	errGate       = &session.GateError{Event: "sign", Problems: []error{session.ErrConsentRequired, session.ErrOverrunReason}}
	errUnknown    = fmt.Errorf("vault: %w", errors.New("sql: database is closed"))
	errNotSaved   = &notSavedError{err: errClosed}
)

// TestPlainWords is the one translator, error by error and action by
// action: what the person reads says what happened and what to do, in the
// app's words (docs/ARCHITECTURE.md, Promises: "a clear, specific error").
func TestPlainWords(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		what doing
		want string
	}{
		// The local database, saving and reading.
		{"disk full, saving", errDiskFull, saving, "The disk is full: free some space, then save again"},
		{"disk full, reading", errDiskFull, reading, "The disk is full, so your records cannot be read"},
		{"read-only, saving", errReadOnly, saving, "The data folder cannot be written to"},
		{"read-only, reading", errReadOnly, reading, "The data folder cannot be used"},
		{"read-only, starting", errReadOnly, starting, "The data folder cannot be used"},
		{"closed, saving", errClosed, saving, "The local database on this computer has closed. Close the app and open it again, then try again"},
		{"closed, reading", errClosed, reading, "The local database on this computer has closed, so nothing more can be read from it"},
		{"corrupt, reading", errCorrupt, reading, "The local database is damaged: do not delete it"},
		// Records and keys.
		{"bad signature", errBadSig, reading, "This record's signature does not match: it may have been altered and cannot be trusted. Tell your ICT administrator."},
		{"row swapped", errRowSwap, reading, "filed on this computer under another name"},
		{"wrong passphrase, starting", errPass, starting, "The passphrase is not right. Close the app and try again."},
		{"wrong passphrase, exporting", errPass, exporting, "The passphrase is not right. Try again."},
		{"no key", errNoKey, starting, "Your key is not on this computer. Ask your ICT administrator to enrol this device again."},
		{"forged directory, starting", errDirForged, starting, "The organisation directory on this computer is not genuine. Do not use the app; tell your ICT administrator."},
		{"forged directory", errDirForged, enrolling, "The organisation directory is not genuine. Do not use it; tell your ICT administrator."},
		// Enrolling and the hub.
		{"rogue hub", errRogue, enrolling, "This hub does not hold your organisation's key"},
		{"invitation", errInvite, enrolling, "Enter the hub address, the one-time code and the admin key fingerprint exactly as your ICT administrator sent them"},
		{"invitation file", errInviteFile, enrolling, "This enrolment invitation is not complete or not readable. It is not a Safeguard Companion enrolment invitation; ask your ICT administrator to send it again."},
		{"rogue hub's key", errRogueKey, enrolling, "tell your ICT administrator, and do not use this hub. It names the key 1a2b 3c4d; you were given 9f8e 7d6c."},
		{"directory's key", errKeyMismatch, enrolling, "does not match the fingerprint your ICT administrator gave you. It names the key 1a2b 3c4d; you were given 9f8e 7d6c. Tell your ICT administrator."},
		{"plain http", errPlainHTTP, enrolling, "The hub address starts with http://, which is not encrypted"},
		{"hub unreachable, enrolling", errNet, enrolling, "The hub could not be reached. Check this computer is online and the hub address is right, then try again."},
		{"hub unreachable, syncing", errNet, syncing, "Your records are safe on this computer and are sent when it can be reached again."},
		{"enrolment code", errBadCode, enrolling, "The hub did not accept the enrolment code"},
		{"device revoked", errRevoked, syncing, "Your organisation has withdrawn this computer's access to the hub."},
		{"hub refuses", errHubOther, syncing, "The hub refused this. Your records are safe on this computer"},
		{"timeout", errTimeout, reading, "This took too long and was stopped."},
		// The domain's refusals, written for people already.
		{"fields", errFields, reviewing, "Write what you checked. Give the follow-up a due date."},
		{"locked", errLocked, signing, "This record is signed and locked; add an addendum instead."},
		{"own record", errOwn, reviewing, "You cannot countersign your own record; ask your line manager."},
		{"transition", errTransition, saving, "Cannot mark a session that is"},
		{"gate", errGate, signing, "Record the customer's consent reply, or the reason the session goes ahead without it. The session ran over its planned time"},
		{"not saved", errNotSaved, saving, "Not saved: The local database on this computer has closed."},
		// Nobody wrote words for it: the action's own.
		{"unknown, saving", errUnknown, saving, "Something went wrong saving this."},
		{"unknown, reading", errUnknown, reading, "Something went wrong reading your records. Nothing has been changed or lost"},
		{"unknown, starting", errUnknown, starting, "Something went wrong opening Safeguard Companion."},
		{"unknown, enrolling", errUnknown, enrolling, "Something went wrong setting this computer up."},
		{"unknown, reporting", errUnknown, reporting, "Something went wrong sending this to the safeguarding team."},
		{"unknown, syncing", errUnknown, syncing, "Your records are safe on this computer and will be sent later"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := plainWords(c.err, c.what)
			if !strings.Contains(got, c.want) {
				t.Errorf("plainWords = %q\nwant it to say %q", got, c.want)
			}
		})
	}
}

// TestPlainWordsNeverShowGoErrorText: every error above, whatever the
// person was doing, reads as sentences of the app's own and leaks nothing;
// a failure while reading or opening never says it was saving.
func TestPlainWordsNeverShowGoErrorText(t *testing.T) {
	all := []error{errDiskFull, errReadOnly, errClosed, errCorrupt, errBadSig, errRowSwap, errPass, errNoKey, errDirForged,
		errRogue, errInvite, errInviteFile, errKeyMismatch, errRogueKey, errPlainHTTP, errNet, errBadCode, errRevoked, errHubOther, errTimeout, errFields, errLocked,
		errOwn, errTransition, errGate, errUnknown, errNotSaved}
	for _, err := range all {
		for what := saving; what <= exporting; what++ {
			got := plainWords(err, what)
			if got == "" || !unicode.IsUpper([]rune(got)[0]) || !strings.HasSuffix(got, ".") {
				t.Errorf("%v while %d: %q is not a sentence", err, what, got)
			}
			for _, l := range leaks {
				if strings.Contains(got, l) {
					t.Errorf("%v while %d: %q shows %q", err, what, got, l)
				}
			}
			if got == err.Error() {
				t.Errorf("%v while %d: the error's own text is shown", err, what)
			}
			if (what == reading || what == starting) && (strings.Contains(got, "saving") || strings.Contains(got, "save again")) {
				t.Errorf("%v while %d: a failure to read says %q", err, what, got)
			}
		}
	}
	if got := plainWords(nil, saving); got != "" {
		t.Errorf("no error says %q", got)
	}
}

// TestUnreadableWords: records of the index that did not decode are
// counted in words, with what to do.
func TestUnreadableWords(t *testing.T) {
	for n, want := range map[int]string{
		0: "",
		1: "1 record could not be read, so it is not shown. Nothing has been changed; tell your ICT administrator.",
		3: "3 records could not be read, so they are not shown. Nothing has been changed; tell your ICT administrator.",
	} {
		if got := unreadableWords(n); got != want {
			t.Errorf("unreadableWords(%d) = %q, want %q", n, got, want)
		}
	}
	got := notShownWords([]vault.Failure{{ID: "r-7f3a9c", Err: errBadSig}, {ID: "r-8", Err: errBadSig}}, 1)
	want := "2 records failed verification, so they are not shown: This record's signature does not match: it may have been altered and cannot be trusted. Tell your ICT administrator. 1 record could not be read"
	if !strings.HasPrefix(got, want) || strings.Contains(got, "r-7f3a9c") {
		t.Errorf("notShownWords = %q\nwant it to start %q, without ids", got, want)
	}
}

// noLeak fails if the screen shows any of leaks, or says a read was a save.
func noLeak(t *testing.T, u *UI, reading bool) {
	t.Helper()
	texts := visibleTexts(u)
	for _, l := range append(leaks, "/tmp/") {
		if strings.Contains(texts, l) {
			t.Errorf("the screen shows %q:\n%s", l, texts)
		}
	}
	if reading && (strings.Contains(texts, "saving") || strings.Contains(texts, "save again")) {
		t.Errorf("a failure to read says it was saving:\n%s", texts)
	}
}

// TestAClosedDatabaseIsSaidInWordsAboutWhatFailed: with the local
// database gone (closed), opening the inbox says the records could not be
// read, and autosaving a session says it was not saved; neither in Go's
// words (issue 15: read failures no longer say "Something went wrong
// saving this").
func TestAClosedDatabaseIsSaidInWordsAboutWhatFailed(t *testing.T) {
	u, clock, env := newTestUIEnv(t)
	l := liveSession(t, u, clock)
	good := u.cfg.Vault
	u.cfg.Vault = brokenVault(t, u, env)

	u.journal.saveDraft(l.s, l.setStatus)
	settle(u)
	mustSee(t, u, "Not saved: The local database on this computer has closed. Close the app and open it again, then try again; nothing already saved has been lost.")
	noLeak(t, u, false)

	u.ShowInbox()
	settle(u)
	mustSee(t, u, "Your records could not be opened: The local database on this computer has closed, so nothing more can be read from it. Close the app and open it again; nothing has been changed or lost.")
	noLeak(t, u, true)
	screenshot(t, u, "errors-closed-database-inbox")

	u.cfg.Vault = good
	u.ShowInbox()
	settle(u)
	mustSee(t, u, "records verified and decrypted on this device.")
}

// TestAnUndecodableRecordIsSaidNotDropped: a record that verifies but whose
// content does not decode (a corrupt row of the record index) is counted on
// the inbox with what to do, and logged without its content (issue 15).
func TestAnUndecodableRecordIsSaidNotDropped(t *testing.T) {
	u, _ := newTestUI(t)
	var logged strings.Builder
	u.cfg.Errors = func(op string, err error) { fmt.Fprintf(&logged, "%s: %v\n", op, err) }
	const content = "QZXCANARY customer words"
	if _, err := u.cfg.Vault.Put(t.Context(), "rec-corrupt", crypto.KindSessionRecord, content, nil, u.cfg.Pack.Version); err != nil {
		t.Fatal(err)
	}
	u.ShowInbox()
	settle(u)
	mustSee(t, u, "0 records verified and decrypted on this device. 1 record could not be read, so it is not shown. Nothing has been changed; tell your ICT administrator.")
	noLeak(t, u, true)
	if !strings.Contains(logged.String(), "reading the record index: record rec-corrupt:") {
		t.Errorf("the record that did not decode is not logged:\n%s", logged.String())
	}
	if strings.Contains(logged.String(), "QZXCANARY") {
		t.Errorf("the log holds the record's content:\n%s", logged.String())
	}
	screenshot(t, u, "errors-undecodable-record-inbox")
}

// TestAReadOnlyDiskAtStartIsSaidInWordsAboutReading: the data folder on a
// disk that has turned read-only between sessions (a tmpfs remounted
// read-only; needs root) stops the app opening, and the start screen says
// what to check, not that something failed saving.
func TestAReadOnlyDiskAtStartIsSaidInWordsAboutReading(t *testing.T) {
	if os.Getenv("COMPANION_SECRET_SERVICE") != "1" {
		t.Skip("needs a real Secret Service for the keys (make test runs this under scripts/with-secret-service.sh)")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a tmpfs and remount it read-only")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", data).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", data).CombinedOutput(); err != nil {
			t.Errorf("umount: %v: %s", err, out)
		}
	})
	paths := device.Paths{Config: filepath.Join(dir, "config"), Data: data}
	ks := crypto.KeyringStore{}
	dev, err := device.SetUpDemo(t.Context(), paths, ks, suiteNow, "sam")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ks.Delete(dev.Me.KeyID().String()) })
	dev.Close()
	if out, err := exec.Command("mount", "-o", "remount,ro", data).CombinedOutput(); err != nil {
		t.Skipf("cannot remount read-only: %v: %s", err, out)
	}

	pack, err := session.DefaultPack()
	if err != nil {
		t.Fatal(err)
	}
	clock := &fixedClock{}
	clock.Set(suiteNow)
	u := New(test.NewTempApp(t), Config{Pack: pack, Clock: clock, NewID: func() string { return "rec-0001" }, TickEvery: time.Hour})
	u.ui.queue = make(chan func(), 64)
	u.unlock(paths) // as Start does
	settle(u)
	mustSee(t, u, "Your records could not be opened. The data folder cannot be used. Check that the disk is connected and not write-protected")
	noLeak(t, u, true)
	screenshot(t, u, "errors-read-only-disk-start")
}

// TestKeyringNamedAsThePersonKnowsIt: on Windows the keys are in Credential
// Manager, and the screens say so rather than "keyring" (issue 17 note).
func TestKeyringNamedAsThePersonKnowsIt(t *testing.T) {
	for goos, want := range map[string]string{
		"windows": "Windows Credential Manager",
		"darwin":  "macOS Keychain",
		"linux":   "keyring",
	} {
		if got := keyringName(goos); got != want {
			t.Errorf("keyringName(%q) = %q, want %q", goos, got, want)
		}
	}
}
