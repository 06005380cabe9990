package control

import (
	"fmt"

	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
	"github.com/hwsim-medium/hwsim-medium/medium/model"
)

// Model is what the control API needs of the link model; *model.Model has
// it. Every method must be safe to call concurrently with the medium.
type Model interface {
	// Move places a radio, in metres (radio.move).
	Move(radio string, x, y, z float64) error
	// SetMobility sets a radio's motion (radio.mobility).
	SetMobility(radio string, mob model.Mobility) error
	// SetTxPower sets a radio's transmit power in dBm (radio.txpower).
	SetTxPower(radio string, dBm float64) error
	// SetLinkSNR fixes the SNR of frames from tx to rx (link.set).
	SetLinkSNR(tx, rx string, snr float64) error
	// SetLinkLoss fixes the loss probability of frames from tx to rx
	// (link.set).
	SetLinkLoss(tx, rx string, p float64) error
	// ClearLink removes the overrides of tx to rx (link.clear).
	ClearLink(tx, rx string) error
	// Snapshot returns the model as it is now (model.get).
	Snapshot() model.Config
}

var _ Model = (*model.Model)(nil)

// The link-model commands. Numbers need no finiteness check: JSON has no
// NaN or infinity, and the decoder refuses numbers beyond float64 (1e999)
// instead of rounding them to infinity.

// modelCall makes the handler of a link-model command: it decodes the
// arguments into an A, checks them, carries the command out on the model
// with do, and echoes them as its result. The command table makes sure
// there is a model.
func modelCall[A any](check func(cmd string, a *A) error, do func(m Model, a *A) error) handler {
	return withArgs(check, func(s *Server, cmd string, a *A) (any, error) {
		if err := do(s.Model, a); err != nil {
			// The model refuses only arguments: a name no radio has (an
			// unknown radio, which codeOf tells first), a number that is
			// not one, a link from a radio to itself.
			return nil, ofKind(fmt.Errorf("%s: %w", cmd, err), errBadArgs)
		}
		return *a, nil
	})
}

func (s *Server) modelGet() any { return wireModel(s.Model.Snapshot()) }

func checkMove(cmd string, a *api.MoveArgs) error { return needRadio(cmd, a.Radio) }

func move(m Model, a *api.MoveArgs) error { return m.Move(a.Radio, a.X, a.Y, a.Z) }

func checkTxPower(cmd string, a *api.TxPowerArgs) error { return needRadio(cmd, a.Radio) }

func setTxPower(m Model, a *api.TxPowerArgs) error { return m.SetTxPower(a.Radio, a.DBm) }

func setMobility(m Model, a *api.MobilityArgs) error {
	var mob model.Mobility // stop: the zero value keeps the radio still
	copy(mob.Velocity[:], a.Velocity)
	return m.SetMobility(a.Radio, mob)
}

func setLinks(m Model, a *api.LinkSetArgs) error {
	return eachDirection(a.TX, a.RX, a.Both, setLink(m, a))
}

func checkLinkClear(cmd string, a *api.LinkArgs) error { return checkLink(cmd, a.TX, a.RX) }

func clearLinks(m Model, a *api.LinkArgs) error {
	return eachDirection(a.TX, a.RX, a.Both, m.ClearLink)
}

func needRadio(cmd, radio string) error {
	if radio == "" {
		return missing(cmd, "radio")
	}
	return nil
}

func checkMobility(cmd string, a *api.MobilityArgs) error {
	if err := needRadio(cmd, a.Radio); err != nil {
		return err
	}
	switch {
	case a.Stop && a.Velocity != nil:
		return badArgs(cmd, `give "velocity" or "stop", not both`)
	case a.Velocity != nil:
		if n := len(a.Velocity); n != 2 && n != 3 {
			return badArgs(cmd, `"velocity" is [vx, vy, vz] or [vx, vy] in m/s, got %d numbers`, n)
		}
	case !a.Stop:
		return badArgs(cmd, `give "velocity" [vx, vy, vz] in m/s, or "stop": true`)
	}
	return nil
}

func checkLinkSet(cmd string, a *api.LinkSetArgs) error {
	if err := checkLink(cmd, a.TX, a.RX); err != nil {
		return err
	}
	switch {
	case a.SNR == nil && a.Loss == nil:
		return badArgs(cmd, `give "snr" (dB), "loss" (a probability) or both`)
	case a.Loss != nil && !(*a.Loss >= 0 && *a.Loss <= 1):
		return badArgs(cmd, `"loss" %v is not a probability (0 to 1)`, *a.Loss)
	}
	return nil
}

// setLink returns what link.set with arguments a does to one direction of
// the link. Only the first call can fail (on a name): the model never
// forgets a radio, so a request is never left half done.
func setLink(m Model, a *api.LinkSetArgs) func(tx, rx string) error {
	return func(tx, rx string) error {
		if a.SNR != nil {
			if err := m.SetLinkSNR(tx, rx, *a.SNR); err != nil {
				return err
			}
		}
		if a.Loss != nil {
			return m.SetLinkLoss(tx, rx, *a.Loss)
		}
		return nil
	}
}

// eachDirection calls f for tx → rx and, if both, for rx → tx.
func eachDirection(tx, rx string, both bool, f func(tx, rx string) error) error {
	if err := f(tx, rx); err != nil {
		return err
	}
	if both {
		if err := f(rx, tx); err != nil {
			return fmt.Errorf("reverse direction: %w", err)
		}
	}
	return nil
}

// checkLink checks the two ends of a link command.
func checkLink(cmd, tx, rx string) error {
	switch {
	case tx == "":
		return missing(cmd, "tx")
	case rx == "":
		return missing(cmd, "rx")
	case tx == rx:
		return badArgs(cmd, `"tx" and "rx" are both %q; a link joins two radios`, tx)
	}
	return nil
}

func missing(cmd, field string) error {
	return badArgs(cmd, "missing %q", field)
}
