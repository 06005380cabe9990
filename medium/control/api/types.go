package api

import (
	"time"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

// The data types of the protocol's results and arguments. They are the
// wire format: their JSON field names are what docs/control-api.md
// documents, and the server converts the medium's and the model's own
// types into them.

// Stats are the medium-wide counters.
type Stats struct {
	// Frames counts transmitted frames the medium routed.
	Frames uint64 `json:"frames"`
	// Malformed counts frames that did not parse as 802.11.
	Malformed uint64 `json:"malformed"`
	// SendErrors counts batches the kernel refused as a whole.
	SendErrors uint64 `json:"send_errors"`
	// Collisions counts tries lost while another transmission overlapped
	// them (airtime mode).
	Collisions uint64 `json:"collisions,omitempty"`
	// AirBusy is how long each channel carried at least one transmission
	// (airtime mode), by first use.
	AirBusy []ChannelBusy `json:"air_busy,omitempty"`
	// AddrsEvicted counts interface addresses radios learned from their
	// frames and forgot, past the bound per radio.
	AddrsEvicted uint64 `json:"addrs_evicted,omitempty"`
	// RadiosEvicted counts radios known only from their frames that were
	// forgotten, past the bound of such radios.
	RadiosEvicted uint64 `json:"radios_evicted,omitempty"`
	// AirQueueDrops counts frames failed at once because their radio
	// held as many frames as it may (airtime mode).
	AirQueueDrops uint64 `json:"air_queue_drops,omitempty"`
	// Socket are the counters of the medium's kernel socket; absent when
	// it runs on none.
	Socket *SocketStats `json:"socket,omitempty"`
	// Bus are the counters of the traffic with the other members of a
	// federated air; absent for a medium on its own.
	Bus *BusStats `json:"bus,omitempty"`
}

// BusStats count a member's traffic with the other members of its air
// (docs/federation.md).
type BusStats struct {
	// FramesOut counts frames published, FramesIn frames from other
	// members routed here.
	FramesOut uint64 `json:"frames_out"`
	FramesIn  uint64 `json:"frames_in"`
	// AcksIn counts answers that settled a held TX status, AcksOut
	// answers sent.
	AcksIn  uint64 `json:"acks_in"`
	AcksOut uint64 `json:"acks_out"`
	// Rejected counts frames and answers dropped: from a radio the
	// sending member does not serve, late, or unknown.
	Rejected uint64 `json:"rejected"`
	// AckTimeouts counts held statuses no answer settled in time;
	// HeldOverflow those failed at once because too many were held.
	AckTimeouts  uint64 `json:"ack_timeouts"`
	HeldOverflow uint64 `json:"held_overflow"`
}

// SocketStats count what happened on the medium's kernel socket.
type SocketStats struct {
	// Overruns counts receive-buffer overflows (ENOBUFS): the kernel
	// dropped messages, frames among them.
	Overruns uint64 `json:"overruns"`
	// Malformed counts kernel messages that did not decode and were
	// skipped.
	Malformed uint64 `json:"malformed"`
	// SendErrors counts sends the kernel refused as a whole.
	SendErrors uint64 `json:"send_errors"`
	// Rejected counts deliveries the kernel refused, normally those to
	// idle radios or radios on another channel.
	Rejected uint64 `json:"rejected"`
	// Skipped counts deliveries not sent to a radio that had just
	// refused one on that channel.
	Skipped uint64 `json:"skipped"`
	// Unanswered counts waits for the kernel's answers that gave up.
	Unanswered uint64 `json:"unanswered"`
	// Sends counts send system calls; Messages the messages they carried.
	Sends    uint64 `json:"sends"`
	Messages uint64 `json:"messages"`
}

// ChannelBusy is the busy time of one channel.
type ChannelBusy struct {
	// Freq is the channel in MHz.
	Freq uint32 `json:"freq"`
	// Busy is the time it carried a transmission (JSON: nanoseconds).
	Busy time.Duration `json:"busy_ns"`
}

// RadioInfo is a snapshot of one radio.
type RadioInfo struct {
	// ID is the medium's number for the radio.
	ID int `json:"id"`
	// Member is the member of a federated air that serves the radio;
	// absent for the medium's own radios.
	Member string `json:"member,omitempty"`
	// Name is the wiphy name.
	Name string `json:"name"`
	// Iface is the interface name; empty if unknown.
	Iface string `json:"iface,omitempty"`
	// HWAddr is the radio's hwsim address.
	HWAddr mac.Addr `json:"hwaddr"`
	// Addrs are every address the radio answers to.
	Addrs []mac.Addr `json:"addrs"`
	// Freq is the channel of the radio's last transmission (0: none yet).
	Freq uint32 `json:"freq"`
	// Stats are the radio's counters.
	Stats RadioStats `json:"stats"`
	// Links count, per receiver, what the radio sent; only receivers
	// with a non-zero counter are listed.
	Links []Link `json:"links,omitempty"`
	// LinksOmitted counts links left out to keep the response bounded
	// (MaxLinksPage; only with many thousand radios).
	LinksOmitted int `json:"links_omitted,omitempty"`
}

// RadioStats are one radio's counters.
type RadioStats struct {
	// TxFrames and TxBytes count what the radio sent.
	TxFrames uint64 `json:"tx_frames"`
	TxBytes  uint64 `json:"tx_bytes"`
	// RxFrames and RxBytes count what it received.
	RxFrames uint64 `json:"rx_frames"`
	RxBytes  uint64 `json:"rx_bytes"`
	// Acked and NotAcked count unicast frames by their TX status.
	Acked    uint64 `json:"acked"`
	NotAcked uint64 `json:"not_acked"`
}

// Link counts what one radio sent to another.
type Link struct {
	// To is the receiver's name (interface, else wiphy).
	To string `json:"to"`
	// Frames and Bytes count what was delivered.
	Frames uint64 `json:"frames"`
	Bytes  uint64 `json:"bytes"`
	// Blocked counts frames withheld by the denylist or a link block.
	Blocked uint64 `json:"blocked"`
	// Lost counts frames the model said were not heard.
	Lost uint64 `json:"lost"`
}

// DenyRule says that Dst does not receive frames whose original source
// (the SA of the 802.11 header) is Src. Both are radio names: interface,
// wiphy or address.
type DenyRule struct {
	// Dst is the receiver that is deaf to Src.
	Dst string `json:"dst"`
	// Src is the original source whose frames Dst does not receive.
	Src string `json:"src"`
}

// ModelConfig is the result of model.get: the link model as it is now, in
// the JSON form of its configuration file.
type ModelConfig struct {
	// Seed seeds fading, shadowing and random waypoints.
	Seed uint64 `json:"seed"`
	// NoiseFloor in dBm; SNR = signal − NoiseFloor.
	NoiseFloor float64 `json:"noise_floor"`
	// Sensitivity in dBm: a weaker frame is not heard.
	Sensitivity float64 `json:"sensitivity"`
	// CCAThreshold in dBm: a signal this strong makes the channel busy.
	CCAThreshold float64 `json:"cca_threshold"`
	// DefaultSNR is the SNR of links without propagation or override.
	DefaultSNR float64 `json:"default_snr"`
	// DefaultLoss, if set, is the loss probability of every link without
	// a loss override.
	DefaultLoss *float64 `json:"default_loss,omitempty"`
	// FadingSigma, if positive, is the standard deviation (dB) of the
	// fading added to every frame's SNR.
	FadingSigma float64 `json:"fading_sigma,omitzero"`
	// Propagation is the path loss model.
	Propagation Propagation `json:"propagation"`
	// Radios are every radio the model knows.
	Radios []ModelRadio `json:"radios,omitempty"`
	// Links are the link overrides.
	Links []ModelLink `json:"links,omitempty"`
}

// PropNone is the Propagation.Model of a link model without propagation.
const PropNone = "none"

// Propagation is the path loss model and its parameters; see
// docs/models.md.
type Propagation struct {
	// Model is the model's name (free_space, log_distance, itu,
	// two_ray_ground, log_normal_shadowing); "" or PropNone means none.
	Model string `json:"model"`
	// Exponent is the path loss exponent of log_distance and
	// log_normal_shadowing.
	Exponent float64 `json:"exponent"`
	// RefLoss is the loss at 1 m, in dB; nil means free space's.
	RefLoss *float64 `json:"ref_loss,omitempty"`
	// ExtraLoss, in dB, is added to every path.
	ExtraLoss float64 `json:"extra_loss,omitzero"`
	// Sigma is log_normal_shadowing's standard deviation, in dB.
	Sigma float64 `json:"sigma,omitzero"`
	// PowerLossCoeff is itu's distance power loss coefficient.
	PowerLossCoeff float64 `json:"power_loss_coeff"`
	// Floors between the radios, and FloorLoss per floor in dB, for itu.
	Floors    int     `json:"floors,omitzero"`
	FloorLoss float64 `json:"floor_loss"`
	// AntennaHeight of every radio, in metres, for two_ray_ground.
	AntennaHeight float64 `json:"antenna_height"`
}

// ModelRadio is one radio of the link model.
type ModelRadio struct {
	// Name is the radio's configured name; empty when known by address.
	Name string `json:"name,omitempty"`
	// Addr is the radio's configured address; empty when known by name.
	Addr string `json:"addr,omitempty"`
	// Placed says the radio has a position.
	Placed bool `json:"placed"`
	// Aliases are the names the model learned from the medium.
	Aliases []string `json:"aliases,omitempty"`
	// X, Y, Z is the position in metres, now.
	X float64 `json:"x"`
	Y float64 `json:"y"`
	Z float64 `json:"z"`
	// TxPower is the transmit power in dBm.
	TxPower float64 `json:"tx_power"`
	// AntennaGain in dBi.
	AntennaGain float64 `json:"antenna_gain"`
	// Mobility is the radio's motion; the zero value keeps it still.
	Mobility Mobility `json:"mobility,omitzero"`
}

// Mobility is a radio's motion.
type Mobility struct {
	// Velocity in m/s per axis (constant-velocity motion).
	Velocity [3]float64 `json:"velocity,omitzero"`
	// Step, if not zero, moves the radio in jumps of Velocity·Step
	// (JSON: nanoseconds).
	Step time.Duration `json:"step,omitzero"`
	// Waypoint, if set, is random-waypoint motion instead.
	Waypoint *Waypoint `json:"waypoint,omitempty"`
}

// Waypoint is random-waypoint motion inside the box [Min, Max].
type Waypoint struct {
	// Min and Max are opposite corners of the box, in metres.
	Min [3]float64 `json:"min"`
	Max [3]float64 `json:"max"`
	// MinSpeed and MaxSpeed bound the speed of a leg, in m/s.
	MinSpeed float64 `json:"min_speed"`
	MaxSpeed float64 `json:"max_speed"`
	// Pause is the wait at each waypoint (JSON: nanoseconds).
	Pause time.Duration `json:"pause,omitzero"`
}

// ModelLink is the model's override of one direction of a link.
type ModelLink struct {
	// From transmits, To receives.
	From string `json:"from"`
	To   string `json:"to"`
	// SNR fixes the link's SNR in dB.
	SNR *float64 `json:"snr,omitempty"`
	// Loss fixes the probability that one try is lost.
	Loss *float64 `json:"loss,omitempty"`
	// Blocked: To hears nothing From sends.
	Blocked bool `json:"blocked,omitempty"`
}

// CaptureArgs are the arguments of capture.
type CaptureArgs struct {
	// Radio keeps only what this radio sent or received (interface,
	// wiphy or address); empty: every radio.
	Radio string `json:"radio,omitempty"`
	// Types keeps only frames of these types: "mgmt", "ctrl", "data";
	// empty: every type.
	Types []string `json:"types,omitempty"`
	// Decrypt are keys to decrypt the capture with: "SSID:passphrase",
	// "SSID:pmk=HEX" or "pmk=HEX" (docs/capture.md).
	Decrypt []string `json:"decrypt,omitempty"`
}

// CaptureResult is the response to capture, sent before the stream.
type CaptureResult struct {
	// Format is the stream's format: "pcapng".
	Format string `json:"format"`
	// LinkType is the pcapng link type of its interface (127: 802.11
	// with radiotap).
	LinkType int `json:"linktype"`
	// Radio is the radio filtered on, by the name the capture uses for
	// it; empty when none.
	Radio string `json:"radio,omitempty"`
	// Types are the frame types kept; empty: every type.
	Types []string `json:"types,omitempty"`
	// Keys describe the decryption keys (never the secrets).
	Keys []string `json:"keys,omitempty"`
}

// CaptureStats count a medium's captures: --pcap and live ones.
type CaptureStats struct {
	// Running is how many captures run now.
	Running int `json:"running"`
	// Written counts the records written, over every capture.
	Written uint64 `json:"written"`
	// Dropped counts the records lost because a capture could not keep
	// up (its queue was full), over every capture.
	Dropped uint64 `json:"dropped"`
}
