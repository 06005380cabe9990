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

// eapPKI is a CA, a server certificate and a client certificate it
// signed, made at test time (no key is committed), as PEM files in a
// test's directory.
type eapPKI struct {
	CA, ServerCert, ServerKey string
	// ServerName is the server certificate's DNS name, which the
	// station checks (domain_match).
	ServerName string
	// ClientCert and ClientKey (PKCS#8) are the station's certificate
	// for EAP-TLS, its common name the EAP identity.
	ClientCert, ClientKey string
}

// newEAPPKI writes a fresh CA, a server certificate and a client
// certificate for identity (ECDSA P-256: an RSA key's TLS handshake costs
// more on the VM's emulated CPU) to dir, the file names starting with
// label.
func newEAPPKI(t testing.TB, dir, label, identity string) eapPKI {
	t.Helper()
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generating the test CA's key: %v", err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "hwsim-medium test CA " + label},
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
	const name = "radius.hwsim.test"
	srvDER, srvKeyDER := issueEAPCert(t, ca, caKey, &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: name},
		DNSNames:     []string{name},
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	cliDER, cliKeyDER := issueEAPCert(t, ca, caKey, &x509.Certificate{
		SerialNumber: big.NewInt(3),
		Subject:      pkix.Name{CommonName: identity},
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	file := func(s string) string { return filepath.Join(dir, label+"-"+s) }
	p := eapPKI{
		CA:         file("ca.pem"),
		ServerCert: file("server.pem"),
		ServerKey:  file("server.key"),
		ServerName: name,
		ClientCert: file("client.pem"),
		ClientKey:  file("client.key"),
	}
	for path, block := range map[string]*pem.Block{
		p.CA:         {Type: "CERTIFICATE", Bytes: caDER},
		p.ServerCert: {Type: "CERTIFICATE", Bytes: srvDER},
		p.ServerKey:  {Type: "PRIVATE KEY", Bytes: srvKeyDER},
		p.ClientCert: {Type: "CERTIFICATE", Bytes: cliDER},
		p.ClientKey:  {Type: "PRIVATE KEY", Bytes: cliKeyDER},
	} {
		if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatalf("writing %s: %v", path, err)
		}
	}
	return p
}

// issueEAPCert makes a fresh ECDSA P-256 key and a certificate from tmpl
// (its subject, serial and extended key usage) for it, signed by ca,
// valid from an hour ago for a day; it returns the certificate's DER and
// the key's PKCS#8 DER.
func issueEAPCert(t testing.TB, ca *x509.Certificate, caKey *ecdsa.PrivateKey, tmpl *x509.Certificate) (cert, key []byte) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generating the key of %q: %v", tmpl.Subject.CommonName, err)
	}
	tmpl.NotBefore = ca.NotBefore
	tmpl.NotAfter = ca.NotAfter
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	cert, err = x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
	if err != nil {
		t.Fatalf("signing the certificate of %q: %v", tmpl.Subject.CommonName, err)
	}
	key, err = x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatalf("encoding the key of %q: %v", tmpl.Subject.CommonName, err)
	}
	return cert, key
}

// TestInteropWPA2Enterprise: WPA2-Enterprise with hostapd's internal EAP
// server (eap_server=1, an eap_user file, a server certificate made at
// test time). The station authenticates with PEAP/MSCHAPv2, with
// TTLS/PAP and with EAP-TLS (a client certificate from the same CA),
// checking the server's certificate against the test CA and its name; it
// reaches COMPLETED with key_mgmt=WPA2/IEEE 802.1X/EAP, the AP logs the
// EAP success, and the station pings the AP. A wrong password, and a
// client certificate from a CA the AP does not trust, get an EAP failure
// at both ends and never COMPLETED.
func TestInteropWPA2Enterprise(t *testing.T) {
	const ssid, user, password = "corp", "alice", "correct horse"
	// pkiLabel names the test's PKI, the one whose CA the AP trusts.
	const pkiLabel = "eap"
	rows := []struct {
		name string
		// eapUser is hostapd's eap_user file.
		eapUser string
		// network is the method part of the station's network block.
		network  string
		password string
		// clientCA, for EAP-TLS, is the label of the PKI whose client
		// certificate the station presents (pkiLabel or another CA);
		// "" for the password methods.
		clientCA string
		// method and phase2 are what the station's wpa_cli status
		// must report: selectedMethod and the inner method ("" for
		// none).
		method, phase2 string
		// fail rows must not connect; refusal is what the AP's log
		// must say about why it refused.
		fail    bool
		refusal string
	}{
		{"PEAP-MSCHAPv2", "* PEAP\n\"alice\" MSCHAPV2 \"correct horse\" [2]\n",
			"eap=PEAP\n\tphase2=\"auth=MSCHAPV2\"", password, "", "25 (EAP-PEAP)", "Phase2 method=MSCHAPV2", false, ""},
		{"TTLS-PAP", "* TTLS\n\"alice\" TTLS-PAP \"correct horse\" [2]\n",
			"eap=TTLS\n\tphase2=\"auth=PAP\"", password, "", "21 (EAP-TTLS)", "Phase2 method=PAP", false, ""},
		{"TLS", "\"alice\" TLS\n", "eap=TLS", "", pkiLabel, "13 (EAP-TLS)", "", false, ""},
		{"PEAP-wrong-password", "* PEAP\n\"alice\" MSCHAPV2 \"correct horse\" [2]\n",
			"eap=PEAP\n\tphase2=\"auth=MSCHAPV2\"", "wrong horse", "", "", "", true, "EAP-MSCHAPV2: Invalid NT-Response"},
		{"TLS-untrusted-client-CA", "\"alice\" TLS\n", "eap=TLS", "", "other", "", "", true, "unable to get local issuer certificate"},
	}
	forEachProvider(t, func(t *testing.T, p Provider) {
		for _, row := range rows {
			t.Run(row.name, func(t *testing.T) {
				tb := NewTestbed(t, p, 2)
				ap := tb.Place(0, "10.0.15.1/24")
				sta := tb.Place(1, "10.0.15.2/24")
				pki := newEAPPKI(t, tb.dir, pkiLabel, user)
				users := filepath.Join(tb.dir, "eap_user")
				if err := os.WriteFile(users, []byte(row.eapUser), 0o600); err != nil {
					t.Fatal(err)
				}
				creds := fmt.Sprintf(`password="%s"`, row.password)
				if row.clientCA != "" {
					client := pki
					if row.clientCA != pkiLabel {
						client = newEAPPKI(t, tb.dir, row.clientCA, user)
					}
					creds = fmt.Sprintf("client_cert=\"%s\"\n\tprivate_key=\"%s\"", client.ClientCert, client.ClientKey)
				}
				// Passphrase is unused with WPA-EAP; StartAP writes it.
				hostapd := ap.StartAP(APConfig{SSID: ssid, Passphrase: "unused-with-eap", Channel: 1, KeyMgmt: "WPA-EAP",
					Extra: fmt.Sprintf("ieee8021x=1\neapol_version=2\neap_server=1\neap_user_file=%s\n"+
						"ca_cert=%s\nserver_cert=%s\nprivate_key=%s", users, pki.CA, pki.ServerCert, pki.ServerKey)})
				// scan_freq: the station scans only the AP's channel 1,
				// which keeps the five rows a provider fast under TCG.
				s := sta.startSupplicant(fmt.Sprintf(`network={
	ssid="%s"
	key_mgmt=WPA-EAP
	%s
	identity="%s"
	%s
	ca_cert="%s"
	domain_match="%s"
	scan_freq=2412
}
`, ssid, row.network, user, creds, pki.CA, pki.ServerName))
				if row.fail {
					start := time.Now()
					waitFor(t, connectTimeout, "an EAP failure (CTRL-EVENT-EAP-FAILURE) at the station", func() (bool, string) {
						if st := s.State(); st == "COMPLETED" {
							t.Fatalf("%s reached wpa_state=COMPLETED with credentials the AP must refuse", sta.Iface)
						}
						return strings.Contains(s.Log(), "CTRL-EVENT-EAP-FAILURE"), tail(keyEvents(s.Log()), 20)
					})
					t.Logf("%s: CTRL-EVENT-EAP-FAILURE after %.1fs", sta.Iface, time.Since(start).Seconds())
					if st := s.State(); st == "COMPLETED" {
						t.Errorf("%s: wpa_state=COMPLETED after the EAP failure", sta.Iface)
					}
					for _, want := range []string{"CTRL-EVENT-EAP-FAILURE", row.refusal} {
						if !strings.Contains(hostapd.Log(), want) {
							t.Errorf("no %q in the hostapd log:\n%s", want, tail(hostapd.Log(), 60))
						}
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
