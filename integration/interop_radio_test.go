//go:build integration

package integration

import (
	"strings"
	"testing"
)

// TestInteropAPAndStationOnOneRadio: a repeater. Radio 0 has two
// interfaces: a station associated to the AP on radio 1, and an AP of its
// own, on the same channel (hwsim allows one channel per radio), that the
// station on radio 2 associates to. Both links ping. (A station cannot
// join the AP of its own radio: the kernel never delivers a frame to the
// radio that sent it.)
func TestInteropAPAndStationOnOneRadio(t *testing.T) {
	up := APConfig{SSID: "upstream", Passphrase: "12345678", Channel: 6}
	rep := APConfig{SSID: "repeater", Passphrase: "87654321", Channel: 6}
	forEachProvider(t, func(t *testing.T, p Provider) {
		tb := NewTestbed(t, p, 3)
		both := tb.Place(0, "10.0.14.1/24")
		upAP := tb.Place(1, "10.0.13.1/24")
		far := tb.Place(2, "10.0.14.2/24")
		sta := both.addIface(t, both.Iface+"s", "10.0.13.2/24")
		upAP.StartAP(up)
		sta.StartStation(up.SSID, up.Passphrase).WaitCompleted(t)
		both.StartAP(rep)
		far.StartStation(rep.SSID, rep.Passphrase).WaitCompleted(t)
		sta.Ping(t, upAP.IP, 3)
		far.Ping(t, both.IP, 3)
		if m := activeMedium.Load(); m != nil && !t.Failed() {
			m.assertCarried(t, upAP.Iface, both.Iface)
			m.assertCarried(t, both.Iface, far.Iface)
		}
	})
}

// addIface adds a managed interface name to the actor's radio, in its
// namespace, with address cidr.
func (a *Actor) addIface(t *testing.T, name, cidr string) *Actor {
	t.Helper()
	a.NS.MustExec(t, "iw", "phy", a.Phy, "interface", "add", name, "type", "managed")
	addr := strings.TrimSpace(a.NS.MustExec(t, "cat", "/sys/class/net/"+name+"/address"))
	if addr == a.MAC {
		// A radio created with a permanent address (the medium's
		// 00:76:77:3k:00:00) has only that one, and mac80211 refuses
		// to bring up a second interface with it: give it a locally
		// administered one, as a user must.
		addr = "42" + a.MAC[2:]
		t.Logf("%s got %s's address (the radio has only one); setting %s", name, a.Iface, addr)
		a.NS.MustExec(t, "ip", "link", "set", "dev", name, "address", addr)
	}
	b := &Actor{Radio: Radio{Index: a.Index, Iface: name, Phy: a.Phy, MAC: addr}, NS: a.NS, tb: a.tb, IP: strings.Split(cidr, "/")[0]}
	a.NS.MustExec(t, "ip", "addr", "add", cidr, "dev", name)
	return b
}
