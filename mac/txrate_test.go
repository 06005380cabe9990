package mac

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The kernel's values for the flag bits (enum mac80211_rate_control_flags in
// include/net/mac80211.h, copied bit for bit into enum hwsim_tx_rate_flags),
// as numbers, so a renumbering here shows.
func TestTxRcValues(t *testing.T) {
	for _, tc := range []struct {
		got, want uint16
	}{
		{TxRcUseRTSCTS, 0x001}, {TxRcUseCTSProtect, 0x002}, {TxRcUseShortPreamble, 0x004},
		{TxRcMCS, 0x008}, {TxRcGreenField, 0x010}, {TxRc40MHz, 0x020}, {TxRcDupData, 0x040},
		{TxRcShortGI, 0x080}, {TxRcVHTMCS, 0x100}, {TxRc80MHz, 0x200}, {TxRc160MHz, 0x400},
	} {
		assert.Equal(t, tc.want, tc.got)
	}
	assert.Equal(t, 4, MaxTxRates, "IEEE80211_TX_MAX_RATES")
}
