package app

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"safeguard/companion/seed"
	"safeguard/companion/session"
)

// Working Together 2023 (information sharing): the DSL records what was
// shared, with whom, why and on what basis; without consent needs the
// reason; it is sealed into the case, shown in its chronology, and counted
// in the Board's report.
func TestCaseRecordsInformationSharing(t *testing.T) {
	u, w := newSeededUI(t, seed.DSL)
	id := raiseTestIncident(t, w)
	clock := u.cfg.Clock.(*fixedClock)
	u.ShowCases()
	settle(u)
	openCase(t, u, "CUS-T014")
	clock.Advance(5 * time.Minute)
	tap(t, u, "Acknowledge")
	mustSee(t, u, "Acknowledged.", "Information shared with other agencies (Working Together 2023)")

	clock.Advance(5 * time.Minute)
	test.Type(findEntry(t, u, "Shared with (role or name)"), "DC Patel, child abuse investigation team")
	findSelect(t, u, "Their agency").SetSelected(session.AgencyPolice.Label())
	test.Type(findEntry(t, u, "What was shared"), "The disclosure in her words and the account name")
	test.Type(findEntry(t, u, "Why it was shared"), "Grooming of a 14-year-old: a crime")
	findRadio(t, u, "Without consent").SetSelected("Without consent")
	tap(t, u, "Record information shared")
	mustSee(t, u, "Say why it was shared without consent")
	if c, _ := dslCase(t, w, id); len(c.Doc().Sharing) != 0 {
		t.Fatal("a refused sharing was sealed")
	}
	test.Type(findEntry(t, u, "Why without consent"), "Telling her family could alert the adult grooming her")
	tap(t, u, "Record information shared")
	mustSee(t, u, "Information sharing recorded.",
		"Basis: without consent: Telling her family could alert the adult grooming her.")
	c, _ := dslCase(t, w, id)
	d := c.Doc()
	if len(d.Sharing) != 1 || d.Sharing[0].Agency != session.AgencyPolice || d.Chronology[len(d.Chronology)-1].Event != session.EventShared {
		t.Fatalf("sealed: %+v", d.Sharing)
	}
	if !strings.Contains(visibleTexts(u), "Shared with DC Patel, child abuse investigation team (Police)") {
		t.Fatal("the chronology does not show the sharing")
	}
	screenshot(t, u, "46-case-information-sharing")
}
