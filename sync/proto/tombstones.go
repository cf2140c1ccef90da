package proto

// Disposal through the hub (issue 16). A DSL's device posts a signed
// tombstone (crypto.SignTombstone) as the body of POST PathDispose; every
// device fetches the tombstones it has not seen with GET
// PathTombstones?after=<seq>&limit=<n> and verifies each against its own
// directory before deleting anything.
const (
	PathDispose    = "/v1/dispose"
	PathTombstones = "/v1/tombstones"
)

// Refusal codes for disposal.
const (
	// CodeDisposed: a record pushed after it was disposed of.
	CodeDisposed = "disposed"
	// CodeNotDSL: a tombstone not signed by a DSL, or not by the device's
	// own person.
	CodeNotDSL = "not_dsl"
)

// MaxTombstone bounds a tombstone's body.
const MaxTombstone = 1 << 20

// MaxTombstonePage bounds a page of tombstones.
const MaxTombstonePage = 500

// DisposeAnswer is the hub's answer to a tombstone it has carried out.
type DisposeAnswer struct {
	Seq int64 `json:"seq"`
}

// TombstonePage is a page of signed tombstones, oldest first.
type TombstonePage struct {
	Tombstones []TombstoneEntry `json:"tombstones"`
	Next       int64            `json:"next"`
	More       bool             `json:"more"`
}

// TombstoneEntry is one signed tombstone and where it is.
type TombstoneEntry struct {
	Seq    int64  `json:"seq"`
	Signed []byte `json:"signed"`
}
