// Package coverage maps the organisation's policy, clause by clause, to the
// policy pack items, the domain rules and the tests that implement it
// (issue 13, "Coverage you can see"). The map is generated into
// docs/policy-coverage.md; its test fails when a pack item cites a clause
// the policy does not have, when a clause of Annex 1 or Annex 2 has nothing
// implementing and testing it, or when the document is out of date.
package coverage

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// Part is where a clause sits: the policy's body or one of its annexes.
type Part string

const (
	Body   Part = ""
	Annex1 Part = "Annex 1"
	Annex2 Part = "Annex 2"
)

// Clause is one clause of the policy.
type Clause struct {
	ID     string // as cited: "3.4.7.1", "3.6 g", "Annex 2 3.7", "Annex 1 severity"
	Part   Part
	Number string // "3.7", "3.6 g"; for Annex 1, the box's key
	Text   string // its words (the first clause's, where a number repeats)
	Line   int
	// Heading is set for a clause that introduces others under it ("3.
	// Definitions", "1.3. Practitioners and management should discuss and
	// agree:"); it is covered through them.
	Heading bool
}

// Annex 1 is a flowchart, not numbered clauses: its boxes are named here by
// the words each begins with in the policy, and cited as "Annex 1 <key>".
// ParsePolicy checks that every box's words are in the text.
var annex1Boxes = []struct{ key, starts string }{
	{"guidance", "Never view, copy, print share, store or save any imagery"},
	{"severity", "Establish the severity of the incident"},
	{"illegal", "Is the material accessed or the action performed illegal?"},
	{"relevant person", "Report the incident to the relevant person depending on the severity"},
	{"risk to user", "What risk is posed to the user involved?"},
	{"responses", "Responses to the incident as appropriate:"},
	{"immediate risk", "If an immediate risk"},
	{"no immediate risk", "If no immediate risk"},
	{"initial response", "Initial Response to safeguarding concern"},
}

var (
	numbered = regexp.MustCompile(`^\s*(\d+(?:\.\d+)*)\.\s+(\S.*)$`)
	lettered = regexp.MustCompile(`^\s*([a-z])\)\s+(\S.*)$`)
)

// ParsePolicy reads the policy text (docs/policy/online-safety-policy.md)
// into its clauses. A number that repeats within a part (the converted
// document numbers Annex 2's "Background" and "Remote delivery" both from
// 1.1) is one clause whose text is both.
func ParsePolicy(r io.Reader) ([]Clause, error) {
	var out []Clause
	index := map[string]int{}
	add := func(c Clause) {
		if i, ok := index[c.ID]; ok {
			out[i].Text += " / " + c.Text
			out[i].Heading = out[i].Heading && c.Heading
			return
		}
		index[c.ID] = len(out)
		out = append(out, c)
	}
	part, last := Body, ""
	seenBoxes := map[string]bool{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "Annex 1 Guidance"):
			part = Annex1
			continue
		case strings.HasPrefix(line, "Annex 2 - Guidance"):
			part, last = Annex2, ""
			continue
		}
		if part == Annex1 {
			for _, b := range annex1Boxes {
				if !seenBoxes[b.key] && strings.HasPrefix(line, b.starts) {
					seenBoxes[b.key] = true
					add(Clause{ID: "Annex 1 " + b.key, Part: Annex1, Number: b.key, Text: line, Line: n})
				}
			}
			continue
		}
		if m := numbered.FindStringSubmatch(line); m != nil {
			num, text := m[1], strings.TrimSpace(m[2])
			last = num
			add(Clause{ID: cite(part, num), Part: part, Number: num, Text: text, Line: n, Heading: !strings.Contains(num, ".")})
			continue
		}
		if m := lettered.FindStringSubmatch(line); m != nil && last != "" {
			num := last + " " + m[1]
			add(Clause{ID: cite(part, num), Part: part, Number: num, Text: strings.TrimSpace(m[2]), Line: n})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading the policy: %w", err)
	}
	for _, b := range annex1Boxes {
		if !seenBoxes[b.key] {
			return nil, fmt.Errorf("the policy's Annex 1 has no box beginning %q: the coverage map's list of boxes needs updating", b.starts)
		}
	}
	// A clause with clauses or lettered items under it introduces them.
	for i := range out {
		for _, c := range out {
			if c.Part == out[i].Part && (strings.HasPrefix(c.Number, out[i].Number+".") || strings.HasPrefix(c.Number, out[i].Number+" ")) {
				out[i].Heading = true
				break
			}
		}
	}
	return out, nil
}

func cite(p Part, num string) string {
	if p == Body {
		return num
	}
	return string(p) + " " + num
}
