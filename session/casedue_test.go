package session

import (
	"testing"
	"time"
)

// TestCaseDue: what home counts as due for the safeguarding team. A
// follow-up is due from the morning of its day (Annex 1: monitor the
// situation); a route the policy requires is a referral check due until it
// is referred to or declined with the DSL's reason (Annex 1; UKCIS 3.4.7:
// aggravated nudes always go to the police).
func TestCaseDue(t *testing.T) {
	aggravated := func(t *testing.T, clock *fakeClock) *Incident {
		inc := raised(t, clock)
		must(t, inc.SetSubject(child15, ""))
		must(t, inc.Describe("Her image was sent round the year group."))
		must(t, inc.Classify(Classification{Type: "nudes_semi_nudes"}, ""))
		must(t, inc.SetCircumstances(with(experimentalAnswers, func(c *Circumstances) { c.SharedWithoutConsent = yes() }), ""))
		return inc
	}
	cases := []struct {
		name string
		make func(t *testing.T) *Incident
		want CaseDue
	}{
		{"a draft is its author's, nothing due for the team", func(t *testing.T) *Incident {
			return aggravated(t, &fakeClock{t: testNow()})
		}, CaseDue{}},
		{"3.4.7 reported: the police and the child's social care referrals are due", func(t *testing.T) *Incident {
			inc := aggravated(t, &fakeClock{t: testNow()})
			must(t, inc.Report())
			return inc
		}, CaseDue{Referrals: 2}},
		{"3.4.7 police referred: one left", func(t *testing.T) *Incident {
			inc := aggravated(t, &fakeClock{t: testNow()})
			must(t, inc.Report())
			inc.actor = dsl
			must(t, inc.Acknowledge())
			must(t, inc.RecordReferral(IncidentReferral{RouteID: "police", Reference: "CAD 77"}))
			return inc
		}, CaseDue{Referrals: 1}},
		{"3.4.7 police declined with the DSL's reason: one left", func(t *testing.T) *Incident {
			inc := aggravated(t, &fakeClock{t: testNow()})
			must(t, inc.Report())
			inc.actor = dsl
			must(t, inc.Acknowledge())
			must(t, inc.DeclineRoute("police", "Images deleted from all devices under police advice line guidance."))
			return inc
		}, CaseDue{Referrals: 1}},
		{"every required route referred or declined: nothing due", func(t *testing.T) *Incident {
			inc := aggravated(t, &fakeClock{t: testNow()})
			must(t, inc.Report())
			inc.actor = dsl
			must(t, inc.Acknowledge())
			for k, r := range inc.Requirements().Routes {
				if !r.Required {
					continue
				}
				if k%2 == 0 {
					must(t, inc.RecordReferral(IncidentReferral{RouteID: r.Route.ID, Reference: "REF-1"}))
				} else {
					must(t, inc.DeclineRoute(r.Route.ID, "Handled by the school's own safeguarding lead, who was told."))
				}
			}
			return inc
		}, CaseDue{}},
		{"Annex 1 follow-up tomorrow: not due today", func(t *testing.T) *Incident {
			inc, clock := acknowledgedCyberbullying(t)
			_, err := inc.AddFollowUp("Check the chat has stopped", "Form tutor", startOfDay(clock.Now()).AddDate(0, 0, 1))
			must(t, err)
			return inc
		}, CaseDue{}},
		{"Annex 1 follow-up on its day: due", func(t *testing.T) *Incident {
			inc, clock := acknowledgedCyberbullying(t)
			due := startOfDay(clock.Now()).AddDate(0, 0, 1)
			_, err := inc.AddFollowUp("Check the chat has stopped", "Form tutor", due)
			must(t, err)
			clock.t = due.Add(9 * time.Hour)
			return inc
		}, CaseDue{FollowUps: 1}},
		{"Annex 1 follow-up done: not due", func(t *testing.T) *Incident {
			inc, clock := acknowledgedCyberbullying(t)
			due := startOfDay(clock.Now()).AddDate(0, 0, 1)
			id, err := inc.AddFollowUp("Check the chat has stopped", "Form tutor", due)
			must(t, err)
			clock.t = due.AddDate(0, 0, 3)
			must(t, inc.CompleteFollowUp(id, "The school closed the chat."))
			return inc
		}, CaseDue{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.make(t).Due(); got != c.want {
				t.Errorf("Due() = %+v, want %+v", got, c.want)
			}
		})
	}
}
