package crypto

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

func TestIdentityNeverPrintsSecrets(t *testing.T) {
	id, err := GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	secret := id.marshalSecret()
	lines := strings.Split(string(secret), "\n")
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		out := fmt.Sprintf(format, id)
		for _, l := range lines[1:3] {
			if strings.Contains(out, l) {
				t.Errorf("%s prints key material", format)
			}
		}
		if !strings.Contains(out, string(id.KeyID())) && format != "%x" {
			t.Errorf("%s does not name the key id: %s", format, out)
		}
	}
}

func TestIdentitySecretRoundTrip(t *testing.T) {
	id, _ := GenerateIdentity()
	got, err := parseSecret(id.marshalSecret())
	if err != nil || got.KeyID() != id.KeyID() {
		t.Fatalf("round trip: %v", err)
	}
	for _, bad := range [][]byte{nil, []byte("x"), bytes.Replace(id.marshalSecret(), []byte("AGE-SECRET-KEY-PQ-1"), []byte("AGE-SECRET-KEY-1"), 1)} {
		if _, err := parseSecret(bad); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
	if id.KeyID() == RecoveryKeyID(id.AgeIdentity().Recipient().String()) || !id.KeyID().Valid() {
		t.Errorf("key id domains collide or id malformed")
	}
}
