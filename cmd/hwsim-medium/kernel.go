package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"strings"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
)

// errNotRoot is what a user who is not root is told.
var errNotRoot = errors.New("must run as root (creating radios and registering as the medium need CAP_NET_ADMIN): try sudo hwsim-medium")

// checkRoot refuses to go on unless euid is root's.
func checkRoot(euid int) error {
	if euid != 0 {
		return errNotRoot
	}
	return nil
}

// dialLoading connects to mac80211_hwsim, loading the module with no radios
// of its own when the family is missing.
func dialLoading(ctx context.Context, log *slog.Logger) (*hwsim.Client, error) {
	return dialLoadingWith(ctx, log, hwsim.Dial, func(ctx context.Context) ([]byte, error) {
		return exec.CommandContext(ctx, "modprobe", "mac80211_hwsim", "radios=0").CombinedOutput()
	})
}

// dialLoadingWith is dialLoading with the dial and the modprobe to use.
func dialLoadingWith(ctx context.Context, log *slog.Logger, dial func(context.Context) (*hwsim.Client, error), modprobe func(context.Context) ([]byte, error)) (*hwsim.Client, error) {
	c, err := dial(ctx)
	if !errors.Is(err, hwsim.ErrNoFamily) {
		return c, err
	}
	log.Info("mac80211_hwsim is not loaded: running modprobe mac80211_hwsim radios=0")
	out, merr := modprobe(ctx)
	if merr != nil {
		return nil, fmt.Errorf("mac80211_hwsim is not loaded and 'modprobe mac80211_hwsim radios=0' failed: %v: %s (install your kernel's modules package, or load the module on the host of this container)",
			merr, strings.TrimSpace(string(out)))
	}
	c, err = dial(ctx)
	if err != nil {
		return nil, fmt.Errorf("after loading mac80211_hwsim: %w", err)
	}
	return c, nil
}
