package model

import (
	"cmp"
	"slices"
)

// label names radio i for people: its configured name, else the first name
// learned for it, else its address.
func (s *state) label(i int32) string {
	e := &s.radios[i]
	switch {
	case e.name != "":
		return e.name
	case len(e.aliases) > 0:
		return e.aliases[0]
	}
	return e.addr.String()
}

// Snapshot returns the model as it is now, as a Config: every radio it
// knows (configured, placed live or met on the medium) at its current
// position, and every link override. The control API can report it as
// JSON; New accepts it back (Aliases aside).
func (m *Model) Snapshot() Config {
	s := m.state.Load()
	now := m.now()
	c := Config{
		Seed:         s.p.seed,
		NoiseFloor:   s.p.noise,
		Sensitivity:  s.p.sens,
		CCAThreshold: s.p.cca,
		DefaultSNR:   s.p.defaultSNR,
		FadingSigma:  s.p.fading,
		Propagation:  s.p.prop,
	}
	if s.p.defaultLoss >= 0 {
		l := s.p.defaultLoss
		c.DefaultLoss = &l
	}
	if c.Propagation.RefLoss != nil {
		r := *c.Propagation.RefLoss
		c.Propagation.RefLoss = &r
	}
	for i := range s.radios {
		e := &s.radios[i]
		if e.dead {
			continue
		}
		r := Radio{Name: e.name, Placed: e.placed, Node: e.node, Mobility: e.mob, Aliases: slices.Clone(e.aliases)}
		if e.hasAddr {
			r.Addr = e.addr.String()
		}
		if e.mob.Waypoint != nil {
			w := *e.mob.Waypoint
			r.Mobility.Waypoint = &w
		}
		if e.mob.moving() {
			p := m.position(s, int32(i), now, false)
			r.X, r.Y, r.Z = p[0], p[1], p[2]
		}
		c.Radios = append(c.Radios, r)
	}
	keys := make([]linkKey, 0, len(s.links))
	for k := range s.links {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b linkKey) int {
		return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1]))
	})
	for _, k := range keys {
		o := s.links[k]
		l := Link{From: s.label(k[0]), To: s.label(k[1]), Blocked: o.blocked}
		if o.hasSNR {
			v := o.snr
			l.SNR = &v
		}
		if o.hasLoss {
			v := o.loss
			l.Loss = &v
		}
		c.Links = append(c.Links, l)
	}
	return c
}
