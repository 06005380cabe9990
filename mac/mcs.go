package mac

import "time"

// HT and VHT rates (IEEE Std 802.11-2020 clause 19, HT PHY, and clause 21,
// VHT PHY) as mac80211 puts them in a frame's retry chain: the TX_INFO
// index is an MCS when the entry's IEEE80211_TX_RC_* flags (TxRc*, carried
// in HWSIM_ATTR_TX_INFO_FLAGS) say so.
//
//   - HT (IEEE80211_TX_RC_MCS): index = MCS 0..31; N_SS = MCS/8 + 1, and
//     MCS mod 8 selects the modulation and code rate (19.5, "Parameters
//     for HT-MCSs", equal modulation only).
//   - VHT (IEEE80211_TX_RC_VHT_MCS): index = (N_SS − 1)<<4 | MCS, MCS
//     0..9, N_SS 1..8 (mac80211's ieee80211_rate_get_vht_mcs/_nss; 21.5,
//     "Parameters for VHT-MCSs").
//
// Bandwidth comes from the 40/80/160 MHz flags, the guard interval from
// IEEE80211_TX_RC_SHORT_GI. The data rate follows from N_DBPS, the data
// bits per OFDM symbol over all streams:
//
//	N_DBPS = N_SD · N_BPSCS · R · N_SS
//	N_SD   = 52, 108, 234, 468 data subcarriers at 20, 40, 80, 160 MHz
//	rate   = N_DBPS / T_SYM, T_SYM = 4 µs (800 ns GI) or 3.6 µs (400 ns GI)

// Format is the PPDU format a chain entry is sent in.
type Format uint8

// PPDU formats.
const (
	// FormatLegacy is non-HT: DSSS/CCK or OFDM (clauses 15 to 18).
	FormatLegacy Format = iota
	// FormatHT is HT-mixed or HT-greenfield (clause 19).
	FormatHT
	// FormatVHT is VHT (clause 21).
	FormatVHT
)

// PHYRate describes one retry-chain entry as it goes on air.
type PHYRate struct {
	Format Format
	// MCS is the HT MCS (0..31) or VHT MCS (0..9); for a legacy rate,
	// its TX_INFO index.
	MCS int
	// Kbps is the data rate in kbit/s.
	Kbps int
	// Mod is the modulation of every spatial stream.
	Mod Modulation
	// CodeNum/CodeDen is the convolutional code rate (1/2, 2/3, 3/4 or
	// 5/6); both 0 for DSSS/CCK, which are uncoded.
	CodeNum, CodeDen int
	// NSS is the number of spatial streams (1 for legacy rates).
	NSS int
	// WidthMHz is the channel width: 20, 40, 80 or 160.
	WidthMHz int
	// ShortGI: 400 ns guard interval (3.6 µs symbols).
	ShortGI bool
	// GreenField: HT-greenfield preamble instead of HT-mixed.
	GreenField bool
	// ShortPreamble: DSSS/CCK short PLCP preamble (2, 5.5, 11 Mbit/s).
	ShortPreamble bool
	// DBPS is N_DBPS, the data bits per OFDM symbol over all streams; 0
	// for DSSS/CCK.
	DBPS int
}

// mcsModulation is one row of the MCS tables: modulation, coded bits per
// subcarrier per stream (N_BPSCS) and code rate.
type mcsModulation struct {
	mod      Modulation
	bpscs    int
	num, den int
}

// mcsModulations is indexed by VHT MCS, or HT MCS mod 8 (HT stops at 7).
var mcsModulations = [...]mcsModulation{
	{ModBPSK, 1, 1, 2},
	{ModQPSK, 2, 1, 2},
	{ModQPSK, 2, 3, 4},
	{ModQAM16, 4, 1, 2},
	{ModQAM16, 4, 3, 4},
	{ModQAM64, 6, 2, 3},
	{ModQAM64, 6, 3, 4},
	{ModQAM64, 6, 5, 6},
	{ModQAM256, 8, 3, 4},
	{ModQAM256, 8, 5, 6},
}

// dataSubcarriers is N_SD for a channel width in MHz.
func dataSubcarriers(widthMHz int) int {
	switch widthMHz {
	case 40:
		return 108
	case 80:
		return 234
	case 160:
		return 468
	}
	return 52
}

// TxRateInfo describes a retry-chain entry: TX_INFO index idx with the
// entry's IEEE80211_TX_RC_* flags, on freq (MHz). It reports false for an
// index that is no rate: a legacy index beyond the band's table, an HT MCS
// above 31, a VHT MCS above 9, or a VHT MCS/N_SS/width combination whose
// N_DBPS is not whole (MCS 9 at 20 MHz with N_SS not a multiple of 3,
// which 21.5 excludes).
func TxRateInfo(freq uint32, idx int8, flags uint16) (PHYRate, bool) {
	var r PHYRate
	ok := r.set(freq, idx, flags)
	return r, ok
}

// set fills r as TxRateInfo describes; the per-frame callers fill a local
// in place rather than copy the struct around.
func (r *PHYRate) set(freq uint32, idx int8, flags uint16) bool {
	switch {
	case flags&TxRcVHTMCS != 0:
		return r.setVHT(idx, flags)
	case flags&TxRcMCS != 0:
		return r.setHT(idx, flags)
	}
	return r.setLegacy(freq, idx, flags)
}

func (r *PHYRate) setLegacy(freq uint32, idx int8, flags uint16) bool {
	t := Rates(freq)
	if idx < 0 || int(idx) >= len(t) {
		return false
	}
	l := &t[idx]
	*r = PHYRate{
		Format: FormatLegacy, MCS: int(idx), Kbps: l.Kbps, Mod: l.Mod,
		CodeNum: l.CodeNum, CodeDen: l.CodeDen, NSS: 1, WidthMHz: 20, DBPS: l.DBPS,
		ShortPreamble: flags&TxRcUseShortPreamble != 0 && l.Mod.DSSS() && l.Mod != ModDBPSK,
	}
	return true
}

func (r *PHYRate) setHT(idx int8, flags uint16) bool {
	if idx < 0 || idx > 31 {
		return false
	}
	width := 20
	if flags&TxRc40MHz != 0 {
		width = 40
	}
	return r.setMCS(FormatHT, int(idx)%8, int(idx)/8+1, width, flags)
}

func (r *PHYRate) setVHT(idx int8, flags uint16) bool {
	mcs, nss := int(idx&0xf), int(idx>>4)+1
	if idx < 0 || mcs >= len(mcsModulations) {
		return false
	}
	width := 20
	switch {
	case flags&TxRc160MHz != 0:
		width = 160
	case flags&TxRc80MHz != 0:
		width = 80
	case flags&TxRc40MHz != 0:
		width = 40
	}
	return r.setMCS(FormatVHT, mcs, nss, width, flags)
}

func (r *PHYRate) setMCS(format Format, mcs, nss, width int, flags uint16) bool {
	m := &mcsModulations[mcs]
	cbps := dataSubcarriers(width) * m.bpscs * nss
	if cbps*m.num%m.den != 0 {
		return false
	}
	*r = PHYRate{
		Format: format, MCS: mcs, Mod: m.mod, CodeNum: m.num, CodeDen: m.den,
		NSS: nss, WidthMHz: width, DBPS: cbps * m.num / m.den,
		ShortGI:    flags&TxRcShortGI != 0,
		GreenField: format == FormatHT && flags&TxRcGreenField != 0,
	}
	r.Kbps = r.DBPS * 250 // N_DBPS bits per 4 µs
	if r.ShortGI {
		// N_DBPS bits per 3.6 µs, rounded to the nearest kbit/s.
		r.Kbps = (r.DBPS*2500 + 4) / 9
	}
	return true
}

// ofdmRates is the number of OFDM rates (6..54 Mbit/s) in each band's
// legacy table.
const ofdmRates = 8

// HT and VHT preamble fields, in µs (the timing-related constants of
// clauses 19 and 21).
const (
	tLegacyPreamble = 16 // L-STF + L-LTF
	tLSIG           = 4
	tHTSIG          = 8 // two symbols, as VHT-SIG-A
	tHTSTF          = 4 // HT-mixed HT-STF, as VHT-STF
	tLTF            = 4 // each HT-LTF / VHT-LTF after the first GF one
	tGFSTF          = 8 // HT-greenfield STF
	tGFLTF1         = 8 // first HT-LTF of a greenfield PPDU
	tVHTSIGB        = 4
	// bitsPerEncoderSymbol bounds the data bits one VHT BCC encoder
	// handles per symbol: 2160 = 600 Mbit/s at 3.6 µs = 540 Mbit/s at 4 µs.
	bitsPerEncoderSymbol = 2160
	// htBitsPerEncoderSymbol is the HT bound: 1080 = 300 Mbit/s at 3.6 µs.
	htBitsPerEncoderSymbol = 1080
)

// TxAirtime returns how long an n-byte PSDU sent as retry-chain entry idx
// with IEEE80211_TX_RC_* flags on freq (MHz) occupies the air (TXTIME),
// or 0 for an entry TxRateInfo does not know. Legacy rates are timed as
// Airtime describes (with the 96 µs short DSSS preamble when flagged); HT
// and VHT as PHYRate.TXTIME does.
func TxAirtime(freq uint32, idx int8, flags uint16, n int) time.Duration {
	var r PHYRate
	if !r.set(freq, idx, flags) || n < 0 {
		return 0
	}
	return r.TXTIME(freq, n)
}

// TXTIME returns how long an n-byte PSDU sent at r on freq (MHz) occupies
// the air, preamble included. For HT, HT-mixed format (IEEE Std
// 802.11-2020, 19.4.3 "TXTIME calculation"):
//
//	TXTIME = 16 (L-STF, L-LTF) + 4 (L-SIG) + 8 (HT-SIG) + 4 (HT-STF)
//	       + 4·N_LTF + T_DATA                                     µs
//
// and HT-greenfield 8 (HT-GF-STF) + 8 (HT-LTF1) + 8 (HT-SIG) +
// 4·(N_LTF − 1) + T_DATA, plus the 6 µs signal extension on 2.4 GHz.
// For VHT (21.4.3 "TXTIME and PSDU_LENGTH calculation"):
//
//	TXTIME = 16 + 4 (L-SIG) + 8 (VHT-SIG-A) + 4 (VHT-STF)
//	       + 4·N_VHTLTF + 4 (VHT-SIG-B) + T_DATA                  µs
//
// N_LTF = N_VHTLTF = 1, 2, 4, 4, 6, 6, 8, 8 for 1..8 streams (no STBC, no
// extension streams). The data field is
//
//	N_SYM  = ⌈(16 + 8·n + 6·N_ES) / N_DBPS⌉
//	T_DATA = 4·N_SYM (800 ns GI),  4·⌈3.6·N_SYM / 4⌉ (400 ns GI)
//
// with N_ES the number of BCC encoders. HT uses two above 300 Mbit/s at
// 400 ns GI (N_DBPS > 1080: 3 and 4 streams at 40 MHz from 64-QAM 2/3
// and 16-QAM 3/4 up, the two-encoder rows of 19.5). For VHT,
// N_ES = ⌈N_DBPS / 2160⌉ (one encoder per 600 Mbit/s at 400 ns GI); the
// standard's tables add an encoder for a few 7- and 8-stream rates to keep
// the split whole, which moves TXTIME by at most one symbol and is not
// modelled.
func (r *PHYRate) TXTIME(freq uint32, n int) time.Duration {
	var us int64
	switch r.Format {
	case FormatHT:
		us = r.htTXTIME(freq, n)
	case FormatVHT:
		us = r.vhtTXTIME(n)
	default:
		l := LegacyRate{Kbps: r.Kbps, Mod: r.Mod, CodeNum: r.CodeNum, CodeDen: r.CodeDen, DBPS: r.DBPS}
		us = legacyTXTIME(&l, r.ShortPreamble, freq, n)
	}
	return time.Duration(us) * time.Microsecond
}

func (r *PHYRate) htTXTIME(freq uint32, n int) int64 {
	nes := 1
	if r.DBPS > htBitsPerEncoderSymbol {
		nes = 2
	}
	ltf := ltfs(r.NSS)
	pre := tLegacyPreamble + tLSIG + tHTSIG + tHTSTF + tLTF*ltf
	if r.GreenField {
		pre = tGFSTF + tGFLTF1 + tHTSIG + tLTF*(ltf-1)
	}
	us := int64(pre) + r.dataTime(n, nes)
	if Is24GHz(freq) {
		us += erpSignalExtension
	}
	return us
}

func (r *PHYRate) vhtTXTIME(n int) int64 {
	nes := int(ceilDiv(int64(r.DBPS), bitsPerEncoderSymbol))
	pre := tLegacyPreamble + tLSIG + tHTSIG + tHTSTF + tLTF*ltfs(r.NSS) + tVHTSIGB
	return int64(pre) + r.dataTime(n, nes)
}

// dataTime is T_DATA in µs for n bytes and nes encoders.
func (r *PHYRate) dataTime(n, nes int) int64 {
	nsym := ceilDiv(int64(ofdmService+8*n+ofdmTail*nes), int64(r.DBPS))
	if r.ShortGI {
		// 4·⌈3.6·N_SYM/4⌉ = 4·⌈9·N_SYM/10⌉: the PPDU ends on a 4 µs
		// boundary.
		return ofdmSymbol * ceilDiv(9*nsym, 10)
	}
	return ofdmSymbol * nsym
}

// ltfs is the number of HT-LTFs / VHT-LTFs for nss streams: nss rounded up
// to even, except one stream has one.
func ltfs(nss int) int {
	if nss <= 1 {
		return 1
	}
	return (nss + 1) &^ 1
}

// RxLegacyIndex returns the legacy rate index of freq's band with which a
// frame sent as chain entry idx/flags is handed to its receivers
// (HWSIM_ATTR_RX_RATE). The kernel takes RX_RATE as an index into the
// receiving band's legacy bitrate table only: hwsim_cloned_frame_received_nl
// drops a frame whose index is not below the band's n_bitrates, and
// mac80211 warns about it; there is no way to report an MCS. So an HT/VHT
// entry is reported as the fastest OFDM rate of the band not faster than
// the MCS (at least the band's slowest OFDM rate, 6 Mbit/s); a legacy
// index is kept, clamped into the table.
func RxLegacyIndex(freq uint32, idx int8, flags uint16) int8 {
	// Small enough to inline into the per-receiver path: every band's
	// table holds at least the eight OFDM rates.
	if flags&(TxRcMCS|TxRcVHTMCS) == 0 && idx >= 0 && idx < ofdmRates {
		return idx
	}
	return rxLegacyIndex(freq, idx, flags)
}

func rxLegacyIndex(freq uint32, idx int8, flags uint16) int8 {
	t := Rates(freq)
	if flags&(TxRcMCS|TxRcVHTMCS) == 0 {
		return min(max(idx, 0), int8(len(t)-1))
	}
	// The OFDM rates close each band's table, slowest first.
	best := len(t) - ofdmRates
	var r PHYRate
	if !r.set(freq, idx, flags) {
		return int8(best)
	}
	for i := best + 1; i < len(t) && t[i].Kbps <= r.Kbps; i++ {
		best = i
	}
	return int8(best)
}
