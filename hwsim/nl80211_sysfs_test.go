package hwsim

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSysfsWiphyIndex(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{"vw_phy3": "17\n", "bad": "x\n"} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, name), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name, "index"), []byte(content), 0o644))
	}
	tests := []struct {
		name, dir, wiphy string
		want             uint32
		ok               bool
	}{
		{"found", dir, "vw_phy3", 17, true},
		{"missing", dir, "vw_phy4", 0, false},
		{"not a number", dir, "bad", 0, false},
		{"path in the name", dir, "../vw_phy3", 0, false},
		{"dot dot", dir, "..", 0, false},
		{"no sysfs", "", "vw_phy3", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := sysfsWiphyIndex(tc.dir, tc.wiphy)
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.want, got)
		})
	}
}
