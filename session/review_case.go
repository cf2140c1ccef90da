package session

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// AckWithin is how long an escalation may wait for the DSL's
// acknowledgement before the case queue shows it as overdue. Annex 1 says
// "as soon as possible"; a working day is the longest that could mean, and
// an immediate risk is handled by phone long before then anyway.
const AckWithin = 24 * time.Hour

// CaseFacts is what the case queue and the quarterly report need to know
// about an incident: when it was raised, how it is classified (policy 1.4:
// the four Cs, and the incident type) and whether the risk was immediate.
type CaseFacts struct {
	ID        string
	Author    string // person id of whoever escalated
	Raised    time.Time
	Category  string // content, contact, conduct or commerce (1.4)
	Type      string
	Immediate bool
	SessionID string
}

// incidentFields is the part of an incident record the case queue reads.
// The incident flow (Annex 1) writes more; unknown fields are ignored so
// that it can grow without breaking the queue.
type incidentFields struct {
	ID        string    `json:"id"`
	Author    string    `json:"author"`
	CreatedAt time.Time `json:"created_at"`
	RaisedAt  time.Time `json:"raised_at"`
	Category  string    `json:"category"`
	Type      string    `json:"type"`
	Immediate bool      `json:"immediate_risk"`
	SessionID string    `json:"session_id"`
}

// DecodeCaseFacts reads the case facts from an incident record's payload.
// raised is the record's signed creation time, used when the payload has
// no time of its own.
func DecodeCaseFacts(body []byte, raised time.Time) (CaseFacts, error) {
	var f incidentFields
	if err := json.Unmarshal(body, &f); err != nil {
		return CaseFacts{}, fmt.Errorf("decode incident: %w", err)
	}
	at := f.RaisedAt
	if at.IsZero() {
		at = f.CreatedAt
	}
	if at.IsZero() {
		at = raised
	}
	return CaseFacts{ID: f.ID, Author: f.Author, Raised: at, Category: f.Category, Type: f.Type, Immediate: f.Immediate, SessionID: f.SessionID}, nil
}

// Referral is one referral made on a case.
type Referral struct {
	Agency Agency
	At     time.Time
}

// CaseStatus is an incident's case actions folded together.
type CaseStatus struct {
	Acknowledged   bool
	AcknowledgedAt time.Time
	Referrals      []Referral
	// NextMonitoring is the latest monitoring date set; zero if none.
	NextMonitoring time.Time
	// LastAction is the time of the most recent case action.
	LastAction time.Time
	Closed     bool
	ClosedAt   time.Time
	Outcome    string
}

// CaseOf folds an incident's case actions (any order) into its status.
func CaseOf(reviews []Review) CaseStatus {
	rs := slices.Clone(reviews)
	slices.SortStableFunc(rs, func(a, b Review) int { return a.At.Compare(b.At) })
	var c CaseStatus
	for _, r := range rs {
		switch r.Action {
		case CaseAcknowledged:
			if !c.Acknowledged {
				c.Acknowledged, c.AcknowledgedAt = true, r.At
			}
		case CaseReferral:
			c.Referrals = append(c.Referrals, Referral{Agency: r.Agency, At: r.At})
		case CaseMonitoring:
			c.NextMonitoring = r.Due
		case CaseClosed:
			c.Closed, c.ClosedAt, c.Outcome = true, r.At, r.Text
		default:
			continue
		}
		c.LastAction = r.At
	}
	return c
}

// TimeToAcknowledge is how long the escalation waited for the DSL; false if
// it has not been acknowledged.
func (c CaseStatus) TimeToAcknowledge(raised time.Time) (time.Duration, bool) {
	if !c.Acknowledged {
		return 0, false
	}
	return c.AcknowledgedAt.Sub(raised), true
}

// Overdue says what, if anything, is overdue on an open case at now: an
// acknowledgement later than AckWithin, or a monitoring date passed with
// no case action since. It returns "" when nothing is.
func (c CaseStatus) Overdue(raised, now time.Time) string {
	switch {
	case c.Closed:
		return ""
	case !c.Acknowledged && now.Sub(raised) > AckWithin:
		return "Not acknowledged"
	case !c.NextMonitoring.IsZero() && c.NextMonitoring.Before(startOfDay(now)) && !c.LastAction.After(c.NextMonitoring):
		return "Monitoring overdue"
	}
	return ""
}
