package model

import (
	"errors"
	"fmt"
	"testing"

	"github.com/hwsim-medium/hwsim-medium/mac"
	"github.com/hwsim-medium/hwsim-medium/medium"
)

func newTestModel(t *testing.T, radios ...Radio) *Model {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Now = newClock().Now
	cfg.Radios = radios
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func radioNames(m *Model) []string {
	var out []string
	for _, r := range m.Snapshot().Radios {
		out = append(out, fmt.Sprintf("%s%s%v", r.Name, r.Addr, r.Aliases))
	}
	return out
}

func TestForgetDropsWhatWasLearnedAndReusesItsIndex(t *testing.T) {
	ap := NewRadio()
	ap.Name = "vw0"
	m := newTestModel(t, ap)
	p := peers(3)
	for _, q := range p {
		m.Learn(*q)
	}
	if n := len(m.Snapshot().Radios); n != 3 {
		t.Fatalf("%d radios after learning 3 (one configured): %v", n, radioNames(m))
	}
	// The configured radio keeps its entry; the learned ones go, unless
	// changed live.
	if err := m.SetTxPower("vw2", 5); err != nil {
		t.Fatal(err)
	}
	for _, q := range p {
		m.Forget(*q)
	}
	got := radioNames(m)
	want := []string{"vw0[]", "00:76:77:32:00:00[]"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after forgetting: %v, want %v", got, want)
	}
	if err := m.SetTxPower("vw_phy1", 3); err == nil {
		t.Fatal("a forgotten name still names a radio to live changes")
	}
	// A new radio takes the free index: the snapshot does not grow.
	before := len(m.state.Load().radios)
	m.Learn(medium.Peer{ID: 7, HW: mac.Addr{0x42, 0, 0, 0, 9, 0}, Name: "phy9", Iface: "wlan9"})
	if after := len(m.state.Load().radios); after != before {
		t.Fatalf("entries grew from %d to %d: the free index was not reused", before, after)
	}
	// It is heard like any radio.
	rx := &medium.Peer{ID: 8, HW: mac.Addr{0x42, 0, 0, 0, 8, 0}, Name: "phy8"}
	if _, ok := m.Hear(&medium.Peer{ID: 7, HW: mac.Addr{0x42, 0, 0, 0, 9, 0}, Name: "phy9", Iface: "wlan9"}, rx, 2412); !ok {
		t.Fatal("the radio in a reused entry is not heard")
	}
}

func TestMoveOfUnknownNamesIsBounded(t *testing.T) {
	m := newTestModel(t)
	for i := range maxLiveRadios {
		if err := m.Move(fmt.Sprintf("ghost%d", i), 1, 1, 0); err != nil {
			t.Fatalf("move %d: %v", i, err)
		}
	}
	err := m.Move("one-too-many", 1, 1, 0)
	if !errors.Is(err, ErrTooManyRadios) {
		t.Fatalf("past the bound: %v, want ErrTooManyRadios", err)
	}
	// Known names still move.
	if err := m.Move("ghost3", 2, 2, 0); err != nil {
		t.Fatal(err)
	}
}
