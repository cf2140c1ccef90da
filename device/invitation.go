package device

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"

	"safeguard/companion/crypto"
	"safeguard/companion/sync/client"
)

// Invitation is what ICT hands a new member to enrol a laptop with the
// organisation's hub: the hub's address, a one-time code and the
// fingerprint of the organisation's admin key. The fingerprint is what
// makes it safe: the laptop pins the admin key the hub names only if it
// matches, so a hub whose database was altered to name another key
// enrols nothing (docs/ARCHITECTURE.md Trust model: "a laptop never takes the admin
// key on the hub's word"). It is short enough to read out and type, and
// is also written as a small text file (InvitationFile).
type Invitation struct {
	Hub         string
	Code        string
	Fingerprint crypto.KeyID // the admin key's id (crypto.AdminFingerprint)
	Person      string       // whom the code enrols; shown, not trusted
	Expires     time.Time    // when the code stops working; shown, not trusted
}

// InvitationExtension names invitation files.
const InvitationExtension = ".sginvite"

const invitationMagic = "Safeguard Companion enrolment invitation"

// ErrInvitation wraps every refusal of ParseInvitation and Check.
var ErrInvitation = errors.New("this enrolment invitation is not complete or not readable")

// InvitationError is ErrInvitation with what is wrong and what to do, in
// words for the person, so a screen can show them without reading the
// error's text (issue 15, one voice for errors).
type InvitationError struct{ Why string }

func (e *InvitationError) Error() string { return ErrInvitation.Error() + ": " + e.Why }

func (e *InvitationError) Is(target error) bool { return target == ErrInvitation }

// NewInvitation checks and assembles an invitation from what a person
// typed: the hub address, the code and the fingerprint.
func NewInvitation(hub, code, fingerprint string) (Invitation, error) {
	inv := Invitation{Hub: strings.TrimSpace(hub), Code: strings.TrimSpace(code)}
	if inv.Hub == "" || inv.Code == "" || strings.TrimSpace(fingerprint) == "" {
		return Invitation{}, &InvitationError{Why: "enter the hub address, the one-time code and the admin key fingerprint exactly as your ICT administrator sent them"}
	}
	if err := client.CheckHubURL(inv.Hub); err != nil {
		return Invitation{}, err
	}
	fp, err := crypto.ParseAdminFingerprint(fingerprint)
	if err != nil {
		return Invitation{}, fmt.Errorf("%w: %w", ErrInvitation, err)
	}
	inv.Fingerprint = fp
	return inv, nil
}

// File renders the invitation as the text file ICT hands over.
func (inv Invitation) File() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\n", invitationMagic)
	fmt.Fprintf(&b, "Hub: %s\n", inv.Hub)
	fmt.Fprintf(&b, "Code: %s\n", inv.Code)
	fmt.Fprintf(&b, "Admin key fingerprint: %s\n", crypto.GroupFingerprint(inv.Fingerprint))
	if inv.Person != "" {
		fmt.Fprintf(&b, "For: %s\n", inv.Person)
	}
	if !inv.Expires.IsZero() {
		fmt.Fprintf(&b, "Valid until: %s\n", inv.Expires.UTC().Format(time.RFC3339))
	}
	return b.Bytes()
}

// ParseInvitation reads an invitation file. Lines are "Name: value"; the
// first names the format, Hub, Code and Admin key fingerprint are
// required, and nothing unknown is accepted.
func ParseInvitation(b []byte) (Invitation, error) {
	bad := func(why string) (Invitation, error) {
		return Invitation{}, &InvitationError{Why: why + "; ask your ICT administrator to send it again"}
	}
	if len(b) > 4096 {
		return bad("the file is far larger than an invitation")
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	if !sc.Scan() || strings.TrimSpace(sc.Text()) != invitationMagic {
		return bad("it is not a Safeguard Companion enrolment invitation")
	}
	fields := map[string]string{}
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		switch {
		case !ok:
			return bad(fmt.Sprintf("the line %q is not of the form Name: value", line))
		case fields[name] != "":
			return bad(fmt.Sprintf("%q appears twice", name))
		}
		switch name {
		case "Hub", "Code", "Admin key fingerprint", "For", "Valid until":
			fields[name] = value
		default:
			return bad(fmt.Sprintf("it has an unknown line %q", name))
		}
	}
	inv, err := NewInvitation(fields["Hub"], fields["Code"], fields["Admin key fingerprint"])
	if err != nil {
		return Invitation{}, err
	}
	inv.Person = fields["For"]
	if v := fields["Valid until"]; v != "" {
		if inv.Expires, err = time.Parse(time.RFC3339, v); err != nil {
			return bad("its expiry time does not read")
		}
	}
	return inv, nil
}
