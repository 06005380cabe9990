package model

import (
	"time"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

// wmediumd's configuration format, read as a drop-in: libconfig.go parses
// the syntax into the value tree of tree.go, and this file maps wmediumd's
// settings onto a Config.

// wmediumdMoveInterval is how often wmediumd applies `directions`
// (MOVE_INTERVAL): each radio jumps by its direction vector every 3 s.
const wmediumdMoveInterval = 3 * time.Second

// ParseWmediumd parses a wmediumd configuration file (libconfig); file
// names the source in errors.
func ParseWmediumd(file string, data []byte) (Config, error) {
	root, err := parseLibconfig(string(data))
	if err != nil {
		if le, ok := err.(*libconfigError); ok {
			return Config{}, &ConfigError{File: file, Line: le.line, Msg: le.msg}
		}
		return Config{}, &ConfigError{File: file, Msg: err.Error()}
	}
	d := &decoder{file: file}
	cfg := d.wmediumd(root)
	if d.err != nil {
		return Config{}, d.err
	}
	return cfg, nil
}

// wlink is one (i, j, value) tuple.
type wlink struct {
	i, j int
	val  float64
	line int
}

func (d *decoder) wmediumd(root *value) Config {
	cfg := DefaultConfig()
	top := d.group(root, "")
	iv := top.get("ifaces")
	if iv == nil {
		d.fail(0, "ifaces", "missing (ifaces.ids lists the radios)")
		return cfg
	}
	ifaces := d.group(iv, "ifaces")
	idsV := ifaces.get("ids")
	if idsV == nil {
		d.fail(iv.line, "ifaces.ids", "missing")
		return cfg
	}
	ids, _ := d.seq(idsV, "ifaces.ids")
	seen := map[mac.Addr]int{}
	for i, it := range ids {
		key := index("ifaces.ids", i)
		s, ok := d.asString(it, key)
		if !ok {
			return cfg
		}
		a, err := mac.ParseAddr(s)
		if err != nil {
			d.fail(it.line, key, "%q is not a MAC address", s)
			return cfg
		}
		if j, dup := seen[a]; dup {
			d.fail(it.line, key, "%s is also ifaces.ids[%d]", a, j)
			return cfg
		}
		seen[a] = i
		r := NewRadio()
		r.Addr = a.String()
		cfg.Radios = append(cfg.Radios, r)
	}
	n := len(cfg.Radios)
	ifaces.ignore("count") // old wmediumd configurations give the number of ids
	var interference bool
	if ifaces.bool("enable_interference", &interference) && interference {
		cfg.Warnings = append(cfg.Warnings, "ifaces.enable_interference: interference and collisions are modelled only with hwsim-medium --timing airtime (its own CSMA/CA model, not wmediumd's); with the default fast path frames do not collide")
	}
	var snrLinks, probLinks []wlink
	var snrLinksKey string
	if lv := ifaces.get("links"); lv != nil {
		snrLinks = d.wlinks(lv, "ifaces.links", n, false)
		snrLinksKey = "ifaces.links"
	}
	ifaces.done()

	if mv := top.get("model"); mv != nil {
		model := d.group(mv, "model")
		var typ string
		typeV := model.get("type")
		if typeV != nil {
			d.asString(typeV, "model.type")
			typ = typeV.str
		}
		if snrLinksKey != "" && typeV != nil {
			d.fail(typeV.line, "model.type", "wmediumd ignores the model when ifaces.links is given; drop one of them")
		}
		var fading float64
		if model.float("fading_coefficient", &fading) {
			if fading < 0 {
				d.fail(model.get("fading_coefficient").line, "model.fading_coefficient", "must not be negative")
			}
			cfg.FadingSigma = fading
		}
		model.float("noise_threshold", &cfg.NoiseFloor)
		var seed int
		if model.int("seed", &seed) { // hwsim-medium extension
			cfg.Seed = uint64(seed)
		}
		switch typ {
		case "":
			if lv := model.get("links"); lv != nil {
				d.fail(lv.line, "model.links", "needs model.type \"snr\" or \"prob\"")
			}
		case "snr":
			if lv := model.get("links"); lv != nil {
				snrLinks = d.wlinks(lv, "model.links", n, false)
			}
		case "prob":
			var def float64
			if model.float("default_prob", &def) && !(def >= 0 && def <= 1) {
				d.fail(model.get("default_prob").line, "model.default_prob", "%v is not a probability in [0, 1]", def)
			}
			cfg.DefaultLoss = &def
			if lv := model.get("links"); lv != nil {
				probLinks = d.wlinks(lv, "model.links", n, true)
			}
		case "path_loss":
			d.pathLoss(model, &cfg)
		default:
			d.fail(typeV.line, "model.type", "unknown model type %q (want snr, prob or path_loss)", typ)
		}
		model.done()
	}
	top.done()
	if d.err != nil {
		return cfg
	}
	cfg.Links = append(cfg.Links, wmediumdLinks(cfg.Radios, snrLinks, false)...)
	cfg.Links = append(cfg.Links, wmediumdLinks(cfg.Radios, probLinks, true)...)
	return cfg
}

// wlinks decodes a list of (i, j, value) tuples.
func (d *decoder) wlinks(v *value, key string, n int, prob bool) []wlink {
	items, ok := d.seq(v, key)
	if !ok {
		return nil
	}
	var out []wlink
	for k, it := range items {
		ikey := index(key, k)
		t, ok := d.seq(it, ikey)
		if !ok {
			return nil
		}
		if len(t) != 3 {
			what := "(int, int, snr)"
			if prob {
				what = "(int, int, probability)"
			}
			d.fail(it.line, ikey, "expected %s, got %d elements", what, len(t))
			return nil
		}
		i, ok1 := d.asInt(t[0], index(ikey, 0))
		j, ok2 := d.asInt(t[1], index(ikey, 1))
		val, ok3 := d.asFloat(t[2], index(ikey, 2))
		if !ok1 || !ok2 || !ok3 {
			return nil
		}
		if i < 0 || i >= n || j < 0 || j >= n {
			d.fail(it.line, ikey, "index out of range: ifaces.ids has %d entries", n)
			return nil
		}
		if i == j {
			d.fail(it.line, ikey, "link from %d to itself", i)
			return nil
		}
		if prob && !(val >= 0 && val <= 1) {
			d.fail(it.line, ikey, "%v is not a probability in [0, 1]", val)
			return nil
		}
		out = append(out, wlink{i, j, val, it.line})
	}
	return out
}

// wmediumdLinks turns tuples into link overrides the way wmediumd does: a
// link given in one direction only applies to both.
func wmediumdLinks(radios []Radio, ls []wlink, prob bool) []Link {
	given := map[[2]int]bool{}
	for _, l := range ls {
		given[[2]int{l.i, l.j}] = true
	}
	var out []Link
	mk := func(i, j int, val float64) Link {
		v := val
		l := Link{From: radios[i].Addr, To: radios[j].Addr}
		if prob {
			l.Loss = &v
		} else {
			l.SNR = &v
		}
		return l
	}
	for _, l := range ls {
		out = append(out, mk(l.i, l.j, l.val))
		if !given[[2]int{l.j, l.i}] {
			out = append(out, mk(l.j, l.i, l.val))
		}
	}
	return out
}

// pathLoss decodes wmediumd's path_loss model.
func (d *decoder) pathLoss(model *obj, cfg *Config) {
	n := len(cfg.Radios)
	posV := model.get("positions")
	if posV == nil {
		d.fail(model.v.line, "model.positions", "missing (path_loss needs one position per ifaces.ids entry)")
		return
	}
	pos, _ := d.seq(posV, "model.positions")
	if len(pos) != n && d.err == nil {
		d.fail(posV.line, "model.positions", "%d positions for %d ifaces.ids", len(pos), n)
		return
	}
	for i, pv := range pos {
		p, ok := d.vector(pv, index("model.positions", i), 2, 3)
		if !ok {
			return
		}
		r := &cfg.Radios[i]
		r.X, r.Y, r.Z, r.Placed = p[0], p[1], p[2], true
	}
	if dv := model.get("directions"); dv != nil {
		dirs, _ := d.seq(dv, "model.directions")
		if len(dirs) != n && d.err == nil {
			d.fail(dv.line, "model.directions", "%d directions for %d ifaces.ids", len(dirs), n)
			return
		}
		for i, it := range dirs {
			v, ok := d.vector(it, index("model.directions", i), 2, 3)
			if !ok {
				return
			}
			if v == ([3]float64{}) {
				continue
			}
			// wmediumd adds the direction every 3 s.
			s := wmediumdMoveInterval.Seconds()
			cfg.Radios[i].Mobility = Mobility{Velocity: [3]float64{v[0] / s, v[1] / s, v[2] / s}, Step: wmediumdMoveInterval}
		}
	}
	tpV := model.get("tx_powers")
	if tpV == nil {
		d.fail(model.v.line, "model.tx_powers", "missing (path_loss needs one tx power per ifaces.ids entry)")
		return
	}
	tps, _ := d.seq(tpV, "model.tx_powers")
	if len(tps) != n && d.err == nil {
		d.fail(tpV.line, "model.tx_powers", "%d tx_powers for %d ifaces.ids", len(tps), n)
		return
	}
	for i, it := range tps {
		f, ok := d.asFloat(it, index("model.tx_powers", i))
		if !ok {
			return
		}
		cfg.Radios[i].TxPower = f
	}
	p := DefaultPropagation()
	nameV := model.get("model_name")
	if nameV == nil {
		d.fail(model.v.line, "model.model_name", "missing (free_space, log_distance, itu, two_ray_ground or log_normal_shadowing)")
		return
	}
	name, ok := d.asString(nameV, "model.model_name")
	if !ok {
		return
	}
	p.Model = name
	var sL int
	if model.int("sL", &sL) { // mininet-wifi's system loss
		p.ExtraLoss += float64(sL)
	}
	switch name {
	case PropFreeSpace, PropTwoRayGround:
	case PropLogDistance, PropLogNormalShadowing:
		if !model.float("path_loss_exp", &p.Exponent) && d.err == nil {
			d.fail(model.v.line, "model.path_loss_exp", "missing (needed by %s)", name)
		}
		var xg float64
		if model.float("xg", &xg) {
			p.ExtraLoss += xg
		}
		model.float("sigma", &p.Sigma) // hwsim-medium extension
		if p.Sigma < 0 {
			d.fail(model.get("sigma").line, "model.sigma", "must not be negative")
		}
	case PropITU:
		var floors, lf, pl int
		if model.int("nFLOORS", &floors) {
			if floors < 0 {
				d.fail(model.get("nFLOORS").line, "model.nFLOORS", "must not be negative")
			}
			p.Floors = floors
		}
		// wmediumd spells it LF, mininet-wifi's fork lF.
		if model.int("LF", &lf) || model.int("lF", &lf) {
			p.FloorLoss = float64(lf)
		}
		// wmediumd uses N = 28 (38 beyond 16 m), mininet-wifi's pL.
		p.PowerLossCoeff = 28
		if model.int("pL", &pl) {
			p.PowerLossCoeff = float64(pl)
		}
	default:
		d.fail(nameV.line, "model.model_name", "unknown path loss model %q (want free_space, log_distance, itu, two_ray_ground or log_normal_shadowing)", name)
	}
	cfg.Propagation = p
}
