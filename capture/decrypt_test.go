package capture

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rawCapture writes the frames of a scenario as a capture, as the medium
// would without keys.
func rawCapture(tb testing.TB, frames []scenarioFrame) []byte {
	tb.Helper()
	var b bytes.Buffer
	w, err := NewWriter(&b, Options{Comment: "raw"})
	require.NoError(tb, err)
	for i, f := range frames {
		require.NoError(tb, w.Write(recordOf(i, f.in)))
	}
	require.NoError(tb, w.Flush())
	return b.Bytes()
}

func TestDecryptFile(t *testing.T) {
	for _, name := range []string{"handshake_psk.txt", "handshake_psk_sha256.txt", "handshake_sae.txt"} {
		t.Run(name, func(t *testing.T) {
			keys, frames := scenario(t, name)
			raw := rawCapture(t, frames)
			var out bytes.Buffer
			st, err := DecryptFile(bytes.NewReader(raw), &out, keys)
			require.NoError(t, err)
			in, pkts := readCapture(t, raw), readCapture(t, out.Bytes())
			require.Len(t, pkts, len(frames))
			var decrypted uint64
			for i, p := range pkts {
				f := frames[i]
				assert.Equal(t, f.out, frameOf(t, p.data), "packet %d (%s)", i, f.status)
				assert.Equal(t, in[i].ci.Timestamp, p.ci.Timestamp)
				// The medium's comments are kept; a failure is added.
				assert.Equal(t, in[i].comments, p.comments[:len(in[i].comments)])
				switch f.status {
				case "decrypted":
					decrypted++
					assert.Equal(t, in[i].ci.Length-16, p.ci.Length)
					assert.Equal(t, noteDecrypted, p.comments[len(p.comments)-1])
				case "not-protected":
					assert.Equal(t, in[i].comments, p.comments)
				default:
					assert.Contains(t, p.comments[len(p.comments)-1], "crypto: not decrypted: "+f.status)
				}
			}
			assert.Equal(t, uint64(len(frames)), st.Packets)
			assert.Equal(t, decrypted, st.Decrypted)
			assert.Zero(t, st.Skipped)
		})
	}
}

// encode writes packets of one link type as pcap or pcapng.
func encode(t *testing.T, ng bool, lt layers.LinkType, pkts ...[]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	if ng {
		w, err := pcapgo.NewNgWriter(&b, lt)
		require.NoError(t, err)
		for _, p := range pkts {
			require.NoError(t, w.WritePacket(gopacket.CaptureInfo{Timestamp: epoch, CaptureLength: len(p), Length: len(p)}, p))
		}
		require.NoError(t, w.Flush())
		return b.Bytes()
	}
	w := pcapgo.NewWriter(&b)
	require.NoError(t, w.WriteFileHeader(65535, lt))
	for _, p := range pkts {
		require.NoError(t, w.WritePacket(gopacket.CaptureInfo{Timestamp: epoch, CaptureLength: len(p), Length: len(p)}, p))
	}
	return b.Bytes()
}

func TestDecryptFileFormats(t *testing.T) {
	keys, frames := scenario(t, "handshake_psk.txt")
	var ins, wants [][]byte
	for _, f := range frames {
		ins, wants = append(ins, f.in), append(wants, f.out)
	}
	// Radiotap with FCS: the FCS goes with the CCMP overhead, and the
	// flag with it.
	fcsHdr := []byte{0, 0, 9, 0, 1 << rtFlags, 0, 0, 0, rtFlagFCS}
	var withFCS, wantFCS [][]byte
	for i, f := range ins {
		p := append(bytes.Clone(fcsHdr), f...)
		withFCS = append(withFCS, binary.LittleEndian.AppendUint32(p, crc32.ChecksumIEEE(f)))
		if frames[i].status == "decrypted" {
			wantFCS = append(wantFCS, append([]byte{0, 0, 9, 0, 1 << rtFlags, 0, 0, 0, 0}, wants[i]...))
		} else {
			wantFCS = append(wantFCS, withFCS[i])
		}
	}
	gz := func(b []byte) []byte {
		var z bytes.Buffer
		w := gzip.NewWriter(&z)
		w.Write(b)
		w.Close()
		return z.Bytes()
	}
	tests := []struct {
		name string
		in   []byte
		want [][]byte
		lt   layers.LinkType
	}{
		{"pcap, plain 802.11", encode(t, false, layers.LinkTypeIEEE802_11, ins...), wants, layers.LinkTypeIEEE802_11},
		{"pcapng, plain 802.11", encode(t, true, layers.LinkTypeIEEE802_11, ins...), wants, layers.LinkTypeIEEE802_11},
		{"pcapng, radiotap with FCS", encode(t, true, LinkType, withFCS...), wantFCS, LinkType},
		{"gzipped pcap", gz(encode(t, false, layers.LinkTypeIEEE802_11, ins...)), wants, layers.LinkTypeIEEE802_11},
		{"ethernet is copied as it is", encode(t, true, layers.LinkTypeEthernet, ins...), ins, layers.LinkTypeEthernet},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			st, err := DecryptFile(bytes.NewReader(tc.in), &out, keys)
			require.NoError(t, err)
			r, err := pcapgo.NewNgReader(bytes.NewReader(out.Bytes()), pcapgo.NgReaderOptions{})
			require.NoError(t, err)
			assert.Equal(t, tc.lt, r.LinkType())
			pkts := readCapture(t, out.Bytes())
			require.Len(t, pkts, len(tc.want))
			for i, p := range pkts {
				assert.Equal(t, tc.want[i], p.data, "packet %d", i)
			}
			if tc.lt == layers.LinkTypeEthernet {
				assert.Equal(t, st.Packets, st.Skipped)
			} else {
				assert.Positive(t, st.Decrypted)
			}
		})
	}
}

func TestDecryptFileOddPackets(t *testing.T) {
	keys, frames := scenario(t, "handshake_psk.txt")
	var prot []byte
	for _, f := range frames {
		if f.status == "decrypted" {
			prot = f.in
			break
		}
	}
	badFCS := append([]byte{0, 0, 9, 0, 1 << rtFlags, 0, 0, 0, rtFlagBadFCS}, prot...)
	in := encode(t, true, LinkType, []byte{0, 0, 200, 0}, badFCS, []byte{0, 0, 9, 0, 1 << rtFlags, 0, 0, 0, rtFlagFCS, 1, 2})
	var out bytes.Buffer
	st, err := DecryptFile(bytes.NewReader(in), &out, keys)
	require.NoError(t, err)
	pkts := readCapture(t, out.Bytes())
	require.Len(t, pkts, 3)
	assert.Equal(t, FileStats{Packets: 3, Skipped: 3}, st)
	assert.True(t, strings.HasPrefix(pkts[0].comments[0], "crypto: not looked at: malformed radiotap header"), pkts[0].comments)
	assert.Equal(t, badFCS, pkts[1].data)

	// Cut short by the snap length: left alone.
	var b bytes.Buffer
	w, err := pcapgo.NewNgWriter(&b, layers.LinkTypeIEEE802_11)
	require.NoError(t, err)
	require.NoError(t, w.WritePacket(gopacket.CaptureInfo{Timestamp: epoch, CaptureLength: 40, Length: len(prot)}, prot[:40]))
	require.NoError(t, w.Flush())
	out.Reset()
	st, err = DecryptFile(&b, &out, keys)
	require.NoError(t, err)
	assert.Equal(t, FileStats{Packets: 1, Skipped: 1}, st)
}

func TestDecryptFileRefusesOtherFormats(t *testing.T) {
	for _, in := range [][]byte{nil, []byte("GET / HTTP/1.1\r\n"), {0x1f, 0x8b, 0, 0}} {
		var out bytes.Buffer
		_, err := DecryptFile(bytes.NewReader(in), &out, nil)
		assert.Error(t, err, "%q", in)
	}
	_, err := DecryptFile(strings.NewReader("not a capture"), &bytes.Buffer{}, nil)
	assert.True(t, errors.Is(err, ErrFormat), "err = %v", err)
	// An empty pcapng (a section header only) gives an empty capture.
	var b bytes.Buffer
	w, err := pcapgo.NewNgWriter(&b, LinkType)
	require.NoError(t, err)
	require.NoError(t, w.Flush())
	var out bytes.Buffer
	st, err := DecryptFile(&b, &out, nil)
	require.NoError(t, err)
	assert.Zero(t, st.Packets)
	assert.Empty(t, readCapture(t, out.Bytes()))
}
