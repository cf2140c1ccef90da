package client

import (
	"context"
	"crypto/ed25519"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"safeguard/companion/crypto"
	"safeguard/companion/store"
	"safeguard/companion/sync/synctest"
	"safeguard/companion/testclock"
)

// device is one person's app: a real local store, an enrolled key and an
// engine.
type device struct {
	person string
	path   string
	st     *store.Store
	key    ed25519.PrivateKey
	hubKey ed25519.PublicKey
	dir    *DirectoryHolder
	eng    *Engine
	opts   []func(*Config) // applied to every engine this device makes
}

func newDevice(t testing.TB, org *synctest.Org, h *synctest.Hub, person string, now func() time.Time, hc *http.Client, url string, opts ...func(*Config)) *device {
	t.Helper()
	if now == nil {
		now = testclock.NewRunning(synctest.Epoch).Now
	}
	k := synctest.NewDeviceKey(t)
	resp, err := Enrol(context.Background(), h.URL, nil, k, synctest.Code(t, h.DB, person), person, now())
	if err != nil {
		t.Fatal(err)
	}
	d := &device{person: person, path: filepath.Join(t.TempDir(), "local.db"), key: k, hubKey: resp.HubKey, opts: opts}
	d.dir, err = NewDirectoryHolder(resp.AdminKey, org.Signed, nil)
	if err != nil {
		t.Fatal(err)
	}
	d.open(t, now, hc, url)
	return d
}

// open (re)opens the store and makes a fresh engine: what an app restart does.
func (d *device) open(t testing.TB, now func() time.Time, hc *http.Client, url string) {
	t.Helper()
	st, err := store.Open(d.path, store.WithClock(now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	d.st = st
	cfg := Config{
		HubURL: url, HTTP: hc, Store: st, DeviceKey: d.key, HubKey: d.hubKey, Directory: d.dir,
		Now: now, MinBackoff: 5 * time.Millisecond, MaxBackoff: 100 * time.Millisecond, PollInterval: 20 * time.Millisecond,
	}
	for _, o := range d.opts {
		o(&cfg)
	}
	d.eng, err = New(cfg)
	if err != nil {
		t.Fatal(err)
	}
}

// save puts a sealed envelope into the local store and the outbox, as the
// app does when a record is signed.
func (d *device) save(t testing.TB, b []byte) {
	t.Helper()
	env, err := crypto.ParseEnvelope(b)
	if err != nil {
		t.Fatal(err)
	}
	se := toStore(env, b)
	if env.Header().Kind == crypto.KindIncident {
		se.Priority = store.PriorityUrgent
	}
	if err := d.st.PutEnvelope(context.Background(), se); err != nil {
		t.Fatal(err)
	}
}

func (d *device) outbox(t testing.TB) int {
	n, err := d.st.CountOutbox(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (d *device) held(t testing.TB) int {
	n, err := d.st.CountEnvelopes(context.Background(), store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
