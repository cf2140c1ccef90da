package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
	case "COMPANION_TEST_FAST_SCRYPT":
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
	if fi, err := os.Stat(filepath.Join(keys, "admin.age")); err != nil || fi.Mode().Perm()&0o077 != 0 {
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

	if _, e, c := cli(t, "enrol-code", "-data", data, "-person", "nobody"); c == 0 || !strings.Contains(e, "nobody") {
		t.Fatalf("code for nobody: %d %s", c, e)
	}
	code, e, c := cli(t, "enrol-code", "-data", data, "-person", "alice", "-ttl", "1h")
	if c != 0 {
		t.Fatalf("enrol-code: %s", e)
	}
	code = strings.TrimSpace(code)

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
