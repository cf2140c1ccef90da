package crypto

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"filippo.io/age"
)

// identityFile renders an age identity file exactly as age-keygen does, so
// the age command-line tool reads it with -i.
func identityFile(id *age.HybridIdentity, now time.Time) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# created: %s\n", now.UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "# public key: %s\n", id.Recipient())
	fmt.Fprintf(&b, "%s\n", id)
	return b.Bytes()
}

// ExportIdentity writes the age half of an identity (never the signing key)
// as an age identity file encrypted to passphrase. `age -d -i file` asks for
// the passphrase and then decrypts records: how a manager or an auditor reads
// a record without this app.
func ExportIdentity(w io.Writer, id *age.HybridIdentity, passphrase string) error {
	if passphrase == "" {
		return errors.New("an exported key needs a passphrase (use ExportIdentityUnprotected only when the person asked for it)")
	}
	r, err := age.NewScryptRecipient(passphrase)
	if err != nil {
		return fmt.Errorf("protecting exported key: %w", err)
	}
	ew, err := age.Encrypt(w, r)
	if err != nil {
		return fmt.Errorf("protecting exported key: %w", err)
	}
	plain := identityFile(id, time.Now())
	defer clear(plain)
	if _, err := ew.Write(plain); err != nil {
		return fmt.Errorf("writing exported key: %w", err)
	}
	if err := ew.Close(); err != nil {
		return fmt.Errorf("writing exported key: %w", err)
	}
	return nil
}

// ExportIdentityUnprotected writes the age identity file in the clear. Only
// for an explicit request by the person (for example to move the key into
// a hardware-protected store); the app must say what that means.
func ExportIdentityUnprotected(w io.Writer, id *age.HybridIdentity) error {
	plain := identityFile(id, time.Now())
	defer clear(plain)
	if _, err := w.Write(plain); err != nil {
		return fmt.Errorf("writing exported key: %w", err)
	}
	return nil
}

// WriteExportFile creates path (which must not exist yet) with mode 0600,
// lets write fill it, and syncs it. On failure the file is removed, so no
// partial key is left behind.
func WriteExportFile(path string, write func(io.Writer) error) (err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("creating export file: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("closing export file: %w", cerr)
		}
		if err != nil {
			os.Remove(path)
		}
	}()
	if err := write(f); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("syncing export file: %w", err)
	}
	return nil
}
