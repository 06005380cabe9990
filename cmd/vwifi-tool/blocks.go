package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// The live capture is copied block by block (pcapng's framing: type,
// total length, body, total length again), so that a capture stopped at
// any moment leaves a file of whole blocks that every reader accepts.

// pcapng block types and options the copy looks at.
const (
	blockSHB              = 0x0a0d0d0a
	blockEPB              = 6
	byteOrderMagic uint32 = 0x1a2b3c4d
	optEnd                = 0
	optDropCount          = 4
	// maxBlock bounds a block: far above any frame with its comments.
	maxBlock = 16 << 20
)

// blockStats count what copyBlocks copied.
type blockStats struct {
	// records counts the packet blocks; dropped sums their drop counts:
	// records the medium could not queue for this capture.
	records, dropped uint64
}

// copyBlocks copies whole pcapng blocks from src to dst until src ends
// (io.EOF, or a block cut short, which is dropped: the normal end of a
// stream the medium closes) or fails. dst is flushed whenever src has
// nothing more buffered, so a live reader sees each batch at once.
func copyBlocks(dst io.Writer, src io.Reader) (blockStats, error) {
	r := bufio.NewReaderSize(src, 64<<10)
	w := bufio.NewWriterSize(dst, 64<<10)
	var st blockStats
	var order binary.ByteOrder = binary.LittleEndian
	var buf []byte
	for {
		hdr, err := r.Peek(8)
		if err != nil {
			return st, endOfStream(w, err)
		}
		if binary.LittleEndian.Uint32(hdr) == blockSHB {
			// A section header says the byte order of what follows.
			if hdr, err = r.Peek(12); err != nil {
				return st, endOfStream(w, err)
			}
			switch byteOrderMagic {
			case binary.LittleEndian.Uint32(hdr[8:]):
				order = binary.LittleEndian
			case binary.BigEndian.Uint32(hdr[8:]):
				order = binary.BigEndian
			default:
				return st, fmt.Errorf("%w: a section header with the byte-order magic %x", errCorrupt, hdr[8:12])
			}
		}
		typ, n := order.Uint32(hdr), order.Uint32(hdr[4:])
		if n < 12 || n%4 != 0 || n > maxBlock {
			return st, fmt.Errorf("%w: a block of type %#x claims %d bytes", errCorrupt, typ, n)
		}
		if cap(buf) < int(n) {
			buf = make([]byte, n)
		}
		b := buf[:n]
		if _, err := io.ReadFull(r, b); err != nil {
			return st, endOfStream(w, err)
		}
		if _, err := w.Write(b); err != nil {
			return st, err
		}
		if typ == blockEPB {
			st.records++
			st.dropped += epbDropCount(b, order)
		}
		if r.Buffered() == 0 {
			if err := w.Flush(); err != nil {
				return st, err
			}
		}
	}
}

// endOfStream flushes what was copied; a stream ending, even in the
// middle of a block, is no error.
func endOfStream(w *bufio.Writer, err error) error {
	if ferr := w.Flush(); ferr != nil {
		return ferr
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return nil
	}
	return err
}

// epbDropCount returns the epb_dropcount option of an enhanced packet
// block b (0 if absent or malformed).
func epbDropCount(b []byte, order binary.ByteOrder) uint64 {
	if len(b) < 32 {
		return 0
	}
	capLen := int(order.Uint32(b[20:24]))
	off := 28 + (capLen+3)&^3
	end := len(b) - 4
	for off >= 28 && off+4 <= end {
		code, l := order.Uint16(b[off:]), int(order.Uint16(b[off+2:]))
		off += 4
		if code == optEnd || off+l > end {
			return 0
		}
		if code == optDropCount && l == 8 {
			return order.Uint64(b[off:])
		}
		off += (l + 3) &^ 3
	}
	return 0
}
