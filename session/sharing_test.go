package session

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// Working Together 2023 ch 2 and the information sharing advice (2024):
// every sharing says what, with whom, why and on what basis; without
// consent, why. It goes into the chronology.
func TestRecordSharing(t *testing.T) {
	ok := InformationSharing{With: "Duty social worker, MASH", Agency: AgencySocialCare, What: "The messages and her account of them",
		Why: "Pattern of bullying with self-harm risk", Basis: SharedWithConsent, ConsentFrom: "the young person"}
	cases := []struct {
		name  string
		edit  func(s *InformationSharing)
		field string
	}{
		{"Working Together 2023 with whom", func(s *InformationSharing) { s.With = " " }, "with"},
		{"Working Together 2023 which agency", func(s *InformationSharing) { s.Agency = "school" }, "agency"},
		{"Working Together 2023 what was shared", func(s *InformationSharing) { s.What = "" }, "what"},
		{"Working Together 2023 why", func(s *InformationSharing) { s.Why = "" }, "why"},
		{"UK GDPR Art 6 a basis", func(s *InformationSharing) { s.Basis = "" }, "basis"},
		{"UK GDPR Art 6 consent from whom", func(s *InformationSharing) { s.ConsentFrom = "" }, "consent_from"},
		{"DPA 2018 Sch 8 para 4 without consent needs why", func(s *InformationSharing) { s.Basis = SharedWithoutConsent }, "without_consent_why"},
		{"shared in the future", func(s *InformationSharing) { s.SharedAt = testNow().Add(48 * time.Hour) }, "shared_at"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inc, _ := acknowledgedCyberbullying(t)
			s := ok
			tc.edit(&s)
			err := inc.RecordSharing(s)
			if fe := Fields(err); len(fe) == 0 || fe[0].Field != tc.field {
				t.Fatalf("err = %v, want field %s", err, tc.field)
			}
		})
	}
	inc, _ := acknowledgedCyberbullying(t)
	without := ok
	without.Basis, without.WithoutConsentWhy, without.With, without.Agency = SharedWithoutConsent, "Asking her father would alert the alleged abuser", "PC 1234, child abuse investigation team", AgencyPolice
	must(t, inc.RecordSharing(ok))
	must(t, inc.RecordSharing(without))
	d := inc.Document()
	if len(d.Sharing) != 2 || d.Sharing[1].ConsentFrom != "" || d.Sharing[0].By != dsl.ID {
		t.Fatalf("sharing kept: %+v", d.Sharing)
	}
	last := d.Chronology[len(d.Chronology)-1]
	if last.Event != EventShared || !strings.Contains(last.Detail, "Shared with PC 1234, child abuse investigation team (Police)") ||
		!strings.Contains(last.Detail, "Basis: without consent: Asking her father would alert the alleged abuser.") {
		t.Errorf("the chronology says it: %+v", last)
	}
	inc.actor = Actor{ID: "key-prac"}
	if err := inc.RecordSharing(ok); !errors.Is(err, ErrSafeguardingOnly) {
		t.Errorf("Annex 1 only the DSL shares: %v", err)
	}
}
