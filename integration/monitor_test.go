//go:build integration

package integration

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

// monitorTries is how many times TestMonitorHearsAtOnce brings a monitor
// up; it judges the median, so one slow try under TCG does not fail it.
const monitorTries = 5

// monitorWithin is how soon after `ip link set up` a monitor must capture
// its first beacon (median of the tries): beacons come every 102.4 ms, so
// this leaves one beacon interval and the VM's scheduling, and it is half
// of what the medium's old fixed 500 ms skip of a refusing radio gave.
const monitorWithin = 250 * time.Millisecond

// monitorCompare runs TestMonitorHearsAtOnce also against another
// hwsim-medium build, as provider "medium-compare".
var monitorCompare = flag.String("monitor.compare", "", "TestMonitorHearsAtOnce: path (in the VM) of another hwsim-medium build, run as provider \"medium-compare\" after the others (e.g. the build before a change, to show the test fails there)")

// TestMonitorHearsAtOnce brings a monitor interface up on a radio that had
// no interface up (the kernel refused every delivery to it) and requires
// the first beacon of an AP on its channel to be captured within
// monitorWithin. A monitor that only listens gives the medium no event, so
// this is what the frame socket's skipping of refusing radios
// (hwsim/deafness_linux.go) must leave room for. Kernel-direct shows the
// kernel's own delivery for comparison.
func TestMonitorHearsAtOnce(t *testing.T) {
	ps := providers()
	if *monitorCompare != "" {
		ps = append(ps, comparedMedium{mediumBinary{bin: *monitorCompare}})
	}
	for _, p := range ps {
		t.Run(p.Name(), func(t *testing.T) { monitorHearsAtOnce(t, p) })
	}
}

// comparedMedium is the medium provider with another build, named apart.
type comparedMedium struct{ mediumBinary }

func (comparedMedium) Name() string { return "medium-compare" }

// monitorAP is TestMonitorHearsAtOnce's AP: on channel 1, where a new
// monitor interface listens (mac80211's default monitor channel, the
// first of the radio). Its channel cannot be set before it is up
// (cfg80211 answers EBUSY while no monitor runs), and tuning it after
// would measure from the tuning, not from `ip link set up`.
var monitorAP = APConfig{SSID: "monitor", Passphrase: SeedAP.Passphrase, Channel: 1}

func monitorHearsAtOnce(t *testing.T, p Provider) {
	tb := NewTestbed(t, p, 2)
	ap := tb.Place(0, "")
	ap.StartAP(monitorAP)
	bssid, err := mac.ParseAddr(ap.MAC)
	if err != nil {
		t.Fatalf("the AP's address %q: %v", ap.MAC, err)
	}
	// The listener stays in this namespace, its interface down.
	r := tb.Radios[1]
	m := activeMedium.Load() // nil for kernel-direct
	var delays []time.Duration
	for try := range monitorTries {
		mon := fmt.Sprintf("hwmon%d", try)
		mustRun(t, "iw", "phy", r.Phy, "interface", "add", mon, "type", "monitor")
		fd := packetSocket(t, mon)
		if m != nil {
			// Come up right after the radio refused a beacon: the
			// moment after which a medium that skips refusing
			// radios skips the longest.
			waitRefusal(t, m)
		}
		mustRun(t, "ip", "link", "set", mon, "up")
		up := time.Now()
		d, err := firstBeacon(fd, bssid, up, 2*time.Second)
		unix.Close(fd)
		if err != nil {
			info, _ := run("iw", "dev", mon, "info")
			t.Fatalf("try %d: %s on %s: %v; iw dev %s info (the AP is on channel %d):\n%s", try+1, mon, r.Phy, err, mon, monitorAP.Channel, info)
		}
		mustRun(t, "iw", "dev", mon, "del")
		t.Logf("try %d: first beacon %.1f ms after %s came up", try+1, ms(d), mon)
		delays = append(delays, d)
	}
	sorted := slices.Clone(delays)
	slices.Sort(sorted)
	median := sorted[len(sorted)/2]
	var each []string
	for _, d := range delays {
		each = append(each, fmt.Sprintf("%.0f", ms(d)))
	}
	t.Logf("%s: median %.1f ms from `ip link set up` to the first beacon (tries: %s ms)", p.Name(), ms(median), strings.Join(each, ", "))
	if median > monitorWithin {
		t.Errorf("a monitor interface brought up on a radio that had been refusing deliveries captured its first beacon %.0f ms after it came up (median of %d tries: %s ms), want within %s (beacons come every 102.4 ms): the medium still skips deliveries to a radio that has just refused one for too long (hwsim/deafness_linux.go)",
			ms(median), monitorTries, strings.Join(each, ", "), monitorWithin)
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// packetSocket opens a packet socket on iface, bound before the interface
// comes up so that no frame after that is missed.
func packetSocket(t *testing.T, iface string) int {
	t.Helper()
	ifi, err := net.InterfaceByName(iface)
	if err != nil {
		t.Fatalf("find %s: %v", iface, err)
	}
	proto := int(htons(unix.ETH_P_ALL))
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, proto)
	if err != nil {
		t.Fatalf("packet socket for %s: %v", iface, err)
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: uint16(proto), Ifindex: ifi.Index}); err != nil {
		unix.Close(fd)
		t.Fatalf("bind a packet socket to %s: %v", iface, err)
	}
	tv := unix.NsecToTimeval(int64(50 * time.Millisecond))
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		unix.Close(fd)
		t.Fatalf("receive timeout on the packet socket: %v", err)
	}
	return fd
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// firstBeacon reads radiotap frames from fd until a beacon from bssid and
// returns when it arrived, counted from since.
func firstBeacon(fd int, bssid mac.Addr, since time.Time, timeout time.Duration) (time.Duration, error) {
	buf := make([]byte, 4096)
	seen := 0
	for time.Since(since) < timeout {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		switch {
		case errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.ENETDOWN):
			// Bound while the interface was down: reported once.
			continue
		case err != nil:
			return 0, fmt.Errorf("receive: %w", err)
		}
		at := time.Since(since)
		seen++
		if isBeaconFrom(buf[:n], bssid) {
			return at, nil
		}
	}
	return 0, fmt.Errorf("no beacon from %s within %s (%d other frames captured)", bssid, timeout, seen)
}

// isBeaconFrom reports whether b, a radiotap header and an 802.11 frame,
// is a beacon sent by bssid.
func isBeaconFrom(b []byte, bssid mac.Addr) bool {
	frame, ok := radiotapPayload(b)
	if !ok {
		return false
	}
	h, err := mac.Parse(frame)
	return err == nil && h.IsBeacon() && h.Addr2 == bssid
}

// waitRefusal waits until the medium's kernel refuses another delivery.
// It polls often: the test means to act right after one.
func waitRefusal(t *testing.T, m *mediumRun) {
	t.Helper()
	before := status(t, m).Stats.Socket.Rejected
	deadline := time.Now().Add(startTimeout)
	for status(t, m).Stats.Socket.Rejected == before {
		if time.Now().After(deadline) {
			t.Fatalf("the kernel refused no delivery to the radio without an interface up in %s (rejected stays %d)", startTimeout, before)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
