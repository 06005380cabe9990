// Package hwsim speaks the kernel's MAC80211_HWSIM generic-netlink protocol:
// it creates and removes radios, registers as their wireless medium, receives
// every frame the radios transmit and hands frames and TX status back.
//
// The control plane (family lookup, radios, events) goes through
// mdlayher/genetlink. The per-frame path is encoded and decoded by hand into
// reused buffers, because that path runs once per transmitted frame and the
// library's allocations and copies dominate its cost (see
// docs/performance-notes in the shared notes).
package hwsim

import "github.com/hwsim-medium/hwsim-medium/mac"

// FamilyName is the generic-netlink family of mac80211_hwsim.
const FamilyName = "MAC80211_HWSIM"

// FamilyVersion is the protocol version the kernel speaks.
const FamilyVersion = 1

// ConfigGroup is the multicast group on which the kernel announces radios
// being created and deleted.
const ConfigGroup = "config"

// Commands of the MAC80211_HWSIM family (enum hwsim_commands).
const (
	CmdUnspec      uint8 = 0
	CmdRegister    uint8 = 1
	CmdFrame       uint8 = 2
	CmdTxInfoFrame uint8 = 3
	CmdNewRadio    uint8 = 4
	CmdDelRadio    uint8 = 5
	CmdGetRadio    uint8 = 6
	CmdAddMACAddr  uint8 = 7
	CmdDelMACAddr  uint8 = 8
)

// Attributes of the MAC80211_HWSIM family (enum hwsim_attrs).
const (
	AttrUnspec              uint16 = 0
	AttrAddrReceiver        uint16 = 1
	AttrAddrTransmitter     uint16 = 2
	AttrFrame               uint16 = 3
	AttrFlags               uint16 = 4
	AttrRxRate              uint16 = 5
	AttrSignal              uint16 = 6
	AttrTxInfo              uint16 = 7
	AttrCookie              uint16 = 8
	AttrChannels            uint16 = 9
	AttrRadioID             uint16 = 10
	AttrRegHintAlpha2       uint16 = 11
	AttrRegCustomReg        uint16 = 12
	AttrRegStrictReg        uint16 = 13
	AttrSupportP2PDevice    uint16 = 14
	AttrUseChanctx          uint16 = 15
	AttrDestroyRadioOnClose uint16 = 16
	AttrRadioName           uint16 = 17
	AttrNoVIF               uint16 = 18
	AttrFreq                uint16 = 19
	AttrPad                 uint16 = 20
	AttrTxInfoFlags         uint16 = 21
	AttrPermAddr            uint16 = 22
	AttrIftypeSupport       uint16 = 23
	AttrCipherSupport       uint16 = 24
	AttrMLOSupport          uint16 = 25
)

// Bits of AttrFlags.
const (
	// TxCtlReqTxStatus asks for a TX status for the frame.
	TxCtlReqTxStatus uint32 = 1 << 0
	// TxCtlNoAck marks a frame that expects no acknowledgement.
	TxCtlNoAck uint32 = 1 << 1
	// TxStatAck reports that the frame was acknowledged.
	TxStatAck uint32 = 1 << 2
)

// MaxTxRates is IEEE80211_TX_MAX_RATES: the length of a TX_INFO rate chain
// (mac.MaxTxRates). The flag bits of a chain entry are mac.TxRc*.
const MaxTxRates = mac.MaxTxRates

// Interface types (enum nl80211_iftype), used as bits of AttrIftypeSupport.
const (
	IftypeAdhoc     = 1
	IftypeStation   = 2
	IftypeAP        = 3
	IftypeAPVLAN    = 4
	IftypeMonitor   = 6
	IftypeMeshPoint = 7
	IftypeP2PClient = 8
	IftypeP2PGO     = 9
)

// Cipher suite selectors (OUI 00-0f-ac), used in AttrCipherSupport.
const (
	CipherWEP40      uint32 = 0x000fac01
	CipherTKIP       uint32 = 0x000fac02
	CipherCCMP128    uint32 = 0x000fac04
	CipherWEP104     uint32 = 0x000fac05
	CipherAESCMAC    uint32 = 0x000fac06
	CipherGCMP128    uint32 = 0x000fac08
	CipherGCMP256    uint32 = 0x000fac09
	CipherCCMP256    uint32 = 0x000fac0a
	CipherBIPGMAC128 uint32 = 0x000fac0b
	CipherBIPGMAC256 uint32 = 0x000fac0c
	CipherBIPCMAC256 uint32 = 0x000fac0d
)
