package capture

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

// tshark runs tshark on file with args and returns its output lines; the
// test is skipped where tshark is not installed.
func tshark(t *testing.T, file string, args ...string) []string {
	t.Helper()
	bin, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark is not installed (apt-get install tshark): Wireshark's own reading of the captures is not checked")
	}
	cmd := exec.Command(bin, append([]string{"-n", "-r", file}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "tshark %v: %s", args, stderr.String())
	s := strings.TrimRight(string(out), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// TestTsharkReadsCaptures: Wireshark parses every record of a raw and of
// a decrypted capture without a malformed-packet error, and shows the
// radiotap fields and comments as documented (docs/capture.md).
func TestTsharkReadsCaptures(t *testing.T) {
	keys, frames := scenario(t, "handshake_psk.txt")
	dir := t.TempDir()
	var raw, dec bytes.Buffer
	wr, err := NewWriter(&raw, Options{})
	require.NoError(t, err)
	wd, err := NewWriter(&dec, Options{Keys: keys})
	require.NoError(t, err)
	for i, f := range frames {
		require.NoError(t, wr.Write(recordOf(i, f.in)))
		require.NoError(t, wd.Write(recordOf(i, f.in)))
	}
	// HT and VHT records, and a beacon nobody acks.
	ht := recordOf(100, frameAt(mac.Addr{2, 0, 0, 0, 1, 0}))
	ht.Freq, ht.Rate, ht.Tries = 5180, mac.TxRate{Idx: 15, Flags: mac.TxRcMCS | mac.TxRc40MHz | mac.TxRcShortGI}, 2
	vht := recordOf(101, frameAt(mac.Addr{2, 0, 0, 0, 1, 0}))
	vht.Freq, vht.Rate = 5180, mac.TxRate{Idx: 0x19, Flags: mac.TxRcVHTMCS | mac.TxRc80MHz}
	for _, r := range []*Record{ht, vht} {
		r.Receptions[0].Rate = r.Rate
		require.NoError(t, wr.Write(r))
	}
	require.NoError(t, wr.Close(epoch, epoch.Add(2)))
	require.NoError(t, wd.Close(epoch, epoch.Add(2)))
	rawFile, decFile := filepath.Join(dir, "raw.pcapng"), filepath.Join(dir, "dec.pcapng")
	require.NoError(t, os.WriteFile(rawFile, raw.Bytes(), 0o644))
	require.NoError(t, os.WriteFile(decFile, dec.Bytes(), 0o644))

	for _, f := range []string{rawFile, decFile} {
		assert.Empty(t, tshark(t, f, "-Y", "_ws.malformed"), "%s: malformed records", filepath.Base(f))
	}
	assert.Len(t, tshark(t, rawFile), len(frames)+2)
	assert.Len(t, tshark(t, decFile), len(frames))

	lines := tshark(t, rawFile, "-T", "fields", "-E", "separator=|", "-e", "radiotap.dbm_antsignal", "-e", "wlan_radio.frequency",
		"-e", "radiotap.datarate", "-e", "radiotap.mcs.index", "-e", "radiotap.vht.mcs.0", "-e", "radiotap.data_retries", "-e", "radiotap.mactime", "-e", "frame.comment")
	require.Len(t, lines, len(frames)+2)
	assert.Equal(t, "-50|2437|54|||0|0|tx ap: acked (try 1),rx sta: delivered, -50 dBm, 54 Mb/s, try 1, addressee", lines[0])
	assert.Equal(t, "-50|5180|300|15||1|100000|tx ap: acked (try 2),rx sta: delivered, -50 dBm, HT MCS 15, 40 MHz, short GI, 300 Mb/s, try 1, addressee", lines[len(frames)])
	assert.True(t, strings.HasPrefix(lines[len(frames)+1], "-50|5180|||9|0|101000|"), lines[len(frames)+1])

	// The decrypted capture: no protected data frame is left but those
	// the scenario cannot decrypt, each with its reason.
	prot := tshark(t, decFile, "-Y", "wlan.fc.protected == 1", "-T", "fields", "-e", "frame.comment")
	undecrypted := 0
	for _, f := range frames {
		if f.status != "decrypted" && f.status != "not-protected" {
			undecrypted++
		}
	}
	assert.Len(t, prot, undecrypted)
	for _, c := range prot {
		assert.Contains(t, c, "crypto: not decrypted: ")
	}
}
