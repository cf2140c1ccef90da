package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"safeguard/companion/crypto"
	"safeguard/companion/device"
	"safeguard/companion/records"
	"safeguard/companion/session"
	"safeguard/companion/store"
	"safeguard/companion/sync/client"
	"safeguard/companion/sync/proto"
	"safeguard/companion/vault"
)

// doing is what the person was doing when an error came back. The same
// error reads differently while saving and while reading (issue 15: a
// failure to open records must not say "saving"), and what to do next
// depends on it.
type doing int

const (
	saving    doing = iota // saving a change: a plan, a draft, a hold
	signing                // signing and locking a record
	reading                // opening or reading records already saved
	starting               // opening the app: keys, directory, database
	enrolling              // setting this computer up, with the hub or a directory
	reporting              // reporting an incident to the safeguarding team
	reviewing              // countersigning or reviewing a record
	caseWork               // the safeguarding team working on an incident
	syncing                // sending and fetching records with the hub
	exporting              // writing a record, key or report out of the app
)

// plainWords is the app's one voice for errors: what happened and what to
// do, in plain words, given what the person was doing. It recognises
// errors only by type (errors.Is, errors.As on the typed errors session/,
// store/, crypto/, vault/, device/ and sync/ export) and never shows an
// error's own text unless its package wrote that text for people; anything
// else gets the general words for the action. The detail goes to the log
// (Config.Errors), never to the screen.
func plainWords(err error, what doing) string {
	if err == nil {
		return ""
	}
	var ns *notSavedError
	if errors.As(err, &ns) {
		return notSaved(ns.err)
	}
	// The domain's refusals are written for the person already.
	if lines := problemLines(err); lines != nil {
		return strings.Join(lines, " ")
	}
	var (
		te  *session.TransitionError
		ite *session.IncidentTransitionError
		ope *session.OffPlanError
	)
	switch {
	case errors.As(err, &te):
		return sentence(te.Error())
	case errors.As(err, &ite):
		return sentence(ite.Error())
	case errors.As(err, &ope):
		return sentence(ope.Error())
	}
	if w := trustWords(err); w != "" {
		return w
	}
	for _, known := range writtenForPeople {
		if errors.Is(err, known) {
			return sentence(known.Error())
		}
	}
	if w := storeWords(err, what); w != "" {
		return w
	}
	if w := keyWords(err, what); w != "" {
		return w
	}
	for _, known := range notGenuine {
		if errors.Is(err, known) {
			return sentence(known.Error()) + " Tell your ICT administrator."
		}
	}
	if w := hubWords(err, what); w != "" {
		return w
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "This took too long and was stopped. Nothing already saved has been lost; try again, and tell your ICT administrator if it keeps happening."
	}
	return fallbackWords[what]
}

// writtenForPeople are the errors whose own text says what happened and
// what to do, as their packages promise (see each errors.go).
var writtenForPeople = []error{
	session.ErrLocked, session.ErrRiskStopped, session.ErrOwnRecord, session.ErrConsentRequired,
	session.ErrIncidentOpen, session.ErrDecisionNeeded, session.ErrConcernsEmpty, session.ErrAssessmentBlocks,
	session.ErrNeverLive, session.ErrAgreementIncomplete, session.ErrNoCall, session.ErrOverrunReason,
	session.ErrGuidanceFirst, session.ErrSafeguardingOnly, session.ErrOnHold, session.ErrNotDue,
	session.ErrReviewFirst, session.ErrNoSchedule, session.ErrHoldLifted,
	crypto.ErrWeakUnlockSecret, crypto.ErrWeakPassphrase, crypto.ErrTransferRecipient,
	device.ErrNotInDirectory, device.ErrHubDirectory, device.ErrAlreadyOpen,
	client.ErrPlainHTTP, client.ErrHubURL,
}

// trustWords are a hub or file that does not hold the organisation's key,
// with both fingerprints for the person to compare with what ICT sent, and
// an invitation that is not right, with what is wrong.
func trustWords(err error) string {
	var mm *crypto.AdminKeyMismatchError
	fingerprints := ""
	if errors.As(err, &mm) {
		fingerprints = " It names the key " + mm.Named + "; you were given " + mm.Given + "."
	}
	var ie *device.InvitationError
	switch {
	case errors.Is(err, device.ErrRogueHub):
		return sentence(device.ErrRogueHub.Error()) + fingerprints
	case errors.Is(err, crypto.ErrAdminKeyMismatch):
		return sentence(crypto.ErrAdminKeyMismatch.Error()) + fingerprints + " Tell your ICT administrator."
	case errors.As(err, &ie):
		return sentence(device.ErrInvitation.Error()) + " " + sentence(ie.Why)
	}
	return ""
}

// notGenuine are a record's or directory's failures to verify: shown as
// the refusal they are, never as a fault of the person's.
var notGenuine = []error{
	crypto.ErrMalformed, crypto.ErrBadSignature, crypto.ErrCiphertextMismatch, crypto.ErrUnknownSigner,
	crypto.ErrRevokedSigner, crypto.ErrNotRecipient, crypto.ErrDecrypt, crypto.ErrInnerMismatch,
	crypto.ErrDirectoryInvalid, crypto.ErrNoValidKey, crypto.ErrOutsideValidity, crypto.ErrFutureDated,
	vault.ErrRowMismatch, proto.ErrReceipt, crypto.ErrTombstone, crypto.ErrTombstoneNotDSL,
}

// fallbackWords are said for an error nobody wrote words for.
var fallbackWords = map[doing]string{
	saving:    "Something went wrong saving this. Nothing already saved has been lost; try again, and tell your ICT administrator if it keeps happening.",
	signing:   "Something went wrong signing this record. Nothing already saved has been lost; try again, and tell your ICT administrator if it keeps happening.",
	reading:   "Something went wrong reading your records. Nothing has been changed or lost; close the app and open it again, and tell your ICT administrator if it keeps happening.",
	starting:  "Something went wrong opening Safeguard Companion. Nothing has been changed or lost; close the app and open it again, and tell your ICT administrator if it keeps happening.",
	enrolling: "Something went wrong setting this computer up. Nothing has been sent or saved; check what your ICT administrator sent you and try again, and tell them if it keeps happening.",
	reporting: "Something went wrong sending this to the safeguarding team. Nothing already saved has been lost; try again, and if anyone is at risk, phone your safeguarding lead now.",
	reviewing: "Something went wrong saving this review. Nothing already saved has been lost; try again, and tell your ICT administrator if it keeps happening.",
	caseWork:  "Something went wrong saving this to the incident. Nothing already saved has been lost; try again, and tell your ICT administrator if it keeps happening.",
	syncing:   "Something went wrong talking to the hub. Your records are safe on this computer and will be sent later; tell your ICT administrator if it keeps happening.",
	exporting: "Something went wrong exporting this. Nothing on this computer has changed; try again, and tell your ICT administrator if it keeps happening.",
}

// storeWords are the local database's failures. Its errors are written for
// a save; a failure while reading or opening says so in words about reading.
func storeWords(err error, what doing) string {
	readingNow := what == reading || what == starting
	switch {
	case errors.Is(err, store.ErrClosed):
		if readingNow {
			return "The local database on this computer has closed, so nothing more can be read from it. Close the app and open it again; nothing has been changed or lost."
		}
		return "The local database on this computer has closed. Close the app and open it again, then try again; nothing already saved has been lost."
	case errors.Is(err, store.ErrDiskFull) && readingNow:
		return "The disk is full, so your records cannot be read. Free some space, then try again; nothing has been changed or lost."
	case errors.Is(err, store.ErrReadOnly) && readingNow:
		return "The data folder cannot be used. Check that the disk is connected and not write-protected, and that your account owns the folder, then open the app again; nothing has been changed or lost."
	case errors.Is(err, store.ErrNotFound) && readingNow:
		return "That record is not on this computer. It may not have synced yet; try again after the next sync, and tell your ICT administrator if it is still missing."
	}
	for _, known := range []error{store.ErrCorrupt, store.ErrDiskFull, store.ErrReadOnly, store.ErrNewerSchema, store.ErrConflict, store.ErrTampered} {
		if errors.Is(err, known) {
			return sentence(known.Error())
		}
	}
	return ""
}

// keyWords are the person's keys and the organisation directory.
func keyWords(err error, what doing) string {
	switch {
	case errors.Is(err, crypto.ErrWrongPassphrase):
		if what == starting {
			return "The passphrase is not right. Close the app and try again."
		}
		return "The passphrase is not right. Try again."
	case errors.Is(err, crypto.ErrKeyNotFound):
		return "Your key is not on this computer. Ask your ICT administrator to enrol this device again."
	case errors.Is(err, crypto.ErrNoKeyring):
		return "The " + thisKeyring() + " is not available on this computer. Close the app, log in to the computer again, and tell your ICT administrator if it keeps happening."
	case errors.Is(err, crypto.ErrDirectorySignature), errors.Is(err, crypto.ErrDirectoryRollback):
		if what == starting {
			return "The organisation directory on this computer is not genuine. Do not use the app; tell your ICT administrator."
		}
		return "The organisation directory is not genuine. Do not use it; tell your ICT administrator."
	case errors.Is(err, device.ErrInvitation):
		return "This enrolment invitation is not complete or not readable. Enter the hub address, the one-time code and the admin key fingerprint exactly as your ICT administrator sent them, or ask them to send the invitation again."
	case errors.Is(err, device.ErrNotSetUp):
		return "This computer is not set up yet. Close the app and open it again to set it up."
	}
	return ""
}

// hubCodeWords are the hub's refusals, by their code (proto.Code*).
var hubCodeWords = map[string]string{
	proto.CodeEnrolCode:       "The hub did not accept the enrolment code: it may be mistyped, already used or expired. Ask your ICT administrator for a new one.",
	proto.CodeUnauthenticated: "The hub does not recognise this computer. Tell your ICT administrator; your records are safe here.",
	proto.CodeUnknownDevice:   "The hub does not recognise this computer. Tell your ICT administrator; your records are safe here.",
	proto.CodeDeviceRevoked:   "Your organisation has withdrawn this computer's access to the hub. Tell your ICT administrator; your records are safe here.",
	proto.CodePersonRevoked:   "Your organisation has withdrawn this computer's access to the hub. Tell your ICT administrator; your records are safe here.",
	proto.CodeClockSkew:       "This computer's clock is wrong. Set the date and time correctly, then try again.",
	proto.CodeAppTooOld:       "This version of Safeguard Companion is too old for the hub. Install the latest version; your records are safe here.",
	proto.CodeBusy:            "The hub is busy. Try again in a few minutes; your records are safe here.",
	proto.CodeNoDirectory:     sentence(device.ErrHubDirectory.Error()),
}

// hubWords are the hub's answers and the network's silences. What the hub
// says is a code, put in our own words: its message is not shown, since a
// hub that is not ours could say anything.
func hubWords(err error, what doing) string {
	var he *client.HubError
	if errors.As(err, &he) {
		if w, ok := hubCodeWords[he.Code]; ok {
			return w
		}
		return "The hub refused this. Your records are safe on this computer; tell your ICT administrator if it keeps happening."
	}
	var ne *client.NetError
	if errors.As(err, &ne) {
		if what == syncing {
			return "The hub could not be reached. Your records are safe on this computer and are sent when it can be reached again."
		}
		return "The hub could not be reached. Check this computer is online and the hub address is right, then try again."
	}
	return ""
}

// problemLines are the domain's refusals one line a problem: each answer
// a form is missing (session.FieldErrors), or each policy gate that stops a
// step (session.GateError); nil for any other error.
func problemLines(err error) []string {
	var lines []string
	if fe := session.Fields(err); len(fe) > 0 {
		for _, e := range fe {
			lines = append(lines, sentence(e.Message))
		}
		return lines
	}
	var ge *session.GateError
	if errors.As(err, &ge) {
		for _, p := range ge.Problems {
			lines = append(lines, sentence(p.Error()))
		}
	}
	return lines
}

// plainList is plainWords for a screen that lists what is still to do,
// one line each, when the domain refused for missing answers.
func plainList(err error, what doing) string {
	lines := problemLines(err)
	if lines == nil {
		return plainWords(err, what)
	}
	return "Not done yet:\n• " + strings.Join(lines, "\n• ")
}

// unreadableWords says that n records of the record index could not be
// read, so are not shown (issue 15: decoding errors are shown, not dropped).
func unreadableWords(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%d record%s could not be read, so %s not shown. Nothing has been changed; tell your ICT administrator.", n, plural(n), itIs(n))
}

// readIndex decodes opened records into the record index. Records that do
// not decode are left out, never guessed at; how many is returned for the
// screen to say (unreadableWords, notShownWords). The detail of each, and of
// each record that failed verification (fails, from vault.Open), goes to the
// log (Config.Errors: the kind of failure, never a record's content).
func (sh *shell) readIndex(entries []vault.Entry, fails []vault.Failure) (*records.Index, int) {
	recs := &records.Index{}
	return recs, sh.readMore(recs, entries, fails)
}

// readMore is readIndex for the next page of a paged list: it takes
// entries into recs, logs as readIndex does, and returns how many did not
// decode.
func (sh *shell) readMore(recs *records.Index, entries []vault.Entry, fails []vault.Failure) int {
	bad := recs.Append(entries)
	if sh.cfg.Errors != nil {
		for _, f := range fails {
			sh.cfg.Errors("verifying a record", f.Err)
		}
		for _, err := range bad {
			sh.cfg.Errors("reading the record index", err)
		}
	}
	return len(bad)
}

// notShownWords says why records were not shown: those that failed
// verification, in the words for their refusal, and those that did not
// decode.
func notShownWords(fails []vault.Failure, unreadable int) string {
	var out []string
	if n := len(fails); n > 0 {
		seen := map[string]bool{}
		var why []string
		for _, f := range fails {
			if w := plainWords(f.Err, reading); !seen[w] {
				seen[w] = true
				why = append(why, w)
			}
		}
		out = append(out, fmt.Sprintf("%d record%s failed verification, so %s not shown: %s", n, plural(n), itIs(n), strings.Join(why, " ")))
	}
	if w := unreadableWords(unreadable); w != "" {
		out = append(out, w)
	}
	return strings.Join(out, " ")
}

// itIs and doesDo agree a sentence with a count.
func itIs(n int) string {
	if n == 1 {
		return "it is"
	}
	return "they are"
}

func doesDo(n int) string {
	if n == 1 {
		return "it does"
	}
	return "they do"
}

// sentence makes a package's lower-case message a sentence.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}
