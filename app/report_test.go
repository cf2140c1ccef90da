package app

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"safeguard/companion/crypto"
	"safeguard/companion/records"
	"safeguard/companion/report"
	"safeguard/companion/seed"
	"safeguard/companion/store"
)

func TestReportScreenMatchesGeneratorAndAuditsExport(t *testing.T) {
	u, w := newSeededUI(t, seed.Manager)
	rs := u.showReport(w.Stores[seed.Manager])
	settle(u)
	want := seededCounts(w, thisQuarter)
	texts := visibleTexts(u)
	if !strings.Contains(texts, thisQuarter.String()+" ("+thisQuarter.Months()+")") || !strings.Contains(texts, "Sessions held") {
		t.Fatalf("report screen:\n%s", texts)
	}
	if rs.rep.Current.Sessions != want.Sessions || rs.rep.Previous.Sessions != seededCounts(w, lastQuarter).Sessions {
		t.Fatalf("sessions %d/%d, want %d/%d", rs.rep.Current.Sessions, rs.rep.Previous.Sessions, want.Sessions, seededCounts(w, lastQuarter).Sessions)
	}
	if !strings.Contains(texts, fmt.Sprint(want.Sessions)) {
		t.Fatalf("the session count is not on screen:\n%s", texts)
	}
	screenshot(t, u, "26-report")
	// It fits a 1,280-pixel laptop screen, Share button and all.
	if w := u.win.Content().MinSize().Width; w > 1200 {
		t.Errorf("the report screen needs %.0f px of width", w)
	}

	b, err := rs.export(context.Background(), "csv")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil || rows[1][2] != fmt.Sprint(want.Sessions) {
		t.Fatalf("csv: %v %v", rows[:2], err)
	}
	evs, err := w.Stores[seed.Manager].AuditEvents(context.Background(), 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	last := evs[len(evs)-1]
	if last.Action != store.ActionExported || last.SubjectID != fmt.Sprintf("report-%d-q%d.csv", thisQuarter.Year, thisQuarter.Q) || last.Actor != w.Vaults[seed.Manager].KeyID() {
		t.Fatalf("export not audited: %+v", last.Event)
	}
}

// Policy 9.1: a line manager shares her session figures with the DSLs, who
// cannot read session records; the DSL's report then counts the sessions
// the generator made, and the figures record is sealed to the DSLs only.
func TestShareSessionFiguresWithDSL(t *testing.T) {
	ctx := context.Background()
	u, w := newSeededUI(t, seed.Manager)
	u.showReport(w.Stores[seed.Manager])
	settle(u)
	before, err := w.Stores[seed.Manager].CountEnvelopes(ctx, store.Filter{Kind: string(crypto.KindFigures)})
	if err != nil {
		t.Fatal(err)
	}
	tap(t, u, shareFiguresLabel)
	texts := visibleTexts(u)
	if !strings.Contains(texts, "No names, customer references or session notes") {
		t.Fatalf("the confirmation does not say what is shared:\n%s", texts)
	}
	screenshot(t, u, "27-share-figures")
	tap(t, u, "Share")
	want := seededCounts(w, thisQuarter)
	// This device has no hub, so it says the figures wait on it.
	if texts := visibleTexts(u); !strings.Contains(texts, fmt.Sprintf("Shared with the safeguarding team: figures for %d sessions in %s", want.Sessions, thisQuarter)) ||
		!strings.Contains(texts, "not connected to a hub yet") {
		t.Fatalf("no confirmation on screen:\n%s", texts)
	}
	var sent *store.Envelope
	for e, err := range w.Stores[seed.Manager].Envelopes(ctx, store.Filter{Kind: string(crypto.KindFigures)}) {
		if err != nil {
			t.Fatal(err)
		}
		sent = &e
	}
	if n, _ := w.Stores[seed.Manager].CountEnvelopes(ctx, store.Filter{Kind: string(crypto.KindFigures)}); n != before+1 || sent == nil {
		t.Fatalf("figures records: %d, want %d", n, before+1)
	}
	env, err := crypto.ParseEnvelope(append(append([]byte{}, sent.Header...), sent.Body...))
	if err != nil {
		t.Fatal(err)
	}
	var readers []string
	for _, k := range env.Header().Recipients {
		if p, _, ok := w.Org.Directory.Key(k); ok {
			readers = append(readers, p.ID)
		}
	}
	if strings.Join(readers, ",") != "priya,morgan,alex" {
		t.Errorf("figures sealed to %v, want the manager and the DSL only", readers)
	}

	// What was shared is the quarter's sessions, as facts.
	var got report.Contribution
	morgan, _ := w.Org.Member(seed.DSL)
	if o, err := crypto.Open(env.Bytes(), w.Org.Directory, morgan.Identity); err != nil {
		t.Fatalf("the DSL cannot open the figures: %v", err)
	} else if err := json.Unmarshal(o.Body, &got); err != nil {
		t.Fatalf("the DSL cannot open the figures: %v", err)
	}
	if len(got.Facts) != want.Sessions || got.Quarter() != thisQuarter {
		t.Errorf("shared %d sessions for %v, want %d for %v", len(got.Facts), got.Quarter(), want.Sessions, thisQuarter)
	}

	// The DSL, with the figures delivered, reports the sessions.
	if err := w.Stores[seed.DSL].PutReceivedEnvelope(ctx, *sent); err != nil {
		t.Fatal(err)
	}
	d, _ := newSeededUIFrom(t, w, seed.DSL)
	rs := d.showReport(w.Stores[seed.DSL])
	settle(d)
	if rs.rep.Current.Sessions != want.Sessions || rs.rep.Current.Overruns != want.Overruns {
		t.Errorf("the DSL's report: %d sessions, %d overruns; want %d, %d", rs.rep.Current.Sessions, rs.rep.Current.Overruns, want.Sessions, want.Overruns)
	}
	texts = visibleTexts(d)
	if !strings.Contains(texts, "line managers' shared figures") {
		t.Errorf("the DSL's report does not say where its session figures come from:\n%s", texts)
	}
	if strings.Contains(texts, shareFiguresLabel) {
		t.Error("the DSL is offered to share figures with the DSL")
	}
	screenshot(t, d, "28-dsl-report")
}

// The DSL opens a manager's shared figures from the inbox and reads them.
func TestInboxShowsSharedFigures(t *testing.T) {
	u, w := newSeededUI(t, seed.DSL)
	entries, _, err := w.Vaults[seed.DSL].Open(context.Background(), nil, crypto.KindFigures)
	if err != nil || len(entries) == 0 {
		t.Fatalf("the DSL holds no shared figures: %v", err)
	}
	recs, errs := records.New(entries)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var q3 *records.Item
	for _, it := range recs.Items {
		if it.Figures != nil && it.Figures.Quarter() == lastQuarter {
			q3 = it
		}
	}
	if q3 == nil {
		t.Fatalf("no figures for %v", lastQuarter)
	}
	if kindText(q3) != "Session figures" || !strings.Contains(itemSubject(w.Pack, q3), fmt.Sprintf("%v: %d sessions", lastQuarter, seededCounts(w, lastQuarter).Sessions)) {
		t.Errorf("row: %q %q", kindText(q3), itemSubject(w.Pack, q3))
	}
	u.ShowInbox()
	settle(u)
	(&inboxScreen{shell: u.shell, nav: u, recs: recs}).open(q3)
	settle(u)
	screenshot(t, u, "29-shared-figures")
	texts := visibleTexts(u)
	if !strings.Contains(texts, "Priya Shah (demo) shared these figures for "+lastQuarter.String()) ||
		!strings.Contains(texts, fmt.Sprintf("Sessions: %d", seededCounts(w, lastQuarter).Sessions)) {
		t.Errorf("figures dialog:\n%s", texts)
	}
}

// Issue 20 item 8: the quarter still running is reported "to date" (the
// table's heading, the chart legend and what the figures cover), and the
// export dialog opens in the person's documents folder.
func TestReportSaysToDateAndExportsToDocuments(t *testing.T) {
	home := t.TempDir()
	docs := filepath.Join(home, "Documents")
	if err := os.Mkdir(docs, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(docs, "last-quarter.pdf"), []byte("%PDF-"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", home)
	t.Setenv("XDG_DOCUMENTS_DIR", "")
	u, w := newSeededUI(t, seed.Manager)
	u.showReport(w.Stores[seed.Manager])
	settle(u)
	mustSee(t, u, thisQuarter.String()+" to date", ", to date ("+seededUntil.In(london).Format("2 January 2006")+")")
	tap(t, u, "Export PDF")
	mustSee(t, u, "last-quarter\n", "Documents")
	screenshot(t, u, "26a-report-export-documents")
}
