package vault

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"safeguard/companion/crypto"
)

// A newer directory from sync is used at once: a new starter's record,
// refused as from an unknown signer before, opens after it; an older or
// equal directory is never taken.
func TestSetDirectory(t *testing.T) {
	ctx := context.Background()
	priya, priyaStore, _ := openVault(t, "priya")
	newbie, err := crypto.GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	next := *demo.Directory
	next.Version, next.IssuedAt = demo.Directory.Version+1, demo.Directory.IssuedAt.Add(time.Hour)
	pk := newbie.PublicKey()
	pk.ValidFrom = testNow.Add(-time.Hour)
	next.People = append(slices.Clone(demo.Directory.People), crypto.Person{ID: "nia", Name: "Nia (new starter)",
		Roles: []crypto.Role{crypto.RolePractitioner}, Team: "East Midlands", Managers: []string{"priya"}, Keys: []crypto.PublicKey{pk}})
	signed, err := crypto.SignDirectory(&next, demo.Admin)
	if err != nil {
		t.Fatal(err)
	}
	v2, err := crypto.VerifyDirectory(signed, demo.Pinned(), demo.Directory)
	if err != nil {
		t.Fatal(err)
	}

	env, err := crypto.Seal(newbie, v2, crypto.Record{ID: "nia-1", Kind: crypto.KindSessionRecord, Created: testNow, Body: []byte(`{"n":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	e, err := crypto.ParseEnvelope(env)
	if err != nil {
		t.Fatal(err)
	}
	if err := priyaStore.PutReceivedEnvelope(ctx, toStore(e, env)); err != nil {
		t.Fatal(err)
	}
	_, fails, err := priya.Open(ctx, nil)
	if err != nil || len(fails) != 1 || !errors.Is(fails[0].Err, crypto.ErrUnknownSigner) {
		t.Fatalf("before the new directory: %v %v", err, fails)
	}
	if priya.SetDirectory(demo.Directory) {
		t.Error("the same directory was taken again")
	}
	if !priya.SetDirectory(v2) || priya.Directory().Version != v2.Version {
		t.Fatal("the newer directory was not taken")
	}
	entries, fails, err := priya.Open(ctx, nil)
	if err != nil || len(fails) != 0 || len(entries) != 1 || entries[0].Author.ID != "nia" {
		t.Fatalf("after the new directory: %v %v %d", err, fails, len(entries))
	}
	if priya.SetDirectory(demo.Directory) || priya.Directory().Version != v2.Version {
		t.Error("an older directory rolled the vault back")
	}
}
