package model

import (
	"fmt"

	"github.com/hwsim-medium/hwsim-medium/medium"
)

// update applies f to a copy of the snapshot and publishes it.
func (m *Model) update(f func(s *state) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	ns := m.state.Load().clone()
	if err := f(ns); err != nil {
		return err
	}
	m.state.Store(ns)
	return nil
}

func (s *state) mustFind(name string) (int32, error) {
	if i := s.find(name); i >= 0 {
		return i, nil
	}
	return -1, fmt.Errorf("model: %q: %w", name, medium.ErrUnknownRadio)
}

// Move places radio name at (x, y, z), metres. Its mobility, if any,
// continues from there. A name no radio has adds a radio by that name (or
// address), so radios can be placed before they exist.
func (m *Model) Move(name string, x, y, z float64) error {
	if !finite(x) || !finite(y) || !finite(z) {
		return fmt.Errorf("model: move %s: position (%v, %v, %v) is not a point", name, x, y, z)
	}
	now := m.now()
	return m.update(func(s *state) error {
		i := s.find(name)
		if i < 0 {
			if s.live >= maxLiveRadios {
				return fmt.Errorf("model: move %s: %w: %d radios are placed before they exist already", name, ErrTooManyRadios, maxLiveRadios)
			}
			if i = s.findOrAdd(name, now); i < 0 {
				return fmt.Errorf("model: move: empty radio name")
			}
			s.radios[i].live = true
			s.live++
		}
		e := &s.radios[i]
		e.node.X, e.node.Y, e.node.Z = x, y, z
		e.placed, e.edited = true, true
		e.t0 = now
		m.epoch++
		e.epoch = m.epoch
		return nil
	})
}

// SetMobility replaces the mobility of radio name, starting now from where
// it is.
func (m *Model) SetMobility(name string, mob Mobility) error {
	r := Radio{Name: name, Mobility: mob}
	if err := checkRadio(&r); err != nil {
		return err
	}
	now := m.now()
	return m.update(func(s *state) error {
		i, err := s.mustFind(name)
		if err != nil {
			return err
		}
		pos := m.position(s, i, now, false)
		e := &s.radios[i]
		e.node.X, e.node.Y, e.node.Z = pos[0], pos[1], pos[2]
		e.mob, e.edited = mob, true
		if mob.Waypoint != nil {
			w := *mob.Waypoint
			e.mob.Waypoint = &w
		}
		e.t0 = now
		m.epoch++
		e.epoch = m.epoch
		return nil
	})
}

// SetTxPower sets the transmit power of radio name, in dBm.
func (m *Model) SetTxPower(name string, dBm float64) error {
	if !finite(dBm) {
		return fmt.Errorf("model: tx power %v is not a number", dBm)
	}
	return m.update(func(s *state) error {
		i, err := s.mustFind(name)
		if err != nil {
			return err
		}
		s.radios[i].node.TxPower, s.radios[i].edited = dBm, true
		return nil
	})
}

func (m *Model) setLink(tx, rx string, f func(o *override)) error {
	return m.update(func(s *state) error {
		i, err := s.mustFind(tx)
		if err != nil {
			return err
		}
		j, err := s.mustFind(rx)
		if err != nil {
			return err
		}
		if i == j {
			return fmt.Errorf("model: link from %s to itself", tx)
		}
		o := s.links[linkKey{i, j}]
		f(&o)
		if o == (override{}) {
			delete(s.links, linkKey{i, j})
		} else {
			s.links[linkKey{i, j}] = o
		}
		return nil
	})
}

// SetLinkSNR fixes the SNR, in dB, of frames tx sends to rx (one
// direction).
func (m *Model) SetLinkSNR(tx, rx string, snr float64) error {
	if !finite(snr) {
		return fmt.Errorf("model: snr %v is not a number", snr)
	}
	return m.setLink(tx, rx, func(o *override) { o.hasSNR, o.snr = true, snr })
}

// SetLinkLoss fixes the probability that one try of a frame tx sends to rx
// is lost (one direction).
func (m *Model) SetLinkLoss(tx, rx string, p float64) error {
	if !(p >= 0 && p <= 1) {
		return fmt.Errorf("model: loss %v is not a probability", p)
	}
	return m.setLink(tx, rx, func(o *override) { o.hasLoss, o.loss = true, p })
}

// ClearLink removes every override of the direction tx → rx.
func (m *Model) ClearLink(tx, rx string) error {
	return m.setLink(tx, rx, func(o *override) { *o = override{} })
}
