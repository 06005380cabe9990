#!/usr/bin/env bash
# demo.sh: the vwifi walkthrough (docs: /work/shared/seed/vwifi-README.md),
# run inside the test VM by `make demo` (or by hand on a host with
# mac80211_hwsim, as root). 5 radios; AP in ns0 (hostapd, WPA2-PSK, channel
# 6), stations in ns1 and ns2 (wpa_supplicant), then pings. Exits non-zero if
# any step fails.
#
# DEMO_PROVIDER selects where the radios come from:
#   kernel-direct (default)  modprobe mac80211_hwsim radios=5 (wlanK on phyK)
#   medium                   modprobe mac80211_hwsim radios=0 + hwsim-medium --radios 5
#                            (vwK on vw_phyK; binary from $HWSIM_MEDIUM or PATH)
set -euo pipefail

PROVIDER="${DEMO_PROVIDER:-kernel-direct}"
N=5
WORK="$(mktemp -d /tmp/demo.XXXXXX)"
MEDIUM_PID=

step() { printf '\n\033[1m==== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }
fail() {
	echo "DEMO FAILED: $*" >&2
	for f in "$WORK"/*.log; do
		[ -f "$f" ] || continue
		echo "---- $f (last 40 lines) ----" >&2
		tail -n 40 "$f" >&2
	done
	echo "---- dmesg (last 30 lines) ----" >&2
	dmesg | tail -n 30 >&2
	exit 1
}
trap 'fail "command failed at line $LINENO: $BASH_COMMAND"' ERR

cleanup() {
	for p in "$WORK"/*.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null || true; done
	[ -n "$MEDIUM_PID" ] && kill "$MEDIUM_PID" 2>/dev/null || true
	for ns in ns0 ns1 ns2; do ip netns del "$ns" 2>/dev/null || true; done
}
trap cleanup EXIT

# wait_for <seconds> <description> <command...>: poll until command succeeds.
wait_for() {
	local secs=$1 desc=$2
	shift 2
	local end=$((SECONDS + secs))
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -lt "$end" ] || fail "timed out after ${secs}s waiting for $desc"
		sleep 0.5
	done
}

IF=()
step "Create $N radios ($PROVIDER)"
case "$PROVIDER" in
kernel-direct)
	modprobe -r mac80211_hwsim 2>/dev/null || true
	show modprobe mac80211_hwsim radios=$N
	for i in $(seq 0 $((N - 1))); do
		wait_for 10 "hwsim$i" test -d /sys/class/mac80211_hwsim/hwsim$i/net
		IF+=("$(ls /sys/class/mac80211_hwsim/hwsim$i/net | head -n1)")
	done
	;;
medium)
	bin="${HWSIM_MEDIUM:-$(command -v hwsim-medium || true)}"
	[ -x "$bin" ] || fail "hwsim-medium binary not found (set HWSIM_MEDIUM)"
	modprobe -r mac80211_hwsim 2>/dev/null || true
	show modprobe mac80211_hwsim radios=0
	echo "\$ $bin --radios $N &"
	"$bin" --radios $N >"$WORK/hwsim-medium.log" 2>&1 &
	MEDIUM_PID=$!
	for i in $(seq 0 $((N - 1))); do
		wait_for 30 "vw$i" test -e /sys/class/net/vw$i
		IF+=("vw$i")
	done
	;;
*) fail "unknown DEMO_PROVIDER=$PROVIDER" ;;
esac
AP=${IF[0]} STA1=${IF[1]} STA2=${IF[2]}

step "Network interfaces"
show ip link
show iw dev

step "One network namespace per radio: ns0 (AP), ns1, ns2 (stations)"
for i in 0 1 2; do
	ifc=${IF[$i]}
	phy=$(cat /sys/class/net/$ifc/phy80211/name)
	show ip netns add ns$i
	show iw phy "$phy" set netns name ns$i
done
show ip netns exec ns0 ip addr add 10.0.0.1/24 dev "$AP"
show ip netns exec ns1 ip addr add 10.0.0.2/24 dev "$STA1"
show ip netns exec ns2 ip addr add 10.0.0.3/24 dev "$STA2"

step "hostapd on $AP (WPA2-PSK, channel 6, ssid test)"
cat >"$WORK/hostapd.conf" <<EOF
interface=$AP
driver=nl80211
debug=1
ctrl_interface=/var/run/hostapd
ctrl_interface_group=wheel
channel=6
ssid=test
wpa=2
wpa_passphrase=12345678
wpa_key_mgmt=WPA-PSK
wpa_pairwise=CCMP
EOF
cat "$WORK/hostapd.conf"
show ip netns exec ns0 hostapd -B -P "$WORK/hostapd.pid" -f "$WORK/hostapd.log" -i "$AP" "$WORK/hostapd.conf"
wait_for 30 "hostapd AP-ENABLED" grep -q AP-ENABLED "$WORK/hostapd.log"

step "wpa_supplicant on $STA1 and $STA2"
cat >"$WORK/wpa_supplicant.conf" <<EOF
ctrl_interface=/var/run/wpa_supplicant
network={
    ssid="test"
    psk="12345678"
}
EOF
cat "$WORK/wpa_supplicant.conf"
show ip netns exec ns1 wpa_supplicant -B -P "$WORK/wpa1.pid" -f "$WORK/wpa_supplicant-$STA1.log" -i "$STA1" -c "$WORK/wpa_supplicant.conf"
show ip netns exec ns2 wpa_supplicant -B -P "$WORK/wpa2.pid" -f "$WORK/wpa_supplicant-$STA2.log" -i "$STA2" -c "$WORK/wpa_supplicant.conf"
completed() { ip netns exec "$1" wpa_cli -i "$2" status | grep -q '^wpa_state=COMPLETED'; }
wait_for 60 "$STA1 to connect" completed ns1 "$STA1"
wait_for 60 "$STA2 to connect" completed ns2 "$STA2"

step "Validate the connection"
show ip netns exec ns1 iw dev "$STA1" link
show ip netns exec ns2 iw dev "$STA2" link
ip netns exec ns1 iw dev "$STA1" link | grep -q 'SSID: test' || fail "$STA1 not connected to ssid test"
show ip netns exec ns0 iw dev "$AP" station dump

step "Ping between the stations (through the AP) and to the AP"
wait_for 30 "first ping ns1 -> 10.0.0.3" ip netns exec ns1 ping -c 1 -W 2 10.0.0.3
show ip netns exec ns1 ping -c 4 10.0.0.3
wait_for 30 "first ping ns2 -> 10.0.0.1" ip netns exec ns2 ping -c 1 -W 2 10.0.0.1
show ip netns exec ns2 ping -c 4 10.0.0.1

step "Demo finished: all steps passed"
