package crypto

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
)

// TestAgeCLIInterop: "the encrypted payload is a plain age file: a
// recipient can open it with the standard age tool" (Trust model). Seals a
// record, exports Mike's identity the way he would, and runs
// `$AGE_BIN -d -i identity record.age`.
func TestAgeCLIInterop(t *testing.T) {
	ageBin := os.Getenv("AGE_BIN")
	if ageBin == "" {
		t.Skip("AGE_BIN is not set: point it at an age v1.3.2 binary " +
			"(GOBIN=/tmp/agebin go install filippo.io/age/cmd/...@v1.3.2; AGE_BIN=/tmp/agebin/age)")
	}
	f := newFixture(t)
	body := "Summary: explored apprenticeships.\nActions: send college links by Friday."
	env := f.seal(t, "alice", f.v2, record("rec-interop", KindSessionRecord, body))
	e, err := ParseEnvelope(env)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctPath := filepath.Join(dir, "record.age")
	if err := os.WriteFile(ctPath, e.Ciphertext(), 0o600); err != nil {
		t.Fatal(err)
	}
	idPath := filepath.Join(dir, "mike-key.txt")
	if err := WriteExportFile(idPath, func(w io.Writer) error {
		return ExportIdentityUnprotected(w, f.ids["mike"].AgeIdentity())
	}); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(ageBin, "-d", "-i", idPath, ctPath)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("age -d failed: %v\n%s", err, stderr.Bytes())
	}
	// What age prints is our padded plaintext; it must be exactly what our
	// own decrypt path produced and pass the same inner checks.
	ours, err := decryptAge(bytes.NewReader(e.Ciphertext()), false, f.ids["mike"])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stdout.Bytes(), ours) {
		t.Fatalf("age CLI output differs from our decryption")
	}
	h := e.Header()
	got, _, err := checkInner(stdout.Bytes(), &h)
	if err != nil || string(got) != body {
		t.Fatalf("inner check on CLI output: %v", err)
	}
	if !bytes.Contains(stdout.Bytes(), []byte(body)) {
		t.Fatalf("record content not visible in age output")
	}

	t.Run("passphrase-protected export", func(t *testing.T) {
		// age reads an identity file's passphrase from the terminal only, so
		// drive it through script(1), which gives it a pseudo-terminal.
		if runtime.GOOS == "windows" {
			t.Skip("Windows has no script(1): age.exe reads the passphrase from the console only, which a test cannot type into; " +
				"the export format is the same on every system and this interop runs on Linux (make unit); TestExportIdentity runs here")
		}
		scriptBin, err := exec.LookPath("script")
		if err != nil {
			t.Skip("script(1) is not installed, so age cannot be given a passphrase non-interactively")
		}
		keyPath := filepath.Join(dir, "mike-key.age")
		const pass = "long passphrase for the test"
		if err := WriteExportFile(keyPath, func(w io.Writer) error {
			return ExportIdentity(w, f.ids["mike"].AgeIdentity(), pass)
		}); err != nil {
			t.Fatal(err)
		}
		outPath := filepath.Join(dir, "record-via-protected-key.txt")
		pr, pw := io.Pipe()
		cmd := exec.Command(scriptBin, "-qec", strings.Join([]string{shellQuote(ageBin), "-d", "-i", shellQuote(keyPath), "-o", shellQuote(outPath), shellQuote(ctPath)}, " "), "/dev/null")
		cmd.Stdin = pr
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() {
			time.Sleep(time.Second) // let age open the terminal and prompt
			io.WriteString(pw, pass+"\n")
			pw.Close()
		}()
		if err := cmd.Wait(); err != nil {
			t.Fatalf("age -d with protected key: %v\n%s", err, out.Bytes())
		}
		got, err := os.ReadFile(outPath)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, ours) {
			t.Fatalf("age output with protected key differs from our decryption")
		}
	})

	// A non-recipient's key is refused by the CLI too.
	otherPath := filepath.Join(dir, "dana-key.txt")
	if err := WriteExportFile(otherPath, func(w io.Writer) error {
		return ExportIdentityUnprotected(w, f.ids["dana"].AgeIdentity())
	}); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(ageBin, "-d", "-i", otherPath, ctPath).Output(); err == nil || len(out) != 0 {
		t.Fatalf("age decrypted for a non-recipient")
	}
}

// TestExportIdentity: the passphrase-protected export is an age file that
// age (and so `age -d -i`, which prompts for the passphrase) reads back as
// an identity file; the plain export is only written on request; files are
// 0600 and never overwrite.
func TestExportIdentity(t *testing.T) {
	id, err := GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "my-key.age")
	if err := WriteExportFile(path, func(w io.Writer) error {
		return ExportIdentity(w, id.AgeIdentity(), "a long passphrase")
	}); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	if bytes.Contains(raw, []byte("AGE-SECRET-KEY")) {
		t.Fatal("protected export contains the key in the clear")
	}
	// Windows has no Unix permission bits (Go reports 0666 for any file
	// that is not read-only): there the folder under the user's profile,
	// which only they and administrators can open, protects the file.
	if fi, _ := os.Stat(path); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode().Perm())
	}
	sid, _ := age.NewScryptIdentity("a long passphrase")
	pt, err := decryptAge(bytes.NewReader(raw), false, sid)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := age.ParseIdentities(bytes.NewReader(pt))
	if err != nil || len(ids) != 1 {
		t.Fatalf("exported file is not an age identity file: %v", err)
	}
	if ids[0].(*age.HybridIdentity).Recipient().String() != id.AgeIdentity().Recipient().String() {
		t.Fatal("exported identity differs")
	}
	if bytes.Contains(pt, []byte(identityMagic)) {
		t.Fatal("signing key exported")
	}
	if err := ExportIdentity(io.Discard, id.AgeIdentity(), ""); err == nil {
		t.Error("empty passphrase accepted")
	}
	// Never overwrite an existing file, and remove a half-written one.
	if err := WriteExportFile(path, func(io.Writer) error { return nil }); err == nil {
		t.Error("existing file overwritten")
	}
	failed := filepath.Join(dir, "failed.age")
	if err := WriteExportFile(failed, func(io.Writer) error { return errors.New("disk full") }); err == nil {
		t.Error("write error swallowed")
	}
	if _, err := os.Stat(failed); !os.IsNotExist(err) {
		t.Error("partial export left behind")
	}
}

// shellQuote quotes s for sh -c, which script(1) uses.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
