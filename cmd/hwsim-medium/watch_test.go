package main

import (
	"io"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWatchFlags(t *testing.T) {
	o, err := parseFlags([]string{"--http", "127.0.0.1:8080", "--http-token", "abc", "--http-read-only"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, watchOptions{addr: "127.0.0.1:8080", token: "abc", readOnly: true}, o.http)
	o, err = parseFlags(nil, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, watchOptions{}, o.http, "off by default")
	_, err = parseFlags([]string{"--http", "8080"}, io.Discard)
	assert.ErrorContains(t, err, "want host:port")
}

func TestWatchToken(t *testing.T) {
	for _, tc := range []struct {
		name, addr, token string
		generated         bool
	}{
		{name: "loopback needs none", addr: "127.0.0.1:8080"},
		{name: "a given token is kept", addr: "127.0.0.1:8080", token: "abc"},
		{name: "given, not loopback", addr: "0.0.0.0:8080", token: "abc"},
		{name: "generated for every interface", addr: ":8080", generated: true},
		{name: "generated for another address", addr: "192.0.2.1:8080", generated: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			token, generated, err := watchToken(watchOptions{addr: tc.addr, token: tc.token})
			require.NoError(t, err)
			assert.Equal(t, tc.generated, generated)
			if tc.generated {
				assert.Len(t, token, 32)
			} else {
				assert.Equal(t, tc.token, token)
			}
		})
	}
}

func TestListenWatch(t *testing.T) {
	ln, token, err := listenWatch(watchOptions{}, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	assert.Nil(t, ln, "no --http, no listener")
	assert.Empty(t, token)
	ln, token, err = listenWatch(watchOptions{addr: "127.0.0.1:0"}, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer ln.Close()
	assert.Empty(t, token, "loopback: no token unless given")
	_, _, err = listenWatch(watchOptions{addr: ln.Addr().String()}, slog.New(slog.DiscardHandler))
	assert.ErrorContains(t, err, "--http", "a taken port says which flag")
}
