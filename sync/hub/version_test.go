package hub_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"safeguard/companion/crypto"
	"safeguard/companion/sync/proto"
	"safeguard/companion/sync/synctest"
)

// v1Page is a pull page as the previous version's app read it.
type v1Page struct {
	next    int64
	more    bool
	records []v1Record
}

type v1Record struct {
	seq      int64
	hash     [32]byte
	envelope []byte
}

// parsePullV1 is the previous version's pull parser (proto.ParsePull before
// pull pages carried receipts), as that app still runs it.
func parsePullV1(b []byte) (v1Page, error) {
	bad := errors.New("not a version 1 pull page")
	rest, ok := bytes.CutPrefix(b, []byte("SGC-PULL-1\n"))
	if !ok || len(rest) < 8+1+4 {
		return v1Page{}, bad
	}
	var p v1Page
	p.next = int64(binary.BigEndian.Uint64(rest))
	more := rest[8]
	count := binary.BigEndian.Uint32(rest[9:])
	rest = rest[13:]
	if p.next < 0 || more > 1 || count > proto.MaxPullLimit {
		return v1Page{}, bad
	}
	p.more = more == 1
	last := int64(0)
	for range count {
		if len(rest) < 8+32+4 {
			return v1Page{}, bad
		}
		var r v1Record
		r.seq = int64(binary.BigEndian.Uint64(rest))
		copy(r.hash[:], rest[8:40])
		n := binary.BigEndian.Uint32(rest[40:])
		rest = rest[44:]
		if r.seq <= last || n == 0 || n > proto.MaxEnvelope || uint64(n) > uint64(len(rest)) {
			return v1Page{}, bad
		}
		last = r.seq
		r.envelope, rest = rest[:n], rest[n:]
		p.records = append(p.records, r)
	}
	if len(rest) != 0 {
		return v1Page{}, bad
	}
	return p, nil
}

// TestThePreviousVersionsAppAgainstThisHub is issue 14 §5: "the hub accepts
// the current and the previous version for a stated deprecation window ...
// A test runs the previous version's client against the new hub." The
// previous app pushes without declaring its body's digest and pulls
// /v1/pull pages without receipts; within the window it syncs as it did.
// Once the window is over both are refused, in words that tell the person
// to update the app, which the old app shows as the hub's message; this
// version's app syncs on.
func TestThePreviousVersionsAppAgainstThisHub(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b synctest.Backend) {
		e := setup(t, b)
		until := e.h.Hub.PreviousVersionUntil()
		if want := e.clock.Now().Add(proto.DeprecationWindow); !until.Equal(time.UnixMilli(want.UnixMilli())) {
			t.Fatalf("the window ends %s; want %s, %s after the hub first ran", until, want, proto.DeprecationWindow)
		}
		rec := e.org.Seal(t, "alice", "old-app-1", crypto.KindSessionRecord, []byte("from an old app"))
		if s, pe, raw := sendAs(t, 1, e.h.URL, e.alice, e.clock.Now(), "POST", proto.PathPush, pushBody(t, rec), ""); s != 200 {
			t.Fatalf("the old app's push within the window: %d %+v", s, pe)
		} else if rs, err := proto.ParsePushAnswer(raw); err != nil || len(rs) != 1 {
			t.Fatalf("the old app's push answer: %v", err)
		}
		s, pe, raw := sendAs(t, 1, e.h.URL, e.bob, e.clock.Now(), "GET", proto.PathPullV1+"?after=0&limit=10", nil, "")
		if s != 200 {
			t.Fatalf("the old app's pull within the window: %d %+v", s, pe)
		}
		page, err := parsePullV1(raw)
		if err != nil || len(page.records) != 1 || !bytes.Equal(page.records[0].envelope, rec) ||
			page.records[0].hash != sha256.Sum256(rec) || page.more || page.next != page.records[0].seq {
			t.Fatalf("the old app's pull page: %+v, %v", page, err)
		}

		e.clock.Set(until.Add(time.Minute))
		later := e.org.Seal(t, "alice", "old-app-2", crypto.KindSessionRecord, []byte("too late"))
		for _, c := range []struct {
			name        string
			method, uri string
			body        []byte
		}{
			{"push", "POST", proto.PathPush, pushBody(t, later)},
			{"pull", "GET", proto.PathPullV1 + "?after=0", nil},
		} {
			s, pe, _ := sendAs(t, 1, e.h.URL, e.alice, e.clock.Now(), c.method, c.uri, c.body, "")
			if s != http.StatusUpgradeRequired || pe.Code != proto.CodeAppTooOld || !strings.Contains(pe.Message, "update the app") ||
				!strings.Contains(pe.Message, until.Format("2 January 2006")) {
				t.Fatalf("the old app's %s after the window: %d %+v", c.name, s, pe)
			}
		}
		if _, err := e.h.DB.Get(t.Context(), "old-app-2"); err == nil {
			t.Fatal("the hub stored a push from an app past its window")
		}
		// This version's app, at the same moment.
		if s, pe, _ := send(t, e.h.URL, e.alice, e.clock.Now(), "POST", proto.PathPush, pushBody(t, later), ""); s != 200 {
			t.Fatalf("this version's push after the window: %d %+v", s, pe)
		}
		s, pe, raw = send(t, e.h.URL, e.bob, e.clock.Now(), "GET", proto.PathPull+"?after=0", nil, "")
		if p, err := proto.ParsePull(raw); s != 200 || err != nil || len(p.Records) != 2 {
			t.Fatalf("this version's pull after the window: %d %+v %v", s, pe, err)
		}
	})
}

// TestAPushInANewerFormatAsksForTheHubToBeUpdated: an app newer than its
// hub hears that the hub, not the app, needs updating.
func TestAPushInANewerFormatAsksForTheHubToBeUpdated(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b synctest.Backend) {
		e := setup(t, b)
		body := append([]byte("SGC-PUSH-2\n"), make([]byte, 8)...)
		s, pe, _ := send(t, e.h.URL, e.alice, e.clock.Now(), "POST", proto.PathPush, body, "")
		if s != 400 || !strings.Contains(pe.Message, "update the hub") {
			t.Fatalf("a newer push format: %d %+v", s, pe)
		}
	})
}
