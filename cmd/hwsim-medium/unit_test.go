package main

import (
	"bufio"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSystemdUnit checks the unit in contrib/systemd: systemd waits for
// the medium's READY=1, restarts it after a crash, and starts it with
// flags it has.
func TestSystemdUnit(t *testing.T) {
	f, err := os.Open("../../contrib/systemd/hwsim-medium.service")
	require.NoError(t, err)
	defer f.Close()
	keys := map[string]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			section = strings.Trim(line, "[]")
		default:
			k, v, ok := strings.Cut(line, "=")
			require.True(t, ok, "not a key=value line: %q", line)
			keys[section+"."+k] = v
		}
	}
	require.NoError(t, sc.Err())
	assert.Equal(t, "notify", keys["Service.Type"])
	assert.Equal(t, "on-failure", keys["Service.Restart"])
	assert.Equal(t, "multi-user.target", keys["Install.WantedBy"])
	argv := strings.Fields(keys["Service.ExecStart"])
	require.NotEmpty(t, argv)
	assert.Equal(t, "/usr/local/bin/hwsim-medium", argv[0])
	_, err = parseFlags(argv[1:], io.Discard)
	assert.NoError(t, err, "ExecStart's flags")
}
