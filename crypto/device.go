package crypto

import "crypto/ed25519"

// DeviceKey is the Ed25519 key a device signs its hub requests with. A
// device keeps a separate Identity for this, in the same keystore as the
// person's, so that revoking a lost laptop at the hub never touches the
// person's record-signing key.
func (id *Identity) DeviceKey() ed25519.PrivateKey { return id.sign }
