package session

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Subject access requests (issue 16 section 3). A DSL opens a request for
// a customer reference; its clock runs from the day it was received: due
// one calendar month later (UK GDPR Art 12(3)), extendable by up to two
// further months where the request is complex or numerous, if the
// requester is told, with the reasons, within the first month (Art
// 12(3)); answered when the disclosure pack is sent. Every step is a signed
// record of its own (crypto.KindSubjectAccess), folded here.
//
// How the month is counted follows the ICO's guidance on the right of
// access ("Time limits for responding"): the period starts on the day the
// request is received and ends on the corresponding calendar date of the
// next month, or on the last day of that month when it has no such date.

// SARAction is what a request record does.
type SARAction string

const (
	SAROpened   SARAction = "open"
	SARExtended SARAction = "extend"
	SARAnswered SARAction = "answer"
)

// SAREvent is one signed step of a request.
type SAREvent struct {
	ID        string    `json:"id"`
	RequestID string    `json:"request_id"`
	Action    SARAction `json:"action"`
	// Ref is the customer reference the request is about (open).
	Ref string `json:"ref,omitempty"`
	// Received is the day the request reached the organisation (open).
	Received time.Time `json:"received,omitzero"`
	// Until and Notified: the new due date, and when the requester was
	// told of the extension and why (extend).
	Until    time.Time `json:"until,omitzero"`
	Notified time.Time `json:"notified,omitzero"`
	Reason   string    `json:"reason,omitempty"`
	By       string    `json:"by"`
	At       time.Time `json:"at"`
}

// ParentRecordID makes a later step name the opening as its parent.
func (e SAREvent) ParentRecordID() string {
	if e.Action == SAROpened {
		return ""
	}
	return e.RequestID
}

// SubjectAccessRequest is a request as it stands.
type SubjectAccessRequest struct {
	ID       string
	Ref      string
	Received time.Time
	OpenedBy string
	// Due is one calendar month from receipt; ExtendedTo, when set, the
	// extended date, with when the requester was told and why.
	Due        time.Time
	ExtendedTo time.Time
	Notified   time.Time
	Reason     string
	Answered   time.Time
	AnsweredBy string
}

// DueBy is the date the answer is due now: the extended date, if any.
func (r SubjectAccessRequest) DueBy() time.Time {
	if !r.ExtendedTo.IsZero() {
		return r.ExtendedTo
	}
	return r.Due
}

// Open reports whether the request still waits for its answer.
func (r SubjectAccessRequest) Open() bool { return r.Answered.IsZero() }

// Overdue reports whether, at now, the request is open past the end of its
// due day, or was answered after it.
func (r SubjectAccessRequest) Overdue(now time.Time) bool {
	end := r.DueBy().AddDate(0, 0, 1) // the whole due day counts
	if r.Open() {
		return !now.Before(end)
	}
	return !r.Answered.Before(end)
}

// AddCalendarMonths is day plus n calendar months, as the ICO counts: the
// corresponding date, or the last day of the month when it has none (31
// January + 1 month is 28 or 29 February).
func AddCalendarMonths(day time.Time, n int) time.Time {
	y, m, d := day.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, day.Location())
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(d, last), 0, 0, 0, 0, day.Location())
}

// SARDue is when a request received on a day is due: one calendar month
// later (UK GDPR Art 12(3)).
func SARDue(received time.Time) time.Time { return AddCalendarMonths(received, 1) }

// SARLatest is the latest an extended request can be due: three calendar
// months from receipt (UK GDPR Art 12(3): "by two further months").
func SARLatest(received time.Time) time.Time { return AddCalendarMonths(received, 3) }

// OpenSAR makes the record of a DSL opening a request about a customer
// reference, received on a day (in loc), no later than today.
func OpenSAR(clock Clock, by Actor, id, ref string, received time.Time, loc *time.Location) (SAREvent, error) {
	if !by.Safeguarding {
		return SAREvent{}, fmt.Errorf("open a subject access request: %w", ErrSafeguardingOnly)
	}
	if id == "" || by.ID == "" {
		return SAREvent{}, errors.New("open a subject access request: id and the person opening it are required")
	}
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return SAREvent{}, &FieldError{Field: "ref", Message: "Say which customer reference the request is about."}
	}
	if received.IsZero() {
		return SAREvent{}, &FieldError{Field: "received", Message: "Say the day the request was received: the month runs from it."}
	}
	now := clock.Now()
	day := dayOf(received, loc)
	if day.After(dayOf(now, loc)) {
		return SAREvent{}, &FieldError{Field: "received", Message: "The day received cannot be in the future."}
	}
	return SAREvent{ID: id, RequestID: id, Action: SAROpened, Ref: ref, Received: day, By: by.ID, At: now}, nil
}

// ExtendSAR makes the record of extending a request: until no later than
// three calendar months from receipt, the requester told (notified) within
// the first month, with the reason (UK GDPR Art 12(3)).
func ExtendSAR(clock Clock, by Actor, id string, r SubjectAccessRequest, until, notified time.Time, reason string, loc *time.Location) (SAREvent, error) {
	if !by.Safeguarding {
		return SAREvent{}, fmt.Errorf("extend a subject access request: %w", ErrSafeguardingOnly)
	}
	if !r.Open() {
		return SAREvent{}, errors.New("extend a subject access request: it is answered already")
	}
	if !r.ExtendedTo.IsZero() {
		return SAREvent{}, &FieldError{Field: "until", Message: fmt.Sprintf("It is extended already, to %s: UK GDPR Art 12(3) allows one extension of up to two further months.", r.ExtendedTo.Format("2 January 2006"))}
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return SAREvent{}, &FieldError{Field: "reason", Message: "Say why the request needs longer (complex or numerous requests, UK GDPR Art 12(3)); the requester must be told the reason."}
	}
	if notified.IsZero() {
		return SAREvent{}, &FieldError{Field: "notified", Message: "Say the day the requester was told of the extension and why."}
	}
	now := clock.Now()
	nd := dayOf(notified, loc)
	if nd.After(dayOf(now, loc)) {
		return SAREvent{}, &FieldError{Field: "notified", Message: "The day the requester was told cannot be in the future."}
	}
	if nd.After(r.Due) {
		return SAREvent{}, &FieldError{Field: "notified", Message: fmt.Sprintf("Too late to extend: the requester must be told within the first month (by %s, UK GDPR Art 12(3)).", r.Due.Format("2 January 2006"))}
	}
	if nd.Before(r.Received) {
		return SAREvent{}, &FieldError{Field: "notified", Message: "The requester cannot have been told before the request was received."}
	}
	ud := dayOf(until, loc)
	if until.IsZero() || !ud.After(r.Due) {
		return SAREvent{}, &FieldError{Field: "until", Message: fmt.Sprintf("The new date must be after %s, the date it is due now.", r.Due.Format("2 January 2006"))}
	}
	if latest := SARLatest(r.Received); ud.After(latest) {
		return SAREvent{}, &FieldError{Field: "until", Message: fmt.Sprintf("At most two further months: no later than %s (UK GDPR Art 12(3)).", latest.Format("2 January 2006"))}
	}
	return SAREvent{ID: id, RequestID: r.ID, Action: SARExtended, Until: ud, Notified: nd, Reason: reason, By: by.ID, At: now}, nil
}

// AnswerSAR makes the record of a request answered: the disclosure pack
// sent, now.
func AnswerSAR(clock Clock, by Actor, id string, r SubjectAccessRequest) (SAREvent, error) {
	if !by.Safeguarding {
		return SAREvent{}, fmt.Errorf("answer a subject access request: %w", ErrSafeguardingOnly)
	}
	if !r.Open() {
		return SAREvent{}, errors.New("answer a subject access request: it is answered already")
	}
	return SAREvent{ID: id, RequestID: r.ID, Action: SARAnswered, By: by.ID, At: clock.Now()}, nil
}

// SignedSAREvent is a request record as opened, with its signer.
type SignedSAREvent struct {
	Event       SAREvent
	SignerID    string
	SignerIsDSL bool
}

// FoldSARs turns request records into requests as they stand, refusing
// (and saying why) a record signed by anyone but a DSL, claiming another
// person than its signer, or naming a request not on this device. Dates
// are calendar days in loc, the organisation's time zone.
func FoldSARs(records []SignedSAREvent, loc *time.Location) ([]SubjectAccessRequest, []error) {
	var errs []error
	rs := slices.Clone(records)
	order := map[SARAction]int{SAROpened: 0, SARExtended: 1, SARAnswered: 2}
	slices.SortStableFunc(rs, func(a, b SignedSAREvent) int {
		if c := order[a.Event.Action] - order[b.Event.Action]; c != 0 {
			return c
		}
		return a.Event.At.Compare(b.Event.At)
	})
	var out []SubjectAccessRequest
	idx := map[string]int{}
	for _, s := range rs {
		e := s.Event
		switch {
		case e.By != s.SignerID:
			errs = append(errs, fmt.Errorf("subject access record %s: says it is by %s but is signed by %s; it is ignored", e.ID, e.By, s.SignerID))
			continue
		case !s.SignerIsDSL:
			errs = append(errs, fmt.Errorf("subject access record %s: signed by %s, who is not a DSL; it is ignored", e.ID, s.SignerID))
			continue
		}
		if e.Action == SAROpened {
			if _, dup := idx[e.RequestID]; dup {
				continue
			}
			idx[e.RequestID] = len(out)
			received := dayOf(e.Received, loc)
			out = append(out, SubjectAccessRequest{ID: e.RequestID, Ref: e.Ref, Received: received, OpenedBy: e.By, Due: SARDue(received)})
			continue
		}
		i, ok := idx[e.RequestID]
		if !ok {
			errs = append(errs, fmt.Errorf("subject access record %s: its request %s is not on this device yet", e.ID, e.RequestID))
			continue
		}
		r := &out[i]
		switch e.Action {
		case SARExtended:
			until, notified := dayOf(e.Until, loc), dayOf(e.Notified, loc)
			if r.ExtendedTo.IsZero() && !notified.After(r.Due) && !until.After(SARLatest(r.Received)) {
				r.ExtendedTo, r.Notified, r.Reason = until, notified, e.Reason
			} else {
				errs = append(errs, fmt.Errorf("subject access record %s: an extension UK GDPR Art 12(3) does not allow; it is ignored", e.ID))
			}
		case SARAnswered:
			if r.Answered.IsZero() {
				r.Answered, r.AnsweredBy = e.At, e.By
			}
		}
	}
	return out, errs
}

// SARQueue orders requests for the DSL's queue: open ones overdue first,
// then open ones by due date, then answered ones, latest first.
func SARQueue(reqs []SubjectAccessRequest, now time.Time) []SubjectAccessRequest {
	out := slices.Clone(reqs)
	rank := func(r SubjectAccessRequest) int {
		switch {
		case r.Open() && r.Overdue(now):
			return 0
		case r.Open():
			return 1
		}
		return 2
	}
	slices.SortStableFunc(out, func(a, b SubjectAccessRequest) int {
		if c := rank(a) - rank(b); c != 0 {
			return c
		}
		if rank(a) == 2 {
			return b.Answered.Compare(a.Answered)
		}
		if c := a.DueBy().Compare(b.DueBy()); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// Exemption is a ground for withholding an item from a disclosure, with
// its legal reference. The references are to the Data Protection Act 2018
// as the ICO's guidance on exemptions lists them; the organisation's data
// protection lead confirms they fit before relying on one.
type Exemption struct {
	ID        string
	Label     string
	Reference string
}

// Exemptions are the grounds the disclosure screen offers.
func Exemptions() []Exemption {
	return []Exemption{
		{"child_abuse_data", "Not in the child's best interests (child abuse data, request by a person with parental responsibility)", "DPA 2018 Sch 3 Part 5 para 21"},
		{"serious_harm", "Likely to cause serious harm to the physical or mental health of the person or another (social work data)", "DPA 2018 Sch 3 Part 3 para 8"},
		{"third_party", "Would disclose information about another person who has not consented", "DPA 2018 Sch 2 Part 3 para 16"},
		{"crime", "Would prejudice the prevention or detection of crime", "DPA 2018 Sch 2 Part 1 para 2"},
		{"legal_privilege", "Legal professional privilege", "DPA 2018 Sch 2 Part 4 para 19"},
	}
}

// ExemptionByID finds an exemption.
func ExemptionByID(id string) (Exemption, bool) {
	for _, e := range Exemptions() {
		if e.ID == id {
			return e, true
		}
	}
	return Exemption{}, false
}

// DisclosureSource is one record the DSL can read about the customer, in
// plain words, for the pack.
type DisclosureSource struct {
	RecordID   string
	Kind       RetainedKind
	Made       time.Time
	Title      string
	Paragraphs []string
}

// DisclosureChoice is the DSL's decision on one item: disclosed (with
// names redacted) or withheld under an exemption, with the reason.
type DisclosureChoice struct {
	Withheld  bool
	Exemption string
	Reason    string
}

// DisclosedItem is one item of the pack.
type DisclosedItem struct {
	RecordID string       `json:"record_id"`
	Kind     RetainedKind `json:"kind"`
	Made     time.Time    `json:"made"`
	Title    string       `json:"title"`
	// Paragraphs are the record's words with names redacted; none when
	// withheld.
	Paragraphs []string `json:"paragraphs,omitempty"`
	Redactions int      `json:"redactions"`
	Withheld   bool     `json:"withheld"`
	// Exemption, Reference and Reason: why it is withheld. The reason is
	// for the organisation's file; the person's PDF names the exemption.
	Exemption string `json:"exemption,omitempty"`
	Reference string `json:"reference,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

// DisclosurePack is what is sent to the person (PDF) and kept on file
// (JSON).
type DisclosurePack struct {
	RequestID  string          `json:"request_id"`
	Ref        string          `json:"customer_reference"`
	Received   time.Time       `json:"received"`
	DueBy      time.Time       `json:"due_by"`
	Prepared   time.Time       `json:"prepared"`
	PreparedBy string          `json:"prepared_by"`
	Items      []DisclosedItem `json:"items"`
}

// Redacted is what a redacted name becomes.
const Redacted = "[name withheld]"

// BuildDisclosure makes the disclosure pack for a request from the records
// the DSL can read about its customer: each item disclosed with the given
// names (third parties and staff) redacted wherever they appear, or
// withheld under an exemption with the reason. A withheld item without its
// exemption or reason is refused, naming the record.
func BuildDisclosure(clock Clock, by Actor, r SubjectAccessRequest, sources []DisclosureSource, choices map[string]DisclosureChoice, names []string) (DisclosurePack, error) {
	if !by.Safeguarding {
		return DisclosurePack{}, fmt.Errorf("build a disclosure: %w", ErrSafeguardingOnly)
	}
	red := redactor(names)
	p := DisclosurePack{RequestID: r.ID, Ref: r.Ref, Received: r.Received, DueBy: r.DueBy(), Prepared: clock.Now(), PreparedBy: by.ID}
	for _, s := range sources {
		it := DisclosedItem{RecordID: s.RecordID, Kind: s.Kind, Made: s.Made, Title: s.Title}
		c := choices[s.RecordID]
		if c.Withheld {
			ex, ok := ExemptionByID(c.Exemption)
			if !ok {
				return DisclosurePack{}, &FieldError{Field: "exemption", Message: fmt.Sprintf("Choose the exemption %s is withheld under.", s.RecordID)}
			}
			reason := strings.TrimSpace(c.Reason)
			if reason == "" {
				return DisclosurePack{}, &FieldError{Field: "reason", Message: fmt.Sprintf("Say why %s is withheld: the reason is kept on file (UK GDPR Art 5(2)).", s.RecordID)}
			}
			it.Withheld, it.Exemption, it.Reference, it.Reason = true, ex.Label, ex.Reference, reason
			p.Items = append(p.Items, it)
			continue
		}
		for _, para := range s.Paragraphs {
			out, n := red(para)
			it.Paragraphs = append(it.Paragraphs, out)
			it.Redactions += n
		}
		t, n := red(it.Title)
		it.Title, it.Redactions = t, it.Redactions+n
		p.Items = append(p.Items, it)
	}
	slices.SortStableFunc(p.Items, func(a, b DisclosedItem) int { return a.Made.Compare(b.Made) })
	return p, nil
}

// redactor replaces each name, whole words, any case, longest first.
func redactor(names []string) func(string) (string, int) {
	var ns []string
	for _, n := range names {
		if n = strings.TrimSpace(n); len([]rune(n)) >= 2 && !slices.Contains(ns, n) {
			ns = append(ns, n)
		}
	}
	if len(ns) == 0 {
		return func(s string) (string, int) { return s, 0 }
	}
	slices.SortFunc(ns, func(a, b string) int { return len(b) - len(a) })
	word := regexp.MustCompile(`^\w`)
	quoted := make([]string, len(ns))
	for i, n := range ns {
		// Whole words: a boundary where the name begins or ends with a
		// letter or digit ("Morgan Hughes (demo)" ends with neither).
		q := regexp.QuoteMeta(n)
		if word.MatchString(n) {
			q = `\b` + q
		}
		if r := []rune(n); word.MatchString(string(r[len(r)-1:])) {
			q += `\b`
		}
		quoted[i] = q
	}
	re := regexp.MustCompile(`(?i)(?:` + strings.Join(quoted, "|") + `)`)
	return func(s string) (string, int) {
		n := 0
		out := re.ReplaceAllStringFunc(s, func(string) string { n++; return Redacted })
		return out, n
	}
}
