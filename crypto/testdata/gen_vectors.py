#!/usr/bin/env python3
"""Independent check and generator of the test data of package crypto.

It shares no code with the Go package: key derivation uses hashlib and
hmac, and AES-CCM, AES key wrap and AES-CMAC come from the `cryptography`
package (pip install cryptography). It does two things:

 1. Re-checks every published vector in vectors.json, so a byte
    mistyped from a standard or RFC is caught by a second implementation,
    and the MICs and unicast frames of the real session in
    capture_wpa2.txt.
 2. Writes handshake_*.txt: complete scenarios (4-way and group key
    handshakes, a PTK rekey, CCMP data and management frames, failures)
    built by simulating AP and stations, with the status and handshake
    event the Go Decryptor must report for each frame and the decrypted
    frame it must return.

Run from anywhere: python3 crypto/testdata/gen_vectors.py. The output is
deterministic (nonces and keys come from SHA-256 of fixed labels), so a
second run changes nothing.

Scenario file format, one item per line, '#' starts a comment:

    key SPEC                         a key string for crypto.ParseKey
    frame STATUS EVENT IN OUT        IN is fed to Decryptor.Frame; OUT is
                                     the expected result ('=' for IN)

STATUS is the Status.String() of the result. EVENT is '-' when the frame
carries no EAPOL-Key message, else the message (1/4 .. 4/4, g1/2, g2/2)
followed by '+ptkN' (PTK derived with key N), '+gtkN' (GTK with key ID N
installed) and '!ERR' (the event's error: nopmk, mic, replay, unsupported,
nokey, keywrap, malformed).
"""

import hashlib
import hmac
import json
import os
import sys

from cryptography.hazmat.primitives import cmac as _cmac
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.ciphers.aead import AESCCM
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap, aes_key_wrap

HERE = os.path.dirname(os.path.abspath(__file__))


def fail(msg):
    sys.exit("gen_vectors.py: " + msg)


# --- primitives (IEEE 802.11-2020 clause 12) -------------------------------

def prf_sha1(key, label, data, n):
    """PRF of 12.7.1.2: HMAC-SHA1(K, A || 0 || B || i), i = 0, 1, ..."""
    out, i = b"", 0
    while len(out) < n:
        out += hmac.new(key, label + b"\x00" + data + bytes([i]), hashlib.sha1).digest()
        i += 1
    return out[:n]


def kdf_sha256(key, label, context, bits):
    """KDF of 12.7.1.6.2: HMAC-SHA256(K, i || label || context || bits)."""
    out, i = b"", 1
    while len(out) < bits // 8:
        msg = i.to_bytes(2, "little") + label + context + bits.to_bytes(2, "little")
        out += hmac.new(key, msg, hashlib.sha256).digest()
        i += 1
    return out[: bits // 8]


def aes_cmac(key, msg):
    c = _cmac.CMAC(algorithms.AES(key))
    c.update(msg)
    return c.finalize()


def pmk_from_passphrase(passphrase, ssid):
    return hashlib.pbkdf2_hmac("sha1", passphrase.encode(), ssid.encode(), 4096, 32)


def ptk(scheme, pmk, aa, spa, anonce, snonce):
    data = min(aa, spa) + max(aa, spa) + min(anonce, snonce) + max(anonce, snonce)
    if scheme == "sha1":
        b = prf_sha1(pmk, b"Pairwise key expansion", data, 48)
    else:
        b = kdf_sha256(pmk, b"Pairwise key expansion", data, 384)
    return b[:16], b[16:32], b[32:48]  # KCK, KEK, TK


# --- CCMP (12.5.3) ------------------------------------------------------------

def header_len(frame):
    fc = int.from_bytes(frame[0:2], "little")
    ftype, subtype = (fc >> 2) & 3, (fc >> 4) & 15
    n = 24
    if ftype == 2:
        if fc & 0x0300 == 0x0300:
            n += 6
        if subtype & 8:
            n += 2
            if fc & 0x8000:
                n += 4
    elif ftype == 0 and fc & 0x8000:
        n += 4
    return n


def ccmp_aad_nonce(hdr, pn):
    fc = int.from_bytes(hdr[0:2], "little")
    ftype, subtype = (fc >> 2) & 3, (fc >> 4) & 15
    qos = ftype == 2 and subtype & 8
    a4 = ftype == 2 and fc & 0x0300 == 0x0300
    m = fc & ~(0x0800 | 0x1000 | 0x2000)  # retry, power management, more data
    if ftype == 2:
        m &= ~0x0070  # subtype bits 4-6 of data frames
    if qos:
        m &= ~0x8000  # order bit of QoS data frames
    m |= 0x4000
    aad = m.to_bytes(2, "little") + bytes(hdr[4:22]) + bytes([hdr[22] & 0x0F, 0])
    off = 24
    if a4:
        aad += bytes(hdr[24:30])
        off = 30
    tid = 0
    if qos:
        tid = hdr[off] & 0x0F
        aad += bytes([tid, 0])
    flags = tid | (0x10 if ftype == 0 else 0)
    nonce = bytes([flags]) + bytes(hdr[10:16]) + pn.to_bytes(6, "big")
    return aad, nonce


def ccmp_encrypt(plain, tk, pn, keyid=0):
    n = header_len(plain)
    hdr = bytearray(plain[:n])
    hdr[1] |= 0x40
    aad, nonce = ccmp_aad_nonce(hdr, pn)
    ct = AESCCM(tk, tag_length=8).encrypt(nonce, bytes(plain[n:]), aad)
    p = pn.to_bytes(6, "little")
    return bytes(hdr) + bytes([p[0], p[1], 0, 0x20 | keyid << 6, p[2], p[3], p[4], p[5]]) + ct


def ccmp_decrypt(frame, tk):
    n = header_len(frame)
    h = frame[n:n + 8]
    pn = h[0] | h[1] << 8 | h[4] << 16 | h[5] << 24 | h[6] << 32 | h[7] << 40
    aad, nonce = ccmp_aad_nonce(frame[:n], pn)
    pt = AESCCM(tk, tag_length=8).decrypt(nonce, bytes(frame[n + 8:]), aad)
    hdr = bytearray(frame[:n])
    hdr[1] &= ~0x40 & 0xFF
    return bytes(hdr) + pt, pn


# --- 1. published vectors -------------------------------------------------------

def check(name, got, want):
    if got != want:
        fail("%s: computed %s, vectors file says %s" % (name, got.hex(), want.hex()))


def check_vectors():
    with open(os.path.join(HERE, "vectors.json")) as f:
        v = json.load(f)
    x = bytes.fromhex
    for t in v["pmk"]:
        check(t["name"], pmk_from_passphrase(t["passphrase"], t["ssid"]), x(t["pmk"]))
    for t in v["prf_sha1"]:
        want = x(t["out"])
        check(t["name"], prf_sha1(x(t["key"]), t["label"].encode(), x(t["data"]), len(want)), want)
    for t in v["cmac"]:
        check(t["name"], aes_cmac(x(t["key"]), x(t["msg"])), x(t["mac"]))
    for t in v["keywrap"]:
        check(t["name"] + " wrap", aes_key_wrap(x(t["kek"]), x(t["plain"])), x(t["wrapped"]))
        check(t["name"] + " unwrap", aes_key_unwrap(x(t["kek"]), x(t["wrapped"])), x(t["plain"]))
    for t in v["ccm"]:
        got = AESCCM(x(t["key"]), tag_length=8).encrypt(x(t["nonce"]), x(t["plain"]), x(t["aad"]))
        check(t["name"], got, x(t["sealed"]))
    for t in v["ccmp"]:
        prot = x(t["protected"])
        plain, pn = ccmp_decrypt(prot, x(t["tk"]))
        n = header_len(prot)
        check(t["name"] + " plaintext", plain[n:], x(t["plain"]))
        check(t["name"] + " PN", pn.to_bytes(6, "big"), x(t["pn"]))
        if prot[n + 3] >> 6 != t["keyid"]:
            fail(t["name"] + ": key ID")
        check(t["name"] + " encryption", ccmp_encrypt(plain, x(t["tk"]), pn, t["keyid"]), prot)
    return len(sum((v[k] for k in v if not k.startswith("_")), []))


def check_capture():
    """The real handshake of capture_wpa2.txt verifies with keys derived
    here (its MICs, the GTK unwrap) and its unicast data frames decrypt: a
    check of the file, and of this script's derivation against hostapd
    and wpa_supplicant."""
    frames = []
    with open(os.path.join(HERE, "capture_wpa2.txt")) as f:
        for line in f:
            words = line.split("#")[0].split()
            if words and words[0] == "frame":
                frames.append(bytes.fromhex(words[1]))
    llc = bytes.fromhex("aaaa03000000888e")
    pdus = [f[f.index(llc) + len(llc):] for f in frames[:4]]
    aa, spa = frames[0][10:16], frames[0][4:10]
    pmk = pmk_from_passphrase("12345678", "test")
    kck, kek, tk = ptk("sha1", pmk, aa, spa, pdus[0][17:49], pdus[1][17:49])
    n = 0
    for i, pdu in enumerate(pdus[1:], 2):
        zeroed = pdu[:81] + bytes(16) + pdu[97:]
        check("capture message %d MIC" % i, hmac.new(kck, zeroed, hashlib.sha1).digest()[:16], pdu[81:97])
        n += 1
    aes_key_unwrap(kek, pdus[2][99:])
    for f in frames[4:]:
        if f[4] & 1 == 0:  # unicast: the pairwise key
            ccmp_decrypt(f, tk)  # raises if the MIC does not verify
            n += 1
    return n


# --- 2. scenarios ------------------------------------------------------------------

def rnd(label, n=32):
    return hashlib.sha256(label.encode()).digest()[:n]


def mac(s):
    return bytes.fromhex(s.replace(":", ""))


AP = mac("02:00:00:00:00:00")
STA = mac("02:00:00:00:01:00")
HOST = mac("02:00:00:00:03:00")
HOST2 = mac("02:00:00:00:05:00")
BCAST = mac("ff:ff:ff:ff:ff:ff")
LLC_IP = bytes.fromhex("aaaa030000000800")
LLC_EAPOL = bytes.fromhex("aaaa0300000088 8e".replace(" ", ""))

# RSN elements: version 1, group CCMP-128, one pairwise, one AKM, caps.
def rsne(akm, pairwise=4, group=4, caps=b"\x00\x00"):
    body = (b"\x01\x00" + bytes([0, 0x0F, 0xAC, group]) + b"\x01\x00" + bytes([0, 0x0F, 0xAC, pairwise])
            + b"\x01\x00" + bytes([0, 0x0F, 0xAC, akm]) + caps)
    return bytes([48, len(body)]) + body


def kde(typ, payload):
    return bytes([0xDD, 4 + len(payload), 0x00, 0x0F, 0xAC, typ]) + payload


def gtk_kde(keyid, gtk):
    return kde(1, bytes([keyid & 3, 0]) + gtk)


def pad_key_data(b):
    if len(b) < 16 or len(b) % 8:
        b += b"\xdd"
        while len(b) < 16 or len(b) % 8:
            b += b"\x00"
    return b


class Scheme:
    def __init__(self, name, version, kdf):
        self.name, self.version, self.kdf = name, version, kdf

    def mic(self, kck, pdu):
        if self.kdf == "sha1":
            return hmac.new(kck, pdu, hashlib.sha1).digest()[:16]
        return aes_cmac(kck, pdu)


def eapol_key(scheme, info, rc, nonce=bytes(32), key_data=b"", key_len=16, rsc=0, kck=None):
    info |= scheme.version
    body = (bytes([2]) + info.to_bytes(2, "big") + key_len.to_bytes(2, "big") + rc.to_bytes(8, "big")
            + nonce + bytes(16) + rsc.to_bytes(8, "little") + bytes(8) + bytes(16)
            + len(key_data).to_bytes(2, "big") + key_data)
    pdu = bytearray(bytes([2, 3]) + len(body).to_bytes(2, "big") + body)
    if kck is not None:
        pdu[81:97] = scheme.mic(kck, bytes(pdu))
    return bytes(pdu)


# Key Information bits.
PAIRWISE, INSTALL, ACK, MIC, SECURE, ENCRYPTED = 0x08, 0x40, 0x80, 0x100, 0x200, 0x1000


def data_frame(a1, a2, a3, seq, body, tods=False, fromds=False, tid=None, a4=None, htc=None, flags=0):
    qos = tid is not None
    b0 = 0x08 | (0x80 if qos else 0)
    b1 = (0x01 if tods else 0) | (0x02 if fromds else 0) | flags | (0x80 if htc is not None else 0)
    f = bytes([b0, b1]) + b"\x2c\x00" + a1 + a2 + a3 + (seq << 4).to_bytes(2, "little")
    if a4 is not None:
        f += a4
    if qos:
        f += bytes([tid, 0])
        if htc is not None:
            f += htc
    return f + body


def mgmt_frame(subtype, a1, a2, a3, seq, body):
    return bytes([subtype << 4, 0]) + b"\x3a\x01" + a1 + a2 + a3 + (seq << 4).to_bytes(2, "little") + body


def payload(label, n):
    return LLC_IP + rnd(label, 32) * (n // 32) + rnd(label + "+", n % 32)


class Writer:
    def __init__(self, title):
        self.lines = ["# " + title, "# Generated by gen_vectors.py; do not edit."]

    def comment(self, s):
        self.lines.append("# " + s)

    def key(self, spec):
        self.lines.append("key " + spec)

    def frame(self, status, event, fin, fout=None):
        out = "=" if fout is None else fout.hex()
        self.lines.append("frame %s %s %s %s" % (status, event, fin.hex(), out))

    def decrypted(self, plain, tk, pn, keyid=0, event="-"):
        self.frame("decrypted", event, ccmp_encrypt(plain, tk, pn, keyid), plain)
        return plain

    def save(self, name):
        with open(os.path.join(HERE, name), "w") as f:
            f.write("\n".join(self.lines) + "\n")


class Pair:
    """One AP-station pair: builds the handshake messages of both sides."""

    def __init__(self, scheme, pmk, ap, sta, akm, label):
        self.s, self.pmk, self.ap, self.sta, self.akm, self.label = scheme, pmk, ap, sta, akm, label
        self.rc, self.seq = 0, 0

    def next_seq(self):
        self.seq += 1
        return self.seq

    def m1(self, n, key_data=b""):
        self.rc += 1
        self.anonce = rnd("%s anonce %d" % (self.label, n))
        pdu = eapol_key(self.s, PAIRWISE | ACK, self.rc, self.anonce, key_data)
        return data_frame(self.sta, self.ap, self.ap, self.next_seq(), LLC_EAPOL + pdu, fromds=True, tid=7)

    def m2(self, n, pairwise=4, group=4):
        self.snonce = rnd("%s snonce %d" % (self.label, n))
        self.kck, self.kek, self.tk = ptk(self.s.kdf, self.pmk, self.ap, self.sta, self.anonce, self.snonce)
        pdu = eapol_key(self.s, PAIRWISE | MIC, self.rc, self.snonce, rsne(self.akm, pairwise, group), 0, kck=self.kck)
        return data_frame(self.ap, self.sta, self.ap, self.next_seq(), LLC_EAPOL + pdu, tods=True, tid=7)

    def m3(self, gtk_id, gtk):
        self.rc += 1
        kd = rsne(self.akm) + gtk_kde(gtk_id, gtk) + kde(9, b"\x04\x00" + bytes(6) + rnd("igtk", 16))
        wrapped = aes_key_wrap(self.kek, pad_key_data(kd))
        pdu = eapol_key(self.s, PAIRWISE | INSTALL | ACK | MIC | SECURE | ENCRYPTED, self.rc, self.anonce,
                        wrapped, rsc=0, kck=self.kck)
        return data_frame(self.sta, self.ap, self.ap, self.next_seq(), LLC_EAPOL + pdu, fromds=True, tid=7)

    def m4(self):
        pdu = eapol_key(self.s, PAIRWISE | MIC | SECURE, self.rc, key_len=0, kck=self.kck)
        return data_frame(self.ap, self.sta, self.ap, self.next_seq(), LLC_EAPOL + pdu, tods=True, tid=7)

    def g1(self, gtk_id, gtk):
        self.rc += 1
        wrapped = aes_key_wrap(self.kek, pad_key_data(gtk_kde(gtk_id, gtk)))
        pdu = eapol_key(self.s, ACK | MIC | SECURE | ENCRYPTED, self.rc, key_data=wrapped, rsc=7, kck=self.kck)
        return data_frame(self.sta, self.ap, self.ap, self.next_seq(), LLC_EAPOL + pdu, fromds=True, tid=7)

    def g2(self):
        pdu = eapol_key(self.s, MIC | SECURE, self.rc, key_len=0, kck=self.kck)
        return data_frame(self.ap, self.sta, self.ap, self.next_seq(), LLC_EAPOL + pdu, tods=True, tid=7)

    def up(self, n, label, tid=0, **kw):
        return data_frame(self.ap, self.sta, HOST, self.next_seq(), payload(label, n), tods=True, tid=tid, **kw)

    def down(self, n, label, tid=0, **kw):
        return data_frame(self.sta, self.ap, HOST, self.next_seq(), payload(label, n), fromds=True, tid=tid, **kw)


def basic_scenario(w, scheme, akm, pmk, label, gtk_id=1, m1_key_data=b""):
    """4-way handshake and a few frames each way; returns the pair."""
    p = Pair(scheme, pmk, AP, STA, akm, label)
    w.frame("not-protected", "1/4", p.m1(1, m1_key_data))
    w.frame("not-protected", "2/4+ptk%d" % w.key_index, p.m2(1))
    gtk = rnd(label + " gtk %d" % gtk_id, 16)
    w.frame("not-protected", "3/4+gtk%d" % gtk_id, p.m3(gtk_id, gtk))
    w.frame("not-protected", "4/4", p.m4())
    w.decrypted(p.up(100, label + " up 1"), p.tk, 1)
    w.decrypted(p.down(200, label + " down 1"), p.tk, 1)
    w.decrypted(data_frame(BCAST, AP, HOST, p.next_seq(), payload(label + " bcast", 60), fromds=True), gtk, 1, gtk_id)
    w.decrypted(mgmt_frame(13, STA, AP, AP, p.next_seq(), b"\x08\x00" + rnd("sa query", 2)), p.tk, 1)
    return p, gtk


def scenario_psk():
    w = Writer("WPA2-Personal (AKM 2, key descriptor version 2): handshakes, rekeys, CCMP data and management frames, failures.")
    w.key("OtherNet:not the right passphrase")
    w.key("hwsim-net:correct horse battery staple")
    w.key_index = 1
    s = Scheme("psk", 2, "sha1")
    pmk = pmk_from_passphrase("correct horse battery staple", "hwsim-net")
    w.comment("4-way handshake, then unicast both ways, broadcast with GTK 1, a protected action frame (SA Query)")
    p, gtk1 = basic_scenario(w, s, 2, pmk, "psk")
    tk = p.tk

    w.comment("the same frame again is a replay; per-TID replay counters; a corrupt frame does not advance them")
    plain_up2 = p.up(300, "psk up 2")
    up2 = ccmp_encrypt(plain_up2, tk, 2)
    w.frame("decrypted", "-", up2, plain_up2)
    w.frame("replay", "-", up2)
    w.decrypted(p.up(40, "psk up tid6", tid=6), tk, 1)   # TID 6 has its own counter
    w.frame("replay", "-", ccmp_encrypt(p.up(40, "psk up tid0 old", tid=0), tk, 1))
    down2 = p.down(80, "psk down 2")
    bad = bytearray(ccmp_encrypt(down2, tk, 2))
    bad[40] ^= 0x01
    w.frame("mic-failure", "-", bytes(bad))
    w.decrypted(down2, tk, 2)

    w.comment("4-address frame (A4 in the AAD), QoS data with +HTC (Order bit masked), 1500-byte frame")
    w.decrypted(data_frame(AP, STA, HOST, p.next_seq(), payload("psk 4addr", 120), tods=True, fromds=True,
                           tid=5, a4=HOST2), tk, 3)
    w.decrypted(p.down(64, "psk htc", htc=b"\x03\x00\x00\x00"), tk, 3)
    w.decrypted(p.down(1500, "psk big"), tk, 4)

    w.comment("group key handshake inside CCMP-protected frames: GTK 2, then both GTKs work")
    gtk2 = rnd("psk gtk 2", 16)
    w.decrypted(p.g1(2, gtk2), tk, 5, event="g1/2+gtk2")
    w.decrypted(p.g2(), tk, 4, event="g2/2")
    w.decrypted(data_frame(BCAST, AP, HOST, p.next_seq(), payload("psk bcast 2", 50), fromds=True), gtk2, 1, 2)
    w.decrypted(data_frame(BCAST, AP, HOST, p.next_seq(), payload("psk bcast 3", 50), fromds=True), gtk1, 2, 1)
    w.comment("a group message 1 with an old replay counter is rejected (its frame, with a new PN, decrypts)")
    pdu = eapol_key(s, ACK | MIC | SECURE | ENCRYPTED, 2, key_data=aes_key_wrap(p.kek, pad_key_data(gtk_kde(2, gtk2))),
                    kck=p.kck)
    w.decrypted(data_frame(STA, AP, AP, p.next_seq(), LLC_EAPOL + pdu, fromds=True, tid=7), tk, 6,
                event="g1/2!replay")

    w.comment("frames nobody has keys for: unknown station, WEP (no Ext IV), unknown group key ID")
    unk = mac("02:00:00:00:09:00")
    w.frame("no-key", "-", ccmp_encrypt(data_frame(AP, unk, HOST, 1, payload("unk", 40), tods=True, tid=0),
                                        rnd("unknown tk", 16), 1))
    wep = bytearray(data_frame(AP, unk, HOST, 2, b"\x01\x02\x03\x00" + payload("wep", 40), tods=True))
    wep[1] |= 0x40
    w.frame("unsupported", "-", bytes(wep))
    w.frame("no-key", "-", ccmp_encrypt(data_frame(BCAST, AP, HOST, p.next_seq(), payload("k3", 40), fromds=True),
                                        gtk1, 9, 3))

    w.comment("PTK rekey: the new handshake runs inside frames protected with the old PTK; then both keys work")
    w.decrypted(p.m1(2), tk, 7, event="1/4")
    w.decrypted(p.m2(2), tk, 8, event="2/4+ptk1")
    new_tk = p.tk
    w.decrypted(p.m3(2, gtk2), tk, 8, event="3/4+gtk2")
    w.decrypted(p.m4(), tk, 9, event="4/4")
    w.decrypted(p.down(90, "psk after rekey"), new_tk, 1)
    w.decrypted(p.up(90, "psk late old key"), tk, 10)
    w.decrypted(mgmt_frame(12, AP, STA, AP, p.next_seq(), b"\x03\x00"), new_tk, 1)  # deauth

    w.comment("a station whose passphrase is not configured")
    q = Pair(s, pmk_from_passphrase("some other passphrase", "hwsim-net"), AP, mac("02:00:00:00:04:00"), 2, "nopmk")
    w.frame("not-protected", "1/4", q.m1(1))
    w.frame("not-protected", "2/4!nopmk", q.m2(1))
    w.frame("not-protected", "3/4!nopmk", q.m3(1, gtk1))
    w.frame("no-key", "-", ccmp_encrypt(q.up(50, "nopmk up"), q.tk, 1))

    w.comment("a TKIP station of another AP (key descriptor version 1): handshake and data are unsupported")
    ap2 = mac("02:00:00:00:10:00")
    t = Pair(Scheme("tkip", 1, "sha1"), pmk, ap2, mac("02:00:00:00:11:00"), 2, "tkip")
    w.frame("not-protected", "1/4", t.m1(1))
    m2 = bytearray(t.m2(1, pairwise=2, group=2))
    w.frame("not-protected", "2/4!unsupported", bytes(m2))
    tk_frame = bytearray(data_frame(ap2, t.sta, HOST, 5, bytes([0x00, 0x20, 0x01, 0x20, 0, 0, 0, 0]) + payload("tkip", 40),
                                    tods=True, tid=0))
    tk_frame[1] |= 0x40
    w.frame("unsupported", "-", bytes(tk_frame))
    w.save("handshake_psk.txt")


def scenario_psk_sha256():
    w = Writer("WPA2-Personal with SHA-256 (AKM 6, key descriptor version 3: KDF-SHA-256, AES-128-CMAC MIC).")
    w.key("sha256-net:another passphrase here")
    w.key_index = 0
    pmk = pmk_from_passphrase("another passphrase here", "sha256-net")
    basic_scenario(w, Scheme("psk-sha256", 3, "sha256"), 6, pmk, "psk-sha256", gtk_id=2)
    w.save("handshake_psk_sha256.txt")


def scenario_sae():
    w = Writer("WPA3-Personal SAE (AKM 8, key descriptor version 0: KDF-SHA-256, AES-128-CMAC MIC), PMK given.")
    pmk = rnd("sae pmk")
    w.key("pmk=" + rnd("some other pmk").hex())
    w.key("wpa3-net:pmk=" + pmk.hex())
    w.key_index = 1
    w.comment("message 1 carries a PMKID KDE, as with SAE")
    basic_scenario(w, Scheme("sae", 0, "sha256"), 8, pmk, "sae", m1_key_data=kde(4, rnd("sae pmkid", 16)))
    w.save("handshake_sae.txt")


def main():
    n = check_vectors()
    m = check_capture()
    scenario_psk()
    scenario_psk_sha256()
    scenario_sae()
    print("gen_vectors.py: %d published vectors and %d MICs and frames of the real capture verified; scenarios written" % (n, m))


if __name__ == "__main__":
    main()
