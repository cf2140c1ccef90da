package session

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Action is one action agreed in the session: who does what, by when
// (Annex 2 3.4).
type Action struct {
	Who  string    `json:"who"`
	What string    `json:"what"`
	Due  time.Time `json:"due"`
}

// Record is the meeting record (Annex 2 3.4): the method of delivery, a
// summary of the discussion, the actions agreed and any concerns.
type Record struct {
	Method   string   `json:"method"`
	Summary  string   `json:"summary"`
	Actions  []Action `json:"actions,omitempty"`
	Concerns string   `json:"concerns,omitempty"`
	// Attendance is how many attended a webinar or live broadcast (Annex 2
	// 3.10); nil for a one-to-one session.
	Attendance *int `json:"attendance,omitempty"`
}

// RecordDraft is a meeting record as typed, not yet checked: the words of
// each box, dates as written. It is never signed; SaveRecord checks the
// record made from it.
type RecordDraft struct {
	Method     string        `json:"method,omitempty"`
	Summary    string        `json:"summary,omitempty"`
	Concerns   string        `json:"concerns,omitempty"`
	Attendance string        `json:"attendance,omitempty"`
	Actions    []ActionDraft `json:"actions,omitempty"`
}

// ActionDraft is an action row as typed.
type ActionDraft struct {
	Who  string `json:"who,omitempty"`
	What string `json:"what,omitempty"`
	Due  string `json:"due,omitempty"`
}

// KeepRecordDraft keeps what is typed into the record of an ended session,
// unchecked. A signed record takes none: later changes are addenda.
func (s *Session) KeepRecordDraft(d RecordDraft) error {
	if s.doc.State == Signed {
		return ErrLocked
	}
	if err := s.require("write the record of", Ended, Recorded); err != nil {
		return err
	}
	s.doc.RecordDraft = &d
	return nil
}

// ErrLocked is returned for any change to a signed record: later changes are
// addenda, never edits.
var ErrLocked = errors.New("this record is signed and locked; add an addendum instead")

// ValidateRecord checks a meeting record and returns every problem at once.
func (pk *Pack) ValidateRecord(r Record, sessionDay time.Time) error {
	var errs FieldErrors
	if _, ok := pk.Method(r.Method); !ok {
		errs.add("method", "Choose how the session was delivered.")
	}
	if strings.TrimSpace(r.Summary) == "" {
		errs.add("summary", "Write a summary of what was discussed.")
	}
	day := time.Date(sessionDay.Year(), sessionDay.Month(), sessionDay.Day(), 0, 0, 0, 0, sessionDay.Location())
	for i, a := range r.Actions {
		f := fmt.Sprintf("actions[%d]", i)
		if strings.TrimSpace(a.Who) == "" {
			errs.add(f+".who", "Say who will do this.")
		}
		if strings.TrimSpace(a.What) == "" {
			errs.add(f+".what", "Say what will be done.")
		}
		switch {
		case a.Due.IsZero():
			errs.add(f+".due", "Give a date it will be done by.")
		case a.Due.Before(day):
			errs.add(f+".due", "The date is before the session; check it.")
		}
	}
	return errs.err()
}

// SaveRecord writes (or rewrites) the meeting record of an ended session.
func (s *Session) SaveRecord(r Record) error {
	if s.doc.State == Signed {
		return ErrLocked
	}
	if err := s.require("write the record of", Ended, Recorded); err != nil {
		return err
	}
	if err := s.pack.ValidateRecordFor(s.doc, r); err != nil {
		return err
	}
	s.doc.Record = &r
	s.doc.RecordDraft = nil // the checked record now holds what was typed
	s.doc.State = Recorded
	return nil
}

// ErrAgreementIncomplete is returned when a record is signed with agreement
// points neither confirmed nor explained (Annex 2 2.1).
var ErrAgreementIncomplete = errors.New("some agreement points were not confirmed at the start: confirm them or record why not")

// Sign locks the record. From then on the document is immutable; the caller
// seals it into a signed, encrypted envelope and queues it for sync. Every
// rule the screens enforce on the way here is checked again from the
// document (ReadyToSign): a draft restored, synced or edited on disk cannot
// be signed past one.
func (s *Session) Sign() error {
	if err := s.ReadyToSign(); err != nil {
		return err
	}
	s.doc.SignedAt = s.clock.Now()
	s.doc.RecordDraft = nil
	s.doc.State = Signed
	return nil
}

// Addendum is a later, signed note on a locked record. It refers to its
// parent; the parent is never changed.
type Addendum struct {
	ID       string    `json:"id"`
	ParentID string    `json:"parent_id"`
	Author   string    `json:"author"`
	At       time.Time `json:"at"`
	Text     string    `json:"text"`
}

// NewAddendum makes an addendum to a signed session record.
func NewAddendum(parent Document, id, author, text string, clock Clock) (Addendum, error) {
	if parent.State != Signed {
		return Addendum{}, &TransitionError{From: parent.State, Event: "add an addendum to"}
	}
	if strings.TrimSpace(text) == "" {
		return Addendum{}, &FieldError{Field: "text", Message: "Write the addendum."}
	}
	if id == "" || author == "" {
		return Addendum{}, errors.New("new addendum: id and author are required")
	}
	return Addendum{ID: id, ParentID: parent.ID, Author: author, At: clock.Now(), Text: strings.TrimSpace(text)}, nil
}
