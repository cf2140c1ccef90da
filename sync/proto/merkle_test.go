package proto

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"testing"
)

// The Certificate Transparency reference leaves and tree heads (RFC 6962),
// and two of its inclusion proofs.
var (
	ctLeaves = []string{"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
		"606162636465666768696a6b6c6d6e6f"}
	ctRoots = []string{
		"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
		"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
		"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
		"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
		"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
		"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
	}
	ctPaths = map[int][]string{
		0: {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
			"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
			"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"},
		5: {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
			"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
			"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"},
	}
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMerkleMatchesRFC6962Vectors(t *testing.T) {
	var hashes [][32]byte
	for _, l := range ctLeaves {
		hashes = append(hashes, hashLeaf(unhex(t, l)))
	}
	for n := 1; n <= len(hashes); n++ {
		root := newMerkleTree(hashes[:n]).root()
		if got := hex.EncodeToString(root[:]); got != ctRoots[n-1] {
			t.Errorf("%d leaves: root %s, RFC 6962 says %s", n, got, ctRoots[n-1])
		}
	}
	tree := newMerkleTree(hashes)
	for i, want := range ctPaths {
		var got []string
		for _, h := range tree.path(i) {
			got = append(got, hex.EncodeToString(h[:]))
		}
		if !slices.Equal(got, want) {
			t.Errorf("path of leaf %d: %v, want %v", i, got, want)
		}
	}
}

// mth and refPath are RFC 6962's recursive definitions, to check the
// level-by-level tree against for every shape.
func mth(d [][32]byte) [32]byte {
	if len(d) == 1 {
		return d[0]
	}
	k := splitPoint(len(d))
	l, r := mth(d[:k]), mth(d[k:])
	return hashNode(&l, &r)
}

func refPath(m int, d [][32]byte) [][32]byte {
	if len(d) <= 1 {
		return nil
	}
	k := splitPoint(len(d))
	if m < k {
		return append(refPath(m, d[:k]), mth(d[k:]))
	}
	return append(refPath(m-k, d[k:]), mth(d[:k]))
}

// splitPoint is the largest power of two smaller than n.
func splitPoint(n int) int {
	k := 1
	for k<<1 < n {
		k <<= 1
	}
	return k
}

func TestMerkleEveryShape(t *testing.T) {
	var leaves [][32]byte
	for i := range 70 {
		leaves = append(leaves, sha256.Sum256([]byte(fmt.Sprint(i))))
	}
	for n := 1; n <= len(leaves); n++ {
		d := leaves[:n]
		tree := newMerkleTree(d)
		root := tree.root()
		if root != mth(d) {
			t.Fatalf("%d leaves: root differs from RFC 6962's MTH", n)
		}
		for i := range n {
			p := tree.path(i)
			if !slices.Equal(p, refPath(i, d)) {
				t.Fatalf("%d leaves: path of %d differs from RFC 6962's PATH", n, i)
			}
			if len(p) != pathLen(i, n) {
				t.Fatalf("%d leaves: pathLen(%d) = %d, path has %d", n, i, pathLen(i, n), len(p))
			}
			if got, ok := rootFromPath(i, n, d[i], p); !ok || got != root {
				t.Fatalf("%d leaves: the proof of %d does not verify", n, i)
			}
			// Any other leaf or place, or a longer or shorter proof, fails.
			// (A proof alone does not pin the tree's size: read as a proof
			// in a tree of 4, leaf 0's proof in a tree of 3 computes the
			// same root. The size is in the signed statement.)
			other := (i + 1) % n
			if got, ok := rootFromPath(i, n, d[other], p); n > 1 && ok && got == root {
				t.Fatalf("%d leaves: leaf %d verifies in place %d", n, other, i)
			}
			if got, ok := rootFromPath(other, n, d[i], p); n > 1 && ok && got == root {
				t.Fatalf("%d leaves: the proof of %d verifies for %d", n, i, other)
			}
			if got, ok := rootFromPath(i, n, d[i], append(slices.Clone(p), root)); ok && got == root {
				t.Fatalf("%d leaves: a proof one hash too long verifies", n)
			}
			if len(p) > 0 {
				if _, ok := rootFromPath(i, n, d[i], p[:len(p)-1]); ok {
					t.Fatalf("%d leaves: a proof one hash short is accepted", n)
				}
			}
		}
	}
	if _, ok := rootFromPath(0, 0, leaves[0], nil); ok {
		t.Fatal("a proof in an empty tree is accepted")
	}
	if _, ok := rootFromPath(-1, 3, leaves[0], nil); ok {
		t.Fatal("a negative index is accepted")
	}
}

func TestMaxReceiptPath(t *testing.T) {
	longest := 0
	for i := range MaxBatch {
		longest = max(longest, pathLen(i, MaxBatch))
	}
	if longest != maxReceiptPath {
		t.Fatalf("the longest path in a batch of %d is %d, maxReceiptPath is %d", MaxBatch, longest, maxReceiptPath)
	}
}
