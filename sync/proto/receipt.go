package proto

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Receipts, version 2.
//
// The hub answers a push, once the whole batch is durable, with one receipt
// per record, each naming the record's id, its sequence number on the hub
// and the SHA-256 of its bytes. The receipts of one answer share a single
// Ed25519 signature: the hub builds a Merkle tree (merkle.go: RFC 6962's,
// SHA-256, domain-separated leaves and nodes) over the batch's leaves and
// signs its root once. Each receipt carries that signed root, its own leaf
// and the inclusion path from the leaf to the root, so it stands alone: the
// device stores each receipt as it arrived, and VerifyReceipt checks one,
// later, with nothing but the pinned hub key.
//
// Version 1 signed every receipt on its own: one Ed25519 signature per
// record on the hub and one verification per record on the device, a third
// of a push's CPU. Its signing context differs from version 2's, so neither
// signature can pass for the other, and version 1 receipts are refused.
//
// A receipt (integers big-endian):
//
//	magic     "SGC-RECEIPT-2\n"
//	-- the batch statement: what the hub signs --
//	hub       16 bytes: the signing key's id (HubKeyID, as bytes)
//	size      uint32, 1..MaxBatch: the records in the batch
//	root      32 bytes: the Merkle tree head over the batch's leaves
//	sig       64 bytes: Ed25519 over receiptContext || hub || size || root
//	-- the record --
//	index     uint32 < size: the record's place in the batch
//	leaf      seq int64 > 0; received int64 >= 0, Unix ms when the hub
//	          first stored the record; hash: 32 bytes, SHA-256 of the
//	          envelope; idlen byte, 1..128; id: idlen bytes of [A-Za-z0-9._:-]
//	-- its inclusion proof --
//	npath     byte, 0..maxReceiptPath: the hashes that follow
//	path      npath × 32 bytes, from the leaf's sibling upwards
//
// The tree's leaf is the leaf field's bytes exactly, and nothing may follow
// the path: a receipt has one encoding. The index and the path are not
// signed but the root pins them: a path that leads from another place, or
// from another leaf, gives another root.

const (
	receiptMagic = "SGC-RECEIPT-2\n"
	// receiptContext prefixes the signed batch statement. Version 1 signed
	// "safeguard-companion receipt v1\n" followed by JSON; neither context
	// is a prefix of the other.
	receiptContext = "safeguard-companion receipt batch v2\n"

	hubIDSize     = 16
	statementSize = hubIDSize + 4 + 32
	maxRecordID   = 128
	// maxReceiptPath is the longest inclusion path in a batch of MaxBatch.
	maxReceiptPath = 10

	offStatement = len(receiptMagic)
	offSig       = offStatement + statementSize
	offIndex     = offSig + ed25519.SignatureSize
	offLeaf      = offIndex + 4
	leafFixed    = 8 + 8 + 32 + 1

	// MaxReceipt bounds one encoded receipt.
	MaxReceipt = offLeaf + leafFixed + maxRecordID + 1 + maxReceiptPath*32
)

// Receipt is what the hub vouches for once an envelope is durable.
type Receipt struct {
	Hub      string    // HubKeyID of the key that signed the batch
	ID       string    // the record's id
	Seq      int64     // its sequence number on the hub
	Hash     string    // crypto.EnvelopeHash of its bytes: hex SHA-256
	Received time.Time // when the hub first stored it durably
	Index    int       // its place in the batch
	Size     int       // the records in the batch
	Root     [32]byte  // the batch's signed Merkle root
}

// Refusals of VerifyReceipt. Each wraps ErrReceipt, and the error returned
// wraps one of them with the detail.
var (
	ErrReceipt = errors.New("the hub's receipt does not verify")

	ErrReceiptMalformed = fmt.Errorf("%w: it is malformed", ErrReceipt)
	ErrReceiptVersion   = fmt.Errorf("%w: it is in a format this version does not accept", ErrReceipt)
	ErrReceiptHub       = fmt.Errorf("%w: it names another hub key than the one this device pinned", ErrReceipt)
	ErrReceiptSignature = fmt.Errorf("%w: its batch signature is not the pinned hub key's", ErrReceipt)
	ErrReceiptProof     = fmt.Errorf("%w: the record is not in the batch the hub signed", ErrReceipt)
)

// HubKeyID names the hub's receipt key.
func HubKeyID(pub ed25519.PublicKey) string {
	id := hubKeyID(pub)
	return hex.EncodeToString(id[:])
}

func hubKeyID(pub ed25519.PublicKey) [hubIDSize]byte {
	h := sha256.New()
	h.Write([]byte("safeguard-companion hub v1\n"))
	h.Write(pub)
	var id [hubIDSize]byte
	copy(id[:], h.Sum(nil))
	return id
}

// SignReceipts returns one receipt for each record, in order, under one
// signature over the batch's Merkle root. Only ID, Seq, Hash and Received
// of each are read. The receipts are sub-slices of one buffer. Ed25519 is
// deterministic, so the same batch signed again is the same bytes.
func SignReceipts(key ed25519.PrivateKey, recs []Receipt) ([][]byte, error) {
	if len(recs) == 0 || len(recs) > MaxBatch {
		return nil, fmt.Errorf("receipts: a batch has between 1 and %d records, not %d", MaxBatch, len(recs))
	}
	leaves := make([][]byte, len(recs))
	hashes := make([][32]byte, len(recs))
	buf := make([]byte, 0, len(recs)*(leafFixed+24)) // ids are short
	for i, r := range recs {
		start := len(buf)
		var err error
		if buf, err = appendLeaf(buf, r); err != nil {
			return nil, fmt.Errorf("receipts: record %d: %w", i+1, err)
		}
		leaves[i] = buf[start:len(buf):len(buf)]
	}
	for i, l := range leaves {
		hashes[i] = hashLeaf(l)
	}
	tree := newMerkleTree(hashes)
	root := tree.root()

	var stmt [statementSize]byte
	hubID := hubKeyID(key.Public().(ed25519.PublicKey))
	copy(stmt[:], hubID[:])
	binary.BigEndian.PutUint32(stmt[hubIDSize:], uint32(len(recs)))
	copy(stmt[hubIDSize+4:], root[:])
	sig := ed25519.Sign(key, signedStatement(stmt[:]))

	size := 0
	paths := make([][][32]byte, len(recs))
	for i := range recs {
		paths[i] = tree.path(i)
		size += offLeaf + len(leaves[i]) + 1 + 32*len(paths[i])
	}
	out := make([][]byte, len(recs))
	all := make([]byte, 0, size)
	for i := range recs {
		start := len(all)
		all = append(all, receiptMagic...)
		all = append(all, stmt[:]...)
		all = append(all, sig...)
		all = binary.BigEndian.AppendUint32(all, uint32(i))
		all = append(all, leaves[i]...)
		all = append(all, byte(len(paths[i])))
		for _, p := range paths[i] {
			all = append(all, p[:]...)
		}
		out[i] = all[start:len(all):len(all)]
	}
	return out, nil
}

// appendLeaf appends the canonical leaf of r: seq, received, hash, id.
func appendLeaf(dst []byte, r Receipt) ([]byte, error) {
	if r.Seq <= 0 {
		return nil, errors.New("sequence number must be positive")
	}
	ms := r.Received.UnixMilli()
	if ms < 0 {
		return nil, errors.New("received time before 1970")
	}
	var h [32]byte
	if len(r.Hash) != 64 {
		return nil, errors.New("hash must be 64 hex digits")
	}
	if _, err := hex.Decode(h[:], []byte(r.Hash)); err != nil {
		return nil, errors.New("hash must be 64 hex digits")
	}
	if !validRecordID(r.ID) {
		return nil, errors.New("malformed record id")
	}
	dst = binary.BigEndian.AppendUint64(dst, uint64(r.Seq))
	dst = binary.BigEndian.AppendUint64(dst, uint64(ms))
	dst = append(dst, h[:]...)
	dst = append(dst, byte(len(r.ID)))
	return append(dst, r.ID...), nil
}

// validRecordID is crypto's record id rule: 1 to 128 of [A-Za-z0-9._:-].
func validRecordID[T string | []byte](id T) bool {
	if len(id) == 0 || len(id) > maxRecordID {
		return false
	}
	for i := range len(id) {
		c := id[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' || c == '_' || c == ':' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}

func signedStatement(stmt []byte) []byte {
	return append([]byte(receiptContext), stmt...)
}

// parsedReceipt is a receipt split into its parts, nothing checked but the
// encoding. Its slices point into the receipt.
type parsedReceipt struct {
	statement []byte // hub || size || root
	sig       []byte
	hubID     []byte
	size      int
	root      [32]byte
	index     int
	leaf      []byte
	seq       int64
	received  int64
	hash      []byte
	id        []byte
	path      [][32]byte
}

// parseReceipt reads a receipt strictly. It checks no signature and no
// proof.
func parseReceipt(b []byte) (parsedReceipt, error) {
	bad := func(why string) (parsedReceipt, error) {
		return parsedReceipt{}, fmt.Errorf("%w (%s)", ErrReceiptMalformed, why)
	}
	if !bytes.HasPrefix(b, []byte(receiptMagic)) {
		if len(b) > 0 && b[0] == '{' {
			return parsedReceipt{}, fmt.Errorf("%w (a version 1 receipt, signed record by record)", ErrReceiptVersion)
		}
		if newerMagic(b, receiptMagic) {
			return parsedReceipt{}, fmt.Errorf("%w: %w", ErrReceiptVersion, ErrNewerFormat)
		}
		if bytes.HasPrefix(b, []byte("SGC-RECEIPT-")) {
			return parsedReceipt{}, fmt.Errorf("%w (an unknown receipt version)", ErrReceiptVersion)
		}
		return bad("not a receipt")
	}
	if len(b) > MaxReceipt {
		return bad("too long")
	}
	if len(b) < offLeaf+leafFixed {
		return bad("truncated")
	}
	var p parsedReceipt
	p.statement = b[offStatement:offSig]
	p.hubID = p.statement[:hubIDSize]
	size := binary.BigEndian.Uint32(p.statement[hubIDSize:])
	index := binary.BigEndian.Uint32(b[offIndex:])
	if size < 1 || size > MaxBatch {
		return bad("batch size out of range")
	}
	if index >= size {
		return bad("index outside the batch")
	}
	p.size, p.index = int(size), int(index)
	copy(p.root[:], p.statement[hubIDSize+4:])
	p.sig = b[offSig:offIndex]
	rest := b[offLeaf:]
	p.seq = int64(binary.BigEndian.Uint64(rest))
	p.received = int64(binary.BigEndian.Uint64(rest[8:]))
	p.hash = rest[16:48]
	idLen := int(rest[48])
	if p.seq <= 0 {
		return bad("sequence number not positive")
	}
	if p.received < 0 {
		return bad("received time out of range")
	}
	if len(rest) < leafFixed+idLen+1 {
		return bad("truncated record id")
	}
	p.id = rest[leafFixed : leafFixed+idLen]
	if !validRecordID(p.id) {
		return bad("malformed record id")
	}
	p.leaf = rest[:leafFixed+idLen]
	rest = rest[leafFixed+idLen:]
	npath := int(rest[0])
	rest = rest[1:]
	if npath > maxReceiptPath {
		return bad("inclusion proof too long")
	}
	if len(rest) != npath*32 {
		return bad("inclusion proof truncated or followed by other data")
	}
	p.path = make([][32]byte, npath)
	for i := range p.path {
		copy(p.path[i][:], rest[32*i:])
	}
	return p, nil
}

// ReceiptVerifier checks receipts against one pinned hub key. It verifies
// each distinct signed batch statement once and remembers it, so the
// receipts of one push answer cost one signature check and a few hashes
// each. It is safe for concurrent use; make one per answer (or per round)
// rather than keep it for ever.
type ReceiptVerifier struct {
	hub   ed25519.PublicKey
	hubID [hubIDSize]byte

	mu       sync.Mutex
	verified map[[statementSize + ed25519.SignatureSize]byte]struct{}
}

// NewReceiptVerifier returns a verifier for the pinned hub key.
func NewReceiptVerifier(hub ed25519.PublicKey) *ReceiptVerifier {
	v := &ReceiptVerifier{hub: hub, verified: map[[statementSize + ed25519.SignatureSize]byte]struct{}{}}
	if len(hub) == ed25519.PublicKeySize {
		v.hubID = hubKeyID(hub)
	}
	return v
}

// VerifyReceipt checks one receipt alone against the pinned hub key and
// returns what it vouches for. The caller compares ID and Hash with what it
// sent. Every refusal wraps ErrReceipt and one of its ErrReceipt… kinds.
func VerifyReceipt(hub ed25519.PublicKey, b []byte) (Receipt, error) {
	return NewReceiptVerifier(hub).Verify(b)
}

// Verify is VerifyReceipt, with the batch signature checked once per
// distinct batch.
func (v *ReceiptVerifier) Verify(b []byte) (Receipt, error) {
	p, err := parseReceipt(b)
	if err != nil {
		return Receipt{}, err
	}
	if len(v.hub) != ed25519.PublicKeySize {
		return Receipt{}, fmt.Errorf("%w (the pinned hub key is malformed)", ErrReceiptSignature)
	}
	if !bytes.Equal(p.hubID, v.hubID[:]) {
		return Receipt{}, fmt.Errorf("%w (it names hub key %x)", ErrReceiptHub, p.hubID)
	}
	// The batch statement first, once per distinct statement and
	// signature: a tampered statement is named as such, not as a bad proof.
	var key [statementSize + ed25519.SignatureSize]byte
	copy(key[:], p.statement)
	copy(key[statementSize:], p.sig)
	v.mu.Lock()
	_, seen := v.verified[key]
	v.mu.Unlock()
	if !seen {
		if !ed25519.Verify(v.hub, signedStatement(p.statement), p.sig) {
			return Receipt{}, fmt.Errorf("%w (batch of %d)", ErrReceiptSignature, p.size)
		}
		v.mu.Lock()
		v.verified[key] = struct{}{}
		v.mu.Unlock()
	}
	if want := pathLen(p.index, p.size); len(p.path) != want {
		return Receipt{}, fmt.Errorf("%w (the inclusion proof has %d hashes; record %d of %d needs %d)",
			ErrReceiptProof, len(p.path), p.index+1, p.size, want)
	}
	root, ok := rootFromPath(p.index, p.size, hashLeaf(p.leaf), p.path)
	if !ok || root != p.root {
		return Receipt{}, fmt.Errorf("%w (the inclusion proof for record %d of %d does not lead to the signed root)",
			ErrReceiptProof, p.index+1, p.size)
	}
	return Receipt{
		Hub:      hex.EncodeToString(p.hubID),
		ID:       string(p.id),
		Seq:      p.seq,
		Hash:     hex.EncodeToString(p.hash),
		Received: time.UnixMilli(p.received).UTC(),
		Index:    p.index,
		Size:     p.size,
		Root:     p.root,
	}, nil
}
