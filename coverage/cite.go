package coverage

import (
	"regexp"
	"strings"
)

// Ref is one citation as written, resolved against the policy.
type Ref struct {
	Text     string // the citation as written: "Annex 2 3.7", "3.6 g"
	ID       string // the clause it names, when it names one
	External bool   // another source: "Care Act 2014 s42", "UKCIS 2024"
}

var (
	annexCite = regexp.MustCompile(`^Annex ([12])(?:\s+(.*))?$`)
	numCite   = regexp.MustCompile(`^(\d+(?:\.\d+)*)(?:\s*([a-z]))?$`)
)

// ParseCitation splits a pack item's clause field into the clauses it
// cites. The pack writes several, comma-separated: "Annex 2 2.1, 3.6" is
// Annex 2's 2.1 and 3.6 (a bare number goes on in the annex whose clause
// came before it), while "Annex 1, 3.4.7" is Annex 1 and the policy's own
// 3.4.7 (after the bare word "Annex 1", numbers are the policy body's).
// "Annex 1 (UKCIS 2020)" is Annex 1's initial response, which quotes that
// guidance. Anything else ("Care Act 2014 s42") is an external source.
func ParseCitation(s string) []Ref {
	var out []Ref
	carry := Body
	for _, tok := range strings.Split(s, ",") {
		tok = strings.TrimSpace(tok)
		if tok == "" {
			continue
		}
		if m := annexCite.FindStringSubmatch(tok); m != nil {
			part := Part("Annex " + m[1])
			rest := strings.TrimSpace(m[2])
			switch {
			case rest == "":
				out = append(out, Ref{Text: tok, ID: string(part)})
				carry = Body
			case part == Annex1:
				out = append(out, Ref{Text: tok, ID: annex1Box(rest)})
				carry = Body
			case numCite.MatchString(rest):
				out = append(out, Ref{Text: tok, ID: cite(part, normalise(rest))})
				carry = part
			default:
				out = append(out, Ref{Text: tok})
			}
			continue
		}
		if numCite.MatchString(tok) {
			out = append(out, Ref{Text: tok, ID: cite(carry, normalise(tok))})
			continue
		}
		out = append(out, Ref{Text: tok, External: true})
	}
	return out
}

// annex1Box names the Annex 1 box a citation's words after "Annex 1" start
// with, or "" when they name none.
func annex1Box(rest string) string {
	r := strings.ToLower(strings.Trim(rest, "() "))
	if strings.HasPrefix(r, "ukcis") {
		return "Annex 1 initial response"
	}
	best := ""
	for _, b := range annex1Boxes {
		if (r == b.key || strings.HasPrefix(r, b.key+" ") || strings.HasPrefix(r, b.key+":")) && len(b.key) > len(best) {
			best = b.key
		}
	}
	if best == "" {
		return ""
	}
	return "Annex 1 " + best
}

// normalise writes a lettered item as the policy's map names it: "3.6a" and
// "3.6  a" are "3.6 a".
func normalise(num string) string {
	if m := numCite.FindStringSubmatch(strings.TrimSpace(num)); m != nil && m[2] != "" {
		return m[1] + " " + m[2]
	}
	return strings.Join(strings.Fields(num), " ")
}

// leadingCitation is the citation a test case's name begins with, as in
// "Annex 2 3.7 unsuitable clothing blocks" or "3.4.7.2 all three must hold".
var leadingCitation = regexp.MustCompile(`^(Annex [12](?: (?:\d+(?:\.\d+)*(?: ?[a-z]\b)?|[a-z]+(?: [a-z]+){0,2}))?|\d+\.\d+(?:\.\d+)*(?: ?[a-z]\b)?)(?:, \d+\.\d+(?:\.\d+)*(?: ?[a-z]\b)?)*\s`)

// TestCitations returns what a test's string literal cites at its start,
// or nothing when it does not start with a citation followed by words.
func TestCitations(lit string) []Ref {
	// "Annex 1 immediate risk: ..." names a box; "Annex 1 waiting within a
	// day" names the annex as a whole.
	if rest, ok := strings.CutPrefix(lit, "Annex 1 "); ok {
		if box := annex1Box(rest); box != "" {
			return []Ref{{Text: box, ID: box}}
		}
	}
	m := leadingCitation.FindStringSubmatch(lit)
	if m == nil {
		return nil
	}
	head := strings.TrimSpace(m[0])
	if strings.HasPrefix(head, "Annex 1 ") {
		head = "Annex 1"
	}
	var out []Ref
	for _, r := range ParseCitation(head) {
		if r.ID != "" {
			out = append(out, r)
		}
	}
	return out
}
