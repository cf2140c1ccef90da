package app

import (
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2/widget"

	"safeguard/companion/crypto"
	"safeguard/companion/sync/client"
)

// syncStatus runs the device's sync engine and what rides on its rounds:
// adopting a newer directory, remembering the file keys of records that
// arrived, sharing audit events, telling a DSL of a new incident, and home's
// status line.
type syncStatus struct {
	*shell
	engine *client.Engine
	// label is home's status line while home is on show; nil otherwise.
	label   *widget.Label
	problem string
	// remembered is how many received records the engine had reported
	// when file keys were last remembered; remembering is set while that
	// runs (see rememberAfterSync).
	remembered  int64
	remembering bool
	// auditSharedAt is when this device last shared its audit events with
	// the DSLs (see shareAudit).
	auditSharedAt time.Time
	sharingAudit  bool
	// alerts notifies a safeguarding lead of incidents sync brings (notify.go).
	alerts incidentAlerts
}

// start runs the device's sync engine in the background when the device
// has a hub. Records already wait safely in the outbox; the engine sends
// them whenever the hub can be reached, and pulls what is addressed to this
// person.
func (y *syncStatus) start() {
	if y.dev == nil || y.dev.Profile.Hub == nil || y.engine != nil {
		return
	}
	eng, err := y.dev.SyncEngine(y.keys, nil, y.cfg.Clock.Now)
	if err != nil {
		if y.cfg.Errors != nil {
			y.cfg.Errors("sync", err)
		}
		y.problem = "Sync is not running: " + plainWords(err, syncing)
		return
	}
	y.engine = eng
	// Records pulled are checked, opened and remembered as they come in,
	// page by page (issue 18: a new DSL device), not opened again after.
	if y.cfg.Vault != nil {
		eng.SetRememberer(y.cfg.Vault)
	}
	// A safeguarding lead is told when an incident arrives (notify.go):
	// what is here before sync first runs is not news.
	v, alerts := y.cfg.Vault, y.cfg.Vault != nil && y.dev.Person.HasRole(crypto.RoleDSL)
	y.svc.Go(func(ctx context.Context) {
		if alerts {
			_ = y.alerts.prime(ctx, v)
		}
		_ = eng.Run(ctx)
	})
	// Every second, so home says "sent" soon after a round ends; a status
	// is an outbox count and a copy, cheap to take.
	y.svc.Every(time.Second, nil, func() {
		st := eng.Status(y.svc.ctx)
		if alerts {
			_ = y.alerts.check(y.svc.ctx, v, st, y.notifyIncident)
		}
		y.runOnUI(func() {
			y.show(st)
			y.adoptDirectory(eng.Directory())
			y.rememberAfterSync(st)
			y.shareAudit()
		})
	})
}

// adoptDirectory starts using a newer organisation directory that sync
// fetched (verified against the pinned admin key): a leaver's records are
// refused and a new starter's open without restarting the app.
func (y *syncStatus) adoptDirectory(d *crypto.Directory) {
	if v := y.cfg.Vault; v != nil && v.SetDirectory(d) && y.dev != nil {
		y.dev.Dir = d
	}
}

// rememberAfterSync, when sync has brought records in since it last ran,
// opens them in the background once to remember their file keys, so that
// the inbox, the cases and the report open them quickly the first time too.
func (y *syncStatus) rememberAfterSync(st client.Status) {
	v := y.cfg.Vault
	if v == nil || y.remembering || st.Received <= y.remembered {
		return
	}
	y.remembering, y.remembered = true, st.Received
	y.background(func(ctx context.Context) error {
		_, err := v.RememberKeys(ctx)
		return err
	}, func(error) { y.remembering = false })
}

// auditShareEvery is how often the device shares its new audit events with
// the DSLs: often enough that the access audit is current within minutes,
// seldom enough that a run of views goes as one record, not one each.
const auditShareEvery = 2 * time.Minute

// shareAudit seals this device's audit events not yet shared to the DSLs
// (vault.ShareAudit) and asks the engine to send them.
func (y *syncStatus) shareAudit() {
	v := y.cfg.Vault
	now := y.cfg.Clock.Now()
	if v == nil || y.sharingAudit || now.Sub(y.auditSharedAt) < auditShareEvery {
		return
	}
	y.sharingAudit, y.auditSharedAt = true, now
	n := 0
	y.background(func(ctx context.Context) error {
		var err error
		n, err = v.ShareAudit(ctx)
		return err
	}, func(error) {
		y.sharingAudit = false
		if n > 0 {
			y.kick()
		}
	})
}

// kick asks the engine to send now, after something was saved.
func (y *syncStatus) kick() {
	if y.engine != nil {
		y.engine.Kick()
	}
}

// show puts the engine's status in words on the home screen.
func (y *syncStatus) show(st client.Status) {
	if y.label == nil { // home is not on show

		return
	}
	y.label.SetText(syncText(st, y.clockText))
	if st.Problem != client.ProblemNone {
		y.label.Importance = widget.WarningImportance
	} else {
		y.label.Importance = widget.MediumImportance
	}
	y.label.Refresh()
}

func syncText(st client.Status, clock func(time.Time, string) string) string {
	last := "not yet synced"
	if !st.LastSuccess.IsZero() {
		last = "last synced " + clock(st.LastSuccess, "15:04 on 2 Jan")
	}
	text := fmt.Sprintf("Hub: %s; %d record%s waiting (kept safely on this laptop until sent).", last, st.Waiting, plural(st.Waiting))
	if st.Waiting == 0 {
		text = fmt.Sprintf("Hub: %s; everything is sent.", last)
	}
	if st.Message != "" {
		text += " " + st.Message
	}
	return text
}
