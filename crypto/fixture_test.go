package crypto

import (
	"testing"
	"time"

	"filippo.io/age"
)

// fixedNow is the test clock. Nothing in the package reads the wall clock
// for decisions, so tests pin it.
var fixedNow = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// fixture is a small organisation:
//
//	team A: alice, bob (practitioners) managed by mike (line manager)
//	team B: eve (practitioner) managed by nina (line manager)
//	dana: DSL; leo: DSL who leaves (revoked in directory v2)
//	admin signs the directory; recovery is the organisation's recovery key;
//	outsider has a key but is not in the directory.
type fixture struct {
	ids      map[string]*Identity
	admin    *Identity
	recovery *age.HybridIdentity
	outsider *Identity
	v1, v2   *Directory // v2 revokes leo at leoRevokedAt
	v1Signed []byte
	v2Signed []byte
}

var leoRevokedAt = fixedNow.Add(-24 * time.Hour)

var fixturePeople = []struct {
	id       string
	roles    []Role
	team     string
	managers []string
}{
	{"alice", []Role{RolePractitioner}, "A", []string{"mike"}},
	{"bob", []Role{RolePractitioner}, "A", []string{"mike"}},
	{"mike", []Role{RoleLineManager}, "A", nil},
	{"eve", []Role{RolePractitioner}, "B", []string{"nina"}},
	{"nina", []Role{RoleLineManager}, "B", nil},
	{"dana", []Role{RoleDSL}, "Safeguarding", nil},
	{"leo", []Role{RoleDSL}, "Safeguarding", nil},
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{ids: map[string]*Identity{}}
	var err error
	gen := func() *Identity {
		id, err := GenerateIdentity()
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	for _, p := range fixturePeople {
		f.ids[p.id] = gen()
	}
	f.admin, f.outsider = gen(), gen()
	if f.recovery, err = age.GenerateHybridIdentity(); err != nil {
		t.Fatal(err)
	}
	f.v1Signed, f.v1 = f.publish(t, 1, nil)
	f.v2Signed, f.v2 = f.publish(t, 2, []Revocation{{KeyID: f.ids["leo"].KeyID(), RevokedAt: leoRevokedAt, Reason: "left the organisation"}})
	return f
}

// baseDirectory builds an unsigned directory from the fixture's keys.
func (f *fixture) baseDirectory(version uint64, revoked []Revocation) *Directory {
	d := &Directory{
		Org:      "Example Careers Trust",
		Version:  version,
		IssuedAt: fixedNow.Add(time.Duration(version) * time.Minute),
		Recovery: Recovery{ID: RecoveryKeyID(f.recovery.Recipient().String()), Age: f.recovery.Recipient().String()},
		Revoked:  revoked,
	}
	for _, p := range fixturePeople {
		k := f.ids[p.id].PublicKey()
		k.ValidFrom = fixedNow.AddDate(-1, 0, 0)
		d.People = append(d.People, Person{
			ID: p.id, Name: "Person " + p.id, Roles: p.roles, Team: p.team,
			Managers: p.managers, Email: p.id + "@example.org", Keys: []PublicKey{k},
		})
	}
	return d
}

func (f *fixture) publish(t testing.TB, version uint64, revoked []Revocation) ([]byte, *Directory) {
	t.Helper()
	signed, err := SignDirectory(f.baseDirectory(version, revoked), f.admin)
	if err != nil {
		t.Fatal(err)
	}
	d, err := VerifyDirectory(signed, f.admin.SigningPublicKey(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return signed, d
}

func (f *fixture) seal(t testing.TB, author string, dir *Directory, rec Record) []byte {
	t.Helper()
	env, err := Seal(f.ids[author], dir, rec)
	if err != nil {
		t.Fatalf("Seal by %s: %v", author, err)
	}
	return env
}

func record(id string, kind Kind, body string) Record {
	r := Record{ID: id, Kind: kind, Created: fixedNow, PolicyVersion: "2025.1", Body: []byte(body)}
	if kind == KindAddendum {
		r.ParentID = "rec-parent"
		r.ParentHash = EnvelopeHash([]byte("parent envelope bytes"))
	}
	return r
}
