// Command companion is the Safeguard Companion desktop app.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"time"

	fyneapp "fyne.io/fyne/v2/app"

	"safeguard/companion/app"
	"safeguard/companion/buildmode"
	"safeguard/companion/crypto"
	"safeguard/companion/device"
	"safeguard/companion/session"
	"safeguard/companion/store"
)

const appID = "org.safeguardcompanion.companion"

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "Safeguard Companion:", err)
		showStartupError(err) // Windows: a program with no console has nowhere else to say it
		os.Exit(1)
	}
}

func run() error {
	if msg := displayProblem(); msg != "" {
		return fmt.Errorf("%s", msg)
	}
	disableCoreDumps()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	pack, err := session.DefaultPack()
	if err != nil {
		return err
	}
	paths, err := device.DefaultPaths()
	if err != nil {
		return err
	}
	if dir := os.Getenv("COMPANION_HOME"); dir != "" {
		// One directory for everything: for trying the app side by side as
		// two people, and for tests.
		paths = device.Paths{Config: filepath.Join(dir, "config"), Data: filepath.Join(dir, "data")}
	}
	// Windows: a second copy on the same data refuses (device.LockData).
	release, err := device.LockData(paths)
	if err != nil {
		return err
	}
	defer release()
	// A release build has the computer's clock only (buildmode).
	var clock session.Clock = session.SystemClock{}
	if buildmode.TestHooks {
		c, err := session.ClockFromSetting(os.Getenv(session.ClockSetting))
		if err != nil {
			return err
		}
		clock = c
	}
	if _, shifted := clock.(session.ShiftedClock); shifted {
		log.Warn("the clock is set by "+session.ClockSetting+", not the computer's", "now", clock.Now().Format(time.RFC3339))
	}
	a := fyneapp.NewWithID(appID)
	ui := app.Start(a, app.Config{
		Pack:      pack,
		Clock:     clock,
		NewID:     newID,
		LockAfter: pack.LockAfter(),
		// Errors are logged by kind only: never content, names or keys.
		Errors: func(op string, err error) { log.Warn(op, "error", errorKind(err)) },
	}, paths)
	log.Info("started", "pack", pack.ID, "pack_version", pack.Version)
	ui.Window().ShowAndRun()
	return nil
}

// displayProblem explains, in one sentence, why no window can open.
func displayProblem() string {
	if runtime.GOOS != "linux" && runtime.GOOS != "freebsd" {
		return ""
	}
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return "no display found: run it from a desktop session, or under Xvfb with `xvfb-run make run`."
	}
	return ""
}

// newID is a random record id: 128 bits, hex.
func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return fmt.Sprintf("%x", b)
}

// errorKind names an error by the sentinel it wraps, so that the log says
// what went wrong without any text that could carry content, names or keys.
func errorKind(err error) string {
	kinds := []struct {
		err  error
		name string
	}{
		{device.ErrNotSetUp, "not_set_up"}, {store.ErrDiskFull, "disk_full"}, {store.ErrReadOnly, "read_only"},
		{store.ErrCorrupt, "corrupt_database"}, {store.ErrNewerSchema, "newer_schema"}, {store.ErrConflict, "conflict"},
		{crypto.ErrBadSignature, "bad_signature"}, {crypto.ErrCiphertextMismatch, "ciphertext_mismatch"},
		{crypto.ErrUnknownSigner, "unknown_signer"}, {crypto.ErrRevokedSigner, "revoked_signer"},
		{crypto.ErrNotRecipient, "not_recipient"}, {crypto.ErrMalformed, "malformed"},
		{crypto.ErrDirectorySignature, "directory_signature"}, {crypto.ErrDirectoryRollback, "directory_rollback"},
		{crypto.ErrWrongPassphrase, "wrong_passphrase"}, {crypto.ErrKeyNotFound, "key_not_found"},
		{crypto.ErrNoKeyring, "no_keyring"}, {context.DeadlineExceeded, "timeout"}, {device.ErrAlreadyOpen, "already_open"},
	}
	for _, k := range kinds {
		if errors.Is(err, k.err) {
			return k.name
		}
	}
	return "other"
}
