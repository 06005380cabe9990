//go:build integration

package integration

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// eapPKI is a CA and a server certificate it signed, made at test time
// (no key is committed), as PEM files in a test's directory.
type eapPKI struct {
	CA, ServerCert, ServerKey string
	// ServerName is the server certificate's DNS name, which the
	// station checks (domain_match).
	ServerName string
}

// newEAPPKI writes a fresh CA and server certificate (ECDSA P-256: an
// RSA key's TLS handshake costs more on the VM's emulated CPU) to dir.
func newEAPPKI(t testing.TB, dir string) eapPKI {
	t.Helper()
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generating the test CA's key: %v", err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "hwsim-medium test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatalf("self-signing the test CA: %v", err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatalf("parsing the test CA: %v", err)
	}
	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generating the server key: %v", err)
	}
	const name = "radius.hwsim.test"
	srvTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: name},
		DNSNames:     []string{name},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, ca, &srvKey.PublicKey, caKey)
	if err != nil {
		t.Fatalf("signing the server certificate: %v", err)
	}
	srvKeyDER, err := x509.MarshalPKCS8PrivateKey(srvKey)
	if err != nil {
		t.Fatalf("encoding the server key: %v", err)
	}
	p := eapPKI{
		CA:         filepath.Join(dir, "eap-ca.pem"),
		ServerCert: filepath.Join(dir, "eap-server.pem"),
		ServerKey:  filepath.Join(dir, "eap-server.key"),
		ServerName: name,
	}
	for path, block := range map[string]*pem.Block{
		p.CA:         {Type: "CERTIFICATE", Bytes: caDER},
		p.ServerCert: {Type: "CERTIFICATE", Bytes: srvDER},
		p.ServerKey:  {Type: "PRIVATE KEY", Bytes: srvKeyDER},
	} {
		if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatalf("writing %s: %v", path, err)
		}
	}
	return p
}

// TestInteropWPA2Enterprise: WPA2-Enterprise with hostapd's internal EAP
// server (eap_server=1, an eap_user file, a server certificate made at
// test time). The station authenticates with PEAP/MSCHAPv2 and with
// TTLS/PAP, checking the server's certificate against the test CA and its
// name; it reaches COMPLETED with key_mgmt=WPA2/IEEE 802.1X/EAP, the AP
// logs the EAP success, and the station pings the AP. A wrong password
// gets an EAP failure and never COMPLETED.
func TestInteropWPA2Enterprise(t *testing.T) {
	const ssid, user, password = "corp", "alice", "correct horse"
	rows := []struct {
		name string
		// eapUser is the method line of hostapd's eap_user file for the
		// user (after the phase 1 wildcard line).
		eapUser string
		// network is the method part of the station's network block.
		network  string
		password string
		// method and phase2 are what the station's wpa_cli status
		// must report: selectedMethod and the inner method.
		method, phase2 string
		fail           bool
	}{
		{"PEAP-MSCHAPv2", "* PEAP\n\"alice\" MSCHAPV2 \"correct horse\" [2]\n",
			"eap=PEAP\n\tphase2=\"auth=MSCHAPV2\"", password, "25 (EAP-PEAP)", "Phase2 method=MSCHAPV2", false},
		{"TTLS-PAP", "* TTLS\n\"alice\" TTLS-PAP \"correct horse\" [2]\n",
			"eap=TTLS\n\tphase2=\"auth=PAP\"", password, "21 (EAP-TTLS)", "Phase2 method=PAP", false},
		{"PEAP-wrong-password", "* PEAP\n\"alice\" MSCHAPV2 \"correct horse\" [2]\n",
			"eap=PEAP\n\tphase2=\"auth=MSCHAPV2\"", "wrong horse", "", "", true},
	}
	forEachProvider(t, func(t *testing.T, p Provider) {
		for _, row := range rows {
			t.Run(row.name, func(t *testing.T) {
				tb := NewTestbed(t, p, 2)
				ap := tb.Place(0, "10.0.15.1/24")
				sta := tb.Place(1, "10.0.15.2/24")
				pki := newEAPPKI(t, tb.dir)
				users := filepath.Join(tb.dir, "eap_user")
				if err := os.WriteFile(users, []byte(row.eapUser), 0o600); err != nil {
					t.Fatal(err)
				}
				// Passphrase is unused with WPA-EAP; StartAP writes it.
				hostapd := ap.StartAP(APConfig{SSID: ssid, Passphrase: "unused-with-eap", Channel: 1, KeyMgmt: "WPA-EAP",
					Extra: fmt.Sprintf("ieee8021x=1\neapol_version=2\neap_server=1\neap_user_file=%s\n"+
						"ca_cert=%s\nserver_cert=%s\nprivate_key=%s", users, pki.CA, pki.ServerCert, pki.ServerKey)})
				s := sta.startSupplicant(fmt.Sprintf(`network={
	ssid="%s"
	key_mgmt=WPA-EAP
	%s
	identity="%s"
	password="%s"
	ca_cert="%s"
	domain_match="%s"
}
`, ssid, row.network, user, row.password, pki.CA, pki.ServerName))
				if row.fail {
					waitFor(t, connectTimeout, "an EAP failure for the wrong password (CTRL-EVENT-EAP-FAILURE)", func() (bool, string) {
						if st := s.State(); st == "COMPLETED" {
							t.Fatalf("%s reached wpa_state=COMPLETED with a wrong password", sta.Iface)
						}
						return strings.Contains(s.Log(), "CTRL-EVENT-EAP-FAILURE"), tail(keyEvents(s.Log()), 20)
					})
					if st := s.State(); st == "COMPLETED" {
						t.Errorf("%s: wpa_state=COMPLETED after the EAP failure", sta.Iface)
					}
					return
				}
				s.WaitCompleted(t)
				st, _ := s.Status()
				for _, want := range []string{"key_mgmt=WPA2/IEEE 802.1X/EAP", "EAP state=SUCCESS", "selectedMethod=" + row.method, row.phase2} {
					if !strings.Contains(st, want) {
						t.Errorf("%s: want %q in wpa_cli status:\n%s", sta.Iface, want, st)
					}
				}
				if !strings.Contains(hostapd.Log(), "CTRL-EVENT-EAP-SUCCESS") {
					t.Errorf("no CTRL-EVENT-EAP-SUCCESS in the hostapd log:\n%s", tail(keyEvents(hostapd.Log()), 30))
				}
				pingCarried(t, ap, sta)
			})
		}
	})
}
