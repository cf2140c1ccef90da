package session

import (
	"errors"
	"fmt"
	"strings"
)

// FieldError is a problem with one field of a form, in words for the person
// filling it in. Screens show Message next to the field named by Field.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// FieldErrors collects every problem on a form at once, so a person can fix
// them together rather than one per attempt.
type FieldErrors []*FieldError

func (fe *FieldErrors) add(field, msg string) {
	*fe = append(*fe, &FieldError{Field: field, Message: msg})
}

func (fe FieldErrors) Error() string {
	parts := make([]string, len(fe))
	for i, e := range fe {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// For returns the message for a field, or "".
func (fe FieldErrors) For(field string) string {
	for _, e := range fe {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

func (fe FieldErrors) err() error {
	if len(fe) == 0 {
		return nil
	}
	return fe
}

// Fields extracts the field errors from err, if it carries any.
func Fields(err error) FieldErrors {
	var fe FieldErrors
	if errors.As(err, &fe) {
		return fe
	}
	var one *FieldError
	if errors.As(err, &one) {
		return FieldErrors{one}
	}
	return nil
}

// TransitionError is returned for a step the session lifecycle does not allow
// from its current state.
type TransitionError struct {
	From  State
	Event string
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("cannot %s a session that is %s", e.Event, e.From)
}

// ErrIllegalTransition is matched by errors.Is for every TransitionError.
var ErrIllegalTransition = errors.New("illegal session step")

func (e *TransitionError) Is(target error) bool { return target == ErrIllegalTransition }
