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

// statusJSON is the --json form of the status check: {"status":"live"}
// with the medium's status fields, or {"status":"not loaded"}.
func statusJSON(state string, st *api.Status) any {
	out := map[string]any{}
	if st != nil {
		b, _ := json.Marshal(st)
		json.Unmarshal(b, &out)
	}
	out["status"] = state
	return out
}

// seedLive connects and prints the seed's status line; when the medium is
// not running it prints "not loaded" and returns an ErrNotRunning error.
func (t *tool) seedLive(ctx context.Context) (api.Status, error) {
	st, err := t.connect(ctx)
	if errors.Is(err, api.ErrNotRunning) {
		if t.o.json {
			t.printJSON(statusJSON("not loaded", nil))
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

func (t *tool) seedStatus(ctx context.Context) error {
	st, err := t.seedLive(ctx)
	if errors.Is(err, api.ErrNotRunning) {
		return errReported // "not loaded" says it all, as with vwifi
	}
	if err != nil {
		return err
	}
	if t.o.json {
		return t.printJSON(statusJSON("live", &st))
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
