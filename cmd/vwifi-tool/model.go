package main

import (
	"context"
	"fmt"
	"slices"
	"text/tabwriter"

	"github.com/hwsim-medium/hwsim-medium/mac"
	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
)

// The link-model commands: move, txpower, velocity, link and model.

// move is the move command.
func (t *tool) move(ctx context.Context, args []string) error {
	if len(args) != 3 && len(args) != 4 {
		return usagef("move needs a radio and a position: vwifi-tool move RADIO X Y [Z]")
	}
	p, err := parsePoint("position", args[1:])
	if err != nil {
		return err
	}
	radio := args[0]
	if err := t.modelDo(ctx, func() error { return t.c.Move(ctx, radio, p[0], p[1], p[2]) }); err != nil {
		return fmt.Errorf("move %s: %w", radio, err)
	}
	t.warnIfAbsent(ctx, radio)
	if t.o.json {
		return t.printJSON(api.MoveArgs{Radio: radio, X: p[0], Y: p[1], Z: p[2]})
	}
	fmt.Fprintf(t.stdout, "moved %s to %s m\n", radio, vector(p))
	return nil
}

// warnIfAbsent notes on stderr that no radio of the medium answers to
// name: move places such a name for a radio still to come, which is what
// a typo does too.
func (t *tool) warnIfAbsent(ctx context.Context, name string) {
	radios, err := t.c.Radios(ctx)
	if err != nil {
		return // the move itself succeeded; this is only a hint
	}
	addr, addrErr := mac.ParseAddr(name)
	for _, r := range radios {
		if r.Iface == name || r.Name == name || (addrErr == nil && (r.HWAddr == addr || slices.Contains(r.Addrs, addr))) {
			return
		}
	}
	fmt.Fprintf(t.stderr, "vwifi-tool: note: no radio is named %s yet; the model places it when one appears (vwifi-tool radios lists them)\n", name)
}

// txPower is the txpower command.
func (t *tool) txPower(ctx context.Context, args []string) error {
	if len(args) != 2 {
		return usagef("txpower needs a radio and a power: vwifi-tool txpower RADIO DBM")
	}
	radio := args[0]
	dBm, err := parseNumber("power", args[1])
	if err != nil {
		return err
	}
	if err := t.modelDo(ctx, func() error { return t.c.SetTxPower(ctx, radio, dBm) }); err != nil {
		return fmt.Errorf("txpower %s: %w", radio, err)
	}
	if t.o.json {
		return t.printJSON(api.TxPowerArgs{Radio: radio, DBm: dBm})
	}
	fmt.Fprintf(t.stdout, "%s transmits at %s dBm\n", radio, num(dBm))
	return nil
}

// velocity is the velocity command.
func (t *tool) velocity(ctx context.Context, args []string) error {
	stop := len(args) == 2 && args[1] == "stop"
	if !stop && len(args) != 3 && len(args) != 4 {
		return usagef("velocity needs a radio and a velocity: vwifi-tool velocity RADIO VX VY [VZ], or vwifi-tool velocity RADIO stop")
	}
	radio := args[0]
	if stop {
		if err := t.modelDo(ctx, func() error { return t.c.Stop(ctx, radio) }); err != nil {
			return fmt.Errorf("velocity %s stop: %w", radio, err)
		}
		if t.o.json {
			return t.printJSON(api.MobilityArgs{Radio: radio, Stop: true})
		}
		fmt.Fprintf(t.stdout, "stopped %s\n", radio)
		return nil
	}
	v, err := parsePoint("velocity", args[1:])
	if err != nil {
		return err
	}
	if err := t.modelDo(ctx, func() error { return t.c.SetVelocity(ctx, radio, v) }); err != nil {
		return fmt.Errorf("velocity %s: %w", radio, err)
	}
	if t.o.json {
		return t.printJSON(api.MobilityArgs{Radio: radio, Velocity: v[:]})
	}
	fmt.Fprintf(t.stdout, "%s moves at %s m/s\n", radio, vector(v))
	return nil
}

// link is the link command: snr and loss overrides, or clear.
func (t *tool) link(ctx context.Context, args []string) error {
	if len(args) < 3 {
		return usagef("link needs TX, RX and what to do: %s", linkUsage)
	}
	a := api.LinkSetArgs{TX: args[0], RX: args[1], Both: t.o.both}
	clear := len(args) == 3 && args[2] == "clear"
	if !clear {
		if err := parseLinkSet(&a, args[2:]); err != nil {
			return err
		}
	}
	arrow := "->"
	if a.Both {
		arrow = "<->"
	}
	if clear {
		if err := t.modelDo(ctx, func() error { return t.c.ClearLink(ctx, a.TX, a.RX, a.Both) }); err != nil {
			return fmt.Errorf("link %s %s clear: %w", a.TX, a.RX, err)
		}
		if t.o.json {
			return t.printJSON(api.LinkArgs{TX: a.TX, RX: a.RX, Both: a.Both})
		}
		fmt.Fprintf(t.stdout, "cleared %s %s %s\n", a.TX, arrow, a.RX)
		return nil
	}
	if err := t.modelDo(ctx, func() error { return t.c.SetLink(ctx, a) }); err != nil {
		return fmt.Errorf("link %s %s: %w", a.TX, a.RX, err)
	}
	if t.o.json {
		return t.printJSON(a)
	}
	fmt.Fprintf(t.stdout, "set %s %s %s: %s\n", a.TX, arrow, a.RX, overrides(a.SNR, a.Loss, false))
	return nil
}

// modelDo connects and carries out one link-model request.
func (t *tool) modelDo(ctx context.Context, do func() error) error {
	if _, err := t.connect(ctx); err != nil {
		return err
	}
	return do()
}

// model is the model command: the link model's radios and overrides.
func (t *tool) model(ctx context.Context) error {
	var cfg api.ModelConfig
	err := t.modelDo(ctx, func() error {
		var err error
		cfg, err = t.c.Model(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("model: %w", err)
	}
	if t.o.json {
		return t.printJSON(cfg)
	}
	prop := cfg.Propagation.Model
	if prop == "" {
		prop = api.PropNone
	}
	fmt.Fprintf(t.stdout, "propagation: %s\n\n", prop)
	if len(cfg.Radios) == 0 {
		fmt.Fprintln(t.stdout, "no radios")
	} else {
		w := tabwriter.NewWriter(t.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(w, "RADIO\tADDRESS\tPOSITION (m)\tTX POWER\tMOTION")
		for _, r := range cfg.Radios {
			pos := "unplaced"
			if r.Placed {
				pos = point([3]float64{r.X, r.Y, r.Z})
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s dBm\t%s\n", radioLabel(r), orDash(r.Addr), pos, num(r.TxPower), motion(r.Mobility))
		}
		if err := w.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintln(t.stdout)
	if len(cfg.Links) == 0 {
		fmt.Fprintln(t.stdout, "no link overrides")
		return nil
	}
	w := tabwriter.NewWriter(t.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "FROM\tTO\tOVERRIDE")
	for _, l := range cfg.Links {
		fmt.Fprintf(w, "%s\t%s\t%s\n", l.From, l.To, overrides(l.SNR, l.Loss, l.Blocked))
	}
	return w.Flush()
}
