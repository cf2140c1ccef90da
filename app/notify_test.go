package app

import (
	"context"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"safeguard/companion/testclock"
)

// TestIncidentArrivalNotifiesTheDSL: an incident Sam reports reaches
// Morgan's laptop (a safeguarding lead) through a real hub on loopback, and
// Morgan's desktop gets one notification that says what it is and when,
// and nothing of the incident (issue 15; policy 11: only the safeguarding
// team is told). A sync that brings nothing new notifies nothing; the next
// incident notifies again.
func TestIncidentArrivalNotifiesTheDSL(t *testing.T) {
	ctx := context.Background()
	now := testclock.Start()
	sam, clock := newTestUI(t)
	clock.Set(now)
	lh, enrol := startTestHub(t, now, clock.Now)
	defer lh.down()
	samDev, samKeys := enrol("sam")
	sengine, err := samDev.SyncEngine(samKeys, nil, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	sam.sync.engine = sengine // driven by hand, not by a background loop
	sam.keys = samKeys
	sam.useDevice(samDev)
	settle(sam)

	// Morgan's app is made last: Fyne's test app records its notifications.
	morgan, mclock := newTestUI(t)
	mclock.Set(now)
	morganDev, morganKeys := enrol("morgan")
	mengine, err := morganDev.SyncEngine(morganKeys, nil, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	morgan.sync.engine = mengine
	morgan.keys = morganKeys
	morgan.useDevice(morganDev)
	settle(morgan)
	if err := morgan.sync.alerts.prime(ctx, morgan.cfg.Vault); err != nil { // as syncStatus.start does before sync runs
		t.Fatal(err)
	}

	report := func(what string) {
		t.Helper()
		sam.ShowHome()
		newIncident(t, sam, "CUS-4821", "16", false, what)
		tap(t, sam, "Report to the safeguarding team")
		mustSee(t, sam, "Reported to the safeguarding team")
		if err := sengine.SyncNow(ctx); err != nil {
			t.Fatal(err)
		}
		if st := sengine.Status(ctx); st.Waiting != 0 {
			t.Fatalf("Sam's laptop still has %d records waiting", st.Waiting)
		}
	}
	syncMorgan := func() {
		t.Helper()
		if err := mengine.SyncNow(ctx); err != nil {
			t.Fatal(err)
		}
		if err := morgan.sync.alerts.check(ctx, morgan.cfg.Vault, mengine.Status(ctx), morgan.sync.notifyIncident); err != nil {
			t.Fatal(err)
		}
		settle(morgan)
	}
	want := fyne.NewNotification(incidentNoticeTitle, "Received at "+morgan.clockText(now, "15:04")+". Open Safeguard Companion, Incident cases, to read it.")

	report("A customer said an adult she met online asked to meet her alone.")
	test.AssertNotificationSent(t, want, syncMorgan)
	test.AssertNotificationSent(t, nil, syncMorgan) // nothing new: no notification
	report("A second customer was sent threatening messages by a stranger.")
	test.AssertNotificationSent(t, want, syncMorgan)
	if n := len(morgan.sync.alerts.known); n != 2 {
		t.Errorf("%d incidents known to Morgan's laptop, want 2", n)
	}
	// Sam, not a safeguarding lead, is never primed, so never notified.
	if sam.sync.alerts.known != nil {
		t.Error("a practitioner's laptop watches for incidents")
	}
}
