package vault

import (
	"bytes"
	"context"
	"testing"

	"safeguard/companion/store"
)

// Issue 20 item 2: words typed for a record's boxes and not yet used are
// kept sealed to their author alone (Trust model: plaintext never touches
// disk), beside the record; none left removes them.
func TestKeptWordsSealedBesideTheRecord(t *testing.T) {
	ctx := context.Background()
	v, st, _ := openVault(t, "sam")
	const words = "CANARY-kept-4e1b"
	k := KeptWords{RecordID: "rec-1", Words: map[string]string{"review:rec-1:comment": words}}
	if err := v.SaveKeptWords(ctx, k); err != nil {
		t.Fatal(err)
	}
	d, err := st.LoadDraft(ctx, "rec-1"+store.KeptBeside)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(d.Ciphertext, []byte(words)) {
		t.Fatal("the kept words are stored in plain text")
	}
	all, err := v.AllKeptWords(ctx)
	if err != nil || len(all) != 1 || all[0].RecordID != "rec-1" || all[0].Words["review:rec-1:comment"] != words {
		t.Fatalf("kept words read back: %v %+v", err, all)
	}
	if err := v.SaveKeptWords(ctx, KeptWords{RecordID: "rec-1"}); err != nil {
		t.Fatal(err)
	}
	if all, err := v.AllKeptWords(ctx); err != nil || len(all) != 0 {
		t.Fatalf("none left, still kept: %v %+v", err, all)
	}
}
