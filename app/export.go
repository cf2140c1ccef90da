package app

import (
	"context"
	"fmt"
	"io"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/crypto"
)

// saveFile asks where to save and writes data there. Only ciphertext or a
// passphrase-protected key is ever written: plaintext never touches disk.
func (u *UI) saveFile(name string, write func(io.Writer) error, done func(error)) {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		werr := write(w)
		if cerr := w.Close(); werr == nil {
			werr = cerr
		}
		done(werr)
	}, u.win)
	d.SetFileName(name)
	d.Show()
}

// exportRecord saves a record's encrypted part as an .age file for the age
// command-line tool (README: opening a record with the age tool).
func (u *UI) exportRecord(id string, status func(string)) {
	var ct []byte
	u.background(func(ctx context.Context) error {
		var err error
		ct, err = u.cfg.Vault.ExportCiphertext(ctx, id)
		return err
	}, func(err error) {
		if err != nil {
			status("Not exported: " + plainError(err))
			return
		}
		u.saveFile("record-"+id+".age", func(w io.Writer) error { _, err := w.Write(ct); return err }, func(err error) {
			if err != nil {
				status("Could not write the file; choose another folder.")
				return
			}
			status("Encrypted record saved. Open it with: age -d -i my-key.age record.age")
		})
	})
}

// exportKey saves the person's age identity, protected by a passphrase they
// choose, so they can open records with the age tool. The signing key never
// leaves the device.
func (u *UI) exportKey(status func(string)) {
	if u.dev == nil {
		return
	}
	pass := widget.NewPasswordEntry()
	again := widget.NewPasswordEntry()
	dialog.ShowForm("Export my key", "Export", "Cancel", []*widget.FormItem{
		widget.NewFormItem("Passphrase", pass),
		widget.NewFormItem("Again", again),
	}, func(ok bool) {
		switch {
		case !ok:
			return
		case len(pass.Text) < 10:
			status("Choose a passphrase of at least 10 characters.")
			return
		case pass.Text != again.Text:
			status("The two passphrases differ; try again.")
			return
		}
		id := u.dev.Me.AgeIdentity()
		u.saveFile("my-key.age", func(w io.Writer) error { return crypto.ExportIdentity(w, id, pass.Text) }, func(err error) {
			if err != nil {
				status(fmt.Sprintf("Could not export the key: %s", plainError(err)))
				return
			}
			status("Key exported, protected by your passphrase.")
		})
	}, u.win)
}
