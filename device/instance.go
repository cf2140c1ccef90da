package device

import "errors"

// ErrAlreadyOpen means another copy of the app on this computer has the same
// data open. Two copies would each sync, autosave and lock on their own
// timers over the same records, so the second refuses to start.
var ErrAlreadyOpen = errors.New("it is already open on this computer with the same records: " +
	"switch to the window that is open (look for it in the taskbar) instead of opening it again")
