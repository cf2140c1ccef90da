package app

import (
	"context"
	"sync"
	"time"
)

// services owns the UI's background work: the sync engine and its status
// ticker, the idle lock, the screens' tickers and every background job. It
// starts with the window and Stop, when the window closes, cancels them all
// and waits until each has returned (issue 15: no goroutine outlives the
// window; the tests check it with goleak).
type services struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newServices() *services {
	ctx, cancel := context.WithCancel(context.Background())
	return &services{ctx: ctx, cancel: cancel}
}

// Go runs fn in its own goroutine until it returns or ctx is cancelled.
func (s *services) Go(fn func(ctx context.Context)) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		fn(s.ctx)
	}()
}

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

// Stop cancels everything started and waits for it to return.
func (s *services) Stop() {
	s.cancel()
	s.wg.Wait()
}
