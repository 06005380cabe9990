package watch

import (
	"encoding/json"
	"slices"

	"github.com/hwsim-medium/hwsim-medium/mac"
	"github.com/hwsim-medium/hwsim-medium/medium"
	"github.com/hwsim-medium/hwsim-medium/medium/control"
	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
	"github.com/hwsim-medium/hwsim-medium/medium/model"
)

// maxAllPairs is the most radios for which the page gets every ordered
// pair as a link. Beyond it (n² pairs each interval) it gets only the
// links that carried or withheld something, or have an override.
const maxAllPairs = 32

// view is the state the page draws, sent as JSON every interval. The
// counters are totals: the page derives rates from two states.
type view struct {
	// Uptime is the medium's uptime in seconds: the page's clock.
	Uptime float64 `json:"uptime"`
	// ReadOnly says the page may not change anything.
	ReadOnly bool `json:"read_only"`
	// Model names the link model's propagation ("" without a model,
	// when radios cannot be placed).
	Model string `json:"model"`
	// Frames, Malformed, SendErrors and Collisions are the medium's
	// counters.
	Frames     uint64 `json:"frames"`
	Malformed  uint64 `json:"malformed"`
	SendErrors uint64 `json:"send_errors"`
	Collisions uint64 `json:"collisions"`
	// Radios are every radio, ordered by ID.
	Radios []radioView `json:"radios"`
	// Links are the ordered pairs of radios (see maxAllPairs).
	Links []linkView `json:"links"`
}

// radioView is one radio on the page.
type radioView struct {
	ID int `json:"id"`
	// Name is what commands call the radio: its interface, else its
	// wiphy name.
	Name  string `json:"name"`
	Wiphy string `json:"wiphy"`
	// Member is the member of a federated air that serves the radio;
	// empty for the medium's own.
	Member  string `json:"member,omitempty"`
	Iface   string `json:"iface,omitempty"`
	HWAddr  string `json:"hwaddr"`
	Freq    uint32 `json:"freq"`
	Channel int    `json:"channel"`
	// Role and BSSID are what the radio's frames say it does.
	Role  string `json:"role,omitempty"`
	BSSID string `json:"bssid,omitempty"`
	// Placed says the model has a position for it: X, Y, Z in metres.
	Placed  bool    `json:"placed"`
	X       float64 `json:"x"`
	Y       float64 `json:"y"`
	Z       float64 `json:"z"`
	TxPower float64 `json:"tx_power,omitzero"`
	Moving  bool    `json:"moving,omitempty"`
	// Stats are the radio's counters.
	Stats api.RadioStats `json:"stats"`
}

// linkView is one direction of a link.
type linkView struct {
	TX string `json:"tx"`
	RX string `json:"rx"`
	// Frames and Bytes count deliveries; Lost and Withheld the frames
	// the model lost and the blocks or the denylist withheld.
	Frames   uint64 `json:"frames"`
	Bytes    uint64 `json:"bytes"`
	Lost     uint64 `json:"lost"`
	Withheld uint64 `json:"withheld"`
	// Signal (dBm) and SNR (dB) by the model now; Heard says a frame
	// would be heard.
	Signal float64 `json:"signal"`
	SNR    float64 `json:"snr"`
	Heard  bool    `json:"heard"`
	// Blocked says the direction is blocked: by link.block
	// (LinkBlocked, undone by link.unblock) or by the model
	// (ModelBlocked, an override of its configuration, undone by
	// link.clear).
	Blocked      bool `json:"blocked"`
	LinkBlocked  bool `json:"link_blocked,omitempty"`
	ModelBlocked bool `json:"model_blocked,omitempty"`
	// Loss is the fixed loss per try, if any; FixedSNR says an
	// override fixes the SNR.
	Loss     *float64 `json:"loss,omitempty"`
	FixedSNR bool     `json:"fixed_snr,omitempty"`
}

// snapshot builds the view of the medium now.
func (s *Server) snapshot() view {
	st := s.cfg.Medium.Status()
	radios := s.cfg.Medium.Radios()
	mc, hasModel := s.modelConfig()
	v := view{
		Uptime: st.Uptime.Seconds(), ReadOnly: s.cfg.ReadOnly,
		Frames: st.Stats.Frames, Malformed: st.Stats.Malformed, SendErrors: st.Stats.SendErrors, Collisions: st.Stats.Collisions,
		Radios: make([]radioView, 0, len(radios)), Links: []linkView{},
	}
	if hasModel {
		v.Model = mc.Propagation.Model
		if v.Model == "" {
			v.Model = api.PropNone
		}
	}
	for _, r := range radios {
		rv := radioView{
			ID: int(r.ID), Name: displayName(r), Wiphy: r.Name, Member: r.Member, Iface: r.Iface, HWAddr: r.HWAddr.String(),
			Freq: r.Freq, Channel: channel(r.Freq), Role: r.Role.String(),
			Stats: api.RadioStats{TxFrames: r.Stats.TxFrames, TxBytes: r.Stats.TxBytes, RxFrames: r.Stats.RxFrames, RxBytes: r.Stats.RxBytes, Acked: r.Stats.Acked, NotAcked: r.Stats.NotAcked},
		}
		if r.BSSID != (mac.Addr{}) {
			rv.BSSID = r.BSSID.String()
		}
		if mr, ok := findModelRadio(mc.Radios, r); ok {
			rv.Placed, rv.X, rv.Y, rv.Z, rv.TxPower = mr.Placed, mr.X, mr.Y, mr.Z, mr.TxPower
			rv.Moving = mr.Mobility.Velocity != [3]float64{} || mr.Mobility.Waypoint != nil
		}
		v.Radios = append(v.Radios, rv)
	}
	v.Links = s.links(radios)
	return v
}

// links returns the view's links between radios.
func (s *Server) links(radios []medium.RadioInfo) []linkView {
	blocked := map[[2]string]bool{}
	for _, b := range s.cfg.Medium.Blocks() {
		blocked[[2]string{b.TX, b.RX}] = true
	}
	out := []linkView{}
	for _, tx := range radios {
		counted := map[string]medium.LinkStats{}
		for _, l := range tx.Links {
			counted[l.To] = l.LinkStats
		}
		for _, rx := range radios {
			if rx.ID == tx.ID {
				continue
			}
			c, hasCounts := counted[displayName(rx)]
			b := blocked[[2]string{displayName(tx), displayName(rx)}]
			l := linkView{TX: displayName(tx), RX: displayName(rx), Frames: c.Frames, Bytes: c.Bytes, Lost: c.Lost, Withheld: c.Blocked,
				Blocked: b, LinkBlocked: b}
			s.level(&l, tx, rx)
			if len(radios) > maxAllPairs && !hasCounts && !l.Blocked && l.Loss == nil && !l.FixedSNR {
				continue
			}
			out = append(out, l)
		}
	}
	return out
}

// level fills in what rx hears of tx: by the model, or the medium's
// fixed signal without one.
func (s *Server) level(l *linkView, tx, rx medium.RadioInfo) {
	if s.cfg.Levels == nil {
		l.Signal, l.SNR, l.Heard = medium.DefaultSignal, medium.DefaultSignal-model.DefaultNoiseFloor, !l.Blocked
		return
	}
	lv, ok := s.cfg.Levels.Level(peerOf(tx), peerOf(rx), tx.Freq)
	if !ok {
		return
	}
	l.Signal, l.SNR, l.FixedSNR, l.ModelBlocked = lv.Signal, lv.SNR, lv.FixedSNR, lv.Blocked
	l.Heard = lv.Heard && !l.Blocked
	l.Blocked = l.Blocked || lv.Blocked
	if lv.HasLoss {
		p := lv.Loss
		l.Loss = &p
	}
}

// modelConfig returns the model's snapshot through the control API
// (model.get), and false without a model (no Levels: asking would only
// fill a debug log with no_model twice a second).
func (s *Server) modelConfig() (api.ModelConfig, bool) {
	var mc api.ModelConfig
	if s.cfg.Levels == nil {
		return mc, false
	}
	resp := s.cfg.Control.Exec([]byte(`{"v":1,"cmd":"model.get"}`), control.ReadOnly)
	if !resp.OK {
		if resp.Code != api.CodeNoModel {
			s.log.Warn("reading the link model failed", "code", resp.Code, "err", resp.Error)
		}
		return mc, false
	}
	if err := json.Unmarshal(resp.Result, &mc); err != nil {
		s.log.Warn("decoding the link model failed", "err", err)
		return mc, false
	}
	return mc, true
}

// findModelRadio finds the model's radio r is: by a configured or
// learned name, or by its address.
func findModelRadio(radios []api.ModelRadio, r medium.RadioInfo) (api.ModelRadio, bool) {
	names := []string{r.Iface, r.Name}
	for _, mr := range radios {
		for _, n := range names {
			if n != "" && (mr.Name == n || slices.Contains(mr.Aliases, n)) {
				return mr, true
			}
		}
	}
	for _, mr := range radios {
		if a, err := mac.ParseAddr(mr.Addr); err == nil && a == r.HWAddr {
			return mr, true
		}
	}
	return api.ModelRadio{}, false
}

// displayName is what commands call a radio: its interface, else its
// wiphy name (the medium's own choice for links).
func displayName(r medium.RadioInfo) string {
	if r.Iface != "" {
		return r.Iface
	}
	return r.Name
}

func peerOf(r medium.RadioInfo) medium.Peer {
	return medium.Peer{ID: r.ID, HW: r.HWAddr, Name: r.Name, Iface: r.Iface}
}

// channel returns the IEEE channel number of a frequency in MHz (0 if
// none).
func channel(freq uint32) int {
	f := int(freq)
	switch {
	case f == 2484:
		return 14
	case f >= 2412 && f < 2484:
		return (f - 2407) / 5
	case f >= 5955 && f <= 7115:
		return (f - 5950) / 5
	case f >= 5000 && f < 5955:
		return (f - 5000) / 5
	}
	return 0
}
