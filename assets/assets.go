// Package assets holds what is built into the binary: the app icon and the
// default policy pack.
package assets

import _ "embed"

// PolicyPack is the default policy pack, written from the organisation's
// Online Safety Policy (April 2023) with a clause reference on every item.
//
//go:embed policy-pack.json
var PolicyPack []byte
