package report

import (
	"strings"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"

	"safeguard/companion/session"
	"safeguard/companion/testclock"
)

// Issue 20 item 8: no chart label in the PDF is cut off or runs under the
// bars. Every label a chart can show (the pack's categories, types and
// referral routes, the longest being CEOP's) is laid out within the label
// column, in the chart's font, and no word is lost.
func TestPDFChartLabelsFitTheirColumn(t *testing.T) {
	pack, err := session.DefaultPack()
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, c := range pack.Incident.Categories {
		labels = append(labels, c.Label)
	}
	for _, ty := range pack.Incident.Types {
		labels = append(labels, ty.Label)
	}
	for _, r := range pack.Incident.Routes {
		labels = append(labels, r.Label)
	}
	labels = append(labels, "Supercalifragilisticexpialidociousandthensomemoreletters")
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.AddPage()
	pdf.SetFont("Helvetica", "", 9)
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	wrapped := 0
	for _, l := range labels {
		lines := fitLines(pdf, tr, l, chartLabelWidth-2)
		for _, line := range lines {
			if w := pdf.GetStringWidth(tr(line)); w > chartLabelWidth-2 {
				t.Errorf("%q: line %q is %.1f mm wide, the column %.1f", l, line, w, chartLabelWidth-2)
			}
		}
		if got := strings.Join(lines, ""); strings.ReplaceAll(got, " ", "") != strings.ReplaceAll(l, " ", "") {
			t.Errorf("%q laid out as %q", l, lines)
		}
		if len(lines) > 1 {
			wrapped++
		}
	}
	if wrapped == 0 {
		t.Fatal("no label needed wrapping: the test checks nothing")
	}
}

// Issue 20 item 8: a quarter not yet finished is reported "to date", in
// the CSV's heading, the PDF's table and legend, and the subtitle; a
// finished one is not.
func TestReportOfARunningQuarterSaysToDate(t *testing.T) {
	loc := testclock.London
	now := testclock.Start()
	q := QuarterOf(now, loc)
	running := Build(Input{}, q, loc, now)
	if !running.ToDate() || running.CurrentHeading() != q.String()+" to date" ||
		!strings.Contains(running.Period(), ", to date ("+now.In(loc).Format("2 January 2006")+")") {
		t.Fatalf("running quarter: %v %q %q", running.ToDate(), running.CurrentHeading(), running.Period())
	}
	var b strings.Builder
	if err := running.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	if head := strings.SplitN(b.String(), "\n", 2)[0]; !strings.Contains(head, q.String()+" to date") {
		t.Fatalf("csv heading %q", head)
	}
	finished := Build(Input{}, q.Prev(), loc, q.Start(loc).Add(time.Hour))
	if finished.ToDate() || finished.CurrentHeading() != q.Prev().String() || strings.Contains(finished.Period(), "to date") {
		t.Fatalf("finished quarter: %v %q %q", finished.ToDate(), finished.CurrentHeading(), finished.Period())
	}
}
