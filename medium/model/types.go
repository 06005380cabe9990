package model

import "time"

// Defaults.
const (
	// DefaultNoiseFloor is the thermal noise plus receiver noise figure
	// of a 20 MHz channel, in dBm (wmediumd's NOISE_LEVEL).
	DefaultNoiseFloor = -91.0
	// DefaultSensitivity is the weakest signal, in dBm, at which a radio
	// still receives a frame: 1 dB above the default noise floor, like
	// wmediumd, which drops frames below its CCA threshold of -90 dBm.
	DefaultSensitivity = -90.0
	// DefaultCCAThreshold is the signal, in dBm, at which a radio senses
	// the medium busy: the OFDM receiver's minimum sensitivity for
	// 20 MHz channels in IEEE 802.11 (17.3.10.6). The airtime mode's
	// carrier sense uses it.
	DefaultCCAThreshold = -82.0
	// DefaultSNR is the SNR, in dB, of a link that has no override and
	// no propagation (a radio without a position, or no propagation
	// model): wmediumd's SNR_DEFAULT.
	DefaultSNR = 30.0
	// DefaultTxPower is a radio's transmit power in dBm when the
	// configuration does not say (mac80211_hwsim reports 20 dBm).
	DefaultTxPower = 20.0
	// DefaultSeed seeds fading, shadowing and waypoints.
	DefaultSeed = 1
)

// Propagation model names.
const (
	PropNone               = "none"
	PropFreeSpace          = "free_space"
	PropLogDistance        = "log_distance"
	PropITU                = "itu"
	PropTwoRayGround       = "two_ray_ground"
	PropLogNormalShadowing = "log_normal_shadowing"
)

// Node is a radio's place and RF front end.
type Node struct {
	// X, Y, Z position in metres.
	X float64 `json:"x"`
	Y float64 `json:"y"`
	Z float64 `json:"z"`
	// TxPower is the transmit power in dBm.
	TxPower float64 `json:"tx_power"`
	// AntennaGain in dBi, counted both when sending and receiving.
	AntennaGain float64 `json:"antenna_gain"`
}

func (n *Node) pos() [3]float64 { return [3]float64{n.X, n.Y, n.Z} }

// Radio configures one radio.
type Radio struct {
	// Name matches a radio's interface name (vw0) or wiphy name
	// (vw_phy0). Empty when the radio is known by address only.
	Name string `json:"name,omitempty"`
	// Addr matches a radio's hwsim address; for wmediumd compatibility it
	// also matches a hwsim address that differs from it only by the 0x40
	// bit of the first octet (the kernel's second, "hwsim" address of a
	// radio whose permanent address is Addr). Empty when known by name.
	Addr string `json:"addr,omitempty"`
	// Placed says the radio has a position: propagation applies to its
	// links. Links of unplaced radios have DefaultSNR.
	Placed bool `json:"placed"`
	// Aliases are the names the model learned for the radio from the
	// medium (interface and wiphy names); Snapshot fills them, New
	// ignores them.
	Aliases []string `json:"aliases,omitempty"`
	Node
	Mobility Mobility `json:"mobility,omitzero"`
}

// Link overrides one direction of a link, From transmitting to To.
type Link struct {
	From string `json:"from"`
	To   string `json:"to"`
	// SNR fixes the link's SNR in dB, replacing propagation.
	SNR *float64 `json:"snr,omitempty"`
	// Loss fixes the probability in [0, 1] that one try is lost,
	// replacing the SNR-based error rate.
	Loss *float64 `json:"loss,omitempty"`
	// Blocked: To hears nothing From sends.
	Blocked bool `json:"blocked,omitempty"`
}

// Propagation selects and parameterises the path loss model.
type Propagation struct {
	// Model is one of the Prop* names; "" means none.
	Model string `json:"model"`
	// Exponent is the path loss exponent n of log_distance and
	// log_normal_shadowing.
	Exponent float64 `json:"exponent"`
	// RefLoss is PL0, the loss at 1 m, of log_distance and
	// log_normal_shadowing; nil means the free-space loss at 1 m on the
	// frame's channel.
	RefLoss *float64 `json:"ref_loss,omitempty"`
	// ExtraLoss, in dB, is added to every path (wmediumd's xg and sL).
	ExtraLoss float64 `json:"extra_loss,omitzero"`
	// Sigma is the standard deviation, in dB, of log_normal_shadowing's
	// Xσ, drawn once per pair of radios.
	Sigma float64 `json:"sigma,omitzero"`
	// PowerLossCoeff is itu's distance power loss coefficient N.
	PowerLossCoeff float64 `json:"power_loss_coeff"`
	// Floors between the radios, and FloorLoss per floor in dB, for itu.
	Floors    int     `json:"floors,omitzero"`
	FloorLoss float64 `json:"floor_loss"`
	// AntennaHeight of every radio above ground, in metres, for
	// two_ray_ground.
	AntennaHeight float64 `json:"antenna_height"`
}

// Config configures a Model.
type Config struct {
	// Seed seeds fading, shadowing and random waypoints.
	Seed uint64 `json:"seed"`
	// NoiseFloor in dBm; SNR = signal − NoiseFloor.
	NoiseFloor float64 `json:"noise_floor"`
	// Sensitivity: a frame whose signal is below it is not heard, in dBm.
	Sensitivity float64 `json:"sensitivity"`
	// CCAThreshold in dBm: a radio that receives another's
	// transmission at or above it senses the channel busy (airtime mode).
	CCAThreshold float64 `json:"cca_threshold"`
	// DefaultSNR is the SNR of links without propagation or override.
	DefaultSNR float64 `json:"default_snr"`
	// DefaultLoss, if set, is the loss probability of every link without
	// a Loss override, instead of the SNR-based error rate (wmediumd's
	// prob model and its default_prob).
	DefaultLoss *float64 `json:"default_loss,omitempty"`
	// FadingSigma, if positive, adds a zero-mean Gaussian of this
	// standard deviation (dB) to every frame's SNR (wmediumd's
	// fading_coefficient).
	FadingSigma float64     `json:"fading_sigma,omitzero"`
	Propagation Propagation `json:"propagation"`
	Radios      []Radio     `json:"radios,omitempty"`
	Links       []Link      `json:"links,omitempty"`
	// Warnings are things the loader accepted but does not implement.
	Warnings []string `json:"warnings,omitempty"`
	// Now is the clock for mobility; nil means time.Now.
	Now func() time.Time `json:"-"`
}

// DefaultConfig returns a Config with every default filled in, no radios
// and no propagation model.
func DefaultConfig() Config {
	return Config{
		Seed:         DefaultSeed,
		NoiseFloor:   DefaultNoiseFloor,
		Sensitivity:  DefaultSensitivity,
		CCAThreshold: DefaultCCAThreshold,
		DefaultSNR:   DefaultSNR,
		Propagation:  DefaultPropagation(),
	}
}

// DefaultPropagation returns the defaults of every propagation parameter,
// with Model none.
func DefaultPropagation() Propagation {
	return Propagation{
		Model:          PropNone,
		Exponent:       3,
		PowerLossCoeff: 30,
		FloorLoss:      15,
		AntennaHeight:  1,
	}
}

// NewRadio returns a Radio with the default transmit power.
func NewRadio() Radio { return Radio{Node: Node{TxPower: DefaultTxPower}} }
