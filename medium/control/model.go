package control

import (
	"encoding/json"
	"fmt"

	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
	"github.com/hwsim-medium/hwsim-medium/medium/model"
)

// Model is what the control API needs of the link model; *model.Model has
// it. Every method must be safe to call concurrently with the medium.
type Model interface {
	Move(radio string, x, y, z float64) error
	SetMobility(radio string, mob model.Mobility) error
	SetTxPower(radio string, dBm float64) error
	SetLinkSNR(tx, rx string, snr float64) error
	SetLinkLoss(tx, rx string, p float64) error
	ClearLink(tx, rx string) error
	Snapshot() model.Config
}

var _ Model = (*model.Model)(nil)

// isModelCmd says whether cmd needs the link model.
func isModelCmd(cmd string) bool {
	switch cmd {
	case api.CmdRadioMove, api.CmdRadioTxPower, api.CmdRadioMobility, api.CmdLinkSet, api.CmdLinkClear, api.CmdModelGet:
		return true
	}
	return false
}

// execModel carries out a link-model command. Numbers need no finiteness
// check: JSON has no NaN or infinity, and the decoder refuses numbers
// beyond float64 (1e999) instead of rounding them to infinity.
func (s *Server) execModel(cmd string, args json.RawMessage) (any, error) {
	if s.Model == nil {
		return nil, errNoModel
	}
	m := s.Model
	switch cmd {
	case api.CmdModelGet:
		var none struct{}
		if err := decodeArgs(cmd, args, &none); err != nil {
			return nil, err
		}
		return wireModel(m.Snapshot()), nil
	case api.CmdRadioMove:
		return modelCall(cmd, args, func(a *api.MoveArgs) error { return needRadio(cmd, a.Radio) },
			func(a *api.MoveArgs) error { return m.Move(a.Radio, a.X, a.Y, a.Z) })
	case api.CmdRadioTxPower:
		return modelCall(cmd, args, func(a *api.TxPowerArgs) error { return needRadio(cmd, a.Radio) },
			func(a *api.TxPowerArgs) error { return m.SetTxPower(a.Radio, a.DBm) })
	case api.CmdRadioMobility:
		return modelCall(cmd, args, func(a *api.MobilityArgs) error { return checkMobility(cmd, a) },
			func(a *api.MobilityArgs) error {
				var mob model.Mobility // stop: the zero value keeps the radio still
				copy(mob.Velocity[:], a.Velocity)
				return m.SetMobility(a.Radio, mob)
			})
	case api.CmdLinkSet:
		return modelCall(cmd, args, func(a *api.LinkSetArgs) error { return checkLinkSet(cmd, a) },
			func(a *api.LinkSetArgs) error { return eachDirection(a.TX, a.RX, a.Both, setLink(m, a)) })
	case api.CmdLinkClear:
		return modelCall(cmd, args, func(a *api.LinkArgs) error { return checkLink(cmd, a.TX, a.RX) },
			func(a *api.LinkArgs) error { return eachDirection(a.TX, a.RX, a.Both, m.ClearLink) })
	}
	return nil, fmt.Errorf("%w %q", errUnknownCommand, cmd)
}

// modelCall decodes the arguments of cmd into an A, checks them, carries
// the command out and echoes them as its result.
func modelCall[A any](cmd string, args json.RawMessage, check, do func(*A) error) (any, error) {
	var a A
	if err := decodeArgs(cmd, args, &a); err != nil {
		return nil, err
	}
	if err := check(&a); err != nil {
		return nil, err
	}
	if err := do(&a); err != nil {
		// The model refuses only arguments: a name no radio has (an
		// unknown radio, which codeOf tells first), a number that is
		// not one, a link from a radio to itself.
		return nil, ofKind(fmt.Errorf("%s: %w", cmd, err), errBadArgs)
	}
	return a, nil
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
