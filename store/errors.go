package store

import (
	"context"
	"errors"
	"fmt"
	"syscall"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// The errors a caller can test for with errors.Is. Each message is written to
// be shown to a practitioner as it is: it says what happened and what to do.
// None of them means data already saved has been lost: every write is one
// transaction, so a failed write leaves the database as it was before it.
var (
	ErrCorrupt = errors.New("the local database is damaged: do not delete it; " +
		"close the app and contact your ICT administrator (records already synced are safe on the hub)")
	ErrDiskFull = errors.New("the disk is full: free some space, then save again " +
		"(nothing already saved has been lost)")
	ErrReadOnly = errors.New("the data folder cannot be written to: check the disk is not " +
		"write-protected and that your account owns the folder, then try again " +
		"(nothing already saved has been lost)")
	ErrNewerSchema = errors.New("this database was written by a newer version of Safeguard Companion: " +
		"install the latest version; the file has not been changed")
	ErrConflict = errors.New("a different record with the same id is already saved; " +
		"the saved record was kept unchanged")
	ErrNotFound = errors.New("not found")
	// ErrTampered reports that the audit chain does not verify.
	ErrTampered = errors.New("the audit trail has been altered: keep the file as it is " +
		"and tell your Designated Safeguarding Lead")
	// ErrInvalid reports a call the store refuses before touching the
	// database, such as an empty id.
	ErrInvalid = errors.New("invalid argument")
	// ErrClosed reports use of a Store after Close.
	ErrClosed = errors.New("the local database is closed")
)

// classify maps an error from SQLite or the operating system onto the
// sentinels above, keeping the original error in the chain for diagnosis.
// op names what was being done, in plain words; it never carries content.
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	for _, k := range []error{ErrCorrupt, ErrDiskFull, ErrReadOnly, ErrNewerSchema,
		ErrConflict, ErrNotFound, ErrTampered, ErrInvalid, ErrClosed} {
		if errors.Is(err, k) {
			// Already classified further down: wrapping again would only
			// repeat the message.
			return err
		}
	}
	if kind := kindOf(err); kind != nil {
		return fmt.Errorf("store: %s: %w (%w)", op, kind, err)
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

// kindOf returns the sentinel a raw SQLite or system error belongs to, or nil.
func kindOf(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return nil
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		// Code may be an extended result code; the primary code is the low
		// byte (https://sqlite.org/rescode.html).
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			return ErrCorrupt
		case sqlite3.SQLITE_FULL:
			return ErrDiskFull
		case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM:
			return ErrReadOnly
		}
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		switch errno {
		case syscall.ENOSPC:
			return ErrDiskFull
		case syscall.EROFS, syscall.EACCES, syscall.EPERM:
			return ErrReadOnly
		}
	}
	return nil
}
