package session

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"safeguard/companion/assets"
)

func defaultPack(t testing.TB) *Pack {
	t.Helper()
	p, err := DefaultPack()
	if err != nil {
		t.Fatalf("default pack: %v", err)
	}
	return p
}

// The embedded pack is the policy: check it says what the clauses say.
func TestDefaultPackFollowsPolicy(t *testing.T) {
	p := defaultPack(t)
	if got := p.Session.NormalDurationMinutes; got != 45 {
		t.Errorf("Annex 2 3.3: normal duration = %d, want 45", got)
	}
	wantMethods := map[string]Mode{"video": RealTime, "telephone": RealTime, "instant_chat": RealTime, "email": Delayed, "letter": Delayed, "text": Delayed}
	for id, mode := range wantMethods {
		m, ok := p.Method(id)
		if !ok || m.Mode != mode {
			t.Errorf("Annex 2 1.1-1.2: method %q = %+v, want mode %s", id, m, mode)
		}
	}
	wantAgreement := []string{"confidentiality", "recording", "time", "ethics"}
	for i, id := range wantAgreement {
		if i >= len(p.Agreement) || p.Agreement[i].ID != id {
			t.Fatalf("Annex 2 2.1: agreement points = %+v, want %v", p.Agreement, wantAgreement)
		}
	}
	wantItems := map[string]Clause{
		"training_current": "Annex 2 1.2", "crisis_plan": "Annex 2 1.3.3", "customer_notified": "Annex 2 1.3.4",
		"parent_carer_informed": "Annex 2 1.3.5", "facilitator_invited": "Annex 2 3.5", "platform_suitable": "Annex 2 3.6",
		"clothing": "Annex 2 3.7", "device_location": "Annex 2 3.8", "language": "Annex 2 3.9",
	}
	for id, clause := range wantItems {
		found := false
		for _, c := range p.Checklist {
			if c.ID == id {
				found = true
				if c.Clause != clause {
					t.Errorf("checklist %q cites %q, want %q", id, c.Clause, clause)
				}
			}
		}
		if !found {
			t.Errorf("checklist lacks %q (%s)", id, clause)
		}
	}
	for _, pl := range p.Platforms {
		if pl.Clause == "" || pl.JoinInstructions == "" {
			t.Errorf("platform %q lacks clause or join instructions", pl.ID)
		}
	}
	if !strings.Contains(p.Consent.Statement, "GDPR") || !strings.Contains(p.Consent.Statement, "safeguarding") {
		t.Errorf("Annex 2 1.3.6 / 2.1: consent statement must cover safeguarding limits and GDPR recording")
	}
}

// mutate loads the default pack as generic JSON, applies f, and re-encodes it.
func mutate(t *testing.T, f func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(assets.PolicyPack, &m); err != nil {
		t.Fatal(err)
	}
	f(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLoadPackRefusesBadPacks(t *testing.T) {
	item := func(m map[string]any, key string, i int) map[string]any {
		return m[key].([]any)[i].(map[string]any)
	}
	incident := func(m map[string]any, key string, i int) map[string]any {
		return item(m["incident"].(map[string]any), key, i)
	}
	cases := []struct {
		name      string
		data      []byte
		wantField string
		wantWords string
	}{
		{"empty file", []byte(""), "(file)", "empty"},
		{"not JSON", []byte("checklist: yes"), "(file)", "not valid JSON at line 1"},
		{"two documents", append(append([]byte{}, assets.PolicyPack...), []byte("{}")...), "(file)", "more than one"},
		{"unknown field", mutate(t, func(m map[string]any) { m["checklsit"] = []any{} }), "checklsit", "misspelt"},
		{"wrong type", mutate(t, func(m map[string]any) { m["session"].(map[string]any)["normal_duration_minutes"] = "45" }), "session.normal_duration_minutes", "should be int"},
		{"no version", mutate(t, func(m map[string]any) { delete(m, "version") }), "version", "missing"},
		{"3.3 duration zero", mutate(t, func(m map[string]any) { m["session"].(map[string]any)["normal_duration_minutes"] = 0 }), "session.normal_duration_minutes", "between 5 and 240"},
		{"3.3 warning after end", mutate(t, func(m map[string]any) { m["session"].(map[string]any)["warning_minutes"] = []any{50} }), "session.warning_minutes[0]", "shorter than the session"},
		{"3.3 bad day", mutate(t, func(m map[string]any) {
			m["session"].(map[string]any)["agreed_hours"].(map[string]any)["days"] = []any{"monday"}
		}), "session.agreed_hours.days[0]", "not a day"},
		{"3.3 end before start", mutate(t, func(m map[string]any) {
			m["session"].(map[string]any)["agreed_hours"].(map[string]any)["end"] = "07:00"
		}), "session.agreed_hours.end", "later than start"},
		{"3.3 bad zone", mutate(t, func(m map[string]any) {
			m["session"].(map[string]any)["agreed_hours"].(map[string]any)["time_zone"] = "Mars/Base"
		}), "session.agreed_hours.time_zone", "IANA"},
		{"item without clause", mutate(t, func(m map[string]any) { delete(item(m, "checklist", 0), "clause") }), "checklist[0].clause", "cite the policy clause"},
		{"duplicate item id", mutate(t, func(m map[string]any) { item(m, "checklist", 1)["id"] = "training_current" }), "checklist[1].id", "used twice"},
		{"bad if_unmet", mutate(t, func(m map[string]any) { item(m, "checklist", 0)["if_unmet"] = "ignore" }), "checklist[0].if_unmet", "mitigate"},
		{"3.6 platform of unknown method", mutate(t, func(m map[string]any) { item(m, "platforms", 0)["method"] = "carrier_pigeon" }), "platforms[0].method", "not one of the delivery_methods"},
		{"3.6 absurd minimum age", mutate(t, func(m map[string]any) { item(m, "platforms", 0)["minimum_age"] = 99 }), "platforms[0].minimum_age", "between 0 and 25"},
		{"1.3.6 no consent statement", mutate(t, func(m map[string]any) { m["consent"].(map[string]any)["statement"] = " " }), "consent.statement", "missing"},
		{"1.3.6 SMS too long", mutate(t, func(m map[string]any) { m["consent"].(map[string]any)["sms"] = strings.Repeat("x", 400) }), "consent.sms", "two text messages"},
		{"2.1 no agreement", mutate(t, func(m map[string]any) { m["agreement"] = []any{} }), "agreement", "Annex 2 2.1"},
		{"1.2 training validity", mutate(t, func(m map[string]any) { m["training_valid_months"] = 0 }), "training_valid_months", "between 1 and 60"},
		{"2.9 idle lock", mutate(t, func(m map[string]any) { m["lock_after_minutes"] = 0 }), "lock_after_minutes", "between 1 and 120"},
		{"Annex 1 no incident section", mutate(t, func(m map[string]any) { delete(m, "incident") }), "incident.clause", "cite the policy clause"},
		{"Annex 1 no guidance", mutate(t, func(m map[string]any) { m["incident"].(map[string]any)["guidance"] = []any{} }), "incident.guidance", "Annex 1 guidance"},
		{"Annex 1 no emergency number", mutate(t, func(m map[string]any) { delete(incident(m, "contacts", 0), "number") }), "incident.contacts", "999"},
		{"Annex 1 a person's number in the pack", mutate(t, func(m map[string]any) { incident(m, "contacts", 1)["number"] = "ring Jo" }), "incident.contacts[1].number", "directory"},
		{"1.4 type of unknown category", mutate(t, func(m map[string]any) { incident(m, "types", 0)["category"] = "chaos" }), "incident.types[0].category", "not one of the incident categories"},
		{"3.4 type without clause", mutate(t, func(m map[string]any) { delete(incident(m, "types", 3), "clause") }), "incident.types[3].clause", "cite the policy clause"},
		{"3.3 no attachments without the reason", mutate(t, func(m map[string]any) { incident(m, "types", 2)["no_attachments_reason"] = "" }), "incident.types[2].no_attachments_reason", "missing"},
		{"3.4.7 duplicate subtype", mutate(t, func(m map[string]any) {
			incident(m, "types", 3)["subtypes"].([]any)[1].(map[string]any)["id"] = "experimental"
		}), "incident.types[3].subtypes[1].id", "used twice"},
		{"Annex 1 unknown fact", mutate(t, func(m map[string]any) { incident(m, "routes", 0)["require"] = []any{"immediate_danger"} }), "incident.routes[0].require[0]", "not a fact"},
		{"Annex 1 malformed condition", mutate(t, func(m map[string]any) { incident(m, "routes", 0)["offer"] = []any{"child++illegal"} }), "incident.routes[0].offer[0]", "joined by +"},
		{"3.4 condition names an unknown type", mutate(t, func(m map[string]any) { incident(m, "steps", 0)["require"] = []any{"type:sexting"} }), "incident.steps[0].require[0]", "does not define"},
		{"Annex 1 exclusion without its reason", mutate(t, func(m map[string]any) { delete(incident(m, "routes", 1), "never_reason") }), "incident.routes[1].never_reason", "missing"},
		{"Annex 1 route of unknown agency", mutate(t, func(m map[string]any) { incident(m, "routes", 0)["agency"] = "fbi" }), "incident.routes[0].agency", "not one of"},
		{"Annex 1 step completed by an unknown route", mutate(t, func(m map[string]any) { incident(m, "steps", 0)["completed_by"] = []any{"referral:nowhere"} }), "incident.steps[0].completed_by[0]", "does not define"},
		{"Annex 1 step of unknown section", mutate(t, func(m map[string]any) { incident(m, "steps", 0)["section"] = "misc" }), "incident.steps[0].section", "decision_tree"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadPack(bytes.NewReader(tc.data))
			var pe *PackError
			if !errors.As(err, &pe) || !errors.Is(err, ErrInvalidPack) {
				t.Fatalf("LoadPack: err = %v, want a PackError", err)
			}
			if pe.Field != tc.wantField || !strings.Contains(pe.Error(), tc.wantWords) {
				t.Errorf("got field %q, %q; want field %q mentioning %q", pe.Field, pe.Error(), tc.wantField, tc.wantWords)
			}
		})
	}
}

func TestLoadPackAcceptsOrganisationPack(t *testing.T) {
	data := mutate(t, func(m map[string]any) {
		m["version"] = "2024.01-1"
		m["session"].(map[string]any)["normal_duration_minutes"] = 60
	})
	p, err := LoadPack(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if p.Version != "2024.01-1" || p.NormalDuration() != time.Hour {
		t.Errorf("loaded %q %v", p.Version, p.NormalDuration())
	}
}

func TestWithinAgreedHours(t *testing.T) {
	p := defaultPack(t)
	london, _ := time.LoadLocation("Europe/London")
	cases := []struct {
		name  string
		start time.Time
		d     time.Duration
		want  bool
	}{
		{"Annex 2 3.3 weekday morning", time.Date(2026, 11, 25, 10, 0, 0, 0, london), 45 * time.Minute, true},
		{"Annex 2 3.3 starts at opening", time.Date(2026, 11, 25, 8, 30, 0, 0, london), 45 * time.Minute, true},
		{"Annex 2 3.3 ends at closing", time.Date(2026, 11, 25, 17, 15, 0, 0, london), 45 * time.Minute, true},
		{"Annex 2 3.3 runs past closing", time.Date(2026, 11, 25, 17, 30, 0, 0, london), 45 * time.Minute, false},
		{"Annex 2 3.3 before opening", time.Date(2026, 11, 25, 8, 0, 0, 0, london), 45 * time.Minute, false},
		{"Annex 2 3.3 Saturday", time.Date(2026, 11, 28, 10, 0, 0, 0, london), 45 * time.Minute, false},
		{"Annex 2 3.3 UTC time in BST", time.Date(2026, 7, 1, 7, 45, 0, 0, time.UTC), 30 * time.Minute, true},
	}
	for _, tc := range cases {
		if got := p.WithinAgreedHours(tc.start, tc.d); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

// FuzzLoadPack: the loader reads an organisation's file, which is outside
// input. It must never panic, and anything it accepts must validate and
// survive a round trip.
func FuzzLoadPack(f *testing.F) {
	f.Add(assets.PolicyPack)
	if seeds, err := os.ReadDir("testdata/packs"); err == nil {
		for _, e := range seeds {
			b, err := os.ReadFile("testdata/packs/" + e.Name())
			if err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := LoadPack(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrInvalidPack) {
				t.Fatalf("error is not an ErrInvalidPack: %v", err)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("accepted pack fails validation: %v", err)
		}
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := LoadPack(bytes.NewReader(b)); err != nil {
			t.Fatalf("round trip of an accepted pack fails: %v", err)
		}
	})
}

func TestPackRefusesAnUnknownSourceOfAnswers(t *testing.T) {
	p := defaultPack(t)
	p.Checklist[0].KnownFrom = "the customer's word"
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "known_from") {
		t.Fatalf("a checklist item answered from nowhere: %v", err)
	}
}
