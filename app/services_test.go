package app

import (
	"context"
	"runtime"
	"testing"
	"time"

	"go.uber.org/goleak"

	"safeguard/companion/session"
	"safeguard/companion/testclock"
)

// TestNoGoroutineOutlivesTheWindow is issue 15's "background work with an
// owner": with sync running against a real hub, the idle lock watching, a
// live session's ticker and a record's autosave, closing the window stops
// every goroutine the UI started.
func TestNoGoroutineOutlivesTheWindow(t *testing.T) {
	now := testclock.Start()
	u, clock := newTestUI(t)
	clock.Set(now)
	lh, enrol := startTestHub(t, now, clock.Now)
	defer lh.down()
	samDev, samKeys := enrol("sam")
	// Everything the test set up so far (the test app, the hub) is the
	// test's; what the UI starts from here must be gone after Close.
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	u.keys = samKeys
	u.useDevice(samDev) // starts sync with the hub
	settle(u)
	u.cfg.LockAfter = 10 * time.Minute
	u.lock.watchIdle()
	u.cfg.TickEvery = 50 * time.Millisecond
	l := liveSession(t, u, clock)
	for _, c := range l.agreement {
		c.SetChecked(true)
	}
	settle(u)
	clock.Advance(20 * time.Minute)
	tap(t, u, "End session") // the record's autosave ticker
	u.ShowInbox()            // pages, then reads the search filters in the background (issue 18)
	settle(u)
	if u.sync.engine == nil {
		t.Fatal("sync is not running")
	}
	u.Close()
}

// TestClosingLetsAJobInFlightFinish: a save asked for as the window closes
// (a screen keeps what was typed as it is left) is finished, not cancelled;
// the ticker beside it is stopped at once; and nothing is told afterwards.
func TestClosingLetsAJobInFlightFinish(t *testing.T) {
	s := newServices()
	started, release := make(chan struct{}), make(chan struct{})
	var saveErr error
	s.Job(func(ctx context.Context) {
		close(started)
		<-release // the save's disk write, taking its time
		saveErr = ctx.Err()
	})
	ticked := make(chan struct{}, 1)
	s.Every(time.Millisecond, nil, func() {
		select {
		case ticked <- struct{}{}:
		default:
		}
	})
	<-started
	<-ticked
	stopped := make(chan struct{})
	go func() { s.Stop(); close(stopped) }()
	for !s.Closing() {
		runtime.Gosched()
	}
	select {
	case <-stopped:
		t.Fatal("Stop returned while a job was still saving")
	default:
	}
	close(release)
	<-stopped
	if saveErr != nil {
		t.Errorf("the job's context was cancelled under it: %v", saveErr)
	}
}

// TestClosingSavesWhatWaitsBehindASave: a change asked for while the
// session's last save is still being written waits its turn
// (journal.inTurn); if the window closes then, the change is still saved,
// not dropped with the callback that would have started it (issue 15 §1,
// "nothing is lost"; issue 20's closing save).
func TestClosingSavesWhatWaitsBehindASave(t *testing.T) {
	u, clock, env := newTestUIEnv(t)
	l := liveSession(t, u, clock)
	settle(u)
	s := l.s
	// A save goes to the disk; its callback, which starts the next save
	// in turn, waits for the UI goroutine, which the test does not give it.
	u.journal.saveDraft(s, nil)
	var told []error
	u.journal.commitChange(s, func(c *session.Session) error {
		return c.Mark(session.Marker{Kind: session.MarkThirdParty})
	}, func(err error) { told = append(told, err) })
	if len(u.journal.committing[s]) != 1 {
		t.Fatalf("the change is not waiting behind the save: %d waiting", len(u.journal.committing[s]))
	}
	u.Close()
	if len(told) != 1 || told[0] != nil {
		t.Errorf("the change's callback: %v, want one nil", told)
	}
	u2 := reopen(t, u, env)
	var marked bool
	for _, s2 := range u2.journal.sessions {
		if s2.Document().ID != s.Document().ID {
			continue
		}
		for _, m := range s2.Document().Markers {
			marked = marked || m.Kind == session.MarkThirdParty
		}
	}
	if !marked {
		t.Error("the change waiting behind a save was lost on closing the window")
	}
}
