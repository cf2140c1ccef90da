package hub_test

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"safeguard/companion/crypto"
	"safeguard/companion/store"
	"safeguard/companion/sync/client"
	"safeguard/companion/sync/hub"
	"safeguard/companion/sync/proto"
	"safeguard/companion/sync/synctest"
	"safeguard/companion/testclock"
)

// Load test figures (issue 14 §3). The bound is what the hub may hold on
// top of what the process held before the attack: its body budget
// (hub.Limits.BodyBytes, 64 MiB by default), as much again for garbage the
// collector has not reclaimed yet, and 32 MiB for the connections,
// goroutines and buffers of the attack's own clients, which run in this
// process too.
const (
	attackAddresses   = 40 // 127.0.0.10 ... : distinct network addresses
	attackersPerAddr  = 5  // goroutines per address, each sending one request after another
	attackFor         = 4 * time.Second
	defaultBodyBudget = 64 << 20
	heapBound         = 2*defaultBodyBudget + 32<<20
)

// TestHubUnderAttackStaysUpWithinItsMemoryAndHonestDevicesSync is issue 14
// §3's load test: many unauthenticated (and impostor) clients from many
// addresses send the largest bodies the hub accepts, and malformed
// requests, all at once, while two honest devices sync through the real
// engine. The hub answers throughout, its heap stays under heapBound above
// where it started, and every record Alice sends reaches Bob.
func TestHubUnderAttackStaysUpWithinItsMemoryAndHonestDevicesSync(t *testing.T) {
	if testing.Short() {
		t.Skip("the load test takes a few seconds per backend")
	}
	if runtime.GOOS != "linux" {
		t.Skip("the attackers come from many loopback addresses (127.0.0.0/8), which Linux alone answers")
	}
	forEachBackend(t, func(t *testing.T, b synctest.Backend) {
		ctx := context.Background()
		org := synctest.NewOrg(t)
		now := testclock.NewRunning(synctest.Epoch).Now
		h := synctest.StartHubWith(t, b.Open(t), org, hub.Options{Now: now})
		alice := honestDevice(t, h, org, "alice", "127.0.0.2", now)
		bob := honestDevice(t, h, org, "bob", "127.0.0.3", now)
		aliceID := proto.DeviceID(alice.key.Public().(ed25519.PublicKey))

		runtime.GC()
		base := heapInUse()
		var peak atomic.Uint64
		stopSampling := make(chan struct{})
		sampled := make(chan struct{})
		go func() {
			defer close(sampled)
			tick := time.NewTicker(10 * time.Millisecond)
			defer tick.Stop()
			for {
				if m := heapInUse(); m > peak.Load() {
					peak.Store(m)
				}
				select {
				case <-stopSampling:
					return
				case <-tick.C:
				}
			}
		}()

		// The attack.
		attackCtx, stopAttack := context.WithTimeout(ctx, attackFor)
		defer stopAttack()
		var sent, answered, cut atomic.Int64
		status := sync.Map{} // status -> *atomic.Int64
		var wg sync.WaitGroup
		for a := range attackAddresses {
			ip := "127.0.0." + strconv.Itoa(10+a)
			hc := synctest.ClientFrom(ip)
			hc.Timeout = 10 * time.Second
			for g := range attackersPerAddr {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; attackCtx.Err() == nil; i++ {
						kind := (a*attackersPerAddr + g + i) % len(attacks)
						sent.Add(1)
						s, err := attacks[kind](attackCtx, hc, h.URL, ip, aliceID, now)
						if err != nil {
							cut.Add(1) // the hub closed the connection on a body it would not read
							continue
						}
						answered.Add(1)
						c, _ := status.LoadOrStore(s, new(atomic.Int64))
						c.(*atomic.Int64).Add(1)
					}
				}()
			}
		}

		// Honest devices, meanwhile: Alice writes and sends records, Bob
		// pulls them. A round the hub turns away as busy is retried, as the
		// engine's Run does.
		sw := testclock.NewStopwatch()
		var rounds, busyRounds int
		var slowest time.Duration
		sentIDs := 0
		for attackCtx.Err() == nil {
			id := "load-" + strconv.Itoa(sentIDs)
			alice.save(t, org.Seal(t, "alice", id, crypto.KindSessionRecord, []byte(id)))
			sentIDs++
			for _, d := range []*honest{alice, bob} {
				start := sw.Elapsed()
				for {
					err := d.eng.SyncNow(ctx)
					rounds++
					if err == nil {
						break
					}
					if st := d.eng.Status(ctx); !strings.Contains(st.Message, "busy") || sw.Elapsed()-start > 20*time.Second {
						t.Fatalf("%s's sync during the attack: %v (%+v)", d.person, err, st)
					}
					busyRounds++
					time.Sleep(50 * time.Millisecond)
				}
				slowest = max(slowest, sw.Elapsed()-start)
			}
		}
		wg.Wait()
		close(stopSampling)
		<-sampled

		// Still up, and everything arrived.
		resp, err := http.Get(h.URL + proto.PathHealth)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("health after the attack: %v %v", resp, err)
		}
		resp.Body.Close()
		if err := bob.eng.SyncNow(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := bob.st.CountEnvelopes(ctx, store.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if got != sentIDs {
			t.Fatalf("Bob holds %d of the %d records Alice sent", got, sentIDs)
		}
		rss, hwm := procStatus("VmRSS"), procStatus("VmHWM")
		var counts []string
		status.Range(func(k, v any) bool {
			counts = append(counts, fmt.Sprintf("%d×%d", k, v.(*atomic.Int64).Load()))
			return true
		})
		slices.Sort(counts)
		grew := int64(peak.Load()) - int64(base)
		t.Logf("attack: %d addresses × %d clients for %s: %d requests, %d answered (%s), %d cut off unread",
			attackAddresses, attackersPerAddr, attackFor, sent.Load(), answered.Load(), strings.Join(counts, " "), cut.Load())
		t.Logf("honest: %d records sent by Alice and received by Bob in %d sync rounds (%d told busy, retried); slowest round %s",
			sentIDs, rounds, busyRounds, slowest.Round(time.Millisecond))
		t.Logf("memory: Go heap in use %.1f MiB before, peak %.1f MiB (+%.1f MiB; bound +%d MiB); process RSS now %s, peak %s",
			mib(base), mib(peak.Load()), float64(grew)/(1<<20), heapBound>>20, rss, hwm)
		if grew > heapBound {
			t.Fatalf("the heap grew by %.1f MiB under attack; the bound is %d MiB", float64(grew)/(1<<20), heapBound>>20)
		}
		if sentIDs < 1 {
			t.Fatalf("only %d honest records went through in %s", sentIDs, attackFor)
		}
	})
}

// attacks are what the bad clients send, one kind after another. Each
// returns the status the hub answered, or an error when it closed the
// connection first.
var attacks = []func(ctx context.Context, hc *http.Client, base, ip, victim string, now func() time.Time) (int, error){
	// The largest body, no signature at all.
	func(ctx context.Context, hc *http.Client, base, _, _ string, _ func() time.Time) (int, error) {
		return attackPush(ctx, hc, base, "", true, proto.MaxRequestBody)
	},
	// The largest body, in Alice's name, signed by someone else, its
	// digest declared: refused before it is read.
	func(ctx context.Context, hc *http.Client, base, _, victim string, now func() time.Time) (int, error) {
		return attackPush(ctx, hc, base, forgedAuth(victim, now()), true, proto.MaxRequestBody)
	},
	// The same as an app of the previous version would send it, without
	// a digest: read (one at a time for her device) before it is refused.
	func(ctx context.Context, hc *http.Client, base, _, victim string, now func() time.Time) (int, error) {
		return attackPush(ctx, hc, base, forgedAuth(victim, now()), false, proto.MaxRequestBody)
	},
	// A device never enrolled.
	func(ctx context.Context, hc *http.Client, base, _, _ string, now func() time.Time) (int, error) {
		return attackPush(ctx, hc, base, forgedAuth(strings.Repeat("ab", 16), now()), true, proto.MaxRequestBody)
	},
	// A body with no declared length.
	func(ctx context.Context, hc *http.Client, base, _, victim string, now func() time.Time) (int, error) {
		return attackPush(ctx, hc, base, forgedAuth(victim, now()), true, -1)
	},
	// Malformed requests: a mangled signature header, a wrong method, a
	// path that does not exist, an enrolment guessing a code.
	func(ctx context.Context, hc *http.Client, base, _, _ string, _ func() time.Time) (int, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+proto.PathPush, strings.NewReader("SGC-PUSH-1\n\xff\xff\xff\xff"))
		req.Header.Set("Authorization", "SGC1 device=../../etc,ts=-1,nonce=,sig=%00")
		return do(hc, req)
	},
	func(ctx context.Context, hc *http.Client, base, _, _ string, _ func() time.Time) (int, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodDelete, base+proto.PathPull+"?after=-1&limit=99999999", nil)
		return do(hc, req)
	},
	func(ctx context.Context, hc *http.Client, base, _, _ string, now func() time.Time) (int, error) {
		k := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
		body := []byte(`{"code":"AAAAA-BBBBB-CCCCC-DDDDD","device_key":"` + strings.Repeat("A", 43) + `="}`)
		auth, _ := proto.SignRequest(k, http.MethodPost, proto.PathEnrol, now(), body)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+proto.PathEnrol, strings.NewReader(string(body)))
		req.Header.Set("Authorization", auth)
		return do(hc, req)
	},
	// Not HTTP at all, from the same address.
	func(ctx context.Context, _ *http.Client, base, ip, _ string, _ func() time.Time) (int, error) {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
		c, err := d.DialContext(ctx, "tcp", strings.TrimPrefix(base, "http://"))
		if err != nil {
			return 0, err
		}
		defer c.Close()
		wait, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		go func() { <-wait.Done(); c.Close() }()
		if _, err := c.Write([]byte("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http\r\n\r\n")); err != nil {
			return 0, err
		}
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			return 0, err
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			return 0, fmt.Errorf("answer %q", line)
		}
		return strconv.Atoi(f[1])
	},
}

// zeroReader is an endless body that costs the attacker no memory.
type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func attackPush(ctx context.Context, hc *http.Client, base, auth string, digest bool, n int64) (int, error) {
	var body io.Reader = io.LimitReader(zeroReader{}, proto.MaxRequestBody)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+proto.PathPush, body)
	req.ContentLength = n
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if digest {
		req.Header.Set(proto.DigestHeader, proto.FormatDigest([32]byte{1}))
	}
	return do(hc, req)
}

func do(hc *http.Client, req *http.Request) (int, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	return resp.StatusCode, nil
}

// forgedAuth is a well-formed signature header naming device, signed by a
// key that is not its own.
func forgedAuth(device string, at time.Time) string {
	k := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	a, _ := proto.SignRequest(k, http.MethodPost, proto.PathPush, at, nil)
	return strings.Replace(a, "device="+proto.DeviceID(k.Public().(ed25519.PublicKey)), "device="+device, 1)
}

// honest is a real app's sync: its own store, key and engine.
type honest struct {
	person string
	key    ed25519.PrivateKey
	st     *store.Store
	eng    *client.Engine
}

func honestDevice(t *testing.T, h *synctest.Hub, org *synctest.Org, person, ip string, now func() time.Time) *honest {
	t.Helper()
	hc := synctest.ClientFrom(ip)
	k := synctest.NewDeviceKey(t)
	resp, err := client.Enrol(context.Background(), h.URL, hc, k, synctest.Code(t, h.DB, person), person, now())
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(t.TempDir(), "local.db"), store.WithClock(now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	dir, err := client.NewDirectoryHolder(resp.AdminKey, org.Signed, nil)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := client.New(client.Config{HubURL: h.URL, HTTP: hc, Store: st, DeviceKey: k, HubKey: resp.HubKey, Directory: dir, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return &honest{person: person, key: k, st: st, eng: eng}
}

// save queues a sealed envelope as the app does when a record is signed.
func (d *honest) save(t *testing.T, wire []byte) {
	t.Helper()
	env, err := crypto.ParseEnvelope(wire)
	if err != nil {
		t.Fatal(err)
	}
	hd := env.Header()
	cut := len(wire) - len(env.Ciphertext())
	if err := d.st.PutEnvelope(context.Background(), store.Envelope{ID: hd.ID, Kind: string(hd.Kind), AuthorKey: string(hd.Author),
		Created: hd.Created, Header: wire[:cut], Body: wire[cut:]}); err != nil {
		t.Fatal(err)
	}
}

func heapInUse() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

func mib(n uint64) float64 { return float64(n) / (1 << 20) }

// procStatus is a line's value from /proc/self/status ("123456 kB").
func procStatus(key string) string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "?"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, key+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}
