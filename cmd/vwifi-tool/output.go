package main

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
)

// Output formatting shared by the commands.

// printJSON prints v as indented JSON on stdout (--json).
func (t *tool) printJSON(v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding JSON output: %w", err)
	}
	_, err = fmt.Fprintf(t.stdout, "%s\n", b)
	return err
}

// displayName names a radio as the medium does: by interface, else by
// wiphy.
func displayName(r api.RadioInfo) string {
	if r.Iface != "" {
		return r.Iface
	}
	return r.Name
}

// orDash is s, or "-" for nothing.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// freq formats a channel in MHz; "-" for none.
func freq(mhz uint32) string {
	if mhz == 0 {
		return "-"
	}
	return fmt.Sprintf("%d", mhz)
}

// radioLabel names a radio as the model's link list does: its configured
// name, else the first name learned from the medium, else its address.
func radioLabel(r api.ModelRadio) string {
	switch {
	case r.Name != "":
		return r.Name
	case len(r.Aliases) > 0:
		return r.Aliases[0]
	}
	return r.Addr
}

// overrides describes a link's overrides.
func overrides(snr, loss *float64, blocked bool) string {
	var parts []string
	if blocked {
		parts = append(parts, "blocked")
	}
	if snr != nil {
		parts = append(parts, "snr "+num(*snr)+" dB")
	}
	if loss != nil {
		parts = append(parts, "loss "+num(*loss))
	}
	return strings.Join(parts, ", ")
}

// motion describes a radio's mobility.
func motion(m api.Mobility) string {
	switch {
	case m.Waypoint != nil:
		w := m.Waypoint
		s := fmt.Sprintf("waypoints in %s-%s, %s-%s m/s", vector(w.Min), vector(w.Max), num(w.MinSpeed), num(w.MaxSpeed))
		if w.Pause > 0 {
			s += ", pause " + w.Pause.String()
		}
		return s
	case m.Velocity != [3]float64{}:
		s := vector(m.Velocity) + " m/s"
		if m.Step > 0 {
			s += " in " + m.Step.String() + " steps"
		}
		return s
	}
	return "-"
}

// point formats a position to the centimetre: positions of moving radios
// have more digits than anyone reads.
func point(p [3]float64) string {
	for i, v := range p {
		p[i] = math.Round(v*100) / 100
		if p[i] == 0 {
			p[i] = 0 // no "-0"
		}
	}
	return vector(p)
}

// vector formats three numbers as given.
func vector(v [3]float64) string {
	return fmt.Sprintf("(%s, %s, %s)", num(v[0]), num(v[1]), num(v[2]))
}

// num formats a number as given, without exponent or trailing zeros.
func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
