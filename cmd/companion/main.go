// Command companion is the Safeguard Companion desktop app.
package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"

	fyneapp "fyne.io/fyne/v2/app"

	"safeguard/companion/app"
	"safeguard/companion/device"
	"safeguard/companion/session"
)

const appID = "org.safeguardcompanion.companion"

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "Safeguard Companion:", err)
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
	a := fyneapp.NewWithID(appID)
	ui := app.Start(a, app.Config{
		Pack:  pack,
		Clock: session.SystemClock{},
		NewID: newID,
		// Errors are logged by kind only: never content, names or keys.
		Errors: func(op string, err error) { log.Warn(op, "error_type", fmt.Sprintf("%T", errors.Unwrap(err))) },
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
