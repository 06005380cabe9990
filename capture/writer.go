package capture

import (
	"fmt"
	"io"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/hwsim-medium/hwsim-medium/crypto"
)

// The pcapng block format is written by gopacket's pcapgo (a maintained
// library; its NgWriter writes per-packet comments and drop counts, which
// is all the format needs here), the radiotap header by this package.

// LinkType is the link type of the captures: IEEE 802.11 frames behind a
// radiotap header (LINKTYPE_IEEE802_11_RADIOTAP).
const LinkType = layers.LinkTypeIEEE80211Radio

// maxComment bounds one comment (the pcapng option length is 16 bits).
const maxComment = 4000

// noteDecrypted is the comment of a record written decrypted.
const noteDecrypted = "crypto: decrypted (CCMP header and MIC removed)"

// Options configure a Writer.
type Options struct {
	// Keys decrypt the WPA2/WPA3 traffic of the networks they belong to
	// (crypto.ParseKey); none writes the frames as they were on the air.
	Keys []crypto.Key
	// Filter selects the records written; the decryption still sees
	// every record, so a filtered capture decrypts as well as a whole one.
	Filter Filter
	// Application names the program in the section header.
	Application string
	// Comment is the section's comment: how the capture was made.
	Comment string
	// Interface names the capture interface; "" is "air".
	Interface string
}

// Stats count what a Writer did.
type Stats struct {
	// Written counts the records written.
	Written uint64
	// Filtered counts the records the filter left out.
	Filtered uint64
	// Decrypted counts frames written decrypted; Undecrypted protected
	// frames written as they were (no key, MIC failure, unsupported...).
	Decrypted, Undecrypted uint64
	// Dropped counts the records lost before they reached the writer,
	// as reported by Dropped.
	Dropped uint64
}

// Writer writes Records as a pcapng capture: a section header and one
// interface (link type LinkType) first, then one enhanced packet block
// per record. It is not safe for concurrent use.
type Writer struct {
	ng       *pcapgo.NgWriter
	dec      *crypto.Decryptor
	keys     []crypto.Key
	filter   Filter
	buf      []byte
	cache    commentCache
	comments []string
	// notes are the decryption's comments on the current record.
	notes []string
	// dropped are records lost since the last one written, reported with
	// the next one.
	dropped uint64
	stats   Stats
}

// NewWriter writes the capture's header to w and returns the Writer of its
// records. Flush sends what it buffered.
func NewWriter(w io.Writer, o Options) (*Writer, error) {
	name := o.Interface
	if name == "" {
		name = "air"
	}
	intf := pcapgo.NgInterface{
		Name:        name,
		Description: "every transmission on the simulated air; what each receiver got is in the packet comments",
		LinkType:    LinkType,
	}
	sec := pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{
		Application: o.Application, Comment: o.Comment,
	}}
	ng, err := pcapgo.NewNgWriterInterface(w, intf, sec)
	if err != nil {
		return nil, fmt.Errorf("capture: write the pcapng header: %w", err)
	}
	wr := &Writer{ng: ng, filter: o.Filter, keys: o.Keys}
	if len(o.Keys) > 0 {
		wr.dec = crypto.NewDecryptor(o.Keys...)
	}
	return wr, nil
}

// Write writes one record: decrypted if the Writer has keys, left out if
// the filter says so. r is not kept.
func (w *Writer) Write(r *Record) error {
	frame := r.Frame
	w.notes = w.notes[:0]
	if w.dec != nil && !r.Malformed {
		frame = w.decrypt(frame)
	}
	if !w.filter.Match(r) {
		w.stats.Filtered++
		return nil
	}
	w.buf = appendRadiotap(w.buf[:0], r)
	w.buf = append(w.buf, frame...)
	w.comments = append(w.comments[:0], w.cache.comments(r)...)
	w.comments = append(w.comments, w.notes...)
	return w.writePacket(r.Time, w.buf, w.comments)
}

// decrypt runs frame through the decryptor and notes in w.notes what it
// did.
func (w *Writer) decrypt(frame []byte) []byte {
	out, res := w.dec.Frame(frame)
	switch res.Status {
	case crypto.StatusNotProtected:
	case crypto.StatusDecrypted:
		w.stats.Decrypted++
		w.notes = append(w.notes, noteDecrypted)
	default:
		w.stats.Undecrypted++
		w.notes = append(w.notes, fmt.Sprintf("crypto: not decrypted: %s: %v", res.Status, res.Err))
	}
	if ev := res.Event; ev != nil {
		w.notes = append(w.notes, eventComment(ev, w.keys))
	}
	return out
}

// eventComment describes what an EAPOL-Key message did to the keys.
func eventComment(ev *crypto.Event, keys []crypto.Key) string {
	s := fmt.Sprintf("crypto: EAPOL %v, AP %v, station %v", ev.Message, ev.AA, ev.SPA)
	if ev.PTK && ev.KeyIndex >= 0 && ev.KeyIndex < len(keys) {
		s += ", pairwise key derived with the " + keys[ev.KeyIndex].String()
	}
	if ev.GTK {
		s += fmt.Sprintf(", group key %d installed", ev.GTKKeyID)
	}
	if ev.Err != nil {
		s += ": " + ev.Err.Error()
	}
	return s
}

// writePacket writes one enhanced packet block with comments, and the
// records dropped before it.
func (w *Writer) writePacket(at time.Time, data []byte, comments []string) error {
	var opts pcapgo.NgPacketOptions
	for i, c := range comments {
		if len(c) > maxComment {
			comments[i] = c[:maxComment] + "..."
		}
	}
	opts.Comments = comments
	if w.dropped > 0 {
		n := w.dropped
		opts.DropCount = &n
		opts.Comments = append(opts.Comments, fmt.Sprintf("capture: %d records dropped before this one: the capture was read too slowly", n))
		w.dropped = 0
	}
	ci := gopacket.CaptureInfo{Timestamp: at, CaptureLength: len(data), Length: len(data)}
	if err := w.ng.WritePacketWithOptions(ci, data, opts); err != nil {
		return fmt.Errorf("capture: write a record: %w", err)
	}
	w.stats.Written++
	return nil
}

// Dropped reports that n records were lost before reaching the writer (a
// full queue): the next record written says so, in its pcapng drop count
// (Wireshark's frame.drop_count) and a comment.
func (w *Writer) Dropped(n uint64) {
	w.dropped += n
	w.stats.Dropped += n
}

// Flush writes what is buffered to the underlying writer.
func (w *Writer) Flush() error {
	if err := w.ng.Flush(); err != nil {
		return fmt.Errorf("capture: flush: %w", err)
	}
	return nil
}

// Close ends the capture with an interface statistics block (records
// written and dropped, from start to end) and flushes. It does not close
// the underlying writer.
func (w *Writer) Close(start, end time.Time) error {
	st := pcapgo.NgInterfaceStatistics{
		LastUpdate: end, StartTime: start, EndTime: end,
		PacketsReceived: w.stats.Written, PacketsDropped: w.stats.Dropped,
	}
	if err := w.ng.WriteInterfaceStats(0, st); err != nil {
		return fmt.Errorf("capture: write the statistics: %w", err)
	}
	return w.Flush()
}

// Stats returns what the Writer did so far.
func (w *Writer) Stats() Stats { return w.stats }
