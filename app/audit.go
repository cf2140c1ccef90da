package app

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/crypto"
	"safeguard/companion/records"
	"safeguard/companion/session"
	"safeguard/companion/store"
	"safeguard/companion/vault"
)

// AuditLog is the device's audit chain; *store.Store is one. The screens
// that export or show the chain take it explicitly because the vault does
// not hand out its store.
type AuditLog interface {
	Audit(ctx context.Context, ev store.Event) error
	AuditEvents(ctx context.Context, after int64, limit int) ([]store.AuditRecord, error)
	VerifyAudit(ctx context.Context) error
}

// auditScreen shows who opened which record, when.
type auditScreen struct {
	events []store.AuditRecord
	// viewsOnly is events' views and exports, the list shown by default.
	viewsOnly []store.AuditRecord
	local     int // how many of events are this device's own
	shown     []store.AuditRecord
	recs      *records.Index
	pack      *session.Pack
	views     bool // only views and exports
}

// ShowAccessAudit shows the access audit (docs/ARCHITECTURE.md, journey 7: every view and
// export is audited): who opened or exported which record, and when, newest
// first, after checking the chain is unbroken.
func (u *UI) ShowAccessAudit(log AuditLog) {
	as := &auditScreen{recs: &records.Index{}, pack: u.cfg.Pack, views: true}
	status := widget.NewLabel("Reading the audit chain…")
	status.Wrapping = fyne.TextWrapWord
	list := widget.NewList(
		func() int { return len(as.shown) },
		func() fyne.CanvasObject {
			return container.NewBorder(nil, nil,
				container.NewGridWrap(fyne.NewSize(540, 36), container.New(reportColumns{0.3, 0.48, 0.22}, widget.NewLabel("when"), widget.NewLabel("who"), widget.NewLabel("what"))),
				nil, widget.NewLabel("record"))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			ev := as.shown[i]
			c := o.(*fyne.Container).Objects
			left := c[1].(*fyne.Container).Objects[0].(*fyne.Container).Objects
			left[0].(*widget.Label).SetText(u.clockText(ev.At, "2 Jan 2006 15:04"))
			left[1].(*widget.Label).SetText(u.keyName(ev.Actor))
			left[2].(*widget.Label).SetText(actionText(ev.Action))
			rec := c[0].(*widget.Label)
			rec.Truncation = fyne.TextTruncateEllipsis
			rec.SetText(as.subject(ev.SubjectID))
		})
	refilter := func() {
		as.shown = as.events
		if as.views {
			as.shown = as.viewsOnly
		}
		list.Refresh()
	}
	only := widget.NewCheck("Only views and exports", func(b bool) { as.views = b; refilter() })
	only.SetChecked(true)
	top := container.NewVBox(container.NewBorder(nil, nil, nil, only, status), widget.NewSeparator())
	u.show("Access audit", container.NewBorder(top, nil, nil, nil, list), widget.NewButtonWithIcon("Home", theme.HomeIcon(), u.ShowHome))
	if log == nil {
		status.SetText("The audit chain is not available on this device.")
		return
	}
	var (
		events    []store.AuditRecord
		chainErr  error
		trail     vault.Trail
		local     int
		viewsOnly []store.AuditRecord
	)
	u.background(func(ctx context.Context) error {
		chainErr = log.VerifyAudit(ctx)
		for after := int64(0); ; {
			page, err := log.AuditEvents(ctx, after, 0)
			if err != nil {
				return fmt.Errorf("read audit: %w", err)
			}
			if len(page) == 0 {
				break
			}
			events = append(events, page...)
			after = page[len(page)-1].Seq
		}
		// What colleagues' devices shared (a DSL receives every device's
		// audit; others only their own, which the chain above holds).
		if v := u.cfg.Vault; v != nil {
			own := ""
			if len(events) > 0 {
				own = store.ChainID(events[0])
			}
			shared, _, err := v.Open(ctx, nil, crypto.KindAudit)
			if err != nil {
				return fmt.Errorf("read shared audit: %w", err)
			}
			trail = vault.TrailOf(shared, own)
		}
		local = len(events)
		events = append(events, trail.Events...)
		slices.SortStableFunc(events, func(a, b store.AuditRecord) int { return b.At.Compare(a.At) })
		// Both lists the tick box chooses between are made here: a year of
		// events is too many to sift on the UI goroutine (issue 15 §3).
		viewsOnly = slices.DeleteFunc(slices.Clone(events), func(ev store.AuditRecord) bool {
			return ev.Action != store.ActionViewed && ev.Action != store.ActionExported
		})
		return nil
	}, func(err error) {
		switch {
		case err != nil:
			status.SetText("The audit chain could not be read: " + plainWords(err, reading))
			status.Importance = widget.DangerImportance
		case chainErr != nil || len(trail.Problems) > 0:
			// A broken chain is shown, not hidden: the DSL must know.
			var msg []string
			if chainErr != nil {
				msg = append(msg, "the audit chain on this device has been tampered with or damaged ("+chainErr.Error()+")")
			}
			msg = append(msg, trail.Problems...)
			status.SetText("WARNING: tell your ICT administrator: " + strings.Join(msg, " "))
			status.Importance = widget.DangerImportance
		case len(trail.Events) > 0:
			status.SetText(fmt.Sprintf("%d events on this device and %d shared from colleagues' devices; every chain is unbroken.",
				local, len(trail.Events)))
		default:
			status.SetText(fmt.Sprintf("%d events; the chain is unbroken.", len(events)))
		}
		status.Refresh()
		as.events, as.viewsOnly, as.local = events, viewsOnly, local
		refilter()
	})
	// Name the records: open them in the background; rows show ids until then.
	if u.cfg.Vault != nil {
		var recs *records.Index
		u.background(func(ctx context.Context) error {
			entries, fails, err := u.cfg.Vault.Open(ctx, nil)
			if err != nil {
				return err
			}
			// Only names the rows: what is unreadable is logged, and
			// its row shows the id.
			recs, _ = u.readIndex(entries, fails)
			return nil
		}, func(err error) {
			if err == nil {
				as.recs = recs
				list.Refresh()
			}
		})
	}
}

func (as *auditScreen) subject(id string) string {
	if id == "" {
		return ""
	}
	it, ok := as.recs.Get(id)
	if !ok {
		// Another person's record (a colleague's view shared with the
		// DSL), or one this device no longer holds: the id is all there is.
		return "a record not on this device (" + id + ")"
	}
	return kindText(it) + " · " + itemSubject(as.pack, it) + " (by " + authorName(it) + ")"
}

// keyName names the holder of a key id from the directory.
func (sh *shell) keyName(id string) string {
	if sh.cfg.Vault != nil {
		if p, _, ok := sh.cfg.Vault.Directory().Key(crypto.KeyID(id)); ok {
			return p.Name
		}
	}
	return id
}

func actionText(a string) string {
	switch a {
	case store.ActionViewed:
		return "opened"
	case store.ActionExported:
		return "exported"
	case store.ActionSigned:
		return "signed"
	case store.ActionEscalated:
		return "escalated"
	case store.ActionCountersigned:
		return "countersigned"
	case vault.ActionHeld:
		return "placed a legal hold on"
	case vault.ActionHoldLifted:
		return "lifted a legal hold on"
	case vault.ActionDisposalApproved:
		return "approved disposal in decision"
	case vault.ActionRetentionExtend:
		return "kept records longer in decision"
	case store.ActionDisposed:
		return "disposed of (certificate kept)"
	case vault.ActionSAROpened:
		return "opened subject access request"
	case vault.ActionSARExtended:
		return "extended subject access request"
	case vault.ActionSARAnswered:
		return "answered subject access request"
	case vault.ActionTransferSent:
		return "transferred a safeguarding file in"
	case vault.ActionTransferConfirmed:
		return "recorded receipt of transfer"
	}
	return a
}
