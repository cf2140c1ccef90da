package crypto

import (
	"crypto/rand"
	"testing"

	"filippo.io/age"
)

// Benchmarks: seal and open of a 4 KB and a 1 MB session record to three
// hybrid recipients (author, line manager, recovery). Open is measured for
// the author, whose stanza is first, and for the recovery key, whose stanza
// is last, so the cost of stanza order shows.
func BenchmarkEnvelope(b *testing.B) {
	fx := newFixture(b)
	for _, size := range []struct {
		name string
		n    int
	}{{"4KB", 4 << 10}, {"1MB", 1 << 20}} {
		body := make([]byte, size.n)
		rand.Read(body)
		rec := Record{ID: "bench", Kind: KindSessionRecord, Created: fixedNow, Body: body}
		b.Run("Seal/"+size.name, func(b *testing.B) {
			b.SetBytes(int64(size.n))
			for b.Loop() {
				if _, err := Seal(fx.ids["alice"], fx.v2, rec); err != nil {
					b.Fatal(err)
				}
			}
		})
		env := fx.seal(b, "alice", fx.v2, rec)
		if e, _ := ParseEnvelope(env); len(e.Header().Recipients) != 3 {
			b.Fatalf("want 3 recipients")
		}
		b.Logf("%s record: envelope %d bytes", size.name, len(env))
		for _, reader := range []struct {
			name string
			id   age.Identity
		}{{"author", fx.ids["alice"]}, {"recovery", fx.recovery}} {
			b.Run("Open/"+size.name+"/"+reader.name, func(b *testing.B) {
				b.SetBytes(int64(size.n))
				for b.Loop() {
					if _, err := Open(env, fx.v2, reader.id); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
