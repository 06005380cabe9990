package main

import (
	"fmt"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/mac"
)

// maxRadios bounds --radios: the naming scheme below has room for 65536.
const maxRadios = 1 << 16

// seedRadio names radio k the way the vwifi seed does: wiphy vw_phyK,
// interface vwK, address 00:76:77:3K:00:00. The seed's scheme runs out of
// digits at 10; from there on the fourth byte is 0x3f (never used below 10)
// and K is spelled big-endian in the next two bytes: radio 10 is
// 00:76:77:3f:00:0a.
func seedRadio(k int) (wiphy, iface string, addr mac.Addr) {
	addr = mac.Addr{0x00, 0x76, 0x77, 0x30 + byte(k), 0, 0}
	if k >= 10 {
		addr = mac.Addr{0x00, 0x76, 0x77, 0x3f, byte(k >> 8), byte(k)}
	}
	return fmt.Sprintf("vw_phy%d", k), fmt.Sprintf("vw%d", k), addr
}

// radioConfig is what every radio we create supports: the seed's ciphers
// and more, and every interface type hwsim can offer (monitor always comes
// with mac80211 and is not part of the kernel's mask).
func radioConfig(wiphy string, addr mac.Addr) hwsim.RadioConfig {
	return hwsim.RadioConfig{
		Name:     wiphy,
		PermAddr: addr,
		NoVIF:    true,
		// The kernel removes the radios if we die without cleaning up.
		DestroyOnClose: true,
		IftypeSupport: 1<<hwsim.IftypeStation | 1<<hwsim.IftypeAP | 1<<hwsim.IftypeAdhoc |
			1<<hwsim.IftypeMeshPoint | 1<<hwsim.IftypeP2PClient | 1<<hwsim.IftypeP2PGO,
		Ciphers: []uint32{
			hwsim.CipherWEP40, hwsim.CipherWEP104, hwsim.CipherTKIP, hwsim.CipherCCMP128,
			hwsim.CipherAESCMAC, hwsim.CipherGCMP128, hwsim.CipherGCMP256, hwsim.CipherCCMP256,
			hwsim.CipherBIPGMAC128, hwsim.CipherBIPGMAC256, hwsim.CipherBIPCMAC256,
		},
	}
}

// defaultHWAddr is the hwsim address the kernel gives radio id when it was
// created without a permanent address (02:00:00:II:II:00 with 0x40 set in
// the first byte). It names radios that others created before they speak.
func defaultHWAddr(id uint32) mac.Addr {
	return mac.Addr{0x42, 0, 0, byte(id >> 8), byte(id), 0}
}
