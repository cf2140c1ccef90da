package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"safeguard/companion/crypto"
	"safeguard/companion/store"
	"safeguard/companion/sync/proto"
)

// Disposal (issue 16). Each round, before anything is pushed or pulled,
// the engine sends the tombstones this computer's DSL made, then fetches
// every tombstone it has not seen, verifies each against its own
// directory (signed by a DSL, or refused) and carries it out: the record's
// envelopes, receipts, outbox entries, remembered file keys and draft
// leave this computer (store.Dispose). A device offline for months catches
// up from its cursor; its outbox loses what was disposed of before it is
// pushed.

// Settings key for the tombstone cursor: a sequence number.
const tombstoneCursorKey = "sync.tombstone_cursor"

// errHubPredatesDisposal: the hub has no tombstone endpoints.
var errHubPredatesDisposal = errors.New("the hub predates disposal")

// pullAndApplyTombstones fetches and carries out the hub's tombstones. A
// tombstone this computer cannot verify stops the tombstones (nothing is
// deleted on it, and the cursor stays before it) but not the records: it
// is returned as refused, for the end of the round.
func (e *Engine) pullAndApplyTombstones(ctx context.Context) (refused, err error) {
	err = e.predates(ctx, e.pullTombstones(ctx))
	var pe *problemError
	if errors.As(err, &pe) && pe.kind == ProblemBadRecord {
		return err, nil
	}
	return nil, err
}

// sendOwnTombstones sends this computer's tombstones. A refusal is kept
// for the end of the round (records still sync) and comes back as a
// problem then.
func (e *Engine) sendOwnTombstones(ctx context.Context) (refused, err error) {
	err = e.predates(ctx, e.sendTombstones(ctx))
	var pe *problemError
	if errors.As(err, &pe) && pe.kind == ProblemRecordRefused {
		return err, nil
	}
	return nil, err
}

// predates turns a hub without the tombstone endpoints into a problem
// only when this computer has a disposal to send: records still sync.
func (e *Engine) predates(ctx context.Context, err error) error {
	if !errors.Is(err, errHubPredatesDisposal) {
		return err
	}
	un, uerr := e.cfg.Store.UnsentTombstones(ctx)
	if uerr == nil && len(un) == 0 {
		return nil
	}
	return &problemError{ProblemUpdateHub, "The hub is older than this app and cannot carry out disposals: ask your ICT administrator to update the hub. " +
		"The records are already gone from this computer.", err}
}

func (e *Engine) sendTombstones(ctx context.Context) error {
	un, err := e.cfg.Store.UnsentTombstones(ctx)
	if err != nil {
		return &problemError{ProblemLocal, "Could not read the disposals waiting to be sent: " + err.Error(), err}
	}
	for _, t := range un {
		var ans proto.DisposeAnswer
		_, _, err := e.c.do(ctx, http.MethodPost, proto.PathDispose, t.Signed, &ans)
		var he *HubError
		if errors.As(err, &he) {
			switch he.Code {
			case proto.CodeNotFound:
				return errHubPredatesDisposal
			case proto.CodeNotDSL, proto.CodeInvalidRecord, proto.CodeMalformed:
				return &problemError{ProblemRecordRefused, "The hub refused a disposal instruction from this computer: " + he.Message, err}
			}
		}
		if err != nil {
			return err
		}
		if err := e.cfg.Store.MarkTombstoneSent(ctx, t.RecordID); err != nil {
			return &problemError{ProblemLocal, "Could not record that a disposal was sent: " + err.Error(), err}
		}
	}
	return nil
}

func (e *Engine) pullTombstones(ctx context.Context) error {
	cursor := int64(0)
	if v, err := e.cfg.Store.Setting(ctx, tombstoneCursorKey); err == nil {
		if cursor, err = strconv.ParseInt(v, 10, 64); err != nil || cursor < 0 {
			cursor = 0 // start again: carrying out a tombstone is idempotent
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return &problemError{ProblemLocal, "Could not read the disposal position: " + err.Error(), err}
	}
	actor := e.deviceActor()
	for {
		uri := proto.PathTombstones + "?after=" + itoa(cursor) + "&limit=" + strconv.Itoa(proto.MaxTombstonePage)
		_, b, err := e.c.do(ctx, http.MethodGet, uri, nil, nil)
		var he *HubError
		if errors.As(err, &he) && he.Code == proto.CodeNotFound {
			return errHubPredatesDisposal
		}
		if err != nil {
			return err
		}
		var page proto.TombstonePage
		if err := json.Unmarshal(b, &page); err != nil {
			return &NetError{fmt.Errorf("the answer was incomplete: %w", err)}
		}
		for _, te := range page.Tombstones {
			t, err := crypto.VerifyTombstone(te.Signed, e.cfg.Directory.Current())
			if err != nil {
				// Nothing is deleted on a tombstone this computer cannot
				// verify, and the cursor stays before it: keeping is the
				// safe side.
				return &problemError{ProblemBadRecord, "A disposal instruction from the hub was refused and nothing was deleted: " + err.Error(), err}
			}
			d := store.Disposal{RecordID: t.RecordID, Envelopes: t.Envelopes, Signed: te.Signed, FromHub: true}
			if err := e.cfg.Store.Dispose(ctx, d, store.Event{Actor: actor}); err != nil {
				return &problemError{ProblemLocal, "Could not carry out a disposal: " + err.Error(), err}
			}
			if err := e.cfg.Store.SetSetting(ctx, tombstoneCursorKey, itoa(te.Seq)); err != nil {
				return &problemError{ProblemLocal, "Could not save the disposal position: " + err.Error(), err}
			}
			cursor = te.Seq
		}
		if !page.More || len(page.Tombstones) == 0 {
			return nil
		}
	}
}

// deviceActor names who carried out a disposal in the audit chain: the
// person's key id when the app gave it (Config.Actor), else the engine.
func (e *Engine) deviceActor() string {
	if e.cfg.Actor != "" {
		return e.cfg.Actor
	}
	return "sync-engine"
}
