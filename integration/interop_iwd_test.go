//go:build integration

package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// iwd (Debian package iwd) is at /usr/libexec/iwd, outside PATH. It needs
// a D-Bus system bus to start, and does its cryptography through the
// kernel's AF_ALG sockets with algorithms Debian builds as modules.
const iwdBin = "/usr/libexec/iwd"

// ansiRE matches the colour codes iwctl writes even to a pipe.
var ansiRE = regexp.MustCompile("\x1b\\[[0-9;]*m")

var iwdModules = []string{"af_alg", "algif_hash", "algif_skcipher", "cmac", "ecb", "md4",
	"sha512_generic", "des_generic", "pkcs8_key_parser"}

// systemBusConf is a D-Bus system bus for one test: it listens on the
// socket %s and lets anyone own any name (iwd owns net.connman.iwd) and
// call anything.
const systemBusConf = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
`

// requireIwd skips the test when the VM image has no iwd or dbus-daemon
// (the host lacked them when the image was built).
func requireIwd(t *testing.T) {
	t.Helper()
	for _, bin := range []string{iwdBin, "/usr/bin/dbus-daemon"} {
		if _, err := os.Stat(bin); err != nil {
			t.Skipf("%s missing: install iwd and dbus on the host (integration/vm/setup.sh) so the VM image carries them", bin)
		}
	}
	for _, m := range iwdModules {
		if out, err := run("modprobe", m); err != nil {
			t.Logf("modprobe %s (iwd's kernel crypto; built in?): %v %s", m, err, out)
		}
	}
}

// startSystemBus runs a D-Bus system bus of the testbed's own (a socket in
// its directory, not /run/dbus) and returns its address.
func (tb *Testbed) startSystemBus(t *testing.T) string {
	t.Helper()
	sock := filepath.Join(tb.dir, "bus")
	if len(sock) > 100 {
		t.Fatalf("the D-Bus socket path %s is too long for a unix socket", sock)
	}
	conf := filepath.Join(tb.dir, "system-bus.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(systemBusConf, sock)), 0o644); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, tb.dir, "dbus-daemon", "dbus-daemon", "--config-file="+conf, "--nofork", "--nopidfile", "--nosyslog")
	tb.mu.Lock()
	tb.daemons = append(tb.daemons, d)
	tb.mu.Unlock()
	waitFor(t, startTimeout, "the D-Bus socket "+sock, func() (bool, string) {
		if d.Exited() {
			t.Fatalf("dbus-daemon exited (%v):\n%s", d.err, tail(d.Log(), 30))
		}
		_, err := os.Stat(sock)
		return err == nil, d.Log()
	})
	return "unix:path=" + sock
}

// StartIwd runs iwd on the actor's interface with the system bus bus,
// keeping the interface it was given (UseDefaultInterface: by default iwd
// deletes a wiphy's interfaces and makes its own) and knowing the WPA2 /
// WPA3-Personal network ssid with passphrase, which it joins by itself.
func (a *Actor) StartIwd(t *testing.T, bus, ssid, passphrase string) *Daemon {
	t.Helper()
	conf := filepath.Join(a.tb.dir, "iwd-conf-"+a.Iface)
	state := filepath.Join(a.tb.dir, "iwd-state-"+a.Iface)
	for path, body := range map[string]string{
		filepath.Join(conf, "main.conf"):  "[General]\nUseDefaultInterface=true\nEnableNetworkConfiguration=false\n",
		filepath.Join(state, ssid+".psk"): "[Security]\nPassphrase=" + passphrase + "\n",
	} {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return a.Start("iwd-"+a.Iface, "env", "DBUS_SYSTEM_BUS_ADDRESS="+bus, "CONFIGURATION_DIRECTORY="+conf,
		"STATE_DIRECTORY="+state, iwdBin, "-d", "-i", a.Iface)
}

// TestInteropIwdStation: iwd (not wpa_supplicant) as the station, against
// hostapd with WPA2-PSK and with WPA3-SAE (PMF required). iwd knows the
// network (a .psk file in its state directory) and joins it by itself:
// `iw dev link` shows the AP's BSSID, hostapd reports the station
// connected and its 4-way handshake completed, and the station pings the
// AP.
func TestInteropIwdStation(t *testing.T) {
	const ssid, pass = "iwdnet", "iwd-secret-7"
	rows := []struct{ name, keyMgmt, extra, security string }{
		{"WPA2", "WPA-PSK", "", "WPA2-Personal"},
		{"WPA3-SAE", "SAE", "ieee80211w=2\nsae_password=" + pass, "WPA3-Personal"},
	}
	forEachProvider(t, func(t *testing.T, p Provider) {
		for _, row := range rows {
			t.Run(row.name, func(t *testing.T) {
				tb := NewTestbed(t, p, 2)
				requireIwd(t)
				ap := tb.Place(0, "10.0.17.1/24")
				sta := tb.Place(1, "10.0.17.2/24")
				hostapd := ap.StartAP(APConfig{SSID: ssid, Passphrase: pass, Channel: 1, KeyMgmt: row.keyMgmt, Extra: row.extra})
				bus := tb.startSystemBus(t)
				iwd := sta.StartIwd(t, bus, ssid, pass)
				waitFor(t, connectTimeout, "iwd on "+sta.Iface+" connected to "+ap.MAC, func() (bool, string) {
					if iwd.Exited() {
						t.Fatalf("iwd exited (%v):\n%s", iwd.err, tail(iwd.Log(), 60))
					}
					got, link := sta.linkBSSID()
					return got == ap.MAC, link + "\niwd log:\n" + tail(iwd.Log(), 15)
				})
				waitFor(t, connectTimeout, "hostapd: "+sta.MAC+" connected and its 4-way handshake completed", func() (bool, string) {
					l := hostapd.Log()
					return strings.Contains(l, "AP-STA-CONNECTED "+sta.MAC) && strings.Contains(l, "EAPOL-4WAY-HS-COMPLETED "+sta.MAC),
						tail(keyEvents(l), 20)
				})
				// iwd's own account, over D-Bus: the network and the
				// security it chose.
				out, err := run("env", "DBUS_SYSTEM_BUS_ADDRESS="+bus, "iwctl", "station", sta.Iface, "show")
				out = ansiRE.ReplaceAllString(out, "")
				t.Logf("iwctl station %s show:\n%s", sta.Iface, out)
				if err != nil || !regexp.MustCompile(`State\s+connected`).MatchString(out) ||
					!regexp.MustCompile(`Security\s+`+row.security).MatchString(out) {
					t.Errorf("iwctl station %s show: want State connected, Security %s (%v)", sta.Iface, row.security, err)
				}
				pingCarried(t, ap, sta)
			})
		}
	})
}
