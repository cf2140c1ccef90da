package session

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Information sharing (issue 16 section 4). Working Together to Safeguard
// Children 2023 (chapter 2, information sharing) and the government's
// Information sharing advice for safeguarding practitioners (2024) ask that
// every decision to share is recorded: what was shared, with whom, why,
// and on what basis: with consent, or without it and why (UK GDPR Art 6
// and 9; DPA 2018 Sch 8 para 4, safeguarding of children and individuals
// at risk, allows sharing without consent where seeking it would place the
// person at risk or cannot reasonably be expected).

// EventShared is a chronology entry for information shared.
const EventShared ChronologyEvent = "information_shared"

// SharingBasis is the basis information was shared on.
type SharingBasis string

const (
	SharedWithConsent    SharingBasis = "consent"
	SharedWithoutConsent SharingBasis = "without_consent"
)

// InformationSharing is one referral or disclosure to another agency.
type InformationSharing struct {
	// With is who received it (a role or named officer) and Agency which
	// agency they are in.
	With   string       `json:"with"`
	Agency Agency       `json:"agency"`
	What   string       `json:"what"`
	Why    string       `json:"why"`
	Basis  SharingBasis `json:"basis"`
	// ConsentFrom is who consented (the young person, a parent or carer);
	// WithoutConsentWhy why consent was not sought or was overridden.
	ConsentFrom       string    `json:"consent_from,omitempty"`
	WithoutConsentWhy string    `json:"without_consent_why,omitempty"`
	SharedAt          time.Time `json:"shared_at"`
	RecordedAt        time.Time `json:"recorded_at"`
	By                string    `json:"by"`
}

// Describe is the sharing in words, for the chronology and reports.
func (s InformationSharing) Describe(loc *time.Location) string {
	basis := "with the consent of " + s.ConsentFrom
	if s.Basis == SharedWithoutConsent {
		basis = "without consent: " + s.WithoutConsentWhy
	}
	return fmt.Sprintf("Shared with %s (%s) on %s: %s. Why: %s. Basis: %s.", s.With, s.Agency.Label(),
		s.SharedAt.In(loc).Format("2 Jan 2006 15:04"), strings.TrimSuffix(s.What, "."), strings.TrimSuffix(s.Why, "."), strings.TrimSuffix(basis, "."))
}

// RecordSharing records information shared with another agency, by the
// safeguarding team, on an incident being worked.
func (i *Incident) RecordSharing(s InformationSharing) error {
	if err := i.may("record information shared on", true, IncidentAcknowledged); err != nil {
		return err
	}
	now := i.clock.Now()
	s.With, s.What, s.Why = strings.TrimSpace(s.With), strings.TrimSpace(s.What), strings.TrimSpace(s.Why)
	s.ConsentFrom, s.WithoutConsentWhy = strings.TrimSpace(s.ConsentFrom), strings.TrimSpace(s.WithoutConsentWhy)
	if s.SharedAt.IsZero() {
		s.SharedAt = now
	}
	var errs FieldErrors
	if s.With == "" {
		errs.add("with", "Say who the information was shared with (their role or name).")
	}
	if !slices.Contains(Agencies(), s.Agency) {
		errs.add("agency", "Choose the agency they work for.")
	}
	if s.What == "" {
		errs.add("what", "Say what was shared.")
	}
	if s.Why == "" {
		errs.add("why", "Say why it was shared.")
	}
	switch s.Basis {
	case SharedWithConsent:
		if s.ConsentFrom == "" {
			errs.add("consent_from", "Say who gave consent (the young person, a parent or carer).")
		}
		s.WithoutConsentWhy = ""
	case SharedWithoutConsent:
		if s.WithoutConsentWhy == "" {
			errs.add("without_consent_why", "Say why it was shared without consent (for example, seeking consent would place the young person at risk).")
		}
		s.ConsentFrom = ""
	default:
		errs.add("basis", "Say whether it was shared with consent or without it.")
	}
	if s.SharedAt.After(now) {
		errs.add("shared_at", "That time is in the future; check it.")
	}
	if s.SharedAt.Before(i.doc.RaisedAt.Add(-24 * time.Hour)) {
		errs.add("shared_at", "That is before the incident was raised; check it.")
	}
	if err := errs.err(); err != nil {
		return err
	}
	s.RecordedAt, s.By = now, i.actor.ID
	i.doc.Sharing = append(i.doc.Sharing, s)
	i.log(EventShared, s.Describe(i.pack.Location()), "")
	return nil
}
