package seed

import (
	"context"
	"fmt"
	"time"

	"safeguard/companion/session"
	"safeguard/companion/vault"
)

// seededCase is an incident as the generator last sealed it: the document
// and the envelope the next version names as its parent.
type seededCase struct {
	doc   session.IncidentDocument
	entry vault.Entry
}

// actor is a person of the demo organisation as the incident flow sees
// them: by key id, as the app's escalation does, with the safeguarding role
// from the directory.
func (g *generator) actor(who string) session.Actor {
	return session.Actor{ID: g.w.Vaults[who].KeyID(), Safeguarding: who == DSL}
}

// incident raises, writes and reports an incident from a session, exactly as
// the practitioner would in the app, seals it with ReportIncident, and
// schedules the DSL's versions.
func (g *generator) incident(ctx context.Context, id string, k incidentKind, rec session.Document, at time.Time) error {
	pack := g.w.Pack
	g.w.Clock.Set(at)
	origin := session.Origin{Kind: session.OriginSession, SessionID: rec.ID, SessionState: session.Live, Elapsed: at.Sub(rec.Plan.Start),
		Method: rec.Plan.Method, Platform: rec.Plan.Platform, Disclosures: disclosures(rec.Markers)}
	inc, err := session.RaiseIncident(pack, g.w.Clock, id, g.actor(Practitioner), origin, rec.Plan.Customer)
	if err != nil {
		return err
	}
	steps := []func() error{
		inc.ConfirmGuidance,
		func() error { return inc.Describe(k.description + " (fictional)") },
		func() error {
			return inc.Classify(session.Classification{Type: k.typ, Subtype: k.subtype, WelfareConcern: k.welfare}, "")
		},
		func() error { return answerQuestions(inc, k.typ) },
		func() error {
			if fixed, _ := inc.IllegalFixed(); fixed {
				return nil
			}
			return inc.SetIllegal(k.illegal, k.why)
		},
		func() error { return inc.SetImmediateRisk(false, "Safe where they are now; no one is in danger.") },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return fmt.Errorf("%s: %w", k.typ, err)
		}
	}
	if inc.Requirements().AttachmentsAllowed == false && k.imagery {
		if err := inc.RecordImagery(session.Imagery{Platform: "Snapchat", Account: "a fictional account", Attestation: session.NotViewed}); err != nil {
			return fmt.Errorf("%s: %w", k.typ, err)
		}
	}
	// The practitioner's own required steps (secure the evidence, assess
	// the risk to the user) are done before reporting.
	for _, s := range inc.Requirements().Steps {
		if s.Required && !s.Done && !s.Skipped && s.Step.Actor == session.ByPractitioner && len(s.Step.CompletedBy) == 0 {
			if err := inc.CompleteStep(s.Step.ID, "Done during the session."); err != nil {
				return fmt.Errorf("%s: step %s: %w", k.typ, s.Step.ID, err)
			}
		}
	}
	if err := inc.Report(); err != nil {
		return fmt.Errorf("%s: %w", k.typ, err)
	}
	doc := inc.Document()
	e, err := g.w.Vaults[Practitioner].ReportIncident(ctx, doc.ID, doc, nil)
	if err != nil {
		return err
	}
	g.w.IncidentIDs = append(g.w.IncidentIDs, doc.ID)
	g.dslVersions(&seededCase{doc: doc, entry: e})
	return nil
}

func disclosures(ms []session.Marker) []string {
	var out []string
	for _, m := range ms {
		if m.Kind == session.MarkDisclosure && m.ExactWords != "" {
			out = append(out, m.ExactWords)
		}
	}
	return out
}

// dslVersions schedules the DSL's handling of an incident, each action a new
// sealed version at its own date: acknowledged within minutes to a day and
// a half, often referred, given a monitoring follow-up, and closed after
// days to weeks. The counts are kept as the actions are scheduled.
func (g *generator) dslVersions(c *seededCase) {
	raised := c.doc.RaisedAt
	qc := g.counts(raised)
	qc.Escalations++
	qc.ByCategory[c.doc.Category]++
	qc.ByType[c.doc.Type]++
	ack := raised.Add(time.Duration(10+g.rng.IntN(36*60)) * time.Minute)
	if !ack.After(g.cfg.Until) {
		qc.Acknowledged++
		if ack.Sub(raised) > session.AckWithin {
			qc.AckLate++
		}
	} else {
		g.w.OpenCases++
		return
	}
	g.later(ack, func(ctx context.Context) error {
		return g.dslVersion(ctx, c, func(inc *session.Incident) error { return inc.Acknowledge() })
	})
	at := ack
	if g.chance(0.6) {
		at = at.Add(time.Duration(1+g.rng.IntN(48)) * time.Hour)
		pickAt := g.rng.Uint64()
		if !at.After(g.cfg.Until) {
			// The route depends on the incident, so it is chosen now, from
			// what the domain offers, to keep the agency counts known.
			route, err := g.referralRoute(c, pickAt)
			if err == nil {
				referred := at.Add(-20 * time.Minute)
				rc := g.counts(referred)
				rc.Referrals++
				rc.ByAgency[string(route.Agency)]++
				ref := fmt.Sprintf("REF-%06d", g.rng.IntN(1000000))
				g.later(at, func(ctx context.Context) error {
					return g.dslVersion(ctx, c, func(inc *session.Incident) error {
						return inc.RecordReferral(session.IncidentReferral{RouteID: route.ID, Reference: ref, ReferredAt: referred,
							Note: "Referral made by phone and confirmed by e-mail."})
					})
				})
			}
		}
	}
	at = at.Add(time.Hour)
	due := startOfDay(at.AddDate(0, 0, 7+g.rng.IntN(14)), g.loc)
	g.later(at, func(ctx context.Context) error {
		return g.dslVersion(ctx, c, func(inc *session.Incident) error {
			_, err := inc.AddFollowUp("Check in with the customer and their support", "Morgan", due)
			return err
		})
	})
	closeAt := due.Add(time.Duration(9+g.rng.IntN(10*24)) * time.Hour)
	if g.chance(0.85) && !closeAt.After(g.cfg.Until) && closeAt.After(at) {
		g.counts(closeAt).Closed++
		g.later(closeAt, func(ctx context.Context) error { return g.dslVersion(ctx, c, g.closeCase) })
	} else {
		g.w.OpenCases++
	}
}

func startOfDay(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
}

// referralRoute picks the route a referral will go to: a required one if
// the incident has one, else any the flow offers. It reads the incident as
// the practitioner reported it; the routes depend only on its facts.
func (g *generator) referralRoute(c *seededCase, pick uint64) (session.ReferralRoute, error) {
	inc, err := session.RestoreIncident(g.w.Pack, g.w.Clock, c.doc, g.actor(DSL))
	if err != nil {
		return session.ReferralRoute{}, err
	}
	var required, offered []session.ReferralRoute
	for _, r := range inc.Requirements().Routes {
		offered = append(offered, r.Route)
		if r.Required {
			required = append(required, r.Route)
		}
	}
	if len(required) > 0 {
		offered = required
	}
	if len(offered) == 0 {
		return session.ReferralRoute{}, fmt.Errorf("no route for %s", c.doc.Type)
	}
	return offered[pick%uint64(len(offered))], nil
}

// closeCase does what is left and closes: the follow-ups checked, the
// Prevent summary written where the policy asks, every required route
// referred or declined with a reason, and every required step of the DSL's
// done or skipped with a reason, so Close accepts it without a reason.
func (g *generator) closeCase(inc *session.Incident) error {
	for _, f := range inc.FollowUps() {
		if f.Open() {
			if err := inc.CompleteFollowUp(f.ID, "Checked in: settled, support in place."); err != nil {
				return err
			}
		}
	}
	req := inc.Requirements()
	if req.Prevent && inc.Document().Prevent == nil {
		p := inc.PreventDraft()
		fill := func(s *string, v string) {
			if *s == "" {
				*s = v
			}
		}
		fill(&p.HowConcernArose, "Raised during a careers session.")
		fill(&p.Indicators, "Repeated the channel's language.")
		fill(&p.OnlineActivity, "Watches videos from one channel most evenings.")
		fill(&p.Needs, "Isolated since moving house.")
		fill(&p.DiscussionsHeld, "Talked it through with the customer and the practitioner.")
		if err := inc.SavePreventSummary(p); err != nil {
			return err
		}
	}
	for _, r := range inc.Requirements().Routes {
		if r.Required && r.Decision() == session.RouteOpen {
			if err := inc.DeclineRoute(r.Route.ID, "Discussed with the agency's advice line; no referral needed."); err != nil {
				return err
			}
		}
	}
	for _, s := range inc.Requirements().Steps {
		if !s.Required || s.Done || s.Skipped {
			continue
		}
		var err error
		if len(s.Step.CompletedBy) == 0 {
			err = inc.CompleteStep(s.Step.ID, "Done.")
		} else {
			err = inc.SkipStep(s.Step.ID, "Not needed: the referral decision is recorded.")
		}
		if err != nil {
			return fmt.Errorf("step %s: %w", s.Step.ID, err)
		}
	}
	return inc.Close("Support in place; no further concerns at monitoring.", "")
}

// dslVersion applies one DSL action to the latest version of an incident and
// seals the result as a new version with the previous one as its parent.
func (g *generator) dslVersion(ctx context.Context, c *seededCase, act func(*session.Incident) error) error {
	inc, err := session.RestoreIncident(g.w.Pack, g.w.Clock, c.doc, g.actor(DSL))
	if err != nil {
		return fmt.Errorf("seed: incident %s: %w", c.doc.ID, err)
	}
	if err := act(inc); err != nil {
		return fmt.Errorf("seed: incident %s (%s): %w", c.doc.ID, c.doc.Type, err)
	}
	doc := inc.Document()
	// Sealed for the raiser too, so the practitioner sees what became of it.
	e, err := g.w.Vaults[DSL].ReportIncidentFor(ctx, g.id("incv"), doc, &c.entry, vault.SubjectOf(c.entry))
	if err != nil {
		return fmt.Errorf("seed: incident %s: %w", c.doc.ID, err)
	}
	c.doc, c.entry = doc, e
	return nil
}

// answerQuestions gives the answers the flow asks for (issue 13): a
// moderate severity; for grooming, an adult met online; otherwise a peer,
// and for nude imagery the three answers of an experimental incident
// (3.4.7.2).
func answerQuestions(inc *session.Incident, typ string) error {
	return answerQuestionsDepth(inc, typ, 3)
}

func answerQuestionsDepth(inc *session.Incident, typ string, depth int) error {
	yes, no := true, false
	c := session.Circumstances{Severity: "moderate"}
	for _, q := range inc.Requirements().Questions {
		if !q.Required {
			continue
		}
		switch q.Question.ID {
		case session.QOtherParty:
			c.OtherParty = &session.OtherParty{Is: session.PartyChild, Relationship: session.RelPeer}
			if typ == "grooming" {
				c.OtherParty = &session.OtherParty{Is: session.PartyAdult, Relationship: session.RelStrangerOnline}
			}
		case session.QNudeImagery:
			c.NudeImagery = &yes
		case session.QIntentToHarm:
			c.IntentToHarm = &no
		case session.QRecklessMisuse:
			c.RecklessMisuse = &no
		case session.QSharedWithoutConsent:
			c.SharedWithoutConsent = &no
		case session.QThreatsOrCoercion:
			c.ThreatsOrCoercion = &no
		}
	}
	if err := inc.SetCircumstances(c, ""); err != nil {
		return err
	}
	// Answers can raise further questions (images involved: the 3.4.7.2
	// three); answer those too.
	for _, q := range inc.Requirements().Questions {
		if q.Required && !q.Answered && depth > 0 {
			return answerQuestionsDepth(inc, typ, depth-1)
		}
	}
	return nil
}
