//go:build integration

package integration

import (
	"fmt"
	"regexp"
	"testing"
)

// pingCarried pings the AP from the station (0% loss over 3) and, through
// the medium, checks that the medium carried their frames both ways.
func pingCarried(t *testing.T, ap, sta *Actor) {
	t.Helper()
	sta.Ping(t, ap.IP, 3)
	if m := activeMedium.Load(); m != nil && !t.Failed() {
		m.assertCarried(t, ap.Iface, sta.Iface)
	}
}

// wantLinkFreq checks that `iw dev <sta> link` reports freq MHz, then
// pings the AP as pingCarried does.
func wantLinkFreq(t *testing.T, ap, sta *Actor, freq int) {
	t.Helper()
	link := sta.NS.MustExec(t, "iw", "dev", sta.Iface, "link")
	t.Logf("iw dev %s link:\n%s", sta.Iface, link)
	if !regexp.MustCompile(fmt.Sprintf(`(?m)^\s*freq: %d(\.0)?$`, freq)).MatchString(link) {
		t.Errorf("iw dev %s link: want freq: %d", sta.Iface, freq)
	}
	pingCarried(t, ap, sta)
}
