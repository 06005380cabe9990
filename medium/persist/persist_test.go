package persist

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hwsim-medium/hwsim-medium/mac"
	"github.com/hwsim-medium/hwsim-medium/medium"
	"github.com/hwsim-medium/hwsim-medium/medium/model"
)

func vw(k byte) mac.Addr { return mac.Addr{0x00, 0x76, 0x77, 0x30 + k, 0, 0} }

// lab is a medium with radios vw0..vw(n-1) and a link model, as
// hwsim-medium runs them.
type lab struct {
	m   *medium.Medium
	mdl *model.Model
}

func newLab(t *testing.T, n int, hw func(k int) mac.Addr) lab {
	t.Helper()
	cfg := model.DefaultConfig()
	cfg.Now = func() time.Time { return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) }
	mdl, err := model.New(cfg)
	require.NoError(t, err)
	m := medium.New(medium.Config{Model: mdl})
	for k := range n {
		s := string(rune('0' + k))
		m.AddRadio(medium.RadioConfig{Name: "vw_phy" + s, Iface: "vw" + s, HWAddr: hw(k)})
	}
	return lab{m: m, mdl: mdl}
}

func seedHW(k int) mac.Addr { return vw(byte(k)) }

func TestSaveLoadRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "state.json")
	snr := 12.0
	st := &State{Version: Version, Radios: []Radio{{Name: "vw_phy0", Iface: "vw0", HWAddr: vw(0)}},
		Created: []string{"vw_phy0"}, Deny: []DenyRule{{Dst: "vw0", Src: "vw1"}}, Blocks: []Block{{TX: "vw0", RX: "vw1"}},
		Model: []Edit{{Op: OpLinkSNR, TX: "vw0", RX: "vw1", Value: &snr}}}
	require.NoError(t, Save(path, st))
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "root's state only")
	got, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, st, got)
	// Saving again replaces the file whole and leaves no temporary file.
	st.Deny = nil
	require.NoError(t, Save(path, st))
	ents, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	assert.Len(t, ents, 1)
}

func TestLoadRefusesWhatItCannotTrust(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
		return p
	}
	st, err := Load(filepath.Join(dir, "missing.json"))
	assert.NoError(t, err, "no state is not an error")
	assert.Nil(t, st)
	for _, tc := range []struct {
		name, content, want string
		is                  error
	}{
		{"damaged", `{"version":1,"radios":[`, "is damaged", nil},
		{"not ours", `{"radios":[]}`, "has no version", nil},
		{"newer", `{"version":99}`, "newer hwsim-medium", ErrNewerVersion},
	} {
		_, err := Load(write(tc.name, tc.content))
		require.Error(t, err, tc.name)
		assert.Contains(t, err.Error(), tc.want, tc.name)
		if tc.is != nil {
			assert.ErrorIs(t, err, tc.is)
		}
	}
	big := make([]byte, MaxSize+10)
	_, err = Load(write("big", string(big)))
	assert.ErrorContains(t, err, "larger than")
}

func TestAppendEditKeepsTheLastOfEachKeyInOrder(t *testing.T) {
	v := func(f float64) *float64 { return &f }
	var edits []Edit
	for _, e := range []Edit{
		{Op: OpLinkSNR, TX: "a", RX: "b", Value: v(1)},
		{Op: OpLinkClr, TX: "a", RX: "b"},
		{Op: OpMove, Radio: "a", Pos: &[3]float64{1, 2, 3}},
		{Op: OpLinkSNR, TX: "a", RX: "b", Value: v(2)},
		{Op: OpMove, Radio: "a", Pos: &[3]float64{4, 5, 6}},
	} {
		edits = appendEdit(edits, e)
	}
	require.Len(t, edits, 3)
	assert.Equal(t, OpLinkClr, edits[0].Op)
	assert.Equal(t, 2.0, *edits[1].Value, "the clear stays before the last snr")
	assert.Equal(t, [3]float64{4, 5, 6}, *edits[2].Pos)
}

// changeEverything makes one change of every kind through the store's
// wrappers, as the control API does.
func changeEverything(t *testing.T, s *Store, l lab) {
	t.Helper()
	m, mdl := s.Medium(l.m), s.Model(l.mdl)
	require.NoError(t, m.Deny(medium.DenyRule{Dst: "vw2", Src: "vw1"}))
	require.NoError(t, m.Block("vw0", "vw2", true))
	require.NoError(t, mdl.Move("vw1", 30, 4, 0))
	require.NoError(t, mdl.SetTxPower("vw_phy1", 7))
	require.NoError(t, mdl.SetLinkLoss("vw0", "vw1", 0.25))
	require.NoError(t, mdl.SetMobility("vw2", model.Mobility{Velocity: [3]float64{1, 0, 0}}))
}

func TestACrashedMediumsStateComesBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	before := newLab(t, 3, seedHW)
	s := NewStore(path, before.m, nil)
	s.SetModel("lab.yaml", "abc")
	require.NoError(t, s.SetCreated([]string{"vw_phy0", "vw_phy1", "vw_phy2"}))
	changeEverything(t, s, before)

	// The medium is killed; a new one starts with the same radios.
	st, err := Load(path)
	require.NoError(t, err)
	after := newLab(t, 3, seedHW)
	s2 := NewStore(path, after.m, nil)
	s2.SetModel("lab.yaml", "abc")
	rep := s2.Restore(st, after.m, after.mdl)
	assert.Empty(t, rep.Skipped)
	assert.Equal(t, 6, rep.Applied)
	assert.Equal(t, []string{"vw_phy0", "vw_phy1", "vw_phy2"}, rep.Created)
	assert.Equal(t, before.m.Denylist(), after.m.Denylist())
	assert.Equal(t, before.m.Blocks(), after.m.Blocks())
	assert.Equal(t, before.mdl.Snapshot(), after.mdl.Snapshot())

	// What was restored is this store's state now: saving keeps it.
	require.NoError(t, s2.Save())
	again, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, st.Model, again.Model)
	assert.Equal(t, st.Created, again.Created)
}

func TestAStateFileNeverAppliesToRadiosItDoesNotDescribe(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	before := newLab(t, 3, seedHW)
	s := NewStore(path, before.m, nil)
	s.SetModel("lab.yaml", "abc")
	require.NoError(t, s.SetCreated([]string{"vw_phy0", "vw_phy1", "vw_phy2"}))
	changeEverything(t, s, before)
	st, err := Load(path)
	require.NoError(t, err)

	// Another lab: vw_phy1 is a different radio (another address).
	other := newLab(t, 3, func(k int) mac.Addr {
		if k == 1 {
			return mac.Addr{0x42, 0, 0, 0, 1, 0}
		}
		return seedHW(k)
	})
	s2 := NewStore(path, other.m, nil)
	s2.SetModel("lab.yaml", "abc")
	rep := s2.Restore(st, other.m, other.mdl)
	assert.Empty(t, other.m.Denylist(), "vw1 is not the radio the rule was made for")
	assert.Equal(t, []medium.LinkBlock{{TX: "vw0", RX: "vw2"}}, other.m.Blocks())
	assert.Equal(t, []string{"vw_phy0", "vw_phy2"}, rep.Created)
	assert.Len(t, rep.Skipped, 4, "%q", rep.Skipped)

	// The same radios on another model configuration: no model edits.
	same := newLab(t, 3, seedHW)
	s3 := NewStore(path, same.m, nil)
	s3.SetModel("lab.yaml", "changed")
	rep = s3.Restore(st, same.m, same.mdl)
	assert.Equal(t, 2, rep.Applied)
	require.Len(t, rep.Skipped, 1)
	assert.Contains(t, rep.Skipped[0], "4 link-model change(s)")
}

func TestARadioMadeAfterAModuleReloadIsNotTheOneDescribed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	wiphys := map[string]uint32{"vw_phy0": 4, "vw_phy1": 5}
	lookup := func(name string) (uint32, bool) { idx, ok := wiphys[name]; return idx, ok }
	before := newLab(t, 2, seedHW)
	s := NewStore(path, before.m, nil)
	s.SetWiphys(lookup)
	require.NoError(t, s.Medium(before.m).Deny(medium.DenyRule{Dst: "vw1", Src: "vw0"}))
	st, err := Load(path)
	require.NoError(t, err)
	require.NotNil(t, st.Radios[0].Wiphy)

	// Same names and addresses, new wiphys: mac80211_hwsim was reloaded.
	wiphys = map[string]uint32{"vw_phy0": 6, "vw_phy1": 7}
	after := newLab(t, 2, seedHW)
	s2 := NewStore(path, after.m, nil)
	s2.SetWiphys(lookup)
	rep := s2.Restore(st, after.m, nil)
	assert.Zero(t, rep.Applied)
	assert.Empty(t, after.m.Denylist())

	// The same radios (a crash, not a reload): restored.
	wiphys = map[string]uint32{"vw_phy0": 4, "vw_phy1": 5}
	rep = s2.Restore(st, after.m, nil)
	assert.Equal(t, 1, rep.Applied)
}
