package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
)

// The commands that vwifi's tool does not have: radios, stats, deny and
// block/unblock (the link-model commands are in model.go).

// connectRadios connects and lists the radios (an empty list, never nil,
// so JSON shows []).
func (t *tool) connectRadios(ctx context.Context) (api.Status, []api.RadioInfo, error) {
	st, err := t.connect(ctx)
	if err != nil {
		return st, nil, err
	}
	radios, err := t.c.Radios(ctx)
	if err != nil {
		return st, nil, fmt.Errorf("listing radios: %w", err)
	}
	if radios == nil {
		radios = []api.RadioInfo{}
	}
	return st, radios, nil
}

// radios is the radios command: one line per radio.
func (t *tool) radios(ctx context.Context) error {
	_, radios, err := t.connectRadios(ctx)
	if err != nil {
		return err
	}
	if t.o.json {
		return t.printJSON(api.RadiosResult{Radios: radios})
	}
	if len(radios) == 0 {
		fmt.Fprintln(t.stdout, "no radios")
		return nil
	}
	w := tabwriter.NewWriter(t.stdout, 0, 0, 2, ' ', 0)
	// In a federated air, every member's radios are listed, with the
	// member that serves each ("-": this one).
	federated := slices.ContainsFunc(radios, func(r api.RadioInfo) bool { return r.Member != "" })
	member := func(r api.RadioInfo) string {
		if !federated {
			return ""
		}
		return orDash(r.Member) + "\t"
	}
	head := "IFACE\tWIPHY\tADDRESS\tFREQ\tTX\tRX"
	if federated {
		head = "MEMBER\t" + head
	}
	fmt.Fprintln(w, head)
	for _, r := range radios {
		fmt.Fprintf(w, "%s%s\t%s\t%s\t%s\t%d\t%d\n", member(r), orDash(r.Iface), r.Name, r.HWAddr, freq(r.Freq), r.Stats.TxFrames, r.Stats.RxFrames)
	}
	return w.Flush()
}

// stats is the stats command: medium-wide, per-radio and per-link
// counters.
func (t *tool) stats(ctx context.Context) error {
	st, radios, err := t.connectRadios(ctx)
	if err != nil {
		return err
	}
	if t.o.json {
		return t.printJSON(map[string]any{"status": st, "radios": radios})
	}
	w := tabwriter.NewWriter(t.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "medium:\thwsim-medium %s (protocol %d)\n", st.Version, st.Protocol)
	fmt.Fprintf(w, "uptime:\t%s\n", st.UptimeDuration().Truncate(time.Second))
	fmt.Fprintf(w, "radios:\t%d\n", st.Radios)
	fmt.Fprintf(w, "frames:\t%d\n", st.Stats.Frames)
	fmt.Fprintf(w, "malformed:\t%d\n", st.Stats.Malformed)
	fmt.Fprintf(w, "send errors:\t%d\n", st.Stats.SendErrors)
	if c := st.Capture; c != nil {
		fmt.Fprintf(w, "captures:\t%d running, %d records written, %d dropped (read too slowly)\n", c.Running, c.Written, c.Dropped)
	}
	fmt.Fprintf(w, "addresses forgotten:\t%d\t(learned from frames, past the bound per radio)\n", st.Stats.AddrsEvicted)
	fmt.Fprintf(w, "radios forgotten:\t%d\t(known only from frames, past the bound)\n", st.Stats.RadiosEvicted)
	if st.Stats.AirQueueDrops > 0 {
		fmt.Fprintf(w, "airtime queue drops:\t%d\t(frames failed: their radio sent faster than its channel carries)\n", st.Stats.AirQueueDrops)
	}
	if ss := st.Stats.Socket; ss != nil {
		fmt.Fprintf(w, "socket overruns:\t%d\t(the kernel dropped messages: receive buffer full)\n", ss.Overruns)
		fmt.Fprintf(w, "socket malformed:\t%d\t(kernel messages that did not decode)\n", ss.Malformed)
		fmt.Fprintf(w, "socket send errors:\t%d\t(sends the kernel refused)\n", ss.SendErrors)
		fmt.Fprintf(w, "deliveries refused:\t%d\t(to idle or off-channel radios: normal)\n", ss.Rejected)
		fmt.Fprintf(w, "deliveries skipped:\t%d\t(to a radio that had just refused one)\n", ss.Skipped)
		fmt.Fprintf(w, "answers lost:\t%d\t(waits for the kernel's answers to deliveries given up: a receive overrun lost them)\n", ss.Unanswered)
		fmt.Fprintf(w, "sends:\t%d\t(%d messages)\n", ss.Sends, ss.Messages)
	}
	if b := st.Stats.Bus; b != nil {
		fmt.Fprintf(w, "air frames out/in:\t%d / %d\t(to and from the other members)\n", b.FramesOut, b.FramesIn)
		fmt.Fprintf(w, "air answers in/out:\t%d / %d\t(acks for frames to another member's radio)\n", b.AcksIn, b.AcksOut)
		fmt.Fprintf(w, "air answers late:\t%d\t(no answer in time: reported unacked)\n", b.AckTimeouts)
		fmt.Fprintf(w, "air rejected:\t%d\t(frames from radios their member does not serve, stray answers)\n", b.Rejected)
		if b.HeldOverflow > 0 {
			fmt.Fprintf(w, "air held overflow:\t%d\t(too many frames waiting for answers)\n", b.HeldOverflow)
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if len(radios) == 0 {
		return nil
	}
	fmt.Fprintln(t.stdout)
	w = tabwriter.NewWriter(t.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "RADIO\tTX FRAMES\tTX BYTES\tRX FRAMES\tRX BYTES\tACKED\tNOT ACKED")
	var links []string
	for _, r := range radios {
		s := r.Stats
		name := displayName(r)
		fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%d\t%d\n", name, s.TxFrames, s.TxBytes, s.RxFrames, s.RxBytes, s.Acked, s.NotAcked)
		for _, l := range r.Links {
			links = append(links, fmt.Sprintf("%s\t%s\t%d\t%d\t%d\t%d\n", name, l.To, l.Frames, l.Bytes, l.Blocked, l.Lost))
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if len(links) == 0 {
		return nil
	}
	fmt.Fprintln(t.stdout)
	w = tabwriter.NewWriter(t.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "FROM\tTO\tFRAMES\tBYTES\tBLOCKED\tLOST")
	for _, l := range links {
		fmt.Fprint(w, l)
	}
	return w.Flush()
}

// deny is the deny command and its subcommands ls, add, rm, set, clear.
func (t *tool) deny(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("deny needs a subcommand: ls, add, rm, set or clear")
	}
	sub, rest := args[0], args[1:]
	var rules []api.DenyRule
	switch sub {
	case "ls", "list", "clear":
		if len(rest) > 0 {
			return usagef("deny %s takes no arguments", sub)
		}
	case "add", "rm", "remove", "set":
		if len(rest) == 0 || len(rest)%2 != 0 {
			return usagef("deny %s needs DST SRC pairs, got %d name(s)", sub, len(rest))
		}
		for i := 0; i < len(rest); i += 2 {
			rules = append(rules, api.DenyRule{Dst: rest[i], Src: rest[i+1]})
		}
	default:
		return usagef("unknown deny subcommand %q: want ls, add, rm, set or clear", sub)
	}
	if _, err := t.connect(ctx); err != nil {
		return err
	}
	var now []api.DenyRule
	var err error
	switch sub {
	case "ls", "list":
		now, err = t.c.DenyList(ctx)
	case "clear":
		err = t.c.DenyClear(ctx)
	case "add":
		now, err = t.c.DenyAdd(ctx, rules...)
	case "rm", "remove":
		now, err = t.c.DenyRemove(ctx, rules...)
	case "set":
		now, err = t.c.DenySet(ctx, rules...)
	}
	if err != nil {
		return fmt.Errorf("deny %s: %w", sub, err)
	}
	if now == nil {
		now = []api.DenyRule{}
	}
	if t.o.json {
		return t.printJSON(api.DenylistResult{Rules: now})
	}
	if len(now) == 0 {
		fmt.Fprintln(t.stdout, "denylist is empty")
		return nil
	}
	if sub != "ls" && sub != "list" {
		fmt.Fprintln(t.stdout, "denylist:")
	}
	for _, r := range now {
		fmt.Fprintf(t.stdout, "%s denys %s\n", r.Dst, r.Src)
	}
	return nil
}

// block is the block command, or with blocked false the unblock command.
func (t *tool) block(ctx context.Context, blocked bool, tx, rx string) error {
	if _, err := t.connect(ctx); err != nil {
		return err
	}
	verb, call := "blocked", t.c.Block
	if !blocked {
		verb, call = "unblocked", t.c.Unblock
	}
	if err := call(ctx, tx, rx, t.o.both); err != nil {
		return fmt.Errorf("%s %s %s: %w", strings.TrimSuffix(verb, "ed"), tx, rx, err)
	}
	if t.o.json {
		return t.printJSON(api.LinkResult{TX: tx, RX: rx, Both: t.o.both, Blocked: blocked})
	}
	arrow := "->"
	if t.o.both {
		arrow = "<->"
	}
	fmt.Fprintf(t.stdout, "%s %s %s %s\n", verb, tx, arrow, rx)
	return nil
}
