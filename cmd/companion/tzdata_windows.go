package main

// Windows has no IANA time zone database, and the policy pack names its
// hours as one ("Europe/London"): without this the app stops at start-up
// with "must be an IANA time zone". Go embeds its copy (about 450 KB).
import _ "time/tzdata"
