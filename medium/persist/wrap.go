package persist

import (
	"github.com/hwsim-medium/hwsim-medium/medium"
	"github.com/hwsim-medium/hwsim-medium/medium/control"
	"github.com/hwsim-medium/hwsim-medium/medium/model"
)

// Medium returns m with every change saved to the state file.
func (s *Store) Medium(m control.Medium) control.Medium { return &savingMedium{Medium: m, s: s} }

// Model returns mdl with every change recorded and saved to the state
// file.
func (s *Store) Model(mdl control.Model) control.Model { return &savingModel{Model: mdl, s: s} }

// savingMedium saves after each change of the denylist or the blocks.
type savingMedium struct {
	control.Medium
	s *Store
}

func (m *savingMedium) Deny(rules ...medium.DenyRule) error {
	if err := m.Medium.Deny(rules...); err != nil {
		return err
	}
	m.s.saved()
	return nil
}

func (m *savingMedium) SetDenylist(rules ...medium.DenyRule) error {
	if err := m.Medium.SetDenylist(rules...); err != nil {
		return err
	}
	m.s.saved()
	return nil
}

func (m *savingMedium) Allow(rules ...medium.DenyRule) {
	m.Medium.Allow(rules...)
	m.s.saved()
}

func (m *savingMedium) ClearDenylist() {
	m.Medium.ClearDenylist()
	m.s.saved()
}

func (m *savingMedium) Block(tx, rx string, blocked bool) error {
	if err := m.Medium.Block(tx, rx, blocked); err != nil {
		return err
	}
	m.s.saved()
	return nil
}

// savingModel records each live edit that the model accepted.
type savingModel struct {
	control.Model
	s *Store
}

func (m *savingModel) Move(radio string, x, y, z float64) error {
	if err := m.Model.Move(radio, x, y, z); err != nil {
		return err
	}
	m.s.record(Edit{Op: OpMove, Radio: radio, Pos: &[3]float64{x, y, z}})
	return nil
}

func (m *savingModel) SetMobility(radio string, mob model.Mobility) error {
	if err := m.Model.SetMobility(radio, mob); err != nil {
		return err
	}
	m.s.record(Edit{Op: OpMobility, Radio: radio, Mobility: &mob})
	return nil
}

func (m *savingModel) SetTxPower(radio string, dBm float64) error {
	if err := m.Model.SetTxPower(radio, dBm); err != nil {
		return err
	}
	m.s.record(Edit{Op: OpTxPower, Radio: radio, DBm: &dBm})
	return nil
}

func (m *savingModel) SetLinkSNR(tx, rx string, snr float64) error {
	if err := m.Model.SetLinkSNR(tx, rx, snr); err != nil {
		return err
	}
	m.s.record(Edit{Op: OpLinkSNR, TX: tx, RX: rx, Value: &snr})
	return nil
}

func (m *savingModel) SetLinkLoss(tx, rx string, p float64) error {
	if err := m.Model.SetLinkLoss(tx, rx, p); err != nil {
		return err
	}
	m.s.record(Edit{Op: OpLinkLoss, TX: tx, RX: rx, Value: &p})
	return nil
}

func (m *savingModel) ClearLink(tx, rx string) error {
	if err := m.Model.ClearLink(tx, rx); err != nil {
		return err
	}
	m.s.record(Edit{Op: OpLinkClr, TX: tx, RX: rx})
	return nil
}
