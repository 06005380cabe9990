package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
)

// The seed-compatible commands: the status check, -d/-s and -c, word for
// word as the vwifi project's vwifi-tool prints them.

// liveJSON is the --json form of a live status check: {"status":"live"}
// with the medium's status fields.
func liveJSON(st api.Status) (map[string]any, error) {
	b, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("encoding the status: %w", err)
	}
	out := map[string]any{}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("decoding the status: %w", err)
	}
	out["status"] = "live"
	return out, nil
}

// seedLive connects and prints the seed's status line; when the medium is
// not running it prints "not loaded" and returns an ErrNotRunning error.
func (t *tool) seedLive(ctx context.Context) (api.Status, error) {
	st, err := t.connect(ctx)
	if errors.Is(err, api.ErrNotRunning) {
		if t.o.json {
			// The error returned says what matters: not running.
			_ = t.printJSON(map[string]string{"status": "not loaded"})
		} else {
			fmt.Fprintln(t.stdout, "vwifi status : not loaded")
		}
		return st, err
	}
	if err != nil {
		return st, err
	}
	if !t.o.json {
		fmt.Fprintln(t.stdout, "vwifi status : live")
	}
	return st, nil
}

// seedStatus is the status check: no arguments, or the status command.
func (t *tool) seedStatus(ctx context.Context) error {
	st, err := t.seedLive(ctx)
	if errors.Is(err, api.ErrNotRunning) {
		return errReported // "not loaded" says it all, as with vwifi
	}
	if err != nil {
		return err
	}
	if t.o.json {
		out, err := liveJSON(st)
		if err != nil {
			return err
		}
		return t.printJSON(out)
	}
	return nil
}

// The seed's own words.
const (
	msgConfiguring = "Configuring denylist for vwifi..."
	msgReceived    = "Message from vwifi: vwifi has received your denylist"
	msgUnset       = "Unset denylist for vwifi..."
)

// seedDeny is -d/-s: the pairs become the whole denylist.
func (t *tool) seedDeny(ctx context.Context) error {
	rules := make([]api.DenyRule, len(t.o.dsts))
	for i := range rules {
		rules[i] = api.DenyRule{Dst: t.o.dsts[i], Src: t.o.srcs[i]}
	}
	if _, err := t.seedLive(ctx); err != nil {
		return err
	}
	if !t.o.json {
		fmt.Fprintln(t.stdout, "denylist:")
		for _, r := range rules {
			fmt.Fprintf(t.stdout, "%s denys %s\n", r.Dst, r.Src)
		}
		fmt.Fprintln(t.stdout, msgConfiguring)
	}
	now, err := t.c.DenySet(ctx, rules...)
	if err != nil {
		return fmt.Errorf("loading the denylist: %w", err)
	}
	if t.o.json {
		return t.printJSON(map[string]any{"status": "live", "rules": now})
	}
	fmt.Fprintln(t.stdout, msgReceived)
	return nil
}

// seedClear is -c.
func (t *tool) seedClear(ctx context.Context) error {
	if _, err := t.seedLive(ctx); err != nil {
		return err
	}
	if !t.o.json {
		fmt.Fprintln(t.stdout, msgUnset)
		fmt.Fprintln(t.stdout, msgConfiguring)
	}
	if err := t.c.DenyClear(ctx); err != nil {
		return fmt.Errorf("clearing the denylist: %w", err)
	}
	if t.o.json {
		return t.printJSON(map[string]any{"status": "live", "rules": []api.DenyRule{}})
	}
	fmt.Fprintln(t.stdout, msgReceived)
	return nil
}
