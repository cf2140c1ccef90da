package client

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"safeguard/companion/crypto"
	"safeguard/companion/store"
	"safeguard/companion/sync/internal/workers"
	"safeguard/companion/sync/proto"
)

// Config wires an Engine.
type Config struct {
	HubURL    string
	HTTP      *http.Client // default: 60 s timeout
	Store     *store.Store
	DeviceKey ed25519.PrivateKey
	HubKey    ed25519.PublicKey // pinned at enrolment; receipts must verify with it
	Directory *DirectoryHolder

	Now   func() time.Time                     // default time.Now
	After func(time.Duration) <-chan time.Time // default time.After
	Rand  func() float64                       // jitter source in [0,1)
	Log   *slog.Logger                         // never given content or keys

	PushBatch    int           // envelopes per push, default 200
	PullPage     int           // envelopes per pull page, default 1000
	MinBackoff   time.Duration // default 2 s
	MaxBackoff   time.Duration // default 5 min
	PollInterval time.Duration // between successful rounds, default 30 s
	// RefusedRetry is how long a record the hub refused waits before it is
	// offered again (the directory may have been fixed). Default 1 h.
	RefusedRetry time.Duration
	// DirectoryStaleAfter is how old the held directory may be before the
	// status says the hub has offered no newer one for too long. Default
	// DefaultDirectoryStaleAfter.
	DirectoryStaleAfter time.Duration
	// Actor names this computer's person in the audit chain (their key
	// id), for the disposals the engine carries out; default "sync-engine".
	Actor string
	// Remember, if set, opens each pulled record as it passes its checks
	// (see Rememberer); Engine.SetRememberer sets it later.
	Remember Rememberer
}

// A Rememberer opens records as they are pulled, so that what their next
// open needs is saved with them, in the page's one transaction: vault.Vault
// is one (each record's file key and its search index row). Without one, a
// new device pulls everything and then opens everything again from the
// store (vault.RememberKeys), checking every signature twice.
type Rememberer interface {
	// PulledOpener returns a function for one worker goroutine: it is
	// given each record of a page that passed every check against dir,
	// with the check's in-memory mark, and may set e.FileKey and e.Index.
	// It must not fail the record: it leaves them nil instead.
	PulledOpener(dir *crypto.Directory) func(c *crypto.Checked, e *store.Envelope)
}

// DefaultDirectoryStaleAfter: an organisation publishes its directory at
// least this often, even unchanged (a new version, signed again), so that
// a hub which withholds a newer one (hiding a revocation) is noticed.
const DefaultDirectoryStaleAfter = 30 * 24 * time.Hour

// Problem names what is wrong, for the app to pick an icon; Status.Message
// says it in plain words.
type Problem string

// Problems.
const (
	ProblemNone          Problem = ""
	ProblemOffline       Problem = "offline"
	ProblemDeviceRefused Problem = "device_refused"
	ProblemClockSkew     Problem = "clock_skew"
	ProblemRecordRefused Problem = "record_refused"
	ProblemBadReceipt    Problem = "bad_receipt"
	ProblemBadRecord     Problem = "bad_record_received"
	ProblemHub           Problem = "hub_error"
	ProblemLocal         Problem = "local_store"
	// ProblemStaleDirectory: sync works, but the hub has offered no newer
	// organisation directory for a long time.
	ProblemStaleDirectory Problem = "stale_directory"
	// ProblemUpdateApp: the hub no longer accepts this app's protocol
	// version, or answers in a newer format than it knows.
	ProblemUpdateApp Problem = "update_app"
	// ProblemUpdateHub: the hub is older than this app understands.
	ProblemUpdateHub Problem = "update_hub"
)

// Messages for a version mismatch between this app and its hub.
const (
	msgUpdateApp = "This app is too old for your organisation's hub: update the app to the latest version " +
		"(your ICT administrator can help). Your records stay saved on this computer and are sent once the app is updated."
	msgUpdateHub = "The hub is older than this app: ask your ICT administrator to update the hub. " +
		"Your records stay saved on this computer."
)

// Status is what the app shows.
type Status struct {
	LastSuccess time.Time // zero: never
	Waiting     int       // records in the outbox
	Problem     Problem
	Message     string // plain words; empty when all is well
	Syncing     bool
	Sent        int64 // records receipted since start
	Received    int64 // records pulled and saved since start
	Refused     int64 // pulled records that failed verification, never saved
}

// Engine syncs one device's store with the hub.
type Engine struct {
	cfg  Config
	c    *conn
	kick chan struct{}
	once sync.Mutex // one round at a time

	mu     sync.Mutex
	status Status
	rem    Rememberer
}

// SetRememberer has pulled records opened by r as they come in (nil: not
// opened), from the next page pulled.
func (e *Engine) SetRememberer(r Rememberer) {
	e.mu.Lock()
	e.rem = r
	e.mu.Unlock()
}

func (e *Engine) rememberer() Rememberer {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.rem
}

// Directory is the newest organisation directory the engine has verified
// (it fetches newer ones from the hub), for the app to adopt at once.
func (e *Engine) Directory() *crypto.Directory { return e.cfg.Directory.Current() }

// Settings key for the pull cursor: a sequence number, not content.
const cursorKey = "sync.pull_cursor"

// New checks cfg and makes an engine.
func New(cfg Config) (*Engine, error) {
	if cfg.Store == nil || cfg.Directory == nil || cfg.HubURL == "" {
		return nil, errors.New("sync: a store, a directory and the hub's address are required")
	}
	if len(cfg.DeviceKey) != ed25519.PrivateKeySize || len(cfg.HubKey) != ed25519.PublicKeySize {
		return nil, errors.New("sync: the device key and the pinned hub key are required")
	}
	if err := CheckHubURL(cfg.HubURL); err != nil {
		return nil, fmt.Errorf("sync: %w", err)
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 60 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.After == nil {
		cfg.After = time.After
	}
	if cfg.Rand == nil {
		cfg.Rand = defaultRand
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	def := func(p *time.Duration, d time.Duration) {
		if *p <= 0 {
			*p = d
		}
	}
	def(&cfg.MinBackoff, 2*time.Second)
	def(&cfg.MaxBackoff, 5*time.Minute)
	def(&cfg.PollInterval, 30*time.Second)
	def(&cfg.RefusedRetry, time.Hour)
	def(&cfg.DirectoryStaleAfter, DefaultDirectoryStaleAfter)
	if cfg.PushBatch <= 0 || cfg.PushBatch > proto.MaxBatch {
		cfg.PushBatch = 200
	}
	if cfg.PullPage <= 0 || cfg.PullPage > proto.MaxPullLimit {
		cfg.PullPage = 1000
	}
	e := &Engine{
		cfg:  cfg,
		c:    &conn{base: strings.TrimRight(cfg.HubURL, "/"), http: cfg.HTTP, key: cfg.DeviceKey, now: cfg.Now},
		kick: make(chan struct{}, 1),
		rem:  cfg.Remember,
	}
	return e, nil
}

// Status returns the current status, with a fresh outbox count.
func (e *Engine) Status(ctx context.Context) Status {
	n, err := e.cfg.Store.CountOutbox(ctx)
	e.mu.Lock()
	defer e.mu.Unlock()
	if err == nil {
		e.status.Waiting = n
	}
	return e.status
}

// Kick asks for a round now, e.g. right after a record is saved.
func (e *Engine) Kick() {
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

// Run syncs until ctx ends: a round, then a wait (the poll interval after
// success, exponential back-off with jitter after failure) cut short by
// Kick. It returns ctx's error.
func (e *Engine) Run(ctx context.Context) error {
	failures := 0
	for {
		wait := e.cfg.PollInterval
		if err := e.SyncNow(ctx); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			failures++
			wait = backoff(failures, e.cfg.MinBackoff, e.cfg.MaxBackoff, e.cfg.Rand)
			e.cfg.Log.Info("sync round failed", "problem", string(e.Status(ctx).Problem), "retry_in", wait)
		} else {
			failures = 0
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-e.kick:
		case <-e.cfg.After(wait):
		}
	}
}

// SyncNow runs one round: refresh the directory, push everything due,
// pull everything new. The status says how it went.
func (e *Engine) SyncNow(ctx context.Context) error {
	e.once.Lock()
	defer e.once.Unlock()
	e.setSyncing(true)
	err := e.round(ctx)
	e.finish(err)
	return err
}

func (e *Engine) round(ctx context.Context) error {
	if err := e.refreshDirectory(ctx); err != nil {
		return err
	}
	// Disposals first: what was disposed of is never pushed or pulled.
	badTomb, err := e.pullAndApplyTombstones(ctx)
	if err != nil {
		return err
	}
	refused, err := e.sendOwnTombstones(ctx)
	if err != nil {
		return err
	}
	if err := e.pushAll(ctx); err != nil {
		return err
	}
	if err := e.pullAll(ctx); err != nil {
		return err
	}
	if badTomb != nil {
		return badTomb
	}
	return refused
}

// refreshDirectory fetches the directory if the hub has a newer one.
func (e *Engine) refreshDirectory(ctx context.Context) error {
	uri := proto.PathDirectory + "?have=" + strconv.FormatUint(e.cfg.Directory.Version(), 10)
	status, b, err := e.c.do(ctx, http.MethodGet, uri, nil, nil)
	if err != nil {
		return err
	}
	if status == http.StatusNoContent {
		return nil
	}
	if err := e.cfg.Directory.Update(b); err != nil {
		return &problemError{ProblemHub, "The organisation directory the hub sent was refused: " + err.Error(), err}
	}
	return nil
}

// problemError carries a status problem up from deep in a round.
type problemError struct {
	kind Problem
	msg  string
	err  error
}

func (p *problemError) Error() string { return p.msg }
func (p *problemError) Unwrap() error { return p.err }

// pushAll sends due outbox entries in batches, most urgent first, until
// none is due.
func (e *Engine) pushAll(ctx context.Context) error {
	batch := e.cfg.PushBatch
	var refused []string
	// Refused this round: never offered twice in one round, even if the
	// store's clock says the deferral is already over.
	setAside := map[string]bool{}
	for {
		all, err := e.cfg.Store.NextOutbox(ctx, batch+len(setAside))
		if err != nil {
			return &problemError{ProblemLocal, "Could not read the records waiting to be sent: " + err.Error(), err}
		}
		items := all[:0:0]
		for _, it := range all {
			if !setAside[it.Envelope.ID] && len(items) < batch {
				items = append(items, it)
			}
		}
		if len(items) == 0 {
			break
		}
		// Keep the request under the hub's limit.
		n, size := 0, proto.PushOverhead
		for _, it := range items {
			sz := proto.PushSize(len(it.Envelope.Header) + len(it.Envelope.Body))
			if n > 0 && size+sz > proto.MaxRequestBody {
				break
			}
			n, size = n+1, size+sz
		}
		items = items[:n]
		body, wires := encodePush(items, size)
		_, answer, err := e.c.doBody(ctx, http.MethodPost, proto.PathPush, body, proto.ContentTypeBatch, nil)
		var he *HubError
		if errors.As(err, &he) && he.ID != "" && isRecordRefusal(he.Code) {
			// One record is at fault; put it aside and send the rest.
			if derr := e.deferRefused(ctx, items, he.ID); derr != nil {
				return derr
			}
			setAside[he.ID] = true
			refused = append(refused, he.Message)
			continue
		}
		if errors.As(err, &he) && he.Code == proto.CodeTooLarge && len(items) > 1 {
			batch = max(1, len(items)/2)
			continue
		}
		if err != nil {
			return err
		}
		receipts, err := proto.ParsePushAnswer(answer)
		if errors.Is(err, proto.ErrNewerFormat) {
			return &problemError{ProblemUpdateApp, msgUpdateApp, err}
		}
		if err != nil && len(answer) > 0 && answer[0] == '{' {
			return &problemError{ProblemUpdateHub, "The hub answered in an older format (one signed receipt per record in JSON); it needs updating before records can be sent. They stay queued on this computer.", err}
		}
		if err != nil {
			// An answer cut short that still arrived "whole" is a network
			// fault: the records stay queued and go again.
			return &NetError{fmt.Errorf("the answer was incomplete: %w", err)}
		}
		if len(receipts) != len(items) {
			return &problemError{ProblemBadReceipt, "The hub's answer did not include a receipt for every record; they stay queued.", nil}
		}
		// Verify every receipt first, then record them in one transaction:
		// one fsync per batch instead of one per record. A receipt that
		// fails stops the batch there; the ones before it are still kept.
		acks, bad := e.checkReceipts(receipts, items, wires)
		if err := e.cfg.Store.AcknowledgeAll(ctx, acks); err != nil {
			return &problemError{ProblemLocal, "Could not record the hub's receipt: " + err.Error(), err}
		}
		e.mu.Lock()
		e.status.Sent += int64(len(acks))
		e.mu.Unlock()
		if bad != nil {
			return bad
		}
	}
	if len(refused) > 0 {
		return &problemError{ProblemRecordRefused, fmt.Sprintf(
			"%d record(s) were refused by the hub and are kept on this computer: %s", len(refused), refused[0]), nil}
	}
	return nil
}

// encodePush writes the push body for items straight from the store's
// header and body slices (no per-record copy), and returns each envelope's
// wire bytes as a sub-slice of it, for checking the receipts.
func encodePush(items []store.OutboxItem, size int) ([]byte, [][]byte) {
	body := proto.AppendPushHeader(make([]byte, 0, size), len(items))
	wires := make([][]byte, len(items))
	for i, it := range items {
		start := len(body) + 4 // after the length prefix
		body = proto.AppendPushEnvelope(body, it.Envelope.Header, it.Envelope.Body)
		wires[i] = body[start:len(body):len(body)]
	}
	return body, wires
}

// checkReceipts verifies the receipts of a push against the pinned hub key:
// the batch's signature once, then each record's inclusion proof, and that
// each names the record sent and its hash. It returns the acks for the
// receipts before the first bad one, and the problem with that one. Each
// ack keeps its receipt exactly as received, so that it can be checked
// again alone (proto.VerifyReceipt).
func (e *Engine) checkReceipts(raws [][]byte, items []store.OutboxItem, wires [][]byte) ([]store.Ack, error) {
	v := proto.NewReceiptVerifier(e.cfg.HubKey)
	errs := make([]error, len(raws))
	received := make([]time.Time, len(raws))
	workers.Each(len(raws), 64, func(i int) {
		r, err := v.Verify(raws[i])
		if err == nil && (r.ID != items[i].Envelope.ID || r.Hash != crypto.EnvelopeHash(wires[i])) {
			err = errors.New("the receipt names another record")
		}
		errs[i], received[i] = err, r.Received
	})
	acks := make([]store.Ack, 0, len(raws))
	for i, err := range errs {
		if errors.Is(err, proto.ErrNewerFormat) {
			return acks, &problemError{ProblemUpdateApp, msgUpdateApp, err}
		}
		if err != nil {
			return acks, &problemError{ProblemBadReceipt,
				"The hub's receipt did not verify, so the records stay queued on this computer: " + err.Error(), err}
		}
		acks = append(acks, store.Ack{EnvelopeID: items[i].Envelope.ID, Receipt: raws[i], Received: received[i]})
	}
	return acks, nil
}

func isRecordRefusal(code string) bool {
	switch code {
	case proto.CodeConflict, proto.CodeInvalidRecord, proto.CodeNotYourRecord, proto.CodeMalformed, proto.CodeTooLarge, proto.CodeDisposed:
		return true
	}
	return false
}

// deferRefused sets a refused record aside for a while; it is never
// deleted, and is offered again later.
func (e *Engine) deferRefused(ctx context.Context, items []store.OutboxItem, id string) error {
	for _, it := range items {
		if it.Envelope.ID == id {
			d := e.cfg.RefusedRetry
			if err := e.cfg.Store.DeferOutbox(ctx, id, e.cfg.Now().Add(d)); err != nil {
				return &problemError{ProblemLocal, "Could not set a refused record aside: " + err.Error(), err}
			}
			return nil
		}
	}
	return &problemError{ProblemHub, "The hub refused a record this device did not send.", nil}
}

// pullAll pages through what is addressed to this person, as a pipeline
// of three stages joined by channels of pullAhead pages, so that at most a
// few pages are held at once: a goroutine fetches the next page from the
// hub while this one checks (and, with a Rememberer, opens) the page
// before it on every core, and another saves the page before that in one
// transaction and moves the cursor past it. Pages are saved in order, and
// the cursor never passes a page that was not saved.
func (e *Engine) pullAll(ctx context.Context) error {
	cursor := int64(0)
	if v, err := e.cfg.Store.Setting(ctx, cursorKey); err == nil {
		if cursor, err = strconv.ParseInt(v, 10, 64); err != nil || cursor < 0 {
			cursor = 0 // start again: saving is idempotent
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return &problemError{ProblemLocal, "Could not read the sync position: " + err.Error(), err}
	}
	fetchCtx, stopFetching := context.WithCancel(ctx)
	defer stopFetching()
	pages := make(chan fetchedPage, pullAhead)
	go e.fetchPages(fetchCtx, cursor, pages)
	checked := make(chan checkedPage, pullAhead)
	saved := make(chan savedPages, 1)
	go func() { saved <- e.savePages(ctx, cursor, checked, stopFetching) }()

	rem := e.rememberer()
	var badRecord, stopped error
	retried := false
	for p := range pages {
		if p.err != nil {
			stopped = p.err
			break
		}
		good, bad := e.checkPage(p.resp.Records, rem)
		if bad != nil && !retried {
			// Perhaps signed by someone newer than our directory: refresh
			// once and check the page again.
			retried = true
			if err := e.refreshDirectory(ctx); err != nil {
				stopped = err
				break
			}
			good, bad = e.checkPage(p.resp.Records, rem)
		}
		if bad != nil {
			badRecord = bad
		}
		checked <- checkedPage{good, p.resp.Next}
	}
	close(checked)
	s := <-saved // the pages checked before a failure are still saved
	stopFetching()
	for range pages {
	}
	switch {
	case s.err != nil:
		return s.err
	case stopped != nil:
		return stopped
	case badRecord != nil:
		return &problemError{ProblemBadRecord,
			"A record from the hub failed verification and was not saved: " + badRecord.Error(), badRecord}
	}
	return s.conflict
}

// pullAhead is how many pages each stage of the pull may run ahead of the
// next: enough that a save waiting on the disk (a commit's fsync, a WAL
// checkpoint) does not leave the cores idle, few enough that memory stays
// bounded (a page of 1,000 records is about 5 MB).
const pullAhead = 3

// fetchedPage is one page from the hub, or why there is no more.
type fetchedPage struct {
	resp proto.PullPage
	err  error
}

// checkedPage is a page's records that passed every check, and the cursor
// past the page.
type checkedPage struct {
	good []store.Envelope
	next int64
}

// savedPages is how saving went: err if a page could not be kept (nothing
// after it was), conflict if records differed from copies already here.
type savedPages struct{ err, conflict error }

// fetchPages fetches pages from cursor on and sends them in order, until
// the last page, an error (sent too) or ctx ends; then it closes out.
func (e *Engine) fetchPages(ctx context.Context, cursor int64, out chan<- fetchedPage) {
	defer close(out)
	for {
		p := e.fetchPage(ctx, cursor)
		select {
		case out <- p:
		case <-ctx.Done():
			return
		}
		if p.err != nil || !p.resp.More || len(p.resp.Records) == 0 {
			return
		}
		cursor = max(cursor, p.resp.Next)
	}
}

func (e *Engine) fetchPage(ctx context.Context, cursor int64) fetchedPage {
	uri := proto.PathPull + "?after=" + itoa(cursor) + "&limit=" + strconv.Itoa(e.cfg.PullPage)
	_, b, err := e.c.do(ctx, http.MethodGet, uri, nil, nil)
	if err != nil {
		return fetchedPage{err: err}
	}
	resp, err := proto.ParsePull(b)
	if errors.Is(err, proto.ErrPullVersion) {
		return fetchedPage{err: &problemError{ProblemUpdateHub, "The hub is older than this app and sends records without the times it received them, so they cannot be checked against revoked keys: ask your ICT administrator to update the hub. Records from this computer are still sent.", err}}
	}
	if errors.Is(err, proto.ErrNewerFormat) {
		return fetchedPage{err: &problemError{ProblemUpdateApp, msgUpdateApp, err}}
	}
	if err != nil {
		// A page cut short that still arrived "whole" is a network
		// fault, as a cut-off JSON answer is: retry.
		return fetchedPage{err: &NetError{fmt.Errorf("the answer was incomplete: %w", err)}}
	}
	return fetchedPage{resp: resp}
}

// savePages saves each checked page in order and moves the cursor past it.
// After a failure it saves nothing more, calls stop (no more pages are
// fetched) and drains in.
func (e *Engine) savePages(ctx context.Context, cursor int64, in <-chan checkedPage, stop func()) savedPages {
	var s savedPages
	for p := range in {
		if s.err != nil {
			continue
		}
		differs, err := e.save(ctx, p.good)
		if err == nil && p.next > cursor {
			if err = e.cfg.Store.SetSetting(ctx, cursorKey, itoa(p.next)); err != nil {
				err = &problemError{ProblemLocal, "Could not save the sync position: " + err.Error(), err}
			} else {
				cursor = p.next
			}
		}
		if err != nil {
			s.err = err
			stop()
		}
		if differs != nil {
			s.conflict = differs
		}
	}
	return s
}

// verifyPage checks every record (hash the hub names, the hub's signed
// receipt, envelope format, author signature against the directory, and
// the record's times against the receipt's) on all cores.
func (e *Engine) verifyPage(recs []proto.PullRecord) ([]store.Envelope, error) {
	return e.checkPage(recs, nil)
}

// checkPage is verifyPage; with rem set, each record that passes is opened
// by it at once, on the same worker, sharing the signature check.
// The workers take one record at a time and yield between records once a
// millisecond has passed since they last did: this is background work, and
// a goroutine waiting to run (the UI's) runs within about a millisecond,
// not after a page.
func (e *Engine) checkPage(recs []proto.PullRecord, rem Rememberer) ([]store.Envelope, error) {
	dir := e.cfg.Directory.Current()
	v := proto.NewReceiptVerifier(e.cfg.HubKey)
	now := e.cfg.Now()
	out := make([]store.Envelope, len(recs))
	errs := make([]error, len(recs))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), (len(recs)+15)/16) {
		wg.Go(func() {
			var open func(*crypto.Checked, *store.Envelope)
			if rem != nil && dir != nil {
				open = rem.PulledOpener(dir)
			}
			yielded := time.Now()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(recs) {
					return
				}
				var c *crypto.Checked
				out[i], c, errs[i] = checkOne(recs[i], dir, v, now)
				if errs[i] == nil && open != nil {
					open(c, &out[i])
				}
				if time.Since(yielded) >= time.Millisecond {
					runtime.Gosched()
					yielded = time.Now()
				}
			}
		})
	}
	wg.Wait()
	good := out[:0]
	var bad error
	var refused int64
	for i := range recs {
		if errs[i] != nil {
			bad = errs[i]
			refused++
			continue
		}
		good = append(good, out[i])
	}
	e.mu.Lock()
	e.status.Refused += refused
	e.mu.Unlock()
	return good, bad
}

// verifyOne checks one pulled record. The receipt's time is when the hub
// first stored the record: a record the hub took in at or after its
// author's key was revoked is refused whatever date it claims, and so is
// one dated beyond that time, or beyond now, by more than the clock window
// (docs/ARCHITECTURE.md Trust model).
func verifyOne(r proto.PullRecord, dir *crypto.Directory, v *proto.ReceiptVerifier, now time.Time) (store.Envelope, error) {
	se, _, err := checkOne(r, dir, v, now)
	return se, err
}

// errNotHubHash: a pulled record's bytes are not the ones the hub names.
func errNotHubHash() error { return errors.New("it does not match the hash the hub holds for it") }

// checkOne is verifyOne, and hands back the check's in-memory mark too.
// The stored envelope aliases r.Envelope, as the mark does.
func checkOne(r proto.PullRecord, dir *crypto.Directory, v *proto.ReceiptVerifier, now time.Time) (store.Envelope, *crypto.Checked, error) {
	if dir == nil && sha256.Sum256(r.Envelope) != r.Hash {
		return store.Envelope{}, nil, errNotHubHash()
	}
	rc, err := v.Verify(r.Receipt)
	if err != nil {
		return store.Envelope{}, nil, err
	}
	if rc.Seq != r.Seq || rc.Hash != hex.EncodeToString(r.Hash[:]) {
		return store.Envelope{}, nil, fmt.Errorf("%w: the hub's receipt names another record", proto.ErrReceipt)
	}
	if dir == nil {
		if _, err := crypto.ParseEnvelope(r.Envelope); err != nil {
			return store.Envelope{}, nil, err
		}
		return store.Envelope{}, nil, errors.New("there is no organisation directory to check it against")
	}
	// Check hashes the envelope as it verifies it (one pass for the hub's
	// hash and the record's own, Opened.Hash), so a record the hub names
	// by another hash is refused here, after its signature is checked.
	c, err := crypto.Check(r.Envelope, dir)
	if err == nil && c.Sum() != r.Hash {
		err = errNotHubHash()
	}
	if err != nil {
		return store.Envelope{}, nil, err
	}
	h := c.Header()
	if rc.ID != h.ID {
		return store.Envelope{}, nil, fmt.Errorf("%w: the hub's receipt names another record", proto.ErrReceipt)
	}
	if err := crypto.CheckReceived(h, dir, rc.Received); err != nil {
		return store.Envelope{}, nil, err
	}
	if err := crypto.CheckNotFuture(h, now); err != nil {
		return store.Envelope{}, nil, err
	}
	se := toStore(c.Envelope(), r.Envelope)
	se.Receipt, se.Received = r.Receipt, rc.Received
	return se, c, nil
}

// save keeps a verified page. It returns err when the page could not be
// kept (the cursor must not pass it), and differs, with the rest of the
// page kept, when records in it differ from copies already on this
// computer: those copies are kept and the hub's are set aside, so that one
// such record cannot hold up every record after it.
func (e *Engine) save(ctx context.Context, es []store.Envelope) (differs, err error) {
	if len(es) == 0 {
		return nil, nil
	}
	// One transaction for the page: one fsync, and all or nothing, so the
	// cursor never passes a record that was not saved.
	saved, refused := int64(len(es)), int64(0)
	err = e.cfg.Store.PutReceivedEnvelopes(ctx, es)
	if errors.Is(err, store.ErrConflict) {
		// The page again, one record at a time (each is idempotent).
		saved, err = 0, nil
		for _, env := range es {
			switch perr := e.cfg.Store.PutReceivedEnvelope(ctx, env); {
			case errors.Is(perr, store.ErrConflict):
				refused++
				differs = &problemError{ProblemBadRecord, "The hub sent a record that differs from the copy on this computer; the local copy was kept.", perr}
			case perr != nil:
				err = perr
			default:
				saved++
			}
			if err != nil {
				break
			}
		}
	}
	e.mu.Lock()
	if err == nil {
		e.status.Received += saved
	}
	e.status.Refused += refused
	e.mu.Unlock()
	if err != nil {
		return nil, &problemError{ProblemLocal, "Could not save records from the hub: " + err.Error(), err}
	}
	return differs, nil
}

func (e *Engine) setSyncing(on bool) {
	e.mu.Lock()
	e.status.Syncing = on
	e.mu.Unlock()
}

// finish turns a round's outcome into the status a person reads.
func (e *Engine) finish(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.status.Syncing = false
	if err == nil {
		now := e.cfg.Now()
		e.status.LastSuccess = now
		e.status.Problem, e.status.Message = ProblemNone, ""
		if d := e.cfg.Directory.Current(); d != nil && now.Sub(d.IssuedAt) > e.cfg.DirectoryStaleAfter {
			e.status.Problem = ProblemStaleDirectory
			e.status.Message = fmt.Sprintf("The hub has offered no newer organisation directory than the one issued on %s, %d days ago. "+
				"If anyone has left or had a key revoked since, this computer does not know: tell your ICT administrator.",
				d.IssuedAt.Format("2 January 2006"), int(now.Sub(d.IssuedAt)/(24*time.Hour)))
		}
		return
	}
	e.status.Problem, e.status.Message = describe(err)
}

func describe(err error) (Problem, string) {
	var pe *problemError
	var he *HubError
	var ne *NetError
	switch {
	case errors.As(err, &pe):
		return pe.kind, pe.msg
	case errors.As(err, &ne):
		return ProblemOffline, "Offline: the hub cannot be reached. Your records are saved on this computer and will be sent when the connection returns."
	case errors.As(err, &he):
		switch he.Code {
		case proto.CodeClockSkew:
			return ProblemClockSkew, "This computer's clock is wrong, so the hub cannot trust its requests: " + he.Message
		case proto.CodeDeviceRevoked, proto.CodePersonRevoked, proto.CodeUnknownDevice, proto.CodeUnauthenticated:
			return ProblemDeviceRefused, "The hub refused this device: " + he.Message + " Ask your administrator. Your records stay saved on this computer."
		case proto.CodeNoDirectory:
			return ProblemHub, "The hub is not ready: " + he.Message
		case proto.CodeAppTooOld:
			return ProblemUpdateApp, msgUpdateApp
		case proto.CodeBusy:
			return ProblemHub, "The hub is busy just now; this computer tries again shortly. Your records are saved here."
		case proto.CodeNotFound:
			// An endpoint this app uses that the hub does not have: the
			// hub predates it (a hub of the previous version has no
			// /v2/pull).
			return ProblemUpdateHub, msgUpdateHub
		}
		return ProblemHub, "The hub refused the request: " + he.Message
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return ProblemOffline, "Sync was interrupted; it will resume."
	}
	return ProblemHub, "Sync failed: " + err.Error()
}
