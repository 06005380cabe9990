package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/pcapgo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hwsim-medium/hwsim-medium/capture"
	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/hwsim/hwsimtest"
	"github.com/hwsim-medium/hwsim-medium/mac"
	"github.com/hwsim-medium/hwsim-medium/medium"
	"github.com/hwsim-medium/hwsim-medium/medium/control"
	"github.com/hwsim-medium/hwsim-medium/medium/tap"
)

func TestCaptureFlags(t *testing.T) {
	tests := []struct {
		args []string
		err  string
	}{
		{[]string{"radios", "--radio", "vw1"}, "--radio applies to capture only"},
		{[]string{"capture", "--psk", "test:12345678"}, "--psk applies to decrypt only"},
		{[]string{"decrypt", "--decrypt", "test:12345678", "a", "b"}, "decrypt takes its keys as --psk SSID:PASS"},
		{[]string{"capture", "-w", "a", "-w", "b"}, "-w given twice"},
		{[]string{"capture", "--type", "data,beacon"}, `--type: frame type "beacon": want mgmt, ctrl or data`},
		{[]string{"capture", "--radio"}, "--radio needs a value"},
		{[]string{"capture", "extra"}, `capture takes no arguments but its flags (got "extra")`},
		{[]string{"capture", "-w", "-", "--decrypt", "test:short"}, `--decrypt (value 1 of 1): crypto: key for SSID "test": passphrase has 5 characters`},
		{[]string{"decrypt", "in"}, "decrypt needs IN and OUT"},
		{[]string{"decrypt", "in", "out"}, "decrypt needs at least one --psk"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, stderr, code := runTool(append([]string{"--socket", "/nonexistent"}, tc.args...)...)
			assert.Equal(t, exitUsage, code, stderr)
			assert.Contains(t, stderr, tc.err)
			assert.NotContains(t, stderr, "short\"", "the secret is not repeated")
		})
	}
	o, err := parseArgs([]string{"capture", "-w", "-", "--radio=vw1", "--type", "mgmt,data", "--type=ctrl", "--decrypt", "a:12345678"})
	require.NoError(t, err)
	assert.Equal(t, "-", o.write)
	assert.Equal(t, "vw1", o.radio)
	assert.Equal(t, []string{"mgmt", "data", "ctrl"}, o.types)
	assert.Equal(t, []string{"a:12345678"}, o.decrypt)
}

// scenarioCapture writes the frames of package crypto's generated WPA2
// scenario as a raw capture file and returns its path.
func scenarioCapture(t *testing.T) string {
	t.Helper()
	f, err := os.Open("../../crypto/testdata/handshake_psk.txt")
	require.NoError(t, err)
	defer f.Close()
	var b bytes.Buffer
	w, err := capture.NewWriter(&b, capture.Options{})
	require.NoError(t, err)
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 4 || fs[0] != "frame" {
			continue
		}
		frame, err := hex.DecodeString(fs[3])
		require.NoError(t, err)
		require.NoError(t, w.Write(&capture.Record{Time: time.Unix(1, 0), Transmitter: "vw0", Frame: frame, Freq: 2412, NoAck: true}))
	}
	require.NoError(t, w.Flush())
	path := filepath.Join(t.TempDir(), "raw.pcapng")
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
	return path
}

func TestDecryptCommand(t *testing.T) {
	in := scenarioCapture(t)
	out := filepath.Join(t.TempDir(), "dec.pcapng")
	const psk = "hwsim-net:correct horse battery staple"
	stdout, stderr, code := runTool("decrypt", "--psk", psk, in, out)
	assert.Equal(t, exitOK, code, stderr)
	assert.Empty(t, stdout)
	assert.Regexp(t, `^vwifi-tool: decrypt: \d+ packets, [1-9]\d* decrypted, \d+ left encrypted`, stderr)
	f, err := os.Open(out)
	require.NoError(t, err)
	defer f.Close()
	_, err = pcapgo.NewNgReader(f, pcapgo.NgReaderOptions{})
	require.NoError(t, err)

	// --json counts; stdout as OUT; a wrong passphrase gets a hint.
	stdout, _, code = runTool("decrypt", "--psk", psk, "--json", in, out)
	assert.Equal(t, exitOK, code)
	assert.Contains(t, stdout, `"decrypted": `)
	stdout, _, code = runTool("decrypt", "--psk", psk, in, "-")
	assert.Equal(t, exitOK, code)
	_, err = pcapgo.NewNgReader(strings.NewReader(stdout), pcapgo.NgReaderOptions{})
	assert.NoError(t, err)
	_, stderr, code = runTool("decrypt", "--psk", "hwsim-net:a wrong passphrase", in, out)
	assert.Equal(t, exitOK, code)
	assert.Contains(t, stderr, " 0 decrypted")
	assert.Contains(t, stderr, "nothing could be decrypted: check the SSID and passphrase")

	// Mistakes.
	_, stderr, code = runTool("decrypt", "--psk", psk, in, in)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "IN and OUT are the same file")
	_, stderr, code = runTool("decrypt", "--psk", psk, "--json", in, "-")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--json prints the counts on stdout")
	notCapture := filepath.Join(t.TempDir(), "notes.txt")
	require.NoError(t, os.WriteFile(notCapture, []byte("hello, this is text\n"), 0o644))
	_, stderr, code = runTool("decrypt", "--psk", psk, notCapture, out+"2")
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, stderr, "not a pcap or pcapng capture")
	_, err = os.Stat(out + "2")
	assert.True(t, errors.Is(err, os.ErrNotExist), "no half output is left")
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".*"))
	assert.Empty(t, leftovers, "no temporary file is left")
}

// captureMedium runs a medium over a fake kernel, served with a capture
// hub; stop stops the server (which ends live captures).
func captureMedium(t *testing.T) (sock string, conn *hwsimtest.Conn, stop func()) {
	t.Helper()
	m := medium.New(medium.Config{})
	for k := range byte(3) {
		m.AddRadio(medium.RadioConfig{Name: "vw_phy" + string('0'+rune(k)), Iface: "vw" + string('0'+rune(k)), HWAddr: mac.Addr{0, 0x76, 0x77, 0x30 + k, 0, 0}})
	}
	conn = hwsimtest.NewConn()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go m.Run(ctx, conn)
	go func() {
		for {
			select {
			case <-conn.Flushed:
			case <-ctx.Done():
				return
			}
		}
	}()
	me := uint32(os.Getuid())
	srv := &control.Server{Medium: m, Capture: tap.New(m, nil), AllowUID: func(uid uint32) bool { return uid == me }}
	sock = tempSocket(t)
	ln, err := control.Listen(sock)
	require.NoError(t, err)
	sctx, scancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Serve(sctx, ln); close(done) }()
	stop = func() { scancel(); <-done }
	t.Cleanup(stop)
	return sock, conn, stop
}

func TestCaptureCommand(t *testing.T) {
	sock, conn, stop := captureMedium(t)
	out := filepath.Join(t.TempDir(), "live.pcapng")
	type result struct {
		stderr string
		code   int
	}
	res := make(chan result, 1)
	go func() {
		_, stderr, code := runTool("--socket", sock, "capture", "-w", out, "--type", "data", "--decrypt", "test:12345678")
		res <- result{stderr, code}
	}()
	// The capture has started once its header is in the file.
	require.Eventually(t, func() bool {
		fi, err := os.Stat(out)
		return err == nil && fi.Size() > 0
	}, 5*time.Second, 10*time.Millisecond)
	a0, a1 := mac.Addr{0, 0x76, 0x77, 0x30, 0, 0}, mac.Addr{0, 0x76, 0x77, 0x31, 0, 0}
	for i, fc := range []byte{0x08, 0x80, 0x08} {
		data := append([]byte{fc, 0, 0, 0}, a1[:]...)
		data = append(data, a0[:]...)
		data = append(data, a1[:]...)
		data = append(data, 0x10, 0, 0xaa, 0xaa, 3, 0, 0, 0, 0x88, 0xb5)
		conn.Send(hwsim.Event{Kind: hwsim.EventFrame, Frame: hwsim.Frame{Transmitter: a0, Data: data, Cookie: uint64(i), Freq: 2412,
			Rates: [hwsim.MaxTxRates]hwsim.TxRate{{Idx: 0, Count: 1}, {Idx: -1}, {Idx: -1}, {Idx: -1}}}})
	}
	require.Eventually(t, func() bool { return countRecords(t, out) == 2 }, 5*time.Second, 10*time.Millisecond,
		"the data frames reach the file while the capture runs")
	stop()
	select {
	case r := <-res:
		assert.Equal(t, exitOK, r.code, r.stderr)
		assert.Contains(t, r.stderr, `vwifi-tool: capturing data frames, decrypted with the passphrase for SSID "test" to `+out)
		assert.Contains(t, r.stderr, "vwifi-tool: the medium ended the capture: 2 records written to "+out+", 0 dropped by the medium")
	case <-time.After(10 * time.Second):
		t.Fatal("vwifi-tool capture did not end with the medium")
	}
	assert.Equal(t, 2, countRecords(t, out))
}

// countRecords counts the packets of a pcapng file (whole blocks only).
func countRecords(t *testing.T, path string) int {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	r, err := pcapgo.NewNgReader(bytes.NewReader(b), pcapgo.NgReaderOptions{})
	if err != nil {
		return -1
	}
	n := 0
	for {
		if _, _, err := r.ReadPacketData(); err != nil {
			return n
		}
		n++
	}
}

func TestCopyBlocks(t *testing.T) {
	var b bytes.Buffer
	w, err := capture.NewWriter(&b, capture.Options{})
	require.NoError(t, err)
	rec := &capture.Record{Time: time.Unix(1, 0), Transmitter: "vw0", Frame: make([]byte, 30), NoAck: true}
	require.NoError(t, w.Write(rec))
	w.Dropped(7)
	require.NoError(t, w.Write(rec))
	require.NoError(t, w.Flush())
	whole := b.Bytes()

	var out bytes.Buffer
	st, err := copyBlocks(&out, bytes.NewReader(whole))
	require.NoError(t, err)
	assert.Equal(t, blockStats{records: 2, dropped: 7}, st)
	assert.Equal(t, whole, out.Bytes())

	// Cut in the middle of the last block: only whole blocks are kept.
	out.Reset()
	st, err = copyBlocks(&out, bytes.NewReader(whole[:len(whole)-5]))
	require.NoError(t, err)
	assert.Equal(t, uint64(1), st.records)
	assert.Equal(t, 1, countRecordsIn(t, out.Bytes()))

	// Not pcapng.
	_, err = copyBlocks(io.Discard, strings.NewReader("\x0a\x0d\x0d\x0a\x1c\x00\x00\x00junkjunkjunkjunkjunk"))
	assert.ErrorIs(t, err, errCorrupt)
	// A packet block (after the section header and the interface) whose
	// length is no block length.
	bad := append([]byte(nil), whole...)
	shb := binary.LittleEndian.Uint32(bad[4:])
	idb := binary.LittleEndian.Uint32(bad[shb+4:])
	binary.LittleEndian.PutUint32(bad[shb+idb+4:], 3)
	_, err = copyBlocks(io.Discard, bytes.NewReader(bad))
	assert.ErrorIs(t, err, errCorrupt)
}

func countRecordsIn(t *testing.T, b []byte) int {
	path := filepath.Join(t.TempDir(), "x.pcapng")
	require.NoError(t, os.WriteFile(path, b, 0o644))
	return countRecords(t, path)
}

// FuzzCopyBlocks: whatever the stream, the copy never panics and what it
// writes is a prefix of the stream.
func FuzzCopyBlocks(f *testing.F) {
	var b bytes.Buffer
	w, err := capture.NewWriter(&b, capture.Options{})
	if err != nil {
		f.Fatal(err)
	}
	w.Dropped(3)
	w.Write(&capture.Record{Time: time.Unix(1, 0), Transmitter: "vw0", Frame: make([]byte, 30), NoAck: true})
	w.Flush()
	f.Add(b.Bytes())
	f.Add([]byte("\x0a\x0d\x0d\x0a\x00\x00\x00\x1c\x1a\x2b\x3c\x4d"))
	f.Fuzz(func(t *testing.T, in []byte) {
		var out bytes.Buffer
		copyBlocks(&out, bytes.NewReader(in))
		if !bytes.HasPrefix(in, out.Bytes()) {
			t.Fatalf("wrote %d bytes that are not the stream's", out.Len())
		}
	})
}
