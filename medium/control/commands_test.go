package control

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
)

// docCommands returns the commands docs/control-api.md has a heading for,
// and whether each is under "Link-model commands".
func docCommands(t *testing.T) map[string]bool {
	t.Helper()
	doc, err := os.ReadFile("../../docs/control-api.md")
	require.NoError(t, err)
	heading := regexp.MustCompile("^(#{2,4}) (.*)$")
	name := regexp.MustCompile("`([a-z.]+)`")
	out := map[string]bool{}
	inCommands, inModel := false, false
	for _, line := range strings.Split(string(doc), "\n") {
		m := heading.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		switch level := len(m[1]); {
		case level == 2:
			inCommands, inModel = m[2] == "Commands", false
			continue
		case level == 3:
			inModel = m[2] == "Link-model commands"
		}
		if !inCommands {
			continue
		}
		for _, n := range name.FindAllStringSubmatch(m[2], -1) {
			out[n[1]] = inModel
		}
	}
	return out
}

// TestCommandTableDocumented: every command has its heading in
// docs/control-api.md, the link-model ones under "Link-model commands",
// and the doc documents no command the server does not have.
func TestCommandTableDocumented(t *testing.T) {
	documented := docCommands(t)
	seen := map[string]bool{}
	for _, c := range commandTable() {
		assert.False(t, seen[c.name], "%s is in the table twice", c.name)
		seen[c.name] = true
		inModel, ok := documented[c.name]
		if assert.True(t, ok, "docs/control-api.md has no heading for %s", c.name) {
			assert.Equal(t, c.needsModel, inModel, "%s: needs a model, but the doc says otherwise (or the reverse)", c.name)
		}
	}
	for name := range documented {
		assert.True(t, seen[name], "docs/control-api.md documents %s, which the server does not have", name)
	}
}

// TestCommandTableFlags: the table's flags hold for each command against
// a medium without a link model. A command that needs one fails with
// no_model, whatever its arguments; a read-only one changes nothing.
func TestCommandTableFlags(t *testing.T) {
	r := serve(t, nil, 0)
	rc := dialRaw(t, r.path)
	for _, c := range commandTable() {
		t.Run(c.name, func(t *testing.T) {
			before := r.m.Changes()
			resp := rc.send(`{"v":1,"cmd":"` + c.name + `","args":{"no such field":1}}`)
			assert.False(t, resp.OK)
			if c.needsModel {
				assert.Equal(t, api.CodeNoModel, resp.Code, resp.Error)
			} else {
				assert.Equal(t, api.CodeBadArgs, resp.Code, resp.Error)
			}
			if c.readOnly && !c.needsModel && c.stream == nil {
				resp := rc.send(`{"v":1,"cmd":"` + c.name + `"}`)
				assert.True(t, resp.OK, resp.Error)
				assert.Equal(t, before, r.m.Changes(), "read-only %s changed the medium", c.name)
			}
		})
	}
}

func TestUnknownCommandNamesTheTable(t *testing.T) {
	_, _, err := decodeRequest([]byte(`{"v":1,"cmd":"nope"}`))
	require.Error(t, err)
	assert.Equal(t, `unknown command "nope" (known: `+strings.Join(commandNames(), ", ")+`)`, err.Error())
	assert.Equal(t, api.CodeUnknownCommand, codeOf(err))
}

// TestCommandSummaryInDoc: the summary table of docs/control-api.md
// lists every command, in the table's order, with the table's flags.
func TestCommandSummaryInDoc(t *testing.T) {
	doc, err := os.ReadFile("../../docs/control-api.md")
	require.NoError(t, err)
	row := regexp.MustCompile("(?m)^\\| `([a-z.]+)` \\|.*\\| (yes|no) \\| (yes|no) \\|$")
	var got, want []string
	for _, m := range row.FindAllStringSubmatch(string(doc), -1) {
		got = append(got, m[1]+" changes="+m[2]+" model="+m[3])
	}
	yes := map[bool]string{true: "yes", false: "no"}
	for _, c := range commandTable() {
		want = append(want, c.name+" changes="+yes[!c.readOnly]+" model="+yes[c.needsModel])
	}
	assert.Equal(t, want, got)
}
