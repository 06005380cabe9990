package capture

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/hwsim-medium/hwsim-medium/crypto"
)

// ErrFormat says the input is not a pcap or pcapng capture.
var ErrFormat = errors.New("not a pcap or pcapng capture")

// FileStats counts what DecryptFile did.
type FileStats struct {
	// Packets counts the packets read (and written).
	Packets uint64
	// Decrypted counts the frames written decrypted; Undecrypted the
	// protected frames left as they were (no key, MIC failure, ...).
	Decrypted, Undecrypted uint64
	// Skipped counts packets not looked at: another link type than 802.11
	// (with or without radiotap), a bad radiotap header, a bad FCS, or
	// cut short by the snap length.
	Skipped uint64
}

// DecryptFile reads a capture of 802.11 frames (pcapng or pcap, gzipped or
// not; link type 127, 802.11 with radiotap, or 105, plain 802.11) from in
// and writes it to out as pcapng, every packet in order, with the
// WPA2/WPA3 frames keys can decrypt decrypted: Protected bit cleared,
// CCMP header and MIC (and a trailing FCS) removed, and a comment saying
// so. Other packets are copied unchanged; a frame that could not be
// decrypted gets a comment saying why. Packet comments and the interfaces are kept. The
// decryption needs each station's 4-way handshake in the capture.
func DecryptFile(in io.Reader, out io.Writer, keys []crypto.Key) (FileStats, error) {
	br := bufio.NewReader(in)
	if m, err := br.Peek(2); err == nil && m[0] == 0x1f && m[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return FileStats{}, fmt.Errorf("capture: read the gzip header: %w", err)
		}
		defer zr.Close()
		br = bufio.NewReader(zr)
	}
	magic, err := br.Peek(4)
	if err != nil {
		return FileStats{}, fmt.Errorf("capture: %w: %d bytes (%w)", ErrFormat, len(magic), err)
	}
	d := &fileDecrypter{dec: crypto.NewDecryptor(keys...), out: out}
	switch {
	case bytes.Equal(magic, []byte{0x0a, 0x0d, 0x0d, 0x0a}):
		err = d.pcapng(br)
	case isPcapMagic(magic):
		err = d.pcap(br)
	default:
		return FileStats{}, fmt.Errorf("capture: %w: starts with %x", ErrFormat, magic)
	}
	if err == nil && d.w == nil {
		// No packet: still a valid, empty capture.
		err = d.start(pcapgo.NgInterface{Name: "air", LinkType: LinkType}, pcapgo.NgSectionInfo{})
	}
	if err == nil {
		err = d.w.Flush()
	}
	return d.stats, err
}

func isPcapMagic(m []byte) bool {
	for _, x := range [][]byte{{0xa1, 0xb2, 0xc3, 0xd4}, {0xd4, 0xc3, 0xb2, 0xa1}, {0xa1, 0xb2, 0x3c, 0x4d}, {0x4d, 0x3c, 0xb2, 0xa1}} {
		if bytes.Equal(m, x) {
			return true
		}
	}
	return false
}

// fileDecrypter copies packets from a reader to a pcapng writer, through a
// decryptor.
type fileDecrypter struct {
	dec   *crypto.Decryptor
	out   io.Writer
	w     *pcapgo.NgWriter
	stats FileStats
	// ifaces maps an input interface, by section and index, to the
	// output's.
	ifaces  map[[2]int]int
	section int
	buf     []byte
}

// start writes the output's header with its first interface.
func (d *fileDecrypter) start(intf pcapgo.NgInterface, sec pcapgo.NgSectionInfo) error {
	note := "decrypted by hwsim-medium (vwifi-tool decrypt)"
	if sec.Comment != "" {
		note = sec.Comment + "; " + note
	}
	sec.Comment = note
	w, err := pcapgo.NewNgWriterInterface(d.out, outInterface(intf), pcapgo.NgWriterOptions{SectionInfo: sec})
	if err != nil {
		return fmt.Errorf("capture: write the pcapng header: %w", err)
	}
	d.w = w
	return nil
}

// outInterface is an input interface as the output declares it (its
// statistics are not carried over).
func outInterface(i pcapgo.NgInterface) pcapgo.NgInterface {
	return pcapgo.NgInterface{Name: i.Name, Comment: i.Comment, Description: i.Description, Filter: i.Filter,
		OS: i.OS, LinkType: i.LinkType, SnapLength: i.SnapLength, TimestampOffset: i.TimestampOffset}
}

func (d *fileDecrypter) pcapng(r io.Reader) error {
	ng, err := pcapgo.NewNgReader(r, pcapgo.NgReaderOptions{
		WantMixedLinkType: true, SkipUnknownVersion: true,
		SectionEndCallback: func([]pcapgo.NgInterface, pcapgo.NgSectionInfo) { d.section++ },
	})
	if err != nil {
		return fmt.Errorf("capture: read the pcapng header: %w", err)
	}
	d.ifaces = map[[2]int]int{}
	for {
		data, ci, opts, err := ng.ReadPacketDataWithOptions()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("capture: read packet %d: %w", d.stats.Packets+1, err)
		}
		intf, err := ng.Interface(ci.InterfaceIndex)
		if err != nil {
			return fmt.Errorf("capture: packet %d: %w", d.stats.Packets+1, err)
		}
		key := [2]int{d.section, ci.InterfaceIndex}
		idx, ok := d.ifaces[key]
		switch {
		case ok:
		case d.w == nil:
			if err := d.start(intf, ng.SectionInfo()); err != nil {
				return err
			}
			idx = 0
		default:
			if idx, err = d.w.AddInterface(outInterface(intf)); err != nil {
				return fmt.Errorf("capture: write an interface: %w", err)
			}
		}
		d.ifaces[key] = idx
		ci.InterfaceIndex = idx
		if err := d.packet(intf.LinkType, ci, data, opts); err != nil {
			return err
		}
	}
}

func (d *fileDecrypter) pcap(r io.Reader) error {
	pr, err := pcapgo.NewReader(r)
	if err != nil {
		return fmt.Errorf("capture: read the pcap header: %w", err)
	}
	intf := pcapgo.NgInterface{Name: "pcap", LinkType: pr.LinkType(), SnapLength: pr.Snaplen()}
	if err := d.start(intf, pcapgo.NgSectionInfo{}); err != nil {
		return err
	}
	for {
		data, ci, err := pr.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("capture: read packet %d: %w", d.stats.Packets+1, err)
		}
		ci.InterfaceIndex = 0
		if err := d.packet(intf.LinkType, ci, data, pcapgo.NgPacketOptions{}); err != nil {
			return err
		}
	}
}

// packet decrypts one packet if it can and writes it.
func (d *fileDecrypter) packet(lt layers.LinkType, ci gopacket.CaptureInfo, data []byte, opts pcapgo.NgPacketOptions) error {
	d.stats.Packets++
	out, note := d.decrypt(lt, ci, data)
	if note != "" {
		opts.Comments = append(opts.Comments, note)
	}
	if len(out) != len(data) {
		opts.Hashes = nil // they were of the encrypted packet
		ci.Length -= len(data) - len(out)
	}
	ci.CaptureLength = len(out)
	if ci.Length < ci.CaptureLength {
		ci.Length = ci.CaptureLength
	}
	if err := d.w.WritePacketWithOptions(ci, out, opts); err != nil {
		return fmt.Errorf("capture: write packet %d: %w", d.stats.Packets, err)
	}
	return nil
}

// decrypt returns the packet to write, and a comment on what became of a
// protected frame.
func (d *fileDecrypter) decrypt(lt layers.LinkType, ci gopacket.CaptureInfo, data []byte) ([]byte, string) {
	hdr, frame := []byte(nil), data
	switch lt {
	case layers.LinkTypeIEEE802_11:
	case LinkType:
		rt, err := parseRadiotap(data)
		if err != nil {
			d.stats.Skipped++
			return data, "crypto: not looked at: " + err.Error()
		}
		if rt.flags&rtFlagBadFCS != 0 {
			d.stats.Skipped++
			return data, ""
		}
		hdr, frame = data[:rt.len], data[rt.len:]
		if rt.flags&rtFlagFCS != 0 {
			if len(frame) < 4 {
				d.stats.Skipped++
				return data, ""
			}
			frame = frame[:len(frame)-4]
		}
	default:
		d.stats.Skipped++
		return data, ""
	}
	if ci.CaptureLength < ci.Length {
		d.stats.Skipped++
		return data, ""
	}
	out, res := d.dec.Frame(frame)
	switch res.Status {
	case crypto.StatusNotProtected:
		return data, ""
	case crypto.StatusDecrypted:
	default:
		d.stats.Undecrypted++
		return data, fmt.Sprintf("crypto: not decrypted: %s: %v", res.Status, res.Err)
	}
	d.stats.Decrypted++
	d.buf = append(d.buf[:0], hdr...)
	if len(hdr) > 0 {
		rt, _ := parseRadiotap(hdr)
		if rt.flagsAt >= 0 {
			d.buf[rt.flagsAt] &^= rtFlagFCS
		}
	}
	d.buf = append(d.buf, out...)
	return d.buf, noteDecrypted
}
