package mac

import "time"

// Legacy (non-HT) rates as mac80211_hwsim advertises them and as mac80211
// indexes them in a frame's TX_INFO retry chain.
//
// The kernel's hwsim_rates[] (drivers/net/wireless/virtual/mac80211_hwsim.c)
// holds twelve rates: 1, 2, 5.5 and 11 Mbit/s (DSSS and HR/DSSS CCK, clauses
// 15 and 16 of IEEE Std 802.11) followed by the eight OFDM rates 6..54
// Mbit/s (clause 17; ERP-OFDM, clause 18, on 2.4 GHz). The 2.4 GHz band uses
// the whole table, so TX_INFO index 0..11 maps onto it directly; the 5 GHz
// (and 6 GHz) band is registered with `bitrates = hwsim_rates + 4` and
// `n_bitrates = ARRAY_SIZE(hwsim_rates) - 4`, so there index 0..7 means
// 6..54 Mbit/s OFDM.
//
// An index in TX_INFO is a legacy index only when the entry's
// IEEE80211_TX_RC_* flags (HWSIM_ATTR_TX_INFO_FLAGS) carry neither
// IEEE80211_TX_RC_MCS nor IEEE80211_TX_RC_VHT_MCS; TxRateInfo (mcs.go)
// reads any chain entry, HT and VHT included.

// Modulation is the modulation of a rate's subcarriers (OFDM) or symbols
// (DSSS/CCK).
type Modulation uint8

// Modulations of the hwsim legacy rates and the HT/VHT MCSs.
const (
	ModUnknown Modulation = iota
	// ModDBPSK is DSSS differential BPSK with 11-chip Barker spreading
	// (1 Mbit/s).
	ModDBPSK
	// ModDQPSK is DSSS differential QPSK with Barker spreading (2 Mbit/s).
	ModDQPSK
	// ModCCK55 is HR/DSSS complementary code keying, 4 bits per 8-chip
	// symbol (5.5 Mbit/s).
	ModCCK55
	// ModCCK11 is HR/DSSS CCK, 8 bits per 8-chip symbol (11 Mbit/s).
	ModCCK11
	// ModBPSK is OFDM with BPSK subcarriers (6, 9 Mbit/s).
	ModBPSK
	// ModQPSK is OFDM with QPSK subcarriers (12, 18 Mbit/s).
	ModQPSK
	// ModQAM16 is OFDM with 16-QAM subcarriers (24, 36 Mbit/s).
	ModQAM16
	// ModQAM64 is OFDM with 64-QAM subcarriers (48, 54 Mbit/s).
	ModQAM64
	// ModQAM256 is OFDM with 256-QAM subcarriers (VHT MCS 8 and 9).
	ModQAM256
)

var modulationNames = [...]string{"unknown", "DBPSK", "DQPSK", "CCK-5.5", "CCK-11", "BPSK", "QPSK", "16-QAM", "64-QAM", "256-QAM"}

// String names the modulation.
func (m Modulation) String() string {
	if int(m) < len(modulationNames) {
		return modulationNames[m]
	}
	return "unknown"
}

// OFDM reports whether m is an OFDM modulation (clause 17/18/19/21 PHY).
func (m Modulation) OFDM() bool { return m >= ModBPSK && m <= ModQAM256 }

// DSSS reports whether m is a DSSS or HR/DSSS (CCK) modulation.
func (m Modulation) DSSS() bool { return m >= ModDBPSK && m <= ModCCK11 }

// LegacyRate describes one legacy rate.
type LegacyRate struct {
	// Kbps is the data rate in kbit/s.
	Kbps int
	// Mod is the modulation.
	Mod Modulation
	// CodeNum/CodeDen is the convolutional code rate of an OFDM rate
	// (1/2, 2/3 or 3/4); both 0 for DSSS/CCK rates, which are uncoded.
	CodeNum, CodeDen int
	// DBPS is N_DBPS, the data bits per 4 µs OFDM symbol; 0 for DSSS/CCK.
	DBPS int
}

// hwsimRates mirrors the kernel's hwsim_rates[].
var hwsimRates = [...]LegacyRate{
	{Kbps: 1000, Mod: ModDBPSK},
	{Kbps: 2000, Mod: ModDQPSK},
	{Kbps: 5500, Mod: ModCCK55},
	{Kbps: 11000, Mod: ModCCK11},
	{Kbps: 6000, Mod: ModBPSK, CodeNum: 1, CodeDen: 2, DBPS: 24},
	{Kbps: 9000, Mod: ModBPSK, CodeNum: 3, CodeDen: 4, DBPS: 36},
	{Kbps: 12000, Mod: ModQPSK, CodeNum: 1, CodeDen: 2, DBPS: 48},
	{Kbps: 18000, Mod: ModQPSK, CodeNum: 3, CodeDen: 4, DBPS: 72},
	{Kbps: 24000, Mod: ModQAM16, CodeNum: 1, CodeDen: 2, DBPS: 96},
	{Kbps: 36000, Mod: ModQAM16, CodeNum: 3, CodeDen: 4, DBPS: 144},
	{Kbps: 48000, Mod: ModQAM64, CodeNum: 2, CodeDen: 3, DBPS: 192},
	{Kbps: 54000, Mod: ModQAM64, CodeNum: 3, CodeDen: 4, DBPS: 216},
}

// ofdmOnlyFreq is where the OFDM-only table starts: 5 GHz (4.9 GHz public
// safety channels included) and 6 GHz radios are registered with
// hwsim_rates + 4.
const ofdmOnlyFreq = 4900

// Is24GHz reports whether freq (MHz) uses the 2.4 GHz rate table. An unknown
// channel (0) is taken as 2.4 GHz, hwsim's default band.
func Is24GHz(freq uint32) bool { return freq < ofdmOnlyFreq }

// Rates returns the legacy rate table of the band of freq (MHz), indexed as
// in TX_INFO. The slice aliases a package table: do not modify it.
func Rates(freq uint32) []LegacyRate {
	if Is24GHz(freq) {
		return hwsimRates[:]
	}
	return hwsimRates[4:]
}

// RateInfo returns the legacy rate at TX_INFO index idx on freq (MHz).
func RateInfo(freq uint32, idx int8) (LegacyRate, bool) {
	t := Rates(freq)
	if idx < 0 || int(idx) >= len(t) {
		return LegacyRate{}, false
	}
	return t[idx], true
}

// Rate returns the data rate in kbit/s of TX_INFO index idx on freq (MHz).
func Rate(freq uint32, idx int8) (kbps int, ok bool) {
	r, ok := RateInfo(freq, idx)
	return r.Kbps, ok
}

// PHY timing constants, in µs.
const (
	// dsssLongPLCP is the long PLCP preamble (144 bits) plus PLCP header
	// (48 bits), both sent at 1 Mbit/s: 192 µs.
	dsssLongPLCP = 192
	// dsssShortPLCP is the short PLCP preamble (72 bits at 1 Mbit/s) plus
	// the PLCP header (48 bits at 2 Mbit/s): 96 µs (clause 16, short PPDU
	// format). It is not allowed at 1 Mbit/s.
	dsssShortPLCP = 96
	// ofdmPreamble is T_PREAMBLE (16 µs: short and long training fields).
	ofdmPreamble = 16
	// ofdmSignal is T_SIGNAL (one 4 µs BPSK-1/2 symbol).
	ofdmSignal = 4
	// ofdmSymbol is T_SYM with the 0.8 µs guard interval.
	ofdmSymbol = 4
	// ofdmService and ofdmTail are the SERVICE field and tail bits added
	// to the PSDU before it is cut into symbols.
	ofdmService = 16
	ofdmTail    = 6
	// erpSignalExtension is the 6 µs of silence after every ERP-OFDM
	// PPDU on 2.4 GHz.
	erpSignalExtension = 6
)

// Airtime returns how long an n-byte PSDU sent at TX_INFO index idx on freq
// (MHz) occupies the air, PHY preamble and header included (TXTIME in the
// standard). It returns 0 for an index that is not a legacy rate of the band.
//
// DSSS and HR/DSSS (IEEE Std 802.11-2020 clause 15, DSSS PHY, and clause
// 16, HR/DSSS PHY, "TXTIME calculation"), long preamble (TxAirtime honours
// the short-preamble flag):
//
//	TXTIME = 192 µs + ⌈8·n / R⌉ µs        (R in Mbit/s)
//
// OFDM (clause 17, 17.4.3 "TXTIME and PSDU_LENGTH calculation"), 20 MHz
// channel:
//
//	TXTIME = 16 µs + 4 µs + 4 µs · ⌈(16 + 8·n + 6) / N_DBPS⌉
//
// plus, for ERP-OFDM on 2.4 GHz (clause 18, TXTIME with signal extension),
// a 6 µs signal extension.
func Airtime(freq uint32, idx int8, n int) time.Duration {
	r, ok := RateInfo(freq, idx)
	if !ok || n < 0 {
		return 0
	}
	return time.Duration(legacyTXTIME(&r, false, freq, n)) * time.Microsecond
}

// legacyTXTIME is TXTIME in µs for a DSSS/CCK or OFDM rate (see Airtime),
// with the short DSSS preamble if shortPreamble.
func legacyTXTIME(r *LegacyRate, shortPreamble bool, freq uint32, n int) int64 {
	if r.Mod.DSSS() {
		plcp := int64(dsssLongPLCP)
		if shortPreamble {
			plcp = dsssShortPLCP
		}
		// ⌈8n·1000/kbps⌉ µs.
		return plcp + (int64(8*n)*1000+int64(r.Kbps)-1)/int64(r.Kbps)
	}
	us := ofdmPreamble + ofdmSignal + ofdmSymbol*ceilDiv(int64(ofdmService+8*n+ofdmTail), int64(r.DBPS))
	if Is24GHz(freq) {
		us += erpSignalExtension
	}
	return us
}

func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }
