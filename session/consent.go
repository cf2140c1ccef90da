package session

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// maxSMSChars keeps the consent text within two concatenated text messages.
const maxSMSChars = 306

// Placeholders the consent statement may use.
var placeholderNames = []string{"{practitioner}", "{organisation}", "{date}", "{time}", "{method}", "{duration}"}

// longestPlaceholders fills the placeholders with long but realistic values so
// that Validate can check the SMS stays within two messages.
var longestPlaceholders = map[string]string{
	"{practitioner}": "Alexandra Montgomery-Smith",
	"{organisation}": "Futures for You",
	"{date}":         "Wednesday 30 September",
	"{time}":         "10:30",
	"{method}":       "Instant chat",
	"{duration}":     "45",
}

func renderPlaceholders(text string, values map[string]string) string {
	pairs := make([]string, 0, 2*len(placeholderNames))
	for _, name := range placeholderNames {
		pairs = append(pairs, name, values[name])
	}
	return strings.NewReplacer(pairs...).Replace(text)
}

// ConsentMessage is the consent statement ready to send (Annex 2 1.3.6).
type ConsentMessage struct {
	Subject string // empty for SMS
	Body    string
}

// ConsentText renders the pack's standard consent statement for a plan, for
// e-mail or for SMS.
func (p *Pack) ConsentText(channel Channel, plan Plan, practitioner string) (ConsentMessage, error) {
	method, ok := p.Method(plan.Method)
	if !ok {
		return ConsentMessage{}, &FieldError{Field: "method", Message: "Choose how the session will be delivered."}
	}
	when := plan.Start.In(p.Location())
	values := map[string]string{
		"{practitioner}": practitioner,
		"{organisation}": p.Organisation,
		"{date}":         when.Format("Monday 2 January"),
		"{time}":         when.Format("15:04"),
		"{method}":       method.Label,
		"{duration}":     strconv.Itoa(int(plan.Duration / time.Minute)),
	}
	statement, sms := p.Consent.Statement, p.Consent.SMS
	if p.DelayedResponse(plan) {
		// An e-mail, letter or text exchange has no length (Annex 2
		// 1.2.1): the lines that give one are left out, never "0 minutes".
		statement, sms = withoutLinesNaming(statement, "{duration}"), withoutLinesNaming(sms, "{duration}")
	}
	switch channel {
	case ChannelEmail:
		return ConsentMessage{
			Subject: renderPlaceholders(p.Consent.EmailSubject, values),
			Body:    renderPlaceholders(statement, values),
		}, nil
	case ChannelSMS:
		return ConsentMessage{Body: renderPlaceholders(sms, values)}, nil
	}
	return ConsentMessage{}, fmt.Errorf("consent text: unknown channel %q", channel)
}

// withoutLinesNaming is text without its lines that contain placeholder.
func withoutLinesNaming(text, placeholder string) string {
	lines := strings.Split(text, "\n")
	out := lines[:0]
	for _, l := range lines {
		if !strings.Contains(l, placeholder) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// Channel is how a consent request was sent and its reply received.
type Channel string

const (
	ChannelEmail Channel = "email"
	ChannelSMS   Channel = "sms"
)

// Respondent is who gave consent.
type Respondent string

const (
	RespondentCustomer   Respondent = "customer"
	RespondentParentCare Respondent = "parent_carer"
)

// ConsentReply is the recorded reply to the consent statement: the channel,
// when it arrived, who sent it and their exact words (Annex 2 1.3.6).
type ConsentReply struct {
	Channel    Channel    `json:"channel"`
	ReceivedAt time.Time  `json:"received_at"`
	From       Respondent `json:"from"`
	ExactWords string     `json:"exact_words"`
}

// Consent is either a recorded reply or a recorded reason why the session
// goes ahead without one.
type Consent struct {
	Reply *ConsentReply `json:"reply,omitempty"`
	// NoConsentReason explains a session run without recorded consent.
	NoConsentReason string    `json:"no_consent_reason,omitempty"`
	RecordedAt      time.Time `json:"recorded_at"`
	// Carried is set for a returning customer: the channel and who
	// answers, kept from their last session for reconfirmation (issue 19;
	// consentcarry.go).
	Carried *CarriedConsent `json:"carried,omitempty"`
}

// Given reports whether consent was recorded, as opposed to waived.
func (c Consent) Given() bool { return c.Reply != nil }

// ErrConsentRequired is returned when a session would go live with neither a
// consent reply nor a reason.
var ErrConsentRequired = errors.New("record the customer's consent reply, or the reason the session goes ahead without it")

// ValidateReply checks a reply against the pack and the clock: every part is
// needed to show later that consent was given, and when.
func (p *Pack) ValidateReply(r ConsentReply, now time.Time) error {
	var errs FieldErrors
	known := false
	for _, ch := range p.Consent.Channels {
		if Channel(ch) == r.Channel {
			known = true
		}
	}
	if !known {
		errs.add("channel", "Choose how the reply came: "+strings.Join(p.Consent.Channels, " or ")+".")
	}
	switch {
	case r.ReceivedAt.IsZero():
		errs.add("received_at", "Enter when the reply arrived.")
	case r.ReceivedAt.After(now.Add(time.Minute)):
		errs.add("received_at", "The reply time is in the future; check the date and time.")
	}
	if r.From != RespondentCustomer && r.From != RespondentParentCare {
		errs.add("from", "Say whether the customer or a parent or carer replied.")
	}
	if strings.TrimSpace(r.ExactWords) == "" {
		errs.add("exact_words", "Copy the reply's exact words, as sent.")
	}
	return errs.err()
}

// AgreementCheck records one agreement point confirmed at the start of the
// session (Annex 2 2.1).
type AgreementCheck struct {
	PointID     string    `json:"point_id"`
	ConfirmedAt time.Time `json:"confirmed_at"`
}
