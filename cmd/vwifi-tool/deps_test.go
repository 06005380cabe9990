package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLinksNoNetlink: vwifi-tool is a client of the control socket; it
// must not link netlink, the hwsim driver's client, or the medium and its
// packages (which import both), but for the control API's client side.
func TestLinksNoNetlink(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool to list the dependencies with")
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	const module = "github.com/hwsim-medium/hwsim-medium/"
	for _, pkg := range strings.Fields(string(out)) {
		own, isOwn := strings.CutPrefix(pkg, module)
		medium := own == "medium" || strings.HasPrefix(own, "medium/") && own != "medium/control/api"
		hwsim := own == "hwsim" || strings.HasPrefix(own, "hwsim/")
		if strings.Contains(pkg, "mdlayher") || isOwn && (medium || hwsim) {
			t.Errorf("vwifi-tool links %s", pkg)
		}
	}
}
