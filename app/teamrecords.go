package app

import (
	"context"

	"fyne.io/fyne/v2/widget"

	"safeguard/companion/records"
)

// The DSL's own screens (subject access, transfers, retention) keep signed
// team records beside the case records: each reads them the same way and
// saves them the same way, here.

// teamSave is one signed team record to save: a subject access step, a
// legal hold, a transfer's receipt, a retention decision.
type teamSave struct {
	// busy is the screen's flag, set while the record is being saved so
	// that a second press does not save it twice.
	busy *bool
	// msg is where a failure is said, in plain words.
	msg *widget.Label
	// put saves the record durably, off the UI goroutine.
	put func(ctx context.Context) error
	// saved runs once the save is durable (the form is cleared, the
	// outcome said), before the screen reads its records again.
	saved func()
	// failed, when set, runs after a failure is said (to draw the screen
	// again); the form keeps what was typed.
	failed func()
	// reload reads the screen's records again.
	reload func()
}

// saveTeamRecord saves a team record durably and only then says so, asks
// sync to send it, and reloads the screen (issue 15: save first).
func (y *syncStatus) saveTeamRecord(t teamSave) {
	if *t.busy {
		return
	}
	if y.cfg.Vault == nil {
		t.msg.SetText("Not saved: there is no vault on this device.")
		return
	}
	*t.busy = true
	y.background(t.put, func(err error) {
		*t.busy = false
		if err != nil {
			t.msg.SetText("Not saved: " + plainWords(err, saving))
			if t.failed != nil {
				t.failed()
			}
			return
		}
		t.msg.SetText("")
		if t.saved != nil {
			t.saved()
		}
		y.kick()
		t.reload()
	})
}

// loadWithCaseRecords reads a DSL screen's own records (read) and every
// case record this device can read, off the UI goroutine; then, on it,
// show gets the case records and the words for any that could not be read
// (never silently left out), or problem says why nothing could be opened.
// what names the screen's records for that sentence ("the requests").
func (sh *shell) loadWithCaseRecords(what string, read func(ctx context.Context) error, show func(recs *records.Index, unread []string), problem func(string)) {
	if sh.cfg.Vault == nil {
		problem("No records on this device.")
		return
	}
	var (
		recs   *records.Index
		unread []string
	)
	sh.background(func(ctx context.Context) error {
		if err := read(ctx); err != nil {
			return err
		}
		var err error
		recs, unread, err = sh.openCaseRecords(ctx)
		return err
	}, func(err error) {
		if err != nil {
			problem("The " + what + " could not be opened: " + plainWords(err, reading))
			return
		}
		show(recs, unread)
	})
}
