package session

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
)

// Clause is a reference into the organisation's Online Safety Policy, such as
// "Annex 2 3.6" or "1.4.2". Every rule and every item in a pack cites one so
// that a reviewer can trace what the app asks back to the policy text.
type Clause string

// Pack is the organisation's policy made into data: the checklists, the
// consent statement, the agreement points, the delivery methods and
// platforms, agreed hours and durations, and the incident policy. The
// default pack is embedded from assets/; an organisation can publish its own
// after its annual review (policy 2.1, 9.1). Every record names the pack
// version it was made under.
type Pack struct {
	ID           string `json:"id"`
	Version      string `json:"version"`
	Title        string `json:"title"`
	Organisation string `json:"organisation"`
	// Source names the policy document and edition the pack was written from.
	Source string `json:"source"`

	Session         SessionRules     `json:"session"`
	DeliveryMethods []DeliveryMethod `json:"delivery_methods"`
	Platforms       []Platform       `json:"platforms"`
	Checklist       []ChecklistItem  `json:"checklist"`
	Consent         ConsentPolicy    `json:"consent"`
	Agreement       []AgreementPoint `json:"agreement"`
	// TrainingValidMonths is how long safeguarding training counts as current
	// (Annex 2 1.2).
	TrainingValidMonths int    `json:"training_valid_months"`
	TrainingClause      Clause `json:"training_clause"`
	// LockAfterMinutes is how long the app may sit unused before it locks
	// itself: field laptops get left open (policy 2.9 g, h).
	LockAfterMinutes int    `json:"lock_after_minutes"`
	LockClause       Clause `json:"lock_clause"`

	// Incident is Annex 1 and sections 1.4, 3 and 4 (incident_pack.go).
	Incident IncidentPolicy `json:"incident"`

	// Retention is how long records are kept (retention.go); nil in a pack
	// written before it was data.
	Retention *RetentionSchedule `json:"retention,omitempty"`
}

// SessionRules are the timing rules of Annex 2 3.3.
type SessionRules struct {
	NormalDurationMinutes int `json:"normal_duration_minutes"`
	// WarningMinutes are how long before the planned end the practitioner is
	// warned, largest first.
	WarningMinutes []int       `json:"warning_minutes"`
	AgreedHours    AgreedHours `json:"agreed_hours"`
	// StartWindowMinutes is how far from the planned time a session may
	// start without confirming the change of time, with its reason (Annex 2
	// 1.3.1: the schedule is agreed). 0 means 30.
	StartWindowMinutes int    `json:"start_window_minutes,omitempty"`
	Clause             Clause `json:"clause"`
}

// StartWindow is how far from the planned time a session may start without
// confirming it.
func (p *Pack) StartWindow() time.Duration {
	if p.Session.StartWindowMinutes > 0 {
		return time.Duration(p.Session.StartWindowMinutes) * time.Minute
	}
	return 30 * time.Minute
}

// AgreedHours is the agreed timeframe for meetings (Annex 2 3.3): normal
// working hours on the listed days, in the organisation's time zone.
type AgreedHours struct {
	Days     []string `json:"days"` // "mon" .. "sun"
	Start    string   `json:"start"`
	End      string   `json:"end"`
	TimeZone string   `json:"time_zone"`
	Clause   Clause   `json:"clause"`
}

// Mode says whether a delivery method is real time or a delayed response
// (Annex 2 remote delivery 1.1 and 1.2).
type Mode string

const (
	RealTime Mode = "real_time"
	Delayed  Mode = "delayed"
)

// DeliveryMethod is one way of delivering a session (Annex 2 1.1-1.2).
type DeliveryMethod struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	Mode  Mode   `json:"mode"`
	// OneToMany marks webinars and live broadcasts (Annex 2 3.10): a group
	// session with attendance by count and a recording decision.
	OneToMany bool   `json:"one_to_many,omitempty"`
	Clause    Clause `json:"clause"`
}

// Platform is a product used for a delivery method, with the minimum age its
// terms allow and the privacy checks to make before using it (Annex 2 3.6).
type Platform struct {
	ID               string          `json:"id"`
	Label            string          `json:"label"`
	Method           string          `json:"method"`
	MinimumAge       int             `json:"minimum_age"`
	JoinInstructions string          `json:"join_instructions"`
	PrivacyChecks    []ChecklistItem `json:"privacy_checks"`
	Clause           Clause          `json:"clause"`
}

// Unmet says what an unmet checklist item does to the outcome.
type Unmet string

const (
	// Mitigate: the session may go ahead once a mitigation is recorded.
	Mitigate Unmet = "mitigate"
	// Block: the session must not go ahead while the item is unmet.
	Block Unmet = "block"
)

// Audience limits an item to some customers.
type Audience string

const (
	Everyone Audience = "everyone"
	// Vulnerable: children, young people and adults at risk (Annex 2 3.5).
	Vulnerable Audience = "vulnerable"
	// Children: under-18s only (Annex 2 1.3.5, parents and carers).
	Children Audience = "children"
)

// Obligation is how strongly the clause behind an item puts it, read from
// its wording: "must" (or an imperative such as "make sure") or "should".
type Obligation string

const (
	// Must: unmet, the session cannot go ahead, and no mitigation stands in
	// for it (Annex 2 3.7, 3.9 "must").
	Must Obligation = "must"
	// Should: unmet, the pack's if_unmet decides. A pack written before
	// obligations were recorded leaves it out, which reads as should.
	Should Obligation = "should"
)

// Delivery limits an item to one-to-one sessions or to group sessions
// (webinars and live broadcasts, Annex 2 3.10). Empty means both.
type Delivery string

const (
	AnyDelivery Delivery = ""
	OneToOne    Delivery = "one_to_one"
	GroupOnly   Delivery = "group"
)

// ChecklistItem is one question of the pre-session risk assessment.
type ChecklistItem struct {
	ID       string   `json:"id"`
	Text     string   `json:"text"`
	Help     string   `json:"help,omitempty"`
	Clause   Clause   `json:"clause"`
	IfUnmet  Unmet    `json:"if_unmet"`
	Audience Audience `json:"audience"`
	// Obligation is the clause's own word; a "must" item always blocks.
	Obligation Obligation `json:"obligation"`
	// AlwaysApplies items can never be answered "not applicable": they hold
	// for every session the item is asked for (Annex 2 1.2, 1.3.3, 3.6).
	AlwaysApplies bool `json:"always_applies,omitempty"`
	// RequiresPlan names the plan field an answer of "met" must agree with
	// (one of PlanFields): a facilitator invited needs a facilitator named.
	RequiresPlan string `json:"requires_plan,omitempty"`
	// RealTimeOnly items make sense only for calls and chats, not for a
	// letter or an e-mail exchange.
	RealTimeOnly bool     `json:"real_time_only,omitempty"`
	Delivery     Delivery `json:"delivery,omitempty"`
	// KnownFrom names where the answer is already known, so that it is
	// shown, not asked (KnownAnswer): a practitioner's training record, or
	// the organisation's signed directory.
	KnownFrom KnownSource `json:"known_from,omitempty"`
	// CarriesOver marks an answer about the customer, not the session,
	// which the customer's next plan carries to be reconfirmed.
	CarriesOver bool `json:"carries_over,omitempty"`
}

// ConsentPolicy is the standard consent statement (Annex 2 1.3.6).
type ConsentPolicy struct {
	EmailSubject string `json:"email_subject"`
	// Statement is the full text, for e-mail. SMS is the short form. Both
	// may use the placeholders listed in consent.go.
	Statement string   `json:"statement"`
	SMS       string   `json:"sms"`
	Channels  []string `json:"channels"`
	Clause    Clause   `json:"clause"`
}

// AgreementPoint is one point confirmed with the customer at the start of
// every session, even with a customer seen before (Annex 2 2.1).
type AgreementPoint struct {
	ID     string `json:"id"`
	Text   string `json:"text"`
	Clause Clause `json:"clause"`
}

// PackError says which field of a pack is wrong and why.
type PackError struct {
	Field   string
	Problem string
}

func (e *PackError) Error() string {
	return fmt.Sprintf("policy pack: %s: %s", e.Field, e.Problem)
}

// ErrInvalidPack is matched by errors.Is for every problem with a pack.
var ErrInvalidPack = errors.New("invalid policy pack")

func (e *PackError) Is(target error) bool { return target == ErrInvalidPack }

// maxPackBytes bounds what LoadPack reads: a real pack is a few tens of KB.
const maxPackBytes = 4 << 20

// LoadPack reads and validates a pack. Unknown fields are refused so that a
// misspelt field in an organisation's pack is reported, not silently
// ignored.
func LoadPack(r io.Reader) (*Pack, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxPackBytes+1))
	if err != nil {
		return nil, fmt.Errorf("policy pack: reading: %w", err)
	}
	if len(data) > maxPackBytes {
		return nil, &PackError{Field: "(file)", Problem: fmt.Sprintf("larger than %d MB; is this the right file?", maxPackBytes>>20)}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var p Pack
	if err := dec.Decode(&p); err != nil {
		return nil, describeJSONError(data, err)
	}
	if dec.More() {
		return nil, &PackError{Field: "(file)", Problem: "has more than one JSON document; a pack is a single object"}
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

func describeJSONError(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line := 1 + bytes.Count(data[:min(int(syn.Offset), len(data))], []byte("\n"))
		return &PackError{Field: "(file)", Problem: fmt.Sprintf("not valid JSON at line %d: %v", line, syn)}
	case errors.As(err, &typ):
		return &PackError{Field: typ.Field, Problem: fmt.Sprintf("should be %s, found %s", typ.Type, typ.Value)}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &PackError{Field: "(file)", Problem: "is empty or cut short"}
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return &PackError{Field: strings.Trim(f, `"`), Problem: "is not a field a policy pack has (misspelt?)"}
	}
	return &PackError{Field: "(file)", Problem: msg}
}

var (
	idPattern   = regexp.MustCompile(`^[a-z0-9][a-z0-9_]{0,47}$`)
	clockFormat = "15:04"
	weekdays    = map[string]time.Weekday{"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday, "thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday}
)

// Validate checks that the pack is complete and consistent, and names the
// first field that is not.
func (p *Pack) Validate() error {
	v := &validator{}
	v.text("id", p.ID)
	v.text("version", p.Version)
	v.text("title", p.Title)
	v.text("organisation", p.Organisation)
	v.text("source", p.Source)

	s := p.Session
	if s.NormalDurationMinutes < 5 || s.NormalDurationMinutes > 240 {
		v.fail("session.normal_duration_minutes", "must be between 5 and 240 minutes")
	}
	v.clause("session.clause", s.Clause)
	last := s.NormalDurationMinutes
	for i, w := range s.WarningMinutes {
		if w <= 0 || w >= last {
			v.fail(fmt.Sprintf("session.warning_minutes[%d]", i), "must be positive, shorter than the session and listed largest first")
		}
		last = w
	}
	h := s.AgreedHours
	if len(h.Days) == 0 {
		v.fail("session.agreed_hours.days", "must list at least one day")
	}
	for i, d := range h.Days {
		if _, ok := weekdays[d]; !ok {
			v.fail(fmt.Sprintf("session.agreed_hours.days[%d]", i), fmt.Sprintf("%q is not a day (use mon, tue, wed, thu, fri, sat, sun)", d))
		}
	}
	start, err1 := time.Parse(clockFormat, h.Start)
	end, err2 := time.Parse(clockFormat, h.End)
	if err1 != nil {
		v.fail("session.agreed_hours.start", "must be a time like 08:30")
	}
	if err2 != nil {
		v.fail("session.agreed_hours.end", "must be a time like 18:00")
	}
	if err1 == nil && err2 == nil && !end.After(start) {
		v.fail("session.agreed_hours.end", "must be later than start")
	}
	if _, err := time.LoadLocation(h.TimeZone); err != nil || h.TimeZone == "" {
		v.fail("session.agreed_hours.time_zone", "must be an IANA time zone such as Europe/London")
	}
	v.clause("session.agreed_hours.clause", h.Clause)

	methods := map[string]bool{}
	if len(p.DeliveryMethods) == 0 {
		v.fail("delivery_methods", "must list at least one method")
	}
	for i, m := range p.DeliveryMethods {
		f := fmt.Sprintf("delivery_methods[%d]", i)
		v.id(f+".id", m.ID, methods)
		v.text(f+".label", m.Label)
		if m.Mode != RealTime && m.Mode != Delayed {
			v.fail(f+".mode", `must be "real_time" or "delayed"`)
		}
		v.clause(f+".clause", m.Clause)
	}
	platforms := map[string]bool{}
	if len(p.Platforms) == 0 {
		v.fail("platforms", "must list at least one platform")
	}
	checkIDs := map[string]bool{}
	for i, c := range p.Checklist {
		v.item(fmt.Sprintf("checklist[%d]", i), c, checkIDs)
	}
	for i, pl := range p.Platforms {
		f := fmt.Sprintf("platforms[%d]", i)
		v.id(f+".id", pl.ID, platforms)
		v.text(f+".label", pl.Label)
		if !methods[pl.Method] {
			v.fail(f+".method", fmt.Sprintf("%q is not one of the delivery_methods", pl.Method))
		}
		if pl.MinimumAge < 0 || pl.MinimumAge > 25 {
			v.fail(f+".minimum_age", "must be between 0 and 25")
		}
		v.clause(f+".clause", pl.Clause)
		for j, c := range pl.PrivacyChecks {
			// Platform checks share the checklist's id space: answers are
			// keyed by item id.
			v.item(fmt.Sprintf("%s.privacy_checks[%d]", f, j), c, checkIDs)
		}
	}
	if len(p.Checklist) == 0 {
		v.fail("checklist", "must list the pre-session risk assessment items")
	}

	c := p.Consent
	v.text("consent.email_subject", c.EmailSubject)
	v.text("consent.statement", c.Statement)
	v.text("consent.sms", c.SMS)
	if n := len([]rune(renderPlaceholders(c.SMS, longestPlaceholders))); n > maxSMSChars {
		v.fail("consent.sms", fmt.Sprintf("is %d characters with the placeholders filled in; keep it to %d (two text messages)", n, maxSMSChars))
	}
	if len(c.Channels) == 0 {
		v.fail("consent.channels", "must list how a reply may come (for example email, sms)")
	}
	v.clause("consent.clause", c.Clause)
	agreeIDs := map[string]bool{}
	if len(p.Agreement) == 0 {
		v.fail("agreement", "must list the points agreed at the start of a session (Annex 2 2.1)")
	}
	for i, a := range p.Agreement {
		f := fmt.Sprintf("agreement[%d]", i)
		v.id(f+".id", a.ID, agreeIDs)
		v.text(f+".text", a.Text)
		v.clause(f+".clause", a.Clause)
	}
	if p.TrainingValidMonths < 1 || p.TrainingValidMonths > 60 {
		v.fail("training_valid_months", "must be between 1 and 60")
	}
	v.clause("training_clause", p.TrainingClause)
	if p.LockAfterMinutes < 1 || p.LockAfterMinutes > 120 {
		v.fail("lock_after_minutes", "must be between 1 and 120")
	}
	v.clause("lock_clause", p.LockClause)
	p.Incident.validate(v)
	p.Retention.validate(v)
	return v.err
}

type validator struct{ err error }

func (v *validator) fail(field, problem string) {
	if v.err == nil {
		v.err = &PackError{Field: field, Problem: problem}
	}
}

func (v *validator) text(field, s string) {
	if strings.TrimSpace(s) == "" {
		v.fail(field, "is missing")
	}
}

func (v *validator) clause(field string, c Clause) {
	if strings.TrimSpace(string(c)) == "" {
		v.fail(field, "must cite the policy clause it comes from")
	}
}

func (v *validator) id(field, id string, seen map[string]bool) {
	switch {
	case !idPattern.MatchString(id):
		v.fail(field, fmt.Sprintf("%q must be lower case letters, digits and underscores", id))
	case seen[id]:
		v.fail(field, fmt.Sprintf("%q is used twice", id))
	}
	seen[id] = true
}

func (v *validator) item(f string, c ChecklistItem, seen map[string]bool) {
	v.id(f+".id", c.ID, seen)
	v.text(f+".text", c.Text)
	v.clause(f+".clause", c.Clause)
	if c.IfUnmet != Mitigate && c.IfUnmet != Block {
		v.fail(f+".if_unmet", `must be "mitigate" or "block"`)
	}
	switch c.Audience {
	case Everyone, Vulnerable, Children:
	default:
		v.fail(f+".audience", `must be "everyone", "vulnerable" or "children"`)
	}
	switch c.Obligation {
	case Should, "":
	case Must:
		if c.IfUnmet != Block {
			v.fail(f+".if_unmet", `must be "block": the clause says "must", and a mitigation cannot stand in for it`)
		}
	default:
		v.fail(f+".obligation", `must be "must" or "should", as the clause words it`)
	}
	switch c.KnownFrom {
	case "", FromTrainingRecord, FromDirectory:
	default:
		v.fail(f+".known_from", fmt.Sprintf("%q is not a source of answers (use %s or %s)", c.KnownFrom, FromTrainingRecord, FromDirectory))
	}
	if c.RequiresPlan != "" {
		if _, ok := (Plan{}).Field(c.RequiresPlan); !ok {
			v.fail(f+".requires_plan", fmt.Sprintf("%q is not a plan field (use one of %s)", c.RequiresPlan, strings.Join(PlanFields, ", ")))
		}
	}
	switch c.Delivery {
	case AnyDelivery, OneToOne, GroupOnly:
	default:
		v.fail(f+".delivery", `must be "one_to_one", "group" or left out for both`)
	}
}

// Method returns the delivery method with the given id.
func (p *Pack) Method(id string) (DeliveryMethod, bool) {
	for _, m := range p.DeliveryMethods {
		if m.ID == id {
			return m, true
		}
	}
	return DeliveryMethod{}, false
}

// Platform returns the platform with the given id.
func (p *Pack) Platform(id string) (Platform, bool) {
	for _, pl := range p.Platforms {
		if pl.ID == id {
			return pl, true
		}
	}
	return Platform{}, false
}

// PlatformsFor lists the platforms offered for a delivery method.
func (p *Pack) PlatformsFor(method string) []Platform {
	var out []Platform
	for _, pl := range p.Platforms {
		if pl.Method == method {
			out = append(out, pl)
		}
	}
	return out
}

// LockAfter is the idle time after which the app locks itself.
func (p *Pack) LockAfter() time.Duration { return time.Duration(p.LockAfterMinutes) * time.Minute }

// NormalDuration is the policy's normal session length (Annex 2 3.3).
func (p *Pack) NormalDuration() time.Duration {
	return time.Duration(p.Session.NormalDurationMinutes) * time.Minute
}

// Location is the time zone the agreed hours are in. Validate has checked it.
func (p *Pack) Location() *time.Location {
	loc, err := time.LoadLocation(p.Session.AgreedHours.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// WithinAgreedHours reports whether the whole of [start, start+d) falls
// inside the agreed hours on an agreed day (Annex 2 3.3).
func (p *Pack) WithinAgreedHours(start time.Time, d time.Duration) bool {
	h := p.Session.AgreedHours
	local := start.In(p.Location())
	day := false
	for _, name := range h.Days {
		if weekdays[name] == local.Weekday() {
			day = true
		}
	}
	if !day {
		return false
	}
	open, _ := time.Parse(clockFormat, h.Start)
	closeAt, _ := time.Parse(clockFormat, h.End)
	y, m, dd := local.Date()
	from := time.Date(y, m, dd, open.Hour(), open.Minute(), 0, 0, local.Location())
	to := time.Date(y, m, dd, closeAt.Hour(), closeAt.Minute(), 0, 0, local.Location())
	end := local.Add(d)
	return !local.Before(from) && !end.After(to)
}
