package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
)

// ToDate reports whether the report's quarter had not ended when the report
// was made: its figures are then the quarter's so far, not the quarter's.
func (r Report) ToDate() bool {
	return r.Generated.Before(r.Current.Quarter.End(r.loc()))
}

// CurrentHeading names the report's quarter as a heading: "Q4 2026", or
// "Q4 2026 to date" while it runs.
func (r Report) CurrentHeading() string {
	if r.ToDate() {
		return r.Current.Quarter.String() + " to date"
	}
	return r.Current.Quarter.String()
}

// Period says what the report covers, for its subtitle: "Q4 2026
// (October to December 2026)", and while the quarter runs ", to date
// (3 December 2026)".
func (r Report) Period() string {
	s := fmt.Sprintf("%s (%s)", r.Current.Quarter, r.Current.Quarter.Months())
	if r.ToDate() {
		s += ", to date (" + r.Generated.In(r.loc()).Format("2 January 2006") + ")"
	}
	return s
}

// WriteCSV writes the report as one table: section, measure, this quarter,
// previous quarter, change. Spreadsheet users filter on the first column.
func (r Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	c, p := r.Current, r.Previous
	rows := [][]string{{"section", "measure", r.CurrentHeading(), p.Quarter.String(), "change"}}
	for _, row := range r.Rows() {
		rows = append(rows, []string{"headline", row.Measure, row.Current, row.Previous, row.Change})
	}
	breakdown := func(section string, cur, prev []Count) {
		for _, b := range mergeCounts(cur, prev) {
			rows = append(rows, []string{section, b.label, fmt.Sprint(b.cur), fmt.Sprint(b.prev), change(b.cur, b.prev)})
		}
	}
	breakdown("escalations by category", c.ByCategory, p.ByCategory)
	breakdown("escalations by type", c.ByType, p.ByType)
	breakdown("referrals by agency", c.ByAgency, p.ByAgency)
	for _, reason := range c.OverrunReasons {
		rows = append(rows, []string{"overrun reason", csvSafe(reason), "", "", ""})
	}
	for _, d := range c.DisposedList {
		rows = append(rows, []string{"disposal", csvSafe(r.DisposalLine(d)), "", "", ""})
	}
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// csvSafe stops a spreadsheet from running free text as a formula (CSV
// injection): text a practitioner typed must stay text.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

type merged struct {
	label     string
	cur, prev int
}

// mergeCounts lines up this quarter's bars with last quarter's, by key.
func mergeCounts(cur, prev []Count) []merged {
	var out []merged
	idx := map[string]int{}
	for _, c := range cur {
		idx[c.Key] = len(out)
		out = append(out, merged{label: c.Label, cur: c.N})
	}
	for _, p := range prev {
		if i, ok := idx[p.Key]; ok {
			out[i].prev = p.N
			continue
		}
		out = append(out, merged{label: p.Label, prev: p.N})
	}
	return out
}

// Colours of the two quarters in every chart: dark blue for this quarter,
// grey for the previous one, readable in greyscale print too.
var (
	colourNow  = [3]int{31, 78, 121}
	colourPrev = [3]int{170, 170, 170}
)

// chartLabelWidth is the width, in mm, of a chart's label column; a label
// wraps to fit within it less a millimetre each side.
const chartLabelWidth = 55.0

// WritePDF writes the Board's report: a headline table with the change on
// last quarter, bar charts of escalations and referrals, and the overrun
// reasons. The PDF uses the core Helvetica font, so it needs no font files.
func (r Report) WritePDF(w io.Writer) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCreationDate(r.Generated)
	pdf.SetModificationDate(r.Generated)
	pdf.SetTitle("Online safety report "+r.Current.Quarter.String(), true)
	pdf.SetAutoPageBreak(true, 15)
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	c, p := r.Current, r.Previous
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		pdf.SetFont("Helvetica", "", 8)
		pdf.SetTextColor(110, 110, 110)
		pdf.CellFormat(0, 5, tr(fmt.Sprintf("Online safety report %s. Generated %s. Page %d. Confidential: for the Board (policy 6.1.1, 9.1).",
			c.Quarter, r.Generated.In(r.loc()).Format("2 January 2006 15:04"), pdf.PageNo())), "", 0, "C", false, 0, "")
	})
	pdf.AddPage()

	pdf.SetFont("Helvetica", "B", 18)
	pdf.SetTextColor(0, 0, 0)
	pdf.CellFormat(0, 10, tr("Quarterly online safety report"), "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 11)
	org := r.Organisation
	if org == "" {
		org = "Organisation"
	}
	pdf.CellFormat(0, 6, tr(fmt.Sprintf("%s  -  %s, compared with %s", org, r.Period(), p.Quarter)), "", 1, "L", false, 0, "")
	pdf.Ln(4)

	// Headline table.
	widths := []float64{88, 32, 32, 28}
	pdf.SetFont("Helvetica", "B", 10)
	pdf.SetFillColor(230, 236, 242)
	for i, h := range []string{"Measure", r.CurrentHeading(), p.Quarter.String(), "Change"} {
		pdf.CellFormat(widths[i], 7, tr(h), "B", 0, "L", true, 0, "")
	}
	pdf.Ln(-1)
	pdf.SetFont("Helvetica", "", 10)
	for i, row := range r.Rows() {
		fill := i%2 == 1
		pdf.SetFillColor(246, 246, 246)
		// A measure too long for its column wraps, and the row grows.
		lines := fitLines(pdf, tr, row.Measure, widths[0]-2)
		h := 6.5 * float64(len(lines))
		x, y := pdf.GetX(), pdf.GetY()
		for j, cell := range []string{strings.Join(lines, "\n"), row.Current, row.Previous, row.Change} {
			pdf.SetXY(x, y)
			if j == 0 {
				pdf.MultiCell(widths[0], 6.5, tr(cell), "", "L", fill)
			} else {
				pdf.CellFormat(widths[j], h, tr(cell), "", 0, "L", fill, 0, "")
			}
			x += widths[j]
		}
		left, _, _, _ := pdf.GetMargins()
		pdf.SetXY(left, y+h)
	}
	pdf.Ln(6)

	legend := func() {
		x, y := pdf.GetX(), pdf.GetY()
		pdf.SetFont("Helvetica", "", 9)
		for _, l := range []struct {
			col  [3]int
			text string
		}{{colourNow, r.CurrentHeading()}, {colourPrev, p.Quarter.String()}} {
			pdf.SetFillColor(l.col[0], l.col[1], l.col[2])
			pdf.Rect(x, y+1, 4, 3, "F")
			pdf.Text(x+6, y+4, tr(l.text))
			x += 30
		}
		pdf.Ln(7)
	}
	chart := func(title string, cur, prev []Count) {
		bars := mergeCounts(cur, prev)
		const labelW, barMax, lineH = chartLabelWidth, 110.0, 3.8
		pdf.SetFont("Helvetica", "", 9)
		labels := make([][]string, len(bars))
		need := 18.0
		for i, b := range bars {
			labels[i] = fitLines(pdf, tr, b.label, labelW-2)
			need += max(9, float64(len(labels[i]))*lineH+1.5)
		}
		if pdf.GetY()+need > 280 {
			pdf.AddPage()
		}
		pdf.SetFont("Helvetica", "B", 12)
		pdf.CellFormat(0, 8, tr(title), "", 1, "L", false, 0, "")
		legend()
		most := 1
		for _, b := range bars {
			most = max(most, b.cur, b.prev)
		}
		for i, b := range bars {
			x, y := pdf.GetX(), pdf.GetY()
			pdf.SetFont("Helvetica", "", 9)
			pdf.SetTextColor(0, 0, 0)
			// The label wraps within its column, never running under the
			// bars or off the page.
			for k, line := range labels[i] {
				pdf.Text(x, y+3+float64(k)*lineH, tr(line))
			}
			for k, v := range []struct {
				n   int
				col [3]int
			}{{b.cur, colourNow}, {b.prev, colourPrev}} {
				by := y + 0.5 + float64(k)*3.7
				wd := barMax * float64(v.n) / float64(most)
				pdf.SetFillColor(v.col[0], v.col[1], v.col[2])
				if v.n > 0 {
					pdf.Rect(x+labelW, by, max(wd, 0.6), 3.2, "F")
				}
				pdf.SetFont("Helvetica", "", 8)
				pdf.Text(x+labelW+wd+1.5, by+2.7, fmt.Sprint(v.n))
			}
			pdf.SetXY(x, y+max(9, float64(len(labels[i]))*lineH+1.5))
		}
		pdf.Ln(4)
	}
	chart("Escalations by category (the four Cs, policy 1.4)", c.ByCategory, p.ByCategory)
	chart("Escalations by type", c.ByType, p.ByType)
	chart("Referrals by agency", c.ByAgency, p.ByAgency)

	if pdf.GetY() > 250 {
		pdf.AddPage()
	}
	pdf.SetFont("Helvetica", "B", 12)
	pdf.CellFormat(0, 8, tr(fmt.Sprintf("Overruns and their reasons (%d)", len(c.OverrunReasons))), "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 9)
	if len(c.OverrunReasons) == 0 {
		pdf.CellFormat(0, 6, tr("No session ran over its planned length this quarter."), "", 1, "L", false, 0, "")
	}
	for _, reason := range GroupReasons(c.OverrunReasons) {
		pdf.MultiCell(0, 5, tr("- "+reason), "", "L", false)
	}
	r.writeDisposalsPDF(pdf, tr)
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("write pdf: %w", err)
	}
	return nil
}

// fitLines breaks text into lines that, translated by tr for the PDF's
// font, are no wider than width in the current font. Lines break between
// words; a word longer than width is cut rather than let run on.
func fitLines(pdf *fpdf.Fpdf, tr func(string) string, text string, width float64) []string {
	fits := func(s string) bool { return pdf.GetStringWidth(tr(s)) <= width }
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		if line == "" {
			line = word
		} else if fits(line + " " + word) {
			line += " " + word
		} else {
			lines = append(lines, line)
			line = word
		}
		for !fits(line) {
			r := []rune(line)
			n := len(r) - 1
			for n > 1 && !fits(string(r[:n])) {
				n--
			}
			lines = append(lines, string(r[:n]))
			line = string(r[n:])
		}
	}
	return append(lines, line)
}

func (r Report) loc() *time.Location {
	if r.Location == nil {
		return time.UTC
	}
	return r.Location
}

// GroupReasons folds repeated overrun reasons into "reason (n times)", so
// the Board sees patterns rather than a long list.
func GroupReasons(sorted []string) []string {
	var out []string
	for i := 0; i < len(sorted); {
		j := i
		for j < len(sorted) && sorted[j] == sorted[i] {
			j++
		}
		if n := j - i; n > 1 {
			out = append(out, fmt.Sprintf("%s (%d times)", sorted[i], n))
		} else {
			out = append(out, sorted[i])
		}
		i = j
	}
	return out
}
