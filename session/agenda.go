package session

import (
	"slices"
	"strconv"
	"time"
)

// Today's agenda (issue 19): the practitioner's sessions of one day, each
// with where it stands and what is still missing before it can start, and
// a reminder ten minutes before each that says what is missing. The
// reminder carries no name or reference: a desktop notification can be
// seen by anyone near the screen (policy 2.9 h).

// AgendaState is where a session of the day stands.
type AgendaState string

const (
	// AgendaPlanToFinish: the plan or its risk assessment is not done,
	// or does not allow the session (Annex 2 3.2).
	AgendaPlanToFinish AgendaState = "plan_to_finish"
	// AgendaConsentWaiting: the plan is ready; the consent reply is not
	// yet recorded (Annex 2 1.3.6).
	AgendaConsentWaiting AgendaState = "consent_waiting"
	// AgendaReadyToStart: planned, assessed and consented.
	AgendaReadyToStart AgendaState = "ready_to_start"
	AgendaInProgress   AgendaState = "in_progress"
	// AgendaRecordToWrite: held; the record is to write or sign (3.4).
	AgendaRecordToWrite AgendaState = "record_to_write"
	AgendaDone          AgendaState = "done"
)

// Label is the state in words for the agenda.
func (s AgendaState) Label() string {
	switch s {
	case AgendaPlanToFinish:
		return "Plan to finish"
	case AgendaConsentWaiting:
		return "Plan ready, consent waiting"
	case AgendaReadyToStart:
		return "Ready to start"
	case AgendaInProgress:
		return "In progress"
	case AgendaRecordToWrite:
		return "Record to write"
	case AgendaDone:
		return "Done"
	}
	return string(s)
}

// AgendaItem is one session of the day.
type AgendaItem struct {
	ID    string
	Start time.Time
	State AgendaState
	// Missing is what must still be done before the session can start,
	// in words with no name in them ("consent not yet recorded").
	Missing []string
	// HasLink says whether the plan keeps a meeting link.
	HasLink bool
}

// ReminderBefore is how long before a session its reminder comes.
const ReminderBefore = 10 * time.Minute

// AgendaOf is where one session stands.
func (pk *Pack) AgendaOf(d Document) AgendaItem {
	it := AgendaItem{ID: d.ID, Start: d.Plan.Start, HasLink: d.Plan.MeetingLink != ""}
	switch d.State {
	case Planned:
		it.State = AgendaPlanToFinish
		if d.Outcome == DoNotProceed {
			it.Missing = append(it.Missing, "the risk assessment says do not proceed")
		} else {
			it.Missing = append(it.Missing, "risk assessment not finished")
		}
		it.Missing = append(it.Missing, "consent not yet recorded")
	case Assessed:
		it.State = AgendaConsentWaiting
		it.Missing = append(it.Missing, "consent not yet recorded")
	case Consented:
		it.State = AgendaReadyToStart
		if d.Consent == nil {
			it.State = AgendaConsentWaiting
			it.Missing = append(it.Missing, "consent not yet recorded")
		}
	case Live, Paused:
		it.State = AgendaInProgress
	case Ended, Recorded:
		it.State = AgendaRecordToWrite
	default:
		it.State = AgendaDone
	}
	return it
}

// Agenda is the sessions of docs planned for the day of day (in the pack's
// time zone), soonest first; cancelled ones are left out.
func (pk *Pack) Agenda(docs []Document, day time.Time) []AgendaItem {
	loc := pk.Location()
	y, m, dd := day.In(loc).Date()
	var out []AgendaItem
	for _, d := range docs {
		if d.State == Cancelled {
			continue
		}
		if y2, m2, d2 := d.Plan.Start.In(loc).Date(); y2 != y || m2 != m || d2 != dd {
			continue
		}
		out = append(out, pk.AgendaOf(d))
	}
	slices.SortFunc(out, func(a, b AgendaItem) int { return a.Start.Compare(b.Start) })
	return out
}

// RemindersDue are the items whose reminder falls due at now: the session
// has not started, it is no more than ReminderBefore away, and its start is
// not yet past. done says which were reminded already.
func RemindersDue(items []AgendaItem, now time.Time, done map[string]bool) []AgendaItem {
	var out []AgendaItem
	for _, it := range items {
		switch it.State {
		case AgendaPlanToFinish, AgendaConsentWaiting, AgendaReadyToStart:
		default:
			continue
		}
		if done[it.ID] || now.Before(it.Start.Add(-ReminderBefore)) || !now.Before(it.Start) {
			continue
		}
		out = append(out, it)
	}
	return out
}

// ReminderText is the reminder's words: the time, how far off, and what is
// missing; never who the session is with.
func (pk *Pack) ReminderText(it AgendaItem, now time.Time) string {
	mins := int((it.Start.Sub(now) + time.Minute - 1) / time.Minute)
	text := "Session at " + it.Start.In(pk.Location()).Format("15:04") + " in " + minutesWords(mins)
	if len(it.Missing) == 0 {
		return text + ": ready to start."
	}
	return text + ": " + joinWords(it.Missing) + "."
}

func minutesWords(n int) string {
	if n == 1 {
		return "1 minute"
	}
	return strconv.Itoa(n) + " minutes"
}

func joinWords(ws []string) string {
	switch len(ws) {
	case 0:
		return ""
	case 1:
		return ws[0]
	}
	out := ""
	for i, w := range ws {
		switch {
		case i == 0:
			out = w
		case i == len(ws)-1:
			out += " and " + w
		default:
			out += ", " + w
		}
	}
	return out
}
