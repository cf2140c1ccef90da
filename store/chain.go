package store

import (
	"encoding/hex"
	"fmt"
)

// CheckChain checks a run of audit records as another device's chain gave
// them: seqs follow on without a gap, each record links to the one before
// (the first to prev, all zeros when the run starts the chain at seq 1),
// and each hash is the hash of its own fields. It is how the DSL checks the
// audit a colleague's device shared (vault.AuditBatch). Every refusal wraps
// ErrTampered.
func CheckChain(prev [32]byte, recs []AuditRecord) error {
	for i, r := range recs {
		switch {
		case i > 0 && r.Seq != recs[i-1].Seq+1:
			return fmt.Errorf("%w: event %d follows event %d (events missing or moved)", ErrTampered, r.Seq, recs[i-1].Seq)
		case r.Seq == 1 && prev != [32]byte{}:
			return fmt.Errorf("%w: the chain's first event links to an earlier one", ErrTampered)
		case r.PrevHash != prev:
			return fmt.Errorf("%w: event %d does not link to the event before it", ErrTampered, r.Seq)
		case auditHash(prev, r.Seq, unixMilli(r.At), r.Actor, r.Action, r.SubjectID) != r.Hash:
			return fmt.Errorf("%w: event %d was changed", ErrTampered, r.Seq)
		}
		prev = r.Hash
	}
	return nil
}

// ChainID names a device's audit chain: the hash of its first event, in
// hex. Two chains never share one, since the first event's hash covers its
// time and actor.
func ChainID(first AuditRecord) string { return hex.EncodeToString(first.Hash[:]) }
