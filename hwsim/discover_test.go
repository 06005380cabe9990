package hwsim

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

func TestJoinRadios(t *testing.T) {
	vw0 := mac.Addr{0, 0x76, 0x77, 0x30, 0, 0}
	moved := mac.Addr{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc}
	radios := []RadioInfo{{ID: 0, Name: "vw_phy0"}, {ID: 1, Name: "phy1"}, {ID: 2, Name: "phy2"}, {ID: 3, Name: "phy3"}, {ID: 4, Name: "gone"}}
	wiphys := []Wiphy{{Index: 10, Name: "vw_phy0"}, {Index: 11, Name: "phy1"}, {Index: 12, Name: "phy2"}, {Index: 13, Name: "phy3"}, {Index: 14, Name: "phy9"}}
	ifaces := []Interface{
		{Index: 5, Name: "vw0", Wiphy: 10, Addr: vw0},
		{Index: 6, Name: "wlan1", Wiphy: 11, Addr: defaultPermAddr(1)},
		{Index: 7, Name: "wlan2", Wiphy: 12, Addr: moved},
		{Index: 8, Name: "other", Wiphy: 14, Addr: moved},
	}
	exact := func(name string, idx uint32) (mac.Addr, bool) {
		if name == "phy3" && idx == 13 {
			return mac.Addr{0x42, 9, 9, 9, 9, 9}, true
		}
		return mac.Addr{}, false
	}
	ns := Netns{Name: "ns1", path: "/run/netns/ns1", id: 7}
	got := joinRadios(ns, radios, wiphys, ifaces, exact)
	require.Len(t, got, 5)
	want := []struct {
		hw    mac.Addr
		exact bool
		iface string
	}{
		{vw0, false, "vw0"},                // created with a permanent address
		{DefaultHWAddr(1), false, "wlan1"}, // the module's default address
		{moved, false, "wlan2"},            // someone changed the address: a guess
		{mac.Addr{0x42, 9, 9, 9, 9, 9}, true, ""},
		{DefaultHWAddr(4), false, ""}, // no wiphy seen: the default
	}
	for i, w := range want {
		assert.Equal(t, w.hw, got[i].HWAddr, got[i].Name)
		assert.Equal(t, w.exact, got[i].HWAddrExact, got[i].Name)
		assert.Equal(t, w.iface, got[i].Iface(), got[i].Name)
		assert.Equal(t, ns, got[i].Netns)
	}
	assert.Equal(t, uint32(10), got[0].Wiphy)
	assert.True(t, got[0].WiphyKnown)
	assert.False(t, got[4].WiphyKnown)
}

func TestSysfsHWAddr(t *testing.T) {
	dir := t.TempDir()
	write := func(name, index, addrs string) {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, name), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name, "index"), []byte(index), 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name, "addresses"), []byte(addrs), 0o644))
	}
	write("phy0", "4\n", "02:00:00:00:00:00\n42:00:00:00:00:00\n")
	write("one", "5\n", "02:00:00:00:00:00\n")
	write("bad", "6\n", "02:00:00:00:00:00\nnope\n")
	for _, tc := range []struct {
		name string
		idx  uint32
		want mac.Addr
		ok   bool
	}{
		{"phy0", 4, mac.Addr{0x42, 0, 0, 0, 0, 0}, true},
		{"phy0", 5, mac.Addr{}, false}, // another wiphy of that name
		{"one", 5, mac.Addr{}, false},
		{"bad", 6, mac.Addr{}, false},
		{"missing", 1, mac.Addr{}, false},
	} {
		got, ok := sysfsHWAddr(dir, tc.name, tc.idx)
		assert.Equal(t, tc.ok, ok, tc.name)
		assert.Equal(t, tc.want, got, tc.name)
	}
}

func TestNamespacesListOwnFirstAndEachOnce(t *testing.T) {
	nss, err := Namespaces()
	require.NoError(t, err)
	require.NotEmpty(t, nss)
	assert.True(t, nss[0].Own())
	seen := map[uint64]bool{}
	for _, ns := range nss {
		assert.False(t, seen[ns.id], "namespace %s listed twice", ns)
		seen[ns.id] = true
	}
}
