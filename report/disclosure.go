package report

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/go-pdf/fpdf"

	"safeguard/companion/session"
)

// The disclosure pack of a subject access request (issue 16 section 3):
// a PDF for the person, in plain words, and JSON for the organisation's
// file, which also keeps why each withheld item was withheld.

// WriteDisclosureJSON writes the pack for the file.
func WriteDisclosureJSON(w io.Writer, p session.DisclosurePack) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(p); err != nil {
		return fmt.Errorf("write disclosure json: %w", err)
	}
	return nil
}

// WriteDisclosurePDF writes the pack for the person: each record about
// them with other people's names withheld, and for each record withheld,
// the exemption relied on (the reason stays on file). org names the
// organisation; loc is its time zone.
func WriteDisclosurePDF(w io.Writer, p session.DisclosurePack, org string, loc *time.Location) error {
	if loc == nil {
		loc = time.UTC
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCreationDate(p.Prepared)
	pdf.SetModificationDate(p.Prepared)
	pdf.SetTitle("Response to your subject access request", true)
	pdf.SetAutoPageBreak(true, 15)
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	date := func(t time.Time) string { return t.In(loc).Format("2 January 2006") }
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		pdf.SetFont("Helvetica", "", 8)
		pdf.SetTextColor(110, 110, 110)
		pdf.CellFormat(0, 5, tr(fmt.Sprintf("Subject access request %s. Prepared %s. Page %d.", p.RequestID, date(p.Prepared), pdf.PageNo())), "", 0, "C", false, 0, "")
	})
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 16)
	pdf.MultiCell(0, 8, tr("Your personal information"), "", "L", false)
	pdf.SetFont("Helvetica", "", 10)
	if org == "" {
		org = "The organisation"
	}
	withheld := 0
	for _, it := range p.Items {
		if it.Withheld {
			withheld++
		}
	}
	intro := fmt.Sprintf("%s received your request for a copy of your personal information on %s (reference %s). "+
		"This pack holds the %d records we keep about you. Other people's names are replaced by %q to protect them. ",
		org, date(p.Received), p.Ref, len(p.Items), session.Redacted)
	if withheld > 0 {
		intro += fmt.Sprintf("%d record(s) are withheld; for each, we name the exemption in the Data Protection Act 2018 we rely on. ", withheld)
	}
	intro += "You may complain to the Information Commissioner's Office (ico.org.uk) if you are unhappy with this response."
	pdf.MultiCell(0, 5, tr(intro), "", "L", false)
	pdf.Ln(4)
	for i, it := range p.Items {
		kind := "Session record"
		if it.Kind == session.RetainIncident {
			kind = "Safeguarding record"
		}
		pdf.SetFont("Helvetica", "B", 11)
		pdf.MultiCell(0, 6, tr(fmt.Sprintf("%d. %s, %s: %s", i+1, kind, date(it.Made), it.Title)), "", "L", false)
		pdf.SetFont("Helvetica", "", 10)
		if it.Withheld {
			pdf.MultiCell(0, 5, tr(fmt.Sprintf("This record is withheld: %s (%s).", it.Exemption, it.Reference)), "", "L", false)
		}
		for _, para := range it.Paragraphs {
			pdf.MultiCell(0, 5, tr(para), "", "L", false)
			pdf.Ln(1)
		}
		pdf.Ln(3)
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("write disclosure pdf: %w", err)
	}
	return nil
}
