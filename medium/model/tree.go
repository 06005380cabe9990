package model

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Both configuration formats are parsed into a tree of values that remember
// their line, then decoded by hand so that every error can name the file,
// the line and the key, and so that an unknown key is an error.

type kind uint8

const (
	kindGroup  kind = iota + 1 // {name = value; ...}; YAML mapping
	kindArray                  // [scalar, ...]
	kindList                   // (value, ...); YAML sequence
	kindString                 // "..."
	kindInt                    // 42, 0x2a, 42L
	kindFloat                  // 4.2, 1e3
	kindBool                   // true, false
)

var kindNames = [...]string{"", "group", "array", "list", "string", "integer", "float", "boolean"}

func (k kind) String() string { return kindNames[k] }

// value is one node of a parsed configuration.
type value struct {
	kind  kind
	line  int
	name  string // the setting's name, for members of a group
	str   string
	i     int64
	f     float64
	b     bool
	items []*value // members of a group, elements of an array or list
}

// describe names a value for error messages.
func (v *value) describe() string {
	switch v.kind {
	case kindString:
		return fmt.Sprintf("string %q", v.str)
	case kindInt:
		return fmt.Sprintf("integer %d", v.i)
	case kindFloat:
		return fmt.Sprintf("float %g", v.f)
	case kindBool:
		return fmt.Sprintf("boolean %v", v.b)
	}
	return v.kind.String()
}

// ConfigError is an error in a configuration file: which file, which line,
// which key (a dotted path such as model.links[2]) and what is wrong.
type ConfigError struct {
	File string
	Line int
	Key  string
	Msg  string
}

// Error formats e as file:line: key: message.
func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":")
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// decoder walks a tree, recording the first error.
type decoder struct {
	file string
	err  error
	// values counts the values made from YAML, aliasValues those made
	// while expanding an alias (inAlias deep), against their budgets.
	values, aliasValues, inAlias int
}

func (d *decoder) fail(line int, key, format string, args ...any) {
	if d.err == nil {
		d.err = &ConfigError{File: d.file, Line: line, Key: key, Msg: fmt.Sprintf(format, args...)}
	}
}

// obj is a group being decoded: lookups mark keys as used, and done reports
// the keys nobody asked for.
type obj struct {
	d    *decoder
	v    *value
	path string
	used map[string]bool
}

func (d *decoder) group(v *value, path string) *obj {
	if v.kind != kindGroup {
		d.fail(v.line, path, "expected a group, got %s", v.describe())
		return &obj{d: d, v: &value{kind: kindGroup, line: v.line}, path: path, used: map[string]bool{}}
	}
	return &obj{d: d, v: v, path: path, used: map[string]bool{}}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// get returns the member key, or nil.
func (o *obj) get(key string) *value {
	o.used[key] = true
	for _, m := range o.v.items {
		if m.name == key {
			return m
		}
	}
	return nil
}

// ignore accepts key without using it.
func (o *obj) ignore(key string) { o.used[key] = true }

func (o *obj) key(k string) string { return join(o.path, k) }

// done reports the first member that was never looked up.
func (o *obj) done() {
	for _, m := range o.v.items {
		if !o.used[m.name] {
			o.d.fail(m.line, join(o.path, m.name), "unknown key")
			return
		}
	}
}

func (o *obj) float(key string, dst *float64) bool {
	v := o.get(key)
	if v == nil {
		return false
	}
	f, ok := o.d.asFloat(v, o.key(key))
	if ok {
		*dst = f
	}
	return ok
}

func (o *obj) int(key string, dst *int) bool {
	v := o.get(key)
	if v == nil {
		return false
	}
	i, ok := o.d.asInt(v, o.key(key))
	if ok {
		*dst = i
	}
	return ok
}

func (o *obj) str(key string, dst *string) bool {
	v := o.get(key)
	if v == nil {
		return false
	}
	s, ok := o.d.asString(v, o.key(key))
	if ok {
		*dst = s
	}
	return ok
}

func (o *obj) bool(key string, dst *bool) bool {
	v := o.get(key)
	if v == nil {
		return false
	}
	if v.kind != kindBool {
		o.d.fail(v.line, o.key(key), "expected a boolean, got %s", v.describe())
		return false
	}
	*dst = v.b
	return true
}

// duration accepts a Go duration string ("2s", "500ms") or a number of
// seconds.
func (o *obj) duration(key string, dst *time.Duration) bool {
	v := o.get(key)
	if v == nil {
		return false
	}
	switch v.kind {
	case kindString:
		dur, err := time.ParseDuration(v.str)
		if err != nil || dur < 0 {
			o.d.fail(v.line, o.key(key), "expected a duration such as \"2s\", got %s", v.describe())
			return false
		}
		*dst = dur
		return true
	case kindInt, kindFloat:
		f, _ := o.d.asFloat(v, "")
		if f < 0 {
			o.d.fail(v.line, o.key(key), "duration must not be negative")
			return false
		}
		*dst = time.Duration(f * float64(time.Second))
		return true
	}
	o.d.fail(v.line, o.key(key), "expected a duration, got %s", v.describe())
	return false
}

// asFloat accepts integers too (libconfig does not, without its
// auto-convert option; wmediumd files often write "xg = 0;").
func (d *decoder) asFloat(v *value, key string) (float64, bool) {
	switch v.kind {
	case kindFloat:
		return v.f, true
	case kindInt:
		return float64(v.i), true
	}
	d.fail(v.line, key, "expected a number, got %s", v.describe())
	return 0, false
}

func (d *decoder) asInt(v *value, key string) (int, bool) {
	if v.kind != kindInt {
		d.fail(v.line, key, "expected an integer, got %s", v.describe())
		return 0, false
	}
	if v.i != int64(int(v.i)) {
		d.fail(v.line, key, "integer %d out of range", v.i)
		return 0, false
	}
	return int(v.i), true
}

func (d *decoder) asString(v *value, key string) (string, bool) {
	if v.kind != kindString {
		d.fail(v.line, key, "expected a string, got %s", v.describe())
		return "", false
	}
	return v.str, true
}

// seq returns the elements of an array or list.
func (d *decoder) seq(v *value, key string) ([]*value, bool) {
	if v.kind != kindArray && v.kind != kindList {
		d.fail(v.line, key, "expected a list, got %s", v.describe())
		return nil, false
	}
	return v.items, true
}

// floats decodes a list of 2..3 numbers (a position or velocity) into xyz.
func (d *decoder) vector(v *value, key string, min, max int) ([3]float64, bool) {
	var out [3]float64
	items, ok := d.seq(v, key)
	if !ok {
		return out, false
	}
	if len(items) < min || len(items) > max {
		if min == max {
			d.fail(v.line, key, "expected %d numbers, got %d", min, len(items))
		} else {
			d.fail(v.line, key, "expected %d to %d numbers, got %d", min, max, len(items))
		}
		return out, false
	}
	for i, it := range items {
		f, ok := d.asFloat(it, index(key, i))
		if !ok {
			return out, false
		}
		out[i] = f
	}
	return out, true
}
