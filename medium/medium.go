// Package medium is the air between hwsim radios: for every transmitted
// frame it decides which radios hear it, at what signal, and whether the
// transmitter gets an acknowledgement. It knows the kernel only through
// hwsim.Conn, so it is tested with an in-memory fake.
package medium

import (
	"context"
	"errors"
	"fmt"
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

// RadioID indexes a radio in the medium. IDs are not reused while the medium
// runs, so models can key state by them.
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
	PER(tx, rx *Peer, freq uint32, signal int32, rate hwsim.TxRate, n int) float64
}

// FixedSignal is the default model: every radio hears every other at one
// signal.
type FixedSignal int32

// Hear implements Model.
func (s FixedSignal) Hear(_, _ *Peer, _ uint32) (int32, bool) { return int32(s), true }

// RadioConfig describes a radio the medium should know by name before it
// transmits (radios it creates, or found at start-up).
type RadioConfig struct {
	// Name is the wiphy name (vw_phy0).
	Name string
	// Iface is the interface name users know (vw0), if any.
	Iface string
	// HWAddr is the radio's hwsim address as the kernel reports it in
	// ADDR_TRANSMITTER.
	HWAddr mac.Addr
	// Addrs are interface addresses the radio answers to from the start.
	Addrs []mac.Addr
}

// Config configures a Medium.
type Config struct {
	// Model decides signal and reach; nil means FixedSignal(DefaultSignal).
	Model Model
	// Logger receives the medium's logs; nil discards them.
	Logger *slog.Logger
	// Now is the clock, for uptime; nil means time.Now.
	Now func() time.Time
	// Rand drives the loss model's draws; nil seeds one from the time.
	Rand *rand.Rand
	// RadioName names a radio that transmits before anyone announced it
	// (radios other tools created); "" keeps its address as its name.
	RadioName func(hw mac.Addr) string
	// Timing selects when frames are decided and delivered: TimingFast
	// (the zero value) at once, TimingAirtime after their airtime on a
	// simulated channel.
	Timing Timing
	// Clock drives the airtime mode's timers; nil means the system clock.
	Clock Clock
}

// Medium routes frames between radios. Run drives it; the other methods are
// safe to call concurrently with Run (the control API uses them).
type Medium struct {
	mu     sync.Mutex
	model  Model
	loss   LossModel // model, when it also loses frames
	rand   *rand.Rand
	log    *slog.Logger
	now    func() time.Time
	nameOf func(mac.Addr) string
	timing Timing
	clock  Clock
	start  time.Time
	radios []*radio            // by RadioID; nil after removal
	byHW   map[mac.Addr]*radio // hwsim address -> radio
	byAddr map[mac.Addr]*radio // interface address -> radio
	deny   denylist
	blocks map[[2]RadioID]bool // tx, rx
	stats  Stats

	// Scratch messages for the per-frame path: passing them to the Conn
	// interface would otherwise move them to the heap for every frame.
	delivery hwsim.Delivery
	status   hwsim.TxStatus
}

// radio is the medium's view of one hwsim radio.
type radio struct {
	Peer
	refs map[mac.Addr]int // interface address -> ADD_MAC_ADDR references
	freq uint32           // channel of its last transmission
	// listen is the channel the radio is believed to listen on: that of
	// its last transmission since it last started or ended a scan or
	// changed interfaces (ADD/DEL_MAC_ADDR); 0 when unknown.
	listen uint32
	stats  RadioStats
	links  []LinkStats // by receiver RadioID
	denies []bool      // by source RadioID: frames whose SA is that radio's are not delivered here

	warnedBSSID bool // the IBSS-BSSID warning was given
}

// New returns a Medium with no radios.
func New(cfg Config) *Medium {
	m := &Medium{
		model:  cfg.Model,
		log:    cfg.Logger,
		now:    cfg.Now,
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
	if m.now == nil {
		m.now = time.Now
	}
	m.start = m.now()
	m.timing, m.clock = cfg.Timing, cfg.Clock
	if m.clock == nil {
		m.clock = realClock{}
	}
	return m
}

// AddRadio makes a radio known by name. Adding a radio whose hwsim address
// is already known renames it.
func (m *Medium) AddRadio(c RadioConfig) RadioID {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.radioLocked(c.HWAddr)
	r.Name, r.Iface = c.Name, c.Iface
	// Models that name radios in their configuration learn them now, so
	// live changes can name a radio before it transmits.
	if l, ok := m.model.(interface{ Learn(Peer) }); ok {
		l.Learn(r.Peer)
	}
	for _, a := range c.Addrs {
		r.refs[a]++
		m.byAddr[a] = r
	}
	m.byAddr[c.HWAddr] = r
	return r.ID
}

// RemoveRadio forgets a radio (it was deleted). It reports whether the
// radio was known.
func (m *Medium) RemoveRadio(name string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.radios {
		if r != nil && r.Name == name {
			m.removeLocked(r)
			return true
		}
	}
	return false
}

func (m *Medium) removeLocked(r *radio) {
	delete(m.byHW, r.HW)
	for a, owner := range m.byAddr {
		if owner == r {
			delete(m.byAddr, a)
		}
	}
	m.radios[r.ID] = nil
	m.resolveDenyLocked()
}

// radioLocked returns the radio with hwsim address hw, creating it when a
// transmitter shows up that nobody announced (radios created by others).
func (m *Medium) radioLocked(hw mac.Addr) *radio {
	if r := m.byHW[hw]; r != nil {
		return r
	}
	r := &radio{Peer: Peer{ID: RadioID(len(m.radios)), Name: hw.String(), HW: hw}, refs: map[mac.Addr]int{}}
	if m.nameOf != nil {
		if n := m.nameOf(hw); n != "" {
			r.Name = n
		}
	}
	m.radios = append(m.radios, r)
	m.byHW[hw] = r
	m.byAddr[hw] = r
	for _, o := range m.radios {
		if o != nil {
			o.grow(len(m.radios))
		}
	}
	m.resolveDenyLocked()
	m.log.Debug("radio appeared", "radio", r.Name, "hwaddr", hw)
	return r
}

func (r *radio) grow(n int) {
	for len(r.links) < n {
		r.links = append(r.links, LinkStats{})
	}
	for len(r.denies) < n {
		r.denies = append(r.denies, false)
	}
}

// Run routes frames from conn until ctx ends or the connection fails. It
// returns nil when ctx ends. Under TimingAirtime each frame is delivered
// and completed after its simulated time on the air.
func (m *Medium) Run(ctx context.Context, conn hwsim.Conn) error {
	if m.timing == TimingAirtime {
		return m.runAir(ctx, conn)
	}
	evs := make([]hwsim.Event, 64)
	for {
		n, err := conn.Receive(ctx, evs)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("medium: %w", err)
		}
		m.mu.Lock()
		for i := range evs[:n] {
			if err := m.handleLocked(conn, &evs[i]); err != nil {
				m.mu.Unlock()
				return fmt.Errorf("medium: %w", err)
			}
		}
		m.mu.Unlock()
		if err := conn.Flush(); err != nil {
			// A refused batch loses its frames, as a collision would;
			// the air goes on.
			m.mu.Lock()
			m.stats.SendErrors++
			m.mu.Unlock()
			m.log.Warn("sending to the kernel failed", "err", err)
		}
	}
}

func (m *Medium) handleLocked(conn hwsim.Conn, ev *hwsim.Event) error {
	switch ev.Kind {
	case hwsim.EventFrame:
		return m.routeLocked(conn, &ev.Frame)
	case hwsim.EventAddMAC:
		r := m.radioLocked(ev.Radio)
		r.refs[ev.Addr]++
		m.byAddr[ev.Addr] = r
		r.listen = 0 // a scan or an interface starts: channel unknown
		m.log.Debug("address added", "radio", r.Name, "addr", ev.Addr)
	case hwsim.EventDelMAC:
		r := m.byHW[ev.Radio]
		if r == nil {
			return nil
		}
		r.listen = 0 // back from a scan, or an interface went away
		// Addresses are reference counted per radio: a station's own
		// address is added again at every scan start and removed at its
		// end, and must survive that.
		if r.refs[ev.Addr]--; r.refs[ev.Addr] <= 0 {
			delete(r.refs, ev.Addr)
			if m.byAddr[ev.Addr] == r && ev.Addr != r.HW {
				delete(m.byAddr, ev.Addr)
			}
		}
		m.log.Debug("address removed", "radio", r.Name, "addr", ev.Addr)
	}
	return nil
}

// route is one transmitted frame as the medium judges it: who sent it, whose
// denylist entries apply, whom it is addressed to. The fast path builds it
// on the stack per frame; the airtime mode keeps one per queued frame.
type route struct {
	f   *hwsim.Frame
	tx  *radio
	src *radio // owner of the frame's SA, for the denylist
	dst *radio // the addressee of a unicast frame, if known
	// group: group-addressed, so nobody acks it.
	group bool
	// ibss: an IBSS beacon or probe response with timestamp tsf, which is
	// rewritten per receiver.
	ibss bool
	tsf  uint64
}

// noAck reports whether the frame goes out once and unacknowledged.
func (rt *route) noAck() bool { return rt.group || rt.f.Flags&hwsim.TxCtlNoAck != 0 }

// routeLocked delivers one frame and reports its TX status.
func (m *Medium) routeLocked(conn hwsim.Conn, f *hwsim.Frame) error {
	var rt route
	st := &m.status
	if !m.beginLocked(&rt, f, st) {
		return m.statusLocked(conn, rt.tx, st)
	}
	tx, dst := rt.tx, rt.dst
	acked := false
	// tries is the retry chain as the destination saw it: with a loss
	// model, the tries used until one got through.
	tries := f.Rates
	first := firstRate(&f.Rates)
	d := m.deliveryOf(f)
	for _, rx := range m.radios {
		if rx == nil || rx == tx {
			continue
		}
		if m.blockedLocked(&rt, rx) {
			tx.links[rx.ID].Blocked++
			continue
		}
		signal, heard := m.model.Hear(&tx.Peer, &rx.Peer, f.Freq)
		rate := first
		if heard && m.loss != nil {
			if rx == dst {
				rate, heard = m.walkRetries(tx, rx, f, signal, &tries)
			} else {
				// Others overhear the first try only.
				heard = !m.lost(tx, rx, f, signal, rate)
			}
		}
		if !heard {
			tx.links[rx.ID].Lost++
			continue
		}
		// Inline rather than a call per receiver (as air.deliverLocked),
		// which costs the fast path measurably (BenchmarkRoute). RX_RATE
		// is an index into the receiver's legacy bitrate table: the
		// kernel drops anything else, so an MCS is reported as a legacy
		// rate.
		d.Receiver, d.Signal, d.RxRate = rx.HW, signal, uint32(mac.RxLegacyIndex(f.Freq, rate.Idx, rate.Flags))
		if rt.ibss {
			stampIBSS(&rt, rx)
		}
		if err := conn.Deliver(d); err != nil {
			return deliverError(rx, err)
		}
		countDelivery(&rt, rx)
		if rx == dst {
			acked = true
			st.Signal = signal
		}
	}
	if m.loss == nil {
		// Nothing is lost: the first try got through.
		m.settleLocked(&rt, st, acked, nil)
	} else {
		m.settleLocked(&rt, st, acked, &tries)
	}
	return m.statusLocked(conn, tx, st)
}

// beginLocked counts a transmitted frame, parses it into rt and starts its
// TX status in st. It returns false for a frame nobody can receive, whose
// status st then already reports failure.
func (m *Medium) beginLocked(rt *route, f *hwsim.Frame, st *hwsim.TxStatus) bool {
	tx := m.radioLocked(f.Transmitter)
	tx.freq, tx.listen = f.Freq, f.Freq
	tx.stats.TxFrames++
	tx.stats.TxBytes += uint64(len(f.Data))
	m.stats.Frames++
	*st = hwsim.TxStatus{Transmitter: f.Transmitter, Flags: f.Flags &^ hwsim.TxStatAck, Cookie: f.Cookie, Signal: DefaultSignal, Rates: f.Rates}
	*rt = route{f: f, tx: tx}
	h, err := mac.Parse(f.Data)
	if err != nil {
		// Not a frame anyone can receive; complete it so the radio's
		// queue does not stall.
		m.stats.Malformed++
		m.log.Debug("unparsable frame", "radio", tx.Name, "err", err)
		failRates(&st.Rates)
		return false
	}
	// Learn the transmitter's interface address from the frame itself:
	// address announcements can be missed (radios that existed before the
	// medium) or withdrawn by a scan.
	if ta, ok := h.Transmitter(); ok && !ta.IsGroup() {
		if m.byAddr[ta] == nil {
			m.byAddr[ta] = tx
		}
	}
	if sa, ok := h.SA(); ok {
		rt.src = m.byAddr[sa]
	}
	rt.group = h.IsGroupAddressed()
	if !rt.group {
		rt.dst = m.byAddr[h.Addr1]
		// An addressee tuned to another channel (another BSS, or away
		// on a scan) cannot acknowledge. The frame is still offered to
		// it (the kernel takes it if the radio is scanning there), but
		// as to any other listener: no retries walked for it, no ack.
		if d := rt.dst; d != nil && d.listen != 0 && f.Freq != 0 && d.listen != f.Freq {
			rt.dst = nil
		}
	}
	rt.tsf, rt.ibss = m.ibssBeaconLocked(tx, &h, f.Data)
	return true
}

// blockedLocked reports whether a link block or the denylist withholds the
// frame from rx.
func (m *Medium) blockedLocked(rt *route, rx *radio) bool {
	return m.blocks[[2]RadioID{rt.tx.ID, rx.ID}] || (rt.src != nil && rx.denies[rt.src.ID])
}

// deliveryOf starts the delivery of f: what is the same for every
// receiver.
func (m *Medium) deliveryOf(f *hwsim.Frame) *hwsim.Delivery {
	m.delivery = hwsim.Delivery{Data: f.Data, Freq: f.Freq}
	return &m.delivery
}

// stampIBSS sets an IBSS beacon's timestamp as seen from rx's clock.
// Deliver copies, so rewriting the shared bytes per receiver is safe.
func stampIBSS(rt *route, rx *radio) {
	mac.SetTimestamp(rt.f.Data, rt.tsf+tsfOffset(rt.tx)-tsfOffset(rx))
}

func deliverError(rx *radio, err error) error {
	return fmt.Errorf("deliver to %s: %w", rx.Name, err)
}

// countDelivery counts a frame delivered to rx.
func countDelivery(rt *route, rx *radio) {
	n := uint64(len(rt.f.Data))
	link := &rt.tx.links[rx.ID]
	link.Frames++
	link.Bytes += n
	rx.stats.RxFrames++
	rx.stats.RxBytes += n
}

// settleLocked completes the TX status st of a frame whose tries are over:
// acked says whether the destination got it, tries is the chain as used up
// to the acked try (nil: the first try).
func (m *Medium) settleLocked(rt *route, st *hwsim.TxStatus, acked bool, tries *[hwsim.MaxTxRates]hwsim.TxRate) {
	switch {
	case rt.noAck():
		st.Flags |= hwsim.TxStatAck
		firstRateOnly(&st.Rates)
	case acked:
		st.Flags |= hwsim.TxStatAck
		rt.tx.stats.Acked++
		if tries != nil {
			st.Rates = *tries
		} else {
			firstRateOnly(&st.Rates)
		}
	default:
		rt.tx.stats.NotAcked++
		failRates(&st.Rates)
	}
}

// firstRate is the chain entry of the first try (legacy index 0 if the
// chain is empty).
func firstRate(r *[hwsim.MaxTxRates]hwsim.TxRate) hwsim.TxRate {
	if r[0].Idx < 0 {
		return hwsim.TxRate{}
	}
	return r[0]
}

// lost draws whether one try at rate is lost under the loss model.
func (m *Medium) lost(tx, rx *radio, f *hwsim.Frame, signal int32, rate hwsim.TxRate) bool {
	per := m.loss.PER(&tx.Peer, &rx.Peer, f.Freq, signal, rate, len(f.Data))
	return per > 0 && m.rand.Float64() < per
}

// walkRetries tries a unicast frame at each rate of its retry chain as
// often as the chain says, as hardware does, until one try gets through.
// It returns the rate that succeeded and whether one did, and leaves in
// tries the chain as used (the last entry cut at the successful try), which
// becomes the TX status that mac80211's rate control learns from.
func (m *Medium) walkRetries(tx, rx *radio, f *hwsim.Frame, signal int32, tries *[hwsim.MaxTxRates]hwsim.TxRate) (hwsim.TxRate, bool) {
	var at tryCursor
	for r, ok := at.next(&f.Rates); ok; r, ok = at.next(&f.Rates) {
		if !m.lost(tx, rx, f, signal, r) {
			at.cut(tries)
			return r, true
		}
	}
	return firstRate(&f.Rates), false
}

// tryCursor walks a retry chain one try at a time, as hardware does: entry
// i of the chain, tried c times so far.
type tryCursor struct {
	i int
	c uint8
}

// next moves to the next try and returns its rate; false once the chain is
// used up.
func (t *tryCursor) next(r *[hwsim.MaxTxRates]hwsim.TxRate) (hwsim.TxRate, bool) {
	for t.i < len(r) && r[t.i].Idx >= 0 {
		if t.c < r[t.i].Count {
			t.c++
			return r[t.i], true
		}
		t.i, t.c = t.i+1, 0
	}
	return hwsim.TxRate{}, false
}

// cut ends tries at the current try: the chain as used when it got through.
func (t *tryCursor) cut(tries *[hwsim.MaxTxRates]hwsim.TxRate) { cutChain(tries, t.i, t.c) }

// tsfStep separates the clocks of two radios. hwsim gives every radio the
// same TSF, so two IBSS cells started at once never merge: mac80211 merges
// only into a cell whose beacon timestamp is later than its own clock. With
// radio k's clock k steps ahead, the cell of the radio created last wins,
// as a card with a faster clock would. A second is far beyond any delivery
// delay here.
const tsfStep = 1_000_000 // µs

func tsfOffset(r *radio) uint64 { return uint64(r.ID) * tsfStep }

// ibssBeaconLocked recognises IBSS beacons and probe responses, whose
// timestamps the per-radio clocks apply to, and returns their timestamp.
// It also warns, once per radio, about an IBSS whose BSSID is the
// transmitter's own address: mac80211 on every other node drops all frames
// whose transmitter equals the BSSID, so such a node is never heard.
func (m *Medium) ibssBeaconLocked(tx *radio, h *mac.Header, frame []byte) (uint64, bool) {
	if !h.IsBeacon() && !h.IsProbeResp() {
		return 0, false
	}
	capab, ok := mac.Capability(frame)
	if !ok || !capab.IBSS() {
		return 0, false
	}
	if h.IsBeacon() && h.Addr2 == h.Addr3 && !tx.warnedBSSID {
		tx.warnedBSSID = true
		m.log.Warn("IBSS BSSID equals the address of the radio that joined it: the other nodes will drop everything it sends (mac80211 ignores frames whose transmitter is the BSSID); join with a BSSID that no interface uses, e.g. 02:11:22:33:44:55",
			"radio", tx.displayName(), "bssid", h.Addr3)
	}
	ts, ok := mac.Timestamp(frame)
	return ts, ok
}

func (m *Medium) statusLocked(conn hwsim.Conn, tx *radio, st *hwsim.TxStatus) error {
	if err := conn.Status(st); err != nil {
		return fmt.Errorf("report TX status to %s: %w", tx.Name, err)
	}
	return nil
}

// firstRateOnly reports success at the first try of the first rate.
func firstRateOnly(r *[hwsim.MaxTxRates]hwsim.TxRate) {
	r[0].Idx = firstRate(r).Idx
	cutChain(r, 0, 1)
}

// cutChain ends a retry chain at its entry i, tried count times.
func cutChain(r *[hwsim.MaxTxRates]hwsim.TxRate, i int, count uint8) {
	r[i].Count = count
	for j := i + 1; j < len(r); j++ {
		r[j] = hwsim.TxRate{Idx: -1}
	}
}

// failRates reports that every try of the chain was used, as hardware does
// when no ack ever came.
func failRates(r *[hwsim.MaxTxRates]hwsim.TxRate) {
	if r[0].Idx < 0 {
		r[0] = hwsim.TxRate{Idx: 0, Count: 1}
	}
}

// ErrUnknownRadio is returned for a name no radio has.
var ErrUnknownRadio = errors.New("no such radio")

// findLocked finds a radio by interface name, wiphy name or address.
func (m *Medium) findLocked(name string) (*radio, error) {
	for _, r := range m.radios {
		if r != nil && (r.Iface == name || r.Name == name) {
			return r, nil
		}
	}
	if a, err := mac.ParseAddr(name); err == nil {
		if r := m.byAddr[a]; r != nil {
			return r, nil
		}
	}
	return nil, fmt.Errorf("%q: %w", name, ErrUnknownRadio)
}
