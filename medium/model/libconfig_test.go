package model

import (
	"fmt"
	"strings"
	"testing"
)

// dump renders a value tree compactly for comparison.
func dump(v *value) string {
	var b strings.Builder
	var walk func(v *value)
	walk = func(v *value) {
		if v.name != "" {
			fmt.Fprintf(&b, "%s@%d=", v.name, v.line)
		}
		switch v.kind {
		case kindGroup, kindArray, kindList:
			open, close := "{", "}"
			if v.kind == kindArray {
				open, close = "[", "]"
			} else if v.kind == kindList {
				open, close = "(", ")"
			}
			b.WriteString(open)
			for i, it := range v.items {
				if i > 0 {
					b.WriteString(" ")
				}
				walk(it)
			}
			b.WriteString(close)
		case kindString:
			fmt.Fprintf(&b, "%q", v.str)
		case kindInt:
			fmt.Fprintf(&b, "i%d", v.i)
		case kindFloat:
			fmt.Fprintf(&b, "f%g", v.f)
		case kindBool:
			fmt.Fprintf(&b, "%v", v.b)
		}
	}
	walk(v)
	return b.String()
}

func TestLibconfig(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"empty", "", "{}"},
		{"comments only", "# a\n// b\n/* c\n d */\n", "{}"},
		{"equals and colon", "a = 1; b : 2;", "{a@1=i1 b@1=i2}"},
		{"optional terminators", "a = 1\nb = 2,\nc = 3;", "{a@1=i1 b@2=i2 c@3=i3}"},
		{"ints", "a = -5; b = 0x1F; c = 10L; d = 0xffLL; e = +7; f = 007;", "{a@1=i-5 b@1=i31 c@1=i10 d@1=i255 e@1=i7 f@1=i7}"},
		{"floats", "a = 1.5; b = -0.25; c = 1e3; d = .5; e = 2.5E-2; f = 3.;", "{a@1=f1.5 b@1=f-0.25 c@1=f1000 d@1=f0.5 e@1=f0.025 f@1=f3}"},
		{"bools", "a = true; b = FALSE; c = True;", "{a@1=true b@1=false c@1=true}"},
		{"strings", `a = "x\"y\\z\n\t\x41"; b = "ab" "cd"
  "ef";`, `{a@1="x\"y\\z\n\tA" b@1="abcdef"}`},
		{"comment chars in string", `a = "# not // a /* comment";`, `{a@1="# not // a /* comment"}`},
		{"array", "a = [1, 2, 3,];", "{a@1=[i1 i2 i3]}"},
		{"empty array and list", "a = []; b = ();", "{a@1=[] b@1=()}"},
		{"list of lists", "l = (\n (0, 1, 10),\n (1, 2, 2.5)\n);", "{l@1=((i0 i1 i10) (i1 i2 f2.5))}"},
		{"list mixed", `l = (1, "a", [true], {x = 1;});`, `{l@1=(i1 "a" [true] {x@1=i1})}`},
		{"groups", "ifaces :\n{\n\tids = [\"a\"];\n\tn = { m = 1; };\n};", `{ifaces@1={ids@3=["a"] n@4={m@4=i1}}}`},
		{"names", "a-b_c* = 1; *x = 2; Y9 = 3;", "{a-b_c*@1=i1 *x@1=i2 Y9@1=i3}"},
		{"lines after comments", "/* one\ntwo */ a = 1;\n# x\nb = 2;", "{a@2=i1 b@4=i2}"},
		{"wmediumd diamond", "model:\n{\n\ttype = \"snr\"\n\tlinks = (\n\t\t(0, 1, 10)\n\t);\n\tfading_coefficient = 1;\n};\n",
			`{model@1={type@3="snr" links@4=((i0 i1 i10)) fading_coefficient@7=i1}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := parseLibconfig(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if got := dump(v); got != tt.want {
				t.Errorf("got\n  %s\nwant\n  %s", got, tt.want)
			}
		})
	}
}

func TestLibconfigErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"no value", "a = ;", "line 1: expected a value"},
		{"no assign", "a 1;", "line 1: expected '=' or ':'"},
		{"eof after assign", "a =", "line 1: expected a value, got end of file"},
		{"bad name", "1a = 2;", "line 1: expected a setting name"},
		{"unclosed group", "a = {\n b = 1;\n", "line 3: missing '}'"},
		{"unclosed list", "a = (1,\n2", "line 2: missing ')'"},
		{"unclosed array", "a = [1, 2", "line 1: missing ']'"},
		{"group in array", "a = [{b = 1;}];", "an array [...] holds only scalars"},
		{"mixed array", `a = [1, "x"];`, "array elements must all be of one type"},
		{"int float array", `a = [1, 2.0];`, "array elements must all be of one type"},
		{"bad escape", `a = "\q";`, `unknown escape \q`},
		{"bad hex escape", `a = "\xZZ";`, `bad \x escape`},
		{"short hex escape", `a = "\x4`, `bad \x escape`},
		{"newline in string", "a = \"x\ny\";", "line 1: newline in string"},
		{"unterminated string", `a = "x`, "unterminated string"},
		{"unterminated comment", "a = 1;\n/* x", "line 2: unterminated /* comment"},
		{"bad number", "a = 1.2.3;", `bad value "1.2.3"`},
		{"bad word", "a = yes;", `bad value "yes"`},
		{"hex no digits", "a = 0x;", `bad value "0x"`},
		{"inf", "a = inf;", `bad value "inf"`},
		{"nan", "a = nan;", `bad value "nan"`},
		{"duplicate", "a = 1;\na = 2;", `line 2: duplicate setting "a" (first on line 1)`},
		{"include", "@include \"x\"", "@include"},
		{"missing comma", "a = (1 2);", "expected ',' or ')'"},
		{"stray close", "a = 1; }", "expected a setting name"},
		{"deep", "a = " + strings.Repeat("(", 100) + strings.Repeat(")", 100) + ";", "nested too deeply"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseLibconfig(tt.src)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func FuzzLibconfig(f *testing.F) {
	f.Add("ifaces : { ids = [\"02:00:00:00:00:00\"]; links = ((0, 1, 10)); };")
	f.Add("model = { type = \"path_loss\"; positions = ((1.0, 2.0)); xg = 0x10L; b = true; };")
	f.Add("/* c */ a: \"x\\x41\" \"y\" # z\n// w\n")
	f.Add("a = [1, 2,]; b = (); c = {};")
	f.Fuzz(func(t *testing.T, src string) {
		v, err := parseLibconfig(src)
		if err != nil {
			if _, ok := err.(*libconfigError); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		// Whatever parses decodes as a wmediumd file without panicking,
		// and every error names a line.
		d := &decoder{file: "fuzz.cfg"}
		d.wmediumd(v)
		if d.err != nil {
			if ce, ok := d.err.(*ConfigError); !ok || ce.File != "fuzz.cfg" {
				t.Fatalf("bad error %v", d.err)
			}
		}
		// Parsing is deterministic.
		w, err := parseLibconfig(src)
		if err != nil || dump(w) != dump(v) {
			t.Fatalf("second parse differs")
		}
	})
}
