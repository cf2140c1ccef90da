package app

import (
	"context"
	"encoding/json"
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/buildmode"
	"safeguard/companion/crypto"
	"safeguard/companion/store"
)

// unlockSetting is the store setting that holds the lock's verifier
// (crypto.UnlockSecret: a salt and a stretched hash, never the secret).
const unlockSetting = "unlock_secret"

// keysInKeyring says whether the keys are in the OS keyring, which opens
// without asking: then the lock needs a secret of its own (issue 14).
func (l *idleLock) keysInKeyring() bool {
	_, file := l.keys.(*crypto.FileKeystore)
	return l.keys != nil && !file
}

// needsUnlockSecret says whether the lock needs a secret of its own: the
// keys are in the keyring and this is the organisation's real set-up (the
// demo organisation's people and records are fictional).
func (l *idleLock) needsUnlockSecret() bool {
	return l.dev != nil && !l.dev.Profile.Demo && l.keysInKeyring()
}

// loadUnlockSecret reads the lock's verifier, and asks for one to be chosen
// when the lock needs one and none has been.
func (l *idleLock) loadUnlockSecret() {
	if !l.needsUnlockSecret() {
		return
	}
	var secret *crypto.UnlockSecret
	l.background(func(ctx context.Context) error {
		v, err := l.dev.Store.Setting(ctx, unlockSetting)
		if errors.Is(err, store.ErrNotFound) || v == "" {
			return nil
		}
		if err != nil {
			return err
		}
		var s crypto.UnlockSecret
		if err := json.Unmarshal([]byte(v), &s); err != nil {
			return err
		}
		secret = &s
		return nil
	}, func(err error) {
		if err != nil {
			return // asked again at the next home
		}
		l.secret, l.secretLoaded = secret, true
		if secret == nil {
			l.askUnlockSecret()
		}
	})
}

// askUnlockSecret has the person choose the PIN or passphrase that unlocks
// the app after it locks itself. Home asks again until it is chosen:
// without it, anyone at an unattended laptop could open it.
func (l *idleLock) askUnlockSecret() {
	secret, again := widget.NewPasswordEntry(), widget.NewPasswordEntry()
	secret.SetPlaceHolder("PIN or passphrase")
	again.SetPlaceHolder("The same again")
	msg := wrappedLabel("")
	msg.Importance = widget.DangerImportance
	var dlg dialog.Dialog
	set := widget.NewButton("Set it", nil)
	set.Importance = widget.HighImportance
	set.OnTapped = func() {
		if secret.Text != again.Text {
			msg.SetText("The two do not match. Type the same PIN or passphrase twice.")
			return
		}
		chosen, logN := secret.Text, l.unlockWorkFactor()
		var made crypto.UnlockSecret
		set.Disable()
		l.background(func(ctx context.Context) error {
			var err error
			if made, err = crypto.NewUnlockSecret(chosen, logN); err != nil {
				return err
			}
			b, err := json.Marshal(made)
			if err != nil {
				return err
			}
			return l.dev.Store.SetSetting(ctx, unlockSetting, string(b))
		}, func(err error) {
			set.Enable()
			switch {
			case errors.Is(err, crypto.ErrWeakUnlockSecret):
				msg.SetText("Choose a PIN or passphrase of at least 6 characters.")
			case err != nil:
				msg.SetText(notSaved(err))
			default:
				l.secret = &made
				dlg.Hide()
			}
		})
	}
	again.OnSubmitted = func(string) { set.OnTapped() }
	body := container.NewVBox(
		wrappedLabel("Your keys are kept in this computer's "+thisKeyring()+". Choose a PIN or passphrase (at least 6 characters) that unlocks the app after it locks itself, so that nobody else at this laptop can open your records."),
		secret, again, msg, container.NewHBox(set))
	dlg = dialog.NewCustomWithoutButtons("Choose how to unlock the app", body, l.win)
	dlg.Resize(fyne.NewSize(480, 320))
	dlg.Show()
	l.win.Canvas().Focus(secret)
}

// unlockWorkFactor is scrypt's log2 N for a new verifier: the default, or
// the test's cheaper one, which a release build ignores (buildmode).
func (l *idleLock) unlockWorkFactor() int {
	if buildmode.TestHooks && l.cfg.UnlockWorkFactor > 0 {
		return l.cfg.UnlockWorkFactor
	}
	return crypto.DefaultUnlockWorkFactor
}
