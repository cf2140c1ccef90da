package report_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"safeguard/companion/report"
	"safeguard/companion/session"
)

// UK GDPR Art 5(1)(e) and 5(2): the Board sees the records disposed of in
// the quarter, named with their dates and who approved, and how many were
// past their date and still kept at each quarter's end, counting those
// disposed of since as still kept then.
func TestReportRetention(t *testing.T) {
	q := report.Quarter{Year: 2026, Q: 4}
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 12, 0, 0, 0, london) }
	in := report.Input{
		Disposals: []report.Disposal{
			{RecordID: "inc-1", Kind: "Incident", Made: d(2019, 1, 1), Due: d(2026, 9, 1), At: d(2026, 11, 2), ApprovedBy: "Dana"},
			{RecordID: "ses-2", Kind: "Session record", Made: d(2020, 1, 1), Due: d(2026, 10, 1), At: d(2026, 10, 20), ApprovedBy: "Dana"},
			{RecordID: "ses-3", Kind: "Session record", Made: d(2019, 1, 1), Due: d(2026, 6, 1), At: d(2026, 7, 20), ApprovedBy: "Dana"},
		},
		KeptDue: []time.Time{d(2026, 8, 1), d(2026, 12, 1), d(2027, 2, 1), {}},
	}
	rep := report.Build(in, q, london, d(2027, 1, 5))
	c, p := rep.Current, rep.Previous
	if c.Disposed != 2 || p.Disposed != 1 {
		t.Errorf("disposed: %d this quarter, %d last, want 2 and 1", c.Disposed, p.Disposed)
	}
	if c.DisposedList[0].RecordID != "ses-2" {
		t.Errorf("listed oldest approval first: %+v", c.DisposedList)
	}
	// At the end of Q4: kept and due 1 Aug and 1 Dec. At the end of Q3:
	// kept and due 1 Aug, and inc-1 (due 1 Sep, disposed of in November).
	if c.PastDueAtEnd != 2 || p.PastDueAtEnd != 2 {
		t.Errorf("past due at quarter end: %d and %d, want 2 and 2", c.PastDueAtEnd, p.PastDueAtEnd)
	}
	var rows []string
	for _, r := range rep.Rows() {
		rows = append(rows, r.Measure+"="+r.Current)
	}
	if s := strings.Join(rows, ";"); !strings.Contains(s, "Records disposed of at the end of retention=2") || !strings.Contains(s, "Past retention date at quarter end, still kept=2") {
		t.Errorf("rows: %s", s)
	}
	var csvOut bytes.Buffer
	if err := rep.WriteCSV(&csvOut); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(csvOut.String(), "disposal,\"Incident inc-1: made 1 January 2019, due 1 September 2026, disposed of on the approval of Dana on 2 November 2026.\"") {
		t.Errorf("the CSV does not list the disposal:\n%s", csvOut.String())
	}
	var pdf bytes.Buffer
	if err := rep.WritePDF(&pdf); err != nil || pdf.Len() == 0 {
		t.Fatalf("pdf: %v", err)
	}
}

// UK GDPR Art 12(3): the Board sees requests answered, how many on time,
// and how many were overdue at the quarter's end.
func TestReportSubjectAccess(t *testing.T) {
	q := report.Quarter{Year: 2026, Q: 4}
	d := func(y int, m time.Month, day int, h int) time.Time { return time.Date(y, m, day, h, 0, 0, 0, london) }
	in := report.Input{SARs: []report.SARFacts{
		{Received: d(2026, 10, 1, 0), DueBy: d(2026, 11, 1, 0), Answered: d(2026, 11, 1, 17)}, // on its due day: on time
		{Received: d(2026, 10, 5, 0), DueBy: d(2026, 11, 5, 0), Answered: d(2026, 11, 6, 9)},  // a day late
		{Received: d(2026, 11, 20, 0), DueBy: d(2026, 12, 20, 0)},                             // open, overdue at the end
		{Received: d(2026, 12, 10, 0), DueBy: d(2027, 1, 10, 0)},                              // open, not yet due
		{Received: d(2026, 8, 1, 0), DueBy: d(2026, 9, 1, 0), Answered: d(2026, 10, 3, 9)},    // overdue at Q3's end, answered late in Q4
	}}
	rep := report.Build(in, q, london, d(2027, 1, 5, 9))
	c, p := rep.Current, rep.Previous
	if c.SARsAnswered != 3 || c.SARsOnTime != 1 || c.SARsOverdueAtEnd != 1 || p.SARsOverdueAtEnd != 1 || p.SARsAnswered != 0 {
		t.Errorf("figures: %+v / %+v", c, p)
	}
	found := false
	for _, r := range rep.Rows() {
		if r.Measure == "Subject access requests answered on time" && r.Current == "1 (33%)" {
			found = true
		}
	}
	if !found {
		t.Errorf("rows: %+v", rep.Rows())
	}
}

// Working Together 2023: the Board sees how much was shared, and how much
// without consent.
func TestReportSharing(t *testing.T) {
	q := report.Quarter{Year: 2026, Q: 4}
	at := func(m time.Month) time.Time { return time.Date(2026, m, 10, 12, 0, 0, 0, london) }
	in := report.Input{Incidents: []session.IncidentDocument{{ID: "inc-1", Sharing: []session.InformationSharing{
		{Basis: session.SharedWithConsent, SharedAt: at(10)},
		{Basis: session.SharedWithoutConsent, SharedAt: at(11)},
		{Basis: session.SharedWithoutConsent, SharedAt: at(9)},
	}}}}
	rep := report.Build(in, q, london, at(12))
	if c, p := rep.Current, rep.Previous; c.Shared != 2 || c.SharedWithoutConsent != 1 || p.Shared != 1 || p.SharedWithoutConsent != 1 {
		t.Errorf("sharing: %d/%d this quarter, %d/%d last", c.Shared, c.SharedWithoutConsent, p.Shared, p.SharedWithoutConsent)
	}
}
