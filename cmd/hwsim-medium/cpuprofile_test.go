package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStartCPUProfile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cpu.prof")
	stop, err := startCPUProfile(path, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	stop()
	stop() // a second stop (the deferred one) is harmless
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Positive(t, fi.Size(), "profile written")

	_, err = startCPUProfile(filepath.Join(t.TempDir(), "missing", "cpu.prof"), slog.New(slog.DiscardHandler))
	assert.Error(t, err)
}
