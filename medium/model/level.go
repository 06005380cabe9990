package model

import "github.com/hwsim-medium/hwsim-medium/medium"

// Level is what a receiver hears of a transmitter now, by the model
// alone: propagation or the link's fixed SNR, without fading and without
// the medium's own blocks and denylist.
type Level struct {
	// SNR in dB and Signal in dBm (noise floor + SNR).
	SNR, Signal float64
	// Heard says the signal reaches the sensitivity and the link is not
	// blocked.
	Heard bool
	// Blocked says a link override blocks the direction.
	Blocked bool
	// FixedSNR says a link override fixes the SNR.
	FixedSNR bool
	// Loss is the link's fixed loss probability per try, or the model's
	// default loss; HasLoss says there is one (else the error rate
	// follows the SNR and the rate).
	Loss    float64
	HasLoss bool
}

// Level returns what rx hears of tx on freq (MHz; 0 means DefaultFreq)
// now. ok is false if the model knows either radio by none of its names
// or its address. It reads the current snapshot and may be called from
// any goroutine; it is not for the per-frame path (it looks the radios
// up by name).
func (m *Model) Level(tx, rx medium.Peer, freq uint32) (l Level, ok bool) {
	s := m.state.Load()
	i, j := s.lookupPeer(&tx), s.lookupPeer(&rx)
	if i < 0 || j < 0 || i == j {
		return Level{}, false
	}
	snr, blocked := m.linkSNR(s, i, j, freq, m.now(), false)
	l = Level{SNR: snr, Signal: s.p.noise + snr, Blocked: blocked}
	if blocked {
		l.SNR, l.Signal = 0, 0
	}
	l.Heard = !blocked && l.Signal >= s.p.sens
	if s.p.defaultLoss >= 0 {
		l.Loss, l.HasLoss = s.p.defaultLoss, true
	}
	if o, found := s.links[linkKey{i, j}]; found {
		l.FixedSNR = o.hasSNR
		if o.hasLoss {
			l.Loss, l.HasLoss = o.loss, true
		}
	}
	return l, true
}
