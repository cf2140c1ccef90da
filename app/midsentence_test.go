package app

import "testing"

// Issue 20 item 8 (words): the reason for starting away from the planned
// time is read mid-sentence in the record's header, after a colon.
func TestMidSentence(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"The customer asked to bring it forward", "the customer asked to bring it forward"},
		{"I was asked by her mother", "I was asked by her mother"},
		{"I'd arranged it by phone", "I'd arranged it by phone"},
		{"DSL asked for it today", "DSL asked for it today"},
		{"École closed early", "école closed early"},
		{"  Moved  ", "moved"},
		{"", ""},
	} {
		if got := midSentence(tc.in); got != tc.want {
			t.Errorf("midSentence(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
