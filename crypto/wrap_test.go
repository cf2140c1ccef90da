package crypto

import (
	"bytes"
	"errors"
	"testing"

	"filippo.io/age"
)

// Wrapping to all recipients at once gives one stanza per recipient, in
// order (Opener tries a reader on its own stanza first), each opening to
// the file key; and, as age does, refuses a classical key among
// post-quantum ones.
func TestAllRecipientsKeepsOrderAndLabels(t *testing.T) {
	var ids []*age.HybridIdentity
	var rs allRecipients
	for range 5 {
		id, err := age.GenerateHybridIdentity()
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
		rs = append(rs, id.Recipient())
	}
	fileKey := bytes.Repeat([]byte{7}, fileKeySize)
	stanzas, labels, err := rs.WrapWithLabels(fileKey)
	if err != nil {
		t.Fatal(err)
	}
	if len(stanzas) != len(ids) || len(labels) != 1 || labels[0] != "postquantum" {
		t.Fatalf("%d stanzas, labels %v", len(stanzas), labels)
	}
	for i, id := range ids {
		got, err := id.Unwrap(stanzas[i : i+1])
		if err != nil || !bytes.Equal(got, fileKey) {
			t.Errorf("recipient %d does not open stanza %d: %v", i, i, err)
		}
	}

	classical, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	mixed := allRecipients{rs[0], classical.Recipient(), rs[1]}
	if _, _, err := mixed.WrapWithLabels(fileKey); !errors.Is(err, ErrMalformed) {
		t.Errorf("a classical recipient among post-quantum ones: %v", err)
	}
}
