package main

import (
	"bufio"
	"encoding/json"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
)

// answerAll serves a fake medium that answers status, and every other
// request with an error of code and message.
func answerAll(t *testing.T, code api.Code, message string) string {
	t.Helper()
	path := tempSocket(t)
	ln, err := net.Listen("unix", path)
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	fail, err := json.Marshal(api.Response{V: api.ProtocolVersion, Error: message, Code: code})
	require.NoError(t, err)
	status, err := json.Marshal(api.Response{V: api.ProtocolVersion, OK: true, Result: json.RawMessage(`{"version":"0.1.0","protocol":1}`)})
	require.NoError(t, err)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				for s := bufio.NewScanner(c); s.Scan(); {
					var req api.Request
					resp := fail
					if json.Unmarshal(s.Bytes(), &req) == nil && req.Cmd == api.CmdStatus {
						resp = status
					}
					if _, err := c.Write(append(resp, '\n')); err != nil {
						return
					}
				}
			}()
		}
	}()
	return path
}

// TestErrorCodeReactions: vwifi-tool decides on the code of the medium's
// answer, not on its words: a hint for the codes a user can act on, the
// medium's message as it is for the others (also codes it does not know),
// and exit status 1 for all.
func TestErrorCodeReactions(t *testing.T) {
	const msg = `block: "vw9": no such radio`
	tests := []struct {
		code   api.Code
		stderr string
	}{
		{api.CodeUnknownRadio, "medium: " + msg + " (see 'vwifi-tool radios')\n"},
		{api.CodeUnknownCommand, "medium: " + msg + " (the running hwsim-medium is older than vwifi-tool 0.1.0; use the same release of both)\n"},
		{api.CodeUnsupportedVersion, "medium: " + msg + " (vwifi-tool 0.1.0 speaks protocol version 1; use the same release of hwsim-medium and vwifi-tool)\n"},
		// The words say "no such radio", the code does not: no hint.
		{api.CodeBadRequest, "medium: " + msg + "\n"},
		{api.CodeBadArgs, "medium: " + msg + "\n"},
		{api.CodeNoModel, "medium: " + msg + "\n"},
		{api.CodePermissionDenied, "medium: " + msg + "\n"},
		{api.CodeBusy, "medium: " + msg + "\n"},
		{api.CodeInternal, "medium: " + msg + "\n"},
		{"", "medium: " + msg + "\n"},        // a medium older than the codes
		{"on_fire", "medium: " + msg + "\n"}, // a code newer than vwifi-tool
	}
	for _, tt := range tests {
		t.Run(string(tt.code), func(t *testing.T) {
			sock := answerAll(t, tt.code, msg)
			stdout, stderr, code := runTool("--socket", sock, "block", "vw0", "vw9")
			assert.Empty(t, stdout)
			assert.Equal(t, "vwifi-tool: block vw0 vw9: "+tt.stderr, stderr)
			assert.Equal(t, exitFailure, code)
		})
	}

	// A hint follows the code, whatever the words.
	sock := answerAll(t, api.CodeUnknownRadio, "deny: source \"wlan0\" is not here")
	_, stderr, code := runTool("--socket", sock, "deny", "add", "vw0", "wlan0")
	assert.Equal(t, "vwifi-tool: deny add: medium: deny: source \"wlan0\" is not here (see 'vwifi-tool radios')\n", stderr)
	assert.Equal(t, exitFailure, code)
}
