package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/session"
)

// sharingBox records information shared with another agency on a case
// (issue 16 section 4; session/sharing.go): what, with whom, why, and on
// what basis. The chronology then says it.
func (cs *caseScreen) sharingBox(d session.IncidentDocument) []fyne.CanvasObject {
	out := []fyne.CanvasObject{widget.NewSeparator(), bold("Information shared with other agencies (Working Together 2023)")}
	loc := cs.cfg.Pack.Location()
	for _, s := range d.Sharing {
		out = append(out, wrappedLabel("• "+s.Describe(loc)))
	}
	with := entry("Shared with (role or name)")
	var labels []string
	for _, a := range session.Agencies() {
		labels = append(labels, a.Label())
	}
	agency := widget.NewSelect(labels, nil)
	agency.PlaceHolder = "Their agency"
	what := multiline("What was shared")
	why := multiline("Why it was shared")
	const withC, withoutC = "With consent", "Without consent"
	basis := widget.NewRadioGroup([]string{withC, withoutC}, nil)
	consentFrom := entry("Consent given by (the young person, a parent or carer)")
	withoutWhy := entry("Why without consent")
	rec := widget.NewButtonWithIcon("Record information shared", theme.MailSendIcon(), func() {
		s := session.InformationSharing{With: with.Text, What: what.Text, Why: why.Text, ConsentFrom: consentFrom.Text, WithoutConsentWhy: withoutWhy.Text}
		for _, a := range session.Agencies() {
			if a.Label() == agency.Selected {
				s.Agency = a
			}
		}
		switch basis.Selected {
		case withC:
			s.Basis = session.SharedWithConsent
		case withoutC:
			s.Basis = session.SharedWithoutConsent
		}
		cs.act("Information sharing recorded.", func(i *session.Incident) error { return i.RecordSharing(s) })
	})
	return append(out, container.NewGridWithColumns(2, with, agency), what, why, basis,
		container.NewGridWithColumns(2, consentFrom, withoutWhy), container.NewHBox(rec))
}
