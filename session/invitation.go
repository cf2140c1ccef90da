package session

import (
	"fmt"
	"strings"
	"time"
)

// Invitation is what the customer is sent in advance: how to join on the
// chosen platform (Annex 2 1.3.4) and a calendar entry.
type Invitation struct {
	Text string
	// ICS is an iCalendar (RFC 5545) file with one event.
	ICS []byte
}

// Invitation writes the invitation for a plan. uid must be unique and
// stable for the session (the session id); now stamps the calendar entry.
// It names the practitioner and organisation, never the customer.
func (p *Pack) Invitation(plan Plan, uid, practitioner string, now time.Time) (Invitation, error) {
	method, ok := p.Method(plan.Method)
	pl, okPl := p.Platform(plan.Platform)
	if !ok || !okPl {
		return Invitation{}, &FieldError{Field: "platform", Message: "Choose the delivery method and platform first."}
	}
	local := plan.Start.In(p.Location())
	end := plan.Start.Add(plan.Duration)
	text := fmt.Sprintf("Your careers session with %s (%s)\n\nWhen: %s, %s to %s\nHow: %s, %s\n\n%s\n\n"+
		"The session lasts up to %d minutes. You can ask questions, and you can leave at any time.",
		practitioner, p.Organisation,
		local.Format("Monday 2 January 2006"), local.Format("15:04"), end.In(p.Location()).Format("15:04"),
		method.Label, pl.Label, pl.JoinInstructions, int(plan.Duration/time.Minute))

	var b strings.Builder
	line := func(s string) { b.WriteString(foldICS(s)) }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//Safeguard Companion//EN")
	line("METHOD:PUBLISH")
	line("BEGIN:VEVENT")
	line("UID:" + escapeICS(uid) + "@safeguard-companion")
	line("DTSTAMP:" + now.UTC().Format("20060102T150405Z"))
	line("DTSTART:" + plan.Start.UTC().Format("20060102T150405Z"))
	line("DTEND:" + end.UTC().Format("20060102T150405Z"))
	line("SUMMARY:" + escapeICS("Careers session with "+practitioner))
	line("DESCRIPTION:" + escapeICS(text))
	line("LOCATION:" + escapeICS(method.Label+", "+pl.Label))
	line("END:VEVENT")
	line("END:VCALENDAR")
	return Invitation{Text: text, ICS: []byte(b.String())}, nil
}

// escapeICS escapes text values (RFC 5545 3.3.11).
func escapeICS(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`).Replace(s)
}

// foldICS ends a content line with CRLF, folding it at 75 octets without
// splitting a UTF-8 character (RFC 5545 3.1).
func foldICS(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		size := len(string(r))
		if n+size > 75 {
			b.WriteString("\r\n ")
			n = 1
		}
		b.WriteRune(r)
		n += size
	}
	b.WriteString("\r\n")
	return b.String()
}
