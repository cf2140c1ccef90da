package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/crypto"
	"safeguard/companion/records"
	"safeguard/companion/session"
)

// Transfer of a safeguarding file to another provider's DSL (issue 16
// section 4; session/transfer.go): every record this DSL can read about a
// customer reference, sealed with age to the receiving DSL's key, saved as
// a file they open with the standard age tool; the date sent and, later,
// their confirmation of receipt are signed records; the export is in the
// access audit.

type transferScreen struct {
	*shell
	nav       navigator
	sync      *syncStatus
	transfers []session.Transfer
	recs      *records.Index
	problems  []string
	loaded    bool
	busy      bool

	ref, provider, toDSL *widget.Entry
	key                  *textArea
	msg, note            *widget.Label
	// confirm forms by transfer id, kept across redraws.
	confirmOn, confirmHow map[string]*widget.Entry
}

// transferFile is what the receiving DSL reads once they open the file.
type transferFile struct {
	Format       string           `json:"format"`
	Organisation string           `json:"from_organisation"`
	Ref          string           `json:"customer_reference"`
	Sent         time.Time        `json:"sent"`
	SentBy       string           `json:"sent_by"`
	Provider     string           `json:"to_provider"`
	ToDSL        string           `json:"to_dsl"`
	Records      []transferRecord `json:"records"`
}

type transferRecord struct {
	ID      string      `json:"id"`
	Kind    crypto.Kind `json:"kind"`
	Created time.Time   `json:"created"`
	// Document is the decoded record, encoded again: the index keeps no
	// record's JSON beside what it decoded (issue 18).
	Document any `json:"document"`
}

// ShowTransfers shows the transfers screen.
func (u *UI) ShowTransfers() { u.showTransfers() }

func (u *UI) showTransfers() *transferScreen {
	ts := &transferScreen{shell: u.shell, nav: u, sync: u.sync, confirmOn: map[string]*widget.Entry{}, confirmHow: map[string]*widget.Entry{}}
	ts.ref = entry("Customer reference")
	ts.provider = entry("Receiving provider")
	ts.toDSL = entry("Their DSL's name")
	ts.key = multiline("Their DSL's age public key (age1…)")
	ts.msg, ts.note = messageLines()
	ts.render()
	ts.load()
	return ts
}

func (ts *transferScreen) load() {
	var signed []session.SignedTransferEvent
	ts.loadWithCaseRecords("transfers", func(ctx context.Context) error {
		var err error
		signed, _, err = ts.cfg.Vault.Transfers(ctx)
		return err
	}, func(recs *records.Index, unread []string) {
		// A record that cannot be read would be missing from the file:
		// the screen says so.
		ts.loaded = true
		trs, errs := session.FoldTransfers(signed)
		ts.problems = unread
		for _, e := range errs {
			ts.problems = append(ts.problems, e.Error())
		}
		ts.transfers, ts.recs = trs, recs
		ts.render()
	}, func(problem string) {
		ts.loaded, ts.problems = true, []string{problem}
		ts.render()
	})
}

func (ts *transferScreen) render() {
	left := container.NewVBox(ts.note, bold("Transfer a safeguarding file to another provider"),
		wrappedLabel("Every record you can read about the customer is sealed to the receiving DSL's own age key: they open the file with the standard age tool (age -d -i their-key.txt file.age). Send it separately from any other record (KCSIE 2023 Part 2), and record their confirmation of receipt here."),
		ts.ref, container.NewGridWithColumns(2, ts.provider, ts.toDSL), ts.key, ts.msg,
		container.NewHBox(widget.NewButtonWithIcon("Seal and save the file…", theme.DocumentSaveIcon(), ts.saveAs)))
	right := container.NewVBox(bold(fmt.Sprintf("Files transferred (%d)", len(ts.transfers))))
	if !ts.loaded {
		right.Add(widget.NewLabel("Opening transfers…"))
	}
	for _, p := range ts.problems {
		l := wrappedLabel(p)
		l.Importance = widget.DangerImportance
		right.Add(l)
	}
	for _, t := range ts.transfers {
		right.Add(ts.row(t))
	}
	split := container.NewHSplit(container.NewVScroll(container.NewPadded(left)), container.NewVScroll(container.NewPadded(right)))
	split.Offset = 0.5
	ts.nav.show("Transfers", split, widget.NewButtonWithIcon("Home", theme.HomeIcon(), ts.nav.ShowHome))
}

func (ts *transferScreen) row(t session.Transfer) fyne.CanvasObject {
	s := t.Sent
	box := container.NewVBox(bold(fmt.Sprintf("%s to %s (%s)", s.Ref, s.Provider, s.ToDSL)),
		wrappedLabel(fmt.Sprintf("Sent %s by %s: %d record%s, sealed to key %s.", ts.clockText(s.At, "2 January 2006 15:04"), ts.personName(s.By), len(s.Records), plural(len(s.Records)), s.KeyPrint)))
	if c := t.Confirmed; c != nil {
		l := wrappedLabel(fmt.Sprintf("Receipt confirmed on %s: %s (recorded by %s).", ts.clockText(c.ConfirmedOn, "2 January 2006"), c.How, ts.personName(c.By)))
		l.Importance = widget.SuccessImportance
		box.Add(l)
		box.Add(widget.NewSeparator())
		return box
	}
	warn := wrappedLabel("Receipt not confirmed yet.")
	warn.Importance = widget.WarningImportance
	on, ok := ts.confirmOn[s.ID]
	if !ok {
		on = entry("Confirmed on (DD/MM/YYYY)")
		ts.confirmOn[s.ID] = on
	}
	how, ok := ts.confirmHow[s.ID]
	if !ok {
		how = entry("How receipt was confirmed")
		ts.confirmHow[s.ID] = how
	}
	box.Add(warn)
	box.Add(container.NewGridWithColumns(2, on, how))
	box.Add(container.NewHBox(widget.NewButtonWithIcon("Record receipt of "+s.Ref, theme.ConfirmIcon(), func() { ts.confirm(t) })))
	box.Add(widget.NewSeparator())
	return box
}

func (ts *transferScreen) actor() session.Actor {
	a := session.Actor{ID: ts.cfg.Me.KeyID}
	if me := ts.me(); me != nil {
		a = session.Actor{ID: me.ID, Safeguarding: me.HasRole(crypto.RoleDSL)}
	}
	return a
}

// keyPrint shortens an age public key for the record.
func keyPrint(k string) string {
	k = strings.TrimSpace(k)
	if len(k) <= 28 {
		return k
	}
	return k[:16] + "…" + k[len(k)-8:]
}

// prepare checks the form and makes the sealed file and the record of it
// sent; nothing is saved yet.
func (ts *transferScreen) prepare() (session.TransferEvent, []byte, error) {
	ref := strings.TrimSpace(ts.ref.Text)
	var recs []transferRecord
	if ts.recs != nil && ref != "" {
		match := func(c session.Customer) bool { return strings.EqualFold(strings.TrimSpace(c.Reference), ref) }
		for _, it := range ts.recs.Items {
			if it.Doc != nil && it.Kind() == crypto.KindSessionRecord && match(it.Doc.Plan.Customer) {
				recs = append(recs, transferRecord{ID: it.Doc.ID, Kind: crypto.KindSessionRecord, Created: it.Entry.Header.Created, Document: it.Doc})
			}
		}
		for _, c := range ts.recs.Cases {
			if d := c.Doc(); match(d.Subject) {
				recs = append(recs, transferRecord{ID: d.ID, Kind: crypto.KindIncident, Created: c.Latest.Entry.Header.Created, Document: d})
			}
		}
	}
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = r.ID
	}
	key := strings.TrimSpace(ts.key.Text)
	kp := ""
	if key != "" {
		if _, err := crypto.ParseTransferRecipient(key); err != nil {
			return session.TransferEvent{}, nil, err
		}
		kp = keyPrint(key)
	}
	ev, err := session.SendTransfer(ts.cfg.Clock, ts.actor(), ts.cfg.NewID(), ref, ts.provider.Text, ts.toDSL.Text, kp, ids)
	if err != nil {
		return session.TransferEvent{}, nil, err
	}
	plain, err := json.MarshalIndent(transferFile{Format: "safeguard-companion/transfer/v1", Organisation: ts.cfg.Pack.Organisation, Ref: ev.Ref,
		Sent: ev.At, SentBy: ts.personName(ev.By), Provider: ev.Provider, ToDSL: ev.ToDSL, Records: recs}, "", "  ")
	if err != nil {
		return session.TransferEvent{}, nil, err
	}
	sealed, err := crypto.SealForTransfer(key, plain)
	return ev, sealed, err
}

// record keeps the record of the file sent and audits its export.
func (ts *transferScreen) record(ctx context.Context, ev session.TransferEvent) error {
	if _, err := ts.cfg.Vault.PutTransfer(ctx, ev); err != nil {
		return err
	}
	return ts.cfg.Vault.AuditExport(ctx, ev.ID)
}

func (ts *transferScreen) saveAs() {
	ev, sealed, err := ts.prepare()
	if err != nil {
		ts.msg.SetText(plainWords(err, saving))
		return
	}
	ts.msg.SetText("")
	ts.saveInBackground(fmt.Sprintf("safeguarding-file-%s.age", ev.Ref), func(ctx context.Context, w io.Writer) error {
		if _, err := w.Write(sealed); err != nil {
			return err
		}
		return ts.record(ctx, ev)
	}, func(_ string, err error) {
		if err != nil {
			ts.msg.SetText("Not saved: " + plainWords(err, saving))
			return
		}
		ts.done(ev)
	})
}

// done clears the form and shows the transfer.
func (ts *transferScreen) done(ev session.TransferEvent) {
	for _, e := range []*widget.Entry{ts.ref, ts.provider, ts.toDSL} {
		e.SetText("")
	}
	ts.key.SetText("")
	ts.note.SetText(fmt.Sprintf("File of %s sealed for %s (%s), %d record%s; sent recorded and audited. Record their confirmation of receipt when it comes.", ev.Ref, ev.ToDSL, ev.Provider, len(ev.Records), plural(len(ev.Records))))
	ts.sync.kick()
	ts.load()
}

func (ts *transferScreen) confirm(t session.Transfer) {
	if ts.busy {
		return
	}
	loc := ts.cfg.Pack.Location()
	var on time.Time
	if s := strings.TrimSpace(ts.confirmOn[t.Sent.ID].Text); s != "" {
		d, err := parseDate(s, loc)
		if err != nil {
			ts.msg.SetText("Write the day receipt was confirmed as DD/MM/YYYY.")
			return
		}
		on = d
	}
	ev, err := session.ConfirmTransfer(ts.cfg.Clock, ts.actor(), ts.cfg.NewID(), t, on, ts.confirmHow[t.Sent.ID].Text, loc)
	if err != nil {
		ts.msg.SetText(plainWords(err, saving))
		return
	}
	ts.sync.saveTeamRecord(teamSave{busy: &ts.busy, msg: ts.msg, reload: ts.load,
		put:   func(ctx context.Context) error { _, err := ts.cfg.Vault.PutTransfer(ctx, ev); return err },
		saved: func() { ts.note.SetText(fmt.Sprintf("Receipt of the file of %s recorded and signed.", t.Sent.Ref)) }})
}
