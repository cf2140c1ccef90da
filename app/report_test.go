package app

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"

	"safeguard/companion/seed"
	"safeguard/companion/store"
)

func TestReportScreenMatchesGeneratorAndAuditsExport(t *testing.T) {
	u, w := newSeededUI(t, seed.Manager)
	rs := u.showReport(w.Stores[seed.Manager])
	settle(u)
	want := w.Quarters["2026-Q4"]
	texts := visibleTexts(u)
	if !strings.Contains(texts, "Q4 2026 (October to December 2026)") || !strings.Contains(texts, "Sessions held") {
		t.Fatalf("report screen:\n%s", texts)
	}
	if rs.rep.Current.Sessions != want.Sessions || rs.rep.Previous.Sessions != w.Quarters["2026-Q3"].Sessions {
		t.Fatalf("sessions %d/%d, want %d/%d", rs.rep.Current.Sessions, rs.rep.Previous.Sessions, want.Sessions, w.Quarters["2026-Q3"].Sessions)
	}
	if !strings.Contains(texts, fmt.Sprint(want.Sessions)) {
		t.Fatalf("the session count is not on screen:\n%s", texts)
	}
	screenshot(t, u, "26-report")

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
	if last.Action != store.ActionExported || last.SubjectID != "report-2026-q4.csv" || last.Actor != w.Vaults[seed.Manager].KeyID() {
		t.Fatalf("export not audited: %+v", last.Event)
	}
}
