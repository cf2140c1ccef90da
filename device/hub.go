package device

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/http"
	"time"

	"safeguard/companion/crypto"
	"safeguard/companion/session"
	"safeguard/companion/store"
	"safeguard/companion/sync/client"
)

// HubLink is how this device reaches its organisation's hub: the address,
// the device id the hub gave it and the hub key pinned at enrolment, which
// must sign every receipt.
type HubLink struct {
	URL      string            `json:"url"`
	DeviceID string            `json:"device_id"`
	HubKey   ed25519.PublicKey `json:"hub_key"`
}

// deviceKeyName is the keystore name of the device's own key.
func deviceKeyName(person string) string { return "device-" + person }

// ErrHubDirectory means the hub had no organisation directory to give.
var ErrHubDirectory = errors.New("the hub has no organisation directory yet: ask your ICT administrator to publish it")

// ErrRogueHub means the hub named another organisation admin key than the
// fingerprint in the invitation: nothing was set up on this computer.
var ErrRogueHub = errors.New("this hub does not hold your organisation's key, so this computer was not set up and trusts nothing from it. The hub may have been tampered with, or the address is wrong: tell your ICT administrator, and do not use this hub")

// EnrolWithHub sets the device up through the organisation's hub with the
// invitation ICT handed over: it enrols a new device key with the one-time
// code, checks that the admin key the hub names matches the invitation's
// fingerprint (before keeping anything: a mismatch pins nothing and
// writes nothing), pins the hub and admin keys, fetches the signed
// directory, and checks that the person's key (me) is in it.
func EnrolWithHub(ctx context.Context, p Paths, ks crypto.Keystore, me *crypto.Identity, inv Invitation, deviceName string, now, training time.Time) (*Device, error) {
	hubURL, code := inv.Hub, inv.Code
	if !inv.Fingerprint.Valid() {
		return nil, fmt.Errorf("%w: the admin key fingerprint is missing", ErrInvitation)
	}
	devID, err := crypto.GenerateIdentity()
	if err != nil {
		return nil, err
	}
	resp, err := client.Enrol(ctx, hubURL, nil, devID.DeviceKey(), code, deviceName, now)
	if err != nil {
		return nil, fmt.Errorf("enrol with the hub: %w", err)
	}
	if err := crypto.MatchAdminKey(resp.AdminKey, inv.Fingerprint); err != nil {
		return nil, fmt.Errorf("%w (%w)", ErrRogueHub, err)
	}
	if err := ks.Store(deviceKeyName(resp.Person), devID); err != nil {
		return nil, fmt.Errorf("keep the device key: %w", err)
	}
	st, err := store.Open(p.DB(resp.Person))
	if err != nil {
		return nil, err
	}
	var signed []byte
	holder, err := client.NewDirectoryHolder(resp.AdminKey, nil, func(b []byte) error {
		signed = b
		return st.SetSetting(ctx, directorySetting, string(b))
	})
	if err != nil {
		st.Close()
		return nil, err
	}
	// The first sync signs its requests on the caller's clock, which named
	// now, not the computer's (they differ under session.ClockSetting).
	eng, err := client.New(client.Config{HubURL: hubURL, Store: st, DeviceKey: devID.DeviceKey(), HubKey: resp.HubKey, Directory: holder,
		Now: session.ShiftedTo(now).Now})
	if err != nil {
		st.Close()
		return nil, err
	}
	if err := eng.SyncNow(ctx); err != nil && holder.Current() == nil {
		st.Close()
		return nil, fmt.Errorf("fetch the organisation directory: %w", err)
	}
	if signed == nil {
		st.Close()
		return nil, ErrHubDirectory
	}
	st.Close()
	dev, err := Join(ctx, p, me, signed, resp.AdminKey, training)
	if err != nil {
		return nil, err
	}
	if dev.Profile.PersonID != resp.Person {
		dev.Close()
		return nil, fmt.Errorf("the hub enrolled this device for %q, but your key belongs to %q in the directory: ask your ICT administrator", resp.Person, dev.Profile.PersonID)
	}
	dev.Profile.Hub = &HubLink{URL: hubURL, DeviceID: resp.Device, HubKey: resp.HubKey}
	if err := saveProfile(p, dev.Profile); err != nil {
		dev.Close()
		return nil, err
	}
	return dev, nil
}

// SyncEngine is the device's sync engine, or nil when it has no hub. The
// engine keeps the held directory up to date in the store, where Open reads
// and re-verifies it at the next start. now is the app's clock; nil means
// the computer's.
func (d *Device) SyncEngine(ks crypto.Keystore, hc *http.Client, now func() time.Time) (*client.Engine, error) {
	if d.Profile.Hub == nil {
		return nil, nil
	}
	devID, err := ks.Load(deviceKeyName(d.Profile.PersonID))
	if err != nil {
		return nil, fmt.Errorf("load the device key: %w", err)
	}
	ctx := context.Background()
	signed, err := d.Store.Setting(ctx, directorySetting)
	if err != nil {
		return nil, err
	}
	holder, err := client.NewDirectoryHolder(d.Profile.AdminKey, []byte(signed), func(b []byte) error {
		dir, err := crypto.VerifyDirectory(b, d.Profile.AdminKey, nil)
		if err != nil {
			return err
		}
		return keepDirectory(ctx, d.Paths, d.Store, b, dir.Version)
	})
	if err != nil {
		return nil, err
	}
	return client.New(client.Config{HubURL: d.Profile.Hub.URL, HTTP: hc, Store: d.Store, DeviceKey: devID.DeviceKey(),
		HubKey: d.Profile.Hub.HubKey, Directory: holder, Now: now, Actor: string(d.Me.KeyID())})
}
