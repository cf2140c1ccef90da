package session

// RequiredSteps, OfferedSteps and the like list the ids in Requirements,
// for the tests: the screens bind to Requirements itself. They were in
// incident_rules.go until issue 15 took test-only code out of production.

// RequiredSteps lists the ids of the required steps.
func (r Requirements) RequiredSteps() []string {
	var out []string
	for _, s := range r.Steps {
		if s.Required {
			out = append(out, s.Step.ID)
		}
	}
	return out
}

// OfferedSteps lists the ids of every step shown, required or not.
func (r Requirements) OfferedSteps() []string {
	var out []string
	for _, s := range r.Steps {
		out = append(out, s.Step.ID)
	}
	return out
}

// RequiredRoutes lists the ids of the referral routes that need a referral
// or a recorded decision not to refer.
func (r Requirements) RequiredRoutes() []string {
	var out []string
	for _, s := range r.Routes {
		if s.Required {
			out = append(out, s.Route.ID)
		}
	}
	return out
}

// OfferedRoutes lists the ids of every referral route shown.
func (r Requirements) OfferedRoutes() []string {
	var out []string
	for _, s := range r.Routes {
		out = append(out, s.Route.ID)
	}
	return out
}

// RequiredContacts lists the ids of the contacts the flow requires telling.
func (r Requirements) RequiredContacts() []string {
	var out []string
	for _, c := range r.Contacts {
		if c.Required {
			out = append(out, c.Contact.ID)
		}
	}
	return out
}

// OfferedContacts lists the ids of every contact shown.
func (r Requirements) OfferedContacts() []string {
	var out []string
	for _, c := range r.Contacts {
		out = append(out, c.Contact.ID)
	}
	return out
}

// AskedQuestions lists the ids of the questions asked of this incident.
func (r Requirements) AskedQuestions() []string {
	var out []string
	for _, q := range r.Questions {
		out = append(out, q.Question.ID)
	}
	return out
}

// RequiredQuestions lists the ids of the questions that must be answered.
func (r Requirements) RequiredQuestions() []string {
	var out []string
	for _, q := range r.Questions {
		if q.Required {
			out = append(out, q.Question.ID)
		}
	}
	return out
}

// RouteWhy returns why a route is shown (required or offered) or, if
// excluded, why not; "" if the route is neither.
func (r Requirements) RouteWhy(id string) string {
	for _, s := range r.Routes {
		if s.Route.ID == id {
			return s.Why
		}
	}
	for _, e := range r.Excluded {
		if e.Kind == "route" && e.ID == id {
			return e.Reason
		}
	}
	return ""
}

// ExcludedReason returns why an item is not offered, or "".
func (r Requirements) ExcludedReason(id string) string {
	for _, e := range r.Excluded {
		if e.ID == id {
			return e.Reason
		}
	}
	return ""
}

// Facts lists the facts that hold for this incident, sorted: what the
// rules of the pack read. The screens do not need it; the tests do.
func (i *Incident) Facts() []string { return trueFacts(i.facts()) }
