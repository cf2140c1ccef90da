package report

import (
	"fmt"
	"slices"
	"time"

	"github.com/go-pdf/fpdf"

	"safeguard/companion/session"
)

// Retention in the Board's report (issue 16): the records disposed of at
// the end of their retention in the quarter, each with its dates and who
// approved it (from the signed tombstones; never content), and how many
// records were past their date and still kept at the quarter's end.

// Disposal is one record disposed of, as its tombstone says.
type Disposal struct {
	RecordID   string
	Kind       string // "Session record" or "Incident"
	Made, Due  time.Time
	At         time.Time // when the DSL approved it
	ApprovedBy string    // their name
}

// retentionFigures fills in the quarter's disposals and what was past its
// date at the quarter's end: records still here whose date (after any
// extension) fell before the end, and records disposed of after the end
// whose date fell before it.
func retentionFigures(f *Figures, in Input, q Quarter, loc *time.Location) {
	end := q.End(loc)
	for _, d := range in.Disposals {
		if q.Contains(d.At, loc) {
			f.DisposedList = append(f.DisposedList, d)
		}
		if !d.At.Before(end) && d.Due.Before(end) {
			f.PastDueAtEnd++
		}
	}
	slices.SortStableFunc(f.DisposedList, func(a, b Disposal) int { return a.At.Compare(b.At) })
	f.Disposed = len(f.DisposedList)
	for _, due := range in.KeptDue {
		if !due.IsZero() && due.Before(end) {
			f.PastDueAtEnd++
		}
	}
}

// SARFacts are a subject access request's dates, for the Board.
type SARFacts struct {
	Received, DueBy, Answered time.Time
}

// sarFigures counts the requests answered in the quarter, how many on
// time (by the end of their due day, after any lawful extension), and the
// requests open and overdue at the quarter's end.
func sarFigures(f *Figures, in Input, q Quarter, loc *time.Location) {
	end := q.End(loc)
	for _, r := range in.SARs {
		onTime := func(t time.Time) bool { return t.Before(r.DueBy.AddDate(0, 0, 1)) }
		if !r.Answered.IsZero() && q.Contains(r.Answered, loc) {
			f.SARsAnswered++
			if onTime(r.Answered) {
				f.SARsOnTime++
			}
		}
		open := r.Received.Before(end) && (r.Answered.IsZero() || !r.Answered.Before(end))
		if open && !onTime(end) {
			f.SARsOverdueAtEnd++
		}
	}
}

// sharingFigures counts information shared with other agencies in the
// quarter, and how much of it without consent (Working Together 2023).
func sharingFigures(f *Figures, in Input, q Quarter, loc *time.Location) {
	for _, d := range in.Incidents {
		for _, s := range d.Sharing {
			if q.Contains(s.SharedAt, loc) {
				f.Shared++
				if s.Basis == session.SharedWithoutConsent {
					f.SharedWithoutConsent++
				}
			}
		}
	}
}

// retentionRows are the headline rows for retention.
func (r Report) retentionRows() []Row {
	c, p := r.Current, r.Previous
	return []Row{
		{"Information shared with other agencies", fmt.Sprint(c.Shared), fmt.Sprint(p.Shared), change(c.Shared, p.Shared)},
		{"of which shared without consent", fmt.Sprint(c.SharedWithoutConsent), fmt.Sprint(p.SharedWithoutConsent), change(c.SharedWithoutConsent, p.SharedWithoutConsent)},
		{"Subject access requests answered", fmt.Sprint(c.SARsAnswered), fmt.Sprint(p.SARsAnswered), change(c.SARsAnswered, p.SARsAnswered)},
		{"Subject access requests answered on time", fmt.Sprintf("%d (%s)", c.SARsOnTime, Percent(c.SARsOnTime, c.SARsAnswered)),
			fmt.Sprintf("%d (%s)", p.SARsOnTime, Percent(p.SARsOnTime, p.SARsAnswered)), pointsChange(c.SARsOnTime, c.SARsAnswered, p.SARsOnTime, p.SARsAnswered)},
		{"Subject access requests overdue at quarter end", fmt.Sprint(c.SARsOverdueAtEnd), fmt.Sprint(p.SARsOverdueAtEnd), change(c.SARsOverdueAtEnd, p.SARsOverdueAtEnd)},
		{"Records disposed of at the end of retention", fmt.Sprint(c.Disposed), fmt.Sprint(p.Disposed), change(c.Disposed, p.Disposed)},
		{"Past retention date at quarter end, still kept", fmt.Sprint(c.PastDueAtEnd), fmt.Sprint(p.PastDueAtEnd), change(c.PastDueAtEnd, p.PastDueAtEnd)},
	}
}

// DisposalLine is one disposal in words.
func (r Report) DisposalLine(d Disposal) string {
	loc := r.loc()
	return fmt.Sprintf("%s %s: made %s, due %s, disposed of on the approval of %s on %s.", d.Kind, d.RecordID,
		d.Made.In(loc).Format("2 January 2006"), d.Due.In(loc).Format("2 January 2006"), d.ApprovedBy, d.At.In(loc).Format("2 January 2006"))
}

// writeDisposalsPDF lists the quarter's disposals.
func (r Report) writeDisposalsPDF(pdf *fpdf.Fpdf, tr func(string) string) {
	c := r.Current
	if pdf.GetY() > 250 {
		pdf.AddPage()
	}
	pdf.Ln(4)
	pdf.SetFont("Helvetica", "B", 12)
	pdf.CellFormat(0, 8, tr(fmt.Sprintf("Records disposed of (%d): UK GDPR Art 5(1)(e)", c.Disposed)), "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 9)
	if c.Disposed == 0 {
		pdf.CellFormat(0, 6, tr("No record was disposed of this quarter."), "", 1, "L", false, 0, "")
	}
	for _, d := range c.DisposedList {
		pdf.MultiCell(0, 5, tr("- "+r.DisposalLine(d)), "", "L", false)
	}
}
