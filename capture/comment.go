package capture

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

// A record's comments (pcapng opt_comment, Wireshark's frame.comment) say
// what the medium decided: the first one the transmitter's TX status, then
// one per group of receivers with the same outcome, the addressee first:
//
//	tx vw0: acked (try 3)
//	rx vw1: delivered, -48 dBm, 54 Mb/s, try 3, addressee
//	rx vw2, vw3: delivered, -50 dBm, 54 Mb/s
//	rx vw4: not-heard (out of range)
//
// docs/capture.md lists every form.

// maxNames bounds the radios one comment names; the rest are counted.
const maxNames = 32

// appendComments appends r's comments to out.
func appendComments(out []string, r *Record) []string {
	out = append(out, txComment(r))
	type group struct {
		first Reception
		names []string
	}
	var groups []*group
	find := func(x *Reception) *group {
		for _, g := range groups {
			if sameGroup(&g.first, x) {
				return g
			}
		}
		g := &group{first: *x}
		groups = append(groups, g)
		return g
	}
	// The addressee first, then outcome by outcome in radio order.
	for i := range r.Receptions {
		if x := &r.Receptions[i]; x.Addressee {
			g := find(x)
			g.names = append(g.names, x.Radio)
		}
	}
	for o := Delivered; o <= Denied; o++ {
		for i := range r.Receptions {
			if x := &r.Receptions[i]; x.Outcome == o && !x.Addressee {
				g := find(x)
				g.names = append(g.names, x.Radio)
			}
		}
	}
	for i := range r.Receptions {
		if x := &r.Receptions[i]; !x.Addressee && (x.Outcome < Delivered || x.Outcome > Denied) {
			g := find(x)
			g.names = append(g.names, x.Radio)
		}
	}
	for _, g := range groups {
		out = append(out, rxComment(r.Freq, &g.first, g.names))
	}
	return out
}

// txComment says what the transmitter's TX status reported.
func txComment(r *Record) string {
	var what string
	switch {
	case r.Malformed:
		what = "malformed, not routed"
	case r.NoAck:
		what = "no ack expected"
	case r.Acked && r.Tries > 0:
		what = "acked (try " + strconv.Itoa(r.Tries) + ")"
	case r.Acked:
		what = "acked"
	case r.Tries > 0:
		what = "not acked (" + plural(r.Tries, "try", "tries") + ")"
	default:
		what = "not acked"
	}
	return "tx " + r.Transmitter + ": " + what
}

// sameGroup reports whether two receptions read the same in a comment.
func sameGroup(a, b *Reception) bool {
	if a.Outcome != b.Outcome || a.Addressee != b.Addressee {
		return false
	}
	switch a.Outcome {
	case NotHeard, Blocked, Denied:
		return true
	}
	return a.Signal == b.Signal && a.Rate == b.Rate && a.Tries == b.Tries
}

// rxComment describes the outcome x shared by the radios names.
func rxComment(freq uint32, x *Reception, names []string) string {
	var b strings.Builder
	b.WriteString("rx ")
	if len(names) > maxNames {
		b.WriteString(strings.Join(names[:maxNames], ", "))
		fmt.Fprintf(&b, " and %d more", len(names)-maxNames)
	} else {
		b.WriteString(strings.Join(names, ", "))
	}
	b.WriteString(": ")
	b.WriteString(x.Outcome.String())
	switch x.Outcome {
	case Refused:
		b.WriteString(" by its kernel (idle, stopped or on another channel)")
	case Deaf:
		b.WriteString(" (it was transmitting)")
	case NotHeard:
		b.WriteString(" (out of range)")
	case Blocked:
		b.WriteString(" (link block)")
	case Denied:
		b.WriteString(" (denylist)")
	}
	switch x.Outcome {
	case Delivered, Refused:
		fmt.Fprintf(&b, ", %d dBm, %s", x.Signal, RateString(freq, x.Rate))
		if x.Addressee {
			fmt.Fprintf(&b, ", try %d", x.Tries)
		}
	case Lost, Collided, Deaf:
		fmt.Fprintf(&b, ", %d dBm", x.Signal)
		if x.Addressee {
			b.WriteString(", " + plural(x.Tries, "try", "tries"))
		}
	}
	if x.Addressee {
		b.WriteString(", addressee")
	}
	return b.String()
}

// RateString describes a retry-chain entry on freq: "54 Mb/s", "HT MCS 7,
// 65 Mb/s", "VHT MCS 9 NSS 2, 80 MHz, 866.7 Mb/s".
func RateString(freq uint32, r mac.TxRate) string {
	info, ok := mac.TxRateInfo(freq, r.Idx, r.Flags)
	if !ok {
		return fmt.Sprintf("rate index %d (flags %#x)", r.Idx, r.Flags)
	}
	mbps := strconv.FormatFloat(float64(info.Kbps)/1000, 'f', 1, 64)
	if info.Kbps%1000 == 0 {
		mbps = strconv.Itoa(info.Kbps / 1000)
	}
	mbps += " Mb/s"
	width := ""
	if info.WidthMHz != 20 {
		width = fmt.Sprintf(", %d MHz", info.WidthMHz)
	}
	sgi := ""
	if info.ShortGI {
		sgi = ", short GI"
	}
	switch info.Format {
	case mac.FormatHT:
		return fmt.Sprintf("HT MCS %d%s%s, %s", r.Idx, width, sgi, mbps)
	case mac.FormatVHT:
		return fmt.Sprintf("VHT MCS %d NSS %d%s%s, %s", info.MCS, info.NSS, width, sgi, mbps)
	}
	return mbps
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// maxCachedComments bounds the comment cache: far more than the outcome
// patterns of a steady network, which repeat frame after frame.
const maxCachedComments = 512

// commentCache renders each pattern of outcomes once: formatting the
// comments is most of a record's cost, and steady traffic repeats the same
// few patterns (BenchmarkWriter).
type commentCache struct {
	key []byte
	m   map[string][]string
}

// comments returns r's comments; the slice is shared and must not be
// modified.
func (c *commentCache) comments(r *Record) []string {
	c.key = appendCommentKey(c.key[:0], r)
	if out, ok := c.m[string(c.key)]; ok {
		return out
	}
	out := appendComments(nil, r)
	if c.m == nil || len(c.m) >= maxCachedComments {
		c.m = map[string][]string{}
	}
	c.m[string(c.key)] = out
	return out
}

// appendCommentKey appends everything r's comments depend on.
func appendCommentKey(b []byte, r *Record) []byte {
	var flags byte
	if r.Malformed {
		flags |= 1
	}
	if r.NoAck {
		flags |= 2
	}
	if r.Acked {
		flags |= 4
	}
	b = append(append(b, r.Transmitter...), 0, flags)
	b = binary.AppendUvarint(b, uint64(r.Tries))
	b = binary.AppendUvarint(b, uint64(r.Freq))
	for i := range r.Receptions {
		x := &r.Receptions[i]
		b = append(append(b, x.Radio...), 0, byte(x.Outcome), byte(x.Rate.Idx))
		b = binary.AppendVarint(b, int64(x.Signal))
		b = binary.AppendUvarint(b, uint64(x.Rate.Flags))
		b = binary.AppendUvarint(b, uint64(x.Tries))
		if x.Addressee {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
	}
	return b
}
