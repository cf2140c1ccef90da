package main

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"safeguard/companion/crypto"
	"safeguard/companion/device"
	"safeguard/companion/session"
	"safeguard/companion/store"
	"safeguard/companion/testclock"
)

// hubBinary returns the real hub binary: $COMPANION_HUB_BIN or a fresh build.
func hubBinary(t *testing.T) string {
	t.Helper()
	if b := os.Getenv("COMPANION_HUB_BIN"); b != "" {
		return b
	}
	out := filepath.Join(t.TempDir(), "companion-hub")
	if b, err := exec.Command("go", "build", "-o", out, "../companion-hub").CombinedOutput(); err != nil {
		t.Fatalf("build the hub: %v\n%s", err, b)
	}
	return out
}

// lockedBuffer collects a process's output while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// suiteClock is the tests' "now" (testclock), running with real time. Every
// process a test starts (the app, the hub, seed-demo) gets it through
// clockSetting, so that they agree on the date whatever day the suite is run
// as.
var suiteClock = testclock.NewRunning(testclock.Start())

// clockSetting starts a process's clock where the suite's clock is now.
func clockSetting() string { return clockSettingOf(suiteClock) }

// clockSettingOf starts a process's clock where c is now: a test whose app
// must see a working day's morning runs it on a clock of its own.
func clockSettingOf(c *testclock.Running) string {
	return session.ClockSetting + "=" + c.Now().Format(time.RFC3339Nano)
}

// realApp is the real binary running as one person, on one X display.
type realApp struct {
	t       testing.TB
	display string
	cmd     *exec.Cmd
	logs    *lockedBuffer
	hubLog  *lockedBuffer
	window  string
	started testclock.Stopwatch
}

// startApp starts the real binary with home as COMPANION_HOME and waits
// for its window, which it sizes for the inbox's columns.
func startApp(ctx context.Context, t *testing.T, bin, display, home string, hubLog *lockedBuffer) *realApp {
	return startAppWith(ctx, t, bin, display, home, hubLog)
}

// startAppAt is startApp with the app's clock where clock is now. hubLog
// may be nil when no hub runs.
func startAppAt(ctx context.Context, t testing.TB, bin, display, home string, hubLog *lockedBuffer, clock *testclock.Running) *realApp {
	t.Helper()
	return startAppWith(ctx, t, bin, display, home, hubLog, clockSettingOf(clock))
}

// startAppWith is startApp with more environment, which wins over the
// usual (a later COMPANION_CLOCK, FYNE_SCALE: the last of a name counts).
func startAppWith(ctx context.Context, t testing.TB, bin, display, home string, hubLog *lockedBuffer, env ...string) *realApp {
	t.Helper()
	if hubLog == nil {
		hubLog = &lockedBuffer{}
	}
	a := &realApp{t: t, display: display, logs: &lockedBuffer{}, hubLog: hubLog}
	a.cmd = exec.CommandContext(ctx, bin)
	a.cmd.Env = append(append(os.Environ(), "DISPLAY="+display, "COMPANION_HOME="+home, "LANG=en_GB.UTF-8", clockSetting()), env...)
	a.cmd.Stdout, a.cmd.Stderr = a.logs, a.logs
	a.started = testclock.NewStopwatch()
	if err := a.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.stop)
	a.waitFor("the window", 30*time.Second, func() bool {
		c := exec.Command("xdotool", "search", "--onlyvisible", "--name", "Safeguard Companion")
		c.Env = append(os.Environ(), "DISPLAY="+display)
		out, _ := c.Output()
		a.window, _, _ = strings.Cut(strings.TrimSpace(string(out)), "\n")
		return a.window != ""
	})
	return a
}

func (a *realApp) stop() {
	if a.cmd.ProcessState == nil {
		a.cmd.Process.Kill()
		a.cmd.Wait()
	}
}

func (a *realApp) xdo(args ...string) {
	a.t.Helper()
	c := exec.Command("xdotool", args...)
	c.Env = append(os.Environ(), "DISPLAY="+a.display)
	if out, err := c.CombinedOutput(); err != nil {
		a.t.Fatalf("xdotool %v: %v %s", args, err, out)
	}
	// Each key or text is handled before the next is sent: a key that
	// opens a screen moves the focus once it is handled (focusOnOpen).
	a.settle(150 * time.Millisecond)
}

func (a *realApp) keys(keys ...string) {
	a.t.Helper()
	for _, k := range keys {
		a.xdo("key", k)
	}
}

func (a *realApp) waitFor(what string, within time.Duration, ok func() bool) {
	a.t.Helper()
	for sw := testclock.NewStopwatch(); sw.Within(within); time.Sleep(200 * time.Millisecond) {
		if ok() {
			return
		}
	}
	a.t.Fatalf("%s did not happen; app output:\n%s\nhub output:\n%s", what, a.logs.String(), a.hubLog.String())
}

// waitSynced waits for the app's sync round with the hub: from the hub's
// log mark (its length when the app started), requests answered, then two
// seconds with none. It returns how long after the start the last one was.
func (a *realApp) waitSynced(mark int, paths ...string) time.Duration {
	a.t.Helper()
	var last time.Duration
	lastLen, quietSince := -1, testclock.NewStopwatch()
	a.waitFor("the app's sync with the hub", 40*time.Second, func() bool {
		l := a.hubLog.String()[mark:]
		for _, p := range paths {
			if !strings.Contains(l, "path="+p+" status=200") {
				return false
			}
		}
		if len(l) != lastLen {
			lastLen, quietSince = len(l), testclock.NewStopwatch()
			last = a.started.Elapsed()
			return false
		}
		return quietSince.Elapsed() > 2*time.Second
	})
	return last
}

// waitQuiet waits until the app stops working on all cores (verifying and
// decrypting a year of records, building a report) and returns how long
// that took.
func (a *realApp) waitQuiet(what string) time.Duration {
	a.t.Helper()
	start := testclock.NewStopwatch()
	time.Sleep(time.Second)
	quiet := 0
	a.waitFor(what, 40*time.Second, func() bool {
		before := cpuTicks(a.cmd.Process.Pid)
		time.Sleep(time.Second)
		// Of 100 a second per core: redrawing a blinking cursor in
		// software under Xvfb costs about 10, verifying and decrypting on
		// both cores nearly 200.
		if cpuTicks(a.cmd.Process.Pid)-before <= 30 {
			quiet++
		} else {
			quiet = 0
		}
		return quiet >= 2
	})
	return start.Elapsed()
}

// shoot captures the app's window into dir/name and decodes it.
func (a *realApp) shoot(dir, name string) image.Image {
	a.t.Helper()
	path := filepath.Join(dir, name)
	if b, err := exec.Command("/usr/bin/import", "-display", a.display, "-window", a.window, path).CombinedOutput(); err != nil {
		a.t.Skipf("no screenshot tool (ImageMagick import; make test installs it): %v %s", err, b)
	}
	f, err := os.Open(path)
	if err != nil {
		a.t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		a.t.Fatalf("%s is not a PNG: %v", path, err)
	}
	return img
}

// TestManagerAndDSLThroughRealHub seeds a year of fictional records through
// the real hub binary (companion-hub seed-demo) with the line manager's
// laptop left offline, serves the hub, and runs the real app under Xvfb,
// driven by the keyboard only:
//
//   - as the line manager: the app's first sync sends her reviews and
//     fetches the year addressed to her; Tab to Inbox and Space open it.
//     Afterwards her home holds exactly what the generator addressed to
//     her, every record verifying and opening with her key, nothing left
//     to send.
//   - as the safeguarding lead: her app syncs with the hub; Tab to Incident
//     cases and Space open the queue; Tab and Space open the first case,
//     which the app records as a view in her access audit. Started again,
//     Tab to Quarterly report and Space open her report.
func TestManagerAndDSLThroughRealHub(t *testing.T) {
	if os.Getenv("COMPANION_SECRET_SERVICE") != "1" {
		t.Skip("needs a real Secret Service for the keys (make test runs this under scripts/with-secret-service.sh)")
	}
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Skip("xdotool is not installed (make test installs it)")
	}
	// Wider than a 1280 screen: the quarterly report needs about 1310 px.
	display := startXvfbScreen(t, "1440x900x24")
	bin, hubBin := binary(t), hubBinary(t)
	dir := t.TempDir()
	data, homes := filepath.Join(dir, "hub"), filepath.Join(dir, "homes")
	addr := freeLoopbackAddr(t)

	start := testclock.NewStopwatch()
	seedDemo := exec.Command(hubBin, "seed-demo", "-data", data, "-homes", homes, "-addr", addr,
		"-per-day", "3", "-offline", "priya")
	seedDemo.Env = append(os.Environ(), clockSetting())
	out, err := seedDemo.CombinedOutput()
	if err != nil {
		t.Fatalf("seed-demo: %v\n%s", err, out)
	}
	seeded := start.Elapsed()
	m := regexp.MustCompile(`priya\s+left offline: (\d+) to read`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("seed-demo did not say what priya will read:\n%s", out)
	}
	want, _ := strconv.Atoi(string(m[1]))
	if want < 500 {
		t.Fatalf("a year for priya is only %d records", want)
	}
	t.Logf("seed-demo: a year seeded through the hub in %s; %d records addressed to the manager", seeded.Round(time.Millisecond), want)

	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	hub := exec.CommandContext(ctx, hubBin, "serve", "-data", data, "-addr", addr)
	hub.Env = append(os.Environ(), clockSetting())
	hubLog := &lockedBuffer{}
	hub.Stdout, hub.Stderr = hubLog, hubLog
	if err := hub.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { hub.Process.Kill(); hub.Wait() }()

	// Screenshots of the inbox and a case go to $SCREENSHOT_DIR (make
	// screenshots: docs/screenshots).
	docs, tmp := os.Getenv("SCREENSHOT_DIR"), t.TempDir()
	if docs == "" {
		docs = tmp
	}
	bg := context.Background()

	// The line manager.
	home := filepath.Join(homes, "priya")
	app := startApp(ctx, t, bin, display, home, hubLog)
	synced := app.waitSynced(0, "/v1/push", "/v2/pull")
	t.Logf("the manager's first sync (start, unlock, send her reviews, fetch her year) finished within %s of starting", synced.Round(100*time.Millisecond))
	app.xdo("windowsize", app.window, "1200", "760") // room for the inbox's columns
	time.Sleep(4 * time.Second)                      // the home screen shows the sync status every 5 s
	homeShot := app.shoot(tmp, "home.png")
	// Home, for a line manager: New session, History, then Inbox.
	app.keys("Tab", "Tab", "Tab", "space")
	t.Logf("the inbox was open and quiet within %s", app.waitQuiet("the inbox to finish opening").Round(100*time.Millisecond))
	checkScreens(t, homeShot, app.shoot(docs, "real-binary-inbox.png"), "opening the inbox")
	app.stop()

	paths := device.Paths{Config: filepath.Join(home, "config"), Data: filepath.Join(home, "data")}
	dev, err := device.Open(bg, paths, crypto.KeyringStore{})
	if err != nil {
		t.Fatalf("open the manager's home: %v", err)
	}
	// Her device also shares its audit with the DSLs (crypto.KindAudit)
	// once its sync runs: not a record addressed to her, so not counted,
	// and it may still be waiting if the app stopped just after making it.
	all, err := dev.Store.CountEnvelopes(bg, store.Filter{})
	shared, err2 := dev.Store.CountEnvelopes(bg, store.Filter{Kind: string(crypto.KindAudit)})
	if err != nil || err2 != nil || all-shared != want {
		t.Errorf("the manager's home holds %d records after the app's sync, want the %d addressed to her (%v %v)", all-shared, want, err, err2)
	}
	waiting, err := dev.Store.NextOutbox(bg, 100000)
	unsent := 0
	for _, it := range waiting {
		if it.Envelope.Kind != string(crypto.KindAudit) {
			unsent++
		}
	}
	if err != nil || unsent != 0 {
		t.Errorf("%d of her records were not sent (%v)", unsent, err)
	}
	entries, fails, err := dev.Vault(suiteClock).Open(bg, nil)
	if err != nil || len(fails) != 0 || len(entries) != want {
		t.Errorf("her records open: %d, failures %d (%v), want %d", len(entries), len(fails), err, want)
	}
	dev.Close()
	if s := app.logs.String(); strings.Contains(s, "CUS-") || strings.Contains(s, "panic") {
		t.Errorf("the manager's app log:\n%s", s)
	}

	// The safeguarding lead.
	home = filepath.Join(homes, "morgan")
	paths = device.Paths{Config: filepath.Join(home, "config"), Data: filepath.Join(home, "data")}
	viewsBefore := views(t, paths)
	mark := len(hubLog.String())
	app = startApp(ctx, t, bin, display, home, hubLog)
	app.waitSynced(mark, "/v2/pull")
	app.xdo("windowsize", app.window, "1200", "760")
	time.Sleep(time.Second)
	homeShot = app.shoot(tmp, "dsl-home.png")
	// Home, for a safeguarding lead: New session, History, Inbox, then
	// Incident cases; in the queue, the first Tab reaches the list, whose
	// first row is its first group's heading: Down to the first case.
	app.keys("Tab", "Tab", "Tab", "Tab", "space")
	app.waitQuiet("the case queue to open")
	queueShot := app.shoot(tmp, "cases.png")
	checkScreens(t, homeShot, queueShot, "opening the case queue")
	app.keys("Tab", "Down", "space")
	app.waitQuiet("the case to open")
	checkScreens(t, queueShot, app.shoot(docs, "real-binary-case.png"), "opening a case")
	app.stop()
	if got := views(t, paths); got != viewsBefore+1 {
		t.Errorf("the access audit holds %d views after opening one case, %d before", got, viewsBefore)
	}
	if s := app.logs.String(); strings.Contains(s, "CUS-") || strings.Contains(s, "panic") {
		t.Errorf("the safeguarding lead's app log:\n%s", s)
	}

	// Her quarterly report: Home, then New session, History, Inbox,
	// Incident cases, Quarterly report.
	app = startApp(ctx, t, bin, display, home, hubLog)
	app.xdo("windowsize", app.window, "1200", "760")
	time.Sleep(3 * time.Second) // unlocked, home
	homeShot = app.shoot(tmp, "dsl-home-2.png")
	app.keys("Tab", "Tab", "Tab", "Tab", "Tab", "space")
	app.waitQuiet("the quarterly report to build")
	checkScreens(t, homeShot, app.shoot(docs, "real-binary-report.png"), "opening the quarterly report")
	app.stop()
}

// views counts the record views in a home's audit chain.
func views(t *testing.T, paths device.Paths) int {
	t.Helper()
	dev, err := device.Open(context.Background(), paths, crypto.KeyringStore{})
	if err != nil {
		t.Fatalf("open the home: %v", err)
	}
	defer dev.Close()
	evs, err := dev.Store.AuditEvents(context.Background(), 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range evs {
		if ev.Action == store.ActionViewed {
			n++
		}
	}
	return n
}

// cpuTicks is the CPU time a process has used, in clock ticks (1/100 s).
// settle waits, after at least least, until the app has handled what
// it was sent: none of its threads running or waiting to run (state R or
// D in /proc) at three looks 50 ms apart. On a loaded machine a thread
// that waits for a core still shows R, so a starved app is never taken
// for an idle one, as a fixed sleep would (keys typed before a screen's
// focus is set are lost). It gives up after 20 s and lets the test's own
// checks say what did not happen.
func (a *realApp) settle(least time.Duration) {
	time.Sleep(least)
	sw := testclock.NewStopwatch()
	for idle := 0; idle < 3 && sw.Elapsed() < 20*time.Second; {
		time.Sleep(50 * time.Millisecond)
		if busyThreads(a.cmd.Process.Pid) {
			idle = 0
		} else {
			idle++
		}
	}
}

// busyThreads says whether any thread of pid is running or waiting to run.
func busyThreads(pid int) bool {
	dir := "/proc/" + strconv.Itoa(pid) + "/task"
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, task := range tasks {
		b, err := os.ReadFile(filepath.Join(dir, task.Name(), "stat"))
		if err != nil {
			continue
		}
		_, rest, _ := strings.Cut(string(b), ") ")
		if rest != "" && (rest[0] == 'R' || rest[0] == 'D') {
			return true
		}
	}
	return false
}

func cpuTicks(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The fields after the command name (which may hold spaces): state is
	// the 3rd, utime the 14th and stime the 15th of the line.
	_, rest, _ := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.Atoi(f[11])
	s, _ := strconv.Atoi(f[12])
	return u + s
}

// freeLoopbackAddr is a loopback address nothing listens on now: the homes
// remember the hub's address, so seed-demo and serve must use the same one.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// checkScreens checks that the second screenshot shows a real, busy window,
// and that what was done between the two changed a good part of it.
func checkScreens(t *testing.T, before, after image.Image, what string) {
	t.Helper()
	b := after.Bounds()
	if b.Dx() < 800 || b.Dy() < 600 {
		t.Fatalf("screenshot is %v", b)
	}
	colours := map[[3]uint32]bool{}
	changed, total := 0, 0
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := after.At(x, y).RGBA()
			colours[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
			r2, g2, b2, _ := before.At(x, y).RGBA()
			if r != r2 || g != g2 || bl != b2 {
				changed++
			}
			total++
		}
	}
	// Text on a themed window has antialiased edges in many shades; a
	// blank or single-colour screen has a handful.
	if len(colours) < 50 {
		t.Errorf("after %s, the screenshot has only %d colours: is the window there?", what, len(colours))
	}
	if changed*100 < total*3 {
		t.Errorf("%s changed %d of %d sampled pixels: it did not happen", what, changed, total)
	}
}
