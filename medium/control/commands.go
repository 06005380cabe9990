package control

import (
	"encoding/json"
	"fmt"

	"github.com/hwsim-medium/hwsim-medium/medium"
	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
)

// command is one entry of the command table: everything the server knows
// about a command.
type command struct {
	// name is the request's "cmd".
	name string
	// readOnly says the command only reads state; the server logs the
	// commands that change it.
	readOnly bool
	// needsModel says the command works on the link model: without one
	// it fails with no_model, before its arguments are looked at.
	needsModel bool
	// run carries the command out; args are still encoded. It returns
	// the result, which is encoded as the response's "result".
	run handler
	// stream, instead of run, carries out a command whose response is
	// followed by a stream on the connection (capture).
	stream streamer
}

// handler carries out command cmd with arguments args.
type handler func(s *Server, cmd string, args json.RawMessage) (any, error)

// commandTable returns every command, in the order error messages name
// them. docs/control-api.md documents each (a test checks it).
func commandTable() []command {
	return []command{
		{name: api.CmdStatus, readOnly: true, run: noArgs((*Server).status)},
		{name: api.CmdRadios, readOnly: true, run: withArgs(checkRadios, (*Server).radios)},
		{name: api.CmdDenyAdd, run: withArgs(checkDeny(false), (*Server).denyAdd)},
		{name: api.CmdDenyRemove, run: withArgs(checkDeny(false), (*Server).denyRemove)},
		{name: api.CmdDenySet, run: withArgs(checkDeny(true), (*Server).denySet)},
		{name: api.CmdDenyList, readOnly: true, run: noArgs((*Server).denylist)},
		{name: api.CmdDenyClear, run: noArgs((*Server).denyClear)},
		{name: api.CmdLinkBlock, run: withArgs(checkBlock, blocker(true))},
		{name: api.CmdLinkUnblock, run: withArgs(checkBlock, blocker(false))},
		{name: api.CmdRadioMove, needsModel: true, run: modelCall(checkMove, move)},
		{name: api.CmdRadioTxPower, needsModel: true, run: modelCall(checkTxPower, setTxPower)},
		{name: api.CmdRadioMobility, needsModel: true, run: modelCall(checkMobility, setMobility)},
		{name: api.CmdLinkSet, needsModel: true, run: modelCall(checkLinkSet, setLinks)},
		{name: api.CmdLinkClear, needsModel: true, run: modelCall(checkLinkClear, clearLinks)},
		{name: api.CmdModelGet, readOnly: true, needsModel: true, run: noArgs((*Server).modelGet)},
		{name: api.CmdCapture, readOnly: true, stream: captureCmd},
	}
}

// noArgs makes a handler of f for a command that takes no arguments.
func noArgs(f func(s *Server) any) handler {
	return func(s *Server, cmd string, args json.RawMessage) (any, error) {
		var none struct{}
		if err := decodeArgs(cmd, args, &none); err != nil {
			return nil, err
		}
		return f(s), nil
	}
}

// withArgs makes a handler that decodes the arguments into an A, checks
// them, and carries the command out with do.
func withArgs[A any](check func(cmd string, a *A) error, do func(s *Server, cmd string, a *A) (any, error)) handler {
	return func(s *Server, cmd string, args json.RawMessage) (any, error) {
		var a A
		if err := decodeArgs(cmd, args, &a); err != nil {
			return nil, err
		}
		if err := check(cmd, &a); err != nil {
			return nil, err
		}
		return do(s, cmd, &a)
	}
}

func (s *Server) status() any {
	st := wireStatus(s.Medium.Status())
	if s.Capture != nil {
		cs := s.Capture.Stats()
		st.Capture = &api.CaptureStats{Running: cs.Captures, Written: cs.Written, Dropped: cs.Dropped}
	}
	st.Process = processStats()
	return st
}

func checkRadios(cmd string, a *api.RadiosArgs) error {
	switch {
	case a.From < 0:
		return badArgs(cmd, `"from" %d is not a radio ID`, a.From)
	case a.Limit < 0:
		return badArgs(cmd, `"limit" %d is negative`, a.Limit)
	}
	return nil
}

// radios lists one page of radios: bounded in radios and links, so that
// the response stays small however many radios there are.
func (s *Server) radios(_ string, a *api.RadiosArgs) (any, error) {
	limit := a.Limit
	if limit == 0 || limit > api.MaxRadiosPage {
		limit = api.MaxRadiosPage
	}
	radios, next := s.Medium.RadiosPage(medium.RadioID(a.From), limit, api.MaxLinksPage)
	return api.RadiosResult{Radios: wireRadios(radios), Next: int(next)}, nil
}

func (s *Server) denylist() any {
	return api.DenylistResult{Rules: wireRules(s.Medium.Denylist())}
}

func (s *Server) denyClear() any {
	s.Medium.ClearDenylist()
	return s.denylist()
}

// checkDeny returns the check of the arguments of deny.add and
// deny.remove (at least one rule) or, if set, of deny.set (rules given,
// maybe none).
func checkDeny(set bool) func(cmd string, a *api.DenyArgs) error {
	return func(cmd string, a *api.DenyArgs) error {
		if a.Rules == nil && set {
			return badArgs(cmd, `missing "rules" (give [] to empty the denylist)`)
		}
		if len(a.Rules) == 0 && !set {
			return badArgs(cmd, `"rules" needs at least one {"dst":..., "src":...} pair`)
		}
		for i, r := range a.Rules {
			if r.Dst == "" {
				return badArgs(cmd, `rules[%d]: missing "dst"`, i)
			}
			if r.Src == "" {
				return badArgs(cmd, `rules[%d]: missing "src"`, i)
			}
		}
		return nil
	}
}

func (s *Server) denyAdd(_ string, a *api.DenyArgs) (any, error) {
	if err := s.Medium.Deny(mediumRules(a.Rules)...); err != nil {
		return nil, err // says "deny: ..." and names the radio
	}
	return s.denylist(), nil
}

func (s *Server) denyRemove(_ string, a *api.DenyArgs) (any, error) {
	s.Medium.Allow(mediumRules(a.Rules)...)
	return s.denylist(), nil
}

func (s *Server) denySet(_ string, a *api.DenyArgs) (any, error) {
	if err := s.Medium.SetDenylist(mediumRules(a.Rules)...); err != nil {
		return nil, err // says "deny: ..." and names the radio
	}
	return s.denylist(), nil
}

func checkBlock(cmd string, a *api.LinkArgs) error {
	switch {
	case a.TX == "":
		return missing(cmd, "tx")
	case a.RX == "":
		return missing(cmd, "rx")
	}
	return nil
}

// blocker returns what link.block (blocked) or link.unblock does.
func blocker(blocked bool) func(s *Server, cmd string, a *api.LinkArgs) (any, error) {
	return func(s *Server, _ string, a *api.LinkArgs) (any, error) {
		if err := s.Medium.Block(a.TX, a.RX, blocked); err != nil {
			return nil, err // says "block: ..." and names the radio
		}
		if a.Both {
			// Both names resolved just above, so this fails only if a
			// radio vanished meanwhile.
			if err := s.Medium.Block(a.RX, a.TX, blocked); err != nil {
				return nil, fmt.Errorf("reverse direction: %w", err)
			}
		}
		return api.LinkResult{TX: a.TX, RX: a.RX, Both: a.Both, Blocked: blocked}, nil
	}
}

// lookupCommand returns the command named name.
func lookupCommand(name string) (command, bool) {
	for _, c := range commandTable() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// commandNames returns the names of every command, in table order.
func commandNames() []string {
	var names []string
	for _, c := range commandTable() {
		names = append(names, c.name)
	}
	return names
}
