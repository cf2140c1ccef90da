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
//
// It also holds the callbacks waiting for the UI goroutine, in order
// (post). Fyne is asked to run them one at a time, but while the window
// closes Stop runs them itself: a save's callback starts the save queued
// behind it (journal.inTurn), and a callback left in Fyne's queue would
// only run after the window had gone, too late to save anything.
type services struct {
	ctx    context.Context // the running work's: cancelled first
	cancel context.CancelFunc
	jobCtx context.Context // the jobs': cancelled after their grace
	jobEnd context.CancelFunc
	wg     sync.WaitGroup
	// jobsRunning counts the jobs in flight; wake is signalled when one
	// ends or a callback is posted.
	jobsRunning atomic.Int64
	wake        chan struct{}
	// closing is set once Stop starts: a job that ends then has nobody
	// on screen to tell.
	closing atomic.Bool

	mu      sync.Mutex
	waiting []func() // callbacks posted for the UI goroutine, oldest first
	stopped bool     // Stop has finished: a callback posted now never runs
}

// jobGrace is how long closing the window waits for the jobs in flight.
const jobGrace = 10 * time.Second

func newServices() *services {
	ctx, cancel := context.WithCancel(context.Background())
	jobCtx, jobEnd := context.WithCancel(context.Background())
	return &services{ctx: ctx, cancel: cancel, jobCtx: jobCtx, jobEnd: jobEnd, wake: make(chan struct{}, 1)}
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
	s.jobsRunning.Add(1)
	go func() {
		defer s.wg.Done()
		defer func() {
			s.jobsRunning.Add(-1)
			s.signal()
		}()
		fn(s.jobCtx)
	}()
}

// signal wakes Stop if it is waiting; it never blocks.
func (s *services) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// post adds fn to the callbacks waiting for the UI goroutine, to be run by
// runNext, or by Stop if the window closes first. It says false once Stop
// has finished: then fn never runs.
func (s *services) post(fn func()) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return false
	}
	s.waiting = append(s.waiting, fn)
	s.signal()
	return true
}

// runNext runs the oldest waiting callback, if one is left; it runs on the
// UI goroutine, once for each post.
func (s *services) runNext() {
	s.mu.Lock()
	if len(s.waiting) == 0 {
		s.mu.Unlock()
		return // Stop ran it while the window closed
	}
	fn := s.waiting[0]
	s.waiting[0] = nil
	s.waiting = s.waiting[1:]
	s.mu.Unlock()
	fn()
}

// idle says whether no job is in flight and no callback is waiting.
func (s *services) idle() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.waiting) == 0 && s.jobsRunning.Load() == 0
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

// Stop cancels the running work, lets the jobs in flight finish and runs
// their callbacks (for up to jobGrace in all), then cancels the jobs still
// going and waits for everything to return. It runs on the UI goroutine:
// the callbacks it runs are the ones Fyne would have run there, and a
// callback may start another job (the save queued behind a save), which
// is waited for in turn.
func (s *services) Stop() {
	s.closing.Store(true)
	s.cancel()
	grace := time.NewTimer(jobGrace)
	defer grace.Stop()
wait:
	for {
		for {
			s.mu.Lock()
			n := len(s.waiting)
			s.mu.Unlock()
			if n == 0 {
				break
			}
			s.runNext()
		}
		if s.idle() {
			break
		}
		select {
		case <-s.wake:
		case <-grace.C:
			break wait
		}
	}
	s.mu.Lock()
	s.stopped = true
	s.waiting = nil
	s.mu.Unlock()
	s.jobEnd()
	s.wg.Wait()
}
