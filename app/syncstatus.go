package app

import (
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2/widget"

	"safeguard/companion/crypto"
	"safeguard/companion/sync/client"
)

// startSync runs the device's sync engine in the background when the device
// has a hub. Records already wait safely in the outbox; the engine sends
// them whenever the hub can be reached, and pulls what is addressed to this
// person.
func (u *UI) startSync() {
	if u.dev == nil || u.dev.Profile.Hub == nil || u.engine != nil {
		return
	}
	eng, err := u.dev.SyncEngine(u.keys, nil, u.cfg.Clock.Now)
	if err != nil {
		if u.cfg.Errors != nil {
			u.cfg.Errors("sync", err)
		}
		u.syncProblem = "Sync is not running: " + plainWords(err, syncing)
		return
	}
	u.engine = eng
	// A safeguarding lead is told when an incident arrives (notify.go):
	// what is here before sync first runs is not news.
	v, alerts := u.cfg.Vault, u.cfg.Vault != nil && u.dev.Person.HasRole(crypto.RoleDSL)
	u.svc.Go(func(ctx context.Context) {
		if alerts {
			_ = u.alerts.prime(ctx, v)
		}
		_ = eng.Run(ctx)
	})
	// Every second, so home says "sent" soon after a round ends; a status
	// is an outbox count and a copy, cheap to take.
	u.svc.Every(time.Second, nil, func() {
		st := eng.Status(u.svc.ctx)
		if alerts {
			_ = u.alerts.check(u.svc.ctx, v, st, u.notifyIncident)
		}
		u.runOnUI(func() {
			u.showSyncStatus(st)
			u.adoptDirectory(eng.Directory())
			u.rememberAfterSync(st)
			u.shareAudit()
		})
	})
}

// adoptDirectory starts using a newer organisation directory that sync
// fetched (verified against the pinned admin key): a leaver's records are
// refused and a new starter's open without restarting the app.
func (u *UI) adoptDirectory(d *crypto.Directory) {
	if v := u.cfg.Vault; v != nil && v.SetDirectory(d) && u.dev != nil {
		u.dev.Dir = d
	}
}

// rememberAfterSync, when sync has brought records in since it last ran,
// opens them in the background once to remember their file keys, so that
// the inbox, the cases and the report open them quickly the first time too.
func (u *UI) rememberAfterSync(st client.Status) {
	v := u.cfg.Vault
	if v == nil || u.remembering || st.Received <= u.remembered {
		return
	}
	u.remembering, u.remembered = true, st.Received
	u.background(func(ctx context.Context) error {
		_, err := v.RememberKeys(ctx)
		return err
	}, func(error) { u.remembering = false })
}

// auditShareEvery is how often the device shares its new audit events with
// the DSLs: often enough that the access audit is current within minutes,
// seldom enough that a run of views goes as one record, not one each.
const auditShareEvery = 2 * time.Minute

// shareAudit seals this device's audit events not yet shared to the DSLs
// (vault.ShareAudit) and asks the engine to send them.
func (u *UI) shareAudit() {
	v := u.cfg.Vault
	now := u.cfg.Clock.Now()
	if v == nil || u.sharingAudit || now.Sub(u.auditSharedAt) < auditShareEvery {
		return
	}
	u.sharingAudit, u.auditSharedAt = true, now
	n := 0
	u.background(func(ctx context.Context) error {
		var err error
		n, err = v.ShareAudit(ctx)
		return err
	}, func(error) {
		u.sharingAudit = false
		if n > 0 {
			u.kickSync()
		}
	})
}

// kickSync asks the engine to send now, after something was saved.
func (u *UI) kickSync() {
	if u.engine != nil {
		u.engine.Kick()
	}
}

// showSyncStatus puts the engine's status in words on the home screen.
func (u *UI) showSyncStatus(st client.Status) {
	if u.syncLabel == nil || !u.onHome {
		return
	}
	u.syncLabel.SetText(syncText(st, u.clockText))
	if st.Problem != client.ProblemNone {
		u.syncLabel.Importance = widget.WarningImportance
	} else {
		u.syncLabel.Importance = widget.MediumImportance
	}
	u.syncLabel.Refresh()
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
