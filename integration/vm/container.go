package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// Container mode (`make test-container`): the VM plays a host with
// mac80211_hwsim and podman; the integration tests run unchanged in a
// privileged container on it. The harness assembles the image's root
// filesystem (rootfs.go), the VM imports it with `podman import` (no
// registry, no network) and runs the test binary in
//
//	podman run --rm --privileged --network host -v /lib/modules:/lib/modules:ro IMAGE integration.test ...
//
// The container shares the VM's kernel: the tests load and unload
// mac80211_hwsim with modprobe from inside, which the host's module tree,
// mounted read-only, makes possible. Only this mode puts podman into the
// VM, so the normal test VM does not grow.

// containerTools are podman and what it runs: the OCI runtime (crun) and
// the container monitor (conmon), Debian packages podman, crun and conmon.
var containerTools = []string{"podman", "crun", "conmon"}

// containerImage is the image the VM builds.
const containerImage = "localhost/hwsim-test:latest"

// containerConfig is podman's configuration for the VM, a host with no
// systemd, no network and a root file system in RAM (initramfs):
//   - vfs storage on a tmpfs: overlayfs cannot use the initramfs as its
//     lower layer, and vfs needs nothing from the kernel;
//   - cgroupfs, not systemd, manages the cgroups; events go to a file;
//   - no_pivot_root: pivot_root(2) fails with EINVAL when the current root
//     is the initramfs, so the runtime moves the root and chroots instead;
//   - policy.json accepts the locally imported image (podman import checks
//     the signature policy even without a registry).
var containerConfig = map[string]string{
	"etc/containers/storage.conf": `[storage]
driver = "vfs"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"
`,
	"etc/containers/containers.conf": `[containers]
log_driver = "k8s-file"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
no_pivot_root = true
runtime = "crun"
`,
	"etc/containers/policy.json":     `{"default": [{"type": "insecureAcceptAnything"}]}` + "\n",
	"etc/containers/registries.conf": "unqualified-search-registries = []\n",
}

// addContainer puts podman, its runtime and configuration and the image's
// root filesystem into the overlay and returns the lines of run.sh that
// import the image and run the test binary with testArgs in the container.
// The script's exit status is the test binary's, from inside the container.
func addContainer(ov *overlay, cache, testBin, binDir string, testArgs []string) (string, error) {
	for _, name := range containerTools {
		p, err := exec.LookPath(name)
		if err != nil {
			return "", fmt.Errorf("%s not found on the host: container mode needs the podman package (run `make vm-deps`)", name)
		}
		ov.hostFile[clean(canonicalTool(p))] = p
		libs, err := ldd(p)
		if err != nil {
			return "", err
		}
		for _, l := range libs {
			ov.hostFile[clean(canonical(l))] = l
		}
	}
	for name, data := range containerConfig {
		ov.files[name] = []byte(data)
	}
	// The seccomp profile: --privileged runs unconfined, but podman reads
	// the default profile when it is there.
	const seccomp = "/usr/share/containers/seccomp.json"
	if real, err := filepath.EvalSymlinks(seccomp); err == nil {
		ov.hostFile[clean(seccomp)] = real
	}
	tarball := filepath.Join(cache, "container-rootfs.tar")
	if err := buildRootfs(tarball, testBin, binDir); err != nil {
		return "", err
	}
	ov.hostFile["root/container/rootfs.tar"] = tarball
	return containerRunScript(testArgs), nil
}

// containerRunScript is the part of run.sh that imports the image and
// runs the test binary with testArgs in the container.
func containerRunScript(testArgs []string) string {
	run := []string{
		"podman run --rm --privileged --network host -v /lib/modules:/lib/modules:ro",
		containerImage, "/usr/local/bin/integration.test", shellQuote(testArgs),
	}
	return fmt.Sprintf(containerScript, containerImage, imagePath, strings.Join(run, " "))
}

// containerScript prepares the VM as a container host, builds the image
// and runs the tests in it; every step that fails ends the script with a
// status that names it. Arguments: the image name, the image's PATH, the
// podman run command line.
const containerScript = `set -u
step() { echo "container: $*"; }
fail() { echo "container: FAIL: $*"; exit 1; }
# podman with cgroupfs on cgroup v2 needs the unified hierarchy mounted.
mkdir -p /sys/fs/cgroup
mount -t cgroup2 cgroup2 /sys/fs/cgroup || fail "mount cgroup2 on /sys/fs/cgroup"
# Image and container layers get a tmpfs of their own (vfs copies layers).
mkdir -p /var/lib/containers /etc/cni/net.d
mount -t tmpfs -o mode=700 tmpfs /var/lib/containers || fail "mount tmpfs on /var/lib/containers"
# --network host bind-mounts the host's resolv.conf.
[ -e /etc/resolv.conf ] || : >/etc/resolv.conf
podman version || fail "podman version"
t0=$(date +%%s)
step "podman import /root/container/rootfs.tar %[1]s"
# --quiet: the progress bar redraws itself on the console for each chunk.
podman import --quiet --change 'ENV=%[2]s' /root/container/rootfs.tar %[1]s || fail "podman import"
podman images
t1=$(date +%%s)
step "image built in $((t1 - t0))s; running the tests in a privileged container"
step "%[3]s"
%[3]s
rc=$?
t2=$(date +%%s)
step "podman run exited with status $rc after $((t2 - t1))s (the test binary's status inside the container)"
# 125-127 are podman's own failures (podman run(1): the container could
# not be made or its command not run); a test failure is 1, a test
# binary's panic or timeout 2.
if [ "$rc" -ge 125 ]; then
	# Diagnostics only: the status stays the failure's. Does a trivial
	# container start (and, without cgroups, does it then)?
	podman ps -a
	step "diagnosis: podman --log-level=debug run ... true"
	podman --log-level=debug run --rm --privileged --network host %[1]s /usr/bin/true 2>&1 | tail -n 40
	step "diagnosis: the same with --cgroups=disabled"
	podman run --rm --privileged --network host --cgroups=disabled %[1]s /usr/bin/true && step "diagnosis: it starts without cgroups"
	podman info 2>&1 | head -n 60
	dmesg | tail -n 30
fi
exit $rc
`

// containerMemMB is container mode's VM memory unless -mem is given: the
// image exists three times in RAM (the tarball in the initramfs, the
// imported layer and the container's vfs copy).
const containerMemMB = 2048

// containerVerdict turns the VM's status into container mode's: a
// failure unless the tests ran in the container, none failed and none
// was skipped (a skip would mean the container lacks something the host
// has, which is what this mode is to show does not happen).
func containerVerdict(lines []string, status int) int {
	s := summarize(lines)
	logf("container %s", s.String())
	switch {
	case status != 0:
	case s.Ran == 0:
		logf("FAIL: no integration test ran in the container")
		status = 1
	case s.Failed > 0:
		status = 1
	case s.Skipped > 0:
		logf("FAIL: %d tests skipped in the container: it lacks something they need (see their SKIP lines)", s.Skipped)
		status = 1
	}
	return status
}

// writeImage is image mode: the container image's root filesystem for a
// host of one's own, and the commands that import and run it.
func writeImage(cache, testBin, binDir string) {
	tarball := filepath.Join(cache, "container-rootfs.tar")
	if err := buildRootfs(tarball, testBin, binDir); err != nil {
		fatalf("image mode: %v", err)
	}
	logf("import and run it (docs/interop.md):\n\tpodman import --change 'ENV=%s' %s %s\n\t"+
		"podman run --rm --privileged --network host -v /lib/modules:/lib/modules:ro %s integration.test -test.v -test.run '^TestWPA2TwoStations$'",
		imagePath, tarball, containerImage, containerImage)
}
