package app

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/crypto"
	"safeguard/companion/session"
)

// escalation is where an escalation starts: a live or planned session, a
// past signed record, or nowhere in particular (home).
type escalation struct {
	session *session.Session
	record  *historyItem
	// back, when set, is where Back from the escalation returns: the
	// screen the record was read on, when that is not the person's own
	// history (a line manager's review).
	back func()
}

func escalateFromSession(s *session.Session) escalation { return escalation{session: s} }
func escalateFromRecord(h historyItem) escalation       { return escalation{record: &h} }

// escalateButton is the one-click Escalate that every screen carries.
// Ctrl+E on the screen escalates from the same place (menu.go).
func (u *UI) escalateButton(from escalation) *widget.Button {
	f := from
	u.nextEscalate = &f
	b := widget.NewButtonWithIcon("Escalate  (Ctrl+E)", theme.WarningIcon(), func() { u.ShowEscalation(from) })
	b.Importance = widget.DangerImportance
	return b
}

// actor is the person using the app, as the incident flow sees them.
func (sh *shell) actor() session.Actor {
	a := session.Actor{ID: sh.cfg.Me.KeyID}
	if sh.dev != nil {
		a.Safeguarding = sh.dev.Person.HasRole(crypto.RoleDSL)
	}
	return a
}

// ShowEscalation is the one click. The incident is raised at once, with the
// time and, from a session, its context (the session is marked escalated);
// the first screen is the Annex 1 guidance and the emergency contacts, which
// work offline, before any form.
func (u *UI) ShowEscalation(from escalation) {
	(&escalationScreen{shell: u.shell, nav: u, journal: u.journal}).raise(from)
}

// escalationScreen raises the incident and shows what to do first.
type escalationScreen struct {
	*shell
	nav     navigator
	journal *journal
}

func (u *UI) showGuidance(inc *session.Incident, from escalation, unsaved *widget.Label) {
	(&escalationScreen{shell: u.shell, nav: u, journal: u.journal}).guidance(inc, from, unsaved)
}

func (es *escalationScreen) raise(from escalation) {
	pk := es.cfg.Pack
	id := es.cfg.NewID()
	var inc *session.Incident
	var err error
	// unsaved says on the guidance screen what could not be saved; the
	// guidance and the numbers show all the same (escalation is never
	// blocked).
	unsaved := wrappedLabel("")
	unsaved.Importance = widget.DangerImportance
	unsaved.Hide()
	says := func(what string) {
		unsaved.SetText("Call your safeguarding lead now. " + what + " Then press Back and Escalate again.")
		unsaved.Show()
	}
	switch {
	case from.session != nil:
		// The incident is raised at once from a copy; the session is
		// marked escalated once that mark is saved (issue 15).
		s := from.session
		inc, err = session.EscalateSession(s.Clone(), id, es.actor(), "")
		if err == nil {
			es.journal.commitChange(s, func(c *session.Session) error {
				_, err := session.EscalateSession(c, id, es.actor(), "")
				return err
			}, func(err error) {
				if err != nil {
					says(notSaved(unwrapNotSaved(err)))
				}
			})
		}
	case from.record != nil:
		inc, err = session.RaiseFromRecord(pk, es.cfg.Clock, id, es.actor(), from.record.doc, "")
	default:
		inc, err = session.RaiseIncident(pk, es.cfg.Clock, id, es.actor(), session.Origin{Kind: session.OriginHome}, session.Customer{})
	}
	if err != nil {
		// Escalation must never be blocked: fall back to an incident
		// raised from home, which needs nothing.
		inc, err = session.RaiseIncident(pk, es.cfg.Clock, id, es.actor(), session.Origin{Kind: session.OriginHome}, session.Customer{})
		if err != nil {
			es.nav.show("Escalate", wrapped("Call your safeguarding lead now. If anyone is in immediate danger, call 999."))
			return
		}
	}
	es.saveIncidentDraft(inc, says)
	es.guidance(inc, from, unsaved)
}

// guidance is the first thing shown: what to do and not do (Annex 1),
// and who to call, resolved from the signed directory held on this device.
func (es *escalationScreen) guidance(inc *session.Incident, from escalation, unsaved *widget.Label) {
	g := inc.Guidance()
	do := widget.NewLabel("")
	do.Wrapping = fyne.TextWrapWord
	var b strings.Builder
	for _, p := range g.Points {
		fmt.Fprintf(&b, "• %s  (%s)\n", p.Text, p.Clause)
	}
	do.SetText(b.String())

	contacts := container.NewVBox()
	var roles []string
	for _, c := range g.Contacts {
		if c.Number == "" {
			roles = append(roles, c.Label)
			continue
		}
		head := widget.NewLabelWithStyle(c.Label+": "+c.Number, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		head.Importance = widget.DangerImportance
		body := widget.NewLabel(c.Purpose)
		body.Wrapping = fyne.TextWrapWord
		contacts.Add(container.NewVBox(head, body))
	}
	if len(roles) > 0 {
		// The pack names roles, never people (policy 11): the people come
		// from the organisation's signed directory on this device.
		team := widget.NewLabel(strings.Join(es.safeguardingTeam(), "\n"))
		team.Wrapping = fyne.TextWrapWord
		covers := widget.NewLabel("Tell only them (Annex 1). They cover: " + strings.Join(roles, "; ") + ".")
		covers.Wrapping = fyne.TextWrapWord
		covers.Importance = widget.LowImportance
		contacts.Add(container.NewVBox(widget.NewLabelWithStyle("Your safeguarding team", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), team, covers, wrappedLabel(whoIsWho)))
	}
	cont := widget.NewButtonWithIcon("I have read this: continue", theme.NavigateNextIcon(), func() {
		if err := inc.ConfirmGuidance(); err != nil {
			return
		}
		es.saveIncidentDraft(inc, nil)
		es.nav.ShowIncident(inc, from)
	})
	cont.Importance = widget.HighImportance
	left := container.NewBorder(widget.NewLabelWithStyle("Before anything else (Annex 1)", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		nil, nil, nil, container.NewVScroll(container.NewPadded(do)))
	right := container.NewBorder(widget.NewLabelWithStyle("Who to call", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		nil, nil, nil, container.NewVScroll(container.NewPadded(contacts)))
	split := container.NewHSplit(left, right)
	split.Offset = 0.55
	back := widget.NewButtonWithIcon("Back", theme.NavigateBackIcon(), func() { es.nav.returnTo(from) })
	top := container.NewVBox()
	if unsaved != nil {
		top.Add(unsaved)
	}
	es.nav.show("Escalate: read this first", container.NewBorder(top, container.NewVBox(widget.NewSeparator(), container.NewHBox(cont)), nil, nil, split), back)
	es.nav.enteredEscalation()
	es.win.Canvas().Focus(cont)
}

// whoIsWho says once, where someone first needs it, which of the policy's
// two names is which; everywhere else the app says "safeguarding lead" for
// any of them and "safeguarding team" for them all.
const whoIsWho = "Who is who: the policy names a Designated Safeguarding Lead (DSL), who has overall responsibility for online safety (6.2), " +
	"and Designated Safeguarding Officers (DSOs) for each region, contract or area, who take reports and make referrals day to day (section 11). " +
	"This app calls each of them a safeguarding lead, and all of them your safeguarding team; where the policy's words say DSL or DSO, any of them will act."

// safeguardingTeam lists the DSL/DSO people with their numbers.
func (sh *shell) safeguardingTeam() []string {
	if sh.dev == nil {
		return []string{"(the organisation directory is not set up on this device)"}
	}
	var out []string
	for _, p := range sh.teamEntries() {
		out = append(out, "• "+p)
	}
	if len(out) == 0 {
		out = append(out, "(no safeguarding lead in the directory: ask your ICT administrator)")
	}
	return out
}

// teamEntries are the safeguarding team in the signed directory, each
// with how to reach them.
func (sh *shell) teamEntries() []string {
	if sh.dev == nil {
		return nil
	}
	dir := sh.dev.Dir
	if sh.cfg.Vault != nil {
		dir = sh.cfg.Vault.Directory() // the newest, once sync has fetched one
	}
	var out []string
	for _, p := range dir.People {
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
	return out
}

// known is what the app knows about the person using it, for the
// checklist items it answers from their source (issue 19, Annex 2 1.2).
func (sh *shell) known() session.Known {
	return session.Known{
		Training:         sh.cfg.Pack.Training(sh.cfg.Me.TrainingCompleted, sh.cfg.Clock.Now()),
		SafeguardingTeam: sh.teamEntries(),
	}
}

// returnTo goes back to where an escalation started.
func (u *UI) returnTo(from escalation) {
	switch {
	case from.back != nil:
		from.back()
	case from.session != nil:
		u.Resume(from.session)
	case from.record != nil:
		u.ShowSignedRecord(*from.record)
	default:
		u.ShowHome()
	}
}
