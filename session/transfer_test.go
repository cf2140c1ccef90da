package session

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestTransferSentAndConfirmed(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 9, 1, 10, 0, 0, 0, london)}
	cases := []struct {
		name                      string
		ref, provider, toDSL, key string
		records                   []string
		field                     string
	}{
		{"KCSIE 2023 Part 2 whose file", "", "Riverside College", "J. Smith", "age1x", []string{"a"}, "ref"},
		{"KCSIE 2023 Part 2 to which provider", "CUS-7", "", "J. Smith", "age1x", []string{"a"}, "provider"},
		{"KCSIE 2023 Part 2 to their DSL", "CUS-7", "Riverside College", "", "age1x", []string{"a"}, "to_dsl"},
		{"KCSIE 2023 Part 2 sealed to their key", "CUS-7", "Riverside College", "J. Smith", " ", []string{"a"}, "key"},
		{"nothing to transfer", "CUS-7", "Riverside College", "J. Smith", "age1x", nil, "ref"},
	}
	for _, tc := range cases {
		_, err := SendTransfer(clock, dsl, "tr-1", tc.ref, tc.provider, tc.toDSL, tc.key, tc.records)
		if fe := Fields(err); len(fe) == 0 || fe[0].Field != tc.field {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.field)
		}
	}
	if _, err := SendTransfer(clock, Actor{ID: "key-prac"}, "tr-1", "CUS-7", "P", "D", "age1x", []string{"a"}); !errors.Is(err, ErrSafeguardingOnly) {
		t.Errorf("a practitioner transfers a file: %v", err)
	}
	sent, err := SendTransfer(clock, dsl, "tr-1", "CUS-7", "Riverside College", "J. Smith", "age1pq1abc…", []string{"ses-1", "inc-1"})
	must(t, err)
	tr := Transfer{Sent: sent}
	later := &fakeClock{t: clock.t.AddDate(0, 0, 3)}
	if _, err := ConfirmTransfer(later, dsl, "c-1", tr, clock.t.AddDate(0, 0, -1), "E-mail", london); err == nil || !strings.Contains(err.Error(), "before the file was sent") {
		t.Errorf("KCSIE 2023 Part 2 confirmed before it was sent: %v", err)
	}
	if _, err := ConfirmTransfer(later, dsl, "c-1", tr, clock.t.AddDate(0, 0, 2), " ", london); err == nil {
		t.Error("KCSIE 2023 Part 2 confirmed without saying how")
	}
	conf, err := ConfirmTransfer(later, dsl, "c-1", tr, clock.t.AddDate(0, 0, 2), "E-mail from their DSL", london)
	must(t, err)
	forged := conf
	forged.ID = "c-forged"
	got, errs := FoldTransfers([]SignedTransferEvent{{conf, dsl.ID, true}, {sent, dsl.ID, true}, {forged, "key-prac", false}})
	if len(errs) != 1 || len(got) != 1 || got[0].Confirmed == nil || got[0].Confirmed.How != "E-mail from their DSL" {
		t.Fatalf("folded: %+v %v", got, errs)
	}
	if _, err := ConfirmTransfer(later, dsl, "c-2", got[0], clock.t.AddDate(0, 0, 2), "again", london); err == nil {
		t.Error("confirmed twice")
	}
}
