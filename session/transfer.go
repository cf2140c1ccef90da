package session

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Transfer of a safeguarding file (issue 16 section 4). When a young
// person moves to another provider, the DSL sends their safeguarding file
// to the receiving provider's DSL, sealed to that DSL's age key; Keeping
// Children Safe in Education 2023 (Part 2, child protection files) asks
// that the file is transferred securely, separately from the main record,
// and that confirmation of receipt is obtained. The date sent and the confirmation
// are recorded here, as signed steps (crypto.KindTransfer).

// TransferAction is what a transfer record does.
type TransferAction string

const (
	TransferSent      TransferAction = "sent"
	TransferConfirmed TransferAction = "confirmed"
)

// TransferEvent is one signed step of a transfer.
type TransferEvent struct {
	ID         string         `json:"id"`
	TransferID string         `json:"transfer_id"`
	Action     TransferAction `json:"action"`
	// Sent: whose file, to which provider and DSL, sealed to which key
	// (its fingerprint), holding which records.
	Ref      string   `json:"ref,omitempty"`
	Provider string   `json:"provider,omitempty"`
	ToDSL    string   `json:"to_dsl,omitempty"`
	KeyPrint string   `json:"key_print,omitempty"`
	Records  []string `json:"records,omitempty"`
	// Confirmed: when the receiving DSL confirmed receipt, and how.
	ConfirmedOn time.Time `json:"confirmed_on,omitzero"`
	How         string    `json:"how,omitempty"`
	By          string    `json:"by"`
	At          time.Time `json:"at"`
}

// ParentRecordID makes a confirmation name its sending as parent.
func (e TransferEvent) ParentRecordID() string {
	if e.Action == TransferConfirmed {
		return e.TransferID
	}
	return ""
}

// Transfer is a transfer as it stands.
type Transfer struct {
	Sent      TransferEvent
	Confirmed *TransferEvent
}

// SendTransfer makes the record of a file sent, now, by a DSL.
func SendTransfer(clock Clock, by Actor, id, ref, provider, toDSL, keyPrint string, records []string) (TransferEvent, error) {
	if !by.Safeguarding {
		return TransferEvent{}, fmt.Errorf("transfer a safeguarding file: %w", ErrSafeguardingOnly)
	}
	if id == "" || by.ID == "" {
		return TransferEvent{}, errors.New("transfer a safeguarding file: id and the person sending are required")
	}
	var errs FieldErrors
	ref, provider, toDSL = strings.TrimSpace(ref), strings.TrimSpace(provider), strings.TrimSpace(toDSL)
	if ref == "" {
		errs.add("ref", "Say whose file it is (their customer reference).")
	}
	if provider == "" {
		errs.add("provider", "Say which provider the young person is moving to.")
	}
	if toDSL == "" {
		errs.add("to_dsl", "Name the receiving provider's DSL.")
	}
	if strings.TrimSpace(keyPrint) == "" {
		errs.add("key", "Paste the receiving DSL's age public key: the file is sealed to it.")
	}
	if ref != "" && len(records) == 0 {
		errs.add("ref", "There are no records about "+ref+" on this device to transfer.")
	}
	if err := errs.err(); err != nil {
		return TransferEvent{}, err
	}
	return TransferEvent{ID: id, TransferID: id, Action: TransferSent, Ref: ref, Provider: provider, ToDSL: toDSL, KeyPrint: keyPrint,
		Records: slices.Clone(records), By: by.ID, At: clock.Now()}, nil
}

// ConfirmTransfer makes the record of the receiving DSL confirming receipt.
func ConfirmTransfer(clock Clock, by Actor, id string, t Transfer, on time.Time, how string, loc *time.Location) (TransferEvent, error) {
	if !by.Safeguarding {
		return TransferEvent{}, fmt.Errorf("confirm a transfer: %w", ErrSafeguardingOnly)
	}
	if t.Confirmed != nil {
		return TransferEvent{}, fmt.Errorf("confirm a transfer: receipt was confirmed on %s already", t.Confirmed.ConfirmedOn.Format("2 January 2006"))
	}
	how = strings.TrimSpace(how)
	var errs FieldErrors
	now := clock.Now()
	switch d := dayOf(on, loc); {
	case on.IsZero():
		errs.add("confirmed_on", "Say the day the receiving DSL confirmed receipt.")
	case d.After(dayOf(now, loc)):
		errs.add("confirmed_on", "That day is in the future; check it.")
	case d.Before(dayOf(t.Sent.At, loc)):
		errs.add("confirmed_on", "Receipt cannot be confirmed before the file was sent.")
	}
	if how == "" {
		errs.add("how", "Say how receipt was confirmed (for example, an e-mail from their DSL).")
	}
	if err := errs.err(); err != nil {
		return TransferEvent{}, err
	}
	return TransferEvent{ID: id, TransferID: t.Sent.ID, Action: TransferConfirmed, ConfirmedOn: dayOf(on, loc), How: how, By: by.ID, At: now}, nil
}

// SignedTransferEvent is a transfer record as opened, with its signer.
type SignedTransferEvent struct {
	Event       TransferEvent
	SignerID    string
	SignerIsDSL bool
}

// FoldTransfers turns transfer records into transfers, newest first,
// refusing (and saying why) records not signed by a DSL or claiming
// another person than the signer.
func FoldTransfers(records []SignedTransferEvent) ([]Transfer, []error) {
	var errs []error
	rs := slices.Clone(records)
	slices.SortStableFunc(rs, func(a, b SignedTransferEvent) int {
		if pa, pb := a.Event.Action == TransferSent, b.Event.Action == TransferSent; pa != pb {
			if pa {
				return -1
			}
			return 1
		}
		return a.Event.At.Compare(b.Event.At)
	})
	var out []Transfer
	idx := map[string]int{}
	for _, r := range rs {
		e := r.Event
		if e.By != r.SignerID || !r.SignerIsDSL {
			errs = append(errs, fmt.Errorf("transfer record %s: not signed by a DSL in their own name; it is ignored", e.ID))
			continue
		}
		switch e.Action {
		case TransferSent:
			if _, dup := idx[e.ID]; !dup {
				idx[e.ID] = len(out)
				out = append(out, Transfer{Sent: e})
			}
		case TransferConfirmed:
			i, ok := idx[e.TransferID]
			if !ok {
				errs = append(errs, fmt.Errorf("transfer record %s confirms a transfer not on this device yet", e.ID))
				continue
			}
			if out[i].Confirmed == nil {
				c := e
				out[i].Confirmed = &c
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Transfer) int { return b.Sent.At.Compare(a.Sent.At) })
	return out, errs
}
