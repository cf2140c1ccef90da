package app

import (
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/session"
)

// escalation is where an escalation starts: a live or planned session, a
// past signed record, or nowhere in particular (home).
type escalation struct {
	session *session.Session
	record  *historyItem
}

func escalateFromSession(s *session.Session) escalation { return escalation{session: s} }
func escalateFromRecord(h historyItem) escalation       { return escalation{record: &h} }

// escalateButton is the one-click Escalate that every screen carries.
func (u *UI) escalateButton(from escalation) *widget.Button {
	b := widget.NewButtonWithIcon("Escalate", theme.WarningIcon(), func() { u.ShowEscalation(from) })
	b.Importance = widget.DangerImportance
	return b
}

// ShowEscalation is the first screen of an escalation: before any form, the
// Annex 1 guidance and the emergency contacts, which work offline. A live
// session is marked as escalated at once, with the time.
func (u *UI) ShowEscalation(from escalation) {
	if s := from.session; s != nil {
		if err := s.Mark(session.Marker{Kind: session.MarkEscalated}); err == nil {
			u.saveDraft(s, nil)
		}
	}
	u.showGuidance(from)
}
