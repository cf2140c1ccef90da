package app

import "fyne.io/fyne/v2/widget"

// Words typed in a box whose action is a signed act of its own (a review's
// comment or follow-up is signed when added, and so is each of the DSL's
// case actions, so none can be saved as it is typed) are kept in memory, by record and box, until the act is done: a
// screen drawn again after another action (Countersign), Escalate then
// Back, or leaving for the list and coming back finds them still there
// (issue 20 item 2).

// keep makes e hold, and go on keeping, the words typed under key; with
// none kept, e keeps what it was given (a time that defaults to now).
func (u *UI) keep(key string, e *widget.Entry) {
	if u.typed == nil {
		u.typed = map[string]string{}
	}
	if s, ok := u.typed[key]; ok {
		e.SetText(s)
	}
	e.OnChanged = func(s string) {
		if s == "" {
			delete(u.typed, key)
			return
		}
		u.typed[key] = s
	}
}

// forget drops the words kept under keys, once their act is done.
func (u *UI) forget(keys ...string) {
	for _, k := range keys {
		delete(u.typed, k)
	}
}
