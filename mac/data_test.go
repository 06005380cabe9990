package mac

import (
	"errors"
	"testing"
)

func TestMeshGolden(t *testing.T) {
	frame := loadHex(t, "mesh_data_ae2.hex")
	h, err := Parse(frame)
	if err != nil {
		t.Fatal(err)
	}
	if !h.QoS.MeshControlPresent() {
		t.Fatal("mesh control present bit")
	}
	m, err := h.MeshControl(frame)
	if err != nil {
		t.Fatal(err)
	}
	want := MeshControl{Flags: 2, TTL: 31, SeqNum: 7, Addr5: host6, Addr6: host7, Len: 18}
	if m != want {
		t.Errorf("mesh control %+v, want %+v", m, want)
	}
	da, sa, ok := h.MeshEndAddrs(&m)
	if !ok || da != host6 || sa != host7 {
		t.Errorf("end addrs %v %v %v", da, sa, ok)
	}
	// Header-level DA/SA are the mesh DA/SA.
	if d, _ := h.DA(); d != host4 {
		t.Errorf("mesh DA %v", d)
	}
	if s, _ := h.SA(); s != host5 {
		t.Errorf("mesh SA %v", s)
	}
	// After the mesh control comes the LLC header.
	body := h.Body(frame)[m.Len:]
	if string(body[:8]) != "\xaa\xaa\x03\x00\x00\x00\x08\x06" {
		t.Errorf("LLC after mesh control: %x", body[:8])
	}
}

func TestMeshEndAddrs(t *testing.T) {
	a1, a3, a4 := mustAddr("01:00:5e:00:00:01"), host3, host4
	ext4, ext5, ext6 := host5, host6, host7
	tests := []struct {
		name   string
		fc     FrameControl
		mode   uint8
		da, sa Addr
		ok     bool
	}{
		{"individual mode 0", 0x0388, 0, a3, a4, true},
		{"individual mode 2", 0x0388, 2, ext5, ext6, true},
		{"individual mode 1 invalid", 0x0388, 1, none, none, false},
		{"group mode 0", 0x0288, 0, a1, a3, true},
		{"group mode 1", 0x0288, 1, a1, ext4, true},
		{"group mode 2 invalid", 0x0288, 2, none, none, false},
		{"ToDS only", 0x0188, 0, none, none, false},
		{"management", 0x00d0, 0, none, none, false},
	}
	for _, tc := range tests {
		h := Header{FC: tc.fc, Addr1: a1, Addr2: host2, Addr3: a3, Addr4: a4}
		m := MeshControl{Flags: tc.mode, Addr4: ext4, Addr5: ext5, Addr6: ext6}
		da, sa, ok := h.MeshEndAddrs(&m)
		if da != tc.da || sa != tc.sa || ok != tc.ok {
			t.Errorf("%s: %v %v %v", tc.name, da, sa, ok)
		}
	}
}

func TestParseMeshControl(t *testing.T) {
	mode1 := []byte{1, 5, 1, 2, 3, 4, 2, 0, 0, 0, 9, 0}
	m, err := ParseMeshControl(mode1)
	if err != nil || m.Len != 12 || m.Addr4 != mustAddr("02:00:00:00:09:00") || m.SeqNum != 0x04030201 || m.TTL != 5 {
		t.Errorf("mode 1: %+v %v", m, err)
	}
	for n := range len(mode1) {
		if _, err := ParseMeshControl(mode1[:n]); !errors.Is(err, ErrTooShort) {
			t.Errorf("len %d: %v", n, err)
		}
	}
	if _, err := ParseMeshControl([]byte{3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("mode 3: %v", err)
	}
}

func TestMeshControlRefusals(t *testing.T) {
	frame := loadHex(t, "mesh_data_ae2.hex")
	h, _ := Parse(frame)
	for name, mod := range map[string]func(*Header){
		"protected": func(h *Header) { h.FC |= fcProtected },
		"a-msdu":    func(h *Header) { h.QoS |= 0x0080 },
		"no bit":    func(h *Header) { h.QoS &^= 0x0100 },
		"non-QoS":   func(h *Header) { h.HasQoS = false },
	} {
		hh := h
		mod(&hh)
		if _, err := hh.MeshControl(frame); !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if _, err := h.MeshControl(frame[:h.HeaderLen+10]); !errors.Is(err, ErrTooShort) {
		t.Errorf("cut: %v", err)
	}
}

func TestEtherTypeRefusals(t *testing.T) {
	for _, file := range []string{"qos_data_ccmp_tods.hex", "null_data_pwrmgt.hex", "beacon_ssid_test.hex", "ack.hex"} {
		frame := loadHex(t, file)
		h, _ := Parse(frame)
		if et, ok := h.EtherType(frame); ok {
			t.Errorf("%s: EtherType %#x", file, et)
		}
	}
	frame := loadHex(t, "eapol_msg1_fromds.hex")
	h, _ := Parse(frame)
	if _, ok := h.EtherType(frame[:h.HeaderLen+7]); ok {
		t.Error("EtherType from cut LLC header")
	}
	frame[h.HeaderLen+5] = 0xf8 // 802.1H bridge tunnel
	if et, ok := h.EtherType(frame); !ok || et != EtherTypeEAPOL {
		t.Error("bridge tunnel encapsulation not recognised")
	}
	frame[h.HeaderLen] = 0x42
	if _, ok := h.EtherType(frame); ok {
		t.Error("non-SNAP body accepted")
	}
}
