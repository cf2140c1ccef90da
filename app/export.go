package app

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/crypto"
)

// saveFile asks where to save and writes data there. Only ciphertext or a
// passphrase-protected key is ever written: plaintext never touches disk.
func (sh *shell) saveFile(name string, write func(io.Writer) error, done func(error)) {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		werr := write(w)
		if cerr := w.Close(); werr == nil {
			werr = cerr
		}
		done(werr)
	}, sh.win)
	d.SetFileName(name)
	if docs, ok := documentsFolder(); ok {
		d.SetLocation(docs) // the person's documents, as for the report
	}
	d.Show()
}

// saveInBackground asks where to save a file called name, then, off the UI
// goroutine, has write fill it and closes it; done gets the saved file's
// name, or the error, on the UI goroutine. The dialog opens in the person's
// documents and offers only files ending as name does.
func (sh *shell) saveInBackground(name string, write func(ctx context.Context, w io.Writer) error, done func(saved string, err error)) {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		sh.background(func(ctx context.Context) error {
			werr := write(ctx, w)
			if cerr := w.Close(); werr == nil {
				werr = cerr
			}
			return werr
		}, func(err error) { done(w.URI().Name(), err) })
	}, sh.win)
	d.SetFileName(name)
	if docs, ok := documentsFolder(); ok {
		d.SetLocation(docs)
	}
	d.SetFilter(storage.NewExtensionFileFilter([]string{filepath.Ext(name)}))
	d.Show()
}

// exportRecord saves a record's encrypted part as an .age file for the age
// command-line tool (README: opening a record with the age tool).
func (sh *shell) exportRecord(id string, status func(string)) {
	var ct []byte
	sh.background(func(ctx context.Context) error {
		var err error
		ct, err = sh.cfg.Vault.ExportCiphertext(ctx, id)
		return err
	}, func(err error) {
		if err != nil {
			status("Not exported: " + plainWords(err, exporting))
			return
		}
		sh.saveFile("record-"+id+".age", func(w io.Writer) error { _, err := w.Write(ct); return err }, func(err error) {
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
func (sh *shell) exportKey(status func(string)) {
	if sh.dev == nil {
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
		id := sh.dev.Me.AgeIdentity()
		passphrase := pass.Text
		// A folder, not a file name: the key file is then created here,
		// owner-only and never over an existing file, rather than by the
		// save dialog, which would create it readable by others and
		// replace whatever had the name.
		dialog.ShowFolderOpen(func(folder fyne.ListableURI, err error) {
			if err != nil || folder == nil {
				return
			}
			var path string
			sh.background(func(context.Context) error {
				var err error
				path, err = writeKeyExport(folder.Path(), func(w io.Writer) error { return crypto.ExportIdentity(w, id, passphrase) })
				return err
			}, func(err error) {
				switch {
				case errors.Is(err, errKeyExportExists):
					status("Not exported: " + err.Error() + ".")
					return
				case err != nil:
					status("Could not export the key: " + plainWords(err, exporting))
					return
				}
				status("Key exported to " + path + ", protected by your passphrase and readable only by your account on this computer.")
			})
		}, sh.win)
	}, sh.win)
}

// keyExportName is the file Export my key writes in the chosen folder.
const keyExportName = "my-key.age"

// errKeyExportExists: the folder already holds an exported key.
var errKeyExportExists = errors.New(keyExportName + " already exists in that folder and was left as it is: choose another folder, or move the old file aside first")

// writeKeyExport creates folder/my-key.age with owner-only permissions
// (0600), never over an existing file, syncs it and returns its path; on
// failure nothing is left behind.
func writeKeyExport(folder string, write func(io.Writer) error) (string, error) {
	path := filepath.Join(folder, keyExportName)
	if err := crypto.WriteExportFile(path, write); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return "", errKeyExportExists
		}
		return "", err
	}
	return path, nil
}
