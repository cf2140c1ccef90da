package crypto

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestVerifyRefusesRecordsOutsideTheKeysValidity is issue 14 §2: "Key
// validity is enforced wherever a signature is checked: valid_from <=
// created < valid_until". The record is sealed while alice's key is valid,
// then judged against directories that publish another window for the same
// key: Open, the hub's push and the client's pull all go through Verify.
func TestVerifyRefusesRecordsOutsideTheKeysValidity(t *testing.T) {
	f := newFixture(t)
	env := f.seal(t, "alice", f.v1, record("rec-window", KindSessionRecord, "summary"))
	created := fixedNow
	withWindow := func(from time.Time, until *time.Time) *Directory {
		d := f.baseDirectory(3, nil)
		for i := range d.People {
			if d.People[i].ID == "alice" {
				d.People[i].Keys[0].ValidFrom = from
				d.People[i].Keys[0].ValidUntil = until
			}
		}
		signed, err := SignDirectory(d, f.admin)
		if err != nil {
			t.Fatal(err)
		}
		vd, err := VerifyDirectory(signed, f.admin.SigningPublicKey(), nil)
		if err != nil {
			t.Fatal(err)
		}
		return vd
	}
	at := func(d time.Duration) *time.Time { u := created.Add(d); return &u }
	cases := []struct {
		name   string
		from   time.Time
		until  *time.Time
		refuse bool
	}{
		{"valid_from after created: dated before the key existed", created.Add(time.Second), nil, true},
		{"valid_from equal to created is inside", created, nil, false},
		{"valid_until equal to created is outside (created < valid_until)", created.Add(-time.Hour), at(0), true},
		{"valid_until before created: a retired key", created.Add(-time.Hour), at(-time.Minute), true},
		{"valid_until after created is inside", created.Add(-time.Hour), at(time.Second), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := withWindow(c.from, c.until)
			e, err := ParseEnvelope(env)
			if err != nil {
				t.Fatal(err)
			}
			_, verr := Verify(e, dir)
			_, oerr := Open(env, dir, f.ids["alice"])
			for what, err := range map[string]error{"Verify": verr, "Open": oerr} {
				if c.refuse && !errors.Is(err, ErrOutsideValidity) {
					t.Errorf("%s: got %v, want ErrOutsideValidity", what, err)
				}
				if !c.refuse && err != nil {
					t.Errorf("%s: %v", what, err)
				}
			}
		})
	}
}

// TestCheckReceivedJudgesRevocationByTheHubsTime is issue 14 §2: "Backdating
// past a revocation is refused" and "a record dated beyond now plus the
// clock window is refused". Leo's key was revoked at leoRevokedAt; a record
// he dates before that is still refused when the hub received it after.
func TestCheckReceivedJudgesRevocationByTheHubsTime(t *testing.T) {
	f := newFixture(t)
	backdated := record("rec-backdated", KindSessionRecord, "written after leaving")
	backdated.Created = leoRevokedAt.Add(-48 * time.Hour)
	env := f.seal(t, "leo", f.v1, backdated)
	e, err := ParseEnvelope(env)
	if err != nil {
		t.Fatal(err)
	}
	// Verify alone, on its own date, lets it through: that is the hole.
	if _, err := Verify(e, f.v2); err != nil {
		t.Fatalf("Verify judges by the claimed date: %v", err)
	}
	h := e.Header()
	cases := []struct {
		name     string
		received time.Time
		want     error
	}{
		{"received after the revocation: refused whatever date it claims", leoRevokedAt.Add(time.Hour), ErrRevokedSigner},
		{"received at the revocation instant: refused", leoRevokedAt, ErrRevokedSigner},
		{"received before the revocation: kept", leoRevokedAt.Add(-time.Hour), nil},
		{"dated beyond the receipt time plus the clock window: refused", h.Created.Add(-ClockWindow - time.Second), ErrFutureDated},
		{"dated within the clock window of the receipt time: kept", h.Created.Add(-ClockWindow), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckReceived(h, f.v2, c.received)
			if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
				t.Errorf("got %v, want %v", err, c.want)
			}
		})
	}
	if err := CheckNotFuture(h, h.Created.Add(-ClockWindow-time.Millisecond)); !errors.Is(err, ErrFutureDated) {
		t.Errorf("CheckNotFuture beyond the window: %v", err)
	}
	if err := CheckNotFuture(h, h.Created.Add(-ClockWindow)); err != nil {
		t.Errorf("CheckNotFuture at the window: %v", err)
	}
}

// TestAdminFingerprint is issue 14 §1: what ICT hands over binds the admin
// key, and a person can type it however it was read out to them.
func TestAdminFingerprint(t *testing.T) {
	f := newFixture(t)
	pub := f.admin.SigningPublicKey()
	fp := AdminFingerprint(pub)
	if len(fp) != 39 || strings.Count(fp, " ") != 7 {
		t.Fatalf("fingerprint %q: want 8 groups of 4", fp)
	}
	for _, typed := range []string{fp, strings.ToUpper(fp), strings.ReplaceAll(fp, " ", "-"), strings.ReplaceAll(fp, " ", ""), "  " + fp + "\n"} {
		k, err := ParseAdminFingerprint(typed)
		if err != nil {
			t.Fatalf("%q: %v", typed, err)
		}
		if err := MatchAdminKey(pub, k); err != nil {
			t.Errorf("%q does not match its own key: %v", typed, err)
		}
	}
	rogue := f.outsider.SigningPublicKey()
	k, _ := ParseAdminFingerprint(fp)
	err := MatchAdminKey(rogue, k)
	if !errors.Is(err, ErrAdminKeyMismatch) || !strings.Contains(err.Error(), fp) || !strings.Contains(err.Error(), AdminFingerprint(rogue)) {
		t.Errorf("a rogue key: %v", err)
	}
	for _, bad := range []string{"", "1234", fp[:38], fp + "0", strings.ReplaceAll(fp, fp[:1], "g")} {
		if _, err := ParseAdminFingerprint(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
