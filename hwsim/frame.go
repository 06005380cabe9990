package hwsim

import (
	"context"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

// TxRate is one entry of a frame's retry chain (struct hwsim_tx_rate),
// defined in package mac with the TxRc* flag bits so that rate tables,
// airtime and link models need not import this package.
type TxRate = mac.TxRate

// Frame is one frame a radio transmitted, as the kernel handed it to the
// medium.
type Frame struct {
	// Transmitter is the hwsim address of the transmitting radio (not
	// necessarily the address in the 802.11 header).
	Transmitter mac.Addr
	// Data is the 802.11 frame without FCS. It aliases the connection's
	// receive buffer and is valid only until the next Receive.
	Data []byte
	// Flags holds TxCtl* bits.
	Flags uint32
	// Rates is the retry chain mac80211 asked for.
	Rates [MaxTxRates]TxRate
	// Cookie identifies the frame in its TX status.
	Cookie uint64
	// Freq is the channel the frame was sent on, in MHz (0 if the kernel
	// did not say).
	Freq uint32
}

// EventKind says what an Event carries.
type EventKind uint8

// Kinds of events a medium receives from the kernel.
const (
	// EventFrame: a radio transmitted Event.Frame.
	EventFrame EventKind = iota + 1
	// EventAddMAC: radio Event.Radio answers to Event.Addr from now on
	// (an interface came up, or a scan started).
	EventAddMAC
	// EventDelMAC: radio Event.Radio no longer answers to Event.Addr.
	EventDelMAC
)

// Event is one message from the kernel on the medium's socket.
type Event struct {
	Kind  EventKind
	Frame Frame
	// Radio is the radio's hwsim address (MAC events).
	Radio mac.Addr
	// Addr is the interface address being added or removed (MAC events).
	Addr mac.Addr
}

// Delivery hands a frame to one receiving radio.
type Delivery struct {
	// Receiver is the hwsim address of the receiving radio.
	Receiver mac.Addr
	Data     []byte
	// RxRate is the rate index the frame is reported to arrive at.
	RxRate uint32
	// Signal in dBm.
	Signal int32
	// Freq in MHz; 0 leaves it out and the kernel uses the receiver's
	// current channel.
	Freq uint32
	// Answer asks the connection to learn whether the kernel takes this
	// delivery (Conn.Delivered): set for the addressee of a unicast
	// frame, whose acknowledgement depends on it. Such a delivery is
	// always sent, never skipped as one to a radio that refused recently.
	Answer bool
}

// TxStatus tells the transmitter what became of a frame. mac80211 holds
// every frame until its status arrives; without one the radio's queue fills
// and traffic stops.
type TxStatus struct {
	Transmitter mac.Addr
	// Flags: TxStatAck when the frame was acknowledged, plus the frame's
	// original TxCtl* bits.
	Flags  uint32
	Cookie uint64
	// Signal is the ack's signal in dBm.
	Signal int32
	// Rates are the rates actually tried and how often; Idx -1 ends.
	// Their Flags are not sent: the kernel's TX status handler
	// (hwsim_tx_info_frame_received_nl) reads HWSIM_ATTR_TX_INFO only and
	// keeps each entry's flags from the frame's own rate control, so a
	// status must keep the chain's positions.
	Rates [MaxTxRates]TxRate
}

// Ticket names one queued delivery whose answer the medium waits for
// (Delivery.Answer). The zero Ticket is a delivery that was never sent.
type Ticket uint32

// Conn is the medium's side of the kernel connection: frames and MAC events
// in, deliveries and TX status out. The real implementation is a netlink
// socket (FrameSocket); tests use an in-memory fake.
//
// A unicast frame is acknowledged only if its addressee's kernel takes the
// delivery, as the kernel's own delivery decides: it refuses frames for a
// radio that is idle, stopped or tuned elsewhere. So the medium queues the
// deliveries of a batch (the addressee's with Answer set), calls Sync,
// asks Delivered for each addressee, and only then queues the TX
// statuses and calls Flush.
//
// Sending never fails one message at a time: a refused send loses what it
// carried, as a collision would, and the error is kept for Flush to
// return, so the caller has one place to count it and goes on routing.
type Conn interface {
	// Receive blocks until at least one event is available (or ctx ends)
	// and fills evs with as many queued events as fit. Frame data stays
	// valid until the next call.
	Receive(ctx context.Context, evs []Event) (int, error)
	// Deliver queues a frame for a receiver (Data is copied) and returns
	// the Ticket to ask Delivered about, when d.Answer is set.
	Deliver(d *Delivery) Ticket
	// Sync sends everything queued and waits for the kernel's answers to
	// the deliveries that asked for one.
	Sync()
	// Delivered reports whether the kernel took the delivery t, which
	// asked for an answer and was queued before the last Sync. Tickets
	// are valid until Flush.
	Delivered(t Ticket) bool
	// Status queues a TX status.
	Status(s *TxStatus)
	// Flush sends everything queued. It returns the first send error
	// since the previous Flush (nil if every send went out), so a failure
	// is reported once and then forgotten.
	Flush() error
}
