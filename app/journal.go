package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"

	"safeguard/companion/buildmode"
	"safeguard/companion/crypto"
	"safeguard/companion/session"
	"safeguard/companion/vault"
)

// background runs work off the UI goroutine and hands its error back on it.
// Crypto and database calls always go through here.
func (sh *shell) background(work func(ctx context.Context) error, done func(error)) {
	var where string
	if buildmode.TestHooks && sh.ui.timed != nil {
		where = callSite(2)
	}
	sh.ui.pending.Add(1)
	sh.svc.Job(func(parent context.Context) {
		ctx, cancel := context.WithTimeout(parent, time.Minute)
		defer cancel()
		err := work(ctx)
		if err != nil && sh.cfg.Errors != nil {
			sh.cfg.Errors("background", err)
		}
		// Closing or not, done runs on the UI goroutine: while the window
		// closes, services.Stop runs it, so that a save queued behind this
		// one (journal.inTurn) is still made.
		if !sh.runOnUIFrom(where, func() {
			defer sh.ui.pending.Add(-1)
			done(err)
		}) {
			sh.ui.pending.Add(-1) // the window has gone: nobody to tell
		}
	})
}

// uiQueue carries callbacks to the UI goroutine. The app hands them to
// fyne.Do; tests run them on the test goroutine (see settle in the tests),
// because Fyne's test driver runs fyne.Do callbacks on the caller's goroutine.
type uiQueue struct {
	// pending counts background work whose callback has not yet run.
	pending atomic.Int64
	// queue, when a test sets it, receives callbacks instead of fyne.Do;
	// a release build never reads it (buildmode).
	queue chan func()
	// timed, when a test sets it, wraps each callback, told where in the
	// app it was asked for, so that the test can time the work done on the
	// UI goroutine (issue 15 §3, uiwork_bench_test.go); a release build
	// never reads it.
	timed func(where string, fn func()) func()
}

func (sh *shell) runOnUI(fn func()) {
	var where string
	if buildmode.TestHooks && sh.ui.timed != nil {
		where = callSite(2)
	}
	sh.runOnUIFrom(where, fn)
}

// runOnUIFrom is runOnUI for a callback asked for at where (empty unless
// a test times the callbacks). It says false if the window has gone and
// fn will never run.
func (sh *shell) runOnUIFrom(where string, fn func()) bool {
	if buildmode.TestHooks && sh.ui.timed != nil {
		fn = sh.ui.timed(where, fn)
	}
	if !sh.svc.post(fn) {
		return false
	}
	if buildmode.TestHooks && sh.ui.queue != nil {
		select {
		case sh.ui.queue <- sh.svc.runNext:
		case <-sh.svc.ctx.Done(): // the window is closing: Stop runs fn
		}
		return true
	}
	fyne.Do(sh.svc.runNext)
	return true
}

// callSite names the function skip frames up the stack and its line, as
// "inbox.go:69 (*inbox).load": only for tests that time callbacks.
func callSite(skip int) string {
	pc, file, line, ok := runtime.Caller(skip)
	if !ok {
		return "?"
	}
	name := "?"
	if f := runtime.FuncForPC(pc); f != nil {
		name = f.Name()
		if i := strings.LastIndex(name, "/"); i >= 0 {
			name = name[i+1:]
		}
		name = strings.TrimPrefix(name, "app.")
	}
	return fmt.Sprintf("%s:%d %s", filepath.Base(file), line, name)
}

// journal is the person's sessions, drafts and signed records in memory,
// and the one way a change to a session is saved: in turn, durably, before
// the screen shows it (commitChange).
type journal struct {
	*shell
	// sessions are the practitioner's sessions, newest plan first.
	sessions []*session.Session
	// history is the practitioner's signed records, newest first, and
	// addenda by parent record id; both decrypted in memory only.
	history []historyItem
	addenda map[string][]session.Addendum
	// loaded is set once drafts and records have been read.
	loaded      bool
	loadProblem string
	// committing holds, for each session with a change being saved, the
	// changes waiting behind it (commitChange).
	committing map[*session.Session][]func()
}

// saveDraft autosaves a session, sealed to its author. Failures show in the
// status line, so a person knows their work is not yet safe.
//
// It takes its turn with the session's other changes (commitChange), so an
// autosave of the state before a change can never land on disk after it.
func (u *journal) saveDraft(s *session.Session, status func(string)) {
	u.saveDraftDone(s, func(err error) {
		switch {
		case status == nil:
		case err != nil:
			status("Not saved: " + plainWords(err, saving))
		default:
			status("Saved " + u.clockText(u.cfg.Clock.Now(), "15:04:05") + ".")
		}
	})
}

// saveDraftDone is saveDraft, telling done how the save went.
func (u *journal) saveDraftDone(s *session.Session, done func(error)) {
	if u.cfg.Vault == nil {
		return
	}
	// The document is taken when its turn comes, so it holds every change
	// made to the session until then; nothing is adopted back.
	u.inTurn(s, func(next func()) {
		doc := s.Document()
		u.background(func(ctx context.Context) error { return u.cfg.Vault.SaveDraft(ctx, doc) }, func(err error) {
			defer next()
			done(err)
		})
	})
}

// notSavedError is a change the domain accepted that could not be saved:
// the screen still shows the state before it, and says so.
type notSavedError struct{ err error }

func (e *notSavedError) Error() string { return "not saved: " + e.err.Error() }
func (e *notSavedError) Unwrap() error { return e.err }

// unwrapNotSaved is the save's own error inside a *notSavedError, or err.
func unwrapNotSaved(err error) error {
	var ns *notSavedError
	if errors.As(err, &ns) {
		return ns.err
	}
	return err
}

// notSaved is the sentence for a change that could not be saved.
func notSaved(err error) string {
	return "Not saved: " + plainWords(err, saving) + " Nothing has changed; try again once that is put right."
}

// commitChange applies change to a copy of s, saves the copy durably, and
// only then makes it s's state (issue 15). A change the domain refuses is
// given to done as it is; a save that fails leaves s, and so the screen, as
// it was, and done gets a *notSavedError, so the same button works again
// once the fault is gone. done runs on the UI goroutine.
//
// Changes to one session are made one after another: a change asked for
// while another is being saved waits for it, and is then tried on what
// that one left, so that two quick ticks never overwrite each other.
func (u *journal) commitChange(s *session.Session, change func(*session.Session) error, done func(error)) {
	u.inTurn(s, func(next func()) { u.commitNow(s, change, done, next) })
}

// inTurn runs step now, or after the steps already waiting on s; step calls
// next when it is finished.
func (u *journal) inTurn(s *session.Session, step func(next func())) {
	if u.committing == nil {
		u.committing = map[*session.Session][]func(){}
	}
	next := func() {
		if queue := u.committing[s]; len(queue) > 0 {
			u.committing[s] = queue[1:]
			queue[0]()
			return
		}
		delete(u.committing, s)
	}
	run := func() { step(next) }
	if queue, busy := u.committing[s]; busy {
		u.committing[s] = append(queue, run)
		return
	}
	u.committing[s] = nil
	run()
}

func (u *journal) commitNow(s *session.Session, change func(*session.Session) error, done func(error), next func()) {
	c := s.Clone()
	if err := change(c); err != nil {
		done(err)
		next()
		return
	}
	if u.cfg.Vault == nil {
		s.Adopt(c)
		done(nil)
		next()
		return
	}
	before, doc := s.Document(), c.Document()
	u.background(func(ctx context.Context) error { return u.cfg.Vault.SaveDraft(ctx, doc) }, func(err error) {
		switch {
		case err != nil:
			done(&notSavedError{err})
		case reflect.DeepEqual(s.Document(), before):
			s.Adopt(c)
			done(nil)
		default:
			// Something changed the session while this was saving (an
			// escalation marks it at once): the change is made again on
			// top of that, never by putting the copy back over it. The
			// other change's own save, queued behind, writes both.
			done(change(s))
		}
		next()
	})
}

// loadSessions reads the drafts and signed records into memory, then
// refreshes the home screen if it is showing.
func (u *UI) loadSessions() {
	if u.cfg.Vault == nil {
		return
	}
	u.typed.loadKeptWords()
	var (
		sessions  []*session.Session
		history   []historyItem
		addenda   = map[string][]session.Addendum{}
		incidents []myIncident
		signed    []vault.Entry
	)
	// Everything is decoded and sorted here, off the UI goroutine: with a
	// year of records it takes longer than a frame (issue 15 §3).
	me := u.cfg.Me.KeyID
	u.background(func(ctx context.Context) error {
		drafts, err := u.cfg.Vault.Drafts(ctx)
		for _, d := range drafts {
			if s, rerr := session.Restore(u.cfg.Pack, u.cfg.Clock, d); rerr == nil {
				sessions = append(sessions, s)
			}
		}
		var err2 error
		signed, _, err2 = u.cfg.Vault.Open(ctx, nil, crypto.KindSessionRecord, crypto.KindAddendum)
		for _, e := range signed {
			switch e.Header.Kind {
			case crypto.KindSessionRecord:
				if e.Author == nil || string(e.Header.Author) != me {
					continue
				}
				var d session.Document
				if e.Decode(&d) == nil {
					history = append(history, historyItem{entry: e, doc: d})
				}
			case crypto.KindAddendum:
				var a session.Addendum
				if e.Decode(&a) == nil {
					addenda[a.ParentID] = append(addenda[a.ParentID], a)
				}
			}
		}
		slices.SortFunc(history, func(a, b historyItem) int { return b.doc.Plan.Start.Compare(a.doc.Plan.Start) })
		var err3 error
		incidents, err3 = u.mine.read(ctx)
		return errors.Join(err, err2, err3)
	}, func(err error) {
		u.mine.list = incidents
		j := u.journal
		j.sessions, j.history, j.addenda = sessions, history, addenda
		j.loaded = true
		if err != nil {
			j.loadProblem = "Some records could not be opened: " + plainWords(err, reading)
		}
		// Issue 16: facts of records signed before facts were shared, in
		// the background once home is up.
		u.shareMissingFacts(signed)
		if u.onHome {
			u.ShowHome()
			if !u.offerResume() {
				u.offerIncidentDraft()
			}
		}
	})
}

// offerResume asks to carry on with a session that was live when the app
// last closed or crashed: its draft was autosaved, so nothing is lost and
// the timer counts from the real start. It says whether it asked.
func (u *UI) offerResume() bool {
	for _, s := range u.journal.sessions {
		if st := s.State(); st == session.Live || st == session.Paused {
			d := s.Document()
			dialog.ShowConfirm("Resume your session?",
				fmt.Sprintf("The session with %s was still running when the app closed. Everything up to the last autosave is kept. Resume it now?", d.Plan.Customer.Reference),
				func(ok bool) {
					if ok {
						u.ShowLive(s)
					}
				}, u.win)
			return true
		}
	}
	return false
}

// historyItem is a signed session record held in memory.
type historyItem struct {
	entry vault.Entry
	doc   session.Document
}
