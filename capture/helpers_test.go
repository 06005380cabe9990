package capture

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/stretchr/testify/require"

	"github.com/hwsim-medium/hwsim-medium/crypto"
	"github.com/hwsim-medium/hwsim-medium/mac"
)

// scenarioFrame is one frame of a scenario that package crypto's
// gen_vectors.py generated (../crypto/testdata): what Decryptor.Frame must
// make of it.
type scenarioFrame struct {
	status string // crypto.Status.String()
	in     []byte
	out    []byte // in, unless decrypted
}

// scenario reads a scenario file: its keys and frames.
func scenario(tb testing.TB, name string) ([]crypto.Key, []scenarioFrame) {
	tb.Helper()
	f, err := os.Open("../crypto/testdata/" + name)
	require.NoError(tb, err)
	defer f.Close()
	var keys []crypto.Key
	var frames []scenarioFrame
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fs := strings.Fields(line)
		switch {
		case len(fs) == 0:
		case fs[0] == "key":
			k, err := crypto.ParseKey(strings.Join(fs[1:], " "))
			require.NoError(tb, err)
			keys = append(keys, k)
		case fs[0] == "frame":
			in, err := hex.DecodeString(fs[3])
			require.NoError(tb, err)
			out := in
			if fs[4] != "=" {
				out, err = hex.DecodeString(fs[4])
				require.NoError(tb, err)
			}
			frames = append(frames, scenarioFrame{status: fs[1], in: in, out: out})
		}
	}
	require.NoError(tb, sc.Err())
	return keys, frames
}

// epoch is the start of the test captures' clock.
var epoch = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// recordOf is a record of frame i sent by "ap" or "sta" (by the frame's
// ToDS bit) and delivered to the other.
func recordOf(i int, frame []byte) *Record {
	tx, rx := "ap", "sta"
	if len(frame) > 1 && frame[1]&0x01 != 0 {
		tx, rx = rx, tx
	}
	return &Record{
		Time: epoch.Add(time.Duration(i) * time.Millisecond), TSF: uint64(i) * 1000,
		Transmitter: tx, Frame: frame, Freq: 2437, Rate: mac.TxRate{Idx: 11, Count: 1}, Tries: 1, Acked: true,
		Receptions: []Reception{{Radio: rx, Outcome: Delivered, Signal: -50, Rate: mac.TxRate{Idx: 11, Count: 1}, Tries: 1, Addressee: true}},
	}
}

// packet is one packet read back from a pcapng capture.
type packet struct {
	ci       gopacket.CaptureInfo
	data     []byte
	comments []string
	drops    uint64
}

// readCapture reads every packet of a pcapng capture.
func readCapture(tb testing.TB, b []byte) []packet {
	tb.Helper()
	r, err := pcapgo.NewNgReader(bytes.NewReader(b), pcapgo.NgReaderOptions{})
	require.NoError(tb, err)
	var out []packet
	for {
		data, ci, opts, err := r.ReadPacketDataWithOptions()
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(tb, err)
		p := packet{ci: ci, data: data, comments: opts.Comments}
		if opts.DropCount != nil {
			p.drops = *opts.DropCount
		}
		out = append(out, p)
	}
}

// frameOf strips the radiotap header of a packet.
func frameOf(tb testing.TB, p []byte) []byte {
	tb.Helper()
	h, err := parseRadiotap(p)
	require.NoError(tb, err)
	return p[h.len:]
}
