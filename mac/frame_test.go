package mac

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// loadHex reads a testdata file: hex byte pairs, whitespace-separated, with
// '#' comments to end of line.
func loadHex(tb testing.TB, name string) []byte {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	b, err := decodeHexFile(raw)
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return b
}

func decodeHexFile(raw []byte) ([]byte, error) {
	var sb strings.Builder
	for line := range strings.Lines(string(raw)) {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		sb.WriteString(strings.Join(strings.Fields(line), ""))
	}
	return hex.DecodeString(sb.String())
}

func mustAddr(s string) Addr {
	a, err := ParseAddr(s)
	if err != nil {
		panic(err)
	}
	return a
}

var (
	apAddr  = mustAddr("02:00:00:00:00:00")
	staAddr = mustAddr("02:00:00:00:01:00")
	host2   = mustAddr("02:00:00:00:02:00")
	host3   = mustAddr("02:00:00:00:03:00")
	host4   = mustAddr("02:00:00:00:04:00")
	host5   = mustAddr("02:00:00:00:05:00")
	host6   = mustAddr("02:00:00:00:06:00")
	host7   = mustAddr("02:00:00:00:07:00")
	none    = Addr{}
)

// decoded is the semantic view of a frame that the golden table pins down.
// Zero values mean "absent": e.g. TA == none with HasTA false.
type decoded struct {
	Kind                   Kind
	HeaderLen              int
	Duration               uint16
	ToDS, FromDS           bool
	Retry, PwrMgt, Prot    bool
	RA                     Addr
	TA                     Addr
	HasTA                  bool
	BSSID                  Addr
	HasBSSID               bool
	DA, SA                 Addr
	HasDA, HasSA           bool
	HasAddr3, HasAddr4     bool
	Seq                    uint16
	Frag                   uint8
	HasSeq                 bool
	HasQoS                 bool
	TID                    uint8
	Group                  bool
	EtherType              uint16
	HasEtherType           bool
	SSID                   string
	HasSSID                bool
	Len                    int
	IsBeacon, IsProbeResp  bool
	IsMgmt, IsCtrl, IsData bool
}

func decode(frame []byte, h *Header) decoded {
	d := decoded{
		Kind: h.Kind(), HeaderLen: h.HeaderLen, Duration: h.Duration,
		ToDS: h.FC.ToDS(), FromDS: h.FC.FromDS(), Retry: h.FC.Retry(),
		PwrMgt: h.FC.PwrMgt(), Prot: h.FC.Protected(),
		RA: h.Receiver(), HasAddr3: h.HasAddr3, HasAddr4: h.HasAddr4,
		HasSeq: h.HasSeq, HasQoS: h.HasQoS, Group: h.IsGroupAddressed(),
		Len: len(frame), IsBeacon: h.IsBeacon(), IsProbeResp: h.IsProbeResp(),
		IsMgmt: h.IsMgmt(), IsCtrl: h.IsCtrl(), IsData: h.IsData(),
	}
	d.TA, d.HasTA = h.Transmitter()
	d.BSSID, d.HasBSSID = h.BSSID()
	d.DA, d.HasDA = h.DA()
	d.SA, d.HasSA = h.SA()
	if h.HasSeq {
		d.Seq, d.Frag = h.Seq.Seq(), h.Seq.Frag()
	}
	if h.HasQoS {
		d.TID = h.QoS.TID()
	}
	d.EtherType, d.HasEtherType = h.EtherType(frame)
	if s, ok := SSID(frame); ok {
		d.SSID, d.HasSSID = string(s), true
	}
	return d
}

// goldenFrames documents, for every file in testdata, the fields Parse and
// the helpers must produce.
var goldenFrames = []struct {
	file string
	want decoded
}{
	{"beacon_ssid_test.hex", decoded{
		Kind: Beacon, HeaderLen: 24, Len: 61,
		RA: Broadcast, TA: apAddr, HasTA: true, BSSID: apAddr, HasBSSID: true,
		DA: Broadcast, HasDA: true, SA: apAddr, HasSA: true, HasAddr3: true,
		Seq: 100, HasSeq: true, Group: true, SSID: "test", HasSSID: true,
		IsBeacon: true, IsMgmt: true,
	}},
	{"probe_req_wildcard.hex", decoded{
		Kind: ProbeReq, HeaderLen: 24, Len: 36,
		RA: Broadcast, TA: staAddr, HasTA: true, BSSID: Broadcast, HasBSSID: true,
		DA: Broadcast, HasDA: true, SA: staAddr, HasSA: true, HasAddr3: true,
		Seq: 5, HasSeq: true, Group: true, SSID: "", HasSSID: true, IsMgmt: true,
	}},
	{"auth_open_seq1.hex", decoded{
		Kind: Auth, HeaderLen: 24, Len: 30, Duration: 314,
		RA: apAddr, TA: staAddr, HasTA: true, BSSID: apAddr, HasBSSID: true,
		DA: apAddr, HasDA: true, SA: staAddr, HasSA: true, HasAddr3: true,
		Seq: 6, HasSeq: true, IsMgmt: true,
	}},
	{"assoc_req_rsn.hex", decoded{
		Kind: AssocReq, HeaderLen: 24, Len: 66, Duration: 314,
		RA: apAddr, TA: staAddr, HasTA: true, BSSID: apAddr, HasBSSID: true,
		DA: apAddr, HasDA: true, SA: staAddr, HasSA: true, HasAddr3: true,
		Seq: 7, HasSeq: true, SSID: "test", HasSSID: true, IsMgmt: true,
	}},
	{"data_tods_sta_to_ap.hex", decoded{
		Kind: Data, HeaderLen: 24, Len: 64, Duration: 44, ToDS: true,
		RA: apAddr, TA: staAddr, HasTA: true, BSSID: apAddr, HasBSSID: true,
		DA: host2, HasDA: true, SA: staAddr, HasSA: true, HasAddr3: true,
		Seq: 8, HasSeq: true, EtherType: 0x0800, HasEtherType: true, IsData: true,
	}},
	{"data_fromds_ap_to_sta.hex", decoded{
		Kind: Data, HeaderLen: 24, Len: 64, Duration: 44, FromDS: true,
		RA: staAddr, TA: apAddr, HasTA: true, BSSID: apAddr, HasBSSID: true,
		DA: staAddr, HasDA: true, SA: host2, HasSA: true, HasAddr3: true,
		Seq: 25, HasSeq: true, EtherType: 0x0800, HasEtherType: true, IsData: true,
	}},
	{"qos_data_ccmp_tods.hex", decoded{
		Kind: QoSData, HeaderLen: 26, Len: 58, Duration: 44, ToDS: true,
		Retry: true, Prot: true,
		RA: apAddr, TA: staAddr, HasTA: true, BSSID: apAddr, HasBSSID: true,
		DA: host2, HasDA: true, SA: staAddr, HasSA: true, HasAddr3: true,
		Seq: 10, HasSeq: true, HasQoS: true, TID: 6, IsData: true,
	}},
	{"data_4addr_wds.hex", decoded{
		Kind: Data, HeaderLen: 30, Len: 46, Duration: 44, ToDS: true, FromDS: true,
		RA: host3, TA: apAddr, HasTA: true,
		DA: host4, HasDA: true, SA: host5, HasSA: true, HasAddr3: true, HasAddr4: true,
		Seq: 11, Frag: 1, HasSeq: true, EtherType: 0x0806, HasEtherType: true, IsData: true,
	}},
	{"mesh_data_ae2.hex", decoded{
		Kind: QoSData, HeaderLen: 32, Len: 66, Duration: 44, ToDS: true, FromDS: true,
		RA: host3, TA: apAddr, HasTA: true,
		DA: host4, HasDA: true, SA: host5, HasSA: true, HasAddr3: true, HasAddr4: true,
		Seq: 12, HasSeq: true, HasQoS: true, IsData: true,
		// EtherType is absent: the mesh control sits before the LLC header.
	}},
	{"ack.hex", decoded{
		Kind: ACK, HeaderLen: 10, Len: 10, RA: staAddr, IsCtrl: true,
	}},
	{"cts.hex", decoded{
		Kind: CTS, HeaderLen: 10, Len: 10, Duration: 166, RA: apAddr, IsCtrl: true,
	}},
	{"rts.hex", decoded{
		Kind: RTS, HeaderLen: 16, Len: 16, Duration: 196, RA: apAddr,
		TA: staAddr, HasTA: true, IsCtrl: true,
	}},
	{"null_data_pwrmgt.hex", decoded{
		Kind: Null, HeaderLen: 24, Len: 24, Duration: 314, ToDS: true, PwrMgt: true,
		RA: apAddr, TA: staAddr, HasTA: true, BSSID: apAddr, HasBSSID: true,
		DA: apAddr, HasDA: true, SA: staAddr, HasSA: true, HasAddr3: true,
		Seq: 13, HasSeq: true, IsData: true,
	}},
	{"eapol_msg1_fromds.hex", decoded{
		Kind: QoSData, HeaderLen: 26, Len: 133, Duration: 44, FromDS: true,
		RA: staAddr, TA: apAddr, HasTA: true, BSSID: apAddr, HasBSSID: true,
		DA: staAddr, HasDA: true, SA: apAddr, HasSA: true, HasAddr3: true,
		HasSeq: true, HasQoS: true, TID: 7,
		EtherType: EtherTypeEAPOL, HasEtherType: true, IsData: true,
	}},
}

func TestGoldenFrames(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range goldenFrames {
		seen[tc.file] = true
		t.Run(strings.TrimSuffix(tc.file, ".hex"), func(t *testing.T) {
			frame := loadHex(t, tc.file)
			h, err := Parse(frame)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := decode(frame, &h); got != tc.want {
				t.Errorf("decoded mismatch\n got: %+v\nwant: %+v", got, tc.want)
			}
			// Every strict prefix shorter than the header must fail cleanly.
			for n := 0; n < h.HeaderLen; n++ {
				_, err := Parse(frame[:n])
				var ts *TooShortError
				if !errors.As(err, &ts) || !errors.Is(err, ErrTooShort) {
					t.Fatalf("Parse(frame[:%d]) = %v, want *TooShortError", n, err)
				}
				if ts.Got != n || ts.Need <= n {
					t.Errorf("Parse(frame[:%d]): need %d got %d", n, ts.Need, ts.Got)
				}
			}
		})
	}
	// Every testdata file must be documented in the table.
	files, _ := filepath.Glob("testdata/*.hex")
	for _, f := range files {
		if !seen[filepath.Base(f)] {
			t.Errorf("%s has no entry in goldenFrames", f)
		}
	}
}

func TestFrameControlBits(t *testing.T) {
	fc := FrameControl(0xffff &^ 0x0003) // every flag, version 0
	if !fc.ToDS() || !fc.FromDS() || !fc.MoreFrag() || !fc.Retry() || !fc.PwrMgt() ||
		!fc.MoreData() || !fc.Protected() || !fc.Order() {
		t.Errorf("flags of %#x not all set", uint16(fc))
	}
	if fc.Type() != TypeExt || fc.Subtype() != 15 {
		t.Errorf("type/subtype = %v/%d", fc.Type(), fc.Subtype())
	}
	var zero FrameControl
	if zero.ToDS() || zero.FromDS() || zero.MoreFrag() || zero.Retry() || zero.PwrMgt() ||
		zero.MoreData() || zero.Protected() || zero.Order() {
		t.Error("zero frame control has flags")
	}
	// Kind values encode (type<<4)|subtype, which is what the on-air
	// layout gives for byte 0 rearranged.
	for _, k := range []Kind{Beacon, ACK, QoSNull, S1GBeacon} {
		fc := FrameControl(uint16(k.Type())<<2 | uint16(k.Subtype())<<4)
		if fc.Kind() != k {
			t.Errorf("FrameControl(%#x).Kind() = %v, want %v", uint16(fc), fc.Kind(), k)
		}
	}
	if Beacon.String() != "Beacon" || QoSData.String() != "QoSData" {
		t.Error("Kind.String")
	}
	if s := kind(TypeCtrl, 0).String(); s != "ctrl/0" {
		t.Errorf("reserved kind string %q", s)
	}
}

func TestSeqQoS(t *testing.T) {
	s := SeqCtrl(0xfff3)
	if s.Seq() != 0xfff || s.Frag() != 3 {
		t.Errorf("seq %d frag %d", s.Seq(), s.Frag())
	}
	q := QoSControl(0x01f5) // TID 5, EOSP, ack policy 3, A-MSDU, mesh control
	if q.TID() != 5 || !q.EOSP() || q.AckPolicy() != 3 || !q.AMSDU() || !q.MeshControlPresent() {
		t.Errorf("QoS decode of %#x wrong", uint16(q))
	}
}

// hdr builds a frame from a frame control and a body of n zero bytes with
// distinct addresses, for layout tests that need no golden file.
func hdr(fc uint16, n int) []byte {
	b := make([]byte, n)
	b[0], b[1] = byte(fc), byte(fc>>8)
	for i := 4; i < n; i++ {
		b[i] = byte(i)
	}
	return b
}

func TestHeaderLayouts(t *testing.T) {
	tests := []struct {
		name      string
		fc        uint16
		headerLen int
		hasTA     bool
		hasHTC    bool
		hasQoS    bool
		hasA4     bool
	}{
		{"mgmt+HTC", 0x8080, 28, true, true, false, false},
		{"non-QoS data Order bit is not HTC", 0x8008, 24, true, false, false, false},
		{"QoS data+HTC", 0x8088, 30, true, true, true, false},
		{"4addr QoS data+HTC", 0x8388, 36, true, true, true, true},
		{"QoS null", 0x00c8, 26, true, false, true, false},
		{"PS-Poll", 0x00a4, 16, true, false, false, false},
		{"BlockAckReq", 0x0084, 16, true, false, false, false},
		{"BlockAck", 0x0094, 16, true, false, false, false},
		{"CF-End", 0x00e4, 16, true, false, false, false},
		{"control wrapper", 0x0074, 16, false, true, false, false},
		{"control frame extension", 0x0064, 10, false, false, false, false},
		{"trigger", 0x0024, 16, true, false, false, false},
		{"DMG beacon", 0x000c, 10, true, false, false, false},
		{"S1G beacon", 0x001c, 10, true, false, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := hdr(tc.fc, 40)
			h, err := Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			if h.HeaderLen != tc.headerLen || h.HasAddr2 != tc.hasTA || h.HasHTC != tc.hasHTC ||
				h.HasQoS != tc.hasQoS || h.HasAddr4 != tc.hasA4 {
				t.Errorf("got len %d TA %v HTC %v QoS %v A4 %v", h.HeaderLen, h.HasAddr2,
					h.HasHTC, h.HasQoS, h.HasAddr4)
			}
			if _, err := Parse(b[:tc.headerLen-1]); !errors.Is(err, ErrTooShort) {
				t.Errorf("one byte short: err = %v", err)
			}
		})
	}
}

func TestHTCValue(t *testing.T) {
	b := hdr(0x8088, 30) // QoS data +HTC: QoS at 24, HTC at 26
	copy(b[26:], []byte{0x78, 0x56, 0x34, 0x12})
	h, err := Parse(b)
	if err != nil || h.HTC != 0x12345678 || h.QoS != QoSControl(uint16(24)|uint16(25)<<8) {
		t.Fatalf("h=%+v err=%v", h, err)
	}
}

func TestExtensionBeaconIsBroadcast(t *testing.T) {
	b := hdr(0x000c, 20) // DMG beacon
	h, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if !h.IsGroupAddressed() || h.Receiver() != Broadcast {
		t.Error("extension beacon not broadcast")
	}
	if ta, ok := h.Transmitter(); !ok || ta != Addr(b[4:10]) {
		t.Errorf("TA %v %v", ta, ok)
	}
	if bssid, ok := h.BSSID(); !ok || bssid != Addr(b[4:10]) {
		t.Errorf("BSSID %v %v", bssid, ok)
	}
	if h.IsBeacon() {
		t.Error("DMG beacon reported as a PV0 beacon")
	}
}

func TestTransmitterBandwidthSignaling(t *testing.T) {
	frame := loadHex(t, "rts.hex")
	frame[10] |= 0x01 // bandwidth signaling TA
	h, err := Parse(frame)
	if err != nil {
		t.Fatal(err)
	}
	if ta, ok := h.Transmitter(); !ok || ta != staAddr {
		t.Errorf("Transmitter = %v, %v; want %v", ta, ok, staAddr)
	}
	if !h.Addr2.IsGroup() {
		t.Error("raw Addr2 should keep the I/G bit")
	}
}

func TestControlBSSID(t *testing.T) {
	for _, fc := range []uint16{0x00a4, 0x00e4, 0x00f4} { // PS-Poll, CF-End, CF-End+Ack
		b := hdr(fc, 16)
		h, _ := Parse(b)
		want := Addr(b[4:10])
		if fc != 0x00a4 {
			want = Addr(b[10:16])
		}
		if got, ok := h.BSSID(); !ok || got != want {
			t.Errorf("%v BSSID = %v %v", h.Kind(), got, ok)
		}
		if _, ok := h.SA(); ok {
			t.Errorf("%v has SA", h.Kind())
		}
	}
}

func TestAMSDUAddresses(t *testing.T) {
	tests := []struct {
		fc           uint16
		hasDA, hasSA bool
	}{
		{0x0088, true, true},   // no DS bit: RA=DA, TA=SA
		{0x0188, false, true},  // ToDS: DA in subframes
		{0x0288, true, false},  // FromDS: SA in subframes
		{0x0388, false, false}, // both
	}
	for _, tc := range tests {
		b := hdr(tc.fc, 40)
		qos := 24
		if tc.fc&0x0300 == 0x0300 {
			qos = 30
		}
		b[qos] = 0x80 // A-MSDU present
		b[qos+1] = 0
		h, err := Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		_, hasDA := h.DA()
		_, hasSA := h.SA()
		if hasDA != tc.hasDA || hasSA != tc.hasSA {
			t.Errorf("fc %#x: DA %v SA %v", tc.fc, hasDA, hasSA)
		}
		if _, ok := h.EtherType(b); ok {
			t.Errorf("fc %#x: EtherType on A-MSDU", tc.fc)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		is   error
		need int
	}{
		{"empty", nil, ErrTooShort, 2},
		{"one byte", []byte{0x80}, ErrTooShort, 2},
		{"beacon header cut", hdr(0x0080, 23), ErrTooShort, 24},
		{"ACK cut", hdr(0x00d4, 9), ErrTooShort, 10},
		{"RTS cut", hdr(0x00b4, 15), ErrTooShort, 16},
		{"4addr cut", hdr(0x0308, 29), ErrTooShort, 30},
		{"version 1", hdr(0x0001, 40), ErrUnsupported, 0},
		{"reserved control 0", hdr(0x0004, 40), ErrUnsupported, 0},
		{"reserved control 1", hdr(0x0014, 40), ErrUnsupported, 0},
		{"reserved extension", hdr(0x002c, 40), ErrUnsupported, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.in)
			if !errors.Is(err, tc.is) {
				t.Fatalf("err = %v, want %v", err, tc.is)
			}
			if err.Error() == "" {
				t.Error("empty message")
			}
			var ts *TooShortError
			if errors.As(err, &ts) && (ts.Need != tc.need || ts.Got != len(tc.in)) {
				t.Errorf("need %d got %d", ts.Need, ts.Got)
			}
			var us *UnsupportedError
			if tc.is == ErrUnsupported && !errors.As(err, &us) {
				t.Errorf("not an *UnsupportedError: %T", err)
			}
		})
	}
}

func TestBody(t *testing.T) {
	frame := loadHex(t, "auth_open_seq1.hex")
	h, _ := Parse(frame)
	if !bytes.Equal(h.Body(frame), []byte{0, 0, 1, 0, 0, 0}) {
		t.Errorf("body %x", h.Body(frame))
	}
	if h.Body(frame[:10]) != nil {
		t.Error("Body of a shorter frame should be nil")
	}
}

func TestParseAllocs(t *testing.T) {
	frame := loadHex(t, "qos_data_ccmp_tods.hex")
	allocs := testing.AllocsPerRun(100, func() {
		h, err := Parse(frame)
		if err != nil || h.HeaderLen != 26 {
			t.Fatal(err)
		}
		_, _ = h.Transmitter()
		_, _ = h.SA()
		_, _ = h.DA()
	})
	if allocs != 0 {
		t.Errorf("Parse allocates %v times", allocs)
	}
}

func BenchmarkParse(b *testing.B) {
	for _, name := range []string{"beacon_ssid_test.hex", "qos_data_ccmp_tods.hex", "ack.hex", "data_4addr_wds.hex"} {
		frame := loadHex(b, name)
		b.Run(strings.TrimSuffix(name, ".hex"), func(b *testing.B) {
			b.ReportAllocs()
			var sink int
			for b.Loop() {
				h, err := Parse(frame)
				if err != nil {
					b.Fatal(err)
				}
				sink += h.HeaderLen
			}
			_ = sink
		})
	}
}
