package app

import "runtime"

// keyringName is what the person knows their system's keyring as: go-keyring
// keeps keys in Windows Credential Manager, the macOS Keychain, or the
// Secret Service (the "keyring") elsewhere.
func keyringName(goos string) string {
	switch goos {
	case "windows":
		return "Windows Credential Manager"
	case "darwin":
		return "macOS Keychain"
	}
	return "keyring"
}

// thisKeyring is keyringName for the system the app runs on.
func thisKeyring() string { return keyringName(runtime.GOOS) }
