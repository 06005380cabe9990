package crypto

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

// simPair plays both ends of a handshake with the package's own
// derivation functions, for cases the generated scenarios do not cover.
// The generated scenarios check those functions against another
// implementation; these tests check the state machine.
type simPair struct {
	t        *testing.T
	scheme   keyScheme
	version  uint8
	akm      byte
	pmk      [PMKLen]byte
	aa, spa  mac.Addr
	bssid    mac.Addr
	ibss     bool
	rc       uint64
	an, sn   [nonceLen]byte
	p        ptk
	seq      uint16
	pn       [2]uint64
	group    uint8 // group cipher type in the station's RSN element
	pairwise uint8
}

func newSim(t *testing.T, passphrase string, aa, spa mac.Addr) *simPair {
	pmk, err := derivePMK(passphrase, []byte("sim-net"))
	if err != nil {
		t.Fatal(err)
	}
	return &simPair{t: t, scheme: schemeSHA1, version: descVersionSHA1, akm: 2, pmk: pmk, aa: aa, spa: spa,
		bssid: aa, group: 4, pairwise: 4}
}

func (s *simPair) key(t *testing.T, passphrase string) Key {
	k, err := PassphraseKey("sim-net", passphrase)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// frame wraps body in a data frame: FromDS/ToDS between AP and station,
// no DS bits in an IBSS.
func (s *simPair) frame(ta, ra mac.Addr, body []byte) []byte {
	s.seq++
	fc := byte(0x01) // ToDS
	if ta == s.aa {
		fc = 0x02 // FromDS
	}
	if s.ibss {
		fc = 0
	}
	f := []byte{0x88, fc, 0, 0}
	f = append(f, ra[:]...)
	f = append(f, ta[:]...)
	f = append(f, s.bssid[:]...)
	f = binary.LittleEndian.AppendUint16(f, s.seq<<4)
	f = append(f, 0, 0) // QoS control, TID 0
	return append(f, body...)
}

func (s *simPair) eapol(fromAA bool, info KeyInfo, rc uint64, nonce [nonceLen]byte, keyData []byte, mic bool) []byte {
	b := []byte{2, 3, 0, 0, DescriptorRSN}
	b = binary.BigEndian.AppendUint16(b, uint16(info)|uint16(s.version))
	b = binary.BigEndian.AppendUint16(b, 16)
	b = binary.BigEndian.AppendUint64(b, rc)
	b = append(b, nonce[:]...)
	b = append(b, make([]byte, 16+8+8+micLen)...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(keyData)))
	b = append(b, keyData...)
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)-4))
	if mic {
		k, err := ParseEAPOLKey(b)
		if err != nil {
			s.t.Fatal(err)
		}
		m := k.computeMIC(s.scheme, &s.p.kck)
		copy(b[offMIC:], m[:])
	}
	ta, ra := s.spa, s.aa
	if fromAA {
		ta, ra = s.aa, s.spa
	}
	return s.frame(ta, ra, append([]byte{0xaa, 0xaa, 0x03, 0, 0, 0, 0x88, 0x8e}, b...))
}

func (s *simPair) m1(label string) []byte {
	s.rc++
	s.an = [nonceLen]byte([]byte(label + " anonce" + string(make([]byte, nonceLen)))[:nonceLen])
	return s.eapol(true, KeyInfoPairwise|KeyInfoAck, s.rc, s.an, nil, false)
}

func (s *simPair) m2(label string) []byte {
	s.sn = [nonceLen]byte([]byte(label + " snonce" + string(make([]byte, nonceLen)))[:nonceLen])
	s.p = derivePTK(s.scheme, s.pmk[:], s.aa, s.spa, &s.an, &s.sn)
	rsn := []byte{48, 20, 1, 0, 0, 0x0f, 0xac, s.group, 1, 0, 0, 0x0f, 0xac, s.pairwise, 1, 0, 0, 0x0f, 0xac, s.akm, 0, 0}
	return s.eapol(false, KeyInfoPairwise|KeyInfoMIC, s.rc, s.sn, rsn, true)
}

func (s *simPair) wrap(kd []byte) []byte {
	for len(kd) < 16 || len(kd)%8 != 0 {
		if len(kd)%8 == 0 {
			kd = append(kd, 0xdd)
		}
		kd = append(kd, 0)
	}
	return aesKeyWrap(mustBlock(s.t, s.p.kek[:]), kd)
}

func gtkKDE(id uint8, gtk []byte) []byte {
	return append([]byte{0xdd, byte(6 + len(gtk)), 0, 0x0f, 0xac, kdeGTK, id, 0}, gtk...)
}

func (s *simPair) m3(extra ...[]byte) []byte {
	s.rc++
	kd := bytes.Join(extra, nil)
	return s.eapol(true, KeyInfoPairwise|KeyInfoInstall|KeyInfoAck|KeyInfoMIC|KeyInfoSecure|KeyInfoEncrypted,
		s.rc, s.an, s.wrap(kd), true)
}

func (s *simPair) m4() []byte {
	return s.eapol(false, KeyInfoPairwise|KeyInfoMIC|KeyInfoSecure, s.rc, [nonceLen]byte{}, nil, true)
}

// data returns a CCMP frame from the authenticator (fromAA) or the
// supplicant, with the next PN of that direction, and its plaintext.
func (s *simPair) data(fromAA bool, keyID uint8) (prot, plain []byte) {
	ta, ra, dir := s.spa, s.aa, 1
	if fromAA {
		ta, ra, dir = s.aa, s.spa, 0
	}
	s.pn[dir]++
	plain = s.frame(ta, ra, append([]byte{0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00}, bytes.Repeat([]byte{byte(s.pn[dir])}, 40)...))
	return sealCCMP(s.t, plain, s.p.tk, s.pn[dir], keyID), plain
}

// run feeds frames and checks status and event of each.
func run(t *testing.T, d *Decryptor, steps []step) {
	t.Helper()
	for i, st := range steps {
		orig := bytes.Clone(st.in)
		out, res := d.Frame(st.in)
		checkResult(t, st.in, orig, out, res)
		if res.Status != st.status || eventString(res.Event) != st.event {
			t.Errorf("step %d (%s): %v %s (%v, %v), want %v %s", i, st.what, res.Status, eventString(res.Event),
				res.Err, eventErr(res.Event), st.status, st.event)
		}
		if st.plain != nil && !bytes.Equal(out, st.plain) {
			t.Errorf("step %d (%s): plaintext %x, want %x", i, st.what, out, st.plain)
		}
	}
}

type step struct {
	what   string
	in     []byte
	status Status
	event  string
	plain  []byte
}

func TestHandshakeStateMachine(t *testing.T) {
	ap, sta := mustAddr("02:00:00:00:00:00"), mustAddr("02:00:00:00:01:00")
	gtk1, gtk2 := bytes.Repeat([]byte{1}, 16), bytes.Repeat([]byte{2}, 16)

	t.Run("retransmitted message 3 keeps replay state", func(t *testing.T) {
		s := newSim(t, "sim passphrase", ap, sta)
		d := NewDecryptor(s.key(t, "sim passphrase"))
		run(t, d, []step{
			{"m1", s.m1("a"), StatusNotProtected, "1/4", nil},
			{"m2", s.m2("a"), StatusNotProtected, "2/4+ptk0", nil},
			{"m3", s.m3(gtkKDE(1, gtk1)), StatusNotProtected, "3/4+gtk1", nil},
		})
		prot, plain := s.data(false, 0)
		run(t, d, []step{
			{"data", prot, StatusDecrypted, "-", plain},
			{"m3 again", s.m3(gtkKDE(1, gtk1)), StatusNotProtected, "3/4+gtk1", nil},
			{"m4", s.m4(), StatusNotProtected, "4/4", nil},
			{"data replayed", prot, StatusReplay, "-", nil},
		})
	})

	t.Run("reconnection restarts the replay counter", func(t *testing.T) {
		s := newSim(t, "sim passphrase", ap, sta)
		d := NewDecryptor(s.key(t, "sim passphrase"))
		run(t, d, []step{
			{"m1", s.m1("a"), StatusNotProtected, "1/4", nil},
			{"m2", s.m2("a"), StatusNotProtected, "2/4+ptk0", nil},
			{"m3", s.m3(gtkKDE(1, gtk1)), StatusNotProtected, "3/4+gtk1", nil},
			{"m4", s.m4(), StatusNotProtected, "4/4", nil},
		})
		s.rc, s.pn = 0, [2]uint64{}
		run(t, d, []step{
			{"new m1, counter 1", s.m1("b"), StatusNotProtected, "1/4", nil},
			{"new m2", s.m2("b"), StatusNotProtected, "2/4+ptk0", nil},
			{"new m3", s.m3(gtkKDE(2, gtk2)), StatusNotProtected, "3/4+gtk2", nil},
		})
		prot, plain := s.data(true, 0)
		run(t, d, []step{{"data with PN 1 under the new key", prot, StatusDecrypted, "-", plain}})
	})

	t.Run("message 2 answering no message 1", func(t *testing.T) {
		s := newSim(t, "sim passphrase", ap, sta)
		d := NewDecryptor(s.key(t, "sim passphrase"))
		run(t, d, []step{{"m1", s.m1("a"), StatusNotProtected, "1/4", nil}})
		s.rc = 7
		run(t, d, []step{{"m2 with counter 7", s.m2("a"), StatusNotProtected, "2/4!replay", nil}})
	})

	t.Run("extended key ID", func(t *testing.T) {
		s := newSim(t, "sim passphrase", ap, sta)
		d := NewDecryptor(s.key(t, "sim passphrase"))
		keyID1 := []byte{0xdd, 6, 0, 0x0f, 0xac, kdeKeyID, 1, 0}
		run(t, d, []step{
			{"m1", s.m1("a"), StatusNotProtected, "1/4", nil},
			{"m2", s.m2("a"), StatusNotProtected, "2/4+ptk0", nil},
			{"m3 with Key ID 1", s.m3(keyID1, gtkKDE(1, gtk1)), StatusNotProtected, "3/4+gtk1", nil},
		})
		prot, plain := s.data(true, 1)
		wrongID, _ := s.data(true, 0)
		run(t, d, []step{
			{"key ID 1", prot, StatusDecrypted, "-", plain},
			{"key ID 0", wrongID, StatusNoKey, "-", nil},
		})
	})

	t.Run("unsupported group cipher", func(t *testing.T) {
		s := newSim(t, "sim passphrase", ap, sta)
		s.group = 8 // GCMP-128
		d := NewDecryptor(s.key(t, "sim passphrase"))
		run(t, d, []step{
			{"m1", s.m1("a"), StatusNotProtected, "1/4", nil},
			{"m2", s.m2("a"), StatusNotProtected, "2/4+ptk0", nil},
			{"m3", s.m3(gtkKDE(1, gtk1)), StatusNotProtected, "3/4!unsupported", nil},
		})
		prot, _ := s.data(true, 0)
		bcast := bytes.Clone(prot)
		copy(bcast[4:10], mac.Broadcast[:])
		run(t, d, []step{
			{"unicast still decrypts", prot, StatusDecrypted, "-", nil},
			{"group frame", bcast, StatusUnsupported, "-", nil},
		})
	})

	t.Run("no keys configured", func(t *testing.T) {
		s := newSim(t, "sim passphrase", ap, sta)
		d := NewDecryptor()
		run(t, d, []step{
			{"m1", s.m1("a"), StatusNotProtected, "1/4", nil},
			{"m2", s.m2("a"), StatusNotProtected, "2/4!nopmk", nil},
		})
	})

	t.Run("ibss: two handshakes, a GTK each", func(t *testing.T) {
		a, b := mustAddr("02:00:00:00:0a:00"), mustAddr("02:00:00:00:0b:00")
		bssid := mustAddr("02:11:22:33:44:55")
		ab := newSim(t, "ibss passphrase", a, b) // a authenticates b
		ba := newSim(t, "ibss passphrase", b, a) // b authenticates a
		ab.ibss, ba.ibss, ab.bssid, ba.bssid = true, true, bssid, bssid
		d := NewDecryptor(ab.key(t, "ibss passphrase"))
		run(t, d, []step{
			{"a m1", ab.m1("ab"), StatusNotProtected, "1/4", nil},
			{"b m1", ba.m1("ba"), StatusNotProtected, "1/4", nil},
			{"b m2", ab.m2("ab"), StatusNotProtected, "2/4+ptk0", nil},
			{"a m2", ba.m2("ba"), StatusNotProtected, "2/4+ptk0", nil},
			{"a m3", ab.m3(gtkKDE(1, gtk1)), StatusNotProtected, "3/4+gtk1", nil},
			{"b m3", ba.m3(gtkKDE(1, gtk2)), StatusNotProtected, "3/4+gtk1", nil},
		})
		p1, plain1 := ab.data(true, 0)  // a -> b with a's handshake PTK
		p2, plain2 := ba.data(false, 0) // a -> b with b's handshake PTK
		run(t, d, []step{
			{"a->b, PTK of a's handshake", p1, StatusDecrypted, "-", plain1},
			{"a->b, PTK of b's handshake", p2, StatusDecrypted, "-", plain2},
		})
		// Group frames: each sender uses its own GTK with key ID 1.
		for _, g := range []struct {
			from mac.Addr
			gtk  []byte
		}{{a, gtk1}, {b, gtk2}} {
			plain := []byte{0x08, 0x00, 0, 0}
			plain = append(plain, mac.Broadcast[:]...)
			plain = append(plain, g.from[:]...)
			plain = append(plain, bssid[:]...)
			plain = append(plain, 0x10, 0, 0xaa, 0xaa, 3, 0, 0, 0, 8, 6, 1, 2, 3)
			prot := sealCCMP(t, plain, [tkLen]byte(g.gtk), 1, 1)
			run(t, d, []step{{"group from " + g.from.String(), prot, StatusDecrypted, "-", plain}})
		}
	})
}

// TestFrameRefusals checks frames that cannot be decrypted come back
// unchanged with the right status.
func TestFrameRefusals(t *testing.T) {
	ap, sta := mustAddr("02:00:00:00:00:00"), mustAddr("02:00:00:00:01:00")
	hdr := func(fc0, fc1 byte, n int) []byte {
		f := []byte{fc0, fc1, 0, 0}
		f = append(f, ap[:]...)
		f = append(f, sta[:]...)
		f = append(f, ap[:]...)
		f = append(f, 0, 0)
		return append(f, make([]byte, n)...)
	}
	eap := hdr(0x08, 0x01, 0)
	eap = append(eap, 0xaa, 0xaa, 3, 0, 0, 0, 0x88, 0x8e, 2, 0, 0, 5, 2, 1, 0, 5, 1) // EAP Response/Identity
	tests := []struct {
		name   string
		frame  []byte
		status Status
	}{
		{"empty", nil, StatusMalformed},
		{"one byte", []byte{0x08}, StatusMalformed},
		{"header only", hdr(0x08, 0x41, 0), StatusMalformed},
		{"CCMP header without MIC", hdr(0x08, 0x41, 15), StatusMalformed},
		{"protected null data", hdr(0x48, 0x41, 16), StatusMalformed},
		{"protected control frame", []byte{0xb4, 0x40, 0, 0, 1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6}, StatusMalformed},
		{"WEP shared key authentication", hdr(0xb0, 0x40, 24), StatusUnsupported},
		{"WEP data", hdr(0x08, 0x41, 24), StatusUnsupported},
		{"no key", append(hdr(0x08, 0x41, 0), 1, 0, 0, 0x20, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8), StatusNoKey},
		{"plain data", hdr(0x08, 0x01, 30), StatusNotProtected},
		{"EAP, not EAPOL-Key", eap, StatusNotProtected},
		{"beacon", hdr(0x80, 0x00, 40), StatusNotProtected},
	}
	for _, tc := range tests {
		d := NewDecryptor()
		orig := bytes.Clone(tc.frame)
		out, res := d.Frame(tc.frame)
		checkResult(t, tc.frame, orig, out, res)
		if res.Status != tc.status || res.Event != nil {
			t.Errorf("%s: %v (%v), event %v; want %v", tc.name, res.Status, res.Err, res.Event, tc.status)
		}
	}
}

func TestStatusString(t *testing.T) {
	for s := StatusNotProtected; s <= StatusMalformed+1; s++ {
		if s.String() == "" {
			t.Errorf("status %d has no name", s)
		}
	}
	if StatusNoKey.String() != "no-key" || Status(200).String() != "status(200)" {
		t.Error("status names")
	}
}
