package mac

// A frame's retry chain, as mac80211 hands it to a driver and as
// mac80211_hwsim passes it to the medium (HWSIM_ATTR_TX_INFO and
// HWSIM_ATTR_TX_INFO_FLAGS). The chain is defined here, in the pure-Go
// core, rather than in package hwsim: the rate tables (rates.go, mcs.go),
// the medium's airtime and the link models all read chain entries, and
// none of them needs the netlink side to do so. Package hwsim aliases
// TxRate and MaxTxRates for the code that talks to the kernel.

// MaxTxRates is IEEE80211_TX_MAX_RATES: the length of a TX_INFO rate chain.
const MaxTxRates = 4

// TxRate is one entry of a frame's retry chain (struct hwsim_tx_rate): the
// rate index mac80211 chose and how many times to try it, with the entry's
// TxRc* flags from HWSIM_ATTR_TX_INFO_FLAGS (struct hwsim_tx_rate_flag),
// which say whether Idx is a legacy rate index or an HT/VHT MCS. Idx -1
// ends the chain.
type TxRate struct {
	Idx   int8
	Count uint8
	// Flags holds TxRc* bits; 0 when the kernel sent none.
	Flags uint16
}

// Bits of TxRate.Flags: enum hwsim_tx_rate_flags (mac80211_hwsim.h), which
// the kernel fills from mac80211's per-rate IEEE80211_TX_RC_* flags (enum
// mac80211_rate_control_flags, include/net/mac80211.h) bit for bit
// (trans_tx_rate_flags_ieee2hwsim). They say how to read the chain entry's
// index: a legacy rate index without TxRcMCS and TxRcVHTMCS, an HT MCS with
// TxRcMCS, and a VHT (NSS-1)<<4 | MCS with TxRcVHTMCS.
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
