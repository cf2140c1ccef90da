package session

import (
	"time"
)

// AckWithin is how long an escalation may wait for the DSL's
// acknowledgement before the case queue shows it as overdue and the
// quarterly report counts it as late. Annex 1 says "as soon as possible"; a
// working day is the longest that could mean, and an immediate risk is
// handled by phone long before then anyway.
const AckWithin = 24 * time.Hour

// Agency is an organisation a DSL refers an incident to (Annex 1). Each
// referral route in the policy pack names one (ReferralRoute.Agency), so
// the case queue and the quarterly report count referrals by agency
// whatever routes an organisation's pack defines.
type Agency string

const (
	AgencyPolice     Agency = "police"
	AgencyCEOP       Agency = "ceop"
	AgencyIWF        Agency = "iwf"
	AgencySocialCare Agency = "social_care"
	AgencyOther      Agency = "other"
)

// Agencies lists the agencies in the order screens and reports show them.
func Agencies() []Agency {
	return []Agency{AgencySocialCare, AgencyPolice, AgencyCEOP, AgencyIWF, AgencyOther}
}

// Label is the agency's name.
func (a Agency) Label() string {
	switch a {
	case AgencyPolice:
		return "Police"
	case AgencyCEOP:
		return "CEOP"
	case AgencyIWF:
		return "Internet Watch Foundation"
	case AgencySocialCare:
		return "Children's or adult social care"
	case AgencyOther:
		return "Other agency"
	}
	return string(a)
}

// AckLate reports whether the DSL's acknowledgement came later than
// AckWithin after the escalation, or, not yet given, is already later than
// that at now. The case queue and the quarterly report both ask this.
func (d IncidentDocument) AckLate(now time.Time) bool {
	if d.AcknowledgedAt.IsZero() {
		return d.Status != IncidentClosed && now.Sub(d.RaisedAt) > AckWithin
	}
	return d.AcknowledgedAt.Sub(d.RaisedAt) > AckWithin
}
