package app

import (
	"context"
	"errors"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/assets"
	"safeguard/companion/crypto"
	"safeguard/companion/device"
)

// Start builds the UI and unlocks the device off the UI goroutine: it finds
// the keystore (asking for a passphrase when there is no keyring), then opens
// the person's records, or shows the first-run screen on a new device.
//
// The window comes first (issue 18: it appears within 1.15x of an empty Fyne
// window's time, with 100,000 records on the device;
// BenchmarkWindowAppearsScale in cmd/companion): before it is on screen
// there is only a one-line screen and a small window icon, and the unlock
// starts once the app runs, after the window is shown and first drawn.
// Measured on two loaded cores (medians of 25 runs against an empty
// window): unlocking beside the window's creation cost about 10% of it, the
// full first screen (the top bar with its icon) about 5%, and decoding and
// handing X the 512x512 16-bit icon about 10%.
func Start(a fyne.App, cfg Config, paths device.Paths) *UI {
	u := newUI(a, cfg)
	// The window's own icon is the 128x128 one (assets.WindowIconPNG): the
	// window system shows it small, and the 512x512 Icon would be decoded
	// before the window appears.
	u.win.SetIcon(fyne.NewStaticResource("window-icon.png", assets.WindowIconPNG))
	u.win.SetContent(wrapped("Opening your records…"))
	u.refreshMenu()
	a.Lifecycle().SetOnStarted(func() { u.unlock(paths) })
	return u
}

func (u *UI) unlock(paths device.Paths) {
	_, err := device.LoadProfile(paths)
	u.setUp = err == nil
	var ks crypto.Keystore
	var dev *device.Device
	u.background(func(ctx context.Context) error {
		var err error
		ks, err = device.Keystore(paths, u.askPassphrase)
		if err != nil {
			return err
		}
		dev, err = device.Open(ctx, paths, ks)
		return err
	}, func(err error) {
		switch {
		case errors.Is(err, device.ErrNotSetUp):
			u.keys = ks
			u.ShowFirstRun(paths, ks)
		case err != nil:
			u.show("Safeguard Companion", wrapped(fmt.Sprintf("Your records could not be opened. %s", plainWords(err, starting))))
		default:
			u.keys = ks
			u.useDevice(dev)
		}
	})
}

// useDevice switches the UI to an unlocked device and shows home.
func (u *UI) useDevice(dev *device.Device) {
	u.dev = dev
	u.cfg.Vault = dev.Vault(u.cfg.Clock)
	u.cfg.Me = Practitioner{Name: dev.Person.Name, KeyID: string(dev.Me.KeyID()), TrainingCompleted: dev.Profile.TrainingCompleted}
	u.sync.start()
	u.ShowHome()
	u.loadSessions()
	u.lock.watchIdle()
	u.watchFocus()
	u.lock.loadUnlockSecret()
}

func wrapped(text string) fyne.CanvasObject {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return container.NewPadded(l)
}

// askPassphrase is called off the UI goroutine when there is no keyring: it
// shows the plain-words explanation and waits for the person's answer.
func (u *UI) askPassphrase(explanation string) (string, error) {
	answer := make(chan string, 1)
	fyne.Do(func() {
		pass := widget.NewPasswordEntry()
		text := widget.NewLabel(explanation)
		text.Wrapping = fyne.TextWrapWord
		title := "Protect your keys"
		if u.setUp {
			title, explanation = "Unlock", "Enter the passphrase that protects your keys on this computer."
		}
		text.SetText(explanation)
		d := dialog.NewForm(title, "Continue", "Cancel",
			[]*widget.FormItem{widget.NewFormItem("", text), widget.NewFormItem("Passphrase", pass)},
			func(ok bool) {
				if !ok {
					answer <- ""
					return
				}
				answer <- pass.Text
			}, u.win)
		pass.OnSubmitted = func(string) { d.Submit() }
		d.Resize(fyne.NewSize(560, 340))
		d.Show()
		u.win.Canvas().Focus(pass)
	})
	p := <-answer
	if p == "" {
		return "", errors.New("no passphrase was given")
	}
	return p, nil
}
