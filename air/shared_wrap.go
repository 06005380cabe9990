package air

import (
	"context"
	"encoding/json"
	"math"

	"github.com/hwsim-medium/hwsim-medium/medium"
	"github.com/hwsim-medium/hwsim-medium/medium/control"
	"github.com/hwsim-medium/hwsim-medium/medium/model"
	"github.com/hwsim-medium/hwsim-medium/medium/persist"
)

// Medium returns inner with every change of the denylist and the blocks
// that succeeds on inner written to the bucket, for the other members.
// Wrap the medium the control server uses with it (not the one Shared
// applies others' changes to, which would write them back).
func (s *Shared) Medium(inner control.Medium) control.Medium {
	return &sharedMedium{Medium: inner, s: s}
}

// Model returns inner with every live change that succeeds on inner
// written to the bucket.
func (s *Shared) Model(inner control.Model) control.Model {
	return &sharedModel{Model: inner, s: s}
}

// sharedMedium shares the changes of the denylist and the blocks.
type sharedMedium struct {
	control.Medium
	s *Shared
}

// canonical returns a function that maps a radio's name (interface,
// wiphy or address) to its wiphy name, so that the same rule given by
// different names has one key. The wiphy name, not the interface name the
// medium shows: wiphy names are unique in an air, interface names are
// not (every VM may have a vw0). A name maps to the radio the medium
// would take it for (the first, by ID, with that interface or wiphy
// name); names the medium does not know stay as they are.
func (m *sharedMedium) canonical() func(string) string {
	names := map[string]string{}
	first := func(name, wiphy string) {
		if _, ok := names[name]; !ok && name != "" {
			names[name] = wiphy
		}
	}
	// Without link counters: they grow with the square of the radios.
	radios, _ := m.Medium.RadiosPage(0, math.MaxInt, -1)
	for _, r := range radios {
		first(r.Iface, r.Name)
		first(r.Name, r.Name)
	}
	for _, r := range radios {
		first(r.HWAddr.String(), r.Name)
		for _, a := range r.Addrs {
			first(a.String(), r.Name)
		}
	}
	return func(n string) string {
		if c, ok := names[n]; ok {
			return c
		}
		return n
	}
}

func (m *sharedMedium) putDenyLocked(ctx context.Context, canon func(string) string, rules []medium.DenyRule) map[string]bool {
	keys := map[string]bool{}
	for _, r := range rules {
		v := denyValue{Dst: canon(r.Dst), Src: canon(r.Src)}
		k := denyKey(v.Dst, v.Src)
		if keys[k] {
			continue
		}
		keys[k] = true
		b, _ := json.Marshal(v) // two strings: cannot fail
		m.s.putLocked(ctx, k, b)
	}
	return keys
}

func (m *sharedMedium) Deny(rules ...medium.DenyRule) error {
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	ctx, cancel := writing()
	defer cancel()
	if err := m.Medium.Deny(rules...); err != nil {
		return err
	}
	m.putDenyLocked(ctx, m.canonical(), rules)
	return nil
}

func (m *sharedMedium) SetDenylist(rules ...medium.DenyRule) error {
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	ctx, cancel := writing()
	defer cancel()
	if err := m.Medium.SetDenylist(rules...); err != nil {
		return err
	}
	keep := m.putDenyLocked(ctx, m.canonical(), rules)
	for _, k := range m.s.keysLocked(ctx, kindDeny+".") {
		if !keep[k] {
			m.s.deleteLocked(ctx, k)
		}
	}
	return nil
}

func (m *sharedMedium) Allow(rules ...medium.DenyRule) {
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	ctx, cancel := writing()
	defer cancel()
	m.Medium.Allow(rules...)
	canon := m.canonical()
	done := map[string]bool{}
	for _, r := range rules {
		// The rule as given too: it may wait on another member for
		// radios this one knows by other names.
		for _, k := range []string{denyKey(canon(r.Dst), canon(r.Src)), denyKey(r.Dst, r.Src)} {
			if !done[k] {
				done[k] = true
				m.s.deleteLocked(ctx, k)
			}
		}
	}
}

func (m *sharedMedium) ClearDenylist() {
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	ctx, cancel := writing()
	defer cancel()
	m.Medium.ClearDenylist()
	for _, k := range m.s.keysLocked(ctx, kindDeny+".") {
		m.s.deleteLocked(ctx, k)
	}
}

func (m *sharedMedium) Block(tx, rx string, blocked bool) error {
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	ctx, cancel := writing()
	defer cancel()
	if err := m.Medium.Block(tx, rx, blocked); err != nil {
		return err
	}
	canon := m.canonical()
	v := blockValue{TX: canon(tx), RX: canon(rx)}
	k := blockKey(v.TX, v.RX)
	if !blocked {
		m.s.deleteLocked(ctx, k)
		return nil
	}
	b, _ := json.Marshal(v) // two strings: cannot fail
	m.s.putLocked(ctx, k, b)
	return nil
}

// sharedModel shares the live changes of the link model.
type sharedModel struct {
	control.Model
	s *Shared
}

// edit makes a change with do and, if it succeeds, shares e.
func (m *sharedModel) edit(e persist.Edit, do func() error) error {
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	ctx, cancel := writing()
	defer cancel()
	if err := do(); err != nil {
		return err
	}
	b, err := json.Marshal(&e)
	if err != nil {
		// A number JSON cannot hold (the model refuses those first).
		m.s.writeFailed.Add(1)
		m.s.log.Warn("air: could not share a change of the model", "op", e.Op, "err", err)
		return nil
	}
	m.s.putLocked(ctx, editKey(&e), b)
	return nil
}

func (m *sharedModel) Move(radio string, x, y, z float64) error {
	return m.edit(persist.Edit{Op: persist.OpMove, Radio: radio, Pos: &[3]float64{x, y, z}},
		func() error { return m.Model.Move(radio, x, y, z) })
}

func (m *sharedModel) SetMobility(radio string, mob model.Mobility) error {
	return m.edit(persist.Edit{Op: persist.OpMobility, Radio: radio, Mobility: &mob},
		func() error { return m.Model.SetMobility(radio, mob) })
}

func (m *sharedModel) SetTxPower(radio string, dBm float64) error {
	return m.edit(persist.Edit{Op: persist.OpTxPower, Radio: radio, DBm: &dBm},
		func() error { return m.Model.SetTxPower(radio, dBm) })
}

func (m *sharedModel) SetLinkSNR(tx, rx string, snr float64) error {
	return m.edit(persist.Edit{Op: persist.OpLinkSNR, TX: tx, RX: rx, Value: &snr},
		func() error { return m.Model.SetLinkSNR(tx, rx, snr) })
}

func (m *sharedModel) SetLinkLoss(tx, rx string, p float64) error {
	return m.edit(persist.Edit{Op: persist.OpLinkLoss, TX: tx, RX: rx, Value: &p},
		func() error { return m.Model.SetLinkLoss(tx, rx, p) })
}

func (m *sharedModel) ClearLink(tx, rx string) error {
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	ctx, cancel := writing()
	defer cancel()
	if err := m.Model.ClearLink(tx, rx); err != nil {
		return err
	}
	m.s.deleteLocked(ctx, editKey(&persist.Edit{Op: persist.OpLinkSNR, TX: tx, RX: rx}))
	m.s.deleteLocked(ctx, editKey(&persist.Edit{Op: persist.OpLinkLoss, TX: tx, RX: rx}))
	return nil
}
