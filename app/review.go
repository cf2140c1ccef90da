package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/crypto"
	"safeguard/companion/records"
	"safeguard/companion/session"
	"safeguard/companion/vault"
)

// me is the directory entry of the person using the app.
func (sh *shell) me() *crypto.Person {
	if sh.cfg.Vault == nil {
		return nil
	}
	p, _, ok := sh.cfg.Vault.Directory().Key(crypto.KeyID(sh.cfg.Vault.KeyID()))
	if !ok {
		return nil
	}
	return p
}

// viewed records in the audit chain that a record was opened on screen.
func (sh *shell) viewed(id string) {
	if sh.cfg.Vault == nil {
		return
	}
	sh.background(func(ctx context.Context) error { return sh.cfg.Vault.Viewed(ctx, id) }, func(error) {})
}

// putReview checks a review against the domain rules, seals it as a signed
// review of its parent and adds it to recs. done gets the domain's error
// (for the form) or the vault's.
func (sh *shell) putReview(recs *records.Index, parent *records.Item, r session.Review, done func(error)) {
	me := sh.me()
	if me == nil {
		done(errors.New("you are not in the organisation directory on this device"))
		return
	}
	r.ID, r.ParentID, r.Reviewer = sh.cfg.NewID(), parent.Entry.Header.ID, me.ID
	author := ""
	if parent.Entry.Author != nil {
		author = parent.Entry.Author.ID
	}
	r, err := session.NewReview(r, author, recs.Reviews[r.ParentID], sh.cfg.Clock)
	if err != nil {
		done(err)
		return
	}
	pe := parent.Entry
	var saved = pe
	sh.background(func(ctx context.Context) error {
		// The reviewed practitioner reads their countersignature too.
		e, err := sh.cfg.Vault.PutFor(ctx, r.ID, crypto.KindReview, r, &pe, pe.Header.PolicyVersion, vault.SubjectOf(pe))
		saved = e
		return err
	}, func(err error) {
		if err == nil {
			err = recs.Add(saved)
		}
		done(err)
	})
}

// showReview shows a signed session record to its line manager: the record
// read-only, its review history, and the reviewer's actions, each of which
// is a new signed review, never an edit. Opening it is audited.
func (u *UI) showReview(recs *records.Index, it *records.Item, back func()) {
	u.viewed(it.Entry.Header.ID)
	rv := &reviewScreen{shell: u.shell, nav: u, typed: u.typed}
	rv.renderReview(recs, it, back)
}

// reviewScreen is a line manager's review of a signed session record.
type reviewScreen struct {
	*shell
	nav   navigator
	typed *keptWords
}

// renderReview draws the review screen; after an action it is drawn again
// without auditing another view.
func (rv *reviewScreen) renderReview(recs *records.Index, it *records.Item, back func()) {
	d := it.Doc
	id := it.Entry.Header.ID
	now := rv.cfg.Clock.Now()
	st := session.StatusOf(recs.Reviews[id])

	text := widget.NewLabel(rv.documentText(*d, authorName(it)))
	text.Wrapping = fyne.TextWrapWord
	history := widget.NewLabel(rv.reviewHistory(recs.Reviews[id]))
	history.Wrapping = fyne.TextWrapWord
	left := container.NewVScroll(container.NewVBox(text, widget.NewSeparator(),
		widget.NewLabelWithStyle("Review history", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), history))

	msg := widget.NewLabel("")
	msg.Wrapping = fyne.TextWrapWord
	msg.Importance = widget.DangerImportance
	again := func() { rv.renderReview(recs, it, back) }
	// The comment and follow-up typed are kept until they are added
	// (keptwords.go): marking or countersigning draws the screen again.
	key := func(box string) string { return "review:" + id + ":" + box }
	act := func(r session.Review, btn *widget.Button, used ...string) {
		if btn != nil {
			btn.Disable()
		}
		rv.putReview(recs, it, r, func(err error) {
			if btn != nil {
				btn.Enable()
			}
			if err != nil {
				msg.SetText("Not saved: " + plainWords(err, reviewing))
				return
			}
			rv.typed.forget(used...)
			again()
		})
	}

	var statusLine string
	switch {
	case st.Countersigned:
		statusLine = "Countersigned " + rv.clockText(st.ReviewedAt, "2 Jan 2006 15:04") + "."
	case st.Reviewed:
		statusLine = "Reviewed " + rv.clockText(st.ReviewedAt, "2 Jan 2006 15:04") + "; not countersigned."
	case st.ReviewOverdue(d.SignedAt, now):
		statusLine = fmt.Sprintf("Review overdue: signed %s, more than %d days ago.", rv.clockText(d.SignedAt, "2 Jan 2006"), int(session.ReviewDue/(24*time.Hour)))
	default:
		statusLine = "Waiting for your review."
	}
	status := widget.NewLabelWithStyle(statusLine, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	status.Wrapping = fyne.TextWrapWord

	markBtn := widget.NewButtonWithIcon("Mark reviewed", theme.ConfirmIcon(), nil)
	markBtn.OnTapped = func() { act(session.Review{Action: session.ReviewMarked}, markBtn) }
	signBtn := widget.NewButtonWithIcon("Countersign", theme.DocumentCreateIcon(), nil)
	signBtn.Importance = widget.HighImportance
	// A countersignature is the manager's word that they vouch for the
	// record, signed and never taken back: asked once more.
	signBtn.OnTapped = func() {
		c := dialog.NewConfirm("Countersign this record?",
			fmt.Sprintf("Countersigning says you have read the record %s wrote of the session with %s, and vouch for it. It is signed with your key and cannot be taken back; add a comment if anything needs saying.",
				authorName(it), d.Plan.Customer.Reference),
			func(ok bool) {
				if ok {
					act(session.Review{Action: session.ReviewCountersigned}, signBtn)
				}
			}, rv.win)
		c.SetConfirmText(countersignConfirm)
		c.SetDismissText("Cancel")
		c.Show()
	}
	if st.Reviewed {
		markBtn.Disable()
	}
	if st.Countersigned {
		signBtn.Disable()
	}

	comment := multiline("Comment for the record (signed; cannot be changed)")
	rv.typed.keep(key("comment"), &comment.Entry)
	commentBtn := widget.NewButtonWithIcon("Add comment", theme.ContentAddIcon(), nil)
	commentBtn.OnTapped = func() {
		act(session.Review{Action: session.ReviewComment, Text: comment.Text}, commentBtn, key("comment"))
	}

	who, what, due := entry("Who"), entry("What needs doing"), entry("Due (YYYY-MM-DD)")
	rv.typed.keep(key("who"), who)
	rv.typed.keep(key("what"), what)
	rv.typed.keep(key("due"), due)
	followBtn := widget.NewButtonWithIcon("Add follow-up", theme.ContentAddIcon(), nil)
	followBtn.OnTapped = func() {
		f := &session.FollowUp{Who: who.Text, What: what.Text}
		if t, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(due.Text), rv.cfg.Pack.Location()); err == nil {
			f.Due = t
		}
		act(session.Review{Action: session.ReviewFollowUp, FollowUp: f}, followBtn, key("who"), key("what"), key("due"))
	}

	open := container.NewVBox()
	for _, f := range st.OpenFollowUps {
		line := widget.NewLabel(fmt.Sprintf("%s: %s, due %s", f.FollowUp.Who, f.FollowUp.What, rv.clockText(f.FollowUp.Due, "2 Jan 2006")))
		line.Wrapping = fyne.TextWrapWord
		if f.FollowUp.Due.Before(now) && rv.clockText(f.FollowUp.Due, "2006-01-02") != rv.clockText(now, "2006-01-02") {
			line.Importance = widget.DangerImportance
		}
		fid := f.ID
		doneBtn := widget.NewButton("Done", nil)
		doneBtn.OnTapped = func() { act(session.Review{Action: session.ReviewFollowUpDone, Closes: fid}, doneBtn) }
		open.Add(container.NewBorder(nil, nil, nil, doneBtn, line))
	}

	// Padded, as the case screen's, so that the scroll bar does not cover
	// the boxes' right edges (seen at 150% text, issue 15 §6).
	right := container.NewVScroll(container.NewPadded(container.NewVBox(
		status, container.NewGridWithColumns(2, markBtn, signBtn), msg,
		widget.NewSeparator(), widget.NewLabelWithStyle("Comment", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), comment, commentBtn,
		widget.NewSeparator(), widget.NewLabelWithStyle("Follow-up action", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		who, what, due, followBtn,
		widget.NewSeparator(), widget.NewLabelWithStyle(fmt.Sprintf("Open follow-ups (%d)", len(st.OpenFollowUps)), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), open,
	)))
	split := container.NewHSplit(left, right)
	split.Offset = 0.58
	// A manager reading a disclosure in a record can raise it at once; Back
	// from the escalation comes here again.
	from := escalateFromRecord(historyItem{entry: it.Entry, doc: *d})
	from.back = again
	rv.nav.show("Review: "+d.Plan.Customer.Reference, split, widget.NewButtonWithIcon("Back", theme.NavigateBackIcon(), back), rv.nav.escalateButton(from))
}

// countersignConfirm is the confirming button of the countersign dialog.
const countersignConfirm = "Yes, countersign"

// documentText is a signed session record in words, for reading.
func (sh *shell) documentText(d session.Document, author string) string {
	var b strings.Builder
	m, _ := sh.cfg.Pack.Method(d.Plan.Method)
	fmt.Fprintf(&b, "Customer %s, %s, by %s.\n", d.Plan.Customer.Reference, m.Label, author)
	fmt.Fprintf(&b, "%s.\n", sh.timesText(d))
	fmt.Fprintf(&b, "Signed %s under policy pack %s.\n", sh.clockText(d.SignedAt, "2 January 2006 15:04"), d.PackVersion)
	fmt.Fprintf(&b, "%s\n", sh.retentionText(session.SessionRetentionFacts(d))) // issue 16: when it is reviewed or disposed of
	fmt.Fprintf(&b, "Risk assessment: %s.\n", d.Outcome.Label())
	if f := flagText(d.Flags()); f != "" {
		fmt.Fprintf(&b, "Flags: %s.\n", f)
	}
	if d.OverrunReason != "" {
		fmt.Fprintf(&b, "Overrun reason: %s\n", d.OverrunReason)
	}
	if d.Consent != nil && !d.Consent.Given() {
		fmt.Fprintf(&b, "Went ahead without consent: %s\n", d.Consent.NoConsentReason)
	}
	if d.Record != nil {
		fmt.Fprintf(&b, "\nSummary\n%s\n", d.Record.Summary)
		if len(d.Record.Actions) > 0 {
			b.WriteString("\nActions agreed\n")
			for _, a := range d.Record.Actions {
				fmt.Fprintf(&b, "• %s: %s, by %s\n", a.Who, a.What, sh.clockText(a.Due, "2 January 2006"))
			}
		}
		if d.Record.Concerns != "" {
			fmt.Fprintf(&b, "\nConcerns\n%s\n", d.Record.Concerns)
		}
	}
	if len(d.Markers) > 0 {
		b.WriteString("\nDuring the session\n")
		for _, mk := range d.Markers {
			line := fmt.Sprintf("• %s at %s", mk.Kind.Label(), formatDuration(mk.Elapsed))
			if mk.ExactWords != "" {
				line += ": “" + mk.ExactWords + "”"
			}
			b.WriteString(line + markerDetail(mk) + "\n")
		}
	}
	b.WriteString(sh.annex2Text(d))
	return strings.TrimRight(b.String(), "\n")
}

// reviewHistory lists reviews oldest first, with who did what and when.
func (sh *shell) reviewHistory(rs []session.Review) string {
	if len(rs) == 0 {
		return "No reviews yet."
	}
	var b strings.Builder
	for _, r := range rs {
		name := r.Reviewer
		if sh.cfg.Vault != nil {
			if p, ok := sh.cfg.Vault.Directory().Person(r.Reviewer); ok {
				name = p.Name
			}
		}
		fmt.Fprintf(&b, "• %s, %s, %s", sh.clockText(r.At, "2 Jan 2006 15:04"), r.Action.Label(), name)
		if r.FollowUp != nil {
			fmt.Fprintf(&b, ": %s to %s by %s", r.FollowUp.Who, r.FollowUp.What, sh.clockText(r.FollowUp.Due, "2 Jan 2006"))
		}
		if r.Text != "" {
			fmt.Fprintf(&b, ". %s", r.Text)
		}
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n")
}
