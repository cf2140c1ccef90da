// Package report builds the DSL's quarterly online-safety report for the
// Board (policy 6.1.1, 9.1) from records already verified and decrypted in
// memory, and exports it as PDF and CSV. It is pure Go apart from the PDF
// library: every figure's meaning is decided here, not on a screen.
package report

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"safeguard/companion/session"
)

// Quarter is a calendar quarter in the organisation's time zone: Q1 is
// January to March. Boards in the sector meet quarterly on calendar
// quarters; an organisation on a financial year reads Q2 as its Q1.
type Quarter struct {
	Year int
	Q    int // 1..4
}

// QuarterOf is the quarter holding t, in loc.
func QuarterOf(t time.Time, loc *time.Location) Quarter {
	l := t.In(loc)
	return Quarter{Year: l.Year(), Q: (int(l.Month())-1)/3 + 1}
}

// Start is the first instant of the quarter in loc.
func (q Quarter) Start(loc *time.Location) time.Time {
	return time.Date(q.Year, time.Month(3*(q.Q-1)+1), 1, 0, 0, 0, 0, loc)
}

// End is the first instant after the quarter, in loc.
func (q Quarter) End(loc *time.Location) time.Time { return q.Next().Start(loc) }

// Contains reports whether t falls in the quarter.
func (q Quarter) Contains(t time.Time, loc *time.Location) bool {
	return !t.Before(q.Start(loc)) && t.Before(q.End(loc))
}

// Prev is the quarter before.
func (q Quarter) Prev() Quarter {
	if q.Q == 1 {
		return Quarter{q.Year - 1, 4}
	}
	return Quarter{q.Year, q.Q - 1}
}

// Next is the quarter after.
func (q Quarter) Next() Quarter {
	if q.Q == 4 {
		return Quarter{q.Year + 1, 1}
	}
	return Quarter{q.Year, q.Q + 1}
}

func (q Quarter) String() string { return fmt.Sprintf("Q%d %d", q.Q, q.Year) }

// Months names the quarter's months, as in "July to September 2026".
func (q Quarter) Months() string {
	first := time.Month(3*(q.Q-1) + 1)
	return fmt.Sprintf("%s to %s %d", first, first+2, q.Year)
}

// Input is everything the report is built from: the signed session records
// and incidents the DSL can read, decrypted in memory, each incident folded
// to its latest genuine version (records.Index.Input). Pack names the incident
// types, categories and referral routes.
type Input struct {
	Sessions []session.Document
	// Shared are the session facts line managers sent the reader
	// (Contribution): how a DSL, who cannot read session records, reports
	// on sessions. A session the reader can also read counts once.
	Shared    []SessionFacts
	Incidents []session.IncidentDocument
	Pack      *session.Pack
	// Disposals are the records disposed of (from their signed
	// tombstones); KeptDue the retention dates (after any extension) of
	// the records still kept (retention.go).
	Disposals []Disposal
	KeptDue   []time.Time
	// SARs are the subject access requests' dates.
	SARs []SARFacts
}

// Count is one bar of a breakdown.
type Count struct {
	Key   string
	Label string
	N     int
}

// Figures are one quarter's numbers. Each field's comment is its
// definition, the one the Board is told.
type Figures struct {
	Quarter Quarter
	// Sessions held: signed session records whose session started in the
	// quarter (the first live segment, or the planned start).
	Sessions int
	// RiskAssessed: sessions whose risk assessment allowed them to go ahead
	// and was completed before they started (Annex 2 3.2).
	RiskAssessed int
	// Mitigated: of those, how many went ahead with recorded mitigations.
	Mitigated int
	// Consented: sessions with a recorded consent reply (Annex 2 1.3.6);
	// NoConsent went ahead on a recorded reason instead.
	Consented, NoConsent int
	// Overruns: sessions run past their planned length, each with its
	// recorded reason (Annex 2 3.3).
	Overruns       int
	OverrunReasons []string
	Disclosures    int
	// Escalations: incidents raised (the one click) in the quarter, by the
	// four Cs (1.4) and by type, with the policy pack's names.
	Escalations int
	ByCategory  []Count
	ByType      []Count
	// Acknowledged: incidents raised in the quarter that the DSL has
	// acknowledged; AckMedian and AckMax are how long that took (from the
	// one click to the acknowledgement, Incident.TimeToAcknowledge), AckLate
	// how many took longer than session.AckWithin.
	Acknowledged      int
	AckMedian, AckMax time.Duration
	AckLate           int
	// Referrals made (their ReferredAt) in the quarter, by the agency each
	// route names.
	Referrals int
	// PoliceNotReferred: the DSL's decisions, made in the quarter, not to
	// refer an aggravated nudes incident to the police, which policy 3.4.7
	// says "should always be referred" (session.Pack.AggravatedNotReferred).
	PoliceNotReferred int
	ByAgency          []Count
	CasesOpened       int // incidents raised in the quarter
	CasesClosed       int // cases closed in the quarter, whenever raised
	CasesOpenAtEnd    int // raised before the quarter ended and not closed by then
	// Disposed: records disposed of at the end of their retention, by the
	// day the DSL approved it; DisposedList names them. PastDueAtEnd:
	// records past their retention date at the quarter's end and still
	// kept (retention.go).
	Disposed     int
	DisposedList []Disposal
	PastDueAtEnd int
	// Subject access requests answered in the quarter, how many by their
	// due day (UK GDPR Art 12(3)), and how many open and overdue at the
	// quarter's end.
	SARsAnswered, SARsOnTime, SARsOverdueAtEnd int
	// Shared: information shared with other agencies in the quarter (each
	// with what, with whom, why and its basis); SharedWithoutConsent, of
	// those, shared without consent.
	Shared, SharedWithoutConsent int
}

// Report is the quarter's figures beside the previous quarter's.
type Report struct {
	Organisation string
	Current      Figures
	Previous     Figures
	Generated    time.Time
	Location     *time.Location
}

// Build computes the report for quarter q. Times are read in loc (the
// organisation's time zone); now is when it was generated.
func Build(in Input, q Quarter, loc *time.Location, now time.Time) Report {
	return Report{Current: figures(in, q, loc), Previous: figures(in, q.Prev(), loc), Generated: now, Location: loc}
}

// sessionStart is when a session began: its first live segment, else its
// planned start.
func sessionStart(d session.Document) time.Time {
	if len(d.Segments) > 0 && !d.Segments[0].From.IsZero() {
		return d.Segments[0].From
	}
	return d.Plan.Start
}

func figures(in Input, q Quarter, loc *time.Location) Figures {
	f := Figures{Quarter: q}
	count := func(b bool, n *int) {
		if b {
			*n++
		}
	}
	for _, s := range in.facts() {
		if !q.Contains(s.Start, loc) {
			continue
		}
		f.Sessions++
		count(s.RiskAssessed, &f.RiskAssessed)
		count(s.Mitigated, &f.Mitigated)
		count(s.Consented, &f.Consented)
		count(s.NoConsent, &f.NoConsent)
		count(s.Disclosure, &f.Disclosures)
		if s.Overrun {
			f.Overruns++
			f.OverrunReasons = append(f.OverrunReasons, s.OverrunReason)
		}
	}
	slices.Sort(f.OverrunReasons)

	cats, types, agencies := map[string]int{}, map[string]int{}, map[string]int{}
	var acks []time.Duration
	end := q.End(loc)
	for _, d := range in.Incidents {
		if q.Contains(d.RaisedAt, loc) {
			f.Escalations++
			f.CasesOpened++
			cats[d.Category]++
			types[d.Type]++
			if !d.AcknowledgedAt.IsZero() {
				wait := d.AcknowledgedAt.Sub(d.RaisedAt)
				acks = append(acks, wait)
				if d.AckLate(d.AcknowledgedAt) {
					f.AckLate++
				}
			}
		}
		for _, r := range d.Referrals {
			if q.Contains(r.ReferredAt, loc) {
				f.Referrals++
				agencies[string(agencyOf(in.Pack, r.RouteID))]++
			}
		}
		if in.Pack != nil {
			for _, dec := range in.Pack.AggravatedNotReferred(d) {
				if q.Contains(dec.At, loc) {
					f.PoliceNotReferred++
				}
			}
		}
		closed := d.Status == session.IncidentClosed
		if closed && q.Contains(d.ClosedAt, loc) {
			f.CasesClosed++
		}
		if d.RaisedAt.Before(end) && (!closed || !d.ClosedAt.Before(end)) {
			f.CasesOpenAtEnd++
		}
	}
	f.Acknowledged = len(acks)
	if len(acks) > 0 {
		slices.Sort(acks)
		f.AckMedian = median(acks)
		f.AckMax = acks[len(acks)-1]
	}
	var catOrder []string
	if in.Pack != nil {
		for _, c := range in.Pack.Incident.Categories {
			catOrder = append(catOrder, c.ID)
		}
	}
	f.ByCategory = counts(cats, catOrder, func(k string) string { return CategoryLabel(in.Pack, k) })
	f.ByType = counts(types, nil, func(k string) string { return TypeLabel(in.Pack, k) })
	var agencyOrder []string
	for _, a := range session.Agencies() {
		agencyOrder = append(agencyOrder, string(a))
	}
	f.ByAgency = counts(agencies, agencyOrder, func(k string) string { return session.Agency(k).Label() })
	retentionFigures(&f, in, q, loc)
	sarFigures(&f, in, q, loc)
	sharingFigures(&f, in, q, loc)
	return f
}

// agencyOf is the agency a referral route counts under; a route the pack
// no longer has counts as another agency rather than vanishing.
func agencyOf(pack *session.Pack, routeID string) session.Agency {
	if pack != nil {
		if r, ok := pack.Route(routeID); ok {
			return r.Agency
		}
	}
	return session.AgencyOther
}

// median of sorted durations; the mean of the middle two for an even count.
func median(sorted []time.Duration) time.Duration {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// counts turns a tally into bars: the fixed keys first, in their order and
// even when zero (so a quarter with no "commerce" still shows the bar),
// then any other keys by count.
func counts(m map[string]int, fixed []string, label func(string) string) []Count {
	var out []Count
	for _, k := range fixed {
		out = append(out, Count{Key: k, Label: label(k), N: m[k]})
	}
	var rest []Count
	for k, n := range m {
		if !slices.Contains(fixed, k) {
			rest = append(rest, Count{Key: k, Label: label(k), N: n})
		}
	}
	slices.SortFunc(rest, func(a, b Count) int {
		return cmp.Or(cmp.Compare(b.N, a.N), cmp.Compare(a.Key, b.Key))
	})
	return append(out, rest...)
}

// CategoryLabel names one of the four Cs as the policy pack does.
func CategoryLabel(pack *session.Pack, id string) string {
	if id == "" {
		return "Not classified"
	}
	if pack != nil {
		if c, ok := pack.IncidentCategory(id); ok {
			return c.Label
		}
	}
	return id
}

// TypeLabel names an incident type as the policy pack does, so the Board
// reads "Online predators and grooming", not an id.
func TypeLabel(pack *session.Pack, id string) string {
	if id == "" {
		return "Not classified"
	}
	if pack != nil {
		if t, ok := pack.IncidentType(id); ok {
			return t.Label
		}
	}
	return id
}

// Percent is n of total as a whole percentage, "–" when there is no total.
func Percent(n, total int) string {
	if total == 0 {
		return "-"
	}
	return fmt.Sprintf("%d%%", (n*100+total/2)/total)
}

// Hours writes a duration for the Board: minutes under an hour, else hours
// to one decimal place.
func Hours(d time.Duration) string {
	if d < time.Hour {
		return fmt.Sprintf("%d min", int(d.Round(time.Minute)/time.Minute))
	}
	return fmt.Sprintf("%.1f h", d.Hours())
}

// Row is one line of the headline table.
type Row struct {
	Measure  string
	Current  string
	Previous string
	// Change against the previous quarter, with its sign; "" where a change
	// means nothing.
	Change string
}

// Rows are the headline figures, as the screen, PDF and CSV show them.
func (r Report) Rows() []Row {
	c, p := r.Current, r.Previous
	num := func(label string, a, b int) Row {
		return Row{label, fmt.Sprint(a), fmt.Sprint(b), change(a, b)}
	}
	pct := func(label string, a, at, b, bt int) Row {
		return Row{label, fmt.Sprintf("%d (%s)", a, Percent(a, at)), fmt.Sprintf("%d (%s)", b, Percent(b, bt)), pointsChange(a, at, b, bt)}
	}
	dur := func(label string, a, b time.Duration, an, bn int) Row {
		s := func(d time.Duration, n int) string {
			if n == 0 {
				return "-"
			}
			return Hours(d)
		}
		return Row{label, s(a, an), s(b, bn), ""}
	}
	return append([]Row{
		num("Sessions held", c.Sessions, p.Sessions),
		pct("Risk assessment completed before the session", c.RiskAssessed, c.Sessions, p.RiskAssessed, p.Sessions),
		pct("Consent recorded", c.Consented, c.Sessions, p.Consented, p.Sessions),
		pct("Went ahead without recorded consent", c.NoConsent, c.Sessions, p.NoConsent, p.Sessions),
		pct("Overruns (each with a reason)", c.Overruns, c.Sessions, p.Overruns, p.Sessions),
		num("Disclosures", c.Disclosures, p.Disclosures),
		num("Escalations (incidents raised)", c.Escalations, p.Escalations),
		dur("Time to acknowledge, median", c.AckMedian, p.AckMedian, c.Acknowledged, p.Acknowledged),
		dur("Time to acknowledge, longest", c.AckMax, p.AckMax, c.Acknowledged, p.Acknowledged),
		num("Acknowledged later than 24 hours", c.AckLate, p.AckLate),
		num("Referrals to agencies", c.Referrals, p.Referrals),
		num("Aggravated nudes: no police referral (3.4.7)", c.PoliceNotReferred, p.PoliceNotReferred),
		num("Cases closed", c.CasesClosed, p.CasesClosed),
		num("Cases open at quarter end", c.CasesOpenAtEnd, p.CasesOpenAtEnd),
	}, r.retentionRows()...)
}

func change(a, b int) string {
	switch {
	case a == b:
		return "no change"
	case a > b:
		return fmt.Sprintf("+%d", a-b)
	}
	return fmt.Sprintf("-%d", b-a)
}

// pointsChange is the change in a rate, in percentage points.
func pointsChange(a, at, b, bt int) string {
	if at == 0 || bt == 0 {
		return ""
	}
	d := (a*1000/at - b*1000/bt + 5*sign(a*1000/at-b*1000/bt)) / 10
	if d == 0 {
		return "no change"
	}
	return fmt.Sprintf("%+d pts", d)
}

func sign(n int) int {
	switch {
	case n > 0:
		return 1
	case n < 0:
		return -1
	}
	return 0
}

// CaseLabel names an incident's classification, as in "Contact: Online
// predators and grooming".
func CaseLabel(pack *session.Pack, d session.IncidentDocument) string {
	if d.Type == "" {
		return "Not classified yet"
	}
	return CategoryLabel(pack, d.Category) + ": " + TypeLabel(pack, d.Type)
}
