package api

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The Client against fake media; package control tests it against the
// real server.

// sockPath returns a socket path short enough for sun_path.
func sockPath(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "api")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "medium.sock")
}

func ctx5(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func dial(t *testing.T, path string) *Client {
	t.Helper()
	c, err := Dial(ctx5(t), path)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// fakeMedium answers every request line with answer(line), until the
// test ends.
func fakeMedium(t *testing.T, answer func(line []byte) string) string {
	t.Helper()
	path := sockPath(t)
	ln, err := net.Listen("unix", path)
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := ReadLine(r, MaxRequestSize)
					if err != nil {
						return
					}
					if _, err := io.WriteString(c, answer(line)+"\n"); err != nil {
						return
					}
				}
			}()
		}
	}()
	return path
}

func TestDialNotRunning(t *testing.T) {
	path := sockPath(t)
	_, err := Dial(ctx5(t), path)
	assert.ErrorIs(t, err, ErrNotRunning)

	old, err := net.Listen("unix", path)
	require.NoError(t, err)
	old.(*net.UnixListener).SetUnlinkOnClose(false)
	old.Close()
	_, err = Dial(ctx5(t), path)
	assert.ErrorIs(t, err, ErrNotRunning, "stale socket")
}

func TestClientContext(t *testing.T) {
	// A server that accepts and never answers.
	path := sockPath(t)
	ln, err := net.Listen("unix", path)
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	c := dial(t, path)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = c.Status(ctx)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	_, err = c.Status(ctx5(t))
	assert.ErrorContains(t, err, "connection unusable")
}

// TestServerErrorCode: the Client hands over the medium's code, whatever
// it is, and ErrorCode finds it in a chain.
func TestServerErrorCode(t *testing.T) {
	tests := []struct {
		answer string
		code   Code
		msg    string
	}{
		{`{"v":1,"ok":false,"error":"block: \"vw9\": no such radio","code":"unknown_radio"}`, CodeUnknownRadio, `block: "vw9": no such radio`},
		{`{"v":1,"ok":false,"error":"later","code":"brand_new"}`, "brand_new", "later"},
		{`{"v":1,"ok":false,"error":"from before the codes"}`, "", "from before the codes"},
		{`{"v":1,"ok":false}`, "", "request failed (no reason given)"},
	}
	for _, tt := range tests {
		t.Run(tt.answer, func(t *testing.T) {
			c := dial(t, fakeMedium(t, func([]byte) string { return tt.answer }))
			err := c.Block(ctx5(t), "vw0", "vw9", false)
			var se *ServerError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, CmdLinkBlock, se.Cmd)
			assert.Equal(t, tt.code, se.Code)
			assert.Equal(t, tt.msg, se.Message)
			assert.Equal(t, "medium: "+tt.msg, err.Error())
			assert.Equal(t, tt.code, ErrorCode(fmt.Errorf("block vw0 vw9: %w", err)))
		})
	}
	assert.Equal(t, Code(""), ErrorCode(errors.New("not the medium's")))
	assert.Equal(t, Code(""), ErrorCode(nil))
}

func TestClientRefusesOtherVersion(t *testing.T) {
	c := dial(t, fakeMedium(t, func([]byte) string { return `{"v":2,"ok":true,"result":{}}` }))
	_, err := c.Status(ctx5(t))
	assert.ErrorContains(t, err, "medium answered in protocol version 2, want 1")
}

func TestReadLine(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want []string // lines, then the error's text
	}{
		{"a\nbc\n", 3, []string{"a", "bc", "EOF"}},
		{"abc\n", 3, []string{"line too long"}},
		{"abc", 10, []string{"EOF"}}, // an unterminated line is no line
		{"\n", 1, []string{"", "EOF"}},
		{strings.Repeat("x", 5000) + "\n", 5001, []string{strings.Repeat("x", 5000), "EOF"}},
	}
	for _, tt := range tests {
		r := bufio.NewReaderSize(strings.NewReader(tt.in), 16)
		var got []string
		for {
			line, err := ReadLine(r, tt.max)
			if err != nil {
				got = append(got, err.Error())
				break
			}
			got = append(got, string(line))
		}
		assert.Equal(t, tt.want, got, "%q", tt.in)
	}
	_, err := ReadLine(bufio.NewReaderSize(strings.NewReader("abcdef\n"), 16), 3)
	assert.ErrorIs(t, err, ErrLineTooLong)
}
