package session

import (
	"errors"
	"strings"
	"testing"
)

// TestIncidentTyping is issue 20 item 2 on the domain's side, 3.4.3.4
// (recording incidents) and Annex 1 ("the DSL must have who it is about and
// what happened"): what the raiser types is kept as typed, without a
// chronology entry, and taken in when the incident is reported, so the
// report holds what is in the boxes and the chronology holds the account
// once.
func TestIncidentTyping(t *testing.T) {
	for _, tc := range []struct {
		name string
		// before is the description the draft already has (an older
		// version of the app took it in on leaving the screen).
		before  string
		typed   IncidentTyping
		wantErr string
		// want is the description reported; described is how many
		// "described" entries the chronology has after the report.
		want      string
		described int
	}{
		{name: "3.4.3.4 typed and reported with no save", typed: IncidentTyping{Description: "He asked for photos.", Reference: "CUS-1401", Age: "14"},
			want: "He asked for photos.", described: 1},
		{name: "3.4.3.4 a draft's account added to is one account, updated", before: "He asked for photos.",
			typed: IncidentTyping{Description: "He asked for photos. He said not to tell.", Reference: "CUS-1401"},
			want:  "He asked for photos. He said not to tell.", described: 2},
		{name: "3.4.3.4 nothing changed adds nothing", before: "He asked for photos.",
			typed: IncidentTyping{Description: "He asked for photos.", Reference: "CUS-1401"}, want: "He asked for photos.", described: 1},
		{name: "Annex 1 nothing typed about what happened", typed: IncidentTyping{Reference: "CUS-1401"}, wantErr: "Say what happened"},
		{name: "2.9 h a name is not a reference", typed: IncidentTyping{Description: "x", Reference: "Jane Smith"}, wantErr: "not their name"},
		{name: "Annex 1 an age in words", typed: IncidentTyping{Description: "x", Reference: "CUS-1401", Age: "fourteen"}, wantErr: "whole years"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := &fakeClock{t: testNow()}
			inc := raised(t, clock)
			if tc.before != "" {
				must(t, inc.Describe(tc.before))
			}
			d, ok := keepAndReport(t, inc, tc.typed, tc.wantErr)
			if !ok {
				return
			}
			if d.Description != tc.want || d.Typed != nil || d.Subject.Reference != strings.TrimSpace(tc.typed.Reference) {
				t.Fatalf("reported %q, typed %+v, subject %+v", d.Description, d.Typed, d.Subject)
			}
			n := 0
			for _, c := range d.Chronology {
				if c.Event == EventNote {
					t.Errorf("a note was written: %q", c.Detail)
				}
				if c.Event == EventDescribed {
					n++
				}
			}
			if n != tc.described {
				t.Errorf("%d described entries, want %d: %+v", n, tc.described, d.Chronology)
			}
		})
	}
}

// TestIncidentTypingOnlyInDraft: once reported, what happened is the
// account as sent; typing is refused and later additions are notes.
func TestIncidentTypingOnlyInDraft(t *testing.T) {
	clock := &fakeClock{t: testNow()}
	inc := raised(t, clock)
	must(t, inc.KeepTyping(IncidentTyping{Description: "He asked for photos.", Reference: "CUS-1401"}))
	must(t, inc.ApplyTyping(""))
	must(t, inc.Report())
	if err := inc.KeepTyping(IncidentTyping{Description: "changed"}); !errors.Is(err, ErrIllegalTransition) {
		t.Fatalf("typing into a reported incident: %v", err)
	}
	if err := inc.Describe("changed"); !errors.Is(err, ErrIllegalTransition) {
		t.Fatalf("describing a reported incident again: %v", err)
	}
}

// keepAndReport keeps typed on inc as the screen does while a person types,
// checks that keeping it wrote nothing to the chronology, comes back as it
// was kept and stops Report until it is taken in; then takes it in and
// reports. With wantErr it checks that taking in or reporting was refused
// with those words and nothing was reported, and says false; otherwise it
// gives the reported document.
func keepAndReport(t *testing.T, inc *Incident, typed IncidentTyping, wantErr string) (IncidentDocument, bool) {
	t.Helper()
	entries := len(inc.Chronology())
	must(t, inc.KeepTyping(typed))
	if len(inc.Chronology()) != entries {
		t.Fatalf("keeping what is typed wrote to the chronology: %+v", inc.Chronology())
	}
	if got := inc.Typing(); got != typed {
		t.Fatalf("Typing() = %+v, want %+v", got, typed)
	}
	if err := inc.Report(); !errors.Is(err, ErrTypingPending) {
		t.Fatalf("Report with typing not taken in: %v", err)
	}
	err := inc.ApplyTyping("")
	if err == nil {
		err = inc.Report()
	}
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("err %v, want %q", err, wantErr)
		}
		if inc.Status() != IncidentDraft {
			t.Fatalf("reported although %q", wantErr)
		}
		return IncidentDocument{}, false
	}
	must(t, err)
	return inc.Document(), true
}
