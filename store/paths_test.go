package store

import (
	"errors"
	"path/filepath"
	"testing"
)

func TestDefaultPath(t *testing.T) {
	env := func(m map[string]string) func(string) string {
		return func(k string) string { return m[k] }
	}
	tests := []struct {
		name   string
		goos   string
		env    map[string]string
		home   string
		person string
		want   string
		err    error
	}{
		{"linux XDG", "linux", map[string]string{"XDG_DATA_HOME": "/x/data"}, "/home/a", "p1",
			"/x/data/safeguard-companion/p1/companion.db", nil},
		{"linux default", "linux", nil, "/home/a", "p1",
			"/home/a/.local/share/safeguard-companion/p1/companion.db", nil},
		{"linux relative XDG ignored", "linux", map[string]string{"XDG_DATA_HOME": "rel"}, "/home/a", "p1",
			"/home/a/.local/share/safeguard-companion/p1/companion.db", nil},
		{"freebsd", "freebsd", nil, "/home/a", "p1",
			"/home/a/.local/share/safeguard-companion/p1/companion.db", nil},
		{"macOS", "darwin", map[string]string{"XDG_DATA_HOME": "/ignored"}, "/Users/a", "p1",
			"/Users/a/Library/Application Support/safeguard-companion/p1/companion.db", nil},
		{"windows", "windows", map[string]string{"LocalAppData": "/C/Users/a/AppData/Local"}, "", "p1",
			"/C/Users/a/AppData/Local/safeguard-companion/p1/companion.db", nil},
		{"windows without LocalAppData", "windows", nil, "/C/Users/a", "p1", "", errAny},
		{"no home", "linux", nil, "", "p1", "", errAny},
		{"empty person", "linux", nil, "/home/a", "", "", ErrInvalid},
		{"dot-dot", "linux", nil, "/home/a", "..", "", ErrInvalid},
		{"separator", "linux", nil, "/home/a", "a/b", "", ErrInvalid},
		{"backslash", "linux", nil, "/home/a", `a\b`, "", ErrInvalid},
		{"space", "linux", nil, "/home/a", "a b", "", ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := defaultPath(tt.goos, env(tt.env), tt.home, tt.person)
			switch {
			case tt.err == errAny && err == nil:
				t.Fatalf("got %q, want an error", got)
			case tt.err != nil && tt.err != errAny && !errors.Is(err, tt.err):
				t.Fatalf("err %v, want %v", err, tt.err)
			case tt.err == nil && err != nil:
				t.Fatal(err)
			}
			if got != filepath.FromSlash(tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
	if _, err := DefaultPath("p1"); err != nil {
		t.Fatalf("DefaultPath on this machine: %v", err)
	}
}

var errAny = errors.New("any error")
