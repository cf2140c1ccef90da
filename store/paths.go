package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// AppDirName is the folder under the user data directory that holds one
// sub-folder per person.
const AppDirName = "safeguard-companion"

// DBFileName is the database file inside a person's folder.
const DBFileName = "companion.db"

// DefaultPath returns where the database of personID lives: one database
// per person, in the OS user data directory:
//
//   - Linux and other Unix: $XDG_DATA_HOME, or ~/.local/share
//   - macOS: ~/Library/Application Support
//   - Windows: %LocalAppData%
//
// On Windows the local, not the roaming, AppData is used: a roaming profile
// copies files at log-off, and copying a live SQLite database can tear it.
// DefaultPath creates nothing; Open creates the folders with mode 0700.
func DefaultPath(personID string) (string, error) {
	home, _ := os.UserHomeDir() // an error leaves home empty, handled below
	return defaultPath(runtime.GOOS, os.Getenv, home, personID)
}

// defaultPath is DefaultPath with its environment passed in, so that every
// platform's rule can be tested on any platform.
func defaultPath(goos string, getenv func(string) string, home, personID string) (string, error) {
	if err := validPathSegment(personID); err != nil {
		return "", fmt.Errorf("store: person id %q: %w", personID, err)
	}
	base, err := userDataDir(goos, getenv, home)
	if err != nil {
		return "", err
	}
	return filepath.Join(base, AppDirName, personID, DBFileName), nil
}

func userDataDir(goos string, getenv func(string) string, home string) (string, error) {
	var dir string
	switch goos {
	case "windows":
		dir = getenv("LocalAppData")
		if dir == "" {
			return "", errors.New("store: %LocalAppData% is not set: cannot find where to keep the database")
		}
	case "darwin", "ios":
		if home == "" {
			return "", errors.New("store: $HOME is not set: cannot find where to keep the database")
		}
		dir = filepath.Join(home, "Library", "Application Support")
	case "plan9":
		if home == "" {
			return "", errors.New("store: $home is not set: cannot find where to keep the database")
		}
		dir = filepath.Join(home, "lib")
	default:
		// The XDG spec says a relative $XDG_DATA_HOME is invalid and must
		// be ignored. Absolute on a Unix is a leading slash (filepath.IsAbs
		// would be the host's rule: no drive letter, so never absolute on
		// Windows, where this is tested too).
		if x := getenv("XDG_DATA_HOME"); x != "" && strings.HasPrefix(x, "/") {
			return x, nil
		}
		if home == "" {
			return "", errors.New("store: neither $XDG_DATA_HOME nor $HOME is set: cannot find where to keep the database")
		}
		dir = filepath.Join(home, ".local", "share")
	}
	return dir, nil
}

// validPathSegment refuses anything that could climb out of, or split, the
// application folder.
func validPathSegment(s string) error {
	if s == "" || s == "." || s == ".." || len(s) > 128 {
		return fmt.Errorf("%w: must be 1 to 128 characters, not . or ..", ErrInvalid)
	}
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			r == '-' || r == '_' || r == '.'
		if !ok {
			return fmt.Errorf("%w: only letters, digits, '-', '_' and '.' are allowed", ErrInvalid)
		}
	}
	return nil
}
