package hwsim

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/genetlink/genltest"
	"github.com/mdlayher/netlink"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

var nlTestFamily = genetlink.Family{ID: 0x1c, Name: "nl80211", Version: 1}

// TestNL80211Numbering cross-checks our constants against x/sys/unix, which
// is generated from the kernel's uapi header.
func TestNL80211Numbering(t *testing.T) {
	assert.Equal(t, unix.NL80211_GENL_NAME, nl80211FamilyName)
	assert.EqualValues(t, unix.NL80211_CMD_GET_WIPHY, nl80211CmdGetWiphy)
	assert.EqualValues(t, unix.NL80211_CMD_NEW_INTERFACE, nl80211CmdNewInterface)
	assert.EqualValues(t, unix.NL80211_CMD_GET_INTERFACE, nl80211CmdGetInterface)
	assert.EqualValues(t, unix.NL80211_ATTR_MAC, nl80211AttrMAC)
	assert.EqualValues(t, unix.NL80211_ATTR_WIPHY, nl80211AttrWiphy)
	assert.EqualValues(t, unix.NL80211_ATTR_WIPHY_NAME, nl80211AttrWiphyName)
	assert.EqualValues(t, unix.NL80211_ATTR_IFINDEX, nl80211AttrIfindex)
	assert.EqualValues(t, unix.NL80211_ATTR_IFNAME, nl80211AttrIfname)
	assert.EqualValues(t, unix.NL80211_ATTR_IFTYPE, nl80211AttrIftype)
	assert.EqualValues(t, unix.NL80211_ATTR_WDEV, nl80211AttrWdev)
	assert.EqualValues(t, unix.NL80211_ATTR_SPLIT_WIPHY_DUMP, nl80211AttrSplitWiphyDump)
	assert.EqualValues(t, unix.NL80211_IFTYPE_P2P_DEVICE, nl80211IftypeP2PDevice)
	assert.EqualValues(t, unix.NL80211_IFTYPE_STATION, IftypeStation)
	assert.EqualValues(t, unix.NL80211_IFTYPE_AP, IftypeAP)
}

func nlTestClient(t *testing.T, fn genltest.Func) *NL80211 {
	t.Helper()
	n, err := NewNL80211(context.Background(), genltest.Dial(genltest.ServeFamily(nlTestFamily, fn)))
	require.NoError(t, err)
	t.Cleanup(func() { _ = n.Close() })
	return n
}

// nlWiphyPart is one message of a split wiphy dump: index, name, generation
// and some band data we must skip.
func nlWiphyPart(t *testing.T, idx uint32, name string, band uint16) genetlink.Message {
	t.Helper()
	ae := netlink.NewAttributeEncoder()
	ae.Uint32(nl80211AttrWiphy, idx)
	ae.String(nl80211AttrWiphyName, name)
	ae.Uint32(unix.NL80211_ATTR_GENERATION, 7)
	if band != 0 {
		ae.Nested(unix.NL80211_ATTR_WIPHY_BANDS, func(nae *netlink.AttributeEncoder) error {
			nae.Nested(band, func(bae *netlink.AttributeEncoder) error {
				bae.Bytes(unix.NL80211_BAND_ATTR_HT_MCS_SET, make([]byte, 16))
				return nil
			})
			return nil
		})
	}
	b, err := ae.Encode()
	require.NoError(t, err)
	return genetlink.Message{Header: genetlink.Header{Command: unix.NL80211_CMD_NEW_WIPHY, Version: 1}, Data: b}
}

// nlWiphyDump answers GET_WIPHY with a split dump of phy0 and vw_phy0.
func nlWiphyDump(t *testing.T, greq genetlink.Message, nreq netlink.Message) []genetlink.Message {
	t.Helper()
	require.Equal(t, netlink.Request|netlink.Dump, nreq.Header.Flags)
	got := ctlAttrs(t, greq.Data)
	require.Contains(t, got, nl80211AttrSplitWiphyDump, "split dump not requested")
	return []genetlink.Message{
		nlWiphyPart(t, 0, "phy0", 0),
		nlWiphyPart(t, 0, "phy0", 1),
		nlWiphyPart(t, 3, "vw_phy0", 0),
		nlWiphyPart(t, 3, "vw_phy0", 1),
		nlWiphyPart(t, 3, "vw_phy0", 2),
	}
}

func TestWiphys(t *testing.T) {
	n := nlTestClient(t, genltest.CheckRequest(nlTestFamily.ID, nl80211CmdGetWiphy, 0,
		func(greq genetlink.Message, nreq netlink.Message) ([]genetlink.Message, error) {
			return nlWiphyDump(t, greq, nreq), nil
		}))
	ws, err := n.Wiphys(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []Wiphy{{Index: 0, Name: "phy0"}, {Index: 3, Name: "vw_phy0"}}, ws)

	idx, err := n.WiphyIndex(context.Background(), "vw_phy0")
	require.NoError(t, err)
	assert.Equal(t, uint32(3), idx)

	_, err = n.WiphyIndex(context.Background(), "nope")
	require.ErrorIs(t, err, ErrNoWiphy)
}

func TestNewInterface(t *testing.T) {
	tests := []struct {
		name      string
		wiphy     string
		ifname    string
		iftype    uint32
		reply     func(t *testing.T, greq genetlink.Message) ([]genetlink.Message, error)
		wantIndex int
		wantErr   string
		wantIs    error
	}{
		{
			name: "station", wiphy: "vw_phy0", ifname: "vw0", iftype: IftypeStation,
			reply: func(t *testing.T, greq genetlink.Message) ([]genetlink.Message, error) {
				got := ctlAttrs(t, greq.Data)
				require.Len(t, got, 3)
				assert.Equal(t, ctlU32(3), got[nl80211AttrWiphy])
				assert.Equal(t, []byte("vw0\x00"), got[nl80211AttrIfname])
				assert.Equal(t, ctlU32(IftypeStation), got[nl80211AttrIftype])
				ae := netlink.NewAttributeEncoder()
				ae.Uint32(nl80211AttrIfindex, 12)
				ae.String(nl80211AttrIfname, "vw0")
				ae.Uint32(nl80211AttrWiphy, 3)
				ae.Uint64(nl80211AttrWdev, 3<<32|1)
				ae.Uint32(nl80211AttrIftype, IftypeStation)
				b, err := ae.Encode()
				require.NoError(t, err)
				return []genetlink.Message{{Header: genetlink.Header{Command: nl80211CmdNewInterface}, Data: b}}, nil
			},
			wantIndex: 12,
		},
		{
			name: "kernel refuses", wiphy: "vw_phy0", ifname: "vw0", iftype: IftypeAP,
			reply: func(*testing.T, genetlink.Message) ([]genetlink.Message, error) {
				return nil, genltest.Error(int(unix.ENFILE))
			},
			wantErr: "create interface vw0 on vw_phy0: too many open files in system",
			wantIs:  unix.ENFILE,
		},
		{
			name: "unknown wiphy", wiphy: "vw_phy9", ifname: "vw9", iftype: IftypeStation,
			wantErr: `create interface vw9 on vw_phy9: find wiphy "vw_phy9": no such wiphy`,
			wantIs:  ErrNoWiphy,
		},
		{
			name: "reply without ifindex", wiphy: "vw_phy0", ifname: "vw0", iftype: IftypeStation,
			reply: func(*testing.T, genetlink.Message) ([]genetlink.Message, error) {
				return []genetlink.Message{{Header: genetlink.Header{Command: nl80211CmdNewInterface}}}, nil
			},
			wantErr: "create interface vw0 on vw_phy0: reply carries no ifindex",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cmds []uint8
			n := nlTestClient(t, func(greq genetlink.Message, nreq netlink.Message) ([]genetlink.Message, error) {
				cmds = append(cmds, greq.Header.Command)
				require.Equal(t, netlink.HeaderType(nlTestFamily.ID), nreq.Header.Type)
				switch greq.Header.Command {
				case nl80211CmdGetWiphy:
					return nlWiphyDump(t, greq, nreq), nil
				case nl80211CmdNewInterface:
					require.Equal(t, netlink.Request, nreq.Header.Flags)
					require.NotNil(t, tt.reply, "NEW_INTERFACE not expected")
					return tt.reply(t, greq)
				}
				return nil, fmt.Errorf("unexpected command %d", greq.Header.Command)
			})
			idx, err := n.NewInterface(context.Background(), tt.wiphy, tt.ifname, tt.iftype)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				if tt.wantIs != nil {
					assert.ErrorIs(t, err, tt.wantIs)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantIndex, idx)
			assert.Equal(t, []uint8{nl80211CmdGetWiphy, nl80211CmdNewInterface}, cmds)
		})
	}
}

func TestNewNL80211FamilyMissing(t *testing.T) {
	conn := genltest.Dial(func(genetlink.Message, netlink.Message) ([]genetlink.Message, error) {
		return nil, genltest.Error(int(unix.ENOENT))
	})
	defer conn.Close()
	_, err := NewNL80211(context.Background(), conn)
	require.ErrorIs(t, err, ErrNoNL80211)
	assert.False(t, errors.Is(err, ErrNoFamily))
}

func TestParseWiphy(t *testing.T) {
	enc := func(fn func(ae *netlink.AttributeEncoder)) []byte { return encodeAttrs(t, fn) }
	runParseCases(t, parseWiphy, []parseCase[Wiphy]{
		{
			name: "ok",
			b: enc(func(ae *netlink.AttributeEncoder) {
				ae.Uint32(nl80211AttrWiphy, 5)
				ae.String(nl80211AttrWiphyName, "vw_phy5")
			}),
			want: Wiphy{Index: 5, Name: "vw_phy5"},
		},
		{
			name:    "no name",
			b:       enc(func(ae *netlink.AttributeEncoder) { ae.Uint32(nl80211AttrWiphy, 5) }),
			wantErr: true,
		},
		{
			name:    "no index",
			b:       enc(func(ae *netlink.AttributeEncoder) { ae.String(nl80211AttrWiphyName, "x") }),
			wantErr: true,
		},
		{
			name: "bad index",
			b: enc(func(ae *netlink.AttributeEncoder) {
				ae.Uint64(nl80211AttrWiphy, 5)
				ae.String(nl80211AttrWiphyName, "x")
			}),
			wantErr: true,
		},
		{name: "garbage", b: []byte{0xff}, wantErr: true},
	})
}

func FuzzParseWiphy(f *testing.F) {
	f.Add(encodeAttrs(f, func(ae *netlink.AttributeEncoder) {
		ae.Uint32(nl80211AttrWiphy, 1)
		ae.String(nl80211AttrWiphyName, "vw_phy1")
		ae.Uint32(unix.NL80211_ATTR_GENERATION, 3)
	}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		w, err := parseWiphy(b)
		if err != nil && w != (Wiphy{}) {
			t.Fatalf("error %v with non-zero result %+v", err, w)
		}
	})
}

func FuzzParseInterface(f *testing.F) {
	f.Add(encodeAttrs(f, func(ae *netlink.AttributeEncoder) {
		ae.Uint32(nl80211AttrIfindex, 12)
		ae.String(nl80211AttrIfname, "vw0")
		ae.Uint32(nl80211AttrWiphy, 3)
		ae.Uint64(nl80211AttrWdev, 1)
	}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		ifc, err := parseInterface(b)
		if err != nil && ifc != (Interface{}) {
			t.Fatalf("error %v with non-zero result %+v", err, ifc)
		}
		if err == nil && ifc.Index < 0 {
			t.Fatalf("negative ifindex %d", ifc.Index)
		}
	})
}

func TestInterfaces(t *testing.T) {
	iface := func(idx int, name string, wiphy uint32, addr mac.Addr, typ uint32) genetlink.Message {
		b := encodeAttrs(t, func(ae *netlink.AttributeEncoder) {
			ae.Uint32(nl80211AttrIfindex, uint32(idx))
			ae.String(nl80211AttrIfname, name)
			ae.Uint32(nl80211AttrWiphy, wiphy)
			ae.Uint64(nl80211AttrWdev, uint64(wiphy)<<32|1)
			ae.Bytes(nl80211AttrMAC, addr[:])
			ae.Uint32(nl80211AttrIftype, typ)
		})
		return genetlink.Message{Header: genetlink.Header{Command: nl80211CmdNewInterface}, Data: b}
	}
	a0 := mac.Addr{0, 0x76, 0x77, 0x30, 0, 0}
	a1 := mac.Addr{2, 0, 0, 0, 1, 0}
	n := nlTestClient(t, genltest.CheckRequest(nlTestFamily.ID, nl80211CmdGetInterface, netlink.Request|netlink.Dump,
		func(genetlink.Message, netlink.Message) ([]genetlink.Message, error) {
			return []genetlink.Message{iface(12, "vw0", 3, a0, IftypeStation), iface(13, "wlan1", 4, a1, IftypeAP)}, nil
		}))
	got, err := n.Interfaces(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []Interface{
		{Index: 12, Name: "vw0", Wiphy: 3, Wdev: 3<<32 | 1, Addr: a0, Type: IftypeStation},
		{Index: 13, Name: "wlan1", Wiphy: 4, Wdev: 4<<32 | 1, Addr: a1, Type: IftypeAP},
	}, got)
}
