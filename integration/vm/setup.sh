#!/usr/bin/env bash
# setup.sh: install what the VM test rig needs on a Debian 12 host.
#
#  1. host packages (qemu, hostapd, wpa_supplicant, iw, ..., and chromium
#     for the browser test), installed with apt-get only when one of them
#     is missing;
#  2. the Debian bookworm stock kernel (linux-image-6.1.*-amd64, the package
#     linux-image-amd64 depends on), downloaded with `apt-get download` and
#     unpacked with `dpkg-deb -x` into $CACHE/kernel (never into /boot).
#
# A second run with everything present downloads nothing.
#
# Usage: integration/vm/setup.sh [cache-dir]   (default: <repo>/.cache/vm)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cache="${1:-${VM_CACHE:-$repo/.cache/vm}}"
mkdir -p "$cache"
cache="$(cd "$cache" && pwd)"

log() { echo "setup.sh: $*" >&2; }

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# package -> a file it provides; used to decide whether apt-get is needed.
declare -A want=(
	[qemu-system-x86]=/usr/bin/qemu-system-x86_64
	[hostapd]=/usr/sbin/hostapd
	[wpasupplicant]=/usr/sbin/wpa_supplicant
	[iw]=/usr/sbin/iw
	[iproute2]=/usr/sbin/ip
	[busybox-static]=/bin/busybox
	[cpio]=/usr/bin/cpio
	[kmod]=/usr/bin/kmod
	[iputils-ping]=/usr/bin/ping
	[iperf3]=/usr/bin/iperf3
	[tcpdump]=/usr/bin/tcpdump
	[zstd]=/usr/bin/zstd
	[xz-utils]=/usr/bin/xz
	# tshark runs on the host only (too big for the VM image): it checks
	# the captures TestCapture sends over the console.
	[tshark]=/usr/bin/tshark
	# The browser test of the live view (make test-browser) runs on the host.
	[chromium]=/usr/bin/chromium
	# regulatory.db: 5 GHz APs need a country's rules (integration/vm/regdb.go).
	[wireless-regdb]=/lib/firmware/regulatory.db
	# make test-container: podman (with crun and conmon) is copied into the
	# VM, which plays a container host (integration/vm/container.go).
	[podman]=/usr/bin/podman
	# iwd as a station in the interop matrix (docs/interop.md); iwd needs
	# a system bus (dbus-daemon).
	[iwd]=/usr/libexec/iwd
	[dbus]=/usr/bin/dbus-daemon
)

missing=()
for pkg in "${!want[@]}"; do
	f="${want[$pkg]}"
	# busybox-static specifically (a dynamic busybox would not run in the VM).
	if [ "$pkg" = busybox-static ]; then
		dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
		continue
	fi
	[ -e "$f" ] || missing+=("$pkg")
done

if [ "${#missing[@]}" -gt 0 ]; then
	log "installing missing packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	as_root apt-get update
	as_root apt-get install -y --no-install-recommends "${missing[@]}"
	updated=1
else
	log "host packages present"
	updated=0
fi

# Kernel. The marker file records which package was unpacked.
kdir="$cache/kernel"
if [ -f "$kdir/.unpacked" ] && ls "$kdir"/boot/vmlinuz-* >/dev/null 2>&1; then
	log "kernel present: $(cat "$kdir/.unpacked") in $kdir"
	exit 0
fi

resolve_kpkg() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		awk '/Depends: linux-image-[0-9.]+-[0-9]+-amd64$/ {print $2; exit}'
}
kpkg="$(resolve_kpkg || true)"
if [ -z "$kpkg" ] && [ "$updated" = 0 ]; then
	log "linux-image-amd64 unknown to apt; running apt-get update"
	as_root apt-get update
	kpkg="$(resolve_kpkg || true)"
fi
if [ -z "$kpkg" ]; then
	log "could not resolve the kernel package linux-image-amd64 depends on"
	exit 1
fi
case "$kpkg" in
linux-image-6.1.*-amd64) ;;
*) log "warning: expected linux-image-6.1.*-amd64, got $kpkg" ;;
esac

dl="$cache/deb"
mkdir -p "$dl"
if ! ls "$dl/${kpkg}"_*.deb >/dev/null 2>&1; then
	log "downloading $kpkg"
	# apt-get download writes into the current directory; _apt must be able
	# to write there when run as root, so download in a temp dir we chmod.
	tmp="$(mktemp -d "$dl/.dl.XXXXXX")"
	chmod 0777 "$tmp"
	(cd "$tmp" && apt-get download "$kpkg")
	mv "$tmp"/*.deb "$dl/"
	rmdir "$tmp"
fi
deb="$(ls "$dl/${kpkg}"_*.deb | sort | tail -n1)"

log "unpacking $(basename "$deb") into $kdir"
rm -rf "$kdir.tmp"
mkdir -p "$kdir.tmp"
dpkg-deb -x "$deb" "$kdir.tmp"
echo "$kpkg $(basename "$deb")" >"$kdir.tmp/.unpacked"
rm -rf "$kdir"
mv "$kdir.tmp" "$kdir"
log "kernel ready: $(ls "$kdir"/boot/vmlinuz-*)"
