package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
)

func TestNotRoot(t *testing.T) {
	assert.NoError(t, checkRoot(0))
	err := checkRoot(1000)
	require.Error(t, err)
	assert.Equal(t, "must run as root (creating radios and registering as the medium need CAP_NET_ADMIN): try sudo hwsim-medium", err.Error())
}

func TestModuleMissing(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	noFamily := func(context.Context) (*hwsim.Client, error) {
		return nil, fmt.Errorf("resolve family: %w", hwsim.ErrNoFamily)
	}
	t.Run("modprobe fails", func(t *testing.T) {
		_, err := dialLoadingWith(context.Background(), log, noFamily, func(context.Context) ([]byte, error) {
			return []byte("modprobe: FATAL: Module mac80211_hwsim not found in directory /lib/modules/6.1.0\n"), errors.New("exit status 1")
		})
		require.Error(t, err)
		assert.Equal(t, "mac80211_hwsim is not loaded and 'modprobe mac80211_hwsim radios=0' failed: exit status 1: "+
			"modprobe: FATAL: Module mac80211_hwsim not found in directory /lib/modules/6.1.0 "+
			"(install your kernel's modules package, or load the module on the host of this container)", err.Error())
	})
	t.Run("still missing after modprobe", func(t *testing.T) {
		_, err := dialLoadingWith(context.Background(), log, noFamily, func(context.Context) ([]byte, error) { return nil, nil })
		assert.ErrorIs(t, err, hwsim.ErrNoFamily)
		assert.ErrorContains(t, err, "after loading mac80211_hwsim")
	})
	t.Run("other errors are not a missing module", func(t *testing.T) {
		boom := errors.New("dial generic netlink: permission denied")
		called := false
		_, err := dialLoadingWith(context.Background(), log,
			func(context.Context) (*hwsim.Client, error) { return nil, boom },
			func(context.Context) ([]byte, error) { called = true; return nil, nil })
		assert.ErrorIs(t, err, boom)
		assert.False(t, called, "no modprobe")
	})
}
