package session

import (
	"strings"
	"time"
)

// TrainingStatus says whether a practitioner's safeguarding training counts
// as current (Annex 2 1.2: anyone running one-to-one interactions must have
// undertaken safeguarding training).
type TrainingStatus struct {
	Known   bool
	Current bool
	// Due is when the training stops counting as current.
	Due time.Time
}

// Training reports the status of training completed on the given date.
func (p *Pack) Training(completed, now time.Time) TrainingStatus {
	if completed.IsZero() {
		return TrainingStatus{}
	}
	due := completed.AddDate(0, p.TrainingValidMonths, 0)
	return TrainingStatus{Known: true, Current: now.Before(due), Due: due}
}

// KnownSource is where a checklist answer is already known.
type KnownSource string

const (
	// FromTrainingRecord: the practitioner's safeguarding training record
	// (Annex 2 1.2).
	FromTrainingRecord KnownSource = "training_record"
	// FromDirectory: the organisation's signed directory, which names the
	// safeguarding team and how to reach them (Annex 2 1.2, policy 11).
	FromDirectory KnownSource = "directory"
)

// Known is what the app already knows about the practitioner: their
// training, and the safeguarding team the directory names.
type Known struct {
	Training         TrainingStatus
	SafeguardingTeam []string // names, each with how to reach them
}

// KnownAnswer is the answer to a checklist item that its source already
// gives, with where it came from; ok is false when the item must be asked
// (it has no source, or the source does not know). Expired training is
// "not met": a must, it blocks (Annex 2 1.2), and the source says what to
// do.
func (p *Pack) KnownAnswer(it ChecklistItem, k Known) (ItemAnswer, bool) {
	switch it.KnownFrom {
	case FromTrainingRecord:
		if !k.Training.Known {
			return ItemAnswer{}, false
		}
		due := k.Training.Due.In(p.Location()).Format("2 January 2006")
		if !k.Training.Current {
			return ItemAnswer{Answer: NotMet, Source: "Your training record: it expired on " + due + ". Book a refresher before running sessions (" + string(it.Clause) + ")."}, true
		}
		return ItemAnswer{Answer: Met, Source: "Your training record: current until " + due + "."}, true
	case FromDirectory:
		if len(k.SafeguardingTeam) == 0 {
			return ItemAnswer{}, false
		}
		return ItemAnswer{Answer: Met, Source: "Your organisation's directory: " + strings.Join(k.SafeguardingTeam, "; ") + "."}, true
	}
	return ItemAnswer{}, false
}

// WithKnown is a with every answer its source already knows put in, over
// whatever was answered by hand: what the app knows, it does not ask, and
// a hand-made "met" cannot stand against an expired training record.
func (p *Pack) WithKnown(plan Plan, a Assessment, k Known) Assessment {
	out := Assessment{Answers: make(map[string]ItemAnswer, len(a.Answers)), AssessedAt: a.AssessedAt}
	for id, ans := range a.Answers {
		out.Answers[id] = ans
	}
	for _, it := range p.Items(plan) {
		if ans, ok := p.KnownAnswer(it, k); ok {
			out.Answers[it.ID] = ans
		}
	}
	return out
}
