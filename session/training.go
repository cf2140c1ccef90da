package session

import "time"

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
