package app

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// services owns the UI's background work: the sync engine and its status
// ticker, the idle lock, the screens' tickers and every background job. It
// starts with the window and Stop, when the window closes, cancels them all
// and waits until each has returned (issue 15: no goroutine outlives the
// window; the tests check it with goleak).
//
// Jobs (one piece of work, such as a save) are told apart from the work
// that runs until cancelled: closing the window lets the jobs in flight
// finish first, for up to jobGrace, so that what a screen saves as it is
// left (the words typed since the last autosave) is kept on closing too.
type services struct {
	ctx    context.Context // the running work's: cancelled first
	cancel context.CancelFunc
	jobCtx context.Context // the jobs': cancelled after their grace
	jobEnd context.CancelFunc
	wg     sync.WaitGroup
	jobs   sync.WaitGroup
	// closing is set once Stop starts: a job that ends then has nobody
	// on screen to tell.
	closing atomic.Bool
}

// jobGrace is how long closing the window waits for the jobs in flight.
const jobGrace = 10 * time.Second

func newServices() *services {
	ctx, cancel := context.WithCancel(context.Background())
	jobCtx, jobEnd := context.WithCancel(context.Background())
	return &services{ctx: ctx, cancel: cancel, jobCtx: jobCtx, jobEnd: jobEnd}
}

// Go runs fn in its own goroutine until it returns or ctx is cancelled.
func (s *services) Go(fn func(ctx context.Context)) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		fn(s.ctx)
	}()
}

// Job runs fn, one piece of work, in its own goroutine; closing the
// window waits for it a while before cancelling its ctx.
func (s *services) Job(fn func(ctx context.Context)) {
	s.wg.Add(1)
	s.jobs.Add(1)
	go func() {
		defer s.wg.Done()
		defer s.jobs.Done()
		fn(s.jobCtx)
	}()
}

// Closing says whether the window is closing or closed.
func (s *services) Closing() bool { return s.closing.Load() }

// Every runs fn every d until stop is closed or the services stop. A nil
// stop means until the services stop.
func (s *services) Every(d time.Duration, stop <-chan struct{}, fn func()) {
	s.Go(func(ctx context.Context) {
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-stop:
				return
			case <-t.C:
				fn()
			}
		}
	})
}

// Stop cancels the running work, lets the jobs in flight finish (for up
// to jobGrace), then cancels those still going, and waits for everything
// to return.
func (s *services) Stop() {
	s.closing.Store(true)
	s.cancel()
	done := make(chan struct{})
	go func() { s.jobs.Wait(); close(done) }()
	t := time.NewTimer(jobGrace)
	select {
	case <-done:
	case <-t.C:
	}
	t.Stop()
	s.jobEnd()
	s.wg.Wait()
	<-done
}
