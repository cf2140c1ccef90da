package hub

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"safeguard/companion/crypto"
	"safeguard/companion/sync/proto"
)

// dispose carries out a DSL's signed tombstone (issue 16): verified
// against the directory the hub holds, signed by the device's own person,
// who must be a DSL; then the hub empties the record's envelopes and keeps
// the tombstone for every device.
func (h *Hub) dispose(ctx context.Context, q *request) (any, *apiError) {
	cd, err := h.directory(ctx)
	if errors.Is(err, errNoDirectory) {
		return nil, refuse(http.StatusServiceUnavailable, proto.CodeNoDirectory, errNoDirectory.Error())
	}
	if err != nil {
		return nil, h.internal("read the directory", err)
	}
	t, err := crypto.VerifyTombstone(q.body, cd.dir)
	switch {
	case errors.Is(err, crypto.ErrTombstoneNotDSL):
		return nil, refuse(http.StatusForbidden, proto.CodeNotDSL, err.Error())
	case err != nil:
		return nil, refuse(http.StatusUnprocessableEntity, proto.CodeInvalidRecord, "the disposal instruction was refused: "+err.Error())
	}
	if t.ApprovedBy != q.device.Person {
		return nil, refuse(http.StatusForbidden, proto.CodeNotDSL, "a device may only send its own person's disposal instructions")
	}
	now := h.now()
	if t.ApprovedAt.After(now.Add(crypto.ClockWindow)) {
		return nil, refuse(http.StatusUnprocessableEntity, proto.CodeInvalidRecord, "the disposal instruction is dated in the future")
	}
	st, err := h.db.Dispose(ctx, Disposal{RecordID: t.RecordID, Envelopes: t.Envelopes, Signed: q.body}, now)
	if err != nil {
		return nil, h.internal("carry out the disposal", err)
	}
	return proto.DisposeAnswer{Seq: st.Seq}, nil
}

// tombstones serves a page of tombstones to any enrolled device: they
// carry ids, dates and who approved, never content.
func (h *Hub) tombstones(ctx context.Context, q *request) (any, *apiError) {
	after, limit, err := ParsePullQuery(q.r.URL.RawQuery)
	if err != nil {
		return nil, refuse(http.StatusBadRequest, proto.CodeMalformed, err.Error())
	}
	limit = min(limit, proto.MaxTombstonePage)
	ts, err := h.db.Tombstones(ctx, after, limit+1)
	if err != nil {
		return nil, h.internal("read the tombstones", err)
	}
	page := proto.TombstonePage{Tombstones: []proto.TombstoneEntry{}, Next: after}
	if len(ts) > limit {
		ts, page.More = ts[:limit], true
	}
	for _, t := range ts {
		page.Tombstones = append(page.Tombstones, proto.TombstoneEntry{Seq: t.Seq, Signed: t.Signed})
		page.Next = t.Seq
	}
	return page, nil
}

// disposedRefusal is the refusal of a push that names a record disposed of.
func disposedRefusal(e *DisposedError) *apiError {
	ae := refuse(http.StatusGone, proto.CodeDisposed, strings.TrimSpace(e.Error()))
	ae.body.ID = e.ID
	return ae
}
