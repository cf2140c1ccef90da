package app

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/session"
)

// ShowHistory lists past, signed sessions with their flags, searchable over
// the decrypted text held in memory.
func (u *UI) ShowHistory() {
	search := entry("Search reference, summary, actions…")
	shown := u.history
	list := widget.NewList(
		func() int { return len(shown) },
		func() fyne.CanvasObject {
			return container.NewGridWithColumns(4, widget.NewLabel("ref"), widget.NewLabel("when"), widget.NewLabel("method"), widget.NewLabel("flags"))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			h := shown[i]
			cells := o.(*fyne.Container).Objects
			cells[0].(*widget.Label).SetText(h.doc.Plan.Customer.Reference)
			cells[1].(*widget.Label).SetText(u.clockText(h.doc.Plan.Start, "2 Jan 2006 15:04"))
			m, _ := u.cfg.Pack.Method(h.doc.Plan.Method)
			cells[2].(*widget.Label).SetText(m.Label)
			cells[3].(*widget.Label).SetText(flagText(h.doc.Flags()))
		})
	list.OnSelected = func(i widget.ListItemID) { u.ShowSignedRecord(shown[i]) }
	count := widget.NewLabel("")
	filter := func(q string) {
		q = strings.ToLower(strings.TrimSpace(q))
		shown = shown[:0:0]
		for _, h := range u.history {
			if q == "" || strings.Contains(searchText(h.doc), q) {
				shown = append(shown, h)
			}
		}
		count.SetText(fmt.Sprintf("%d of %d records", len(shown), len(u.history)))
		list.UnselectAll()
		list.Refresh()
	}
	search.OnChanged = filter
	filter("")
	top := container.NewBorder(nil, nil, nil, count, search)
	u.show("History", container.NewBorder(top, nil, nil, nil, list), widget.NewButtonWithIcon("Home", theme.HomeIcon(), u.ShowHome))
	u.win.Canvas().Focus(search)
}

// searchText is what a history search matches, lower-cased.
func searchText(d session.Document) string {
	parts := []string{d.Plan.Customer.Reference, flagText(d.Flags())}
	if d.Record != nil {
		parts = append(parts, d.Record.Summary, d.Record.Concerns)
		for _, a := range d.Record.Actions {
			parts = append(parts, a.Who, a.What)
		}
	}
	return strings.ToLower(strings.Join(parts, "\n"))
}

// ShowSignedRecord shows a signed record read-only, with its addenda and a
// box to add one. Opening it is recorded in the audit chain.
func (u *UI) ShowSignedRecord(h historyItem) {
	d := h.doc
	if u.cfg.Vault != nil {
		id := d.ID
		u.background(func(ctx context.Context) error { return u.cfg.Vault.Viewed(ctx, id) }, func(error) {})
	}
	var b strings.Builder
	b.WriteString(u.documentText(d, u.cfg.Me.Name) + "\n")
	for _, a := range u.addenda[d.ID] {
		fmt.Fprintf(&b, "\nAddendum, %s\n%s\n", u.clockText(a.At, "2 January 2006 15:04"), a.Text)
	}
	text := widget.NewLabel(b.String())
	text.Wrapping = fyne.TextWrapWord

	note := multiline("Add a note to this record (it is signed and cannot be changed)")
	status := widget.NewLabel("")
	add := widget.NewButtonWithIcon("Add addendum", theme.ContentAddIcon(), nil)
	add.OnTapped = func() {
		a, err := session.NewAddendum(d, u.cfg.NewID(), u.cfg.Me.KeyID, note.Text, u.cfg.Clock)
		if err != nil {
			status.SetText(fieldMessage(err, "Write the addendum first."))
			return
		}
		add.Disable()
		u.background(func(ctx context.Context) error {
			if u.cfg.Vault == nil {
				return fmt.Errorf("no vault")
			}
			_, err := u.cfg.Vault.AddAddendum(ctx, h.entry, a)
			return err
		}, func(err error) {
			add.Enable()
			if err != nil {
				status.SetText("Not saved: " + plainError(err))
				return
			}
			u.addenda[d.ID] = append(u.addenda[d.ID], a)
			u.kickSync()
			u.ShowSignedRecord(h)
		})
	}
	export := widget.NewButtonWithIcon("Export encrypted record", theme.DownloadIcon(), func() { u.exportRecord(d.ID, status.SetText) })
	bottom := container.NewVBox(widget.NewSeparator(), note, container.NewBorder(nil, nil, export, add, status))
	u.show("Signed record (read-only)", container.NewBorder(nil, bottom, nil, nil, container.NewVScroll(container.NewPadded(text))),
		widget.NewButtonWithIcon("History", theme.HistoryIcon(), u.ShowHistory), u.escalateButton(escalateFromRecord(h)))
}
