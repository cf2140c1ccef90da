// Package org sets up an organisation on this device: the demo organisation
// with fictional people that a new user can try the app in, and the pieces a
// real organisation's admin needs to publish a directory.
package org

import (
	"crypto/ed25519"

	"filippo.io/age"
	"fmt"
	"time"

	"safeguard/companion/crypto"
)

// Member is one person of an organisation made here, with their secret
// identity (kept in the keystore by the caller, never written plain).
type Member struct {
	Person   crypto.Person
	Identity *crypto.Identity
}

// Organisation is a freshly made organisation: its admin key, recovery
// identity, members and the signed directory.
type Organisation struct {
	Admin *crypto.Identity
	// Recovery is the identity behind the organisation's recovery recipient,
	// held offline by a real organisation.
	Recovery  *age.HybridIdentity
	Members   []Member
	Directory *crypto.Directory
	// Signed is the directory as the admin published it.
	Signed []byte
}

// Pinned is the admin public key a device pins at set-up.
func (o *Organisation) Pinned() ed25519.PublicKey { return o.Admin.SigningPublicKey() }

// Member returns the member with the given person id.
func (o *Organisation) Member(id string) (Member, bool) {
	for _, m := range o.Members {
		if m.Person.ID == id {
			return m, true
		}
	}
	return Member{}, false
}

// Spec describes one person to create.
type Spec struct {
	ID, Name, Team, Phone, Email string
	Roles                        []crypto.Role
	Managers                     []string
}

// DemoPeople are the fictional staff of the demo organisation. Phone numbers
// are from the range Ofcom reserves for drama (07700 900000-900999).
var DemoPeople = []Spec{
	{ID: "sam", Name: "Sam Okafor (demo)", Team: "East Midlands", Roles: []crypto.Role{crypto.RolePractitioner}, Managers: []string{"priya"}, Phone: "07700 900123", Email: "sam.okafor@demo.invalid"},
	{ID: "priya", Name: "Priya Shah (demo)", Team: "East Midlands", Roles: []crypto.Role{crypto.RoleLineManager, crypto.RolePractitioner}, Phone: "07700 900456", Email: "priya.shah@demo.invalid"},
	{ID: "morgan", Name: "Morgan Hughes (demo)", Team: "Safeguarding", Roles: []crypto.Role{crypto.RoleDSL}, Phone: "07700 900789", Email: "morgan.hughes@demo.invalid"},
	{ID: "alex", Name: "Alex Reid (demo)", Team: "Safeguarding", Roles: []crypto.Role{crypto.RoleDSL}, Phone: "07700 900321"},
}

// DemoName is the demo organisation's name, labelled so nobody mistakes it
// for a real one.
const DemoName = "Demo organisation (fictional people)"

// New makes an organisation with the given people, every key valid from
// now, and signs its directory with a new admin key.
func New(name string, people []Spec, now time.Time) (*Organisation, error) {
	admin, err := crypto.GenerateIdentity()
	if err != nil {
		return nil, fmt.Errorf("new organisation: %w", err)
	}
	recovery, err := age.GenerateHybridIdentity()
	if err != nil {
		return nil, fmt.Errorf("new organisation: %w", err)
	}
	rAge := recovery.Recipient().String()
	o := &Organisation{Admin: admin, Recovery: recovery}
	dir := &crypto.Directory{
		Org: name, Version: 1, IssuedAt: now,
		Recovery: crypto.Recovery{ID: crypto.RecoveryKeyID(rAge), Age: rAge},
	}
	for _, s := range people {
		id, err := crypto.GenerateIdentity()
		if err != nil {
			return nil, fmt.Errorf("new organisation: %w", err)
		}
		pk := id.PublicKey()
		pk.ValidFrom = now.Add(-time.Minute)
		p := crypto.Person{ID: s.ID, Name: s.Name, Roles: s.Roles, Team: s.Team, Managers: s.Managers, Phone: s.Phone, Email: s.Email, Keys: []crypto.PublicKey{pk}}
		dir.People = append(dir.People, p)
		o.Members = append(o.Members, Member{Person: p, Identity: id})
	}
	signed, err := crypto.SignDirectory(dir, admin)
	if err != nil {
		return nil, fmt.Errorf("new organisation: sign directory: %w", err)
	}
	verified, err := crypto.VerifyDirectory(signed, admin.SigningPublicKey(), nil)
	if err != nil {
		return nil, fmt.Errorf("new organisation: %w", err)
	}
	o.Directory, o.Signed = verified, signed
	return o, nil
}

// Demo makes the demo organisation.
func Demo(now time.Time) (*Organisation, error) { return New(DemoName, DemoPeople, now) }
