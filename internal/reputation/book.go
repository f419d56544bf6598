// Package reputation is what a node knows of other nodes' conduct: signed
// attestations (an execution verified, a dispute lost, an execution lost
// mid-run) that requesters make about providers and gossip, the Book that
// keeps them, and the score each node derives from the attestations it can
// verify, which the scheduler's reputation filter and scorer read.
//
// # Score
//
// A node nobody has attested about is neutral, 0.5. Otherwise, for each
// attester and execution of the subject only the most severe attestation
// counts (dispute lost, then lost, then verified), and each attester's
// counted executions are capped at 10 positive (verified) and 10 negative
// (lost, dispute lost) ones. With P and N the weighted sums of positives
// and negatives,
//
//	score = (2 + P) / (4 + P + N)
//
// the mean of a Beta(2+P, 2+N) belief: a neutral start worth two
// observations on each side. An attester's word weighs its stake over 100
// DECO, at most 1; this node's own attestations weigh 1. An attester
// staked below a tenth of that (unstaked ones included, and every other
// attester when the node has no settlement) weighs 0.1, and all such
// floor-weight attesters together add at most 1 to P and 1 to N. So:
//
//   - one lost execution reported by a fully staked attester takes a new
//     provider to 0.40, by an unstaked one to 0.49; one verified one to
//     0.60 or 0.51;
//   - any number of unstaked (sybil) attesters can move a new provider only
//     between 0.40 and 0.60, and a provider with real history less;
//   - one staked attester alone lifts a provider to at most 12/14 = 0.86;
//     0.9 takes at least two;
//   - a dispute-lost attestation whose dispute the chain reports executed
//     (DisputeUsed: the provider was slashed) puts the subject at 0 at once,
//     whoever gossiped it and whatever its history. A dispute claimed but
//     not executed is an ordinary weighted negative.
//
// Stakes and disputes are read from the chain in the background (Run),
// cached for a TTL; scores are cached per subject and recomputed only when
// an attestation about the subject arrives or a stake or dispute read
// changes, so the scheduler's call for every offer is a map lookup.
package reputation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/settle"
	"github.com/deco-network/deco/internal/store"
)

// Defaults of Config.
const (
	DefaultStakeTTL        = 2 * time.Minute
	DefaultMaxAttestations = 200_000
	DefaultMaxPerAttester  = 20_000
	// MaxPerPair is how many attestations of one attester about one
	// subject a Book holds.
	MaxPerPair = 64
)

// Errors of taking an attestation from gossip.
var (
	// ErrConflict: the attester already made an attestation of this kind
	// about this execution, with other bytes.
	ErrConflict = errors.New("attestation re-issued with other contents")
	// ErrQuota: the book holds as many attestations as it takes from
	// this attester (or from anyone).
	ErrQuota = errors.New("attestation quota reached")
)

// Chain is what a Book reads from the settlement chain; settle.Settlement
// implements it.
type Chain interface {
	// StakeOf reads addr's stake.
	StakeOf(ctx context.Context, addr identity.Address) (settle.Stake, error)
	// DisputeUsed reports whether a verdict for disputeID was executed.
	DisputeUsed(ctx context.Context, disputeID [32]byte) (bool, error)
}

// Store keeps attestations across restarts; *store.Store implements it.
type Store interface {
	PutAttestation(ctx context.Context, a store.Attestation) (added bool, err error)
	// Attestations lists them newest first, at most limit.
	Attestations(ctx context.Context, limit int) ([]store.Attestation, error)
}

// Config configures a Book. Key is required; the rest may be zero.
type Config struct {
	Logger *slog.Logger
	Clock  func() time.Time
	// Store persists attestations (nil: memory only).
	Store Store
	// Key signs this node's attestations.
	Key *identity.Key
	// Chain gives stakes and disputes (nil: no settlement, every other
	// attester is unstaked and no dispute is known executed).
	Chain Chain
	// Publish gossips an encoded attestation of this node (nil: none).
	Publish func([]byte) error
	// Rule sets the score's figures (zero: DefaultRule).
	Rule Rule
	// StakeTTL is how long a stake, or a dispute not executed, read from
	// the chain is believed (DefaultStakeTTL).
	StakeTTL time.Duration
	// MaxAttestations and MaxPerAttester bound what the book holds from
	// gossip (DefaultMaxAttestations, DefaultMaxPerAttester); this node's
	// own attestations are always kept.
	MaxAttestations, MaxPerAttester int
}

// Book holds the attestations a node made and received, and scores nodes
// from them. It implements sched.ReputationSource and the requester's
// Attester. It is safe for concurrent use.
type Book struct {
	cfg  Config
	rule Rule
	log  *slog.Logger
	now  func() time.Time
	self string
	wake chan struct{}

	mu       sync.RWMutex
	subjects map[string]*subject
	// index holds subjects too, for Reputation to read without a lock.
	index      sync.Map       // peer ID → *subject
	perAtt     map[string]int // attestations held by attester peer ID
	total      int
	attesters  map[identity.Address]bool // every attester's address (but this node's)
	stakes     map[identity.Address]stakeRead
	disputeIDs map[[32]byte]bool // every dispute named
	disputes   map[[32]byte]disputeRead
	// gen changes when a stake or dispute read changes; a subject's
	// cached score is good while its gen is this one. Written with b.mu
	// held.
	gen     atomic.Uint64
	scratch []*Attestation
}

type subject struct {
	atts []Attestation // in the order taken
	// ids are the IDs of atts by (attester, execution, kind).
	ids    map[attKey]string
	perAtt map[string]int
	// score (float64 bits) is good while gen is the book's (0: not
	// computed since the last change); written with b.mu held, score
	// first, so a reader that finds gen current reads a current score.
	score   atomic.Uint64
	gen     atomic.Uint64
	slashed bool
}

type attKey struct {
	attester, execution string
	kind                Kind
}

type stakeRead struct {
	amount money.Amount
	at     time.Time
}

type disputeRead struct {
	used bool
	at   time.Time
}

// New returns a book holding the attestations cfg.Store kept (the newest
// MaxAttestations).
func New(ctx context.Context, cfg Config) (*Book, error) {
	if cfg.Key == nil {
		return nil, errors.New("reputation: no key")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.StakeTTL <= 0 {
		cfg.StakeTTL = DefaultStakeTTL
	}
	if cfg.MaxAttestations <= 0 {
		cfg.MaxAttestations = DefaultMaxAttestations
	}
	if cfg.MaxPerAttester <= 0 {
		cfg.MaxPerAttester = DefaultMaxPerAttester
	}
	b := &Book{cfg: cfg, rule: cfg.Rule.withDefaults(), log: cfg.Logger, now: cfg.Clock, self: cfg.Key.PeerID(),
		wake: make(chan struct{}, 1), subjects: map[string]*subject{}, perAtt: map[string]int{},
		attesters: map[identity.Address]bool{}, stakes: map[identity.Address]stakeRead{},
		disputeIDs: map[[32]byte]bool{}, disputes: map[[32]byte]disputeRead{}}
	b.gen.Store(1)
	if cfg.Store == nil {
		return b, nil
	}
	kept, err := cfg.Store.Attestations(ctx, cfg.MaxAttestations)
	if err != nil {
		return nil, fmt.Errorf("load attestations: %w", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := len(kept) - 1; i >= 0; i-- { // oldest first
		a, err := Decode(kept[i].Body)
		if err != nil {
			b.log.Warn("stored attestation unreadable", "id", kept[i].ID, "err", err)
			continue
		}
		b.insert(a, a.ID())
	}
	return b, nil
}

// Attest signs c as this node, keeps it and publishes it. Attesting a
// claim this node already attested (same kind, subject and execution)
// publishes the attestation made then again. A dispute-lost claim's
// dispute is read from the chain before Attest returns, so a slashed
// provider's score is 0 at once.
func (b *Book) Attest(ctx context.Context, c Claim) error {
	b.mu.RLock()
	prev, ok := b.lookup(c.Subject, attKey{b.self, c.ExecutionID, c.Kind})
	b.mu.RUnlock()
	if ok {
		body, err := prev.Encode()
		if err != nil {
			return err
		}
		return b.publish(body)
	}
	a, err := Sign(c, b.cfg.Key, b.now())
	if err != nil {
		return fmt.Errorf("attest %s about %s: %w", c.Kind, c.Subject, err)
	}
	body, err := a.Encode()
	if err != nil {
		return err
	}
	if err := b.keep(ctx, a, body, true); err != nil {
		return fmt.Errorf("attest %s about %s: %w", c.Kind, c.Subject, err)
	}
	if a.Kind == KindDisputeLost && b.cfg.Chain != nil {
		if err := b.readDisputes(ctx, [][32]byte{a.DisputeID}); err != nil {
			b.log.Warn("read the dispute of an attestation (Run reads it again)", "err", err)
		}
	}
	b.log.Debug("attested", "kind", a.Kind, "subject", a.Subject, "execution", a.ExecutionID)
	return b.publish(body)
}

func (b *Book) publish(body []byte) error {
	if b.cfg.Publish == nil {
		return nil
	}
	if err := b.cfg.Publish(body); err != nil {
		return fmt.Errorf("publish attestation: %w", err)
	}
	return nil
}

// Check decides whether an attestation from gossip is to be taken and
// forwarded, without keeping it: it must decode, verify (see
// Attestation.Verify) and fit the quotas; one already held is fine. It is
// the gossip topic's validator.
func (b *Book) Check(data []byte) error {
	a, id, err := b.decodeVerified(data)
	if err != nil {
		return err
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.admits(a, id)
}

// Receive takes an attestation from gossip: Check, then keep it. One
// already held is harmless (nil).
func (b *Book) Receive(data []byte) error {
	a, _, err := b.decodeVerified(data)
	if err != nil {
		return err
	}
	return b.keep(context.Background(), a, data, false)
}

func (b *Book) decodeVerified(data []byte) (Attestation, string, error) {
	a, err := Decode(data)
	if err != nil {
		return a, "", err
	}
	id := a.ID()
	b.mu.RLock()
	held := b.holds(a, id)
	b.mu.RUnlock()
	if held {
		return a, id, nil // verified when it was taken
	}
	if err := a.Verify(b.now()); err != nil {
		return a, "", err
	}
	return a, id, nil
}

// holds reports whether the book holds attestation id. The caller holds b.mu.
func (b *Book) holds(a Attestation, id string) bool {
	held, ok := b.lookupID(a.Subject, attKey{a.Attester, a.ExecutionID, a.Kind})
	return ok && held == id
}

// admits is nil when a (with ID id) may be taken: held already, or new
// and within the quotas. The caller holds b.mu.
func (b *Book) admits(a Attestation, id string) error {
	if held, ok := b.lookupID(a.Subject, attKey{a.Attester, a.ExecutionID, a.Kind}); ok {
		if held == id {
			return nil
		}
		return fmt.Errorf("%w: %s by %s about execution %s", ErrConflict, a.Kind, a.Attester, a.ExecutionID)
	}
	if a.Attester == b.self {
		return nil
	}
	pair := 0
	if s := b.subjects[a.Subject]; s != nil {
		pair = s.perAtt[a.Attester]
	}
	switch {
	case pair >= MaxPerPair:
		return fmt.Errorf("%w: %d attestations by %s about %s", ErrQuota, pair, a.Attester, a.Subject)
	case b.perAtt[a.Attester] >= b.cfg.MaxPerAttester:
		return fmt.Errorf("%w: %d attestations by %s", ErrQuota, b.perAtt[a.Attester], a.Attester)
	case b.total >= b.cfg.MaxAttestations:
		return fmt.Errorf("%w: %d attestations held", ErrQuota, b.total)
	}
	return nil
}

// keep stores a verified attestation and takes it into the book.
func (b *Book) keep(ctx context.Context, a Attestation, body []byte, own bool) error {
	id := a.ID()
	b.mu.RLock()
	err := b.admits(a, id)
	held := b.holds(a, id)
	b.mu.RUnlock()
	if err != nil || held {
		return err
	}
	if b.cfg.Store != nil {
		// Outside the lock: the scheduler reads scores meanwhile.
		if _, err := b.cfg.Store.PutAttestation(ctx, store.Attestation{ID: id, Subject: a.Subject, Attester: a.Attester,
			Kind: string(a.Kind), ExecutionID: a.ExecutionID, IssuedAt: a.IssuedAt, ReceivedAt: b.now(), Body: body}); err != nil {
			return err
		}
	}
	b.mu.Lock()
	if err := b.admits(a, id); err != nil && !own {
		b.mu.Unlock()
		return err
	}
	added := b.insert(a, id)
	b.mu.Unlock()
	if added && b.cfg.Chain != nil && a.Attester != b.self {
		select {
		case b.wake <- struct{}{}:
		default:
		}
	}
	return nil
}

// insert adds a to the book unless held; the caller holds b.mu.
func (b *Book) insert(a Attestation, id string) bool {
	k := attKey{a.Attester, a.ExecutionID, a.Kind}
	s := b.subjects[a.Subject]
	if s == nil {
		s = &subject{ids: map[attKey]string{}, perAtt: map[string]int{}}
		b.subjects[a.Subject] = s
		b.index.Store(a.Subject, s)
	}
	if _, ok := s.ids[k]; ok {
		return false
	}
	s.ids[k] = id
	s.atts = append(s.atts, a)
	s.perAtt[a.Attester]++
	s.gen.Store(0)
	b.perAtt[a.Attester]++
	b.total++
	if a.Attester != b.self {
		b.attesters[a.AttesterAddress] = true
	}
	if a.Kind == KindDisputeLost {
		b.disputeIDs[a.DisputeID] = true
	}
	return true
}

func (b *Book) lookupID(subj string, k attKey) (string, bool) {
	s := b.subjects[subj]
	if s == nil {
		return "", false
	}
	id, ok := s.ids[k]
	return id, ok
}

func (b *Book) lookup(subj string, k attKey) (Attestation, bool) {
	s := b.subjects[subj]
	if s == nil {
		return Attestation{}, false
	}
	if _, ok := s.ids[k]; !ok {
		return Attestation{}, false
	}
	for _, a := range s.atts {
		if a.Attester == k.attester && a.ExecutionID == k.execution && a.Kind == k.kind {
			return a, true
		}
	}
	return Attestation{}, false
}

// Reputation is node's score from 0 to 1; ok is false (and the score
// Neutral) when the book holds no attestation about node. It implements
// sched.ReputationSource.
func (b *Book) Reputation(node string) (float64, bool) {
	v, ok := b.index.Load(node)
	if !ok {
		return Neutral, false
	}
	s := v.(*subject)
	if s.gen.Load() == b.gen.Load() {
		return math.Float64frombits(s.score.Load()), true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.scored(s)
	return math.Float64frombits(s.score.Load()), true
}

// scored brings s's cached score up to date; the caller holds b.mu for writing.
func (b *Book) scored(s *subject) *subject {
	if gen := b.gen.Load(); s.gen.Load() != gen {
		var score float64
		score, s.slashed = b.compute(s)
		s.score.Store(math.Float64bits(score))
		s.gen.Store(gen)
	}
	return s
}

// Summary is what a book knows of one node.
type Summary struct {
	Node string
	// Score is the node's reputation (Neutral when not Known).
	Score float64
	// Known: the book holds attestations about the node.
	Known bool
	// Slashed: a dispute-lost attestation names a dispute the chain
	// reports executed; Score is 0.
	Slashed bool
	// Count is how many attestations about the node the book holds.
	Count int
	// Recent are the latest of them, newest first.
	Recent []Attestation
}

// Summary returns what the book knows of node, with at most limit recent
// attestations.
func (b *Book) Summary(node string, limit int) Summary {
	b.mu.Lock()
	defer b.mu.Unlock()
	sum := Summary{Node: node, Score: Neutral}
	s := b.subjects[node]
	if s == nil {
		return sum
	}
	b.scored(s)
	sum.Score, sum.Known, sum.Slashed, sum.Count = math.Float64frombits(s.score.Load()), true, s.slashed, len(s.atts)
	for i := len(s.atts) - 1; i >= 0 && len(sum.Recent) < limit; i-- {
		sum.Recent = append(sum.Recent, s.atts[i])
	}
	return sum
}

// Run reads stakes and disputes from the chain until ctx ends: at once,
// when an attestation by an attester not read yet arrives, and every
// quarter of StakeTTL for what has expired. Without a chain it only waits.
func (b *Book) Run(ctx context.Context) error {
	if b.cfg.Chain == nil {
		<-ctx.Done()
		return nil
	}
	tick := time.NewTicker(b.cfg.StakeTTL / 4)
	defer tick.Stop()
	for {
		if err := b.Refresh(ctx); err != nil && ctx.Err() == nil {
			b.log.Debug("read stakes and disputes", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-b.wake:
		case <-tick.C:
		}
	}
}

// chainCallTimeout bounds one chain read.
const chainCallTimeout = 10 * time.Second

// Refresh reads from the chain the stakes of attesters not read within
// StakeTTL and the disputes not known executed, and rescores when one
// changed. It returns the first read's error (the others are still made).
func (b *Book) Refresh(ctx context.Context) error {
	if b.cfg.Chain == nil {
		return nil
	}
	now := b.now()
	var addrs []identity.Address
	var disputes [][32]byte
	b.mu.RLock()
	for addr := range b.attesters {
		if st, ok := b.stakes[addr]; !ok || now.Sub(st.at) >= b.cfg.StakeTTL {
			addrs = append(addrs, addr)
		}
	}
	for id := range b.disputeIDs {
		if d, ok := b.disputes[id]; !ok || !d.used && now.Sub(d.at) >= b.cfg.StakeTTL {
			disputes = append(disputes, id)
		}
	}
	b.mu.RUnlock()
	var first error
	for _, addr := range addrs {
		cctx, cancel := context.WithTimeout(ctx, chainCallTimeout)
		st, err := b.cfg.Chain.StakeOf(cctx, addr)
		cancel()
		if err != nil {
			if first == nil {
				first = fmt.Errorf("stake of %s: %w", addr, err)
			}
			continue
		}
		b.mu.Lock()
		if prev, ok := b.stakes[addr]; !ok || prev.amount != st.Amount {
			b.gen.Add(1)
		}
		b.stakes[addr] = stakeRead{amount: st.Amount, at: now}
		b.mu.Unlock()
	}
	if err := b.readDisputes(ctx, disputes); err != nil && first == nil {
		first = err
	}
	return first
}

// readDisputes asks the chain whether each dispute was executed.
func (b *Book) readDisputes(ctx context.Context, ids [][32]byte) error {
	var first error
	now := b.now()
	for _, id := range ids {
		cctx, cancel := context.WithTimeout(ctx, chainCallTimeout)
		used, err := b.cfg.Chain.DisputeUsed(cctx, id)
		cancel()
		if err != nil {
			if first == nil {
				first = fmt.Errorf("dispute %x: %w", id, err)
			}
			continue
		}
		b.mu.Lock()
		if prev, ok := b.disputes[id]; used && (!ok || !prev.used) {
			b.gen.Add(1)
		}
		b.disputes[id] = disputeRead{used: used, at: now}
		b.mu.Unlock()
	}
	return first
}
