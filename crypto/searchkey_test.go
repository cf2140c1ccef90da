package crypto

import "testing"

// The search key (docs/search-index.md) is the identity's alone: the same
// identity tags a term the same way every time, another identity tags it
// otherwise, and a tag is not the term's plain hash.
func TestSearchKeyIsTheIdentitys(t *testing.T) {
	a, err := GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	b, err := GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	ka, err := NewSearchKey(a)
	if err != nil {
		t.Fatal(err)
	}
	ka2, _ := NewSearchKey(a)
	kb, _ := NewSearchKey(b)
	if ka.Tag("interview") != ka2.Tag("interview") {
		t.Error("one identity tags a term two ways")
	}
	if ka.Tag("interview") == kb.Tag("interview") {
		t.Error("two identities tag a term alike")
	}
	if ka.Tag("interview") == ka.Tag("interviews") {
		t.Error("two terms share a tag")
	}
}
