package capture

import (
	"fmt"
	"strings"
	"time"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

// Record is one transmission as a capture holds it.
type Record struct {
	// Time is when the frame went on the air (the medium's clock).
	Time time.Time
	// TSF is the same instant in microseconds since the medium started:
	// the radiotap TSF.
	TSF uint64
	// Transmitter names the sending radio.
	Transmitter string
	// Frame is the 802.11 frame without FCS.
	Frame []byte
	// Freq is the channel in MHz; 0 if unknown.
	Freq uint32
	// Rate is the rate the frame is shown at: the try that reached its
	// addressee, else the first try.
	Rate mac.TxRate
	// Tries is how many tries the TX status reported (0: not known).
	Tries int
	// NoAck: nobody acks the frame (group-addressed or no-ack).
	NoAck bool
	// Acked: the TX status reported an ack.
	Acked bool
	// Malformed: the frame did not parse as 802.11 and nobody got it.
	Malformed bool
	// Receptions are the outcomes at the other radios.
	Receptions []Reception
}

// Reception is what became of a transmission at one radio.
type Reception struct {
	// Radio names the receiver.
	Radio   string
	Outcome Outcome
	// Signal in dBm (not for Blocked and Denied).
	Signal int32
	// Rate is the rate of the try the radio got (Delivered, Refused).
	Rate mac.TxRate
	// Tries: at the addressee, the try that got through or the tries
	// made; 1 at other radios; 0 when nothing arrived.
	Tries int
	// Addressee: the radio the frame is addressed to.
	Addressee bool
}

// Outcome is what the medium decided for one receiver.
type Outcome uint8

// Outcomes, as package medium defines them.
const (
	// Delivered: handed to the radio's kernel (the addressee's took it).
	Delivered Outcome = iota + 1
	// Refused: the addressee's kernel refused it (idle, stopped, or on
	// another channel), so it was not acked.
	Refused
	// Lost: the link model lost every try the radio heard.
	Lost
	// Collided: lost to interference (airtime mode).
	Collided
	// Deaf: the radio was transmitting itself (airtime mode).
	Deaf
	// NotHeard: out of range.
	NotHeard
	// Blocked: withheld by a link block.
	Blocked
	// Denied: withheld by the denylist.
	Denied
)

// String is the outcome's word in captures and filters.
func (o Outcome) String() string {
	switch o {
	case Delivered:
		return "delivered"
	case Refused:
		return "refused"
	case Lost:
		return "lost"
	case Collided:
		return "collided"
	case Deaf:
		return "deaf"
	case NotHeard:
		return "not-heard"
	case Blocked:
		return "blocked"
	case Denied:
		return "denied"
	}
	return fmt.Sprintf("outcome(%d)", uint8(o))
}

// got reports whether the radio received the frame (its kernel was handed
// it).
func (o Outcome) got() bool { return o == Delivered || o == Refused }

// FrameType selects 802.11 frames by type, for Filter.
type FrameType uint8

// Frame types a Filter can select; zero selects every type.
const (
	TypeMgmt FrameType = 1 << iota
	TypeCtrl
	TypeData
)

// ParseFrameType reads mgmt, ctrl or data.
func ParseFrameType(s string) (FrameType, error) {
	switch strings.ToLower(s) {
	case "mgmt", "management":
		return TypeMgmt, nil
	case "ctrl", "control":
		return TypeCtrl, nil
	case "data":
		return TypeData, nil
	}
	return 0, fmt.Errorf("frame type %q: want mgmt, ctrl or data", s)
}

// String names the types selected, e.g. "mgmt,data".
func (t FrameType) String() string {
	var out []string
	for _, x := range []struct {
		t    FrameType
		name string
	}{{TypeMgmt, "mgmt"}, {TypeCtrl, "ctrl"}, {TypeData, "data"}} {
		if t&x.t != 0 {
			out = append(out, x.name)
		}
	}
	if len(out) == 0 {
		return "any"
	}
	return strings.Join(out, ",")
}

// Filter selects the records a capture keeps. The zero Filter keeps
// everything.
type Filter struct {
	// Radio keeps the radio's own traffic: what it sent, what was
	// addressed to it (whatever became of it), and the group-addressed
	// frames it was handed; "" any radio. Names are compared as the
	// records give them.
	Radio string
	// Types keeps frames of these types; 0 any type.
	Types FrameType
}

// Match reports whether the filter keeps r.
func (f *Filter) Match(r *Record) bool {
	if f.Types != 0 && f.Types&typeOf(r.Frame) == 0 {
		return false
	}
	if f.Radio == "" || r.Transmitter == f.Radio {
		return true
	}
	group := len(r.Frame) >= 10 && r.Frame[4]&0x01 != 0
	for i := range r.Receptions {
		if x := &r.Receptions[i]; x.Radio == f.Radio {
			return x.Addressee || group && x.Outcome.got()
		}
	}
	return false
}

// typeOf is the FrameType of an 802.11 frame (0 if too short).
func typeOf(frame []byte) FrameType {
	if len(frame) < 2 {
		return 0
	}
	switch mac.FrameControl(uint16(frame[0]) | uint16(frame[1])<<8).Type() {
	case mac.TypeMgmt:
		return TypeMgmt
	case mac.TypeCtrl:
		return TypeCtrl
	case mac.TypeData:
		return TypeData
	}
	return 0
}
