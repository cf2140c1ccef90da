package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// binary returns the real app binary: $COMPANION_BIN (make test builds it) or
// a fresh build into a temporary directory.
func binary(t *testing.T) string {
	t.Helper()
	if b := os.Getenv("COMPANION_BIN"); b != "" {
		return b
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "companion")
	cmd := exec.Command("go", "build", "-tags", "migrated_fynedo", "-o", out, ".")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, b)
	}
	return out
}

// TestNoDisplaySaysWhatToDo: started with no display, the app prints one
// clear sentence and exits, rather than a stack trace.
func TestNoDisplaySaysWhatToDo(t *testing.T) {
	cmd := exec.Command(binary(t))
	cmd.Env = append(os.Environ(), "DISPLAY=", "WAYLAND_DISPLAY=", "HOME="+t.TempDir(), "LANG=en_GB.UTF-8")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if err == nil {
		t.Fatal("started without a display")
	}
	msg := strings.TrimSpace(stderr.String())
	if strings.Count(msg, "\n") != 0 || !strings.Contains(msg, "no display found") || !strings.Contains(msg, "xvfb-run") || strings.Contains(msg, "goroutine") {
		t.Errorf("message: %q", msg)
	}
}

// startXvfb starts a private X server and returns its display name.
func startXvfb(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("Xvfb"); err != nil {
		t.Skip("Xvfb is not installed (make test installs it): cannot start the real window")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	x := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp")
	x.ExtraFiles = []*os.File{w}
	if err := x.Start(); err != nil {
		t.Fatalf("Xvfb: %v", err)
	}
	w.Close()
	t.Cleanup(func() { x.Process.Kill(); x.Wait() })
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		t.Fatalf("Xvfb did not report its display: %v", err)
	}
	return ":" + strings.TrimSpace(line)
}

// TestWindowAppearsUnderXvfb starts the real binary on a real X server and
// waits for its window.
func TestWindowAppearsUnderXvfb(t *testing.T) {
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Skip("xdotool is not installed (make test installs it): cannot look for the window")
	}
	display := startXvfb(t)
	bin := binary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	app := exec.CommandContext(ctx, bin)
	app.Env = append(os.Environ(), "DISPLAY="+display, "HOME="+t.TempDir(), "LANG=en_US.UTF-8")
	var logs bytes.Buffer
	app.Stdout, app.Stderr = &logs, &logs
	if err := app.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { app.Process.Kill(); app.Wait() }()

	var found bool
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		search := exec.Command("xdotool", "search", "--onlyvisible", "--name", "Safeguard Companion")
		search.Env = append(os.Environ(), "DISPLAY="+display)
		out, _ := search.Output()
		if len(bytes.TrimSpace(out)) > 0 {
			found = true
			break
		}
	}
	if !found {
		t.Fatalf("no window titled Safeguard Companion appeared within 30 s; app output:\n%s", logs.String())
	}
	if dir := os.Getenv("SCREENSHOT_DIR"); dir != "" {
		time.Sleep(4 * time.Second) // the keyring probe, then the first-run screen
		out := filepath.Join(dir, "00-real-app-xvfb.png")
		if b, err := exec.Command("/usr/bin/import", "-display", display, "-window", "root", out).CombinedOutput(); err != nil {
			t.Logf("screenshot failed: %v %s", err, b)
		}
	}
}
