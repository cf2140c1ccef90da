package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"fyne.io/fyne/v2/test"

	"safeguard/companion/store"
)

// Issue 16 section 4: the DSL transfers a young person's safeguarding file
// to another provider's DSL: every record about them, sealed to that DSL's
// age key (opened here with the standard age tool when AGE_BIN is set),
// the sending signed and the export audited, then their confirmation of
// receipt recorded (KCSIE 2023 Part 2).
func TestTransferSafeguardingFile(t *testing.T) {
	u, clock, dev := newDSLUI(t)
	ctx := context.Background()
	loc := u.cfg.Pack.Location()
	today := time.Date(suiteNow.Year(), suiteNow.Month(), suiteNow.Day(), 12, 0, 0, 0, loc)
	closedIncident(t, u, "inc-9", "CUS-9", today.AddDate(0, -1, 0))
	closedIncident(t, u, "inc-other", "CUS-10", today.AddDate(0, -1, 0))
	receiver, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}

	tap(t, u, "Incident cases")
	tap(t, u, "Transfers")
	ts := u.showTransfers()
	settle(u)
	mustSee(t, u, "Transfer a safeguarding file to another provider", "Files transferred (0)")
	test.Type(findEntry(t, u, "Customer reference"), "CUS-9")
	test.Type(findEntry(t, u, "Receiving provider"), "Riverside College")
	test.Type(findEntry(t, u, "Their DSL's name"), "Jo Smith")
	tap(t, u, "Seal and save the file…")
	mustSee(t, u, "Paste the receiving DSL's age public key")
	findEntry(t, u, "Their DSL's age public key (age1…)").SetText("ssh-ed25519 AAAA")
	tap(t, u, "Seal and save the file…")
	mustSee(t, u, "This is not an age public key")
	findEntry(t, u, "Their DSL's age public key (age1…)").SetText(receiver.Recipient().String())

	ev, sealed, err := ts.prepare()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("CUS-9")) {
		t.Fatal("the sealed file shows the reference")
	}
	var plain []byte
	if ageBin := os.Getenv("AGE_BIN"); ageBin != "" {
		dir := t.TempDir()
		f, key := filepath.Join(dir, "file.age"), filepath.Join(dir, "key.txt")
		if err := os.WriteFile(f, sealed, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(key, []byte(receiver.String()+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if plain, err = exec.Command(ageBin, "-d", "-i", key, f).Output(); err != nil {
			t.Fatalf("age -d: %v", err)
		}
	} else {
		t.Log("AGE_BIN is not set: opened with the age library instead of the age tool")
		r, err := age.Decrypt(bytes.NewReader(sealed), receiver)
		if err != nil {
			t.Fatal(err)
		}
		plain, _ = io.ReadAll(r)
	}
	var file transferFile
	if err := json.Unmarshal(plain, &file); err != nil {
		t.Fatal(err)
	}
	if file.Ref != "CUS-9" || file.Provider != "Riverside College" || len(file.Records) != 1 || file.Records[0].ID != "inc-9" ||
		file.Records[0].Document == nil || !strings.Contains(string(plain), "A concern about an adult customer.") {
		t.Fatalf("the receiver reads: %s", plain)
	}

	// What the save dialog does once the file is written.
	if err := ts.record(ctx, ev); err != nil {
		t.Fatal(err)
	}
	ts.done(ev)
	settle(u)
	mustSee(t, u, "File of CUS-9 sealed for Jo Smith (Riverside College), 1 record; sent recorded and audited.",
		"CUS-9 to Riverside College (Jo Smith)", "Receipt not confirmed yet.")
	if !audited(t, dev, store.ActionExported) {
		t.Fatal("the transfer's export is not audited")
	}

	clock.Advance(48 * time.Hour)
	findEntry(t, u, "Confirmed on (DD/MM/YYYY)").SetText(today.AddDate(0, 0, -1).Format("02/01/2006"))
	tap(t, u, "Record receipt of CUS-9")
	mustSee(t, u, "Receipt cannot be confirmed before the file was sent.")
	findEntry(t, u, "Confirmed on (DD/MM/YYYY)").SetText(today.AddDate(0, 0, 1).Format("02/01/2006"))
	test.Type(findEntry(t, u, "How receipt was confirmed"), "E-mail from Jo Smith")
	tap(t, u, "Record receipt of CUS-9")
	mustSee(t, u, "Receipt of the file of CUS-9 recorded and signed.", "Receipt confirmed on "+today.AddDate(0, 0, 1).Format("2 January 2006")+": E-mail from Jo Smith")
	screenshot(t, u, "47-transfers")
}
