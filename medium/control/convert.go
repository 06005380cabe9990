package control

import (
	"slices"

	"github.com/hwsim-medium/hwsim-medium/medium"
	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
	"github.com/hwsim-medium/hwsim-medium/medium/model"
)

// The server's conversions between the medium's and the model's own types
// and the wire types. Slices are copied, so a result never shares memory
// with the medium.

// wireStatus returns the status command's result for st.
func wireStatus(st medium.Status) api.Status {
	s := st.Stats
	out := api.Status{
		Version:  api.Version,
		Protocol: api.ProtocolVersion,
		Uptime:   st.Uptime.Seconds(),
		Radios:   st.Radios,
		Stats: api.Stats{Frames: s.Frames, Malformed: s.Malformed, SendErrors: s.SendErrors, Collisions: s.Collisions,
			AddrsEvicted: s.AddrsEvicted, RadiosEvicted: s.RadiosEvicted, AirQueueDrops: s.AirQueueDrops},
	}
	if ss := st.Socket; ss != nil {
		out.Stats.Socket = &api.SocketStats{Overruns: ss.Overruns, Malformed: ss.Malformed, SendErrors: ss.SendErrors,
			Rejected: ss.Rejected, Skipped: ss.Skipped, Unanswered: ss.Unanswered, Sends: ss.Sends, Messages: ss.Messages}
	}
	if b := st.Bus; b != nil {
		out.Stats.Bus = &api.BusStats{FramesOut: b.FramesOut, FramesIn: b.FramesIn, AcksIn: b.AcksIn, AcksOut: b.AcksOut,
			Rejected: b.Rejected, AckTimeouts: b.AckTimeouts, HeldOverflow: b.HeldOverflow}
	}
	for _, b := range s.AirBusy {
		out.Stats.AirBusy = append(out.Stats.AirBusy, api.ChannelBusy{Freq: b.Freq, Busy: b.Busy})
	}
	return out
}

// wireRadios converts the radios command's result; never nil, so that the
// JSON shows [].
func wireRadios(radios []medium.RadioInfo) []api.RadioInfo {
	out := make([]api.RadioInfo, 0, len(radios))
	for _, r := range radios {
		ri := api.RadioInfo{
			ID:     int(r.ID),
			Member: r.Member,
			Name:   r.Name,
			Iface:  r.Iface,
			HWAddr: r.HWAddr,
			Addrs:  slices.Clone(r.Addrs),
			Freq:   r.Freq,
			Stats: api.RadioStats{
				TxFrames: r.Stats.TxFrames,
				TxBytes:  r.Stats.TxBytes,
				RxFrames: r.Stats.RxFrames,
				RxBytes:  r.Stats.RxBytes,
				Acked:    r.Stats.Acked,
				NotAcked: r.Stats.NotAcked,
			},
		}
		for _, l := range r.Links {
			ri.Links = append(ri.Links, api.Link{To: l.To, Frames: l.Frames, Bytes: l.Bytes, Blocked: l.Blocked, Lost: l.Lost})
		}
		ri.LinksOmitted = r.LinksOmitted
		out = append(out, ri)
	}
	return out
}

// wireRules converts denylist rules; never nil, so that the JSON shows [].
func wireRules(rules []medium.DenyRule) []api.DenyRule {
	out := make([]api.DenyRule, 0, len(rules))
	for _, r := range rules {
		out = append(out, api.DenyRule{Dst: r.Dst, Src: r.Src})
	}
	return out
}

// mediumRules converts rules from the wire for the medium.
func mediumRules(rules []api.DenyRule) []medium.DenyRule {
	out := make([]medium.DenyRule, 0, len(rules))
	for _, r := range rules {
		out = append(out, medium.DenyRule{Dst: r.Dst, Src: r.Src})
	}
	return out
}

// wireModel returns the model.get result for the model's snapshot c.
func wireModel(c model.Config) api.ModelConfig {
	out := api.ModelConfig{
		Seed:         c.Seed,
		NoiseFloor:   c.NoiseFloor,
		Sensitivity:  c.Sensitivity,
		CCAThreshold: c.CCAThreshold,
		DefaultSNR:   c.DefaultSNR,
		DefaultLoss:  clonePtr(c.DefaultLoss),
		FadingSigma:  c.FadingSigma,
		Propagation: api.Propagation{
			Model:          c.Propagation.Model,
			Exponent:       c.Propagation.Exponent,
			RefLoss:        clonePtr(c.Propagation.RefLoss),
			ExtraLoss:      c.Propagation.ExtraLoss,
			Sigma:          c.Propagation.Sigma,
			PowerLossCoeff: c.Propagation.PowerLossCoeff,
			Floors:         c.Propagation.Floors,
			FloorLoss:      c.Propagation.FloorLoss,
			AntennaHeight:  c.Propagation.AntennaHeight,
		},
	}
	for _, r := range c.Radios {
		out.Radios = append(out.Radios, api.ModelRadio{
			Name:        r.Name,
			Addr:        r.Addr,
			Placed:      r.Placed,
			Aliases:     slices.Clone(r.Aliases),
			X:           r.X,
			Y:           r.Y,
			Z:           r.Z,
			TxPower:     r.TxPower,
			AntennaGain: r.AntennaGain,
			Mobility:    wireMobility(r.Mobility),
		})
	}
	for _, l := range c.Links {
		out.Links = append(out.Links, api.ModelLink{From: l.From, To: l.To, SNR: clonePtr(l.SNR), Loss: clonePtr(l.Loss), Blocked: l.Blocked})
	}
	return out
}

func wireMobility(m model.Mobility) api.Mobility {
	out := api.Mobility{Velocity: m.Velocity, Step: m.Step}
	if w := m.Waypoint; w != nil {
		out.Waypoint = &api.Waypoint{Min: w.Min, Max: w.Max, MinSpeed: w.MinSpeed, MaxSpeed: w.MaxSpeed, Pause: w.Pause}
	}
	return out
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
