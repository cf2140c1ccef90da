// Package seed makes a data set of fictional records for tests, benchmarks
// and demonstrations: a year (or any span) of signed session records,
// incidents, line-manager reviews and DSL case actions, written by the demo
// organisation's fictional people through the real vault, so every record is
// signed and encrypted exactly like one made in the app. Incidents go through
// the incident domain (session.Incident) like the app's: the practitioner
// raises and reports them, and each DSL action is a new sealed version. Every free-text
// field is invented; customer references are made up.
//
// It also returns the counts it made, so that the quarterly report can be
// checked against what is known to be there.
package seed

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"safeguard/companion/crypto"
	"safeguard/companion/org"
	"safeguard/companion/report"
	"safeguard/companion/session"
	"safeguard/companion/store"
	"safeguard/companion/vault"
)

// Config says what to make.
type Config struct {
	// Dir holds one store per person: Dir/<person>/companion.db.
	Dir string
	// From is the first day of records; Until is "now": nothing is dated
	// after it. Both are read in the policy pack's time zone.
	From, Until time.Time
	// SessionsPerDay is how many sessions sam runs each working day.
	SessionsPerDay int
	// Seed makes the data set reproducible.
	Seed uint64
	// Views is how many record views to write into each reader's audit
	// chain, so the access audit has something to show.
	Views int

	// Org, when set, is the organisation whose people write the records
	// (its keys must be valid from From); otherwise Generate makes the demo
	// organisation. A caller that sets up a hub and devices first passes
	// the organisation it set them up for.
	Org *org.Organisation
	// StorePath, when set, is where each person's store is (for example a
	// device's store, device.Paths.DB); otherwise Dir/<person>/companion.db.
	StorePath func(personID string) string
	// NoDistribute leaves every record only in its author's store, queued
	// in that store's outbox, for a caller that distributes through a real
	// hub with the sync engine. World.Records still counts what each person
	// can read. No views are written (the readers' stores do not hold their
	// records yet): call WriteViews once they do.
	NoDistribute bool
	// Progress, when set, is told after each day is written how many of
	// the span's days are done, so a screen can say how far it has got.
	Progress func(done, total int)
}

// Quarterly counts, keyed by the quarter a thing happened in ("2026-Q3"),
// computed as the records are made, independently of package report.
type Counts struct {
	Sessions, RiskAssessed, Mitigated, Consented, NoConsent, Overruns, Disclosures int
	Escalations, Acknowledged, AckLate, Referrals, Closed                          int
	ByCategory, ByType, ByAgency                                                   map[string]int
	OverrunReasons                                                                 []string
}

// World is the seeded organisation: its people, their stores and vaults,
// and what was made.
type World struct {
	Org    *org.Organisation
	Pack   *session.Pack
	Stores map[string]*store.Store
	Vaults map[string]*vault.Vault
	Clock  *Clock
	// Quarters holds the counts by quarter key ("2026-Q3").
	Quarters map[string]*Counts
	// Records counts the envelopes each person can read.
	Records map[string]int
	// OpenCases are incidents not closed by Until.
	OpenCases int
	// IncidentIDs are every incident made.
	IncidentIDs []string
}

// Close closes every store.
func (w *World) Close() error {
	var errs []error
	for _, st := range w.Stores {
		errs = append(errs, st.Close())
	}
	return errors.Join(errs...)
}

// Clock is a clock the generator moves by hand; the vaults seal each
// record at the time it claims.
type Clock struct{ t time.Time }

// Now is the clock's time.
func (c *Clock) Now() time.Time { return c.t }

// Set moves the clock.
func (c *Clock) Set(t time.Time) { c.t = t }

// QuarterKey is the key of Counts for t in loc: calendar quarters.
func QuarterKey(t time.Time, loc *time.Location) string {
	l := t.In(loc)
	return fmt.Sprintf("%d-Q%d", l.Year(), (int(l.Month())-1)/3+1)
}

// People of the demo organisation the data set uses.
const (
	Practitioner = "sam"
	Manager      = "priya"
	DSL          = "morgan"
)

// Fictional wording, picked at random.
var (
	summaries = []string{
		"Talked through college options and the application timeline.",
		"Reviewed the CV together and agreed two changes.",
		"Explored apprenticeships in construction and engineering.",
		"Prepared for an interview next week; practised three questions.",
		"Discussed volunteering as a route back into learning.",
		"Looked at part-time work that fits around caring duties.",
		"Checked progress on the job search since last session.",
		"Talked about confidence and setting one small goal.",
	}
	concerns = []string{
		"Mentioned feeling isolated since moving house.",
		"Said an online contact has been asking for photos.",
		"Seemed worried about money and online betting adverts.",
		"Described unkind messages in a group chat.",
	}
	overrunReasons = []string{
		"Customer disclosed a concern near the end; stayed on to complete the safeguarding steps.",
		"Connection dropped twice; time added back at the customer's request.",
		"Interpreter joined late, agreed with the customer to finish the plan.",
	}
	noConsentReasons = []string{
		"Customer agreed verbally at the start; written reply not received in time.",
		"Parent confirmed by phone; text reply not received.",
	}
	// incidentKinds are the incidents the generator raises, by the policy
	// pack's type ids, with how the practitioner answers the Annex 1
	// questions where the policy does not settle them.
	incidentKinds = []incidentKind{
		{typ: "cyberbullying", why: "Unkind messages in a group chat, nothing criminal said.", description: "Described unkind messages about them in a group chat."},
		{typ: "grooming", illegal: true, description: "Said an adult met in a game keeps asking to talk in private and for photos."},
		{typ: "nudes_semi_nudes", subtype: "experimental", illegal: true, imagery: true, description: "Said they exchanged pictures with their partner, who is the same age."},
		{typ: "radicalisation", why: "Viewing, not sharing; no offence disclosed.", description: "Mentioned videos from an extremist channel and repeated its language."},
		{typ: "cybercrime", subtype: "phishing", illegal: true, description: "Lost money after entering bank details on a fake delivery site."},
		{typ: "unsafe_communities", why: "A forum about dieting; unsafe but not illegal.", description: "Spends hours on a forum encouraging extreme dieting.", welfare: true},
		{typ: "other_concern", why: "A worry about home, no offence disclosed.", description: "Said things at home are hard and they do not feel safe there.", welfare: true},
		{typ: "digital_images", why: "A photo of them posted without asking; embarrassing, not illegal.", description: "A classmate posted a photo of them without asking."},
	}
)

// incidentKind is one kind of incident the generator raises.
type incidentKind struct {
	typ, subtype string
	// illegal is the practitioner's answer when the policy leaves it open;
	// why is their reason for "no".
	illegal          bool
	why, description string
	imagery, welfare bool
}

// Generate makes the data set.
func Generate(ctx context.Context, cfg Config) (*World, error) {
	pack, err := session.DefaultPack()
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	loc := pack.Location()
	o := cfg.Org
	if o == nil {
		// Keys must be valid before the first record is sealed.
		if o, err = org.Demo(cfg.From.Add(-24 * time.Hour).UTC()); err != nil {
			return nil, fmt.Errorf("seed: %w", err)
		}
	}
	w := &World{Org: o, Pack: pack, Stores: map[string]*store.Store{}, Vaults: map[string]*vault.Vault{},
		Clock: &Clock{t: cfg.From}, Quarters: map[string]*Counts{}, Records: map[string]int{}}
	for _, m := range o.Members {
		path := filepath.Join(cfg.Dir, m.Person.ID, "companion.db")
		if cfg.StorePath != nil {
			path = cfg.StorePath(m.Person.ID)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			w.Close()
			return nil, fmt.Errorf("seed: %w", err)
		}
		st, err := store.Open(path, store.WithClock(w.Clock.Now))
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("seed: %w", err)
		}
		w.Stores[m.Person.ID] = st
		w.Vaults[m.Person.ID] = vault.New(st, m.Identity, o.Directory, w.Clock)
	}
	g := &generator{w: w, cfg: cfg, loc: loc, rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x5eed))}
	if err := g.run(ctx); err != nil {
		w.Close()
		return nil, err
	}
	if err := g.distribute(ctx, !cfg.NoDistribute); err != nil {
		w.Close()
		return nil, err
	}
	if !cfg.NoDistribute {
		if err := g.views(ctx); err != nil {
			w.Close()
			return nil, err
		}
	}
	w.Clock.Set(cfg.Until)
	return w, nil
}

type generator struct {
	w   *World
	cfg Config
	loc *time.Location
	rng *rand.Rand
	// pending are actions dated later than the record they follow; they
	// are written in time order once every session is made, so that each
	// is sealed at the time it claims.
	pending []pendingAction
	// quarterSessions are the signed session records by the quarter they
	// started in, for the line manager's figures (see figures).
	quarterSessions map[report.Quarter][]session.Document
}

type pendingAction struct {
	at  time.Time
	run func(context.Context) error
}

func (g *generator) counts(t time.Time) *Counts {
	k := QuarterKey(t, g.loc)
	c, ok := g.w.Quarters[k]
	if !ok {
		c = &Counts{ByCategory: map[string]int{}, ByType: map[string]int{}, ByAgency: map[string]int{}}
		g.w.Quarters[k] = c
	}
	return c
}

func (g *generator) id(prefix string) string { return fmt.Sprintf("%s-%016x", prefix, g.rng.Uint64()) }

func (g *generator) pick(xs []string) string { return xs[g.rng.IntN(len(xs))] }

func (g *generator) chance(p float64) bool { return g.rng.Float64() < p }

func (g *generator) later(at time.Time, run func(context.Context) error) {
	if at.After(g.cfg.Until) {
		return
	}
	g.pending = append(g.pending, pendingAction{at: at, run: run})
}

// run makes every session in date order, then the later actions in date
// order.
func (g *generator) run(ctx context.Context) error {
	from := g.cfg.From.In(g.loc)
	first := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, g.loc)
	total := 0
	for day := first; day.Before(g.cfg.Until); day = day.AddDate(0, 0, 1) {
		total++
	}
	done := 0
	for day := first; day.Before(g.cfg.Until); day = day.AddDate(0, 0, 1) {
		if done++; g.cfg.Progress != nil && done > 1 {
			g.cfg.Progress(done-1, total)
		}
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		for i := range g.cfg.SessionsPerDay {
			start := day.Add(9*time.Hour + 30*time.Minute + time.Duration(i)*75*time.Minute)
			if start.Add(2 * time.Hour).After(g.cfg.Until) {
				continue
			}
			if err := g.session(ctx, start); err != nil {
				return err
			}
		}
		// Run the actions due by the end of this day, so the clock never
		// goes backwards by much and records interleave like real ones.
		if err := g.flush(ctx, day.AddDate(0, 0, 1)); err != nil {
			return err
		}
	}
	if err := g.flush(ctx, g.cfg.Until.Add(time.Nanosecond)); err != nil {
		return err
	}
	if g.cfg.Progress != nil {
		g.cfg.Progress(total, total)
	}
	return nil
}

func (g *generator) flush(ctx context.Context, until time.Time) error {
	sortActions(g.pending)
	i := 0
	for ; i < len(g.pending) && g.pending[i].at.Before(until); i++ {
		a := g.pending[i]
		g.w.Clock.Set(a.at)
		if err := a.run(ctx); err != nil {
			return err
		}
	}
	g.pending = g.pending[i:]
	return nil
}

func sortActions(as []pendingAction) {
	// Insertion-friendly: pending stays nearly sorted between flushes.
	for i := 1; i < len(as); i++ {
		for j := i; j > 0 && as[j].at.Before(as[j-1].at); j-- {
			as[j], as[j-1] = as[j-1], as[j]
		}
	}
}

// session makes one signed session record, and what follows from it.
func (g *generator) session(ctx context.Context, start time.Time) error {
	pack := g.w.Pack
	sam := g.w.Vaults[Practitioner]
	methods := [][2]string{{"video", "teams"}, {"video", "zoom"}, {"telephone", "phone"}, {"instant_chat", "teams_chat"}, {"video", "google_meet"}}
	mp := methods[g.rng.IntN(len(methods))]
	plan := session.Plan{
		Customer: session.Customer{Reference: fmt.Sprintf("CUS-%04d", g.rng.IntN(10000)), Age: 16 + g.rng.IntN(8)},
		Start:    start, Duration: 45 * time.Minute, Method: mp[0], Platform: mp[1],
		HowNotified: "Text message with the joining link", CrisisPlan: "Call the DSL on the duty number; emergency services if in danger.",
	}
	c := g.counts(start)
	doc := session.Document{
		ID: g.id("rec"), PackID: pack.ID, PackVersion: pack.Version, Author: sam.KeyID(), State: session.Signed,
		CreatedAt: start.Add(-72 * time.Hour), Plan: plan, Outcome: session.Proceed,
	}
	answers := map[string]session.ItemAnswer{}
	for _, it := range pack.Items(plan) {
		answers[it.ID] = session.ItemAnswer{Answer: session.Met}
	}
	assessedAt := start.Add(-48 * time.Hour)
	late := g.chance(0.04) // assessed only once the call had started
	if late {
		assessedAt = start.Add(5 * time.Minute)
	}
	if g.chance(0.15) {
		for id := range answers {
			answers[id] = session.ItemAnswer{Answer: session.NotMet, Mitigation: "Facilitator joins the call for the first ten minutes."}
			break
		}
		doc.Outcome = session.ProceedWithMitigations
	}
	doc.Assessment = session.Assessment{Answers: answers, AssessedAt: assessedAt}
	c.Sessions++
	if !late {
		c.RiskAssessed++
		if doc.Outcome == session.ProceedWithMitigations {
			c.Mitigated++
		}
	}
	if g.chance(0.06) {
		doc.Consent = &session.Consent{NoConsentReason: g.pick(noConsentReasons), RecordedAt: start.Add(-time.Hour)}
		c.NoConsent++
	} else {
		doc.Consent = &session.Consent{RecordedAt: start.Add(-20 * time.Hour), Reply: &session.ConsentReply{
			Channel: session.ChannelSMS, ReceivedAt: start.Add(-20 * time.Hour), From: session.RespondentCustomer, ExactWords: "YES that's fine"}}
		c.Consented++
	}
	for _, p := range pack.Agreement {
		doc.Agreement = append(doc.Agreement, session.AgreementCheck{PointID: p.ID, ConfirmedAt: start.Add(time.Minute)})
	}
	length := time.Duration(35+g.rng.IntN(11)) * time.Minute
	if g.chance(0.08) {
		length = time.Duration(50+g.rng.IntN(20)) * time.Minute
		doc.OverrunReason = g.pick(overrunReasons)
		c.Overruns++
		c.OverrunReasons = append(c.OverrunReasons, doc.OverrunReason)
	}
	doc.Segments = []session.Segment{{From: start, To: start.Add(length)}}
	doc.WarningsGiven = []int{10, 5, 1}
	rec := &session.Record{Method: mp[0], Summary: g.pick(summaries), Actions: []session.Action{
		{Who: "Customer", What: "Send two applications", Due: start.AddDate(0, 0, 14)}}}
	if g.chance(0.06) {
		doc.Markers = append(doc.Markers, session.Marker{Kind: session.MarkDisclosure, At: start.Add(20 * time.Minute), Elapsed: 20 * time.Minute,
			ExactWords: "someone I met in a game keeps messaging me"})
		rec.Concerns = g.pick(concerns)
		c.Disclosures++
	}
	var raise *incidentKind
	var raisedAt time.Time
	incidentID := ""
	if g.chance(0.05) {
		k := incidentKinds[g.rng.IntN(len(incidentKinds))]
		raise, raisedAt, incidentID = &k, start.Add(25*time.Minute), g.id("inc")
		doc.Markers = append(doc.Markers, session.Marker{Kind: session.MarkEscalated, At: raisedAt, Elapsed: 25 * time.Minute, IncidentID: incidentID})
	}
	doc.Record = rec
	doc.SignedAt = start.Add(length + 15*time.Minute)

	if raise != nil {
		if err := g.incident(ctx, incidentID, *raise, doc, raisedAt); err != nil {
			return fmt.Errorf("seed: incident: %w", err)
		}
	}
	g.w.Clock.Set(doc.SignedAt)
	e, err := sam.SignRecord(ctx, doc)
	if err != nil {
		return fmt.Errorf("seed: sign record: %w", err)
	}
	g.reviews(e, doc)
	g.figures(doc)
	return nil
}

// figures files a signed session under its quarter and, for the quarter's
// first, schedules the line manager's session figures for the DSLs (policy
// 9.1): two days after the quarter ends, at 09:00, or at the end of the
// data set for the quarter still running.
func (g *generator) figures(doc session.Document) {
	q := report.QuarterOf(doc.Segments[0].From, g.loc)
	if g.quarterSessions == nil {
		g.quarterSessions = map[report.Quarter][]session.Document{}
	}
	first := len(g.quarterSessions[q]) == 0
	g.quarterSessions[q] = append(g.quarterSessions[q], doc)
	if !first {
		return
	}
	at := q.End(g.loc).AddDate(0, 0, 2).Add(9 * time.Hour)
	if at.After(g.cfg.Until) {
		at = g.cfg.Until
	}
	g.later(at, func(ctx context.Context) error {
		c := report.NewContribution(report.Input{Sessions: g.quarterSessions[q]}, q, g.loc, at)
		if _, err := g.w.Vaults[Manager].Put(ctx, g.id("fig"), crypto.KindFigures, c, nil, g.w.Pack.Version); err != nil {
			return fmt.Errorf("seed: session figures: %w", err)
		}
		return nil
	})
}

// reviews schedules the line manager's review of a record: most are
// reviewed within a few days, some countersigned, a few commented on or
// given a follow-up.
func (g *generator) reviews(parent vault.Entry, doc session.Document) {
	if !g.chance(0.85) {
		return
	}
	at := doc.SignedAt.Add(time.Duration(1+g.rng.IntN(9*24)) * time.Hour)
	action := session.ReviewMarked
	if g.chance(0.5) {
		action = session.ReviewCountersigned
	}
	var extra []session.Review
	if g.chance(0.1) {
		extra = append(extra, session.Review{Action: session.ReviewComment, Text: "Good record; see me about the next steps."})
	}
	if g.chance(0.05) {
		extra = append(extra, session.Review{Action: session.ReviewFollowUp, FollowUp: &session.FollowUp{Who: "Sam", What: "Check the customer's college application went in", Due: at.AddDate(0, 0, 14)}})
	}
	g.later(at, func(ctx context.Context) error {
		for _, r := range append([]session.Review{{Action: action}}, extra...) {
			if err := g.review(ctx, Manager, parent, r); err != nil {
				return err
			}
		}
		return nil
	})
}

func (g *generator) review(ctx context.Context, who string, parent vault.Entry, r session.Review) error {
	r.ID, r.ParentID, r.Reviewer = g.id("rv"), parent.Header.ID, who
	author := ""
	if parent.Author != nil {
		author = parent.Author.ID
	}
	r, err := session.NewReview(r, author, nil, g.w.Clock)
	if err != nil {
		return fmt.Errorf("seed: review: %w", err)
	}
	if _, err := g.w.Vaults[who].PutFor(ctx, r.ID, crypto.KindReview, r, &parent, g.w.Pack.Version, vault.SubjectOf(parent)); err != nil {
		return fmt.Errorf("seed: review: %w", err)
	}
	return nil
}

// distribute counts, for every person, the records addressed to them and,
// with deliver, copies each record into the store of every person it is
// addressed to, as the hub's sync would.
func (g *generator) distribute(ctx context.Context, deliver bool) error {
	dir := g.w.Org.Directory
	for author, st := range g.w.Stores {
		for e, err := range st.Envelopes(ctx, store.Filter{}) {
			if err != nil {
				return fmt.Errorf("seed: distribute: %w", err)
			}
			env, err := crypto.ParseEnvelope(append(append([]byte{}, e.Header...), e.Body...))
			if err != nil {
				return fmt.Errorf("seed: distribute: %w", err)
			}
			// Copies received from others are in this store too: send on
			// only what its owner wrote.
			if p, _, ok := dir.Key(env.Header().Author); !ok || p.ID != author {
				continue
			}
			for _, k := range env.Header().Recipients {
				p, _, ok := dir.Key(k)
				if !ok {
					continue // the recovery recipient
				}
				g.w.Records[p.ID]++
				if p.ID == author || !deliver {
					continue
				}
				if err := g.w.Stores[p.ID].PutReceivedEnvelope(ctx, e); err != nil {
					return fmt.Errorf("seed: distribute: %w", err)
				}
			}
		}
	}
	return nil
}

// views writes record views into the manager's and DSLs' audit chains.
func (g *generator) views(ctx context.Context) error {
	for _, who := range []string{Manager, DSL} {
		if err := writeViews(ctx, g.w.Stores[who], g.w.Vaults[who], g.w.Clock, g.cfg.Views, g.cfg.Until, g.rng); err != nil {
			return err
		}
	}
	// The manager's device shares its audit with the DSLs, as the app does
	// after sync, so the DSL's access audit shows her views too. Shared
	// audit is not a record anyone reads in a list, so World.Records does
	// not count it.
	if g.cfg.Views == 0 {
		return nil
	}
	if _, err := g.w.Vaults[Manager].ShareAudit(ctx); err != nil {
		return fmt.Errorf("seed: share audit: %w", err)
	}
	for e, err := range g.w.Stores[Manager].Envelopes(ctx, store.Filter{Kind: string(crypto.KindAudit)}) {
		if err != nil {
			return fmt.Errorf("seed: share audit: %w", err)
		}
		e.FileKey = nil
		for _, m := range g.w.Org.Members {
			if m.Person.HasRole(crypto.RoleDSL) {
				if err := g.w.Stores[m.Person.ID].PutReceivedEnvelope(ctx, e); err != nil {
					return fmt.Errorf("seed: share audit: %w", err)
				}
			}
		}
	}
	return nil
}

// WriteViews writes n views of records held in st into the audit chain of
// v's owner, one an hour up to until, picked with seed; clock must be the
// clock v seals with. With Config.NoDistribute, a caller that has synced a
// reader's store through a hub calls it for that reader.
func WriteViews(ctx context.Context, st *store.Store, v *vault.Vault, clock *Clock, n int, until time.Time, seed uint64) error {
	return writeViews(ctx, st, v, clock, n, until, rand.New(rand.NewPCG(seed, seed^0x71e3)))
}

func writeViews(ctx context.Context, st *store.Store, v *vault.Vault, clock *Clock, n int, until time.Time, rng *rand.Rand) error {
	var ids []string
	for e, err := range st.Envelopes(ctx, store.Filter{}) {
		if err != nil {
			return fmt.Errorf("seed: views: %w", err)
		}
		ids = append(ids, e.ID)
	}
	if len(ids) == 0 {
		return nil
	}
	for i := range n {
		clock.Set(until.Add(-time.Duration(n-i) * time.Hour))
		if err := v.Viewed(ctx, ids[rng.IntN(len(ids))]); err != nil {
			return fmt.Errorf("seed: views: %w", err)
		}
	}
	return nil
}
