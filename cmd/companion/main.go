// Command companion is the Safeguard Companion desktop app.
package main

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"
	"runtime"

	fyneapp "fyne.io/fyne/v2/app"

	"safeguard/companion/app"
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
	a := fyneapp.NewWithID(appID)
	ui := app.New(a, app.Config{
		Pack:  pack,
		Clock: session.SystemClock{},
		Me:    app.Practitioner{Name: "Practitioner", KeyID: "local"},
		NewID: newID,
	})
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
