package air

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/hwsim-medium/hwsim-medium/medium"
)

const (
	// DefaultHelloInterval is how often a member says which radios it
	// serves.
	DefaultHelloInterval = time.Second
	// silentHellos is how many heartbeats a member may miss before its
	// radios leave the air (3.5 s at the default interval).
	silentHellos = 3.5
	// DefaultQueue bounds the messages waiting to be published: past it,
	// frames are dropped and counted, so a slow or absent bus never
	// blocks the medium.
	DefaultQueue = 4096
	// maxMembers bounds the members one member keeps track of.
	maxMembers = 256
	// leaveWait bounds how long a stopping member waits to say so.
	leaveWait = 2 * time.Second
)

// ErrClash is wrapped by the error Run returns when another member, which
// joined first, serves a radio of this member's name or address.
var ErrClash = errors.New("radio clash in the air")

// MemberConfig configures a Member.
type MemberConfig struct {
	// Air names the air; Name the member (CheckName).
	Air, Name string
	// Conn is the connection to the air's NATS server (Dial).
	Conn *nats.Conn
	// Logger receives the member's logs; nil discards them.
	Logger *slog.Logger
	// HelloInterval is DefaultHelloInterval when 0.
	HelloInterval time.Duration
	// Queue is DefaultQueue when 0.
	Queue int
}

// MemberStats are a member's counters.
type MemberStats struct {
	// Members is how many other members are in the air now.
	Members int
	// Published counts messages sent; Dropped those dropped because the
	// queue was full; PublishErrors those the connection refused (its
	// reconnect buffer was full).
	Published, Dropped, PublishErrors uint64
	// BadMessages counts messages from the bus that did not decode, or
	// came from a member under another member's name.
	BadMessages uint64
	// Clashes counts radios other members claimed that were already
	// someone's.
	Clashes uint64
}

// Member makes a medium a member of an air: it implements medium.Bus over
// NATS, and keeps the medium's view of the other members' radios up to
// date from their heartbeats.
type Member struct {
	cfg     MemberConfig
	nc      *nats.Conn
	log     *slog.Logger
	m       *medium.Medium
	started int64 // Unix ms
	out     chan outMsg
	bufs    sync.Pool

	frameSubj, helloSubj string

	// onJoin is called when a member joins (OnJoin).
	onJoin func()

	mu    sync.Mutex
	peers map[string]*peer
	fatal error
	// gaveWay is closed when fatal is set.
	gaveWay chan struct{}

	published, dropped, publishErrors, bad, clashes atomic.Uint64
}

// peer is another member as its heartbeats describe it.
type peer struct {
	started int64
	seen    time.Time
	radios  []string // wiphy names
}

type outMsg struct {
	subj string
	buf  *[]byte
}

// NewMember returns a member of cfg.Air for a medium that Attach gives
// it. The medium must be made with the member as its Config.Bus.
func NewMember(cfg MemberConfig) (*Member, error) {
	if err := CheckName("air", cfg.Air); err != nil {
		return nil, err
	}
	if err := CheckName("member", cfg.Name); err != nil {
		return nil, err
	}
	if cfg.Conn == nil {
		return nil, errors.New("air member: no NATS connection")
	}
	if cfg.HelloInterval <= 0 {
		cfg.HelloInterval = DefaultHelloInterval
	}
	if cfg.Queue <= 0 {
		cfg.Queue = DefaultQueue
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	mb := &Member{
		cfg: cfg, nc: cfg.Conn, log: log, started: time.Now().UnixMilli(),
		out:       make(chan outMsg, cfg.Queue),
		frameSubj: FrameSubject(cfg.Air, cfg.Name), helloSubj: HelloSubject(cfg.Air, cfg.Name),
		peers: map[string]*peer{}, gaveWay: make(chan struct{}),
	}
	mb.bufs.New = func() any { b := make([]byte, 0, 2048); return &b }
	return mb, nil
}

// Attach gives the member its medium, before Start.
func (mb *Member) Attach(m *medium.Medium) { mb.m = m }

// OnJoin makes f run whenever another member joins, after its radios are
// known: the shared state's entries that name them can apply now
// (Shared.Retry). Call it before Run.
func (mb *Member) OnJoin(f func()) { mb.onJoin = f }

// Publish implements medium.Bus: the frame is queued for the sending
// goroutine, or dropped and counted when the queue is full.
func (mb *Member) Publish(f *medium.BusFrame) {
	b := mb.bufs.Get().(*[]byte)
	*b = AppendFrame((*b)[:0], f)
	mb.enqueue(mb.frameSubj, b)
}

// Answer implements medium.Bus.
func (mb *Member) Answer(member string, a *medium.BusAck) {
	b := mb.bufs.Get().(*[]byte)
	*b = AppendAnswer((*b)[:0], a)
	mb.enqueue(AckSubject(mb.cfg.Air, member, mb.cfg.Name), b)
}

func (mb *Member) enqueue(subj string, b *[]byte) {
	select {
	case mb.out <- outMsg{subj: subj, buf: b}:
	default:
		mb.dropped.Add(1)
		mb.bufs.Put(b)
	}
}

// Start subscribes to the other members' frames, answers and heartbeats.
// Frames are routed as soon as the medium runs, until ctx ends.
func (mb *Member) Start(ctx context.Context) error {
	air := mb.cfg.Air
	// Frames and answers go to the medium in bursts: whatever arrived
	// while the last burst was routed (burst.go).
	frames, answers := make(chan *nats.Msg, inbox), make(chan *nats.Msg, inbox)
	for _, s := range []struct {
		subj string
		ch   chan *nats.Msg
	}{{FrameSubject(air, "*"), frames}, {AckSubject(air, mb.cfg.Name, "*"), answers}} {
		if _, err := mb.nc.ChanSubscribe(s.subj, s.ch); err != nil {
			return fmt.Errorf("join air %q: subscribe to %s: %w", air, s.subj, err)
		}
	}
	sub, err := mb.nc.Subscribe(HelloSubject(air, "*"), mb.hello)
	if err != nil {
		return fmt.Errorf("join air %q: subscribe to %s: %w", air, HelloSubject(air, "*"), err)
	}
	// Bounded: a member that cannot keep up drops (NATS counts it as a
	// slow consumer) rather than grow without end.
	if err := sub.SetPendingLimits(4096, 64<<20); err != nil {
		return fmt.Errorf("join air %q: %w", air, err)
	}
	fctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	if err := mb.nc.FlushWithContext(fctx); err != nil {
		return fmt.Errorf("join air %q: the server did not confirm the subscriptions: %w", air, err)
	}
	go bursts(ctx, frames, mb.frame, mb.routeFrames)
	go bursts(ctx, answers, mb.answer, mb.settle)
	return nil
}

// Listen waits one heartbeat interval and a half for the other members'
// heartbeats, so that Taken knows their radios before this member makes
// its own.
func (mb *Member) Listen(ctx context.Context) {
	t := time.NewTimer(mb.cfg.HelloInterval * 3 / 2)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// Taken reports which other member serves the radio called wiphy, if one
// does.
func (mb *Member) Taken(wiphy string) (member string, ok bool) {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	for name, p := range mb.peers {
		for _, r := range p.radios {
			if r == wiphy {
				return name, true
			}
		}
	}
	return "", false
}

// Stats returns the member's counters.
func (mb *Member) Stats() MemberStats {
	mb.mu.Lock()
	n := len(mb.peers)
	mb.mu.Unlock()
	return MemberStats{Members: n, Published: mb.published.Load(), Dropped: mb.dropped.Load(),
		PublishErrors: mb.publishErrors.Load(), BadMessages: mb.bad.Load(), Clashes: mb.clashes.Load()}
}

// Run publishes the queued messages and a heartbeat every interval, and
// lets the radios of members that fell silent leave the air, until ctx
// ends (then it says this member leaves) or a clash makes this member
// give way (an error wrapping ErrClash).
func (mb *Member) Run(ctx context.Context) error {
	sctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-sctx.Done():
				return
			case msg := <-mb.out:
				mb.send(msg)
			}
		}
	}()
	defer func() {
		stop()
		<-done
	}()
	t := time.NewTicker(mb.cfg.HelloInterval)
	defer t.Stop()
	mb.sayHello(false)
	for {
		select {
		case <-ctx.Done():
			mb.sayHello(true)
			fctx, cancel := context.WithTimeout(context.Background(), leaveWait)
			_ = mb.nc.FlushWithContext(fctx)
			cancel()
			return nil
		case <-mb.gaveWay:
			mb.sayHello(true)
			return mb.fatalErr()
		case <-t.C:
			mb.sayHello(false)
			mb.forgetSilent(time.Now())
		}
	}
}

func (mb *Member) send(msg outMsg) {
	if err := mb.nc.Publish(msg.subj, *msg.buf); err != nil {
		mb.publishErrors.Add(1)
	} else {
		mb.published.Add(1)
	}
	mb.bufs.Put(msg.buf)
}

func (mb *Member) fatalErr() error {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	return mb.fatal
}

// sayHello publishes the member's heartbeat.
func (mb *Member) sayHello(leaving bool) {
	h := Hello{Version: Version, Member: mb.cfg.Name, Started: mb.started, Leaving: leaving, Radios: []HelloRadio{}}
	if !leaving && mb.m != nil {
		for _, r := range mb.m.LocalRadios() {
			h.Radios = append(h.Radios, HelloRadio{Name: r.Name, Iface: r.Iface, HW: r.HWAddr, Addrs: r.Addrs})
		}
	}
	b, err := json.Marshal(&h)
	if err != nil {
		mb.log.Warn("air: could not encode the heartbeat", "err", err)
		return
	}
	if err := mb.nc.Publish(mb.helloSubj, b); err != nil {
		mb.publishErrors.Add(1)
	}
}

// forgetSilent lets the radios of members that missed silentHellos
// heartbeats leave the air. While this member is cut off from the server
// it hears nobody, so nobody counts as silent.
func (mb *Member) forgetSilent(now time.Time) {
	limit := time.Duration(float64(mb.cfg.HelloInterval) * silentHellos)
	var gone []string
	mb.mu.Lock()
	for name, p := range mb.peers {
		if !mb.nc.IsConnected() {
			p.seen = now
			continue
		}
		if now.Sub(p.seen) > limit {
			gone = append(gone, name)
			delete(mb.peers, name)
		}
	}
	mb.mu.Unlock()
	for _, name := range gone {
		mb.log.Warn("air: member fell silent; its radios leave the air until it is back", "member", name, "silent_for", limit)
		if mb.m != nil {
			mb.m.SetMemberRadios(name, nil)
		}
	}
}

// lastToken returns the subject's last token: the sending member.
func lastToken(subj string) string { return subj[strings.LastIndexByte(subj, '.')+1:] }

// frame decodes another member's frame into f; false drops it.
func (mb *Member) frame(msg *nats.Msg, f *medium.BusFrame) bool {
	from := lastToken(msg.Subject)
	if from == mb.cfg.Name {
		return false
	}
	if err := DecodeFrame(msg.Data, f); err != nil {
		mb.badMessage(from, err)
		return false
	}
	f.Member = from
	return true
}

func (mb *Member) routeFrames(fs []medium.BusFrame) {
	if mb.m != nil {
		mb.m.FromBus(fs)
	}
}

// answer decodes an answer to one of this member's frames into a.
func (mb *Member) answer(msg *nats.Msg, a *medium.BusAck) bool {
	from := lastToken(msg.Subject)
	if err := DecodeAnswer(msg.Data, a); err != nil {
		mb.badMessage(from, err)
		return false
	}
	a.Member = from
	return true
}

func (mb *Member) settle(as []medium.BusAck) {
	if mb.m != nil {
		mb.m.AckFromBus(as)
	}
}

func (mb *Member) badMessage(from string, err error) {
	if mb.bad.Add(1) == 1 {
		// Once: a hostile or mismatched member must not flood the log.
		mb.log.Warn("air: dropped a bad message (counted; logged once)", "from", from, "err", err)
	}
}

// hello takes another member's heartbeat.
func (mb *Member) hello(msg *nats.Msg) {
	from := lastToken(msg.Subject)
	if from == mb.cfg.Name {
		return
	}
	var h Hello
	if err := DecodeHello(msg.Data, &h); err != nil {
		mb.badMessage(from, err)
		return
	}
	if h.Member != from {
		mb.badMessage(from, fmt.Errorf("%w: a hello from %q names member %q", ErrBadMessage, from, h.Member))
		return
	}
	if h.Leaving {
		mb.mu.Lock()
		_, known := mb.peers[from]
		delete(mb.peers, from)
		mb.mu.Unlock()
		if known {
			mb.log.Info("air: member left", "member", from)
		}
		if mb.m != nil {
			mb.m.SetMemberRadios(from, nil)
		}
		return
	}
	names := make([]string, 0, len(h.Radios))
	for _, r := range h.Radios {
		names = append(names, r.Name)
	}
	mb.mu.Lock()
	p, known := mb.peers[from]
	if !known {
		if len(mb.peers) >= maxMembers {
			mb.mu.Unlock()
			mb.badMessage(from, fmt.Errorf("%w: more than %d members", ErrBadMessage, maxMembers))
			return
		}
		p = &peer{}
		mb.peers[from] = p
	}
	p.started, p.seen, p.radios = h.Started, time.Now(), names
	mb.mu.Unlock()
	if !known {
		mb.log.Info("air: member joined", "member", from, "radios", len(h.Radios))
	}
	if mb.m == nil {
		return
	}
	for _, c := range mb.m.SetMemberRadios(from, remoteRadios(&h)) {
		mb.clash(c, h.Started)
	}
	if !known && mb.onJoin != nil {
		mb.onJoin()
	}
}

// clash reports a radio that member c.Member claims and c.Holder already
// serves. When the holder is this member and the claimant joined first,
// this member gives way: Run returns the error.
func (mb *Member) clash(c medium.Clash, started int64) {
	if mb.clashes.Add(1) > 16 && c.Holder != "" {
		return // logged often enough
	}
	holder := c.Holder
	if holder == "" {
		holder = mb.cfg.Name + " (this member)"
	}
	err := fmt.Errorf("%w: member %s claims radio %s (hwsim address %s), which member %s serves as %s: radio names and hwsim addresses must be unique in air %q; give the members' radios distinct names (the default vwK names skip those other members serve when the members start one after the other)",
		ErrClash, c.Member, c.Radio.Name, c.Radio.HWAddr, holder, c.HolderRadio, mb.cfg.Air)
	if c.Holder != "" || started >= mb.started {
		mb.log.Error("air: a claim was refused", "err", err)
		return
	}
	mb.mu.Lock()
	if mb.fatal == nil {
		mb.fatal = err
		close(mb.gaveWay)
	}
	mb.mu.Unlock()
}
