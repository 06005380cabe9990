package mac

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// addSeeds adds every testdata frame to the fuzz corpus.
func addSeeds(f *testing.F) [][]byte {
	files, err := filepath.Glob("testdata/*.hex")
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds: %v", err)
	}
	var frames [][]byte
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		b, err := decodeHexFile(raw)
		if err != nil {
			f.Fatalf("%s: %v", file, err)
		}
		f.Add(b)
		frames = append(frames, b)
	}
	return frames
}

func FuzzParse(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		orig := bytes.Clone(b)
		h, err := Parse(b)
		if !bytes.Equal(b, orig) {
			t.Fatal("Parse modified its input")
		}
		if err != nil {
			checkParseError(t, b, err)
			return
		}
		checkHeader(t, b, &h)

		// The header depends only on its own bytes.
		h2, err := Parse(b[:h.HeaderLen])
		if err != nil || h2 != h {
			t.Fatalf("Parse(b[:HeaderLen]) = %+v, %v; want %+v", h2, err, h)
		}

		// Helpers never panic, and read-only ones do not write.
		_, _ = Timestamp(b)
		_, _ = Capability(b)
		_, _ = BeaconInterval(b)
		if s, ok := SSID(b); ok && !within(b, s) {
			t.Fatal("SSID not a sub-slice of the frame")
		}
		if body, ok := FrameElements(b); ok && !within(b, body) {
			t.Fatal("FrameElements not a sub-slice of the frame")
		}
		_, _ = h.EtherType(b)
		if m, err := h.MeshControl(b); err == nil {
			if m.Len > len(h.Body(b)) {
				t.Fatalf("mesh control length %d beyond body %d", m.Len, len(h.Body(b)))
			}
			_, _, _ = h.MeshEndAddrs(&m)
		}
		if !bytes.Equal(b, orig) {
			t.Fatal("a read-only helper modified the frame")
		}

		// AddTimestamp is reversible and touches only the 8 timestamp bytes.
		c := bytes.Clone(b)
		if AddTimestamp(c, 12345) {
			off := h.HeaderLen
			if !bytes.Equal(c[:off], b[:off]) || !bytes.Equal(c[off+8:], b[off+8:]) {
				t.Fatal("AddTimestamp wrote outside the timestamp")
			}
			minus := int64(-12345)
			AddTimestamp(c, uint64(minus))
		}
		if !bytes.Equal(c, b) {
			t.Fatal("AddTimestamp(+d) then (-d) did not restore the frame")
		}
	})
}

func checkParseError(t *testing.T, b []byte, err error) {
	t.Helper()
	var ts *TooShortError
	var us *UnsupportedError
	switch {
	case errors.As(err, &ts):
		if !errors.Is(err, ErrTooShort) || ts.Got != len(b) || ts.Need <= ts.Got {
			t.Fatalf("bad TooShortError %+v for %d bytes", ts, len(b))
		}
		// Padding to the needed length must be enough: the header length
		// is decided by the first two bytes alone.
		padded := append(bytes.Clone(b), make([]byte, ts.Need-ts.Got)...)
		if len(b) >= 2 {
			if h, err := Parse(padded); err != nil || h.HeaderLen != ts.Need {
				t.Fatalf("padded to %d: %+v, %v", ts.Need, h, err)
			}
		}
	case errors.As(err, &us):
		if !errors.Is(err, ErrUnsupported) {
			t.Fatal("UnsupportedError does not match ErrUnsupported")
		}
	default:
		t.Fatalf("unexpected error type %T: %v", err, err)
	}
	if err.Error() == "" {
		t.Fatal("empty error message")
	}
}

func checkHeader(t *testing.T, b []byte, h *Header) {
	t.Helper()
	if h.HeaderLen < 10 || h.HeaderLen > len(b) || h.HeaderLen > 36 {
		t.Fatalf("HeaderLen %d for %d bytes", h.HeaderLen, len(b))
	}
	if len(h.Body(b)) != len(b)-h.HeaderLen {
		t.Fatal("Body length")
	}
	if h.FC.Version() != 0 {
		t.Fatal("accepted a non-zero protocol version")
	}
	if h.FC.Type() == TypeExt {
		if h.Receiver() != Broadcast || !h.IsGroupAddressed() {
			t.Fatal("extension frame not broadcast")
		}
	} else if h.Addr1 != Addr(b[4:10]) {
		t.Fatal("Addr1 is not bytes 4-10")
	}
	if h.HasAddr3 && !h.HasAddr2 || h.HasAddr4 && !h.HasAddr3 {
		t.Fatal("address presence not contiguous")
	}
	if h.HasAddr4 != (h.FC.IsData() && h.FC.ToDS() && h.FC.FromDS()) {
		t.Fatal("HasAddr4 disagrees with the DS bits")
	}
	if h.HasQoS != h.FC.IsQoSData() {
		t.Fatal("HasQoS disagrees with the subtype")
	}
	if h.HasSeq != (h.FC.IsMgmt() || h.FC.IsData()) {
		t.Fatal("HasSeq disagrees with the type")
	}
	// Control frames may flag a bandwidth-signaling TA with the group bit;
	// Transmitter strips it there. Other types report the field as is.
	if ta, ok := h.Transmitter(); ok != h.HasAddr2 || ok && h.FC.IsCtrl() && ta.IsGroup() {
		t.Fatalf("Transmitter %v %v", ta, ok)
	}
	if !h.HasAddr2 && h.FC.IsCtrl() && h.Addr2 != (Addr{}) {
		t.Fatal("absent Addr2 not zero")
	}
	_, _ = h.BSSID()
	if _, ok := h.DA(); ok && !(h.FC.IsMgmt() || h.FC.IsData()) {
		t.Fatal("DA for a control frame")
	}
	if _, ok := h.SA(); ok && !(h.FC.IsMgmt() || h.FC.IsData()) {
		t.Fatal("SA for a control frame")
	}
	_ = h.Kind().String()
}

// within reports whether s lies inside b's backing array range.
func within(b, s []byte) bool {
	if len(s) == 0 {
		return true
	}
	for i := range b {
		if &b[i] == &s[0] {
			return i+len(s) <= len(b)
		}
	}
	return false
}

func FuzzElements(f *testing.F) {
	for _, frame := range addSeeds(f) {
		if body, ok := FrameElements(frame); ok {
			f.Add(body)
		}
	}
	f.Add([]byte{0, 5, 1})
	f.Add([]byte{255})
	f.Fuzz(func(t *testing.T, body []byte) {
		it := NewElementIter(body)
		consumed := 0
		type elem struct {
			id   ElementID
			data []byte
		}
		var elems []elem
		for {
			id, data, ok := it.Next()
			if !ok {
				break
			}
			if int(body[consumed]) != int(id) || int(body[consumed+1]) != len(data) ||
				!bytes.Equal(data, body[consumed+2:consumed+2+len(data)]) || cap(data) != len(data) {
				t.Fatalf("element at %d decoded wrongly", consumed)
			}
			consumed += 2 + len(data)
			elems = append(elems, elem{id, data})
		}
		if _, _, ok := it.Next(); ok {
			t.Fatal("Next yielded after the end")
		}
		rest := it.Remaining()
		if consumed+len(rest) != len(body) {
			t.Fatalf("consumed %d + remaining %d != %d", consumed, len(rest), len(body))
		}
		err := it.Err()
		if (err != nil) != (len(rest) > 0) {
			t.Fatalf("Err %v with %d bytes remaining", err, len(rest))
		}
		if err != nil {
			var ts *TooShortError
			if !errors.As(err, &ts) || ts.Got != len(rest) || ts.Need <= ts.Got {
				t.Fatalf("bad truncation error %v", err)
			}
		}
		// The range-over-func form yields the same sequence.
		i := 0
		for id, data := range Elements(body) {
			if i >= len(elems) || elems[i].id != id || !bytes.Equal(elems[i].data, data) {
				t.Fatalf("Elements differs at %d", i)
			}
			i++
		}
		if i != len(elems) {
			t.Fatalf("Elements yielded %d, iterator %d", i, len(elems))
		}
		// FindElement returns the first match, and nothing for absent IDs.
		var first [256][]byte
		var seen [256]bool
		for _, e := range elems {
			if !seen[e.id] {
				first[e.id], seen[e.id] = e.data, true
			}
		}
		for id := range 256 {
			d, ok := FindElement(body, ElementID(id))
			if ok != seen[id] || !bytes.Equal(d, first[id]) {
				t.Fatalf("FindElement(%d) = %x, %v", id, d, ok)
			}
		}
	})
}
