package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/mac"
	"github.com/hwsim-medium/hwsim-medium/medium"
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
// with mac80211 and is not part of the kernel's mask). The radios are not
// destroyed with our socket: they outlive a crash of the medium, with
// their network namespaces and associations, and the next run re-attaches
// to them; a clean stop removes them.
func radioConfig(wiphy string, addr mac.Addr) hwsim.RadioConfig {
	return hwsim.RadioConfig{
		Name:     wiphy,
		PermAddr: addr,
		NoVIF:    true,
		IftypeSupport: 1<<hwsim.IftypeStation | 1<<hwsim.IftypeAP | 1<<hwsim.IftypeAdhoc |
			1<<hwsim.IftypeMeshPoint | 1<<hwsim.IftypeP2PClient | 1<<hwsim.IftypeP2PGO,
		Ciphers: []uint32{
			hwsim.CipherWEP40, hwsim.CipherWEP104, hwsim.CipherTKIP, hwsim.CipherCCMP128,
			hwsim.CipherAESCMAC, hwsim.CipherGCMP128, hwsim.CipherGCMP256, hwsim.CipherCCMP256,
			hwsim.CipherBIPGMAC128, hwsim.CipherBIPGMAC256, hwsim.CipherBIPCMAC256,
		},
	}
}

// owned are the radios this medium answers for: those it created now, and
// those of the seed's names that an earlier run left (re-attached). A clean
// stop removes them all; a failed start only the new ones.
type owned struct {
	created  []string // wiphy names, created by this run
	adopted  []string // wiphy names, left by an earlier run
	inherits []string // the state file's created radios that are still here
}

// all returns every owned radio's wiphy name, once each.
func (o *owned) all() []string {
	out := slices.Concat(o.inherits, o.adopted, o.created)
	slices.Sort(out)
	return slices.Compact(out)
}

// ensureRadios makes sure radios vw0..vw(n-1) exist and the medium knows
// them: a radio of the seed's name that already exists (left by a run that
// was killed, anywhere in found) is taken over, the others are created
// with a station interface each. It records what it did in own, also on
// error.
//
// In a federated air, names another member's radios have (taken) are
// skipped: the first member gets vw0, the next vw1, and so on.
func ensureRadios(ctx context.Context, c *hwsim.Client, nl *hwsim.NL80211, t *radioTracker, n int, found []hwsim.FoundRadio, taken func(wiphy string) bool, own *owned, log *slog.Logger) error {
	byName := map[string]*hwsim.FoundRadio{}
	for i := range found {
		byName[found[i].Name] = &found[i]
	}
	for k, placed := 0, 0; placed < n; k++ {
		if k >= maxRadios {
			return fmt.Errorf("no free radio name left for %d more radios (other members of the air serve the rest)", n-placed)
		}
		wiphy, iface, addr := seedRadio(k)
		if taken(wiphy) {
			log.Info("radio name taken by another member of the air; trying the next", "wiphy", wiphy)
			continue
		}
		placed++
		if f := byName[wiphy]; f != nil {
			if err := adoptRadio(ctx, nl, t.m, f, iface, addr, log); err != nil {
				return err
			}
			own.adopted = append(own.adopted, wiphy)
			continue
		}
		id, err := c.NewRadio(ctx, radioConfig(wiphy, addr))
		if err != nil {
			return fmt.Errorf("%w (a radio with address %s exists under another name? 'iw list' and 'iw dev' show them)", err, addr)
		}
		own.created = append(own.created, wiphy)
		t.added(id, wiphy)
		t.m.AddRadio(medium.RadioConfig{Name: wiphy, Iface: iface, HWAddr: addr, Addrs: []mac.Addr{addr}, Owned: true})
		if _, err := nl.NewInterface(ctx, wiphy, iface, hwsim.IftypeStation); err != nil {
			return err
		}
		log.Info("radio created", "wiphy", wiphy, "iface", iface, "addr", addr)
	}
	return nil
}

// adoptRadio takes over radio f, which has the seed's wiphy name of
// interface iface and address addr.
func adoptRadio(ctx context.Context, nl *hwsim.NL80211, m *medium.Medium, f *hwsim.FoundRadio, iface string, addr mac.Addr, log *slog.Logger) error {
	if f.HWAddrExact && f.HWAddr != addr {
		return fmt.Errorf("radio %s exists with hwsim address %s, not the %s hwsim-medium gives it: another tool made it; delete it ('iw list' names it) or create fewer radios with --radios", f.Name, f.HWAddr, addr)
	}
	name := f.Iface()
	if name == "" && f.Netns.Own() {
		// Killed between creating the radio and its interface.
		if _, err := nl.NewInterface(ctx, f.Name, iface, hwsim.IftypeStation); err != nil {
			return err
		}
		name = iface
	}
	rc := medium.RadioConfig{Name: f.Name, Iface: name, HWAddr: addr, Owned: true}
	for _, ifc := range f.Ifaces {
		rc.Addrs = append(rc.Addrs, ifc.Addr)
	}
	m.AddRadio(rc)
	log.Info("radio re-attached: an earlier hwsim-medium left it", "wiphy", f.Name, "iface", name, "netns", f.Netns.String(), "addr", addr)
	return nil
}

// deleteRadios removes the radios called names, in whatever network
// namespace they are now.
func deleteRadios(c *hwsim.Client, names []string, log *slog.Logger) {
	if len(names) == 0 {
		return
	}
	// The run context is cancelled by now; removal gets its own deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := hwsim.DelRadiosAnywhere(ctx, c, names); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			log.Warn("removing the radios took too long; 'iw list' shows what is left", "err", err)
		} else {
			log.Warn("could not remove every radio", "err", err)
		}
		return
	}
	log.Info("radios removed", "count", len(names))
}
