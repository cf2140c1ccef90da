package org

import (
	"testing"

	"safeguard/companion/crypto"
	"safeguard/companion/testclock"
)

func TestDemoOrganisation(t *testing.T) {
	now := testclock.Start()
	o, err := Demo(now)
	if err != nil {
		t.Fatal(err)
	}
	if o.Directory.Org != DemoName || len(o.Directory.People) != len(DemoPeople) {
		t.Fatalf("directory %q with %d people", o.Directory.Org, len(o.Directory.People))
	}
	sam, ok := o.Member("sam")
	if !ok {
		t.Fatal("no sam")
	}
	// The practitioner's records go to them, their manager and recovery;
	// incidents go to every DSL (Trust model).
	rec, err := o.Directory.Recipients(crypto.KindSessionRecord, "sam", now)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec) != 3 {
		t.Errorf("session record recipients = %d, want sam, priya, recovery", len(rec))
	}
	inc, err := o.Directory.Recipients(crypto.KindIncident, "sam", now)
	if err != nil {
		t.Fatal(err)
	}
	if len(inc) != 4 {
		t.Errorf("incident recipients = %d, want sam, morgan, alex, recovery", len(inc))
	}
	// Re-verifying the published bytes against the pinned key works; the
	// same bytes against another admin key do not.
	if _, err := crypto.VerifyDirectory(o.Signed, o.Pinned(), nil); err != nil {
		t.Fatal(err)
	}
	other, _ := crypto.GenerateIdentity()
	if _, err := crypto.VerifyDirectory(o.Signed, other.SigningPublicKey(), nil); err == nil {
		t.Error("directory accepted under another admin key")
	}
	if sam.Identity.KeyID() != sam.Person.Keys[0].ID {
		t.Error("member identity does not match its published key")
	}
}
