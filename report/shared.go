package report

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"safeguard/companion/session"
)

// SessionFacts are what the quarterly report counts about one signed
// session: when it started and yes-or-no facts, plus the overrun reason the
// Board reads. They carry no names, no customer reference and no record
// content, so a line manager can share them with the DSLs, who cannot read
// session records themselves (see Contribution).
type SessionFacts struct {
	// ID is the session record's id, so that facts about one session
	// shared by two managers (a practitioner with two) count once.
	ID    string    `json:"id"`
	Start time.Time `json:"start"`
	// RiskAssessed: the risk assessment allowed the session and was
	// completed before it started (Annex 2 3.2); Mitigated: it went ahead
	// with recorded mitigations.
	RiskAssessed bool `json:"risk_assessed"`
	Mitigated    bool `json:"mitigated"`
	// Consented: a consent reply was recorded (Annex 2 1.3.6); NoConsent:
	// it went ahead on a recorded reason instead.
	Consented bool `json:"consented"`
	NoConsent bool `json:"no_consent"`
	// Overrun: it ran past its planned length (Annex 2 3.3), for the
	// recorded OverrunReason.
	Overrun       bool   `json:"overrun"`
	OverrunReason string `json:"overrun_reason,omitempty"`
	Disclosure    bool   `json:"disclosure"`
}

// FactsOf gives a session record's facts; ok is false for a session that
// was not signed, which the report does not count.
func FactsOf(d session.Document) (f SessionFacts, ok bool) {
	if d.State != session.Signed {
		return SessionFacts{}, false
	}
	start := sessionStart(d)
	f = SessionFacts{ID: d.ID, Start: start}
	if d.Outcome.MayProceed() && !d.Assessment.AssessedAt.IsZero() && !d.Assessment.AssessedAt.After(start) {
		f.RiskAssessed = true
		f.Mitigated = d.Outcome == session.ProceedWithMitigations
	}
	if d.Consent != nil {
		f.Consented = d.Consent.Given()
		f.NoConsent = !f.Consented
	}
	fl := d.Flags()
	if fl.Overrun {
		f.Overrun, f.OverrunReason = true, d.OverrunReason
	}
	f.Disclosure = fl.Disclosure
	return f, true
}

// Contribution is a line manager's session figures for one quarter, sent
// signed and encrypted to the DSLs (crypto.KindFigures) so that the DSL's
// quarterly report to the Board covers sessions as well as incidents
// (policy 9.1: the Online Safety Group of the DSL and functional managers).
type Contribution struct {
	Year    int            `json:"year"`
	Q       int            `json:"quarter"`
	SentAt  time.Time      `json:"sent_at"`
	Facts   []SessionFacts `json:"sessions"`
	Version int            `json:"v"`
}

// contributionVersion is the Contribution format this code writes and reads.
const contributionVersion = 1

// Quarter is the quarter the contribution covers.
func (c Contribution) Quarter() Quarter { return Quarter{Year: c.Year, Q: c.Q} }

// NewContribution gathers the facts of the signed session records in in
// that started in quarter q: the sender's own reading only, never figures
// others shared with them.
func NewContribution(in Input, q Quarter, loc *time.Location, now time.Time) Contribution {
	c := Contribution{Year: q.Year, Q: q.Q, SentAt: now, Version: contributionVersion}
	for _, f := range (Input{Sessions: in.Sessions}).facts() {
		if q.Contains(f.Start, loc) {
			c.Facts = append(c.Facts, f)
		}
	}
	return c
}

// Check refuses a contribution this code would not have written.
func (c Contribution) Check() error {
	switch {
	case c.Version != contributionVersion:
		return fmt.Errorf("session figures in an unknown format (version %d)", c.Version)
	case c.Q < 1 || c.Q > 4 || c.Year < 2000 || c.Year > 3000:
		return fmt.Errorf("session figures for no quarter (%d Q%d)", c.Year, c.Q)
	}
	for _, f := range c.Facts {
		if f.ID == "" || f.Start.IsZero() {
			return fmt.Errorf("session figures with a session missing its id or start")
		}
	}
	return nil
}

// Received is a contribution as it reached the reader: From is the
// sender's person id.
type Received struct {
	From    string
	Figures Contribution
}

// SharedFacts are the session facts the reader counts from the figures
// received (policy 9.1): each sender's latest figures for a quarter stand
// for that quarter, so a manager who sends again (a late record signed)
// replaces, not adds; and a quarter's figures speak for that quarter only.
func SharedFacts(received []Received, loc *time.Location) []SessionFacts {
	latest := map[string]Contribution{}
	for _, r := range received {
		k := fmt.Sprintf("%s/%d-%d", r.From, r.Figures.Year, r.Figures.Q)
		if old, ok := latest[k]; !ok || r.Figures.SentAt.After(old.SentAt) {
			latest[k] = r.Figures
		}
	}
	var out []SessionFacts
	for _, k := range slices.Sorted(maps.Keys(latest)) {
		c := latest[k]
		for _, f := range c.Facts {
			if c.Quarter().Contains(f.Start, loc) {
				out = append(out, f)
			}
		}
	}
	return out
}

// facts are the facts of every session the input holds: its own signed
// session records first, then those shared with it, each session once.
func (in Input) facts() []SessionFacts {
	var out []SessionFacts
	seen := map[string]bool{}
	for _, d := range in.Sessions {
		if f, ok := FactsOf(d); ok && !seen[f.ID] {
			seen[f.ID] = true
			out = append(out, f)
		}
	}
	for _, f := range in.Shared {
		if !seen[f.ID] {
			seen[f.ID] = true
			out = append(out, f)
		}
	}
	slices.SortStableFunc(out, func(a, b SessionFacts) int { return a.Start.Compare(b.Start) })
	return out
}

// SharedOnly counts the sessions known only from figures others shared:
// those the reader cannot also read as session records.
func (in Input) SharedOnly() int {
	own := map[string]bool{}
	for _, d := range in.Sessions {
		own[d.ID] = true
	}
	seen := map[string]bool{}
	for _, f := range in.Shared {
		if !own[f.ID] {
			seen[f.ID] = true
		}
	}
	return len(seen)
}
