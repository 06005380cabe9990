//go:build integration

package integration

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// sharedNetnsWarning is the medium's warning about radios that share its
// network namespace and an IP subnet (medium/netns.go).
const sharedNetnsWarning = "share its network namespace and one IP subnet"

// rootNetns names the testbed's own (initial) network namespace, so that
// Actor.Start and Exec work there too; deleting the name leaves the
// namespace alone.
func (tb *Testbed) rootNetns() *Netns {
	tb.t.Helper()
	ns := &Netns{Name: fmt.Sprintf("hwt%d-%d-root", os.Getpid(), nsCounter.Add(1))}
	mustRun(tb.t, "ip", "netns", "attach", ns.Name, "1")
	tb.namespaces = append(tb.namespaces, ns)
	return ns
}

// stayIn leaves radio i where it is, in ns, with address cidr: the set-up
// mistake, not the walkthrough's layout.
func (tb *Testbed) stayIn(i int, ns *Netns, cidr string) *Actor {
	tb.t.Helper()
	a := &Actor{Radio: tb.Radios[i], NS: ns, tb: tb, IP: strings.Split(cidr, "/")[0]}
	ns.MustExec(tb.t, "ip", "addr", "add", cidr, "dev", a.Iface)
	return a
}

// TestMediumWarnsSharedNetns: an AP and a station whose interfaces stay in
// the medium's (root) namespace with 10.0.9.1/24 and 10.0.9.2/24 associate
// through the medium, and the ping "works" because the kernel routes it
// locally: the medium warns once, naming both interfaces and the fix. In
// the walkthrough's layout (one namespace per radio) it says nothing.
func TestMediumWarnsSharedNetns(t *testing.T) {
	t.Run("shared", func(t *testing.T) {
		tb := NewTestbed(t, medium{}, 2)
		m := activeMedium.Load()
		root := tb.rootNetns()
		ap := tb.stayIn(0, root, "10.0.9.1/24")
		sta := tb.stayIn(1, root, "10.0.9.2/24")
		ap.StartAP(SeedAP)
		sta.StartStation(SeedAP.SSID, SeedAP.Passphrase).WaitCompleted(t)
		sta.Ping(t, ap.IP, 3)
		waitFor(t, pingTimeout, "the medium's shared-namespace warning", func() (bool, string) {
			return strings.Contains(m.daemon.Log(), sharedNetnsWarning), tail(m.daemon.Log(), 20)
		})
		var warning string
		for _, l := range strings.Split(m.daemon.Log(), "\n") {
			if strings.Contains(l, sharedNetnsWarning) {
				if warning != "" {
					t.Errorf("a second warning for the pair:\n%s", l)
				}
				warning = l
			}
		}
		t.Logf("the medium's warning:\n%s", warning)
		for _, want := range []string{ap.Iface + " (10.0.9.1/24)", sta.Iface + " (10.0.9.2/24)", "iw phy vw_phy", "set netns name"} {
			if !strings.Contains(warning, want) {
				t.Errorf("the warning does not say %q", want)
			}
		}
	})
	t.Run("separate", func(t *testing.T) {
		tb := NewTestbed(t, medium{}, 2)
		m := activeMedium.Load()
		ap := tb.Place(0, "10.0.9.1/24")
		sta := tb.Place(1, "10.0.9.2/24")
		ap.StartAP(SeedAP)
		sta.StartStation(SeedAP.SSID, SeedAP.Passphrase).WaitCompleted(t)
		sta.Ping(t, ap.IP, 3)
		m.assertCarried(t, ap.Iface, sta.Iface)
		// The check runs within milliseconds of the pair's first frame,
		// long before the association completes.
		if strings.Contains(m.daemon.Log(), sharedNetnsWarning) {
			t.Errorf("the medium warned about radios in separate namespaces:\n%s", m.daemon.Log())
		}
	})
}
