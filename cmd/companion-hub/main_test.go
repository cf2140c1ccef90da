package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"safeguard/companion/crypto"
	"safeguard/companion/device"
	"safeguard/companion/session"
	"safeguard/companion/sync/client"
	"safeguard/companion/sync/synctest"
	"safeguard/companion/testclock"
)

// suiteNow is the tests' "now" (testclock); the commands run on it too, through
// session.ClockSetting, so the hub and the tests agree on the date.
var suiteNow = testclock.Start()

func env(k string) string {
	switch k {
	case session.ClockSetting:
		return suiteNow.Format(time.RFC3339Nano)
	case "COMPANION_ADMIN_PASSPHRASE":
		return "correct horse battery staple"
	case "COMPANION_TEST_FAST_SCRYPT", "COMPANION_TEST_KEY_FILES":
		return "1"
	case "COMPANION_DEMO_PASSPHRASE":
		return demoPass
	}
	return ""
}

func cli(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb, env)
	return out.String(), errb.String(), code
}

// TestAdminCommands runs every admin command against a real data directory
// and then a real hub process loop, and enrols a device with the code.
func TestAdminCommands(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "hub")
	keys := filepath.Join(dir, "admin-keys")

	if _, e, c := cli(t, "init-org", "-data", data, "-org", "Test Org"); c == 0 || !strings.Contains(e, "admin-key-dir") {
		t.Fatalf("init-org without a key folder: %d %s", c, e)
	}
	out, e, c := cli(t, "init-org", "-data", data, "-org", "Test Org", "-admin-key-dir", keys)
	if c != 0 || !strings.Contains(out, "hub key") {
		t.Fatalf("init-org: %d %s %s", c, out, e)
	}
	if _, e, c := cli(t, "init-org", "-data", data, "-org", "Again", "-admin-key-dir", filepath.Join(dir, "k2")); c == 0 || !strings.Contains(e, "already") {
		t.Fatalf("second init-org: %d %s", c, e)
	}
	// Windows has no Unix permission bits (Go reports 0666 for any file
	// that is not read-only): there the folder under the user's profile,
	// which only they and administrators can open, protects the file.
	if fi, err := os.Stat(filepath.Join(keys, "admin.age")); err != nil || runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		t.Fatalf("admin key file: %v", err)
	}

	// A plain directory signed and published by the CLI with the stored admin key.
	org := synctest.NewOrg(t)
	plain, err := json.Marshal(org.Directory(1, nil))
	if err != nil {
		t.Fatal(err)
	}
	plainPath := filepath.Join(dir, "directory.json")
	signedPath := filepath.Join(dir, "directory.signed.json")
	os.WriteFile(plainPath, plain, 0o600)
	if _, e, c := cli(t, "publish-directory", "-data", data, "-in", plainPath); c == 0 || !strings.Contains(e, "directory") {
		t.Fatalf("publishing an unsigned directory: %d %s", c, e)
	}
	if out, e, c := cli(t, "publish-directory", "-data", data, "-in", plainPath, "-sign", "-admin-key-dir", keys, "-out", signedPath); c != 0 || !strings.Contains(out, "version 1") {
		t.Fatalf("publish-directory -sign: %d %s %s", c, out, e)
	}
	// Republishing the same signed file is harmless; org's own admin key is not this hub's.
	if _, e, c := cli(t, "publish-directory", "-data", data, "-in", signedPath); c != 0 {
		t.Fatalf("republish: %s", e)
	}
	foreign := filepath.Join(dir, "foreign.json")
	os.WriteFile(foreign, org.Sign(t, 2, nil), 0o600)
	if _, e, c := cli(t, "publish-directory", "-data", data, "-in", foreign); c == 0 || !strings.Contains(e, "administrator") {
		t.Fatalf("another admin's directory: %d %s", c, e)
	}

	hubFlags := []string{"-data", data, "-hub-url", "https://hub.example.org:8443", "-admin-key-dir", keys}
	if _, e, c := cli(t, append([]string{"enrol-code", "-person", "nobody"}, hubFlags...)...); c == 0 || !strings.Contains(e, "nobody") {
		t.Fatalf("code for nobody: %d %s", c, e)
	}
	invPath := filepath.Join(dir, "alice"+device.InvitationExtension)
	invText, e, c := cli(t, append([]string{"enrol-code", "-person", "alice", "-ttl", "1h", "-out", invPath}, hubFlags...)...)
	if c != 0 {
		t.Fatalf("enrol-code: %s", e)
	}
	code := enrolInvitation(t, invText, invPath, keys)

	// serve on loopback, enrol with the code, then revoke the device.
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "-data", data, "-addr", "127.0.0.1:0"}, pw, io.Discard, env)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, pr)
	url := strings.Fields(line)[2]
	key := synctest.NewDeviceKey(t)
	resp, err := client.Enrol(context.Background(), url, nil, key, code, "laptop", suiteNow)
	if err != nil || resp.Person != "alice" {
		t.Fatalf("enrol through the served hub: %v", err)
	}
	if r, err := http.Get(url + "/healthz"); err != nil || r.StatusCode != 200 {
		t.Fatalf("healthz: %v", err)
	}
	if out, e, c := cli(t, "revoke", "-data", data, "-device", resp.Device); c != 0 || !strings.Contains(out, "revoked") {
		t.Fatalf("revoke: %d %s", c, e)
	}
	if _, e, c := cli(t, "revoke", "-data", data, "-device", "0123"); c == 0 || !strings.Contains(e, "no enrolled device") {
		t.Fatalf("revoke unknown: %d %s", c, e)
	}
	if _, _, c := cli(t, "revoke", "-data", data, "-person", "bob"); c != 0 {
		t.Fatal("revoke person failed")
	}
	cancel()
	if c := <-done; c != 0 {
		t.Fatalf("serve exited %d", c)
	}
	if _, e, c := cli(t, "serve", "-data", data, "-addr", "0.0.0.0:0"); c == 0 || !strings.Contains(e, "refusing plain HTTP") {
		t.Fatalf("plain HTTP on all interfaces: %d %s", c, e)
	}
	if _, _, c := cli(t, "frobnicate"); c != 2 {
		t.Fatal("unknown command accepted")
	}
}

// enrolInvitation checks what enrol-code printed and wrote (issue 14 §1):
// an invitation naming the hub, the code and the fingerprint of the admin
// key in keys, the file owner-only and never overwritten; and that the
// command refuses to vouch for a hub whose database names another admin
// key, or a plain http:// address elsewhere. It returns the code.
func enrolInvitation(t *testing.T, printed, path, keys string) string {
	t.Helper()
	inv, err := device.ParseInvitation([]byte(printed))
	if err != nil {
		t.Fatalf("enrol-code printed no invitation: %v\n%s", err, printed)
	}
	ks, err := crypto.NewFileKeystore(keys, env("COMPANION_ADMIN_PASSPHRASE"))
	if err != nil {
		t.Fatal(err)
	}
	ks.SetWorkFactor(10)
	admin, err := ks.Load("admin")
	if err != nil {
		t.Fatal(err)
	}
	if inv.Hub != "https://hub.example.org:8443" || inv.Person != "alice" || inv.Fingerprint != crypto.AdminKeyID(admin.SigningPublicKey()) ||
		!strings.Contains(printed, crypto.AdminFingerprint(admin.SigningPublicKey())) {
		t.Errorf("invitation %+v", inv)
	}
	written, err := os.ReadFile(path)
	if err != nil || string(written) != printed {
		t.Errorf("invitation file: %v", err)
	}
	if fi, err := os.Stat(path); err != nil || runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("invitation file mode: %v %v", fi.Mode(), err)
	}
	data := filepath.Join(filepath.Dir(keys), "hub")
	if _, e, c := cli(t, "enrol-code", "-data", data, "-person", "alice", "-hub-url", "https://hub.example.org:8443", "-admin-key-dir", keys, "-out", path); c == 0 || !strings.Contains(e, "exists") {
		t.Errorf("an invitation file was overwritten: %d %s", c, e)
	}
	if _, e, c := cli(t, "enrol-code", "-data", data, "-person", "alice", "-hub-url", "https://hub.example.org:8443"); c == 0 || !strings.Contains(e, "not from the hub's database") {
		t.Errorf("enrol-code without ICT's admin key: %d %s", c, e)
	}
	if _, e, c := cli(t, "enrol-code", "-data", data, "-person", "alice", "-hub-url", "http://hub.example.org:8443", "-admin-key-dir", keys); c == 0 || !strings.Contains(e, "not encrypted") {
		t.Errorf("enrol-code for a plain http address: %d %s", c, e)
	}
	// The hub's database names another admin key than ICT's: no code.
	other := synctest.NewOrg(t).Admin.SigningPublicKey()
	if _, e, c := cli(t, "enrol-code", "-data", data, "-person", "alice", "-hub-url", "https://hub.example.org:8443",
		"-admin-key", base64.StdEncoding.EncodeToString(other)); c == 0 || !strings.Contains(e, "tampered") {
		t.Errorf("enrol-code with another admin key than the hub's: %d %s", c, e)
	}
	return inv.Code
}
