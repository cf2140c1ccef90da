package app

import (
	"context"
	"sync"

	"fyne.io/fyne/v2"

	"safeguard/companion/crypto"
	"safeguard/companion/records"
	"safeguard/companion/sync/client"
	"safeguard/companion/vault"
)

// incidentAlerts tells a safeguarding lead, with a desktop notification,
// when an incident reaches this laptop through sync (issue 15: a home that
// says what needs you). The notification says what kind of notice it is
// and the time, nothing of the incident: notifications show on a locked
// screen and in the system's history, outside the app's encryption.
//
// The incidents already on the laptop when sync starts are not news
// (prime); after that, each round that brought records in is looked at once,
// and each incident new to the laptop gets one notification, never another
// for a later version of it.
type incidentAlerts struct {
	mu       sync.Mutex
	known    map[string]bool // incident ids on this laptop; nil until primed
	received int64           // the engine's Received when last looked at
}

// incidentIDs are the ids of the incidents this laptop holds, each once
// however many versions it has.
func incidentIDs(ctx context.Context, v *vault.Vault) (map[string]bool, error) {
	entries, _, err := v.Open(ctx, nil, crypto.KindIncident)
	if err != nil {
		return nil, err
	}
	recs, _ := records.New(entries) // only counts ids: the screens say what could not be read
	ids := make(map[string]bool, len(recs.Cases))
	for _, c := range recs.Cases {
		ids[c.Doc().ID] = true
	}
	return ids, nil
}

// prime takes the incidents already here as known. It runs before sync
// first does, off the UI goroutine.
func (a *incidentAlerts) prime(ctx context.Context, v *vault.Vault) error {
	ids, err := incidentIDs(ctx, v)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.known = ids
	return nil
}

// check looks, when sync has brought records in since it last looked, for
// incidents new to this laptop, and calls alert once for each. It runs off
// the UI goroutine.
func (a *incidentAlerts) check(ctx context.Context, v *vault.Vault, st client.Status, alert func()) error {
	a.mu.Lock()
	if a.known == nil || st.Received <= a.received {
		a.mu.Unlock()
		return nil
	}
	a.received = st.Received
	a.mu.Unlock()
	ids, err := incidentIDs(ctx, v)
	if err != nil {
		return err
	}
	a.mu.Lock()
	fresh := 0
	for id := range ids {
		if !a.known[id] {
			a.known[id] = true
			fresh++
		}
	}
	a.mu.Unlock()
	for range fresh {
		alert()
	}
	return nil
}

// notifyIncident is the desktop notification of an incident that arrived:
// its kind and the time, nothing more.
func (u *syncStatus) notifyIncident() {
	at := u.clockText(u.cfg.Clock.Now(), "15:04")
	u.runOnUI(func() {
		u.app.SendNotification(fyne.NewNotification(incidentNoticeTitle, "Received at "+at+". Open Safeguard Companion, Incident cases, to read it."))
	})
}

const incidentNoticeTitle = "New safeguarding incident"
