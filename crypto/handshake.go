package crypto

import (
	"bytes"
	"crypto/aes"
	"errors"
	"fmt"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

// Event reports what an EAPOL-Key frame did to the decryptor's state. A
// capture writer can turn it into a comment ("4-way 2/4: PTK derived with
// key 0").
type Event struct {
	Message Message  // which handshake message the frame carried
	AA      mac.Addr // authenticator (the AP in a BSS)
	SPA     mac.Addr // supplicant (the station)

	// PTK is set when this message let the decryptor derive the pair's
	// pairwise key and verify it against the message's MIC.
	PTK bool
	// KeyIndex is the index, in the keys given to NewDecryptor, of the key
	// whose PMK produced that PTK; valid when PTK is set.
	KeyIndex int
	// GTK is set when this message delivered a group key (new or already
	// known) that the decryptor now holds under GTKKeyID for frames that
	// AA sends to group addresses.
	GTK      bool
	GTKKeyID uint8

	// Err says why the message was rejected or only partly used, and
	// wraps ErrNoPMK, ErrMIC, ErrReplay, ErrKeyWrap, ErrUnsupported,
	// ErrMalformed or ErrNoKey; nil if it was fully used.
	Err error
}

// pairID names the security association between an authenticator and a
// supplicant.
type pairID struct{ aa, spa mac.Addr }

// maxTKs is how many pairwise keys a pair keeps: the newest and the ones
// it replaced, because frames sent just before a PTK rekey completes (and
// messages 3 and 4 of the rekey itself) still use the old key.
const maxTKs = 3

// pair is the handshake state of one (authenticator, supplicant) pair.
type pair struct {
	id pairID

	anonce     [nonceLen]byte
	haveANonce bool
	m1RC       uint64 // replay counter of the first message 1 with anonce
	authRC     uint64 // replay counter of the last accepted authenticator message
	haveAuthRC bool

	snonce [nonceLen]byte
	m2     *EAPOLKey // message 2 (with its own copy of the bytes), for its MIC
	rsn    rsnInfo
	scheme keyScheme // 0 until a usable message 2 was seen
	err    error     // non-nil: the pair uses something unsupported

	ptk    *ptk // PTK verified for (ptkANonce, ptkSNonce)
	ptkA   [nonceLen]byte
	ptkS   [nonceLen]byte
	keyIdx int

	tks []*temporalKey // pairwise keys, newest first
}

// groupRef names a GTK: the authenticator that sends with it and the key
// ID. In an IBSS every station is the authenticator of its own GTK.
type groupRef struct {
	aa mac.Addr
	id uint8
}

// handleEAPOL processes an EAPOL PDU that ta sent to ra. It returns nil
// for EAPOL packets other than EAPOL-Key (EAP, Start, Logoff).
func (d *Decryptor) handleEAPOL(ta, ra mac.Addr, pdu []byte) *Event {
	k, err := ParseEAPOLKey(pdu)
	if err != nil {
		if errors.Is(err, ErrUnsupported) {
			return nil
		}
		return &Event{Err: err}
	}
	ev := &Event{Message: k.Message(), KeyIndex: -1}
	ev.AA, ev.SPA = ra, ta
	if k.Info.Has(KeyInfoAck) {
		ev.AA, ev.SPA = ta, ra
	}
	if k.DescriptorType != DescriptorRSN {
		ev.Err = fmt.Errorf("EAPOL-Key descriptor type %d (only RSN, 2, is decrypted): %w", k.DescriptorType, ErrUnsupported)
		return ev
	}
	id := pairID{ev.AA, ev.SPA}
	p := d.pairs[id]
	if p == nil {
		p = &pair{id: id}
		d.pairs[id] = p
	}
	switch ev.Message {
	case Message1:
		p.message1(&k, ev)
	case Message2:
		d.message2(p, &k, ev)
	case Message3:
		d.message3(p, &k, ev)
	case GroupMessage1:
		d.groupMessage1(p, &k, ev)
	case Message4, GroupMessage2:
		if p.ptk != nil && !k.verifyMIC(p.scheme, &p.ptk.kck) {
			ev.Err = fmt.Errorf("%v from %v: %w", ev.Message, ev.SPA, ErrMIC)
		}
	}
	return ev
}

// message1 records the ANonce. A new ANonce starts a new handshake (the
// authenticator may restart its replay counter after a reconnection); a
// retransmission with the same ANonce must have a higher counter.
func (p *pair) message1(k *EAPOLKey, ev *Event) {
	if p.haveANonce && k.Nonce == p.anonce {
		if p.haveAuthRC && k.ReplayCounter <= p.authRC {
			ev.Err = fmt.Errorf("4-way 1/4 from %v: replay counter %d, already at %d: %w", p.id.aa, k.ReplayCounter, p.authRC, ErrReplay)
			return
		}
	} else {
		p.anonce, p.haveANonce, p.m1RC = k.Nonce, true, k.ReplayCounter
		p.m2 = nil
	}
	p.authRC, p.haveAuthRC = k.ReplayCounter, true
}

// message2 takes the SNonce and the station's RSN element, and derives the
// PTK if the ANonce is known: the configured key whose PTK verifies the
// MIC of message 2 is the station's.
func (d *Decryptor) message2(p *pair, k *EAPOLKey, ev *Event) {
	if p.haveANonce && (k.ReplayCounter < p.m1RC || k.ReplayCounter > p.authRC) {
		ev.Err = fmt.Errorf("4-way 2/4 from %v: replay counter %d answers no message 1 (%d to %d): %w",
			p.id.spa, k.ReplayCounter, p.m1RC, p.authRC, ErrReplay)
		return
	}
	kd, err := parseKeyData(k.KeyData)
	if err != nil {
		ev.Err = fmt.Errorf("4-way 2/4 from %v: %w", p.id.spa, err)
		return
	}
	if kd.haveRSN {
		p.rsn = kd.rsn
		if kd.rsn.group != cipherCCMP128 {
			d.groupErr[p.id.aa] = fmt.Errorf("group cipher %s of %v (only CCMP-128, 00-0f-ac:4, is decrypted): %w",
				suiteString(kd.rsn.group), p.id.aa, ErrUnsupported)
		} else {
			delete(d.groupErr, p.id.aa)
		}
	}
	s, err := selectScheme(k.Info.Version(), p.rsn.akm, kd.haveRSN)
	if err == nil && kd.haveRSN && kd.rsn.pairwise != cipherCCMP128 {
		err = fmt.Errorf("pairwise cipher %s (only CCMP-128, 00-0f-ac:4, is decrypted): %w", suiteString(kd.rsn.pairwise), ErrUnsupported)
	}
	if err != nil {
		p.err = fmt.Errorf("handshake of %v with %v: %w", p.id.spa, p.id.aa, err)
		p.scheme = 0
		ev.Err = p.err
		return
	}
	p.err, p.scheme = nil, s
	m2 := *k
	m2.raw = bytes.Clone(k.raw)
	m2.KeyData = nil // not needed again, and it aliased the caller's frame
	p.m2, p.snonce = &m2, k.Nonce
	if p.haveANonce {
		d.derive(p, p.m2, ev)
	}
}

// message3 checks the replay counter and MIC, derives the PTK first if
// message 1 was missed, and takes the GTK and Key ID from the key data.
func (d *Decryptor) message3(p *pair, k *EAPOLKey, ev *Event) {
	if p.haveAuthRC && k.ReplayCounter <= p.authRC {
		ev.Err = fmt.Errorf("4-way 3/4 from %v: replay counter %d, already at %d: %w", p.id.aa, k.ReplayCounter, p.authRC, ErrReplay)
		return
	}
	if p.err != nil {
		ev.Err = p.err
		return
	}
	if p.m2 == nil || p.scheme == 0 {
		ev.Err = fmt.Errorf("4-way 3/4 from %v: message 2 not seen, SNonce unknown: %w", p.id.aa, ErrNoKey)
		return
	}
	p.anonce, p.haveANonce = k.Nonce, true
	if p.ptk == nil || p.ptkA != p.anonce || p.ptkS != p.snonce {
		if !d.derive(p, k, ev) {
			return
		}
	} else if !k.verifyMIC(p.scheme, &p.ptk.kck) {
		ev.Err = fmt.Errorf("4-way 3/4 from %v: %w", p.id.aa, ErrMIC)
		return
	}
	p.authRC, p.haveAuthRC = k.ReplayCounter, true
	kd, ok := d.keyData(p, k, ev)
	if !ok {
		return
	}
	if kd.havePTKID && len(p.tks) > 0 && p.tks[0].key == p.ptk.tk {
		p.tks[0].id = kd.ptkID
	}
	d.installGTK(p, &kd, ev)
}

// groupMessage1 takes a new GTK from a group key handshake.
func (d *Decryptor) groupMessage1(p *pair, k *EAPOLKey, ev *Event) {
	if p.ptk == nil {
		ev.Err = fmt.Errorf("group 1/2 from %v to %v: no PTK to check it with: %w", p.id.aa, p.id.spa, ErrNoKey)
		return
	}
	if p.haveAuthRC && k.ReplayCounter <= p.authRC {
		ev.Err = fmt.Errorf("group 1/2 from %v: replay counter %d, already at %d: %w", p.id.aa, k.ReplayCounter, p.authRC, ErrReplay)
		return
	}
	if !k.verifyMIC(p.scheme, &p.ptk.kck) {
		ev.Err = fmt.Errorf("group 1/2 from %v: %w", p.id.aa, ErrMIC)
		return
	}
	p.authRC, p.haveAuthRC = k.ReplayCounter, true
	if kd, ok := d.keyData(p, k, ev); ok {
		d.installGTK(p, &kd, ev)
	}
}

// derive tries every configured PMK: the first whose PTK verifies the
// MIC of k (message 2 or 3) becomes the pair's PTK and its TK is
// installed.
func (d *Decryptor) derive(p *pair, k *EAPOLKey, ev *Event) bool {
	for i := range d.keys {
		t := derivePTK(p.scheme, d.keys[i].pmk[:], p.id.aa, p.id.spa, &p.anonce, &p.snonce)
		if !k.verifyMIC(p.scheme, &t.kck) {
			continue
		}
		p.ptk, p.ptkA, p.ptkS, p.keyIdx = &t, p.anonce, p.snonce, i
		p.installTK(t.tk)
		ev.PTK, ev.KeyIndex = true, i
		return true
	}
	ev.Err = fmt.Errorf("%v between %v and %v: none of the %d configured keys verifies its MIC: %w",
		ev.Message, p.id.aa, p.id.spa, len(d.keys), ErrNoPMK)
	return false
}

// installTK makes tk the pair's newest pairwise key (key ID 0 unless a Key
// ID KDE says otherwise). A key already held keeps its replay state, so a
// retransmitted message cannot rewind it.
func (p *pair) installTK(tk [tkLen]byte) {
	for i, t := range p.tks {
		if t.key == tk {
			copy(p.tks[1:i+1], p.tks[:i])
			p.tks[0] = t
			return
		}
	}
	if len(p.tks) < maxTKs {
		p.tks = append(p.tks, nil)
	}
	copy(p.tks[1:], p.tks)
	p.tks[0] = newTemporalKey(tk, 0)
}

// keyData unwraps (with the KEK) and parses the key data of message 3 or
// group message 1.
func (d *Decryptor) keyData(p *pair, k *EAPOLKey, ev *Event) (keyData, bool) {
	if !k.Info.Has(KeyInfoEncrypted) {
		ev.Err = fmt.Errorf("%v from %v: key data is not encrypted, so it carries no GTK: %w", ev.Message, p.id.aa, ErrMalformed)
		return keyData{}, false
	}
	b, _ := aes.NewCipher(p.ptk.kek[:]) // a 16-byte key cannot fail
	plain, err := aesKeyUnwrap(b, k.KeyData)
	if err == nil {
		var kd keyData
		if kd, err = parseKeyData(plain); err == nil {
			return kd, true
		}
	}
	ev.Err = fmt.Errorf("%v from %v: %w", ev.Message, p.id.aa, err)
	return keyData{}, false
}

// installGTK installs the GTK of kd for frames the pair's authenticator
// sends to group addresses. The same GTK delivered again (to another
// station, or in a retransmission) keeps its replay state.
func (d *Decryptor) installGTK(p *pair, kd *keyData, ev *Event) {
	if !kd.haveGTK {
		return
	}
	if err := d.groupErr[p.id.aa]; err != nil {
		ev.Err = err
		return
	}
	if len(kd.gtk) != tkLen {
		ev.Err = fmt.Errorf("GTK of %d bytes from %v (CCMP-128 has 16): %w", len(kd.gtk), p.id.aa, ErrUnsupported)
		return
	}
	ref := groupRef{p.id.aa, kd.gtkID}
	gtk := [tkLen]byte(kd.gtk)
	if cur := d.groups[ref]; cur == nil || cur.key != gtk {
		d.groups[ref] = newTemporalKey(gtk, kd.gtkID)
	}
	ev.GTK, ev.GTKKeyID = true, kd.gtkID
}
