// Package workers spreads independent per-record work (signature checks,
// receipts) over the cores, for the hub and the client alike.
package workers

import (
	"runtime"
	"sync"
)

// Each runs fn(0..n-1) on up to GOMAXPROCS goroutines, at least per items
// each, so that small batches do not pay for goroutines.
func Each(n, per int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), (n+per-1)/per)
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				fn(i)
			}
		}()
	}
	wg.Wait()
}
