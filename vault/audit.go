package vault

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"safeguard/companion/crypto"
	"safeguard/companion/store"
)

// AuditBatch is a run of one device's audit chain, shared signed and
// encrypted with the DSLs (crypto.KindAudit). It lets the access audit show
// who opened or exported which record on every device, not just the DSL's
// own, and it keeps the chain's head off the device: whoever rewrote a
// laptop's chain afterwards could not rewrite what the DSLs already hold.
// Events carry ids, actions and times, never content.
type AuditBatch struct {
	V int `json:"v"`
	// Chain names the device's chain (store.ChainID of its first event).
	Chain  string        `json:"chain"`
	Events []SharedEvent `json:"events"`
}

// SharedEvent is one audit event as shared: store.AuditRecord's fields.
type SharedEvent struct {
	Seq     int64     `json:"seq"`
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`
	Action  string    `json:"action"`
	Subject string    `json:"subject,omitempty"`
	Prev    string    `json:"prev"`
	Hash    string    `json:"hash"`
}

// auditBatchVersion is the AuditBatch format this code writes and reads.
const auditBatchVersion = 1

// maxAuditBatch bounds one shared batch, so a long backlog goes as several
// records of a sensible size.
const maxAuditBatch = 2000

// auditSharedSetting holds the seq of the last event shared.
const auditSharedSetting = "audit_shared_through"

// ShareAudit seals the audit events not yet shared to the DSLs and queues
// them for the hub, in batches, and returns how many events it shared. The
// batches are not themselves audited (that would make every share the
// reason for another). A crash between a batch and noting it shared only
// shares those events again, which the DSL's side folds away.
func (v *Vault) ShareAudit(ctx context.Context) (int, error) {
	after := int64(0)
	if s, err := v.st.Setting(ctx, auditSharedSetting); err == nil {
		if after, err = strconv.ParseInt(s, 10, 64); err != nil {
			return 0, fmt.Errorf("share audit: the shared mark is damaged: %w", err)
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return 0, fmt.Errorf("share audit: %w", err)
	}
	first, err := v.st.AuditEvents(ctx, 0, 1)
	if err != nil || len(first) == 0 {
		return 0, err
	}
	chain := store.ChainID(first[0])
	shared := 0
	for {
		recs, err := v.st.AuditEvents(ctx, after, maxAuditBatch)
		if err != nil {
			return shared, fmt.Errorf("share audit: %w", err)
		}
		if len(recs) == 0 {
			return shared, nil
		}
		b := AuditBatch{V: auditBatchVersion, Chain: chain}
		for _, r := range recs {
			b.Events = append(b.Events, SharedEvent{Seq: r.Seq, At: r.At, Actor: r.Actor, Action: r.Action, Subject: r.SubjectID,
				Prev: hex.EncodeToString(r.PrevHash[:]), Hash: hex.EncodeToString(r.Hash[:])})
		}
		last := recs[len(recs)-1].Seq
		id := fmt.Sprintf("audit-%s-%d-%d", chain[:16], recs[0].Seq, last)
		env, _, fileKey, err := v.sealFor(id, crypto.KindAudit, b, "", "", "", "")
		if err != nil {
			return shared, fmt.Errorf("share audit: %w", err)
		}
		se := toStore(env, env.Bytes())
		se.FileKey = fileKey
		// The id names the chain and the run, so a run already shared
		// (a crash before the mark below was written) is a conflict with
		// itself: it is there, so carry on.
		if err := v.st.PutEnvelope(ctx, se); err != nil && !errors.Is(err, store.ErrConflict) {
			return shared, fmt.Errorf("share audit: %w", err)
		}
		if err := v.st.SetSetting(ctx, auditSharedSetting, strconv.FormatInt(last, 10)); err != nil {
			return shared, fmt.Errorf("share audit: %w", err)
		}
		shared += len(recs)
		after = last
	}
}

// Trail is the access audit gathered from shared batches: every event
// once, by chain, and what did not check.
type Trail struct {
	Events []store.AuditRecord
	// Problems say, in plain words, which shared audit did not check: a
	// batch whose events are not its signer's, a run whose links or hashes
	// are wrong, a gap between what one device shared. Shown, never hidden.
	Problems []string
}

// TrailOf checks and merges the shared audit batches among entries (the
// KindAudit ones; others are ignored): each batch's events must all be its
// signer's and form an unbroken run of the chain it names, and the runs of
// one chain must meet. Events of ownChain (this device's chain, which it
// reads whole from its store) are left out.
func TrailOf(entries []Entry, ownChain string) Trail {
	var t Trail
	byChain := map[string]map[int64]store.AuditRecord{}
	for _, e := range entries {
		if e.Header.Kind != crypto.KindAudit {
			continue
		}
		var b AuditBatch
		if err := e.Decode(&b); err != nil || b.V != auditBatchVersion || len(b.Events) == 0 {
			t.Problems = append(t.Problems, fmt.Sprintf("Shared audit %s could not be read.", e.Header.ID))
			continue
		}
		if b.Chain == ownChain {
			continue
		}
		recs, prev, err := recordsOf(b, string(e.Header.Author))
		if err == nil {
			err = store.CheckChain(prev, recs)
		}
		if err != nil {
			t.Problems = append(t.Problems, fmt.Sprintf("Shared audit from %s does not check: %v.", authorName(e), err))
			continue
		}
		m := byChain[b.Chain]
		if m == nil {
			m = map[int64]store.AuditRecord{}
			byChain[b.Chain] = m
		}
		for _, r := range recs {
			m[r.Seq] = r
		}
	}
	for _, chain := range slices.Sorted(maps.Keys(byChain)) {
		m := byChain[chain]
		seqs := slices.Sorted(maps.Keys(m))
		for i, s := range seqs {
			r := m[s]
			switch {
			case i == 0 && s != 1:
				t.Problems = append(t.Problems, fmt.Sprintf("The audit shared from one device starts at event %d: earlier events were not received.", s))
			case i > 0 && (s != seqs[i-1]+1 || r.PrevHash != m[seqs[i-1]].Hash):
				t.Problems = append(t.Problems, fmt.Sprintf("The audit shared from one device has a gap or a break before event %d.", s))
			}
			t.Events = append(t.Events, r)
		}
	}
	return t
}

// recordsOf turns a batch back into chain records, refusing events that
// are not the signer's own.
func recordsOf(b AuditBatch, signer string) ([]store.AuditRecord, [32]byte, error) {
	var recs []store.AuditRecord
	var first [32]byte
	for i, ev := range b.Events {
		if ev.Actor != signer {
			return nil, first, errors.New("it reports events of someone other than its signer")
		}
		var r store.AuditRecord
		r.Seq, r.At, r.Actor, r.Action, r.SubjectID = ev.Seq, ev.At, ev.Actor, ev.Action, ev.Subject
		if err := unhex(ev.Prev, &r.PrevHash); err != nil {
			return nil, first, err
		}
		if err := unhex(ev.Hash, &r.Hash); err != nil {
			return nil, first, err
		}
		if i == 0 {
			first = r.PrevHash
		}
		recs = append(recs, r)
	}
	return recs, first, nil
}

func unhex(s string, into *[32]byte) error {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(into) {
		return errors.New("an event hash is malformed")
	}
	copy(into[:], b)
	return nil
}

func authorName(e Entry) string {
	if e.Author != nil {
		return e.Author.Name
	}
	return "an unknown device"
}
