package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"safeguard/companion/crypto"
	"safeguard/companion/sync/internal/workers"
	"safeguard/companion/sync/proto"
	"safeguard/companion/sync/synctest"
	"safeguard/companion/testclock"
)

// sealMany makes n real envelopes of about 4 KB by alice, on both cores.
func sealMany(b *testing.B, org *synctest.Org, n int) [][]byte {
	out := make([][]byte, n)
	var wg sync.WaitGroup
	body := make([]byte, 3900) // ~4 KB envelope with header and three age stanzas
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 2 {
				out[i] = org.Seal(b, "alice", fmt.Sprintf("bench-%06d", i), crypto.KindSessionRecord, body)
			}
		}()
	}
	wg.Wait()
	return out
}

// pushAllRaw pushes envelopes in batches over HTTP and verifies every
// receipt: the hub's side of push with its signature checks and durable
// commits, without the device's own store.
func pushAllRaw(b *testing.B, c *conn, hubKey []byte, envs [][]byte, batch int) {
	ctx := context.Background()
	for i := 0; i < len(envs); i += batch {
		part := envs[i:min(i+batch, len(envs))]
		_, answer, err := c.doBody(ctx, http.MethodPost, proto.PathPush, proto.EncodePush(part), proto.ContentTypeBatch, nil)
		if err != nil {
			b.Fatal(err)
		}
		receipts, err := proto.ParsePushAnswer(answer)
		if err != nil {
			b.Fatal(err)
		}
		if len(receipts) != len(part) {
			b.Fatalf("%d receipts for %d records", len(receipts), len(part))
		}
		// As the engine does: the batch's signature once, each record's
		// proof, on all cores.
		v := proto.NewReceiptVerifier(hubKey)
		errs := make([]error, len(part))
		workers.Each(len(part), 64, func(i int) {
			_, errs[i] = v.Verify(receipts[i])
		})
		if err := errors.Join(errs...); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSync(b *testing.B) {
	org := synctest.NewOrg(b)
	const n = 10000
	envs := sealMany(b, org, n)
	for _, be := range synctest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			b.Run("push", func(b *testing.B) {
				for b.Loop() {
					b.StopTimer()
					h := synctest.StartHub(b, be.Open(b), org, nil)
					alice := newDevice(b, org, h, "alice", nil, nil, h.URL)
					b.StartTimer()
					pushAllRaw(b, alice.eng.c, alice.hubKey, envs, 500)
				}
				b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
			})
			h := synctest.StartHub(b, be.Open(b), org, nil)
			alice := newDevice(b, org, h, "alice", nil, nil, h.URL)
			pushAllRaw(b, alice.eng.c, alice.hubKey, envs, 500)
			b.Run("pull", func(b *testing.B) {
				bob := newDevice(b, org, h, "bob", nil, nil, h.URL)
				for b.Loop() {
					got := pullAll(b, bob)
					if got != n {
						b.Fatalf("pulled %d", got)
					}
				}
				b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
			})
			b.Run("new-device", func(b *testing.B) {
				// End to end: a new device's engine pulls, verifies and saves
				// 10,000 records in its own store.
				for b.Loop() {
					b.StopTimer()
					bob := newDevice(b, org, h, "bob", nil, nil, h.URL)
					b.StartTimer()
					start := testclock.NewStopwatch()
					if err := bob.eng.SyncNow(context.Background()); err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					if bob.held(b) != n {
						b.Fatalf("holds %d", bob.held(b))
					}
					b.Logf("new device synced %d records in %v", n, start.Elapsed().Round(time.Millisecond))
					b.StartTimer()
				}
				b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/device")
			})
		})
	}
}
