//go:build integration

package integration

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

// The SAE mesh of TestInteropMeshSAE.
const (
	meshSSID     = "saemesh3"
	meshPassword = "mesh-secret-9"
	meshFreq     = 2412
)

// TestInteropMeshSAE: wpa_supplicant mesh points (mode=5, key_mgmt=SAE)
// on one channel, each in its own namespace with an address on its mesh
// interface. Every peer link reaches ESTAB and is secured (see
// meshLinkSecured), and the first node pings the others.
//
// Through the medium three nodes stand on a line: the ends do not hear
// each other (a link block), so they never peer, and the first node's
// echoes to the last are forwarded by the middle one on the path HWMP
// found; the medium's capture shows that every data frame on the air was
// encrypted. The kernel's own delivery has no link block, so there two
// nodes peer and ping. Three all in range of each other peered in
// 2.8-5.8 s in the VM with either provider on a quiet host, but in 21-34 s
// kernel-direct while the host was busy (SAE and AMPE restarted over and
// over, each node running SAE with two peers at once), where the line
// through the medium took 4.4 s: two nodes keep the row cheap and steady.
func TestInteropMeshSAE(t *testing.T) {
	forEachProvider(t, func(t *testing.T, p Provider) {
		if _, ok := p.(medium); !ok {
			meshSAE(t, NewTestbed(t, p, 2), "", false)
			return
		}
		pcap := filepath.Join(t.TempDir(), "mesh.pcapng")
		meshSAE(t, NewTestbed(t, medium{args: []string{"--pcap", pcap}}, 3), pcap, true)
	})
}

// meshSAE runs an SAE mesh point on each of tb's radios and checks that
// every pair in range peers securely and that the first node reaches the
// others. With line, the medium blocks the first and the last radio from
// each other, and the path between them must go through the middle one.
// pcap is the medium's capture file, checked for data in the clear ("":
// none).
func meshSAE(t *testing.T, tb *Testbed, pcap string, line bool) {
	m := activeMedium.Load()
	nodes := make([]*Actor, len(tb.Radios))
	sups := make([]*Station, len(tb.Radios))
	if line {
		// Before the radios leave the medium's namespace.
		vwifiTool(t, m, "block", tb.Radios[0].Iface, tb.Radios[len(nodes)-1].Iface, "--both")
	}
	var links [][2]int
	for i := range nodes {
		nodes[i] = tb.Place(i, fmt.Sprintf("10.0.21.%d/24", i+1))
		for j := range i {
			if !line || j == i-1 {
				links = append(links, [2]int{j, i})
			}
		}
	}
	last := nodes[len(nodes)-1]
	start := time.Now()
	for i, n := range nodes {
		sups[i] = n.StartMeshSAE(meshSSID, meshPassword, meshFreq)
	}
	waitFor(t, connectTimeout, fmt.Sprintf("%d peer links ESTAB at both ends", len(links)), func() (bool, string) {
		var b strings.Builder
		ok := true
		for _, l := range links {
			for _, d := range [][2]*Actor{{nodes[l[0]], nodes[l[1]]}, {nodes[l[1]], nodes[l[0]]}} {
				out, _ := d[0].NS.Exec("iw", "dev", d[0].Iface, "station", "get", d[1].MAC)
				est := plinkEstabRE.MatchString(out)
				ok = ok && est
				fmt.Fprintf(&b, "%s -> %s: ESTAB %v\n", d[0].Iface, d[1].MAC, est)
			}
		}
		return ok, b.String()
	})
	t.Logf("%d peer links ESTAB at both ends %.1fs after the mesh points started", len(links), time.Since(start).Seconds())
	logMeshTimelines(t, sups)
	for _, l := range links {
		meshLinkSecured(t, nodes[l[0]], sups[l[0]], nodes[l[1]])
		meshLinkSecured(t, nodes[l[1]], sups[l[1]], nodes[l[0]])
	}
	if t.Failed() {
		return
	}
	pinged := time.Now()
	for _, n := range nodes[1 : len(nodes)-1] {
		nodes[0].waitPing(t, n.IP)
	}
	nodes[0].Ping(t, last.IP, 3)
	t.Logf("pings took %.1fs; %.1fs since the mesh points started", time.Since(pinged).Seconds(), time.Since(start).Seconds())
	if line {
		meshForwarded(t, nodes[0], nodes[1], last)
	}
	if pcap != "" {
		tb.stopDaemons()
		m.daemon.Stop() // the capture file is complete once the medium has stopped
		meshEncryptedOnAir(t, pcap)
	}
}

// meshEventRE picks the lines of a wpa_supplicant -t log that tell how a
// secure mesh came up: start, scan results, MESH- events, SAE states,
// established peer links.
var meshEventRE = regexp.MustCompile(`Initializing interface|CTRL-EVENT-SCAN-RESULTS|MESH-|SAE: State|plink with`)

// logMeshTimelines logs each mesh point's way to its peer links, in
// seconds from the first MESH-GROUP-STARTED of any of them: where the
// time to ESTAB went (scan, SAE, AMPE, a retry).
func logMeshTimelines(t *testing.T, sups []*Station) {
	t.Helper()
	t0 := 0.0
	for _, s := range sups {
		if st, ok := logTime(s.Log(), meshStart); ok && (t0 == 0 || st < t0) {
			t0 = st
		}
	}
	for _, s := range sups {
		t.Logf("%s, from the first MESH-GROUP-STARTED:\n%s", s.a.Iface, timeline(s.Log(), t0, meshEventRE))
	}
}

// plinkEstabRE matches an established mesh peer link in iw's station
// output.
var plinkEstabRE = regexp.MustCompile(`(?m)^\s*mesh plink:\s*ESTAB$`)

// meshLinkSecured checks that a's peer link to peer is a secure one:
// wpa_supplicant finished SAE with the peer and reported it connected
// (after AMPE, which installs the peer's keys), and the kernel lists the
// peer ESTAB, authorized and with management frame protection, which
// wpa_supplicant asks for on the peers of a secure mesh only (an open
// mesh's peers, whether the kernel or wpa_supplicant peers them, have
// MFP: no).
func meshLinkSecured(t *testing.T, a *Actor, s *Station, peer *Actor) {
	t.Helper()
	out := a.NS.MustExec(t, "iw", "dev", a.Iface, "station", "get", peer.MAC)
	for _, want := range []*regexp.Regexp{plinkEstabRE, regexp.MustCompile(`(?m)^\s*authorized:\s*yes$`), regexp.MustCompile(`(?m)^\s*MFP:\s*yes$`)} {
		if !want.MatchString(out) {
			t.Errorf("iw dev %s station get %s: no %q:\n%s", a.Iface, peer.MAC, want, out)
		}
	}
	log := s.Log()
	for _, want := range []string{"-> Accepted for peer " + peer.MAC, "MESH-PEER-CONNECTED " + peer.MAC} {
		if !strings.Contains(log, want) {
			t.Errorf("wpa_supplicant on %s never logged %q:\n%s", a.Iface, want, tail(keyEvents(log), 30))
		}
	}
}

// meshForwarded checks that end reaches far through middle (iw's mesh
// path table) and has no peer link to far.
func meshForwarded(t *testing.T, end, middle, far *Actor) {
	t.Helper()
	mpath := end.NS.MustExec(t, "iw", "dev", end.Iface, "mpath", "dump")
	t.Logf("iw dev %s mpath dump:\n%s", end.Iface, mpath)
	if !regexp.MustCompile(regexp.QuoteMeta(far.MAC) + `\s+` + regexp.QuoteMeta(middle.MAC)).MatchString(mpath) {
		t.Errorf("%s's path to %s does not go through %s:\n%s", end.Iface, far.MAC, middle.MAC, mpath)
	}
	if dump := end.NS.MustExec(t, "iw", "dev", end.Iface, "station", "dump"); strings.Contains(dump, far.MAC) {
		t.Errorf("%s peered directly with %s although the medium blocks them:\n%s", end.Iface, far.MAC, dump)
	}
}

// meshEncryptedOnAir checks the medium's capture of TestInteropMeshSAE:
// no data frame with a body crossed the air in the clear (an open mesh
// sends them all so), and at least the echoes crossed encrypted.
func meshEncryptedOnAir(t *testing.T, pcap string) {
	t.Helper()
	st := meshCapture(t, pcap)
	t.Logf("%s: %d records; data frames with a body: unicast %d encrypted, %d in the clear; group-addressed %d encrypted, %d in the clear",
		filepath.Base(pcap), st.records, st.unicastProtected, st.unicastClear, st.groupProtected, st.groupClear)
	// The echo request and reply to the middle node, and 4 each way to
	// the last (one to wait for the path, then 3) over two hops.
	const echoes = 2 + 2*2*4
	if st.unicastProtected < echoes {
		t.Errorf("%s: %d encrypted unicast data frames, want at least %d (the echoes)", filepath.Base(pcap), st.unicastProtected, echoes)
	}
	if st.unicastClear+st.groupClear > 0 {
		t.Errorf("%s: %d unicast and %d group-addressed data frames crossed the air in the clear", filepath.Base(pcap), st.unicastClear, st.groupClear)
	}
}

// meshCaptureStats counts the data frames of a capture that carry a body.
type meshCaptureStats struct {
	records                        int
	unicastProtected, unicastClear int
	groupProtected, groupClear     int
}

// meshCapture counts the data frames with a body in the capture at path,
// unicast and group-addressed, encrypted and in the clear.
func meshCapture(t *testing.T, path string) meshCaptureStats {
	t.Helper()
	var st meshCaptureStats
	st.records = eachCapturedFrame(t, path, func(frame []byte) {
		h, err := mac.Parse(frame)
		if err != nil || !h.FC.IsData() || h.FC.IsNullData() || len(h.Body(frame)) == 0 {
			return
		}
		switch group := h.Addr1.IsGroup(); {
		case group && h.FC.Protected():
			st.groupProtected++
		case group:
			st.groupClear++
		case h.FC.Protected():
			st.unicastProtected++
		default:
			st.unicastClear++
		}
	})
	return st
}
