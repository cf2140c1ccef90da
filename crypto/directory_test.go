package crypto

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestVerifyDirectory covers the Trust model clause "signed by the
// organisation's admin key, pinned at set-up": a wrong signer, a damaged
// signature, a rollback and a fork are refused.
func TestVerifyDirectory(t *testing.T) {
	f := newFixture(t)
	pinned := f.admin.SigningPublicKey()
	v3Signed, _ := f.publish(t, 3, nil)
	forkV2, err := SignDirectory(f.baseDirectory(2, nil), f.admin) // same version, no revocation
	if err != nil {
		t.Fatal(err)
	}
	byOutsider, err := SignDirectory(f.baseDirectory(9, nil), f.outsider)
	if err != nil {
		t.Fatal(err)
	}
	// The outsider's bytes relabelled with the admin's key id: the signature
	// itself must fail.
	var sd signedDirectory
	if err := json.Unmarshal(byOutsider, &sd); err != nil {
		t.Fatal(err)
	}
	sd.Signer = AdminKeyID(pinned)
	relabelled, _ := json.Marshal(sd)
	flipped := bytes.Clone(f.v2Signed)
	i := bytes.Index(flipped, []byte(`"org":"Example`)) + len(`"org":"`)
	flipped[i] ^= 0x20 // 'E' -> 'e': still valid JSON, different content

	tests := []struct {
		name   string
		signed []byte
		held   *Directory
		want   error
	}{
		{"set-up: no directory held", f.v2Signed, nil, nil},
		{"newer version", f.v2Signed, f.v1, nil},
		{"same directory again", f.v2Signed, f.v2, nil},
		{"newer still", v3Signed, f.v2, nil},
		{"signed by the wrong key", byOutsider, nil, ErrDirectorySignature},
		{"wrong key relabelled as admin", relabelled, nil, ErrDirectorySignature},
		{"content changed after signing", flipped, nil, ErrDirectorySignature},
		{"rolled back to an older version", f.v1Signed, f.v2, ErrDirectoryRollback},
		{"same version, different content", forkV2, f.v2, ErrDirectoryRollback},
		{"not JSON", []byte("hello"), nil, ErrDirectoryInvalid},
		{"empty", nil, nil, ErrDirectoryInvalid},
		{"trailing data", append(bytes.Clone(f.v2Signed), []byte(" {}")...), nil, ErrDirectoryInvalid},
		{"unknown outer field", bytes.Replace(f.v2Signed, []byte(`{"directory"`), []byte(`{"extra":1,"directory"`), 1), nil, ErrDirectoryInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := VerifyDirectory(tt.signed, pinned, tt.held)
			if tt.want == nil {
				if err != nil || d == nil {
					t.Fatalf("want success, got %v", err)
				}
				return
			}
			if d != nil || !errors.Is(err, tt.want) {
				t.Fatalf("got (%v, %v), want %v", d != nil, err, tt.want)
			}
		})
	}
	if _, err := VerifyDirectory(f.v2Signed, nil, nil); !errors.Is(err, ErrDirectorySignature) {
		t.Errorf("no pinned key: %v", err)
	}
}

// TestDirectoryValidation: a directory that is well signed but inconsistent
// is refused at signing and at parsing.
func TestDirectoryValidation(t *testing.T) {
	f := newFixture(t)
	other, _ := GenerateIdentity()
	tests := []struct {
		name string
		edit func(d *Directory)
	}{
		{"version zero", func(d *Directory) { d.Version = 0 }},
		{"no org", func(d *Directory) { d.Org = "" }},
		{"duplicate person", func(d *Directory) { d.People = append(d.People, d.People[0]) }},
		{"unknown role", func(d *Directory) { d.People[0].Roles = []Role{"janitor"} }},
		{"no role", func(d *Directory) { d.People[0].Roles = nil }},
		{"unknown manager", func(d *Directory) { d.People[0].Managers = []string{"nobody"} }},
		{"own manager", func(d *Directory) { d.People[0].Managers = []string{d.People[0].ID} }},
		{"key id does not match keys", func(d *Directory) { d.People[0].Keys[0].ID = other.KeyID() }},
		{"age key paired with another signing key", func(d *Directory) {
			d.People[0].Keys[0].Ed25519 = other.SigningPublicKey()
		}},
		{"classic (non-PQ) age recipient", func(d *Directory) {
			d.People[0].Keys[0].Age = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"
		}},
		{"empty validity window", func(d *Directory) { u := d.People[0].Keys[0].ValidFrom; d.People[0].Keys[0].ValidUntil = &u }},
		{"bad recovery id", func(d *Directory) { d.Recovery.ID = other.KeyID() }},
		{"revocation of unknown key", func(d *Directory) { d.Revoked = []Revocation{{KeyID: other.KeyID(), RevokedAt: fixedNow}} }},
		{"double revocation", func(d *Directory) {
			r := Revocation{KeyID: d.People[0].Keys[0].ID, RevokedAt: fixedNow}
			d.Revoked = []Revocation{r, r}
		}},
		{"same key for two people", func(d *Directory) { d.People[1].Keys = d.People[0].Keys }},
		{"over-long name", func(d *Directory) { d.People[0].Name = strings.Repeat("x", 300) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := f.baseDirectory(5, nil)
			tt.edit(d)
			if _, err := SignDirectory(d, f.admin); !errors.Is(err, ErrDirectoryInvalid) {
				t.Errorf("SignDirectory: got %v, want ErrDirectoryInvalid", err)
			}
			// And if a careless admin tool signed it anyway, readers refuse it.
			normaliseDirectory(d)
			canon, _ := d.canonical()
			if _, err := parseDirectory(canon); !errors.Is(err, ErrDirectoryInvalid) {
				t.Errorf("parseDirectory: got %v, want ErrDirectoryInvalid", err)
			}
		})
	}
}

// TestDirectoryCanonical: only the canonical encoding is accepted, so one
// directory has one signed form.
func TestDirectoryCanonical(t *testing.T) {
	f := newFixture(t)
	canon, err := f.v2.canonical()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parseDirectory(canon); err != nil {
		t.Fatalf("canonical form refused: %v", err)
	}
	issued := []byte(f.v2.IssuedAt.Format(time.RFC3339))
	local := []byte(f.v2.IssuedAt.In(time.FixedZone("X", 3600)).Format(time.RFC3339))
	for name, b := range map[string][]byte{
		"indented":         func() []byte { var out bytes.Buffer; json.Indent(&out, canon, "", " "); return out.Bytes() }(),
		"leading space":    append([]byte(" "), canon...),
		"non-UTC time":     bytes.Replace(canon, issued, local, 1),
		"unknown field":    bytes.Replace(canon, []byte(`{"org"`), []byte(`{"x":1,"org"`), 1),
		"fractional time":  bytes.Replace(canon, issued, []byte(strings.TrimSuffix(string(issued), "Z")+".5Z"), 1),
		"duplicate member": bytes.Replace(canon, []byte(`{"org"`), []byte(`{"org":"a","org"`), 1),
	} {
		if _, err := parseDirectory(b); !errors.Is(err, ErrDirectoryInvalid) {
			t.Errorf("%s: got %v, want ErrDirectoryInvalid", name, err)
		}
	}
}

func TestDirectoryLookups(t *testing.T) {
	f := newFixture(t)
	p, k, ok := f.v2.Key(f.ids["alice"].KeyID())
	if !ok || p.ID != "alice" || k.ID != f.ids["alice"].KeyID() {
		t.Fatalf("Key lookup failed")
	}
	if at, ok := f.v2.RevokedAt(f.ids["leo"].KeyID()); !ok || !at.Equal(leoRevokedAt) {
		t.Errorf("RevokedAt = %v %v", at, ok)
	}
	if got := f.v2.CurrentKeys("leo", fixedNow); len(got) != 0 {
		t.Errorf("revoked key still current")
	}
	if got := f.v2.CurrentKeys("alice", fixedNow.AddDate(-2, 0, 0)); len(got) != 0 {
		t.Errorf("key current before its validity")
	}
	if p, ok := f.v2.Person("dana"); !ok || !p.HasRole(RoleDSL) {
		t.Errorf("Person lookup failed")
	}
}
