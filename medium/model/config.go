package model

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

// Load reads a configuration file and returns its Model: a .cfg file is
// read as a wmediumd configuration, .yaml or .yml as hwsim-medium's own
// format. Errors name the file, the line and the key.
func Load(path string) (*Model, error) {
	cfg, err := LoadConfig(path)
	if err != nil {
		return nil, err
	}
	m, err := New(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// LoadConfig reads a configuration file (see Load) into a Config.
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, err
	}
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".cfg":
		return ParseWmediumd(path, data)
	case ".yaml", ".yml":
		return ParseYAML(path, data)
	default:
		return Config{}, fmt.Errorf("%s: unknown configuration format %q: want .yaml/.yml (hwsim-medium) or .cfg (wmediumd)", path, ext)
	}
}

// ---- hwsim-medium's YAML format ----

var yamlLine = regexp.MustCompile(`line (\d+)`)

// ParseYAML parses hwsim-medium's YAML format; file names the source in
// errors.
func ParseYAML(file string, data []byte) (Config, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		e := &ConfigError{File: file, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
		if m := yamlLine.FindStringSubmatch(e.Msg); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
			e.Msg = strings.TrimPrefix(e.Msg, m[0]+": ")
		}
		return Config{}, e
	}
	d := &decoder{file: file}
	var root *value
	if len(doc.Content) == 0 {
		root = &value{kind: kindGroup, line: 1}
	} else {
		root = d.fromYAML(doc.Content[0], "", 0)
	}
	if d.err != nil {
		return Config{}, d.err
	}
	cfg := d.ours(root)
	if d.err != nil {
		return Config{}, d.err
	}
	return cfg, nil
}

// fromYAML converts a YAML node into a value tree.
func (d *decoder) fromYAML(n *yaml.Node, key string, depth int) *value {
	if depth > maxDepth {
		d.fail(n.Line, key, "nested too deeply")
		return &value{kind: kindGroup, line: n.Line}
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return d.fromYAML(n.Alias, key, depth+1)
	}
	v := &value{line: n.Line}
	switch n.Kind {
	case yaml.MappingNode:
		v.kind = kindGroup
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				d.fail(k.Line, key, "keys must be plain names")
				return v
			}
			for _, m := range v.items {
				if m.name == k.Value {
					d.fail(k.Line, join(key, k.Value), "duplicate key (first on line %d)", m.line)
					return v
				}
			}
			c := d.fromYAML(val, join(key, k.Value), depth+1)
			c.name, c.line = k.Value, k.Line
			v.items = append(v.items, c)
		}
	case yaml.SequenceNode:
		v.kind = kindList
		for i, c := range n.Content {
			v.items = append(v.items, d.fromYAML(c, index(key, i), depth+1))
		}
	case yaml.ScalarNode:
		var err error
		switch n.ShortTag() {
		case "!!int":
			v.kind = kindInt
			err = n.Decode(&v.i)
		case "!!float":
			v.kind = kindFloat
			err = n.Decode(&v.f)
		case "!!bool":
			v.kind = kindBool
			err = n.Decode(&v.b)
		case "!!str":
			v.kind, v.str = kindString, n.Value
		case "!!null":
			d.fail(n.Line, key, "missing value")
		default:
			d.fail(n.Line, key, "unsupported value %s %q", n.ShortTag(), n.Value)
		}
		if err != nil {
			d.fail(n.Line, key, "bad value %q", n.Value)
		}
	default:
		d.fail(n.Line, key, "unsupported YAML node")
	}
	return v
}

// ours decodes hwsim-medium's format from a value tree.
func (d *decoder) ours(root *value) Config {
	cfg := DefaultConfig()
	o := d.group(root, "")
	var seed int
	if o.int("seed", &seed) {
		cfg.Seed = uint64(seed)
	}
	o.float("noise_floor", &cfg.NoiseFloor)
	o.float("sensitivity", &cfg.Sensitivity)
	o.float("cca_threshold", &cfg.CCAThreshold)
	o.float("default_snr", &cfg.DefaultSNR)
	var dl float64
	if o.float("default_loss", &dl) {
		if !(dl >= 0 && dl <= 1) {
			d.fail(o.get("default_loss").line, "default_loss", "%v is not a probability in [0, 1]", dl)
		}
		cfg.DefaultLoss = &dl
	}
	if o.float("fading_sigma", &cfg.FadingSigma) && cfg.FadingSigma < 0 {
		d.fail(o.get("fading_sigma").line, "fading_sigma", "must not be negative")
	}
	if v := o.get("propagation"); v != nil {
		cfg.Propagation = d.propagation(v, "propagation")
	}
	if v := o.get("radios"); v != nil {
		items, _ := d.seq(v, "radios")
		seen := map[string]int{}
		for i, it := range items {
			key := index("radios", i)
			r := d.radio(it, key)
			for _, n := range []string{r.Name, r.Addr} {
				if n == "" {
					continue
				}
				if first, dup := seen[n]; dup {
					d.fail(it.line, key, "radio %q already configured on line %d", n, first)
				}
				seen[n] = it.line
			}
			cfg.Radios = append(cfg.Radios, r)
		}
	}
	if v := o.get("links"); v != nil {
		items, _ := d.seq(v, "links")
		for i, it := range items {
			cfg.Links = append(cfg.Links, d.link(it, index("links", i))...)
		}
	}
	o.done()
	return cfg
}

func (d *decoder) propagation(v *value, path string) Propagation {
	p := DefaultPropagation()
	o := d.group(v, path)
	if o.str("model", &p.Model) {
		if _, ok := propKinds[p.Model]; !ok {
			d.fail(o.get("model").line, o.key("model"), "unknown model %q (want free_space, log_distance, itu, two_ray_ground, log_normal_shadowing or none)", p.Model)
		}
	}
	o.float("exponent", &p.Exponent)
	var ref float64
	if o.float("ref_loss", &ref) {
		p.RefLoss = &ref
	}
	o.float("extra_loss", &p.ExtraLoss)
	if o.float("sigma", &p.Sigma) && p.Sigma < 0 {
		d.fail(o.get("sigma").line, o.key("sigma"), "must not be negative")
	}
	o.float("power_loss_coeff", &p.PowerLossCoeff)
	if o.int("floors", &p.Floors) && p.Floors < 0 {
		d.fail(o.get("floors").line, o.key("floors"), "must not be negative")
	}
	o.float("floor_loss", &p.FloorLoss)
	if o.float("antenna_height", &p.AntennaHeight) && !(p.AntennaHeight > 0) {
		d.fail(o.get("antenna_height").line, o.key("antenna_height"), "must be positive")
	}
	o.done()
	return p
}

func (d *decoder) radio(v *value, path string) Radio {
	r := NewRadio()
	o := d.group(v, path)
	o.str("name", &r.Name)
	if o.str("addr", &r.Addr) {
		if _, err := mac.ParseAddr(r.Addr); err != nil {
			d.fail(o.get("addr").line, o.key("addr"), "%q is not a MAC address", r.Addr)
		}
	}
	if r.Name == "" && r.Addr == "" {
		d.fail(v.line, path, "a radio needs a name or an addr")
	}
	if pv := o.get("position"); pv != nil {
		if p, ok := d.vector(pv, o.key("position"), 2, 3); ok {
			r.X, r.Y, r.Z = p[0], p[1], p[2]
			r.Placed = true
		}
	}
	o.float("tx_power", &r.TxPower)
	o.float("antenna_gain", &r.AntennaGain)
	if vv := o.get("velocity"); vv != nil {
		r.Mobility.Velocity, _ = d.vector(vv, o.key("velocity"), 2, 3)
	}
	o.duration("step", &r.Mobility.Step)
	if wv := o.get("waypoint"); wv != nil {
		r.Mobility.Waypoint = d.waypoint(wv, o.key("waypoint"))
		if !r.Placed {
			// Start in the middle of the box.
			w := r.Mobility.Waypoint
			r.X, r.Y, r.Z = (w.Min[0]+w.Max[0])/2, (w.Min[1]+w.Max[1])/2, (w.Min[2]+w.Max[2])/2
			r.Placed = true
		}
	}
	if r.Mobility.moving() && !r.Placed {
		d.fail(v.line, path, "a moving radio needs a position")
	}
	o.done()
	return r
}

func (d *decoder) waypoint(v *value, path string) *Waypoint {
	w := &Waypoint{}
	o := d.group(v, path)
	if mv := o.get("min"); mv != nil {
		w.Min, _ = d.vector(mv, o.key("min"), 2, 3)
	} else {
		d.fail(v.line, o.key("min"), "missing")
	}
	if mv := o.get("max"); mv != nil {
		w.Max, _ = d.vector(mv, o.key("max"), 2, 3)
	} else {
		d.fail(v.line, o.key("max"), "missing")
	}
	for a := 0; a < 3; a++ {
		if w.Min[a] > w.Max[a] {
			d.fail(v.line, path, "min %v exceeds max %v", w.Min, w.Max)
			break
		}
	}
	if sv := o.get("speed"); sv != nil {
		switch sv.kind {
		case kindInt, kindFloat:
			w.MinSpeed, _ = d.asFloat(sv, o.key("speed"))
			w.MaxSpeed = w.MinSpeed
		default:
			s, _ := d.vector(sv, o.key("speed"), 2, 2)
			w.MinSpeed, w.MaxSpeed = s[0], s[1]
		}
		if !(w.MinSpeed > 0 && w.MaxSpeed >= w.MinSpeed) {
			d.fail(sv.line, o.key("speed"), "want a positive speed or [min, max] with 0 < min <= max")
		}
	} else {
		d.fail(v.line, o.key("speed"), "missing")
	}
	o.duration("pause", &w.Pause)
	o.done()
	return w
}

// link decodes one link entry; both: true yields both directions.
func (d *decoder) link(v *value, path string) []Link {
	var l Link
	o := d.group(v, path)
	if !o.str("from", &l.From) {
		d.fail(v.line, o.key("from"), "missing")
	}
	if !o.str("to", &l.To) {
		d.fail(v.line, o.key("to"), "missing")
	}
	var snr, loss float64
	if o.float("snr", &snr) {
		l.SNR = &snr
	}
	if o.float("loss", &loss) {
		if !(loss >= 0 && loss <= 1) {
			d.fail(o.get("loss").line, o.key("loss"), "%v is not a probability in [0, 1]", loss)
		}
		l.Loss = &loss
	}
	o.bool("blocked", &l.Blocked)
	var both bool
	o.bool("both", &both)
	if l.SNR == nil && l.Loss == nil && !l.Blocked {
		d.fail(v.line, path, "a link sets snr, loss or blocked")
	}
	if l.From != "" && l.From == l.To {
		d.fail(v.line, path, "link from %q to itself", l.From)
	}
	o.done()
	if both {
		r := l
		r.From, r.To = l.To, l.From
		return []Link{l, r}
	}
	return []Link{l}
}

// ---- wmediumd's libconfig format ----

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
