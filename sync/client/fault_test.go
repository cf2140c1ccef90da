package client

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"safeguard/companion/crypto"
	"safeguard/companion/store"
	"safeguard/companion/sync/synctest"
)

// flakyProxy is a TCP proxy on loopback that, per connection, passes bytes
// cleanly, drops the connection at once, resets it part-way through the
// request, delays it, or truncates the response. Faults hit whatever HTTP
// exchange is on the connection at the time.
type flakyProxy struct {
	l        net.Listener
	upstream string
	seed     atomic.Uint64
	counts   [5]atomic.Int64 // clean, dropped, reset mid-request, delayed, truncated
	wg       sync.WaitGroup
}

var faultNames = [5]string{"clean", "dropped", "reset mid-request", "delayed", "truncated response"}

func newFlakyProxy(t *testing.T, upstream string) *flakyProxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &flakyProxy{l: l, upstream: upstream}
	go p.serve()
	t.Cleanup(func() { l.Close(); p.wg.Wait() })
	return p
}

func (p *flakyProxy) serve() {
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.handle(c.(*net.TCPConn))
		}()
	}
}

func reset(c *net.TCPConn) {
	_ = c.SetLinger(0) // close with RST, not FIN
	c.Close()
}

func (p *flakyProxy) handle(c *net.TCPConn) {
	r := rand.New(rand.NewPCG(p.seed.Add(1), 7))
	kind := 0
	switch n := r.IntN(100); {
	case n < 40:
		kind = 0
	case n < 52:
		kind = 1
	case n < 68:
		kind = 2
	case n < 84:
		kind = 3
	default:
		kind = 4
	}
	p.counts[kind].Add(1)
	if kind == 1 {
		reset(c)
		return
	}
	if kind == 3 {
		time.Sleep(time.Duration(r.IntN(150)) * time.Millisecond)
	}
	up, err := net.Dial("tcp", p.upstream)
	if err != nil {
		reset(c)
		return
	}
	upc := up.(*net.TCPConn)
	// Limits on bytes forwarded each way before the connection is cut:
	// somewhere inside the first request, or inside the first response.
	reqLimit, respLimit := int64(1<<62), int64(1<<62)
	switch kind {
	case 2:
		reqLimit = 1 + r.Int64N(8<<10)
	case 4:
		respLimit = 1 + r.Int64N(16<<10)
	}
	done := make(chan struct{}, 2)
	go func() {
		_, _ = io.Copy(upc, io.LimitReader(c, reqLimit))
		done <- struct{}{}
	}()
	go func() {
		_, _ = io.Copy(c, io.LimitReader(upc, respLimit))
		done <- struct{}{}
	}()
	<-done
	reset(c)
	reset(upc)
	<-done
}

// TestFaultySync: several devices sync thousands of real envelopes through
// the flaky proxy. Afterwards every record is on the hub exactly once with
// the right hash, and every device holds everything addressed to it.
func TestFaultySync(t *testing.T) {
	for _, b := range synctest.Backends() {
		t.Run(b.Name, func(t *testing.T) { faultySync(t, b) })
	}
}

func faultySync(t *testing.T, b synctest.Backend) {
	ctx := context.Background()
	org := synctest.NewOrg(t)
	h := synctest.StartHub(t, b.Open(t), org, nil)
	proxy := newFlakyProxy(t, h.Server.Listener.Addr().String())
	url := "http://" + proxy.l.Addr().String()
	// No keep-alive: every request gets a connection of its own, and so
	// its own chance of a fault.
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

	// Who writes how many: alice and carol report to bob; incidents go to dana.
	plan := map[string]int{"alice": 2000, "carol": 2000, "bob": 1000}
	if testing.Short() {
		plan = map[string]int{"alice": 200, "carol": 200, "bob": 100}
	}
	devs := map[string]*device{}
	for _, p := range []string{"alice", "bob", "carol", "dana"} {
		devs[p] = newDevice(t, org, h, p, nil, hc, url)
	}

	// Seal with the real crypto on both cores.
	type rec struct {
		author, id string
		kind       crypto.Kind
		b          []byte
	}
	var recs []rec
	for author, n := range plan {
		for i := range n {
			k := crypto.KindSessionRecord
			if i%10 == 0 && author != "bob" {
				k = crypto.KindIncident
			}
			recs = append(recs, rec{author: author, id: fmt.Sprintf("%s-%05d", author, i), kind: k})
		}
	}
	start := time.Now()
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := make([]byte, 3000)
			for i := w; i < len(recs); i += 2 {
				recs[i].b = org.Seal(t, recs[i].author, recs[i].id, recs[i].kind, body)
			}
		}()
	}
	wg.Wait()
	t.Logf("sealed %d envelopes in %v", len(recs), time.Since(start).Round(time.Millisecond))
	// Save on the three writing devices at once: each save is its own
	// fsync in its own database file.
	start = time.Now()
	errs := make(chan error, len(plan))
	for author := range plan {
		go func() {
			for _, r := range recs {
				if r.author != author {
					continue
				}
				env, err := crypto.ParseEnvelope(r.b)
				if err != nil {
					errs <- err
					return
				}
				se := toStore(env, r.b)
				if r.kind == crypto.KindIncident {
					se.Priority = store.PriorityUrgent
				}
				if err := devs[author].st.PutEnvelope(ctx, se); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range plan {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("saved them on the devices in %v", time.Since(start).Round(time.Millisecond))

	// Who should hold what at the end.
	want := map[string]map[string][]byte{"alice": {}, "bob": {}, "carol": {}, "dana": {}}
	for _, r := range recs {
		want[r.author][r.id] = r.b
		switch {
		case r.kind == crypto.KindIncident:
			want["dana"][r.id] = r.b
		case r.author != "bob":
			want["bob"][r.id] = r.b
		}
	}

	start = time.Now()
	runCtx, cancel := context.WithCancel(ctx)
	var runs sync.WaitGroup
	for _, d := range devs {
		runs.Add(1)
		go func() { defer runs.Done(); _ = d.eng.Run(runCtx) }()
	}
	deadline := time.Now().Add(100 * time.Second)
	for {
		doneAll := true
		for p, d := range devs {
			if d.outbox(t) != 0 || d.held(t) < len(want[p]) {
				doneAll = false
			}
		}
		if doneAll {
			break
		}
		if time.Now().After(deadline) {
			for p, d := range devs {
				t.Logf("%s: outbox %d, holds %d of %d, status %+v", p, d.outbox(t), d.held(t), len(want[p]), d.eng.Status(ctx))
			}
			cancel()
			runs.Wait()
			t.Fatal("the devices did not finish syncing in time")
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	runs.Wait()
	elapsed := time.Since(start)

	// On the hub: each record exactly once (ids are unique and the count
	// matches), with the right bytes.
	n, err := h.DB.Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(len(recs)) {
		t.Fatalf("the hub holds %d records, want %d", n, len(recs))
	}
	seqs := map[int64]bool{}
	for _, r := range recs {
		st, err := h.DB.Get(ctx, r.id)
		if err != nil || st.Hash != crypto.EnvelopeHash(r.b) || string(st.Data) != string(r.b) || seqs[st.Seq] {
			t.Fatalf("record %s on the hub: %v", r.id, err)
		}
		seqs[st.Seq] = true
	}
	// On the devices: everything addressed to them, byte for byte, and a
	// receipt for everything they wrote.
	for p, d := range devs {
		if got := d.held(t); got != len(want[p]) {
			t.Fatalf("%s holds %d records, want %d", p, got, len(want[p]))
		}
		for id, b := range want[p] {
			e, err := d.st.GetEnvelope(ctx, id)
			if err != nil || string(wire(e)) != string(b) {
				t.Fatalf("%s's copy of %s: %v", p, id, err)
			}
		}
	}
	for _, r := range recs {
		if _, err := devs[r.author].st.Receipt(ctx, r.id); err != nil {
			t.Fatalf("no receipt for %s: %v", r.id, err)
		}
	}
	var faults string
	for i, name := range faultNames {
		faults += fmt.Sprintf(" %s=%d", name, proxy.counts[i].Load())
	}
	pulled := 0
	for p := range devs {
		pulled += len(want[p])
	}
	t.Logf("%s: %d records pushed by 3 devices and %d held across 4 devices after sync through the flaky proxy in %v; hub holds %d, each once with the right hash; connections:%s",
		b.Name, len(recs), pulled, elapsed.Round(time.Millisecond), n, faults)
}
