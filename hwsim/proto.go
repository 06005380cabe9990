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

// MaxTxRates is IEEE80211_TX_MAX_RATES: the length of a TX_INFO rate chain.
const MaxTxRates = 4

// Bits of TxRate.Flags: enum hwsim_tx_rate_flags (mac80211_hwsim.h), which
// the kernel fills from mac80211's per-rate IEEE80211_TX_RC_* flags (enum
// mac80211_rate_control_flags) bit for bit (trans_tx_rate_flags_ieee2hwsim).
// They say how to read the chain entry's index: a legacy rate index
// without TxRcMCS and TxRcVHTMCS, an HT MCS with TxRcMCS, and a VHT
// (NSS-1)<<4 | MCS with TxRcVHTMCS.
const (
	// TxRcUseRTSCTS protects the try with an RTS/CTS exchange.
	TxRcUseRTSCTS uint16 = 1 << 0
	// TxRcUseCTSProtect protects the try with CTS-to-self (ERP protection).
	TxRcUseCTSProtect uint16 = 1 << 1
	// TxRcUseShortPreamble sends a DSSS/CCK try with the short preamble.
	TxRcUseShortPreamble uint16 = 1 << 2
	// TxRcMCS marks the index as an HT MCS (0..31 here).
	TxRcMCS uint16 = 1 << 3
	// TxRcGreenField sends the HT try in greenfield format.
	TxRcGreenField uint16 = 1 << 4
	// TxRc40MHz sends the HT/VHT try on a 40 MHz channel.
	TxRc40MHz uint16 = 1 << 5
	// TxRcDupData duplicates the try on both 20 MHz halves of a 40 MHz
	// channel.
	TxRcDupData uint16 = 1 << 6
	// TxRcShortGI uses the 400 ns short guard interval.
	TxRcShortGI uint16 = 1 << 7
	// TxRcVHTMCS marks the index as a VHT rate: spatial streams minus one
	// in the high nibble, the MCS (0..9) in the low one.
	TxRcVHTMCS uint16 = 1 << 8
	// TxRc80MHz sends the VHT try on an 80 MHz channel.
	TxRc80MHz uint16 = 1 << 9
	// TxRc160MHz sends the VHT try on a 160 MHz channel.
	TxRc160MHz uint16 = 1 << 10
)

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
