package session

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The DSL's case work on a reported incident (Annex 1): acknowledging it,
// referrals and the routes declined, follow-ups, the Prevent summary and
// closing. Every action here is the safeguarding team's (may(..., true)).

// IncidentReferral is a referral to an agency: which route, the agency's
// reference number and when it was made.
type IncidentReferral struct {
	RouteID    string    `json:"route_id"`
	Reference  string    `json:"reference,omitempty"`
	ReferredAt time.Time `json:"referred_at"`
	Note       string    `json:"note,omitempty"`
	RecordedAt time.Time `json:"recorded_at"`
	By         string    `json:"by"`
}

// RouteDecision is a decision not to refer to a route, with its reason.
type RouteDecision struct {
	RouteID string    `json:"route_id"`
	Reason  string    `json:"reason"`
	At      time.Time `json:"at"`
	By      string    `json:"by"`
}

// IncidentFollowUp is a monitoring check the DSL sets (Annex 1: monitor the
// situation for developments or recurrence).
type IncidentFollowUp struct {
	ID     string    `json:"id"`
	What   string    `json:"what"`
	Who    string    `json:"who"`
	Due    time.Time `json:"due"`
	SetAt  time.Time `json:"set_at"`
	SetBy  string    `json:"set_by"`
	DoneAt time.Time `json:"done_at,omitzero"`
	DoneBy string    `json:"done_by,omitempty"`
	Note   string    `json:"note,omitempty"`
}

// Open reports whether the follow-up is still to do.
func (f IncidentFollowUp) Open() bool { return f.DoneAt.IsZero() }

// Overdue reports whether an open follow-up's due day has passed at now.
func (f IncidentFollowUp) Overdue(now time.Time) bool {
	return f.Open() && f.Due.Before(startOfDay(now))
}

// PreventSummary is what a Prevent referral asks for (section 4), pre-filled
// from the incident by PreventDraft and completed by the DSL.
type PreventSummary struct {
	HowConcernArose string    `json:"how_concern_arose"`
	Indicators      string    `json:"indicators"`
	OnlineActivity  string    `json:"online_activity"`
	Needs           string    `json:"needs"`
	DiscussionsHeld string    `json:"discussions_held"`
	SavedAt         time.Time `json:"saved_at,omitzero"`
	SavedBy         string    `json:"saved_by,omitempty"`
}

// Acknowledge records that the DSL has the incident, and how long it waited.
func (i *Incident) Acknowledge() error {
	if err := i.may("acknowledge", true, IncidentReported); err != nil {
		return err
	}
	now := i.clock.Now()
	i.doc.AcknowledgedAt, i.doc.AcknowledgedBy = now, i.actor.ID
	i.doc.Status = IncidentAcknowledged
	i.log(EventAcknowledged, "Acknowledged "+waitText(now.Sub(i.doc.RaisedAt))+" after it was raised", "")
	return nil
}

// TimeToAcknowledge is the time from the escalation (the one click) to the
// DSL's acknowledgement; false until acknowledged.
func (i *Incident) TimeToAcknowledge() (time.Duration, bool) {
	if i.doc.AcknowledgedAt.IsZero() {
		return 0, false
	}
	return i.doc.AcknowledgedAt.Sub(i.doc.RaisedAt), true
}

// RecordReferral records a referral to one of the routes the flow offers.
// ReferredAt defaults to now; the agency's reference number is needed, or a
// note saying why there is none yet (for example a 999 call).
func (i *Incident) RecordReferral(r IncidentReferral) error {
	if err := i.may("record a referral on", true, IncidentAcknowledged); err != nil {
		return err
	}
	route, err := i.routeFor(r.RouteID)
	if err != nil {
		return err
	}
	now := i.clock.Now()
	r.Reference, r.Note = strings.TrimSpace(r.Reference), strings.TrimSpace(r.Note)
	if r.ReferredAt.IsZero() {
		r.ReferredAt = now
	}
	var errs FieldErrors
	if r.Reference == "" && r.Note == "" {
		errs.add("reference", "Enter the agency's reference number, or say in the note why there is none yet.")
	}
	if r.ReferredAt.After(now) {
		errs.add("referred_at", "That time is in the future; check it.")
	}
	if r.ReferredAt.Before(i.doc.RaisedAt.Add(-24 * time.Hour)) {
		errs.add("referred_at", "That is before the incident was raised; check it.")
	}
	if err := errs.err(); err != nil {
		return err
	}
	r.RecordedAt, r.By = now, i.actor.ID
	i.doc.Referrals = append(i.doc.Referrals, r)
	detail := fmt.Sprintf("Referred to %s at %s", route.Label, r.ReferredAt.In(i.pack.Location()).Format("2 Jan 2006 15:04"))
	if r.Reference != "" {
		detail += ", reference " + r.Reference
	}
	i.log(EventReferral, detail, r.Note)
	return nil
}

// DeclineRoute records a decision not to refer to a route, with its reason.
func (i *Incident) DeclineRoute(routeID, reason string) error {
	if err := i.may("decide a referral on", true, IncidentAcknowledged); err != nil {
		return err
	}
	route, err := i.routeFor(routeID)
	if err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return &FieldError{Field: "routes." + routeID, Message: "Say why this referral is not being made."}
	}
	i.doc.Declined = append(i.doc.Declined, RouteDecision{RouteID: routeID, Reason: reason, At: i.clock.Now(), By: i.actor.ID})
	i.log(EventRouteDeclined, "Not referred to "+route.Label, reason)
	return nil
}

func (i *Incident) routeFor(id string) (ReferralRoute, error) {
	r, ok := i.pack.Route(id)
	if !ok {
		return r, &FieldError{Field: "route", Message: "Choose the agency."}
	}
	facts := i.facts()
	if holds(r.Never, facts) {
		return r, &FieldError{Field: "routes." + id, Message: r.NeverReason}
	}
	if !applies(r.Rule, facts) {
		return r, &FieldError{Field: "routes." + id, Message: r.Label + " is not a route for this incident as it stands; check the classification and answers."}
	}
	return r, nil
}

// AddFollowUp sets a monitoring check with its due date, and returns its id.
func (i *Incident) AddFollowUp(what, who string, due time.Time) (string, error) {
	if err := i.may("set a follow-up on", true, IncidentAcknowledged); err != nil {
		return "", err
	}
	now := i.clock.Now()
	what, who = strings.TrimSpace(what), strings.TrimSpace(who)
	var errs FieldErrors
	if what == "" {
		errs.add("what", "Say what will be checked.")
	}
	if who == "" {
		errs.add("who", "Say who will check it.")
	}
	switch {
	case due.IsZero():
		errs.add("due", "Give the date it is due.")
	case due.Before(startOfDay(now)):
		errs.add("due", "The due date has passed; choose today or later.")
	}
	if err := errs.err(); err != nil {
		return "", err
	}
	id := fmt.Sprintf("f%d", len(i.doc.FollowUps)+1)
	i.doc.FollowUps = append(i.doc.FollowUps, IncidentFollowUp{ID: id, What: what, Who: who, Due: due, SetAt: now, SetBy: i.actor.ID})
	// The chronology is read by people: the follow-up by what it checks,
	// never by its id (issue 20 item 8).
	i.log(EventFollowUpSet, fmt.Sprintf("Follow-up set: %s (%s), due %s", what, who, due.In(i.pack.Location()).Format("2 Jan 2006")), "")
	return id, nil
}

// CompleteFollowUp records a follow-up as done, with what was found.
func (i *Incident) CompleteFollowUp(id, note string) error {
	if err := i.may("complete a follow-up on", true, IncidentAcknowledged); err != nil {
		return err
	}
	k := slices.IndexFunc(i.doc.FollowUps, func(f IncidentFollowUp) bool { return f.ID == id })
	switch {
	case k < 0:
		return &FieldError{Field: "follow_ups", Message: "Choose the follow-up that is done."}
	case !i.doc.FollowUps[k].Open():
		return &FieldError{Field: "follow_ups." + id, Message: "This follow-up is already done."}
	case strings.TrimSpace(note) == "":
		return &FieldError{Field: "follow_ups." + id, Message: "Say what the check found."}
	}
	f := &i.doc.FollowUps[k]
	f.DoneAt, f.DoneBy, f.Note = i.clock.Now(), i.actor.ID, strings.TrimSpace(note)
	i.log(EventFollowUpDone, "Follow-up done: "+f.What, f.Note)
	return nil
}

// FollowUps lists the follow-ups, and OverdueFollowUps those whose due day
// has passed, by the clock.
func (i *Incident) FollowUps() []IncidentFollowUp { return slices.Clone(i.doc.FollowUps) }

// OverdueFollowUps are the open follow-ups whose due day has passed.
func (i *Incident) OverdueFollowUps() []IncidentFollowUp {
	now := i.clock.Now()
	var out []IncidentFollowUp
	for _, f := range i.doc.FollowUps {
		if f.Overdue(now) {
			out = append(out, f)
		}
	}
	return out
}

// PreventDraft is the Prevent referral summary pre-filled from the incident:
// the saved summary if there is one, otherwise what the record already says,
// for the DSL to check and complete.
func (i *Incident) PreventDraft() PreventSummary {
	if i.doc.Prevent != nil {
		return *i.doc.Prevent
	}
	d := i.doc
	loc := i.pack.Location()
	var p PreventSummary

	how := []string{i.originText() + ", raised " + d.RaisedAt.In(loc).Format("Mon 2 Jan 2006 15:04") + "."}
	how = append(how, nonEmpty(d.Context, d.Description)...)
	p.HowConcernArose = strings.Join(how, "\n")

	var ind []string
	if d.Type != "" {
		ind = append(ind, "Classified as "+i.classificationText()+".")
	}
	for _, w := range d.Disclosures {
		ind = append(ind, "Said: \""+w+"\"")
	}
	p.Indicators = strings.Join(ind, "\n")

	var online []string
	if pl, ok := i.pack.Platform(d.Platform); ok {
		online = append(online, "Session platform: "+pl.Label+".")
	}
	if im := d.Imagery; im != nil {
		online = append(online, "Material is at: "+strings.Join(nonEmpty(im.Platform, im.Account, im.URL), ", ")+".")
	}
	p.OnlineActivity = strings.Join(online, "\n")

	if d.Subject.Reference != "" {
		needs := subjectText(d.Subject, d.RaisedAt) + "."
		if d.WelfareConcern {
			needs += " There is a concern for their welfare."
		}
		p.Needs = needs
	}

	var talk []string
	for _, e := range d.Chronology {
		if e.Event == EventNote {
			talk = append(talk, e.At.In(loc).Format("2 Jan 15:04")+": "+e.Detail)
		}
	}
	p.DiscussionsHeld = strings.Join(talk, "\n")
	return p
}

// MayWritePrevent says whether this actor may write the Prevent referral
// summary now: the safeguarding team, once the incident is acknowledged
// (section 4; Annex 1 responses). A screen offers the summary only then.
func (i *Incident) MayWritePrevent() error {
	return i.may("write the Prevent summary of", true, IncidentAcknowledged)
}

// SavePreventSummary saves the completed Prevent referral summary.
func (i *Incident) SavePreventSummary(p PreventSummary) error {
	if err := i.MayWritePrevent(); err != nil {
		return err
	}
	if !i.facts()["prevent"] {
		if r, ok := i.pack.Route("prevent"); !ok || !applies(r.Rule, i.facts()) {
			return &FieldError{Field: "prevent", Message: "A Prevent summary is for a concern about radicalisation or extremism (section 4); check the classification."}
		}
	}
	var errs FieldErrors
	for _, f := range []struct{ field, value, msg string }{
		{"how_concern_arose", p.HowConcernArose, "Say how the concern arose."},
		{"indicators", p.Indicators, "List the indicators seen or heard."},
		{"online_activity", p.OnlineActivity, "Describe the online activity: sites, platforms, accounts, material."},
		{"needs", p.Needs, "Describe the person's needs and vulnerabilities."},
		{"discussions_held", p.DiscussionsHeld, "Say what discussions have been held, and with whom."},
	} {
		if strings.TrimSpace(f.value) == "" {
			errs.add("prevent."+f.field, f.msg)
		}
	}
	if err := errs.err(); err != nil {
		return err
	}
	p.SavedAt, p.SavedBy = i.clock.Now(), i.actor.ID
	i.doc.Prevent = &p
	i.log(EventPrevent, "Prevent referral summary written", "")
	return nil
}

// Close ends the incident with its outcome. It is refused while the
// incident is not classified or a question is unanswered, and while any
// required referral route has neither a referral nor a recorded decision
// not to refer. Required steps not done and open follow-ups are listed;
// closing with them needs reason.
func (i *Incident) Close(outcome, reason string) error {
	if err := i.may("close", true, IncidentAcknowledged); err != nil {
		return err
	}
	outcome, reason = strings.TrimSpace(outcome), strings.TrimSpace(reason)
	var errs FieldErrors
	if outcome == "" {
		errs.add("outcome", "Write the outcome: what was done and why the incident can close.")
	}
	if i.doc.Type == "" {
		errs.add("type", "Classify the incident before closing it.")
	}
	if i.doc.Illegal == nil {
		if fixed, _ := i.IllegalFixed(); !fixed {
			errs.add("illegal", "Answer: is the material or action illegal?")
		}
	}
	if i.doc.ImmediateRisk == nil {
		errs.add("immediate_risk", "Answer: is there an immediate risk?")
	}
	req := i.Requirements()
	for _, q := range req.Questions {
		if q.Required && !q.Answered {
			errs.add("questions."+q.Question.ID, "Answer: "+q.Question.Text)
		}
	}
	for _, r := range req.Routes {
		if r.Required && r.Decision() == RouteOpen {
			errs.add("routes."+r.Route.ID, r.Route.Label+": record the referral, or the reason for not making it.")
		}
	}
	var left FieldErrors
	for _, s := range req.Steps {
		if s.Required && !s.Done && !s.Skipped {
			left.add("steps."+s.Step.ID, "Not done: "+s.Step.Text)
		}
	}
	for _, f := range i.doc.FollowUps {
		if f.Open() {
			left.add("follow_ups."+f.ID, "Follow-up still open: "+f.What)
		}
	}
	if reason == "" {
		errs = append(errs, left...)
		if len(left) > 0 {
			errs.add("reason", "Some required steps or follow-ups are not done: finish them, or give the reason the incident closes without them.")
		}
	}
	if err := errs.err(); err != nil {
		return err
	}
	if len(left) == 0 {
		reason = ""
	}
	i.doc.ClosedAt, i.doc.ClosedBy, i.doc.Outcome, i.doc.CloseReason = i.clock.Now(), i.actor.ID, outcome, reason
	i.doc.Status = IncidentClosed
	detail := "Closed: " + outcome
	if len(left) > 0 {
		// In words, without the field names (issue 20 item 8).
		var undone []string
		for _, e := range left {
			undone = append(undone, strings.TrimSuffix(e.Message, "."))
		}
		detail += " (left undone: " + strings.Join(undone, "; ") + ")"
	}
	i.log(EventClosed, detail, reason)
	return nil
}
