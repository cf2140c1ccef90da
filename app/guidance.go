package app

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/crypto"
)

// showGuidance shows the emergency contacts: 999, then the organisation's
// safeguarding team from the signed directory held on this device.
func (u *UI) showGuidance(from escalation) {
	var b strings.Builder
	b.WriteString("If anyone is in immediate danger, call 999 now.\n\n")
	b.WriteString("Designated Safeguarding team:\n")
	for _, c := range u.safeguardingContacts() {
		b.WriteString("• " + c + "\n")
	}
	contacts := widget.NewLabel(b.String())
	contacts.Wrapping = fyne.TextWrapWord
	back := widget.NewButtonWithIcon("Back", theme.NavigateBackIcon(), func() { u.returnTo(from) })
	u.show("Escalate: emergency contacts", container.NewVScroll(container.NewPadded(contacts)), back)
}

// safeguardingContacts lists the DSL/DSO contacts from the directory.
func (u *UI) safeguardingContacts() []string {
	if u.cfg.Vault == nil {
		return []string{"(the organisation directory is not set up on this device)"}
	}
	var out []string
	for _, p := range u.cfg.Vault.Directory().People {
		if !p.HasRole(crypto.RoleDSL) {
			continue
		}
		parts := []string{p.Name}
		if p.Phone != "" {
			parts = append(parts, p.Phone)
		}
		if p.Email != "" {
			parts = append(parts, p.Email)
		}
		out = append(out, strings.Join(parts, ", "))
	}
	if len(out) == 0 {
		out = append(out, fmt.Sprintf("(no safeguarding contacts in %s's directory: ask your ICT administrator)", u.cfg.Vault.Directory().Org))
	}
	return out
}

// returnTo goes back to where an escalation started.
func (u *UI) returnTo(from escalation) {
	switch {
	case from.session != nil:
		switch from.session.State() {
		case "live", "paused":
			u.ShowLive(from.session)
		case "ended", "recorded":
			u.ShowRecord(from.session)
		default:
			u.ShowPlan(from.session)
		}
	case from.record != nil:
		u.ShowSignedRecord(*from.record)
	default:
		u.ShowHome()
	}
}
