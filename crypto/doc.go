// Package crypto holds identities, keyring storage, the signed organisation
// directory and signed, age-encrypted record envelopes.
package crypto
