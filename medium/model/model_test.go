package model

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hwsim-medium/hwsim-medium/mac"
	"github.com/hwsim-medium/hwsim-medium/medium"
)

// clock is a settable fake clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// peers returns n medium peers named like hwsim-medium's radios.
func peers(n int) []*medium.Peer {
	out := make([]*medium.Peer, n)
	for i := range out {
		out[i] = &medium.Peer{
			ID:    medium.RadioID(i),
			HW:    mac.Addr{0x00, 0x76, 0x77, byte(0x30 + i), 0, 0},
			Name:  "vw_phy" + string(rune('0'+i)),
			Iface: "vw" + string(rune('0'+i)),
		}
	}
	return out
}

func mustLoad(t *testing.T, path string, c *clock) *Model {
	t.Helper()
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if c != nil {
		cfg.Now = c.Now
	}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func f64(v float64) *float64 { return &v }

func TestMesh4EndsDoNotHear(t *testing.T) {
	for _, f := range []string{"testdata/mesh4.cfg", "testdata/mesh4.yaml"} {
		t.Run(f, func(t *testing.T) {
			m := mustLoad(t, f, nil)
			p := peers(4)
			want := map[[2]int]struct {
				sig   int32
				heard bool
			}{
				{0, 1}: {-66, true}, {1, 2}: {-66, true}, {2, 3}: {-66, true},
				{0, 2}: {-88, true}, {1, 3}: {-88, true},
				{0, 3}: {-91, false},
			}
			for k, w := range want {
				for _, dir := range [][2]int{{k[0], k[1]}, {k[1], k[0]}} {
					sig, heard := m.Hear(p[dir[0]], p[dir[1]], 2412)
					if sig != w.sig || heard != w.heard {
						t.Errorf("%d -> %d: %d dBm heard %v, want %d %v", dir[0], dir[1], sig, heard, w.sig, w.heard)
					}
				}
			}
			// A neighbour link at 25 dB carries 54 Mbit/s frames; the
			// two-hop link at 3 dB does not, but 1 Mbit/s gets through.
			if per := m.PER(p[0], p[1], 2412, -66, mac.TxRate{Idx: 11}, 1500); per > 0.01 {
				t.Errorf("25 dB 54M PER %g", per)
			}
			if per := m.PER(p[0], p[2], 2412, -88, mac.TxRate{Idx: 11}, 1500); per < 0.99 {
				t.Errorf("3 dB 54M PER %g", per)
			}
			if per := m.PER(p[0], p[2], 2412, -88, mac.TxRate{}, 1500); per > 0.01 {
				t.Errorf("3 dB 1M PER %g", per)
			}
		})
	}
}

func TestWmediumdAddressMatching(t *testing.T) {
	// path_loss.cfg lists 42:00:00:00:0K:00; prob.cfg lists 02:..., which
	// the kernel's hwsim address 42:... must match too.
	m := mustLoad(t, "testdata/prob.cfg", nil)
	p := make([]*medium.Peer, 4)
	for i := range p {
		p[i] = &medium.Peer{ID: medium.RadioID(i), HW: mac.Addr{0x42, 0, 0, 0, byte(i), 0}, Name: "phy" + string(rune('0'+i))}
	}
	tests := []struct {
		i, j int
		want float64
	}{{0, 2, 0}, {2, 0, 0}, {2, 3, 0.25}, {3, 2, 0.5}, {0, 1, 1}, {1, 3, 1}}
	for _, tt := range tests {
		sig, heard := m.Hear(p[tt.i], p[tt.j], 5180)
		if sig != -61 || !heard {
			t.Errorf("%d -> %d: %d %v, want -61 (default SNR 30)", tt.i, tt.j, sig, heard)
		}
		if got := m.PER(p[tt.i], p[tt.j], 5180, sig, mac.TxRate{}, 100); got != tt.want {
			t.Errorf("%d -> %d: PER %g, want %g", tt.i, tt.j, got, tt.want)
		}
	}
	// Learned names work for live changes.
	if err := m.SetLinkLoss("phy0", "phy1", 0.125); err != nil {
		t.Fatal(err)
	}
	if got := m.PER(p[0], p[1], 5180, -61, mac.TxRate{}, 100); got != 0.125 {
		t.Errorf("after SetLinkLoss: %g", got)
	}
	snap := m.Snapshot()
	if len(snap.Radios) != 4 || snap.Radios[0].Addr != "02:00:00:00:00:00" || len(snap.Radios[0].Aliases) != 1 || snap.Radios[0].Aliases[0] != "phy0" {
		t.Errorf("snapshot radios %+v", snap.Radios)
	}
}

func TestFreeSpaceSignal(t *testing.T) {
	c := newClock()
	cfg := DefaultConfig()
	cfg.Now = c.Now
	cfg.Propagation.Model = PropFreeSpace
	a, b, d := NewRadio(), NewRadio(), NewRadio()
	a.Name, a.Placed, a.TxPower, a.AntennaGain = "vw0", true, 20, 2
	b.Name, b.Placed, b.X, b.TxPower, b.AntennaGain = "vw1", true, 10, 10, 1
	d.Name, d.Placed, d.X = "vw2", true, 1000
	cfg.Radios = []Radio{a, b, d}
	cfg.Links = []Link{{From: "vw1", To: "vw2", Blocked: true}}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := peers(4)
	// 20 dBm + 2 + 1 dBi − FSPL(10 m, 2412 MHz) = 23 − 60.0953 = −37.1.
	if sig, heard := m.Hear(p[0], p[1], 2412); sig != -37 || !heard {
		t.Errorf("vw0 -> vw1: %d %v", sig, heard)
	}
	// Asymmetric: vw1 sends at 10 dBm.
	if sig, _ := m.Hear(p[1], p[0], 2412); sig != -47 {
		t.Errorf("vw1 -> vw0: %d", sig)
	}
	// Freq 0 is 2412 MHz.
	if sig, _ := m.Hear(p[0], p[1], 0); sig != -37 {
		t.Errorf("freq 0: %d", sig)
	}
	// 5180 MHz: FSPL(10 m) = 66.7344 → 23 − 66.73 = −43.7.
	if sig, _ := m.Hear(p[0], p[1], 5180); sig != -44 {
		t.Errorf("5180: %d", sig)
	}
	// 1 km: 20 + 2 − 100.0953 = −78.1, heard.
	if sig, heard := m.Hear(p[0], p[2], 2412); sig != -78 || !heard {
		t.Errorf("vw0 -> vw2: %d %v", sig, heard)
	}
	// Unconfigured vw3 is unplaced: default SNR 30 → −61.
	if sig, heard := m.Hear(p[0], p[3], 2412); sig != -61 || !heard {
		t.Errorf("vw0 -> vw3: %d %v", sig, heard)
	}
	// PER follows the SNR: −78 dBm is 13 dB SNR.
	if got, want := m.PER(p[0], p[2], 2412, -78, mac.TxRate{Idx: 11}, 1000), PERForSNR(2412, 11, 1000, 13); got != want {
		t.Errorf("PER %g, want %g", got, want)
	}

	// The configured block of vw1 → vw2, one way, until cleared.
	if _, heard := m.Hear(p[1], p[2], 2412); heard {
		t.Error("blocked link heard")
	}
	if m.PER(p[1], p[2], 2412, -50, mac.TxRate{}, 10) != 1 {
		t.Error("blocked link PER")
	}
	if _, heard := m.Hear(p[2], p[1], 2412); !heard {
		t.Error("a block must be one-way")
	}
	if err := m.ClearLink("vw1", "vw2"); err != nil {
		t.Fatal(err)
	}
	if _, heard := m.Hear(p[1], p[2], 2412); !heard {
		t.Error("cleared block still blocks")
	}

	// Live changes.
	if err := m.Move("vw2", 10000, 0, 0); err != nil {
		t.Fatal(err)
	}
	// 22 − FSPL(10 km) = 22 − 120.0953 → −98: not heard.
	if sig, heard := m.Hear(p[0], p[2], 2412); sig != -98 || heard {
		t.Errorf("after move: %d %v", sig, heard)
	}
	if err := m.SetTxPower("vw0", 30); err != nil {
		t.Fatal(err)
	}
	if sig, heard := m.Hear(p[0], p[2], 2412); sig != -88 || !heard {
		t.Errorf("after tx power: %d %v", sig, heard)
	}
	if err := m.SetLinkSNR("vw0", "vw2", 5); err != nil {
		t.Fatal(err)
	}
	if sig, _ := m.Hear(p[0], p[2], 2412); sig != -86 {
		t.Errorf("after SetLinkSNR: %d", sig)
	}
	if sig, _ := m.Hear(p[2], p[0], 2412); sig == -86 {
		t.Error("SetLinkSNR must be one-way")
	}
	if err := m.ClearLink("vw0", "vw2"); err != nil {
		t.Fatal(err)
	}
	if sig, _ := m.Hear(p[0], p[2], 2412); sig != -88 {
		t.Errorf("after ClearLink: %d", sig)
	}
	// Placing a radio the config did not know.
	if err := m.Move("vw3", 0, 100, 0); err != nil {
		t.Fatal(err)
	}
	// 30 + 2 − FSPL(100 m) = 32 − 80.0953 → −48.
	if sig, _ := m.Hear(p[0], p[3], 2412); sig != -48 {
		t.Errorf("after placing vw3: %d", sig)
	}
	// Errors.
	if err := m.SetTxPower("nope", 1); !errors.Is(err, medium.ErrUnknownRadio) {
		t.Errorf("unknown radio: %v", err)
	}
	if err := m.SetLinkLoss("vw0", "vw1", 1.5); err == nil {
		t.Error("loss 1.5 accepted")
	}
	if err := m.SetLinkSNR("vw0", "vw0", 1); err == nil {
		t.Error("link to itself accepted")
	}
	if err := m.Move("vw0", math.NaN(), 0, 0); err == nil {
		t.Error("NaN position accepted")
	}
	// The radio is found by address too.
	if err := m.SetTxPower("00:76:77:31:00:00", 0); err != nil {
		t.Error(err)
	}
}

func TestPropagationModels(t *testing.T) {
	// Two radios 100 m apart, 20 dBm, no gains; the signal must be
	// 20 − PL rounded, with PL from an independent computation.
	tests := []struct {
		prop Propagation
		pl   float64
	}{
		{Propagation{Model: PropFreeSpace}, 80.09532929124565},
		{Propagation{Model: PropLogDistance, Exponent: 3}, 40.09532929124565 + 60},
		{Propagation{Model: PropLogDistance, Exponent: 2.5, RefLoss: f64(46), ExtraLoss: 3}, 46 + 50 + 3},
		{Propagation{Model: PropITU, PowerLossCoeff: 30, Floors: 1, FloorLoss: 15}, 20*math.Log10(2412) + 60 + 15 - 28},
		{Propagation{Model: PropTwoRayGround, AntennaHeight: 1}, 80.09532929124565},         // 100 m < dc = 101 m
		{Propagation{Model: PropTwoRayGround, AntennaHeight: 0.5}, 80 + 12.041199826559248}, // dc = 25 m: 40·log10(100) − 20·log10(0.25)
		{Propagation{Model: PropLogNormalShadowing, Exponent: 3}, 40.09532929124565 + 60},   // σ = 0
	}
	for _, tt := range tests {
		cfg := DefaultConfig()
		cfg.Propagation = tt.prop
		if cfg.Propagation.AntennaHeight == 0 {
			cfg.Propagation.AntennaHeight = 1
		}
		a, b := NewRadio(), NewRadio()
		a.Name, a.Placed = "vw0", true
		b.Name, b.Placed, b.Y = "vw1", true, 100
		cfg.Radios = []Radio{a, b}
		m, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		p := peers(2)
		want := int32(math.Round(20 - tt.pl))
		if sig, _ := m.Hear(p[0], p[1], 2412); sig != want {
			t.Errorf("%+v: %d dBm, want %d", tt.prop, sig, want)
		}
	}
}

func TestShadowingPerLink(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Propagation = Propagation{Model: PropLogNormalShadowing, Exponent: 3, Sigma: 8, AntennaHeight: 1}
	for i := range 6 {
		r := NewRadio()
		r.Name, r.Placed, r.X = "vw"+string(rune('0'+i)), true, float64(10*i)
		cfg.Radios = append(cfg.Radios, r)
	}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := peers(6)
	distinct := map[int32]bool{}
	for i := 0; i < 6; i++ {
		for j := 0; j < 6; j++ {
			if i == j {
				continue
			}
			s1, _ := m.Hear(p[i], p[j], 2412)
			s2, _ := m.Hear(p[j], p[i], 2412)
			s3, _ := m.Hear(p[i], p[j], 2412)
			if s1 != s2 || s1 != s3 {
				t.Errorf("%d<->%d: shadowing not stable and symmetric: %d %d %d", i, j, s1, s2, s3)
			}
			base := 20 - (FreeSpace(1, 2412) + 30*math.Log10(math.Abs(float64(10*(i-j)))))
			distinct[s1-int32(math.Round(base))] = true
		}
	}
	if len(distinct) < 3 {
		t.Errorf("shadowing offsets %v: not random", distinct)
	}
}

func TestFading(t *testing.T) {
	m := mustLoad(t, "testdata/diamond_fading.cfg", nil)
	p := make([]*medium.Peer, 4)
	for i := range p {
		p[i] = &medium.Peer{ID: medium.RadioID(i), HW: mac.Addr{0x02, 0, 0, 0, byte(i), 0}}
	}
	// Link 0 -> 2 has SNR 20 → −71 dBm on average, σ 1 dB.
	var sum, sq float64
	const n = 20000
	for range n {
		s, _ := m.Hear(p[0], p[2], 2412)
		sum += float64(s)
		sq += float64(s) * float64(s)
	}
	mean := sum / n
	sd := math.Sqrt(sq/n - mean*mean)
	if math.Abs(mean+71) > 0.05 || math.Abs(sd-math.Sqrt(1+1.0/12)) > 0.05 {
		// Rounding to whole dBm adds a uniform ±0.5 dB: var 1/12.
		t.Errorf("fading mean %g sd %g", mean, sd)
	}
	// Same seed, same sequence.
	m2 := mustLoad(t, "testdata/diamond_fading.cfg", nil)
	m3 := mustLoad(t, "testdata/diamond_fading.cfg", nil)
	for range 100 {
		a, _ := m2.Hear(p[0], p[1], 2412)
		b, _ := m3.Hear(p[0], p[1], 2412)
		if a != b {
			t.Fatal("fading not reproducible")
		}
	}
}

func TestDefaultLossAndOverridePrecedence(t *testing.T) {
	cfg := DefaultConfig()
	cfg.DefaultLoss = f64(0.3)
	cfg.Links = []Link{{From: "vw0", To: "vw1", Loss: f64(0.1)}, {From: "vw1", To: "vw0", SNR: f64(2)}}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := peers(3)
	if got := m.PER(p[0], p[1], 2412, -61, mac.TxRate{}, 100); got != 0.1 {
		t.Errorf("link loss %g", got)
	}
	if got := m.PER(p[1], p[0], 2412, -89, mac.TxRate{}, 100); got != 0.3 {
		t.Errorf("default loss %g", got)
	}
	if sig, _ := m.Hear(p[1], p[0], 2412); sig != -89 {
		t.Errorf("snr override %d", sig)
	}
	if got := m.PER(p[2], p[0], 2412, -61, mac.TxRate{}, 100); got != 0.3 {
		t.Errorf("unconfigured radio %g", got)
	}
}

func TestNewErrors(t *testing.T) {
	bad := []func(c *Config){
		func(c *Config) { c.NoiseFloor = math.NaN() },
		func(c *Config) { c.FadingSigma = -1 },
		func(c *Config) { c.DefaultLoss = f64(2) },
		func(c *Config) { c.Propagation.Model = "ether" },
		func(c *Config) { c.Propagation.AntennaHeight = 0 },
		func(c *Config) { c.Propagation.Sigma = -2 },
		func(c *Config) { c.Radios = []Radio{{}} },
		func(c *Config) { c.Radios = []Radio{{Name: "a"}, {Name: "a"}} },
		func(c *Config) { c.Radios = []Radio{{Addr: "02:00:00:00:00:00"}, {Addr: "02:00:00:00:00:00"}} },
		func(c *Config) { c.Radios = []Radio{{Addr: "zz"}} },
		func(c *Config) {
			c.Radios = []Radio{{Name: "a", Mobility: Mobility{Waypoint: &Waypoint{MinSpeed: 2, MaxSpeed: 1}}}}
		},
		func(c *Config) { c.Links = []Link{{From: "a", To: "b"}} },
		func(c *Config) { c.Links = []Link{{From: "a", To: "a", Blocked: true}} },
		func(c *Config) { c.Links = []Link{{From: "a", To: "b", Loss: f64(-0.1)}} },
		func(c *Config) { c.Links = []Link{{From: "", To: "b", Blocked: true}} },
	}
	for i, f := range bad {
		cfg := DefaultConfig()
		f(&cfg)
		if _, err := New(cfg); err == nil {
			t.Errorf("case %d: no error", i)
		}
	}
}

func TestRenamedPeer(t *testing.T) {
	// A radio first seen by address only, later named by the medium.
	cfg := DefaultConfig()
	cfg.Links = []Link{{From: "vw0", To: "vw1", SNR: f64(10)}}
	m, _ := New(cfg)
	p := peers(2)
	anon := *p[0]
	anon.Name, anon.Iface = anon.HW.String(), ""
	if sig, _ := m.Hear(&anon, p[1], 2412); sig != -61 {
		t.Errorf("anonymous: %d", sig)
	}
	// Now the medium knows its name: the link override applies.
	if sig, _ := m.Hear(p[0], p[1], 2412); sig != -81 {
		t.Errorf("named: %d", sig)
	}
}

func TestSnapshot(t *testing.T) {
	c := newClock()
	m := mustLoad(t, "testdata/full.yaml", c)
	c.Advance(10 * time.Second)
	s := m.Snapshot()
	if len(s.Radios) != 4 || len(s.Links) != 3 {
		t.Fatalf("snapshot %+v", s)
	}
	// vw1 moves at (1, 0.5) m/s from (30, 0).
	if r := s.Radios[1]; r.X != 40 || r.Y != 5 {
		t.Errorf("vw1 at (%g, %g)", r.X, r.Y)
	}
	// vw2 jumps by (0, −9) every 3 s from (60, 10): three jumps.
	if r := s.Radios[2]; r.X != 60 || r.Y != 10-27 {
		t.Errorf("vw2 at (%g, %g)", r.X, r.Y)
	}
	// The snapshot is a valid configuration.
	s.Now = c.Now
	if _, err := New(s); err != nil {
		t.Fatal(err)
	}
	if s.Links[2].From != "vw2" || *s.Links[2].SNR != 12 || *s.Links[2].Loss != 0.05 {
		t.Errorf("link %+v", s.Links[2])
	}
}

func TestLearnBeforeTransmit(t *testing.T) {
	m, _ := New(DefaultConfig())
	p := peers(2)
	if err := m.SetLinkSNR("vw0", "vw1", 3); !errors.Is(err, medium.ErrUnknownRadio) {
		t.Fatalf("err %v", err)
	}
	m.Learn(*p[0])
	m.Learn(*p[1])
	if err := m.SetLinkSNR("vw0", "vw1", 3); err != nil {
		t.Fatal(err)
	}
	if sig, _ := m.Hear(p[0], p[1], 2412); sig != -88 {
		t.Errorf("signal %d", sig)
	}
}

// TestConcurrentChanges runs live changes against the per-frame path; run
// with -race.
func TestConcurrentChanges(t *testing.T) {
	c := newClock()
	m := mustLoad(t, "testdata/full.yaml", c)
	p := peers(4)
	stop := make(chan struct{})
	errc := make(chan error, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		// Changes first, then the check for stop: at least one round of
		// changes runs, whatever the scheduler does.
		for i := 0; ; i++ {
			err := errors.Join(
				m.Move("vw1", float64(i%100), 0, 0),
				m.SetTxPower("vw0", float64(i%20)),
				m.SetLinkSNR("vw0", "vw2", float64(i%30)),
				m.SetLinkLoss("vw2", "vw0", 0.5),
				m.ClearLink("vw0", "vw2"),
			)
			if err != nil {
				errc <- fmt.Errorf("round %d: %w", i, err)
				return
			}
			_ = m.Snapshot()
			c.Advance(time.Millisecond)
			select {
			case <-stop:
				return
			default:
			}
		}
	}()
	for i := 0; i < 20000; i++ {
		tx, rx := p[i%4], p[(i+1+i/4)%4]
		if tx == rx {
			continue
		}
		sig, _ := m.Hear(tx, rx, 2412)
		if per := m.PER(tx, rx, 2412, sig, mac.TxRate{Idx: int8(i % 12)}, 500); per < 0 || per > 1 {
			t.Fatalf("PER %g", per)
		}
	}
	close(stop)
	wg.Wait()
	select {
	case err := <-errc:
		t.Fatal(err)
	default:
	}
}

func TestHearPERNoAllocs(t *testing.T) {
	c := newClock()
	m := mustLoad(t, "testdata/full.yaml", c)
	p := peers(4)
	hearAll := func() {
		for _, tx := range p {
			for _, rx := range p {
				if tx != rx {
					sig, _ := m.Hear(tx, rx, 2412)
					_ = m.PER(tx, rx, 2412, sig, mac.TxRate{Idx: 7}, 1500)
				}
			}
		}
		c.Advance(100 * time.Millisecond)
	}
	hearAll() // warm up: learn every radio
	if a := testing.AllocsPerRun(100, hearAll); a != 0 {
		t.Errorf("%v allocations per round", a)
	}
}

func BenchmarkHearPER(b *testing.B) {
	for _, f := range []string{"testdata/mesh4.cfg", "testdata/path_loss.cfg", "testdata/full.yaml"} {
		b.Run(strings.TrimPrefix(f, "testdata/"), func(b *testing.B) {
			cfg, err := LoadConfig(f)
			if err != nil {
				b.Fatal(err)
			}
			c := newClock()
			cfg.Now = c.Now
			m, err := New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			p := peers(4)
			for i := range p {
				p[i].HW = mac.Addr{0x42, 0, 0, 0, byte(i), 0} // path_loss.cfg's radios
				if strings.HasSuffix(f, "mesh4.cfg") {
					p[i].HW = mac.Addr{0x00, 0x76, 0x77, byte(0x30 + i), 0, 0}
				}
			}
			m.Hear(p[0], p[1], 2412)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				tx, rx := p[i&3], p[(i+1)&3]
				sig, _ := m.Hear(tx, rx, 2412)
				_ = m.PER(tx, rx, 2412, sig, mac.TxRate{Idx: int8(i & 7)}, 1500)
				i++
			}
		})
	}
}
