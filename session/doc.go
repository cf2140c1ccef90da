// Package session is the domain of Safeguard Companion: the policy pack, the
// plan and pre-session risk assessment, consent and agreement, the session
// lifecycle with its timer, the meeting record and the incident flow.
//
// It is pure Go: no Fyne, no SQL, no network, no crypto. Time comes from an
// injected Clock so every rule can be tested at any instant.
package session
