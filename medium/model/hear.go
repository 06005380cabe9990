package model

import (
	"math"
	"slices"
	"time"

	"github.com/hwsim-medium/hwsim-medium/mac"
	"github.com/hwsim-medium/hwsim-medium/medium"
)

// resolve returns the radio index of p, from the per-peer cache when it is
// current. On a miss it learns p under the writers' mutex and returns the
// snapshot in force afterwards.
func (m *Model) resolve(s *state, p *medium.Peer) (int32, *state) {
	id := int(p.ID)
	if id >= 0 && id < len(m.hot.peers) {
		c := &m.hot.peers[id]
		if c.ok && c.gen == s.gen && c.hw == p.HW && c.name == p.Name && c.iface == p.Iface {
			return c.idx, s
		}
	}
	m.mu.Lock()
	idx := m.learnLocked(p)
	s = m.state.Load()
	m.mu.Unlock()
	if id >= 0 {
		for len(m.hot.peers) <= id {
			m.hot.peers = append(m.hot.peers, peerSlot{})
		}
		m.hot.peers[id] = peerSlot{ok: true, gen: s.gen, hw: p.HW, name: p.Name, iface: p.Iface, idx: idx}
	}
	return idx, s
}

// learnLocked finds or adds the radio of p and records p's names and
// address as its aliases, publishing a new snapshot if anything changed.
func (m *Model) learnLocked(p *medium.Peer) int32 {
	s := m.state.Load()
	idx := s.lookupPeer(p)
	var ns *state
	if idx < 0 {
		ns = s.clone()
		idx = ns.add(entry{addr: p.HW, hasAddr: true, node: Node{TxPower: DefaultTxPower}, t0: m.now(), learned: true})
	}
	for _, n := range [...]string{p.Iface, p.Name} {
		if n == "" {
			continue
		}
		if _, taken := s.byName[n]; taken {
			continue
		}
		if ns == nil {
			ns = s.clone()
		}
		if _, taken := ns.byName[n]; taken {
			continue
		}
		ns.byName[n] = idx
		e := &ns.radios[idx]
		e.aliases = append(slices.Clip(e.aliases), n)
		ns.gen++
	}
	if s.findAddr(p.HW) < 0 {
		if ns == nil {
			ns = s.clone()
		}
		if ns.findAddr(p.HW) < 0 {
			ns.byAddr[p.HW] = idx
			ns.gen++
		}
	}
	if ns != nil {
		m.state.Store(ns)
	}
	return idx
}

// Learn implements medium.Learner: it makes a radio known by its names
// before it transmits, so live changes can name it. The medium need not call it: the per-frame path
// learns every radio it meets.
func (m *Model) Learn(p medium.Peer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.learnLocked(&p)
}

// Hear implements medium.Model: the signal is the transmitter's power plus
// both antenna gains minus the path loss (or noise floor plus the link's
// fixed SNR), plus fading; the frame is heard at or above the sensitivity.
func (m *Model) Hear(tx, rx *medium.Peer, freq uint32) (int32, bool) {
	s := m.state.Load()
	i, s := m.resolve(s, tx)
	j, s := m.resolve(s, rx)
	snr, blocked := m.linkSNR(s, i, j, freq, m.now(), true)
	if blocked {
		return 0, false
	}
	if s.p.fading > 0 {
		snr += s.p.fading * m.hot.rng.NormFloat64()
	}
	sig := s.p.noise + snr
	return clampSignal(sig), sig >= s.p.sens
}

// clampSignal rounds a signal to whole dBm within what a radio could
// report.
func clampSignal(sig float64) int32 {
	switch {
	case !(sig > -200):
		return -200
	case sig > 100:
		return 100
	}
	return int32(math.Round(sig))
}

// PER implements medium.LossModel: a link's fixed loss if it has one, else
// the model's default loss if set, else the error rate of the chain
// entry's modulation and coding (legacy, HT or VHT) at SNR = signal −
// noise floor for n bytes.
func (m *Model) PER(tx, rx *medium.Peer, freq uint32, signal int32, rate mac.TxRate, n int) float64 {
	s := m.state.Load()
	i, s := m.resolve(s, tx)
	j, s := m.resolve(s, rx)
	if len(s.links) > 0 {
		if o, ok := s.links[linkKey{i, j}]; ok {
			if o.blocked {
				return 1
			}
			if o.hasLoss {
				return o.loss
			}
		}
	}
	if s.p.defaultLoss >= 0 {
		return s.p.defaultLoss
	}
	return PERForTxRate(freq, rate.Idx, rate.Flags, n, float64(signal)-s.p.noise)
}

// linkSNR is the SNR of i → j without fading, and whether the link is
// blocked. hot says the caller is the per-frame path and may use its
// caches.
func (m *Model) linkSNR(s *state, i, j int32, freq uint32, now time.Time, hot bool) (float64, bool) {
	if len(s.links) > 0 {
		if o, ok := s.links[linkKey{i, j}]; ok {
			if o.blocked {
				return 0, true
			}
			if o.hasSNR {
				return o.snr, false
			}
		}
	}
	a, b := &s.radios[i], &s.radios[j]
	if s.p.propKind == propNone || !a.placed || !b.placed {
		return s.p.defaultSNR, false
	}
	f := float64(freq)
	if f == 0 {
		f = DefaultFreq
	}
	d := distance(m.position(s, i, now, hot), m.position(s, j, now, hot))
	rx := a.node.TxPower + a.node.AntennaGain + b.node.AntennaGain - s.pathLoss(d, f, i, j)
	return rx - s.p.noise, false
}

// pathLoss applies the propagation model between radios i and j.
func (s *state) pathLoss(d, f float64, i, j int32) float64 {
	p := &s.p.prop
	pl0 := func() float64 {
		if p.RefLoss != nil {
			return *p.RefLoss
		}
		return FreeSpace(1, f)
	}
	var pl float64
	switch s.p.propKind {
	case propFree:
		pl = FreeSpace(d, f)
	case propLogDist:
		pl = LogDistance(d, pl0(), p.Exponent)
	case propITU:
		pl = ITUIndoor(d, f, p.PowerLossCoeff, p.Floors, p.FloorLoss)
	case propTwoRay:
		pl = TwoRayGround(d, f, p.AntennaHeight, p.AntennaHeight)
	case propShadow:
		lo, hi := min(i, j), max(i, j)
		pl = LogDistance(d, pl0(), p.Exponent) + p.Sigma*gauss(s.p.seed, uint64(lo), uint64(hi))
	}
	return pl + p.ExtraLoss
}

// position is where radio i is at now.
func (m *Model) position(s *state, i int32, now time.Time, hot bool) [3]float64 {
	e := &s.radios[i]
	if !e.mob.moving() {
		return e.node.pos()
	}
	el := now.Sub(e.t0)
	if w := e.mob.Waypoint; w != nil {
		var h *legHint
		var scratch legHint
		if hot {
			for int(i) >= len(m.hot.legs) {
				m.hot.legs = append(m.hot.legs, legHint{})
			}
			h = &m.hot.legs[i]
		} else {
			h = &scratch
		}
		if h.epoch != e.epoch {
			*h = legHint{epoch: e.epoch}
		}
		return w.walk(s.p.seed, uint64(i), e.epoch, e.node.pos(), el.Seconds(), &h.leg)
	}
	return constantVelocity(e.node.pos(), e.mob.Velocity, el, e.mob.Step)
}
