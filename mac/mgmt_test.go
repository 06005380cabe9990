package mac

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

func TestTimestamp(t *testing.T) {
	frame := loadHex(t, "beacon_ssid_test.hex")
	ts, ok := Timestamp(frame)
	if !ok || ts != 0x12345 {
		t.Fatalf("Timestamp = %#x, %v", ts, ok)
	}
	if binary.LittleEndian.Uint64(frame[BeaconTimestampOffset:]) != ts {
		t.Error("BeaconTimestampOffset disagrees with Timestamp")
	}
	if !AddTimestamp(frame, 1000) {
		t.Fatal("AddTimestamp failed")
	}
	if ts, _ := Timestamp(frame); ts != 0x12345+1000 {
		t.Errorf("after add: %#x", ts)
	}
	// Negative delta wraps like the TSF counter.
	minus2000 := int64(-2000)
	AddTimestamp(frame, uint64(minus2000))
	if ts, _ := Timestamp(frame); ts != 0x12345-1000 {
		t.Errorf("after subtract: %#x", ts)
	}
	if !SetTimestamp(frame, ^uint64(0)) || !AddTimestamp(frame, 2) {
		t.Fatal("set/add failed")
	}
	if ts, _ := Timestamp(frame); ts != 1 {
		t.Errorf("wrap: %#x", ts)
	}
	// The rest of the frame is untouched.
	orig := loadHex(t, "beacon_ssid_test.hex")
	if !bytes.Equal(frame[:24], orig[:24]) || !bytes.Equal(frame[32:], orig[32:]) {
		t.Error("AddTimestamp touched bytes outside the timestamp")
	}
}

func TestTimestampRejects(t *testing.T) {
	beacon := loadHex(t, "beacon_ssid_test.hex")
	for name, frame := range map[string][]byte{
		"probe request": loadHex(t, "probe_req_wildcard.hex"),
		"data":          loadHex(t, "data_tods_sta_to_ap.hex"),
		"ack":           loadHex(t, "ack.hex"),
		"cut beacon":    beacon[:31],
		"header only":   beacon[:24],
		"empty":         nil,
	} {
		before := bytes.Clone(frame)
		if AddTimestamp(frame, 1) || SetTimestamp(frame, 1) {
			t.Errorf("%s: timestamp written", name)
		}
		if _, ok := Timestamp(frame); ok {
			t.Errorf("%s: timestamp read", name)
		}
		if !bytes.Equal(before, frame) {
			t.Errorf("%s: frame modified", name)
		}
	}
	// A probe response shares the beacon layout.
	probeResp := bytes.Clone(beacon)
	probeResp[0] = 0x50
	if !AddTimestamp(probeResp, 1) {
		t.Error("probe response rejected")
	}
}

func TestTimestampHTC(t *testing.T) {
	// A +HTC beacon moves the timestamp 4 bytes later.
	frame := loadHex(t, "beacon_ssid_test.hex")
	htc := append(append(bytes.Clone(frame[:24]), 0, 0, 0, 0), frame[24:]...)
	htc[1] |= 0x80
	if ts, ok := Timestamp(htc); !ok || ts != 0x12345 {
		t.Errorf("+HTC timestamp %#x %v", ts, ok)
	}
	if s, ok := SSID(htc); !ok || string(s) != "test" {
		t.Errorf("+HTC SSID %q %v", s, ok)
	}
}

func TestCapabilityAndInterval(t *testing.T) {
	tests := []struct {
		file string
		cap  CapabilityInfo
		ok   bool
	}{
		{"beacon_ssid_test.hex", CapESS | CapShortSlotTime, true},
		{"assoc_req_rsn.hex", CapESS | CapPrivacy | CapShortPreamble | CapShortSlotTime, true},
		{"probe_req_wildcard.hex", 0, false},
		{"auth_open_seq1.hex", 0, false},
		{"ack.hex", 0, false},
	}
	for _, tc := range tests {
		c, ok := Capability(loadHex(t, tc.file))
		if c != tc.cap || ok != tc.ok {
			t.Errorf("%s: Capability = %#x %v", tc.file, uint16(c), ok)
		}
	}
	c, _ := Capability(loadHex(t, "beacon_ssid_test.hex"))
	if !c.ESS() || c.IBSS() || c.Privacy() {
		t.Error("beacon capability bits")
	}
	if CapabilityInfo(0x0002).IBSS() != true {
		t.Error("IBSS bit")
	}
	if tu, ok := BeaconInterval(loadHex(t, "beacon_ssid_test.hex")); !ok || tu != 100 {
		t.Errorf("BeaconInterval = %d %v", tu, ok)
	}
	beacon := loadHex(t, "beacon_ssid_test.hex")
	if _, ok := Capability(beacon[:35]); ok {
		t.Error("capability read from cut frame")
	}
	if _, ok := BeaconInterval(beacon[:33]); ok {
		t.Error("interval read from cut frame")
	}
}

func TestElements(t *testing.T) {
	body, ok := FrameElements(loadHex(t, "beacon_ssid_test.hex"))
	if !ok {
		t.Fatal("no elements")
	}
	type elem struct {
		id   ElementID
		data string
	}
	var got []elem
	for id, data := range Elements(body) {
		got = append(got, elem{id, string(data)})
	}
	want := []elem{
		{ElemSSID, "test"},
		{ElemSupportedRates, "\x82\x84\x8b\x96\x0c\x12\x18\x24"},
		{ElemDSParams, "\x01"},
		{ElemTIM, "\x00\x02\x00\x00"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d elements: %q", len(got), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("element %d = %q, want %q", i, got[i], want[i])
		}
	}
	// Early break must be honoured.
	n := 0
	for range Elements(body) {
		n++
		break
	}
	if n != 1 {
		t.Error("break ignored")
	}
	if ds, ok := FindElement(body, ElemDSParams); !ok || !bytes.Equal(ds, []byte{1}) {
		t.Errorf("DS params %x %v", ds, ok)
	}
	if _, ok := FindElement(body, ElemRSN); ok {
		t.Error("found absent RSN")
	}
	rsnBody, _ := FrameElements(loadHex(t, "assoc_req_rsn.hex"))
	if rsn, ok := FindElement(rsnBody, ElemRSN); !ok || len(rsn) != 20 {
		t.Errorf("RSN %x %v", rsn, ok)
	}
}

func TestElementIterTruncation(t *testing.T) {
	tests := []struct {
		name       string
		in         []byte
		n          int // complete elements
		need, got  int // truncation, 0 if none
		wantRemain int
	}{
		{"empty", nil, 0, 0, 0, 0},
		{"one", []byte{0, 1, 'x'}, 1, 0, 0, 0},
		{"zero length", []byte{0, 0, 1, 0}, 2, 0, 0, 0},
		{"lone id byte", []byte{0, 1, 'x', 7}, 1, 2, 1, 1},
		{"length past end", []byte{0, 1, 'x', 7, 5, 1, 2}, 1, 7, 4, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			it := NewElementIter(tc.in)
			n := 0
			for {
				_, _, ok := it.Next()
				if !ok {
					break
				}
				n++
			}
			if n != tc.n {
				t.Errorf("%d elements, want %d", n, tc.n)
			}
			if _, _, ok := it.Next(); ok {
				t.Error("Next after end returned an element")
			}
			err := it.Err()
			if tc.need == 0 {
				if err != nil {
					t.Errorf("unexpected error %v", err)
				}
				return
			}
			var ts *TooShortError
			if !errors.As(err, &ts) || !errors.Is(err, ErrTooShort) || ts.Need != tc.need || ts.Got != tc.got {
				t.Errorf("err = %v", err)
			}
			if len(it.Remaining()) != tc.wantRemain {
				t.Errorf("remaining %d", len(it.Remaining()))
			}
		})
	}
}

func TestElementDataIsClipped(t *testing.T) {
	body := []byte{0, 1, 'a', 1, 1, 'b'}
	it := NewElementIter(body)
	_, data, _ := it.Next()
	_ = append(data, 'X')
	if body[3] != 1 {
		t.Error("append through element data overwrote the next element")
	}
}

func TestSSID(t *testing.T) {
	tests := []struct {
		file string
		ssid string
		ok   bool
	}{
		{"beacon_ssid_test.hex", "test", true},
		{"probe_req_wildcard.hex", "", true},
		{"assoc_req_rsn.hex", "test", true},
		{"auth_open_seq1.hex", "", false},
		{"data_tods_sta_to_ap.hex", "", false},
		{"ack.hex", "", false},
	}
	for _, tc := range tests {
		s, ok := SSID(loadHex(t, tc.file))
		if string(s) != tc.ssid || ok != tc.ok {
			t.Errorf("%s: SSID = %q %v", tc.file, s, ok)
		}
	}
	beacon := loadHex(t, "beacon_ssid_test.hex")
	if _, ok := SSID(beacon[:40]); ok { // SSID element cut after 4 bytes
		t.Error("SSID from truncated element")
	}
	if _, ok := SSID(beacon[:30]); ok { // cut in fixed fields
		t.Error("SSID from truncated fixed fields")
	}
}

func TestElementsOffsetKinds(t *testing.T) {
	want := map[Kind]int{
		ProbeReq: 24, Disassoc: 26, Deauth: 26, AssocReq: 28, AssocResp: 30,
		ReassocResp: 30, ReassocReq: 34, TimingAdvertisement: 34, Beacon: 36, ProbeResp: 36,
	}
	for st := range uint8(16) {
		k := kind(TypeMgmt, st)
		h, err := Parse(hdr(uint16(st)<<4, 24))
		if err != nil {
			t.Fatal(err)
		}
		off, ok := h.ElementsOffset()
		w, wok := want[k]
		if ok != wok || off != w {
			t.Errorf("%v: offset %d %v", k, off, ok)
		}
		h.FC |= fcProtected
		if _, ok := h.ElementsOffset(); ok {
			t.Errorf("%v: protected frame has elements", k)
		}
	}
}

func TestHelpersAllocs(t *testing.T) {
	beacon := loadHex(t, "beacon_ssid_test.hex")
	allocs := testing.AllocsPerRun(100, func() {
		AddTimestamp(beacon, 1)
		_, _ = Capability(beacon)
		_, _ = SSID(beacon)
		body, _ := FrameElements(beacon)
		for range Elements(body) {
		}
	})
	if allocs != 0 {
		t.Errorf("helpers allocate %v times", allocs)
	}
}

func BenchmarkElements(b *testing.B) {
	body, _ := FrameElements(loadHex(b, "beacon_ssid_test.hex"))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for range Elements(body) {
			n++
		}
	}
}

func BenchmarkAddTimestamp(b *testing.B) {
	beacon := loadHex(b, "beacon_ssid_test.hex")
	b.ReportAllocs()
	for b.Loop() {
		AddTimestamp(beacon, 1)
	}
}
