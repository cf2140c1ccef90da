package proto

import "crypto/sha256"

// The hub's receipts for one push share a Merkle tree (RFC 6962, section
// 2.1, as RFC 9162 restates it): SHA-256, a leaf hashed as
// SHA-256(0x00 || leaf), an inner node as SHA-256(0x01 || left || right),
// and a tree of n leaves split at the largest power of two below n. The
// domain separation between leaves and nodes means that no inner node can
// pass for a leaf, nor a leaf for a node.

const (
	leafPrefix = 0x00
	nodePrefix = 0x01
)

func hashLeaf(leaf []byte) [32]byte {
	h := sha256.New()
	h.Write([]byte{leafPrefix})
	h.Write(leaf)
	var out [32]byte
	h.Sum(out[:0])
	return out
}

func hashNode(left, right *[32]byte) [32]byte {
	var b [1 + 64]byte
	b[0] = nodePrefix
	copy(b[1:], left[:])
	copy(b[33:], right[:])
	return sha256.Sum256(b[:])
}

// merkleTree holds every level of a tree, leaves first. A lone last node
// on a level is carried up unchanged, which gives exactly RFC 6962's tree.
type merkleTree struct {
	levels [][][32]byte
}

func newMerkleTree(leaves [][32]byte) *merkleTree {
	t := &merkleTree{levels: [][][32]byte{leaves}}
	for cur := leaves; len(cur) > 1; {
		next := make([][32]byte, 0, (len(cur)+1)/2)
		for i := 0; i+1 < len(cur); i += 2 {
			next = append(next, hashNode(&cur[i], &cur[i+1]))
		}
		if len(cur)%2 == 1 {
			next = append(next, cur[len(cur)-1])
		}
		t.levels = append(t.levels, next)
		cur = next
	}
	return t
}

func (t *merkleTree) root() [32]byte { return t.levels[len(t.levels)-1][0] }

// path is the inclusion proof of leaf i, from the leaf's sibling upwards
// (RFC 6962 PATH(i, D[n])).
func (t *merkleTree) path(i int) [][32]byte {
	var p [][32]byte
	for _, level := range t.levels[:len(t.levels)-1] {
		if sib := i ^ 1; sib < len(level) {
			p = append(p, level[sib])
		}
		i >>= 1
	}
	return p
}

// pathLen is the number of hashes in the inclusion proof of leaf index in
// a tree of size leaves.
func pathLen(index, size int) int {
	n := 0
	for ; size > 1; size = (size + 1) / 2 {
		if index^1 < size {
			n++
		}
		index >>= 1
	}
	return n
}

// rootFromPath computes the root that the inclusion proof path gives for
// the leaf hash at index in a tree of size leaves, by RFC 9162 section
// 2.1.3.2. It reports false when the proof has the wrong length for that
// position.
func rootFromPath(index, size int, leaf [32]byte, path [][32]byte) ([32]byte, bool) {
	if index < 0 || index >= size {
		return [32]byte{}, false
	}
	fn, sn := uint64(index), uint64(size-1)
	r := leaf
	for i := range path {
		if sn == 0 {
			return [32]byte{}, false
		}
		if fn&1 == 1 || fn == sn {
			r = hashNode(&path[i], &r)
			if fn&1 == 0 {
				for fn&1 == 0 && fn != 0 {
					fn >>= 1
					sn >>= 1
				}
			}
		} else {
			r = hashNode(&r, &path[i])
		}
		fn >>= 1
		sn >>= 1
	}
	if sn != 0 {
		return [32]byte{}, false
	}
	return r, true
}
