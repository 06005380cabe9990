// Package medium is the air between hwsim radios: for every transmitted
// frame it decides which radios hear it, at what signal, and whether the
// transmitter gets an acknowledgement. It knows the kernel only through
// hwsim.Conn, so it is tested with an in-memory fake.
package medium

import (
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/mac"
)

// DefaultSignal is the signal, in dBm, of every reception under the default
// model: a strong, clean link.
const DefaultSignal = -50

// RadioID indexes a radio in the medium. The ID of a removed radio is given
// to the next new one, so that the medium's per-radio state stays as large
// as the most radios it had at once: a model that keys state by RadioID
// must check the Peer's names and address too (medium/model does), and
// forget a radio when told (Forgetter).
type RadioID int

// Peer identifies a radio to models: by the medium's ID on the per-frame
// path, and by name or address where configuration names it.
type Peer struct {
	ID RadioID
	// HW is the radio's hwsim address.
	HW mac.Addr
	// Name is the wiphy name; Iface the interface users know, if any.
	Name, Iface string
}

// Model decides whether radio rx hears a frame that radio tx sends on freq,
// and at what signal. It is called on the per-frame path with the medium's
// lock held: it must be fast and must not call back into the Medium.
type Model interface {
	Hear(tx, rx *Peer, freq uint32) (signal int32, heard bool)
}

// LossModel is a Model that also loses frames. PER is the probability that
// one try of an n-byte frame sent as retry-chain entry rate (its index from
// the frame's TX_INFO, its IEEE80211_TX_RC_* flags from TX_INFO_FLAGS,
// which say whether the index is a legacy rate or an HT/VHT MCS), received
// at signal, is lost. The medium walks each frame's retry chain with it,
// as hardware would, and reports the tries used.
type LossModel interface {
	Model
	PER(tx, rx *Peer, freq uint32, signal int32, rate mac.TxRate, n int) float64
}

// The medium finds a model's optional capabilities below by type assertion,
// so a model that misspells a method silently gets the default behaviour.
// Implementations should assert them at compile time, as medium/model does:
//
//	var _ medium.RadioLevels = (*Model)(nil)

// Learner is a Model that learns radios by their names before they
// transmit: the medium calls Learn when a radio is added, so that a live
// change naming a radio (vwifi-tool move vw1 ...) finds it even if it has
// not sent anything yet. Learn may be called with the medium's lock held.
type Learner interface {
	Learn(p Peer)
}

// RadioLevels is a Model that knows the receivers' clear channel assessment
// threshold and noise floor, in dBm. The airtime mode's carrier sense
// compares signals with CCAThreshold and its SINR adds interference to
// NoiseFloor; without it they are -82 dBm (the OFDM receiver's minimum
// sensitivity) and -91 dBm (thermal noise of a 20 MHz channel).
type RadioLevels interface {
	CCAThreshold() float64
	NoiseFloor() float64
}

// FixedSignal is the default model: every radio hears every other at one
// signal.
type FixedSignal int32

// Hear implements Model.
func (s FixedSignal) Hear(_, _ *Peer, _ uint32) (int32, bool) { return int32(s), true }

// Config configures a Medium.
type Config struct {
	// Model decides signal and reach; nil means FixedSignal(DefaultSignal).
	Model Model
	// Logger receives the medium's logs; nil discards them.
	Logger *slog.Logger
	// Rand drives the loss model's draws; nil seeds one from the time.
	Rand *rand.Rand
	// RadioName names a radio that transmits before anyone announced it
	// (radios other tools created); "" keeps its address as its name.
	RadioName func(hw mac.Addr) string
	// Timing selects when frames are decided and delivered: TimingFast
	// (the zero value) at once, TimingAirtime after their airtime on a
	// simulated channel.
	Timing Timing
	// Clock is the medium's one clock: it times the uptime and drives the
	// airtime mode's timers. nil means the system clock.
	Clock Clock
	// Ifaces lists the interfaces of the medium's network namespace, for
	// the warning about radios that share it and an IP subnet
	// (netns.go); SystemIfaces in the daemon. nil turns the check off.
	Ifaces IfaceLister
	// Bus makes the medium a member of a federated air (package air):
	// frames of its radios go to the other members, theirs come in
	// through FromBus. nil: a medium on its own. Only the fast timing
	// federates.
	Bus Bus
	// HeldAckTimeout bounds how long the TX status of a frame to another
	// member's radio waits for that member's answer; 0 means
	// DefaultHeldAckTimeout.
	HeldAckTimeout time.Duration
}

// Medium routes frames between radios. Run drives it; the other methods are
// safe to call concurrently with Run (the control API uses them).
type Medium struct {
	mu     sync.Mutex
	model  Model
	loss   LossModel // model, when it also loses frames
	rand   *rand.Rand
	log    *slog.Logger
	now    func() time.Time // clock.Now, for the uptime
	nameOf func(mac.Addr) string
	timing Timing
	clock  Clock
	start  time.Time
	radios []*radio  // by RadioID; nil: a free slot
	free   []RadioID // free slots, reused lowest first
	// strangers counts the radios known only from their frames; seq
	// numbers them in order of arrival.
	strangers int
	seq       uint64
	byHW      map[mac.Addr]*radio // hwsim address -> radio
	byAddr    map[mac.Addr]*radio // interface address -> radio
	deny      denylist
	blocks    map[[2]RadioID]bool // tx, rx
	stats     Stats
	// socket counts what happens on the connection Run serves, if it
	// does (Status reports it).
	socket socketCounter
	// decide times one frame in DecisionSampleEvery (fast path).
	decide decisionClock

	// Scratch messages for the per-frame path: passing them to the Conn
	// interface would otherwise move them to the heap for every frame.
	delivery hwsim.Delivery
	status   hwsim.TxStatus
	// waiting are the frames of the current batch whose acks wait for
	// their addressees' answers.
	waiting []awaited

	// tap sees every transmission (captures); nil when nobody captures.
	tap     Tap
	tapRecs tapRecords
	// The shared-namespace check (netns.go): pairs of radios that have
	// exchanged unicast frames, for the checker's goroutine.
	ifaces       IfaceLister
	pairs        chan pairing
	netnsRecheck time.Duration

	// A federated air (bus.go, remote.go): the bus, the connection Run
	// serves (frames from other members are delivered through it), the
	// number of other members' radios, the frames whose TX status waits
	// for another member's answer, and the bus's counters.
	bus      Bus
	conn     hwsim.Conn
	remotes  int
	busSeq   uint64
	held     []heldFrame
	heldWait time.Duration
	busStats BusStats
	// Scratch for the bus: the frame published, the frames of a burst
	// received, and those of them waiting for the burst's Sync.
	busFrame  BusFrame
	busRx     []hwsim.Frame
	answering []remoteFrame
}

// New returns a Medium with no radios.
func New(cfg Config) *Medium {
	m := &Medium{
		model:  cfg.Model,
		log:    cfg.Logger,
		nameOf: cfg.RadioName,
		byHW:   map[mac.Addr]*radio{},
		byAddr: map[mac.Addr]*radio{},
		blocks: map[[2]RadioID]bool{},
	}
	if m.model == nil {
		m.model = FixedSignal(DefaultSignal)
	}
	m.loss, _ = m.model.(LossModel)
	m.rand = cfg.Rand
	if m.rand == nil {
		m.rand = rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0x6877736d))
	}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	m.timing, m.clock = cfg.Timing, cfg.Clock
	if m.clock == nil {
		m.clock = realClock{}
	}
	m.now = m.clock.Now
	m.ifaces, m.pairs, m.netnsRecheck = cfg.Ifaces, make(chan pairing, 64), netnsRecheck
	m.start = m.now()
	m.bus, m.heldWait = cfg.Bus, cfg.HeldAckTimeout
	if m.heldWait <= 0 {
		m.heldWait = DefaultHeldAckTimeout
	}
	return m
}
