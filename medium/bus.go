package medium

import (
	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/mac"
)

// A federated air (package air) joins the media of several machines, or
// of several network namespaces of one machine: each medium serves the
// radios of its own kernel and is a member of the air. Every member
// publishes the frames its radios send; every member decides for its own
// radios, with its own link model, denylist and blocks, whether they hear
// a frame from another member's radio, exactly as for a local one. The
// addressee's member answers whether its kernel took the frame, and the
// sender's member holds the frame's TX status until that answer comes, or
// until HeldAckTimeout passes.

// Bus carries a medium's frames and answers to the other members of its
// air. The medium calls it with its lock held, on the per-frame path: the
// methods must not block and must not call back into the Medium. They copy
// what they keep.
type Bus interface {
	// Publish sends a frame that one of this medium's radios transmitted.
	Publish(f *BusFrame)
	// Answer tells member whether the addressee of its frame f.Seq, a
	// radio of this medium, received it.
	Answer(member string, a *BusAck)
}

// BusFrame is a frame on the bus: what another member needs to decide,
// for each of its radios, whether and how it hears the frame.
type BusFrame struct {
	// Member is the member whose radio sent it (on receipt: as the bus
	// authenticated it, from the subject it came on).
	Member string
	// Seq numbers the sender's frames, for the answer.
	Seq uint64
	// WantAck: the addressee is a radio of another member, whose answer
	// decides the frame's ack.
	WantAck bool
	// Transmitter is the sending radio's hwsim address.
	Transmitter mac.Addr
	// Freq is the channel in MHz.
	Freq uint32
	// Flags are the frame's TX_CTL flags.
	Flags uint32
	// Rates is the retry chain mac80211 asked for.
	Rates [hwsim.MaxTxRates]hwsim.TxRate
	// Data is the 802.11 frame.
	Data []byte
}

// BusAck answers a BusFrame that wanted one.
type BusAck struct {
	// Member is the member that answers (on receipt: as the bus
	// authenticated it, from the subject it came on).
	Member string
	// Seq is the frame's BusFrame.Seq.
	Seq uint64
	// Acked: the addressee's kernel took the frame.
	Acked bool
	// Signal is the signal it was received with, in dBm.
	Signal int32
	// Tries is the retry chain as used up to the try that got through,
	// when the addressee's member has a loss model; Tries[0].Idx < 0
	// otherwise (one try).
	Tries [hwsim.MaxTxRates]hwsim.TxRate
}

// BusStats count the medium's traffic with the other members of its air.
type BusStats struct {
	// FramesOut counts frames published; FramesIn frames from other
	// members routed here.
	FramesOut, FramesIn uint64
	// AcksIn counts answers that settled a held TX status; AcksOut
	// answers sent.
	AcksIn, AcksOut uint64
	// Rejected counts frames and answers from the bus that were dropped:
	// from a radio the sending member does not serve, for a frame not
	// held, or before the medium ran.
	Rejected uint64
	// AckTimeouts counts held TX statuses that no answer settled in time;
	// HeldOverflow those failed at once because too many were held.
	AckTimeouts, HeldOverflow uint64
}

// RemoteRadio is a radio another member of the air serves.
type RemoteRadio struct {
	// Name is its wiphy name, Iface its interface name.
	Name, Iface string
	// HWAddr is its hwsim address, Addrs its interface addresses.
	HWAddr mac.Addr
	Addrs  []mac.Addr
}

// Clash is a radio another member claims that this medium's radio, or a
// third member's, already is: radio names and hwsim addresses are unique
// in an air.
type Clash struct {
	// Radio is the claimed radio; Member the member claiming it.
	Radio  RemoteRadio
	Member string
	// Holder is the member the radio already belongs to; "" for this
	// medium. HolderRadio is the holder's radio of that name or address.
	Holder      string
	HolderRadio string
}
