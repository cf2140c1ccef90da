package app

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/crypto"
	"safeguard/companion/device"
	"safeguard/companion/org"
	"safeguard/companion/seed"
)

// firstRunScreen sets up a new device: joining the organisation, or the
// demo organisation.
type firstRunScreen struct {
	*shell
	nav navigator
}

// ShowFirstRun sets up a new device: join the organisation, or try the app
// in a clearly labelled demo organisation. It says plainly where keys and
// data live.
func (u *UI) ShowFirstRun(paths device.Paths, ks crypto.Keystore) {
	(&firstRunScreen{shell: u.shell, nav: u}).welcome(paths, ks)
}

func (fr *firstRunScreen) welcome(paths device.Paths, ks crypto.Keystore) {
	where := "Your keys are kept in this computer's " + thisKeyring() + "."
	if _, isFile := ks.(*crypto.FileKeystore); isFile {
		where = "This computer has no " + thisKeyring() + ", so your keys are kept in a file protected by your passphrase, in " + paths.Config + "."
	}
	intro := widget.NewLabel("Safeguard Companion keeps your session records signed and encrypted on this computer, and sends them to your organisation when you are online.\n\n" +
		where + "\nYour records are kept, encrypted, in " + paths.Data + ". Nothing is ever stored unencrypted.")
	intro.Wrapping = fyne.TextWrapWord
	status := widget.NewLabel("")
	status.Wrapping = fyne.TextWrapWord

	demoAs := func(label, person string) *widget.Button {
		b := widget.NewButtonWithIcon(label, theme.InfoIcon(), nil)
		b.OnTapped = func() {
			b.Disable()
			status.SetText("Making the demo organisation's keys…")
			var dev *device.Device
			fr.background(func(ctx context.Context) error {
				var err error
				dev, err = fr.setUpDemo(ctx, paths, ks, person, func(s string) { fr.runOnUI(func() { status.SetText(s) }) })
				return err
			}, func(err error) {
				if err != nil {
					b.Enable()
					status.SetText("Could not set up the demo: " + plainWords(err, enrolling))
					return
				}
				fr.nav.useDevice(dev)
			})
		}
		return b
	}
	demo := container.NewHBox(
		demoAs("Try it as a practitioner", "sam"),
		demoAs("as a line manager", "priya"),
		demoAs("as a safeguarding lead", "morgan"))
	join := widget.NewButtonWithIcon("Join my organisation", theme.AccountIcon(), func() { fr.showJoin(paths, ks) })
	join.Importance = widget.HighImportance

	demoNote := widget.NewLabel("The demo has fictional people only (a practitioner, their manager and two safeguarding leads), so you can try every step without touching real records. The line manager and the safeguarding lead start with a year of the practitioner's fictional sessions, reviews and incidents to work on; the practitioner starts with none.")
	demoNote.Wrapping = fyne.TextWrapWord
	body := container.NewVBox(intro, widget.NewSeparator(),
		container.NewHBox(join), wrapped("Your ICT administrator gives you an enrolment invitation: your hub's address, a one-time code and your organisation's key fingerprint (read out, or as a file). Without a hub, they send the directory file, the admin key and its fingerprint."),
		widget.NewSeparator(), widget.NewLabelWithStyle("Try the demo organisation", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), demo, demoNote, status)
	fr.nav.show("Welcome to Safeguard Companion", container.NewVScroll(container.NewPadded(body)))
}

// showJoin: make my keys, send the public half to ICT, then import the
// directory they publish with it and pin the admin key.
func (fr *firstRunScreen) showJoin(paths device.Paths, ks crypto.Keystore) {
	status := widget.NewLabel("")
	status.Wrapping = fyne.TextWrapWord
	public := widget.NewLabel("")
	public.Wrapping = fyne.TextWrapBreak
	var me *crypto.Identity
	var dirBytes []byte
	adminKey := entry(adminKeyPlaceholder)
	adminPrint := widget.NewLabel("")
	adminPrint.Wrapping = fyne.TextWrapWord
	adminPrint.Hide()
	matches := widget.NewCheck("This fingerprint matches the one my ICT administrator sent", nil)
	adminKey.OnChanged = func(s string) {
		matches.SetChecked(false)
		adminPrint.Show()
		pub, ok := parseAdminKey(s)
		switch {
		case strings.TrimSpace(s) == "":
			adminPrint.SetText("")
			adminPrint.Hide()
			return
		case !ok:
			adminPrint.SetText("This is not a whole admin key yet: paste it exactly as your ICT administrator sent it.")
		default:
			adminPrint.SetText("Admin key fingerprint: " + crypto.AdminFingerprint(pub) +
				"\nCompare it, group by group, with the fingerprint your ICT administrator sent you (by phone or in person, not in the same email as the key). If they differ, stop: the key is not your organisation's.")
		}
	}
	training := entry("DD/MM/YYYY")
	dirName := widget.NewLabel("No directory chosen.")
	copyBtn := widget.NewButtonWithIcon("Copy my public key", theme.ContentCopyIcon(), nil)
	copyBtn.Disable()
	create := widget.NewButtonWithIcon("Create my keys", theme.ContentAddIcon(), nil)
	create.OnTapped = func() {
		create.Disable()
		fr.background(func(context.Context) error {
			var err error
			me, err = device.NewIdentity(ks)
			return err
		}, func(err error) {
			if err != nil {
				create.Enable()
				status.SetText("Could not create your keys: " + plainWords(err, enrolling))
				return
			}
			pk := me.PublicKey()
			text := fmt.Sprintf("key id: %s\nage: %s\ned25519: %s", pk.ID, pk.Age, base64.StdEncoding.EncodeToString(pk.Ed25519))
			public.SetText(fmt.Sprintf("Your key id is %s. Send your public key to your ICT administrator.", pk.ID))
			copyBtn.OnTapped = func() {
				fr.app.Clipboard().SetContent(text)
				status.SetText("Public key copied. It holds nothing secret.")
			}
			copyBtn.Enable()
		})
	}
	choose := widget.NewButtonWithIcon("Choose directory file", theme.FolderOpenIcon(), func() {
		d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
			if err != nil || r == nil {
				return
			}
			defer r.Close()
			b, err := io.ReadAll(io.LimitReader(r, 16<<20))
			if err != nil {
				status.SetText("Could not read that file; choose it again.")
				return
			}
			dirBytes = b
			dirName.SetText(r.URI().Name())
		}, fr.win)
		d.SetFilter(storage.NewExtensionFileFilter([]string{".sgdir", ".json", ".dir"}))
		d.Show()
	})
	finish := widget.NewButtonWithIcon("Finish", theme.ConfirmIcon(), func() {
		pub, ok := parseAdminKey(adminKey.Text)
		switch {
		case me == nil:
			status.SetText("Create your keys first.")
			return
		case !ok:
			status.SetText("The admin key is not right: paste it exactly as your ICT administrator sent it.")
			return
		case !matches.Checked:
			status.SetText("Compare the admin key fingerprint shown with the one your ICT administrator sent, and tick the box only if every group matches. Nothing is set up until you do.")
			return
		case dirBytes == nil:
			status.SetText("Choose the directory file your ICT administrator sent.")
			return
		}
		trained, _ := parseDate(training.Text, fr.cfg.Pack.Location())
		var dev *device.Device
		fr.background(func(ctx context.Context) error {
			var err error
			dev, err = device.Join(ctx, paths, me, dirBytes, ed25519.PublicKey(pub), trained)
			return err
		}, func(err error) {
			switch {
			case errors.Is(err, crypto.ErrDirectorySignature), errors.Is(err, crypto.ErrMalformed), errors.Is(err, crypto.ErrDirectoryInvalid):
				status.SetText("That directory was not signed by this admin key, or is damaged. Check both with your ICT administrator.")
			case err != nil:
				status.SetText(plainWords(err, enrolling))
			default:
				fr.nav.useDevice(dev)
			}
		})
	})
	finish.Importance = widget.HighImportance

	hubURL := entry(hubPlaceholder)
	code := entry(codePlaceholder)
	fingerprint := entry(fingerprintPlaceholder)
	openInvite := widget.NewButtonWithIcon("Open invitation file", theme.FolderOpenIcon(), func() {
		d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
			if err != nil || r == nil {
				return
			}
			defer r.Close()
			b, err := io.ReadAll(io.LimitReader(r, 8<<10))
			if err != nil {
				status.SetText("Could not read that file; choose it again.")
				return
			}
			status.SetText(fillInvitation(b, hubURL, code, fingerprint))
		}, fr.win)
		d.SetFilter(storage.NewExtensionFileFilter([]string{device.InvitationExtension, ".txt"}))
		d.Show()
	})
	enrol := widget.NewButtonWithIcon("Enrol with the hub", theme.LoginIcon(), func() {
		if me == nil {
			status.SetText("Create your keys first, and send the public key to your ICT administrator.")
			return
		}
		inv, err := device.NewInvitation(hubURL.Text, code.Text, fingerprint.Text)
		if err != nil {
			status.SetText(plainWords(err, enrolling))
			return
		}
		trained, _ := parseDate(training.Text, fr.cfg.Pack.Location())
		var dev *device.Device
		status.SetText("Enrolling…")
		fr.background(func(ctx context.Context) error {
			var err error
			dev, err = device.EnrolWithHub(ctx, paths, ks, me, inv, "Safeguard Companion", fr.cfg.Clock.Now(), trained)
			return err
		}, func(err error) {
			switch {
			case errors.Is(err, device.ErrNotInDirectory):
				status.SetText(plainWords(err, enrolling))
			case err != nil:
				status.SetText("Could not enrol: " + plainWords(err, enrolling))
			default:
				fr.nav.useDevice(dev)
			}
		})
	})
	enrol.Importance = widget.HighImportance
	form := widget.NewForm(
		widget.NewFormItem("1. Your keys", container.NewVBox(container.NewHBox(create, copyBtn), public)),
		widget.NewFormItem("Safeguarding training", training),
		widget.NewFormItem("2a. With a hub", container.NewVBox(container.NewHBox(openInvite), hubURL, code, fingerprint, container.NewHBox(enrol))),
		widget.NewFormItem("2b. Without a hub", container.NewVBox(container.NewHBox(choose), dirName, adminKey, adminPrint, matches, container.NewHBox(finish))),
	)
	back := widget.NewButtonWithIcon("Back", theme.NavigateBackIcon(), func() { fr.welcome(paths, ks) })
	fr.nav.show("Join my organisation", container.NewVScroll(container.NewPadded(container.NewVBox(form, status))), back)
}

// Placeholders of the join form's entries.
const (
	hubPlaceholder         = "https://hub.example.org:8443"
	codePlaceholder        = "The one-time code from your ICT administrator"
	fingerprintPlaceholder = "Organisation key fingerprint, e.g. 1a2b 3c4d 5e6f …"
	adminKeyPlaceholder    = "The admin key your ICT administrator gave you"
)

// parseAdminKey reads a pasted admin key.
func parseAdminKey(s string) (ed25519.PublicKey, bool) {
	pub, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return nil, false
	}
	return pub, true
}

// fillInvitation puts an invitation file's hub, code and fingerprint into
// the form, for the person to see before enrolling, and says what happened.
func fillInvitation(b []byte, hubURL, code, fingerprint *widget.Entry) string {
	inv, err := device.ParseInvitation(b)
	if err != nil {
		return plainWords(err, enrolling)
	}
	hubURL.SetText(inv.Hub)
	code.SetText(inv.Code)
	fingerprint.SetText(crypto.GroupFingerprint(inv.Fingerprint))
	return "Invitation read. Check that the fingerprint is the one your ICT administrator told you, then enrol."
}

// demoPerDay is how many sessions a working day the demo's fictional year
// holds for the line manager and the safeguarding lead. make demo writes
// three (companion-hub seed-demo); one keeps first run to a few seconds
// (about 2.6 s for a year measured on a shared two-core machine, against
// 6.4 s for three) and still gives some 260 records to review and a dozen
// incidents.
const demoPerDay = 1

// demoSeed is make demo's seed, so the year is the same one.
const demoSeed = 1

// setUpDemo sets the device up as a person of the demo organisation. The
// line manager and the safeguarding lead would otherwise open empty lists,
// so for them the organisation is made a year back and the fictional year
// written first (package seed, as make demo does, without a hub: the
// records each can read are put straight into their store). say is told
// how far it has got.
func (fr *firstRunScreen) setUpDemo(ctx context.Context, paths device.Paths, ks crypto.Keystore, person string, say func(string)) (*device.Device, error) {
	now := fr.cfg.Clock.Now()
	if person != seed.Manager && person != seed.DSL {
		return device.SetUpDemo(ctx, paths, ks, now, person)
	}
	from := now.AddDate(-1, 0, 0)
	o, err := org.Demo(from.Add(-24 * time.Hour))
	if err != nil {
		return nil, err
	}
	// Written in a folder of its own, and only the person's store moved
	// into place once whole: a seeding that fails leaves nothing behind.
	if err := os.MkdirAll(paths.Data, 0o700); err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp(paths.Data, ".demo-seed-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	said := -1
	w, err := seed.Generate(ctx, seed.Config{Dir: work, From: from, Until: now, SessionsPerDay: demoPerDay, Seed: demoSeed, Views: 20, Org: o,
		Progress: func(done, total int) {
			if pct := 100 * done / total; pct/5 != said/5 {
				said = pct
				say(fmt.Sprintf("Writing the demo's fictional year of sessions, reviews and incidents: %d%%…", pct))
			}
		}})
	if err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	db := paths.DB(person)
	if err := os.MkdirAll(filepath.Dir(db), 0o700); err != nil {
		return nil, err
	}
	seeded := filepath.Join(work, person, "companion.db")
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Rename(seeded+suffix, db+suffix); err != nil && (suffix == "" || !errors.Is(err, os.ErrNotExist)) {
			return nil, err
		}
	}
	say("Keeping the demo organisation's keys…")
	dev, err := device.SetUpDemoOrg(ctx, paths, ks, o, now, person)
	if err != nil {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(db + suffix)
		}
	}
	return dev, err
}
