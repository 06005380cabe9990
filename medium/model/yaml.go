package model

import (
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

// hwsim-medium's own YAML format (docs/models.md): decoded through the
// value tree of tree.go, like the wmediumd format, so both report errors by
// file, line and key the same way.

// yamlLine finds the line number in the YAML library's error messages.
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

// Budgets of the YAML decoder. The YAML library keeps an alias as one
// node that points to its anchor, but the value tree expands it: nine
// lines of aliases of aliases expand to a billion values (20 GB, measured
// before this bound). A configuration of 500 radios is a few thousand
// values.
const (
	// maxValues bounds the values of one configuration (about 100 MB).
	maxValues = 1 << 20
	// maxAliasValues bounds the values that aliases expand to.
	maxAliasValues = 1 << 16
)

// fromYAML converts a YAML node into a value tree.
func (d *decoder) fromYAML(n *yaml.Node, key string, depth int) *value {
	if depth > maxDepth {
		if len(key) > 40 {
			key = key[:40] + "..."
		}
		d.fail(n.Line, key, "nested too deeply (more than %d levels)", maxDepth)
		return &value{kind: kindGroup, line: n.Line}
	}
	if d.err != nil {
		// Stop at the first error: a hostile document is not walked.
		return &value{kind: kindGroup, line: n.Line}
	}
	if d.values++; d.values > maxValues {
		d.fail(n.Line, key, "more than %d values: not a link-model configuration", maxValues)
		return &value{kind: kindGroup, line: n.Line}
	}
	if d.inAlias > 0 {
		if d.aliasValues++; d.aliasValues > maxAliasValues {
			d.fail(n.Line, key, "aliases expand to more than %d values (an alias bomb?)", maxAliasValues)
			return &value{kind: kindGroup, line: n.Line}
		}
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		d.inAlias++
		defer func() { d.inAlias-- }()
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
			if err = n.Decode(&v.f); err == nil && !finite(v.f) {
				d.fail(n.Line, key, "%s is not a finite number", n.Value)
			}
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
