package session

// CaseDue is what an incident asks of the safeguarding team at the
// incident's clock's now (issue 15: a home that says what needs you).
type CaseDue struct {
	// FollowUps are the open monitoring follow-ups due today or before
	// (Annex 1: monitor the situation for developments or recurrence).
	FollowUps int
	// Referrals are the referral checks due: routes the policy requires
	// for this incident that are neither referred to nor declined with the
	// DSL's reason (Annex 1; UKCIS 3.4.7 for aggravated nudes).
	Referrals int
}

// Due counts what is due on the incident. A draft is its author's, not
// yet the team's; a closed incident asks nothing.
func (i *Incident) Due() CaseDue {
	var d CaseDue
	if i.doc.Status == IncidentDraft || i.doc.Status == IncidentClosed {
		return d
	}
	tomorrow := startOfDay(i.clock.Now()).AddDate(0, 0, 1)
	for _, f := range i.doc.FollowUps {
		if f.Open() && f.Due.Before(tomorrow) {
			d.FollowUps++
		}
	}
	for _, r := range i.Requirements().Routes {
		if r.Required && r.Decision() == RouteOpen {
			d.Referrals++
		}
	}
	return d
}
