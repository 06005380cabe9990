//go:build integration

package integration

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gopacket/gopacket/pcapgo"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

// The capture files of one run of TestCapture, by suffix.
const (
	// liveRaw: vwifi-tool capture -w - into a file, as on the air.
	liveRaw = "live.pcapng"
	// liveDec: liveRaw decrypted offline by vwifi-tool decrypt.
	liveDec = "live-dec.pcapng"
	// mediumDec: hwsim-medium --pcap with --decrypt.
	mediumDec = "medium-dec.pcapng"
)

// pings is how many echo requests TestCapture sends after the first one
// got through.
const pings = 5

var captureRuns atomic.Int32

// TestCapture captures the seed's WPA2 network (the AP, one station, a
// ping) three ways: hwsim-medium --pcap --decrypt (decrypted as it runs),
// vwifi-tool capture -w - into a file while the ping runs (raw), and that
// file decrypted offline with vwifi-tool decrypt. The raw capture holds no
// ICMP, the decrypted ones the echo requests and replies; Wireshark
// (tshark) reads every record of all three without a malformed-packet
// error. The medium provider only: captures are the medium's.
//
// tshark is too big for the VM image; in the VM the files go to the host
// over the console and TestCaptureFiles checks them there (see
// integration/vm/hostcheck.go). On a host with mac80211_hwsim and tshark
// the checks run here.
func TestCapture(t *testing.T) {
	dir := t.TempDir()
	key := SeedAP.SSID + ":" + SeedAP.Passphrase
	tb := NewTestbed(t, medium{args: []string{"--pcap", filepath.Join(dir, mediumDec), "--decrypt", key}}, 2)
	m := activeMedium.Load()
	ap := tb.Place(0, "10.0.0.1/24")
	sta := tb.Place(1, "10.0.0.2/24")

	// The live capture: stdout into a file, stderr (its messages) into
	// the daemon's log.
	tool := lookVwifiTool(t)
	live := filepath.Join(dir, liveRaw)
	capd := startDaemon(t, dir, "vwifi-tool-capture", "sh", "-c",
		fmt.Sprintf("exec %s --socket %s capture -w - > %s", tool, m.socket, live))
	tb.mu.Lock()
	tb.daemons = append(tb.daemons, capd)
	tb.mu.Unlock()
	// The capture runs once its header is in the file.
	waitFor(t, startTimeout, "the live capture's header", func() (bool, string) {
		fi, err := os.Stat(live)
		return err == nil && fi.Size() > 0, capd.Log()
	})

	ap.StartAP(SeedAP)
	s := sta.StartStation(SeedAP.SSID, SeedAP.Passphrase)
	s.WaitCompleted(t)
	t.Log(sta.Ping(t, ap.IP, pings))

	// Ctrl-C ends the live capture; stopping the medium completes its
	// --pcap file.
	capd.Stop()
	if !strings.Contains(capd.Log(), "records written to stdout") {
		t.Errorf("vwifi-tool capture did not report its end:\n%s", capd.Log())
	}
	tb.stopDaemons()
	m.daemon.Stop()
	if !strings.Contains(m.daemon.Log(), "capture written") {
		t.Errorf("hwsim-medium did not report its --pcap file:\n%s", tail(m.daemon.Log(), 20))
	}
	out, err := exec.Command(tool, "decrypt", "--psk", key, live, filepath.Join(dir, liveDec)).CombinedOutput()
	t.Logf("vwifi-tool decrypt: %s", out)
	if err != nil {
		t.Fatalf("vwifi-tool decrypt: %v", err)
	}

	// What Go reads of the files, everywhere.
	for _, f := range []struct {
		name    string
		minICMP int
	}{{liveRaw, 0}, {liveDec, 2 * pings}, {mediumDec, 2 * pings}} {
		st := readCaptureFile(t, filepath.Join(dir, f.name))
		t.Logf("%s: %d records, %d protected data frames, %d ICMP echo requests, %d replies", f.name, st.records, st.protected, st.requests, st.replies)
		if f.minICMP == 0 && st.requests+st.replies > 0 {
			t.Errorf("%s: ICMP in the raw capture: it should be encrypted", f.name)
		}
		if st.requests < f.minICMP/2 || st.replies < f.minICMP/2 {
			t.Errorf("%s: %d echo requests and %d replies, want at least %d of each", f.name, st.requests, st.replies, f.minICMP/2)
		}
		if f.minICMP == 0 && st.protected == 0 {
			t.Errorf("%s: no protected data frame in the raw capture", f.name)
		}
	}
	if t.Failed() {
		return
	}
	prefix := fmt.Sprintf("capture%d-", captureRuns.Add(1))
	switch {
	case haveTshark():
		checkCaptureFiles(t, dir, "")
	case os.Getenv("HWSIM_VM_CONSOLE_FILES") != "":
		for _, name := range []string{liveRaw, liveDec, mediumDec} {
			sendToHost(t, filepath.Join(dir, name), prefix+name)
		}
		fmt.Println("VM-HOSTCHECK TestCaptureFiles")
		t.Logf("tshark runs on the host: TestCaptureFiles checks %s* there", prefix)
	default:
		t.Skip("tshark is not installed (apt-get install tshark): the captures' reading by Wireshark is not checked")
	}
}

// TestCaptureFiles checks, on the host, the captures TestCapture made in
// the VM and sent over the console ($HWSIM_VM_FILES).
func TestCaptureFiles(t *testing.T) {
	dir := os.Getenv("HWSIM_VM_FILES")
	if dir == "" {
		t.Skip("checks the files TestCapture sends from the VM; run by the VM tool on the host")
	}
	if !haveTshark() {
		t.Fatal("tshark is not installed on the host: run make vm-deps (integration/vm/setup.sh)")
	}
	sets, err := filepath.Glob(filepath.Join(dir, "*-"+liveRaw))
	if err != nil || len(sets) == 0 {
		t.Fatalf("no %s in %s (%v)", liveRaw, dir, err)
	}
	for _, s := range sets {
		prefix := strings.TrimSuffix(filepath.Base(s), liveRaw)
		t.Run(strings.TrimSuffix(prefix, "-"), func(t *testing.T) { checkCaptureFiles(t, dir, prefix) })
	}
}

// checkCaptureFiles is what tshark must see in one run's captures.
func checkCaptureFiles(t *testing.T, dir, prefix string) {
	t.Helper()
	for _, name := range []string{liveRaw, liveDec, mediumDec} {
		f := filepath.Join(dir, prefix+name)
		if bad := tshark(t, f, "-Y", "_ws.malformed"); len(bad) > 0 {
			t.Errorf("%s: tshark finds malformed records:\n%s", name, strings.Join(bad, "\n"))
		}
		if n, want := len(tshark(t, f)), readCaptureFile(t, f).records; n != want {
			t.Errorf("%s: tshark reads %d records, the file has %d", name, n, want)
		}
		// The radiotap fields and the medium's comments as documented:
		// the default model's -50 dBm, channel 6.
		fields := tshark(t, f, "-Y", "wlan.fc.type_subtype == 0x0008", "-T", "fields", "-E", "separator=|",
			"-e", "radiotap.dbm_antsignal", "-e", "wlan_radio.frequency", "-e", "radiotap.datarate", "-e", "frame.comment")
		if len(fields) == 0 || !strings.HasPrefix(fields[0], "-50|2437|1|tx vw0: no ack expected,rx vw1: delivered, -50 dBm") {
			t.Errorf("%s: the first beacon's radiotap signal, frequency, rate and comments: %q", name, fields)
		}
	}
	raw := filepath.Join(dir, prefix+liveRaw)
	if icmp := tshark(t, raw, "-Y", "icmp"); len(icmp) > 0 {
		t.Errorf("%s: tshark finds ICMP in the raw capture:\n%s", liveRaw, strings.Join(icmp, "\n"))
	}
	if n := len(tshark(t, raw, "-Y", "wlan.fc.protected == 1 && wlan.fc.type == 2")); n == 0 {
		t.Errorf("%s: no protected data frame", liveRaw)
	}
	for _, name := range []string{liveDec, mediumDec} {
		f := filepath.Join(dir, prefix+name)
		req, rep := len(tshark(t, f, "-Y", "icmp.type == 8")), len(tshark(t, f, "-Y", "icmp.type == 0"))
		t.Logf("%s: tshark finds %d echo requests and %d replies", name, req, rep)
		if req < pings || rep < pings {
			t.Errorf("%s: %d echo requests and %d replies, want at least %d of each", name, req, rep, pings)
		}
		if n := len(tshark(t, f, "-Y", `frame.comment contains "crypto: decrypted"`)); n < 2*pings {
			t.Errorf("%s: %d records say they were decrypted", name, n)
		}
	}
}

func haveTshark() bool {
	_, err := exec.LookPath("tshark")
	return err == nil
}

// tshark runs tshark -n -r file args and returns its output lines.
func tshark(t *testing.T, file string, args ...string) []string {
	t.Helper()
	cmd := exec.Command("tshark", append([]string{"-n", "-r", file}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark -r %s %s: %v\n%s", filepath.Base(file), strings.Join(args, " "), err, stderr.String())
	}
	s := strings.TrimRight(string(out), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// lookVwifiTool is the vwifi-tool binary: $HWSIM_VWIFI_TOOL or PATH.
func lookVwifiTool(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("HWSIM_VWIFI_TOOL"); p != "" {
		return p
	}
	p, err := exec.LookPath("vwifi-tool")
	if err != nil {
		t.Fatalf("vwifi-tool not found (set HWSIM_VWIFI_TOOL or put it on PATH): %v", err)
	}
	return p
}

// captureStats is what readCaptureFile counts.
type captureStats struct {
	records, protected, requests, replies int
}

// readCaptureFile reads a capture with Go alone (no tshark): records,
// protected data frames, and ICMP echo requests and replies in the clear.
func readCaptureFile(t *testing.T, path string) captureStats {
	t.Helper()
	var st captureStats
	st.records = eachCapturedFrame(t, path, func(frame []byte) {
		h, err := mac.Parse(frame)
		if err != nil || !h.FC.IsData() {
			return
		}
		if h.FC.Protected() {
			st.protected++
			return
		}
		switch icmpType(h.Body(frame)) {
		case 8:
			st.requests++
		case 0:
			st.replies++
		}
	})
	return st
}

// eachCapturedFrame calls f with the 802.11 frame (radiotap header cut
// off) of every record of the pcapng file at path, and returns how many
// records it read.
func eachCapturedFrame(t *testing.T, path string, f func(frame []byte)) int {
	t.Helper()
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	r, err := pcapgo.NewNgReader(file, pcapgo.NgReaderOptions{})
	if err != nil {
		t.Fatalf("%s: %v", filepath.Base(path), err)
	}
	for records := 0; ; records++ {
		data, _, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return records
		}
		if err != nil {
			t.Fatalf("%s: record %d: %v", filepath.Base(path), records+1, err)
		}
		frame, ok := radiotapPayload(data)
		if !ok {
			t.Fatalf("%s: record %d: no radiotap header", filepath.Base(path), records+1)
		}
		f(frame)
	}
}

// radiotapPayload cuts the radiotap header off a captured packet; false
// when the packet is shorter than the header says.
func radiotapPayload(pkt []byte) ([]byte, bool) {
	if len(pkt) < 4 {
		return nil, false
	}
	n := int(pkt[2]) | int(pkt[3])<<8
	if len(pkt) < n {
		return nil, false
	}
	return pkt[n:], true
}

// icmpType returns the ICMP type of an LLC/SNAP IPv4 ICMP body, or -1.
func icmpType(body []byte) int {
	llc := []byte{0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00}
	ip, ok := bytes.CutPrefix(body, llc)
	if !ok || len(ip) < 20 || ip[0]>>4 != 4 || ip[9] != 1 {
		return -1
	}
	hl := int(ip[0]&0xf) * 4
	if len(ip) <= hl {
		return -1
	}
	return int(ip[hl])
}

// sendToHost prints a file on the console for the VM tool, gzipped and
// base64-encoded, as name.
func sendToHost(t *testing.T, path, name string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	w.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	enc := base64.StdEncoding.EncodeToString(z.Bytes())
	printMu.Lock()
	defer printMu.Unlock()
	for len(enc) > 0 {
		n := min(fileChunk, len(enc))
		fmt.Printf("VM-FILE %s %s\n", name, enc[:n])
		enc = enc[n:]
	}
	fmt.Printf("VM-FILE-END %s\n", name)
}
