package hub

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"time"

	"safeguard/companion/sync/proto"
)

// Limits keep a hub serving its honest devices while bad clients send
// what they like. Each is per hub process: they protect the process's
// memory and connections, which another process does not share. A zero
// field takes its default.
type Limits struct {
	// BodyBytes bounds the bytes of request bodies held in memory at once,
	// hub-wide. A quarter of it is kept for bodies read before their
	// request's signature could be checked (the previous protocol version,
	// enrolments), so those can never take the room of authenticated ones.
	// Default 64 MiB.
	BodyBytes int64
	// BodyWait is how long a request waits for room in BodyBytes before it
	// is told the hub is busy. Default 5 s.
	BodyWait time.Duration
	// RequestsPerAddress bounds the requests at once from one network
	// address (an IPv6 /64). Default 32: an office behind one address.
	RequestsPerAddress int
	// RequestsPerDevice bounds the authenticated requests at once from one
	// device. Default 4 (the app sends one at a time).
	RequestsPerDevice int
	// UnverifiedPerDevice bounds the bodies read at once, for one device,
	// before their signature could be checked (previous-version requests
	// that name the device). Default 1.
	UnverifiedPerDevice int
	// EnrolPerMinute bounds enrolment attempts from one address. Default 10.
	EnrolPerMinute int
	// ConnsPerAddress bounds open connections from one address, for
	// LimitListener. Default 64.
	ConnsPerAddress int
}

func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	if l.BodyBytes <= 0 {
		l.BodyBytes = 64 << 20
	}
	// One body of the largest size must fit in the authenticated share.
	l.BodyBytes = max(l.BodyBytes, proto.MaxRequestBody*4/3+1)
	if l.BodyWait <= 0 {
		l.BodyWait = 5 * time.Second
	}
	def(&l.RequestsPerAddress, 32)
	def(&l.RequestsPerDevice, 4)
	def(&l.UnverifiedPerDevice, 1)
	def(&l.EnrolPerMinute, 10)
	def(&l.ConnsPerAddress, 64)
	return l
}

// limiters are a hub's live counters for its Limits.
type limiters struct {
	perAddress    *inFlight
	perDevice     *inFlight
	unverifiedDev *inFlight
	verified      *budget // bodies of requests whose signature was checked first
	unverified    *budget // bodies read before their signature could be checked
	enrol         *rateLimit
	wait          time.Duration
}

func newLimiters(l Limits) *limiters {
	l = l.withDefaults()
	return &limiters{
		perAddress:    newInFlight(l.RequestsPerAddress),
		perDevice:     newInFlight(l.RequestsPerDevice),
		unverifiedDev: newInFlight(l.UnverifiedPerDevice),
		verified:      newBudget(l.BodyBytes - l.BodyBytes/4),
		unverified:    newBudget(l.BodyBytes / 4),
		enrol:         newRateLimit(l.EnrolPerMinute, time.Minute, 1<<14),
		wait:          l.BodyWait,
	}
}

// addressKey names the client an address limit counts against: its IP, or
// for IPv6 its /64, which one subscriber usually holds whole.
func addressKey(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}

// inFlight counts what is in progress per key, up to max each.
type inFlight struct {
	mu  sync.Mutex
	n   map[string]int
	max int
}

func newInFlight(max int) *inFlight { return &inFlight{n: map[string]int{}, max: max} }

// acquire takes one place for key, or reports false when key has max.
// The release function gives it back; call it once.
func (f *inFlight) acquire(key string) (release func(), ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n[key] >= f.max {
		return nil, false
	}
	f.n[key]++
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.n[key]--; f.n[key] <= 0 {
			delete(f.n, key) // the map holds only what is in progress
		}
	}, true
}

// budget is a pool of bytes shared by requests, first come first served:
// a request waits for room rather than overtaking one queued before it,
// so large bodies are not starved by small ones.
type budget struct {
	mu      sync.Mutex
	free    int64
	waiters []*budgetWaiter
}

type budgetWaiter struct {
	n     int64
	ready chan struct{}
}

func newBudget(n int64) *budget { return &budget{free: n} }

// acquire takes n bytes, waiting until ctx ends for room.
func (b *budget) acquire(ctx context.Context, n int64) error {
	b.mu.Lock()
	if len(b.waiters) == 0 && b.free >= n {
		b.free -= n
		b.mu.Unlock()
		return nil
	}
	w := &budgetWaiter{n: n, ready: make(chan struct{})}
	b.waiters = append(b.waiters, w)
	b.mu.Unlock()
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case <-w.ready: // granted while giving up: hand it back
		b.free += n
	default:
		for i, o := range b.waiters {
			if o == w {
				b.waiters = append(b.waiters[:i], b.waiters[i+1:]...)
				break
			}
		}
	}
	b.grant()
	return ctx.Err()
}

func (b *budget) release(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.free += n
	b.grant()
}

// grant wakes the waiters at the head of the queue that now fit.
func (b *budget) grant() {
	for len(b.waiters) > 0 && b.free >= b.waiters[0].n {
		w := b.waiters[0]
		b.waiters = b.waiters[1:]
		b.free -= w.n
		close(w.ready)
	}
}

// rateLimit is a token bucket per key: burst attempts at once, refilled
// at burst per period. It remembers at most maxKeys keys; when full it
// forgets those that have refilled, and if none has, refuses new keys
// until one does (many addresses at once is an attack in itself).
type rateLimit struct {
	mu      sync.Mutex
	buckets map[string]*bucket
	burst   float64
	period  time.Duration
	maxKeys int
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newRateLimit(burst int, period time.Duration, maxKeys int) *rateLimit {
	return &rateLimit{buckets: map[string]*bucket{}, burst: float64(burst), period: period, maxKeys: maxKeys}
}

func (r *rateLimit) refill(b *bucket, now time.Time) {
	if el := now.Sub(b.at); el > 0 {
		b.tokens = min(r.burst, b.tokens+r.burst*float64(el)/float64(r.period))
		b.at = now
	}
}

// allow takes a token for key at now, or reports false.
func (r *rateLimit) allow(key string, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	b, ok := r.buckets[key]
	if !ok {
		if len(r.buckets) >= r.maxKeys {
			for k, o := range r.buckets {
				if r.refill(o, now); o.tokens >= r.burst {
					delete(r.buckets, k)
				}
			}
			if len(r.buckets) >= r.maxKeys {
				return false
			}
		}
		b = &bucket{tokens: r.burst, at: now}
		r.buckets[key] = b
	}
	r.refill(b, now)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// LimitListener closes, as soon as it is accepted, a connection from an
// address that already has perAddress open (Limits.ConnsPerAddress when
// perAddress is 0), so that one client cannot hold every connection the
// process can keep. Behind a TLS-terminating proxy every connection comes
// from the proxy: give that proxy's own limits instead.
func LimitListener(ln net.Listener, perAddress int) net.Listener {
	if perAddress <= 0 {
		perAddress = Limits{}.withDefaults().ConnsPerAddress
	}
	return &limitListener{Listener: ln, open: newInFlight(perAddress)}
}

type limitListener struct {
	net.Listener
	open *inFlight
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		release, ok := l.open.acquire(addressKey(c.RemoteAddr().String()))
		if !ok {
			c.Close()
			continue
		}
		return &limitedConn{Conn: c, release: sync.OnceFunc(release)}, nil
	}
}

type limitedConn struct {
	net.Conn
	release func()
}

func (c *limitedConn) Close() error {
	c.release()
	return c.Conn.Close()
}
