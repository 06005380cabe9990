package main

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

func TestSeedRadio(t *testing.T) {
	for _, tc := range []struct {
		k            int
		wiphy, iface string
		addr         string
	}{
		{0, "vw_phy0", "vw0", "00:76:77:30:00:00"},
		{4, "vw_phy4", "vw4", "00:76:77:34:00:00"},
		{9, "vw_phy9", "vw9", "00:76:77:39:00:00"},
		{10, "vw_phy10", "vw10", "00:76:77:3f:00:0a"},
		{500, "vw_phy500", "vw500", "00:76:77:3f:01:f4"},
	} {
		wiphy, iface, addr := seedRadio(tc.k)
		assert.Equal(t, tc.wiphy, wiphy)
		assert.Equal(t, tc.iface, iface)
		assert.Equal(t, tc.addr, addr.String())
	}
	seen := map[mac.Addr]int{}
	for k := range maxRadios {
		_, _, a := seedRadio(k)
		if prev, dup := seen[a]; dup {
			t.Fatalf("radios %d and %d share %s", prev, k, a)
		}
		seen[a] = k
	}
}
