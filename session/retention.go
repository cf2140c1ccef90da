package session

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Records over their whole life (issue 16, sections 1 and 2): how long each
// record is kept, from what date, and what happens at the end, as data in
// the policy pack; every record's disposal date worked out from the
// schedule of the pack it was made under; and legal holds, which block
// disposal until lifted (holds.go).
//
// Annex 2 3.4 and 3.10 say records are kept "in line with usual GDPR
// requirements"; UK GDPR Art 5(1)(e) (storage limitation) says no longer
// than needed. The periods are not the policy's: each row cites where its
// figure comes from and says whether the organisation has confirmed it.

// RetentionSchedule is the pack's "retention" object: one row for each kind
// of record and each kind of subject it can be about.
type RetentionSchedule struct {
	// Clause is the policy's own word on keeping records (Annex 2 3.4,
	// 3.10).
	Clause Clause         `json:"clause"`
	Rows   []RetentionRow `json:"rows"`
}

// RetainedKind is a kind of record the schedule covers. Addenda and reviews
// belong to the record they are about and go with it.
type RetainedKind string

const (
	RetainSessionRecord RetainedKind = "session_record"
	RetainIncident      RetainedKind = "incident"
)

// RetainedKinds lists them in the order screens show them.
func RetainedKinds() []RetainedKind { return []RetainedKind{RetainSessionRecord, RetainIncident} }

// Label is the kind in plain words.
func (k RetainedKind) Label() string {
	switch k {
	case RetainSessionRecord:
		return "Session record"
	case RetainIncident:
		return "Incident"
	}
	return string(k)
}

// RecordSubject is what a record is about, for retention: a child, an adult
// at risk, another adult, or an allegation about a member of staff.
type RecordSubject string

const (
	SubjectChild           RecordSubject = "child"
	SubjectAdultAtRisk     RecordSubject = "adult_at_risk"
	SubjectAdult           RecordSubject = "adult"
	SubjectStaffAllegation RecordSubject = "staff_allegation"
)

// Label is the subject in plain words.
func (s RecordSubject) Label() string {
	switch s {
	case SubjectChild:
		return "a child"
	case SubjectAdultAtRisk:
		return "an adult at risk"
	case SubjectAdult:
		return "an adult"
	case SubjectStaffAllegation:
		return "an allegation about a member of staff"
	}
	return string(s)
}

// subjectsOf are the subjects a kind of record can have: a session record
// is about its customer; an incident is about its customer and may also be
// an allegation about a member of staff.
func subjectsOf(k RetainedKind) []RecordSubject {
	if k == RetainIncident {
		return []RecordSubject{SubjectChild, SubjectAdultAtRisk, SubjectAdult, SubjectStaffAllegation}
	}
	return []RecordSubject{SubjectChild, SubjectAdultAtRisk, SubjectAdult}
}

// RetentionStart is the date a period runs from.
type RetentionStart string

const (
	FromDateOfBirth RetentionStart = "date_of_birth"
	// FromClosure: the day the incident was closed. An open incident has
	// none yet, so no end either.
	FromClosure  RetentionStart = "closure"
	FromCreation RetentionStart = "creation"
)

// Label is the start in plain words.
func (s RetentionStart) Label() string {
	switch s {
	case FromDateOfBirth:
		return "date of birth"
	case FromClosure:
		return "closure"
	case FromCreation:
		return "the day it was made"
	}
	return string(s)
}

// RetentionEnd is what happens when the period ends.
type RetentionEnd string

const (
	// EndReview: the DSL looks at the record again and decides.
	EndReview RetentionEnd = "review"
	// EndDispose: the record is disposed of, unless held.
	EndDispose RetentionEnd = "dispose"
)

// RowStatus says whether the organisation has confirmed a row's figure.
type RowStatus string

const (
	ToConfirm RowStatus = "to_confirm"
	Confirmed RowStatus = "confirmed"
)

// RetentionRow is one line of the schedule.
type RetentionRow struct {
	ID      string         `json:"id"`
	Kind    RetainedKind   `json:"kind"`
	Subject RecordSubject  `json:"subject"`
	Years   int            `json:"years"`
	From    RetentionStart `json:"from"`
	// OrUntilRetirement: kept until the member of staff's normal retirement
	// age or Years, whichever is longer (allegations about staff). The
	// record does not hold their date of birth, so the date given is the
	// earliest the period can end, and the end is a review.
	OrUntilRetirement bool         `json:"or_until_retirement,omitempty"`
	Then              RetentionEnd `json:"then"`
	// Source is where the figure comes from: guidance, statute or the
	// organisation's own decision.
	Source string    `json:"source"`
	Status RowStatus `json:"status"`
}

// Describe is the row in plain words: "date of birth + 25 years, then
// review".
func (r RetentionRow) Describe() string {
	s := fmt.Sprintf("%s + %d years", r.From.Label(), r.Years)
	if r.OrUntilRetirement {
		s = fmt.Sprintf("the member of staff's normal retirement age or %d years from %s, whichever is longer", r.Years, r.From.Label())
	}
	return s + ", then " + string(r.Then)
}

// Row returns the schedule's row for a kind of record and a subject.
func (s *RetentionSchedule) Row(k RetainedKind, subj RecordSubject) (RetentionRow, bool) {
	if s == nil {
		return RetentionRow{}, false
	}
	for _, r := range s.Rows {
		if r.Kind == k && r.Subject == subj {
			return r, true
		}
	}
	return RetentionRow{}, false
}

// ToConfirm lists the rows the organisation has not yet confirmed.
func (s *RetentionSchedule) ToConfirm() []RetentionRow {
	if s == nil {
		return nil
	}
	var out []RetentionRow
	for _, r := range s.Rows {
		if r.Status != Confirmed {
			out = append(out, r)
		}
	}
	return out
}

// maxRetentionYears bounds a period: a typing slip (250 for 25) keeps a
// record for ever, which storage limitation forbids.
const maxRetentionYears = 100

func (s *RetentionSchedule) validate(v *validator) {
	if s == nil {
		// A pack written before retention was data: accepted, and every
		// record made under it is worked out with a later pack's schedule
		// (RetentionOf says so).
		return
	}
	v.clause("retention.clause", s.Clause)
	if len(s.Rows) == 0 {
		v.fail("retention.rows", "must list how long each kind of record is kept")
	}
	ids := map[string]bool{}
	seen := map[string]string{}
	for i, r := range s.Rows {
		f := fmt.Sprintf("retention.rows[%d]", i)
		v.id(f+".id", r.ID, ids)
		kindOK := slices.Contains(RetainedKinds(), r.Kind)
		if !kindOK {
			v.fail(f+".kind", fmt.Sprintf("%q is not a kind of record (use session_record or incident)", r.Kind))
		}
		switch r.Subject {
		case SubjectChild, SubjectAdultAtRisk, SubjectAdult, SubjectStaffAllegation:
			if kindOK && !slices.Contains(subjectsOf(r.Kind), r.Subject) {
				v.fail(f+".subject", "an allegation about a member of staff is an incident, never a session record")
			}
		default:
			v.fail(f+".subject", fmt.Sprintf("%q is not a subject (use child, adult_at_risk, adult or staff_allegation)", r.Subject))
		}
		key := string(r.Kind) + "/" + string(r.Subject)
		if other, ok := seen[key]; ok {
			v.fail(f+".subject", fmt.Sprintf("row %q already covers %s records about %s; keep one row each", other, r.Kind, r.Subject.Label()))
		}
		seen[key] = r.ID
		if r.Years < 1 || r.Years > maxRetentionYears {
			v.fail(f+".years", fmt.Sprintf("must be between 1 and %d", maxRetentionYears))
		}
		switch r.From {
		case FromCreation:
		case FromClosure:
			if r.Kind != RetainIncident {
				v.fail(f+".from", "only an incident is closed; a session record runs from creation")
			}
		case FromDateOfBirth:
			if r.Subject == SubjectStaffAllegation {
				v.fail(f+".from", "the record does not hold the member of staff's date of birth; use creation (the date of the allegation)")
			}
		default:
			v.fail(f+".from", `must be "date_of_birth", "closure" or "creation"`)
		}
		if r.OrUntilRetirement && r.Subject != SubjectStaffAllegation {
			v.fail(f+".or_until_retirement", "applies only to allegations about a member of staff")
		}
		switch r.Then {
		case EndReview:
		case EndDispose:
			if r.OrUntilRetirement {
				v.fail(f+".then", `must be "review": the member of staff's retirement date is not in the record, so the end must be checked before anything is disposed of`)
			}
		default:
			v.fail(f+".then", `must be "review" or "dispose"`)
		}
		if strings.TrimSpace(r.Source) == "" {
			v.fail(f+".source", "must cite where the period comes from (guidance, statute or the organisation's decision)")
		}
		if r.Status != ToConfirm && r.Status != Confirmed {
			v.fail(f+".status", `must be "to_confirm" or "confirmed" (by the organisation)`)
		}
	}
	for _, k := range RetainedKinds() {
		for _, subj := range subjectsOf(k) {
			if _, ok := seen[string(k)+"/"+string(subj)]; !ok {
				v.fail("retention.rows", fmt.Sprintf("has no row for %s records about %s: every record needs a date", k, subj.Label()))
			}
		}
	}
}

// RetentionFacts are what the schedule reads from a record: never its
// content beyond who it is about and its dates.
type RetentionFacts struct {
	RecordID string
	Kind     RetainedKind
	// PackID and PackVersion name the pack the record was made under,
	// whose schedule decides.
	PackID, PackVersion string
	Customer            Customer
	// Made is when the record was made: a session record's signing, an
	// incident's raising (the date of an allegation).
	Made time.Time
	// Closed is when an incident was closed; zero while it is open.
	Closed time.Time
	// StaffAllegation: the incident is about a member of staff or a
	// volunteer (the other party's relationship).
	StaffAllegation bool
	// Cases are the incidents the record belongs to: an incident's own id,
	// a session record's escalations; for legal holds on a case.
	Cases []string
	// SessionID is the session an incident was raised from.
	SessionID string
}

// SessionRetentionFacts reads a signed session record.
func SessionRetentionFacts(d Document) RetentionFacts {
	made := d.SignedAt
	if made.IsZero() {
		made = d.CreatedAt
	}
	f := RetentionFacts{RecordID: d.ID, Kind: RetainSessionRecord, PackID: d.PackID, PackVersion: d.PackVersion,
		Customer: d.Plan.Customer, Made: made}
	for _, inc := range d.Incidents {
		f.Cases = append(f.Cases, inc.ID)
	}
	return f
}

// IncidentRetentionFacts reads an incident as it stands (its latest
// version, which carries its closure).
func IncidentRetentionFacts(d IncidentDocument) RetentionFacts {
	f := RetentionFacts{RecordID: d.ID, Kind: RetainIncident, PackID: d.PackID, PackVersion: d.PackVersion,
		Customer: d.Subject, Made: d.RaisedAt, Cases: []string{d.ID}, SessionID: d.Origin.SessionID}
	if d.Status == IncidentClosed {
		f.Closed = d.ClosedAt
	}
	if op := d.Circumstances.OtherParty; op != nil && op.Relationship == RelStaff {
		f.StaffAllegation = true
	}
	return f
}

// Subjects are the schedule's subjects the record is about: its customer
// (a child when under 18 on the day it was made, or when their age is not
// recorded, the longest keeping; else an adult at risk or an adult), and
// for an incident about a member of staff, the allegation as well.
func (f RetentionFacts) Subjects() []RecordSubject {
	var out []RecordSubject
	age, known := f.Customer.AgeOn(f.Made)
	switch {
	case !known || age < 18:
		out = append(out, SubjectChild)
	case f.Customer.AdultAtRisk:
		out = append(out, SubjectAdultAtRisk)
	default:
		out = append(out, SubjectAdult)
	}
	if f.StaffAllegation && f.Kind == RetainIncident {
		out = append(out, SubjectStaffAllegation)
	}
	return out
}

// Retention is when a record's retention ends and what happens then.
type Retention struct {
	// Rows are the schedule's rows that apply; Row is the one that sets
	// Due (the latest), or the one still waiting for its start date.
	Rows []RetentionRow
	Row  RetentionRow
	// Start is the date Row's period runs from; Due is when it ends. Both
	// are zero while the start is not yet known (an open incident).
	Start, Due time.Time
	// Then is review if any applying row says review: disposing of a
	// record one row says to look at again would skip that look.
	Then RetentionEnd
	// Estimated: Due rests on an estimate (date of birth not recorded);
	// Notes say so, and what else the DSL must know, in words.
	Estimated bool
	Notes     []string
	// PackVersion is the pack whose schedule was used; OtherPack is set
	// when it is not the one the record was made under.
	PackVersion string
	OtherPack   bool
	// ToConfirm: a row used is not yet confirmed by the organisation.
	ToConfirm bool
}

// Known reports whether the end date is known yet.
func (r Retention) Known() bool { return !r.Due.IsZero() }

// ErrNoSchedule: no pack on this device sets a retention schedule.
var ErrNoSchedule = errors.New("no policy pack on this device sets a retention schedule: publish a pack with a \"retention\" object")

// RetentionOf works out when a record's retention ends, from the schedule
// of the pack it was made under. packs are the packs this device holds,
// the one in force now first; when the record's own pack is not among them
// (or sets no schedule), the first with a schedule is used and the result
// says so. Dates are calendar days in the pack's time zone.
func RetentionOf(packs []*Pack, f RetentionFacts) (Retention, error) {
	pack, other := scheduleFor(packs, f.PackID, f.PackVersion)
	if pack == nil {
		return Retention{}, ErrNoSchedule
	}
	loc := pack.Location()
	out := Retention{PackVersion: pack.Version, OtherPack: other, Then: EndDispose}
	if other {
		out.Notes = append(out.Notes, fmt.Sprintf("Worked out with the schedule of policy pack %s: the pack this record was made under (%s) sets none on this device.", pack.Version, f.PackVersion))
	}
	pending := false
	for _, subj := range f.Subjects() {
		row, ok := pack.Retention.Row(f.Kind, subj)
		if !ok {
			// Validate makes a schedule complete; a gap is a defect, and
			// keeping is the safe side of it.
			return Retention{}, fmt.Errorf("retention: policy pack %s has no row for %s records about %s", pack.Version, f.Kind, subj.Label())
		}
		out.Rows = append(out.Rows, row)
		if row.Then == EndReview {
			out.Then = EndReview
		}
		if row.Status != Confirmed {
			out.ToConfirm = true
		}
		start, estimated, note, ok := startOf(row, f, loc)
		if note != "" {
			out.Notes = append(out.Notes, note)
		}
		if row.OrUntilRetirement {
			out.Notes = append(out.Notes, "Or until the member of staff's normal retirement age, if that is later: the record does not hold it, so check it at review.")
		}
		if !ok {
			pending = true
			out.Row = row
			continue
		}
		due := addYears(start, row.Years)
		if !pending && (out.Due.IsZero() || due.After(out.Due)) {
			out.Row, out.Start, out.Due, out.Estimated = row, start, due, estimated
		}
	}
	if pending {
		// One period has not started: the record is kept at least until it
		// has, whatever the others say.
		out.Start, out.Due, out.Estimated = time.Time{}, time.Time{}, false
	}
	return out, nil
}

// scheduleFor picks the pack whose schedule applies: the record's own, or
// the first that has one.
func scheduleFor(packs []*Pack, id, version string) (*Pack, bool) {
	for _, p := range packs {
		if p != nil && p.ID == id && p.Version == version && p.Retention != nil {
			return p, false
		}
	}
	for _, p := range packs {
		if p != nil && p.Retention != nil {
			return p, true
		}
	}
	return nil, false
}

// startOf is the date a row's period runs from, for this record: whether
// it is an estimate, a note in words, and whether it is known at all.
func startOf(row RetentionRow, f RetentionFacts, loc *time.Location) (time.Time, bool, string, bool) {
	switch row.From {
	case FromClosure:
		if f.Closed.IsZero() {
			return time.Time{}, false, "Runs from closure: the incident is still open, so it has no end date yet.", false
		}
		return dayOf(f.Closed, loc), false, "", true
	case FromDateOfBirth:
		c := f.Customer
		if !c.DateOfBirth.IsZero() {
			// A date of birth is a calendar date, whatever zone it was
			// written in.
			y, m, d := c.DateOfBirth.Date()
			return time.Date(y, m, d, 0, 0, 0, 0, loc), false, "", true
		}
		made := dayOf(f.Made, loc)
		if c.Age > 0 {
			// Aged Age on the day the record was made: born at the latest
			// Age years before it. The latest birth gives the latest end,
			// so an estimate never disposes of a record early.
			return made.AddDate(-c.Age, 0, 0), true, fmt.Sprintf("Estimated: the date of birth is not recorded, so it is taken from the age (%d) on %s, the latest it could be.", c.Age, made.Format("2 January 2006")), true
		}
		return made, true, fmt.Sprintf("Estimated: neither date of birth nor age is recorded, so it counts from %s, the latest a date of birth could be.", made.Format("2 January 2006")), true
	}
	return dayOf(f.Made, loc), false, "", true
}

// dayOf is midnight at the start of t's day in loc.
func dayOf(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// addYears adds whole years to a calendar date. 29 February in a year
// without one becomes 1 March: never earlier than the anniversary, and the
// day a person born on 29 February reaches an age in a common year in
// English law.
func addYears(day time.Time, years int) time.Time {
	return time.Date(day.Year()+years, day.Month(), day.Day(), 0, 0, 0, 0, day.Location())
}

// Describe is the retention in plain words, for the record's own screen:
// "Review on 3 March 2051 (date of birth + 25 years; IRMS ...)."
func (r Retention) Describe() string {
	var b strings.Builder
	switch {
	case r.Known():
		verb := "Review"
		if r.Then == EndDispose {
			verb = "Dispose of it"
		}
		fmt.Fprintf(&b, "%s on %s: %s (%s).", verb, r.Due.Format("2 January 2006"), r.Row.Describe(), r.Row.Source)
	case r.Row.ID != "":
		fmt.Fprintf(&b, "No date yet: %s (%s).", r.Row.Describe(), r.Row.Source)
	}
	for _, n := range r.Notes {
		b.WriteString(" " + n)
	}
	if r.ToConfirm {
		b.WriteString(" The period is still to be confirmed by the organisation.")
	}
	return b.String()
}

// DueWhen is when a record falls due, for the DSL's list.
type DueWhen int

const (
	// DueOverdue: the end date has passed and the record is still here.
	DueOverdue DueWhen = iota
	// DueThisMonth: from today to the end of this calendar month.
	DueThisMonth
	// DueNextQuarter: the three calendar months after this one.
	DueNextQuarter
	DueLater
	// DueNotKnown: no end date yet (an open incident).
	DueNotKnown
)

// Label is the window in plain words.
func (w DueWhen) Label() string {
	switch w {
	case DueOverdue:
		return "Past its date"
	case DueThisMonth:
		return "Due this month"
	case DueNextQuarter:
		return "Due in the next three months"
	case DueLater:
		return "Due later"
	}
	return "No date yet"
}

// DueWindow says where a due date falls as seen at now, in loc.
func DueWindow(due, now time.Time, loc *time.Location) DueWhen {
	if due.IsZero() {
		return DueNotKnown
	}
	today := dayOf(now, loc)
	d := dayOf(due, loc)
	nextMonth := time.Date(today.Year(), today.Month()+1, 1, 0, 0, 0, 0, loc)
	switch {
	case d.Before(today):
		return DueOverdue
	case d.Before(nextMonth):
		return DueThisMonth
	case d.Before(nextMonth.AddDate(0, 3, 0)):
		return DueNextQuarter
	}
	return DueLater
}
