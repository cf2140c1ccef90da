package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/crypto"
	"safeguard/companion/report"
	"safeguard/companion/store"
)

// shareFiguresLabel is the line manager's button that shares her session
// figures with the safeguarding team.
const shareFiguresLabel = "Share session figures with the safeguarding team"

// reportScreen is the quarterly report on screen.
type reportScreen struct {
	*shell
	nav   navigator
	sync  *syncStatus
	log   AuditLog
	input report.Input
	// unreadable is how many records could not be read, so are left out
	// of the figures: said, not hidden (issue 15).
	unreadable int
	quarter    report.Quarter
	rep        report.Report
	body       *fyne.Container
	status     *widget.Label
	// loaded is set once the records are read; counting starts then.
	loaded bool
	// counting numbers each rebuild, so that only the latest is shown.
	counting int
}

// ShowReport shows the quarterly online-safety report for the Board
// (policy 6.1.1, 9.1), built from the records this person can read, with
// PDF and CSV export. Every export is recorded in log.
func (u *UI) ShowReport(log AuditLog) { u.showReport(log) }

func (u *UI) showReport(log AuditLog) *reportScreen {
	now := u.cfg.Clock.Now()
	loc := u.cfg.Pack.Location()
	rs := &reportScreen{shell: u.shell, nav: u, sync: u.sync, log: log, quarter: report.QuarterOf(now, loc)}
	rs.status = widget.NewLabel("Opening your records…")
	rs.status.Wrapping = fyne.TextWrapWord
	rs.body = container.NewVBox()

	var quarters []string
	q := rs.quarter
	for range 8 {
		quarters = append(quarters, q.String())
		q = q.Prev()
	}
	pick := widget.NewSelect(quarters, func(s string) {
		q := rs.quarter
		for range 8 {
			if q.String() == s {
				break
			}
			q = q.Prev()
		}
		rs.quarter = q
		rs.rebuild()
	})
	pick.SetSelected(rs.quarter.String())
	pdfBtn := widget.NewButtonWithIcon("Export PDF", theme.DocumentSaveIcon(), func() { rs.saveAs("pdf") })
	csvBtn := widget.NewButtonWithIcon("Export CSV", theme.DocumentSaveIcon(), func() { rs.saveAs("csv") })
	actions := container.NewHBox(widget.NewLabel("Quarter"), pick, pdfBtn, csvBtn)
	if rs.isLineManager() {
		// Policy 9.1: the DSL reports to the Board with the functional
		// managers, and cannot read session records; a manager shares the
		// figures (facts, no content) with the DSLs.
		actions.Add(widget.NewButtonWithIcon(shareFiguresLabel, theme.MailSendIcon(), rs.confirmShare))
	}
	top := container.NewVBox(actions, rs.status, widget.NewSeparator())
	u.show("Quarterly report", container.NewBorder(top, nil, nil, nil, container.NewVScroll(rs.body)),
		widget.NewButtonWithIcon("Home", theme.HomeIcon(), u.ShowHome))
	if u.cfg.Vault == nil {
		rs.status.SetText("No records on this device.")
		return rs
	}
	var in report.Input
	var bad int
	u.background(func(ctx context.Context) error {
		entries, fails, err := u.cfg.Vault.Open(ctx, nil)
		if err != nil {
			return err
		}
		recs, n := u.readIndex(entries, fails)
		bad = n
		in = recs.Input(u.cfg.Pack)
		in.Disposals, in.KeptDue, err = u.retentionReport(ctx, recs)
		if err != nil {
			return err
		}
		in.SARs, err = u.sarReport(ctx)
		return err
	}, func(err error) {
		if err != nil {
			rs.status.SetText("Your records could not be opened: " + plainWords(err, reading))
			return
		}
		rs.input, rs.unreadable, rs.loaded = in, bad, true
		rs.rebuild()
	})
	return rs
}

// rebuild counts the quarter's figures off the UI goroutine (a year of
// records takes longer than a frame, issue 15 §3), then shows them.
func (rs *reportScreen) rebuild() {
	if !rs.loaded {
		return // the records are still being read; counting follows
	}
	in, q, loc, now := rs.input, rs.quarter, rs.cfg.Pack.Location(), rs.cfg.Clock.Now()
	rs.counting++
	n := rs.counting
	var rep report.Report
	rs.background(func(context.Context) error {
		rep = report.Build(in, q, loc, now)
		return nil
	}, func(error) {
		if n != rs.counting {
			return // another quarter was picked meanwhile; its figures follow
		}
		rs.rep = rep
		rs.render()
	})
}

// render shows the figures counted by rebuild.
func (rs *reportScreen) render() {
	rs.rep.Organisation = rs.cfg.Pack.Organisation
	if rs.cfg.Vault != nil {
		rs.rep.Organisation = rs.cfg.Vault.Directory().Org
	}
	// Each person reads only what is addressed to them, so say what the
	// figures are built from.
	from := fmt.Sprintf("%s. Built from the %d session records and %d incidents addressed to you",
		rs.rep.Period(), len(rs.input.Sessions), len(rs.input.Incidents))
	if n := rs.input.SharedOnly(); n > 0 {
		from += fmt.Sprintf(", and line managers' shared figures for %d sessions", n)
	}
	rs.status.SetText(strings.TrimSpace(from + ". " + unreadableWords(rs.unreadable)))
	c, p := rs.rep.Current, rs.rep.Previous
	bold := fyne.TextStyle{Bold: true}
	// The measure column is wider than the figures' (equal columns made
	// the longest measure set every column's width and pushed the window
	// past a laptop screen).
	row := func(cells ...fyne.CanvasObject) fyne.CanvasObject {
		return container.New(reportColumns{0.4, 0.2, 0.2, 0.2}, cells...)
	}
	grid := container.NewVBox(row(
		widget.NewLabelWithStyle("Measure", fyne.TextAlignLeading, bold),
		widget.NewLabelWithStyle(rs.rep.CurrentHeading(), fyne.TextAlignLeading, bold),
		widget.NewLabelWithStyle(p.Quarter.String(), fyne.TextAlignLeading, bold),
		widget.NewLabelWithStyle("Change", fyne.TextAlignLeading, bold)))
	for _, r := range rs.rep.Rows() {
		grid.Add(row(widget.NewLabel(r.Measure), widget.NewLabel(r.Current), widget.NewLabel(r.Previous), widget.NewLabel(r.Change)))
	}
	legend := container.NewHBox(legendKey(barNow, rs.rep.CurrentHeading()), legendKey(barPrev, p.Quarter.String()))
	charts := container.NewGridWithColumns(3,
		barChart("Escalations by category", c.ByCategory, p.ByCategory),
		barChart("Escalations by type", c.ByType, p.ByType),
		barChart("Referrals by agency", c.ByAgency, p.ByAgency))
	reasons := widget.NewLabel("")
	reasons.Wrapping = fyne.TextWrapWord
	if len(c.OverrunReasons) == 0 {
		reasons.SetText("No session ran over this quarter.")
	} else {
		var b bytes.Buffer
		for _, r := range report.GroupReasons(c.OverrunReasons) {
			fmt.Fprintf(&b, "• %s\n", r)
		}
		reasons.SetText(b.String())
	}
	rs.body.Objects = []fyne.CanvasObject{grid, widget.NewSeparator(), legend, charts, widget.NewSeparator(),
		widget.NewLabelWithStyle(fmt.Sprintf("Overruns and their reasons (%d)", len(c.OverrunReasons)), fyne.TextAlignLeading, bold), reasons,
		widget.NewSeparator(), widget.NewLabelWithStyle(fmt.Sprintf("Records disposed of at the end of retention (%d)", c.Disposed), fyne.TextAlignLeading, bold),
		disposalsLabel(rs.rep)}
	rs.body.Refresh()
}

var (
	barNow  = color.NRGBA{R: 31, G: 78, B: 121, A: 255}
	barPrev = color.NRGBA{R: 160, G: 160, B: 160, A: 255}
)

// barChart draws this quarter's bars beside last quarter's.
func barChart(title string, cur, prev []report.Count) fyne.CanvasObject {
	rows := container.NewVBox(widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	prevN := map[string]int{}
	for _, p := range prev {
		prevN[p.Key] = p.N
	}
	most := 1
	for _, c := range cur {
		most = max(most, c.N, prevN[c.Key])
	}
	for _, c := range cur {
		bar := func(n int, col color.Color) fyne.CanvasObject {
			r := canvas.NewRectangle(col)
			r.SetMinSize(fyne.NewSize(1, 8))
			return container.NewBorder(nil, nil, nil, widget.NewLabel(fmt.Sprint(n)), container.New(&fracLayout{frac: float32(n) / float32(most)}, r))
		}
		rows.Add(widget.NewLabel(c.Label))
		rows.Add(bar(c.N, barNow))
		rows.Add(bar(prevN[c.Key], barPrev))
	}
	return rows
}

// legendKey is a chart legend's entry: the bar's colour and what it is.
func legendKey(col color.Color, text string) fyne.CanvasObject {
	swatch := canvas.NewRectangle(col)
	swatch.SetMinSize(fyne.NewSize(16, 8))
	return container.NewHBox(container.NewCenter(swatch), widget.NewLabel(text))
}

// reportColumns lays a row's cells out side by side, each taking its
// share of the width.
type reportColumns []float32

func (c reportColumns) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	var x float32
	for i, o := range objs {
		w := size.Width * c[i]
		o.Resize(fyne.NewSize(w, size.Height))
		o.Move(fyne.NewPos(x, 0))
		x += w
	}
}

func (c reportColumns) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var w, h float32
	for i, o := range objs {
		m := o.MinSize()
		w, h = max(w, m.Width/c[i]), max(h, m.Height)
	}
	return fyne.NewSize(w, h)
}

// fracLayout gives its one object a fraction of the width.
type fracLayout struct{ frac float32 }

func (l *fracLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		h := o.MinSize().Height
		o.Resize(fyne.NewSize(max(size.Width*l.frac, 1), h))
		o.Move(fyne.NewPos(0, (size.Height-h)/2))
	}
}

func (l *fracLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	return fyne.NewSize(40, 8)
}

// export writes the report in the given format and records the export in
// the audit chain first: an export that cannot be audited is not made.
func (rs *reportScreen) export(ctx context.Context, format string) ([]byte, error) {
	if rs.log == nil {
		return nil, errors.New("exports are recorded in the audit chain, which is not available here")
	}
	var b bytes.Buffer
	var err error
	switch format {
	case "pdf":
		err = rs.rep.WritePDF(&b)
	case "csv":
		err = rs.rep.WriteCSV(&b)
	default:
		return nil, fmt.Errorf("unknown export format %q", format)
	}
	if err != nil {
		return nil, err
	}
	actor := ""
	if rs.cfg.Vault != nil {
		actor = rs.cfg.Vault.KeyID()
	}
	subject := fmt.Sprintf("report-%d-q%d.%s", rs.quarter.Year, rs.quarter.Q, format)
	if err := rs.log.Audit(ctx, store.Event{Actor: actor, Action: store.ActionExported, SubjectID: subject}); err != nil {
		return nil, fmt.Errorf("audit export: %w", err)
	}
	return b.Bytes(), nil
}

// saveAs asks where to save the export, then writes it off the UI
// goroutine.
func (rs *reportScreen) saveAs(format string) {
	name := fmt.Sprintf("online-safety-report-%d-Q%d.%s", rs.quarter.Year, rs.quarter.Q, format)
	rs.saveInBackground(name, func(ctx context.Context, w io.Writer) error {
		b, err := rs.export(ctx, format)
		if err != nil {
			return err
		}
		if _, err := w.Write(b); err != nil {
			return fmt.Errorf("write export: %w", err)
		}
		return nil
	}, func(saved string, err error) {
		if err != nil {
			rs.status.SetText("Not exported: " + plainWords(err, exporting))
			return
		}
		rs.status.SetText("Exported " + saved + ". The export is recorded in the audit log.")
	})
}

// documentsFolder is where exports are offered first: the person's
// documents folder ($XDG_DOCUMENTS_DIR, else Documents in their home
// folder), else their home folder; false when neither can be listed, and
// the dialog then opens where Fyne chooses.
func documentsFolder() (fyne.ListableURI, bool) {
	var dirs []string
	if d := os.Getenv("XDG_DOCUMENTS_DIR"); d != "" {
		dirs = append(dirs, d)
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "Documents"), home)
	}
	for _, d := range dirs {
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
			continue
		}
		if l, err := storage.ListerForURI(storage.NewFileURI(d)); err == nil {
			return l, true
		}
	}
	return nil, false
}

// isLineManager reports whether the person holds the line manager role in
// the organisation directory.
func (rs *reportScreen) isLineManager() bool {
	v := rs.cfg.Vault
	if v == nil {
		return false
	}
	p, _, ok := v.Directory().Key(crypto.KeyID(v.KeyID()))
	return ok && p.HasRole(crypto.RoleLineManager)
}

// confirmShare says exactly what would be shared before anything is sent.
func (rs *reportScreen) confirmShare() {
	c := report.NewContribution(rs.input, rs.quarter, rs.cfg.Pack.Location(), rs.cfg.Clock.Now())
	if len(c.Facts) == 0 {
		dialog.ShowInformation("Nothing to share", fmt.Sprintf("You have no signed session records for %s.", rs.quarter), rs.win)
		return
	}
	msg := fmt.Sprintf("The safeguarding team will receive, for each of the %d signed sessions that started in %s: "+
		"when it started, whether the risk assessment and consent were done, whether it ran over and the reason given, "+
		"and whether a disclosure was marked. No names, customer references or session notes.\n\n"+
		"It is signed by you, sent encrypted to the safeguarding leads only, and replaces any figures you shared for this quarter before.",
		len(c.Facts), rs.quarter)
	d := dialog.NewConfirm("Share session figures?", msg, func(ok bool) {
		if ok {
			rs.share(c)
		}
	}, rs.win)
	d.SetConfirmText("Share")
	d.SetDismissText("Cancel")
	d.Resize(fyne.NewSize(560, 300))
	d.Show()
}

// share seals the figures to the DSLs and queues them for the hub.
func (rs *reportScreen) share(c report.Contribution) {
	rs.background(func(ctx context.Context) error {
		_, err := rs.cfg.Vault.Put(ctx, rs.cfg.NewID(), crypto.KindFigures, c, nil, rs.cfg.Pack.Version)
		return err
	}, func(err error) {
		if err != nil {
			rs.status.SetText("The figures were not shared: " + plainWords(err, syncing))
			rs.status.Importance = widget.DangerImportance
			rs.status.Refresh()
			return
		}
		when := "They are sent at your next sync."
		if rs.sync.engine == nil {
			when = "This device is not connected to a hub yet, so they wait here until it is."
		}
		rs.status.SetText(fmt.Sprintf("Shared with the safeguarding team: figures for %d sessions in %s. %s",
			len(c.Facts), c.Quarter(), when))
		rs.sync.kick()
	})
}

// disposalsLabel lists the quarter's disposals (issue 16).
func disposalsLabel(r report.Report) *widget.Label {
	l := widget.NewLabel("No record was disposed of this quarter.")
	l.Wrapping = fyne.TextWrapWord
	if len(r.Current.DisposedList) > 0 {
		var b bytes.Buffer
		for _, d := range r.Current.DisposedList {
			fmt.Fprintf(&b, "• %s\n", r.DisposalLine(d))
		}
		l.SetText(b.String())
	}
	return l
}
