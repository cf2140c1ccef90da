package app

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"safeguard/companion/session"
	"safeguard/companion/store"
)

// Issue 16 section 3: a DSL opens subject access requests; the queue puts
// the overdue one first (UK GDPR Art 12(3)); the records about the
// customer are gathered; the pack redacts other people's names and staff
// names, withholds an item under a named exemption with its reason, is
// exported as a PDF for the person and JSON for the file, and each export
// is in the access audit; an extension is refused after the first month
// and allowed within it; the incident queue shows the requests.
func TestSubjectAccessRequests(t *testing.T) {
	u, clock, dev := newDSLUI(t)
	ctx := context.Background()
	loc := u.cfg.Pack.Location()
	today := time.Date(suiteNow.Year(), suiteNow.Month(), suiteNow.Day(), 12, 0, 0, 0, loc)
	closedIncident(t, u, "inc-7", "CUS-7", today.AddDate(0, -2, 0))
	signed := today.AddDate(0, -3, 0)
	doc := session.Document{ID: "ses-7", PackID: u.cfg.Pack.ID, PackVersion: u.cfg.Pack.Version, State: session.Signed, CreatedAt: signed, SignedAt: signed,
		Plan:   session.Plan{Customer: session.Customer{Reference: "CUS-7", Age: 30}, Start: signed.Add(-time.Hour), Duration: 45 * time.Minute, Method: "video", Platform: "teams"},
		Record: &session.Record{Summary: "Talked about college. Her cousin Dave Jones joined the call; Morgan Hughes (demo) explained the limits of confidentiality."}}
	if _, err := u.cfg.Vault.SignRecord(ctx, doc); err != nil {
		t.Fatal(err)
	}

	tap(t, u, "Incident cases")
	mustSee(t, u, "Subject access: 0 subject access requests open, 0 overdue.")
	tap(t, u, "Subject access requests")
	mustSee(t, u, "0 subject access requests open, 0 overdue.")
	openReq := func(ref string, received time.Time) {
		test.Type(findEntry(t, u, "Customer reference"), ref)
		test.Type(findEntry(t, u, "Received (DD/MM/YYYY)"), received.Format("02/01/2006"))
		tap(t, u, "Open request")
		mustSee(t, u, "Request for "+ref+" opened and signed: due "+session.SARDue(received).Format("2 January 2006")+".")
	}
	late := today.AddDate(0, 0, -40)
	openReq("CUS-7", late)
	clock.Advance(time.Minute)
	openReq("CUS-8", today.AddDate(0, 0, -3))
	mustSee(t, u, "2 subject access requests open, 1 overdue.", "OVERDUE: was due "+session.SARDue(late).Format("2 January 2006")+".")
	texts := visibleTexts(u)
	if strings.Index(texts, "CUS-7 · received") > strings.Index(texts, "CUS-8 · received") {
		t.Fatal("the overdue request is not first in the queue")
	}

	// The open screen, as a value, so the test can export without the
	// file dialog.
	s := u.showSubjectAccess()
	settle(u)
	tap(t, u, "Open CUS-7")
	mustSee(t, u, "Subject access request for CUS-7", "Records about CUS-7 you can read (2)", "Session record ses-7", "Incident inc-7")
	test.Type(findEntry(t, u, "Extend to (DD/MM/YYYY)"), session.SARLatest(late).Format("02/01/2006"))
	test.Type(findEntry(t, u, "Requester told on (DD/MM/YYYY)"), today.Format("02/01/2006"))
	test.Type(findEntry(t, u, "Why it needs longer (told to the requester)"), "Numerous records")
	tap(t, u, "Extend")
	mustSee(t, u, "Too late to extend: the requester must be told within the first month")

	test.Type(findEntry(t, u, "Other people's names to redact, separated by commas"), "Dave Jones")
	test.Tap(findCheck(t, u, "Withhold inc-7"))
	tap(t, u, "Export PDF for the person")
	mustSee(t, u, "Choose the exemption inc-7 is withheld under.")
	ex := session.Exemptions()[0]
	findSelect(t, u, "Exemption relied on").SetSelected(ex.Label + " (" + ex.Reference + ")")
	test.Type(findEntry(t, u, "Why inc-7 is withheld (kept on file)"), "Police investigation under way.")
	screenshot(t, u, "44-subject-access")

	r, _ := s.selected()
	pdf, err := s.export(ctx, r, "pdf")
	if err != nil {
		t.Fatal(err)
	}
	js, err := s.export(ctx, r, "json")
	if err != nil {
		t.Fatal(err)
	}
	var pack session.DisclosurePack
	if err := json.Unmarshal(js, &pack); err != nil {
		t.Fatal(err)
	}
	if len(pack.Items) != 2 || !pack.Items[1].Withheld || pack.Items[1].Reason != "Police investigation under way." || pack.Items[0].Redactions != 2 {
		t.Fatalf("the file's pack: %s", js)
	}
	if strings.Contains(string(js), "Dave Jones") || strings.Contains(string(js), "Morgan Hughes") {
		t.Fatal("a redacted name is in the pack")
	}
	n := 0
	evs, err := dev.Store.AuditEvents(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if ev.Action == store.ActionExported && ev.SubjectID == r.ID {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("%d pack exports in the audit, want 2", n)
	}
	if _, err := exec.LookPath("pdftotext"); err == nil {
		p := filepath.Join(t.TempDir(), "pack.pdf")
		if err := os.WriteFile(p, pdf, 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("pdftotext", "-layout", p, "-").CombinedOutput()
		if err != nil {
			t.Fatalf("pdftotext: %v %s", err, out)
		}
		text := strings.Join(strings.Fields(string(out)), " ")
		for _, want := range []string{"Your personal information", "Her cousin [name withheld] joined the call; [name withheld] explained", "This record is withheld: " + ex.Label} {
			if !strings.Contains(text, want) {
				t.Errorf("the person's PDF lacks %q:\n%s", want, text)
			}
		}
		if strings.Contains(text, "Police investigation under way") {
			t.Error("the reason for withholding, for the file, is in the person's PDF")
		}
	} else {
		t.Log("pdftotext not installed: the PDF's words are not checked")
	}

	// CUS-8, within its first month: extended, then answered on time.
	tap(t, u, "Open CUS-8")
	until := session.SARLatest(today.AddDate(0, 0, -3))
	test.Type(findEntry(t, u, "Extend to (DD/MM/YYYY)"), until.Format("02/01/2006"))
	test.Type(findEntry(t, u, "Requester told on (DD/MM/YYYY)"), today.Format("02/01/2006"))
	test.Type(findEntry(t, u, "Why it needs longer (told to the requester)"), "Records held by two services")
	tap(t, u, "Extend")
	mustSee(t, u, "Request for CUS-8 extended to "+until.Format("2 January 2006")+", signed with the reason.")
	tap(t, u, "Open CUS-8")
	mustSee(t, u, "Extended to "+until.Format("2 January 2006")+": Records held by two services.")
	tap(t, u, "Mark answered (pack sent)")
	mustSee(t, u, "Request for CUS-8 marked answered and signed.", "1 subject access request open, 1 overdue.", "on time (due "+until.Format("2 January 2006")+")")

	// Beside the incidents.
	tap(t, u, "Home")
	tap(t, u, "Incident cases")
	settle(u)
	mustSee(t, u, "Subject access: 1 subject access request open, 1 overdue. First: CUS-7, OVERDUE: was due "+session.SARDue(late).Format("2 January 2006")+".")
	screenshot(t, u, "45-cases-with-subject-access")

	// The Board's report: one answered this quarter, on time.
	tap(t, u, "Home")
	tap(t, u, "Quarterly report")
	settle(u)
	mustSee(t, u, "Subject access requests answered on time", "1 (100%)", "Subject access requests overdue at quarter end")
}
