package session

import (
	"fmt"
	"time"
)

// Consent for a returning customer (issue 19): the channel the reply came
// by and who answered last time are kept, shown for a "still the same?",
// so that only the reply itself is typed. The reply is still this
// session's own (Annex 2 1.3.6: consent is asked and recorded for each
// session): a reply no later than the last session's answers the last
// request, not this one, and is refused.

// CarriedConsent is how the customer's last consent reply came.
type CarriedConsent struct {
	// FromSession is the session it was kept from.
	FromSession string     `json:"from_session"`
	Channel     Channel    `json:"channel"`
	From        Respondent `json:"from"`
	// LastReceived is when the last session's reply arrived.
	LastReceived time.Time `json:"last_received"`
	Reconfirmed  bool      `json:"reconfirmed,omitempty"`
}

// CarryConsent is the channel and respondent of prev's consent reply, for
// the customer's next session; ok is false when prev has no reply (it went
// ahead without one, or never got that far): then nothing is kept.
func CarryConsent(prev Document) (c CarriedConsent, ok bool) {
	if prev.Consent == nil || prev.Consent.Reply == nil {
		return CarriedConsent{}, false
	}
	r := prev.Consent.Reply
	return CarriedConsent{FromSession: prev.ID, Channel: r.Channel, From: r.From, LastReceived: r.ReceivedAt}, true
}

// Words says how the last reply came, for "still the same?".
func (c CarriedConsent) Words() string {
	ch := "e-mail"
	if c.Channel == ChannelSMS {
		ch = "text message"
	}
	who := "the customer"
	if c.From == RespondentParentCare {
		who = "a parent or carer"
	}
	return fmt.Sprintf("Last time the reply came by %s from %s.", ch, who)
}

// validateCarriedConsent applies the rules above to a reply recorded with
// a carried channel and respondent: either is kept only once reconfirmed
// (a changed one was chosen for this session, so it stands), and the reply
// must be newer than the last session's.
func validateCarriedConsent(c Consent) error {
	k := c.Carried
	if k == nil || c.Reply == nil {
		return nil
	}
	var errs FieldErrors
	same := c.Reply.Channel == k.Channel && c.Reply.From == k.From
	if same && !k.Reconfirmed {
		errs.add("carried", k.Words()+" Confirm it is still the same for this session, or change it (Annex 2 1.3.6).")
	}
	if !c.Reply.ReceivedAt.After(k.LastReceived) {
		errs.add("received_at", "That is when the last session's reply came: record this session's own reply, as it came (Annex 2 1.3.6).")
	}
	return errs.err()
}
