#!/usr/bin/env bash
# demo.sh: the vwifi walkthrough (shared/seed/vwifi-README.md, non-virtio
# sections) on hwsim-medium, command for command. `make demo` runs it in the
# test VM; on a host with mac80211_hwsim run it as root. Every step's output
# is shown; the script stops with a non-zero status at the first step whose
# result is not what the seed README shows.
#
# DEMO_PROVIDER=kernel-direct runs the infrastructure part with the kernel's
# own delivery (modprobe mac80211_hwsim radios=5) for comparison.
set -euo pipefail

PROVIDER="${DEMO_PROVIDER:-medium}"
N=5
WORK="$(mktemp -d /tmp/demo.XXXXXX)"
MEDIUM_PID=

step() { printf '\n\033[1m==== %s\033[0m\n' "$*"; }
fail() {
	trap - ERR
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
	for ns in ns0 ns1 ns2 ns3 ns4; do ip netns del "$ns" 2>/dev/null || true; done
}
trap cleanup EXIT

# show, wait_for, expect, the seed's configuration files
. "$(dirname "${BASH_SOURCE[0]}")/demo-lib.sh"

step "Start the medium: $N radios ($PROVIDER)"
modprobe -r mac80211_hwsim 2>/dev/null || true
case "$PROVIDER" in
medium)
	show modprobe mac80211_hwsim radios=0
	echo "\$ hwsim-medium --radios $N &"
	hwsim-medium --radios $N >"$WORK/hwsim-medium.log" 2>&1 &
	MEDIUM_PID=$!
	for i in $(seq 0 $((N - 1))); do wait_for 30 "vw$i" test -e /sys/class/net/vw$i; done
	cat "$WORK/hwsim-medium.log"
	IF=(vw0 vw1 vw2 vw3 vw4)
	;;
kernel-direct)
	show modprobe mac80211_hwsim radios=$N
	IF=()
	for i in $(seq 0 $((N - 1))); do
		wait_for 10 "hwsim$i" test -d /sys/class/mac80211_hwsim/hwsim$i/net
		IF+=("$(ls /sys/class/mac80211_hwsim/hwsim$i/net | head -n1)")
	done
	;;
*) fail "unknown DEMO_PROVIDER=$PROVIDER" ;;
esac

step "Checking network interfaces"
show ip link
show iw dev
if [ "$PROVIDER" = medium ]; then
	for i in 0 1 2 3 4; do
		iw dev vw$i info | expect "addr 00:76:77:3$i:00:00" "vw$i address"
	done

	step "Dumping wireless information (excerpt of iw list for vw_phy0)"
	iw list | awk '/^Wiphy vw_phy0$/{p=1} /^Wiphy /&&!/vw_phy0$/{p=0} p' | sed -n '1,3p;/Supported Ciphers/,/Available Antennas/p;/Supported interface modes/,/Band 1/p'
	iw list | expect 'Wiphy vw_phy4' "iw list" >/dev/null

	step "Finding each interface's wiphy, as the seed does"
	for i in 0 1 2; do
		eval "vw${i}_phy=\$(iw dev vw$i info | grep wiphy | awk '{print \$2}')"
		eval "vw${i}_phy=\$(iw list | grep \"wiphy index: \$vw${i}_phy\" -B 1 | grep Wiphy | awk '{print \$2}')"
		eval "echo \"\\\$ echo \\\$vw${i}_phy\"; echo \$vw${i}_phy"
	done
fi

step "Creating network namespaces and moving the wiphys into them"
for i in 0 1 2; do
	show ip netns add ns$i
	show iw phy "$(cat /sys/class/net/${IF[$i]}/phy80211/name)" set netns name ns$i
done
show ip netns exec ns0 ip addr add 10.0.0.1/24 dev "${IF[0]}"
show ip netns exec ns1 ip addr add 10.0.0.2/24 dev "${IF[1]}"
show ip netns exec ns2 ip addr add 10.0.0.3/24 dev "${IF[2]}"

step "Running hostapd on ${IF[0]} (the seed's hostapd.conf)"
seed_hostapd_conf "${IF[0]}" >"$WORK/hostapd.conf"
cat "$WORK/hostapd.conf"
show ip netns exec ns0 hostapd -i "${IF[0]}" -B -P "$WORK/hostapd.pid" -f "$WORK/hostapd.log" "$WORK/hostapd.conf"
wait_for 30 "hostapd AP-ENABLED" grep -q AP-ENABLED "$WORK/hostapd.log"

step "Running wpa_supplicant on ${IF[1]} and ${IF[2]}"
seed_wpa_supplicant_conf >"$WORK/wpa_supplicant.conf"
cat "$WORK/wpa_supplicant.conf"
show ip netns exec ns1 wpa_supplicant -i "${IF[1]}" -B -P "$WORK/wpa1.pid" -f "$WORK/wpa1.log" -c "$WORK/wpa_supplicant.conf"
show ip netns exec ns2 wpa_supplicant -i "${IF[2]}" -B -P "$WORK/wpa2.pid" -f "$WORK/wpa2.log" -c "$WORK/wpa_supplicant.conf"
completed() { ip netns exec "$1" wpa_cli -i "$2" status | grep -q '^wpa_state=COMPLETED'; }
wait_for 60 "${IF[1]} to connect" completed ns1 "${IF[1]}"
wait_for 60 "${IF[2]} to connect" completed ns2 "${IF[2]}"

step "Validating the connection"
link=$(show ip netns exec ns1 iw dev "${IF[1]}" link)
for want in 'SSID: test' 'freq: 2437' 'signal: -?[0-9]+ dBm'; do
	expect "$want" "iw dev ${IF[1]} link" <<<"$link" >/dev/null
done
printf '%s\n' "$link"
show ip netns exec ns0 iw dev "${IF[0]}" station dump

step "Transmission test: STA to STA (through the AP) and STA to AP"
wait_for 30 "first ping ns1 -> 10.0.0.3" ip netns exec ns1 ping -c 1 -W 2 10.0.0.3
show ip netns exec ns1 ping -c 4 10.0.0.3 | expect ' 0% packet loss' "ping ns1 -> 10.0.0.3"
wait_for 30 "first ping ns2 -> 10.0.0.1" ip netns exec ns2 ping -c 1 -W 2 10.0.0.1
show ip netns exec ns2 ping -c 4 10.0.0.1 | expect ' 0% packet loss' "ping ns2 -> 10.0.0.1"

if [ "$PROVIDER" != medium ]; then
	step "Demo finished (kernel-direct: the vwifi-tool and IBSS parts need hwsim-medium)"
	exit 0
fi

step "vwifi-tool: status and denylist"
show vwifi-tool | expect '^vwifi status : live$' "vwifi-tool"
show vwifi-tool -d vw2 -s vw1 | expect 'vw2 denys vw1' "vwifi-tool -d vw2 -s vw1"
echo '$ ip netns exec ns1 ping -c 4 10.0.0.3'
out=$(ip netns exec ns1 ping -c 4 -W 1 10.0.0.3 || true)
expect '100% packet loss' "ping with vw2 denying vw1" <<<"$out"
show vwifi-tool -c | expect 'Unset denylist for vwifi' "vwifi-tool -c"
wait_for 30 "ping ns1 -> 10.0.0.3 after clearing" ip netns exec ns1 ping -c 1 -W 2 10.0.0.3
show ip netns exec ns1 ping -c 4 10.0.0.3 | expect ' 0% packet loss' "ping after vwifi-tool -c"
show vwifi-tool radios

step "Independent BSS: vw3 and vw4"
for i in 3 4; do
	show ip netns add ns$i
	show iw phy vw_phy$i set netns name ns$i
done
show ip netns exec ns3 ip addr add 10.0.0.4/24 dev vw3
show ip netns exec ns4 ip addr add 10.0.0.5/24 dev vw4

step "IBSS option 1: manual configuration"
show ip netns exec ns3 iw dev vw3 set type ibss
show ip netns exec ns4 iw dev vw4 set type ibss
show ip netns exec ns3 iw dev vw3 info | expect 'type IBSS' "iw dev vw3 info"
show ip netns exec ns3 ip link set vw3 up
show ip netns exec ns4 ip link set vw4 up
show ip netns exec ns3 iw dev vw3 ibss join ibss1 2412 NOHT fixed-freq 00:76:77:33:00:00 beacon-interval 200
show ip netns exec ns4 iw dev vw4 ibss join ibss1 2412 NOHT fixed-freq 00:76:77:33:00:00 beacon-interval 200
wait_for 30 "vw3 in ibss1" bash -c "ip netns exec ns3 iw dev vw3 info | grep -q 'ssid ibss1'"
show ip netns exec ns3 iw dev vw3 info
wait_for 30 "the medium's IBSS BSSID warning" grep -q 'IBSS BSSID equals' "$WORK/hwsim-medium.log"
echo "The medium warns (its log):"
grep 'IBSS BSSID equals' "$WORK/hwsim-medium.log" | head -n1
echo "The seed's BSSID is vw3's own address, and every mac80211 stack drops frames whose"
echo "transmitter is the IBSS BSSID, so vw4 never hears vw3. Rejoining with a BSSID no"
echo "interface uses, as the medium suggests:"
show ip netns exec ns3 iw dev vw3 ibss leave
show ip netns exec ns4 iw dev vw4 ibss leave
show ip netns exec ns3 iw dev vw3 ibss join ibss1 2412 NOHT fixed-freq 02:11:22:33:44:55 beacon-interval 200
show ip netns exec ns4 iw dev vw4 ibss join ibss1 2412 NOHT fixed-freq 02:11:22:33:44:55 beacon-interval 200
wait_for 30 "first ping ns3 -> 10.0.0.5" ip netns exec ns3 ping -c 1 -W 2 10.0.0.5
show ip netns exec ns3 ping -c 1 10.0.0.5 | expect ' 0% packet loss' "IBSS ping"
show ip netns exec ns3 iw dev vw3 ibss leave
show ip netns exec ns4 iw dev vw4 ibss leave
show ip netns exec ns3 iw dev vw3 info

step "IBSS option 2: WPA-RSN with wpa_supplicant"
cat >"$WORK/wpa_supplicant_ibss.conf" <<EOF
ctrl_interface=/var/run/wpa_supplicant
network={
    ssid="ibss1"
    mode=1
    frequency=2412
    key_mgmt=WPA-PSK
    proto=RSN
    pairwise=CCMP
    group=CCMP
    psk="12345678"
}
EOF
cat "$WORK/wpa_supplicant_ibss.conf"
show ip netns exec ns3 wpa_supplicant -i vw3 -B -P "$WORK/wpa3.pid" -f "$WORK/wpa3.log" -c "$WORK/wpa_supplicant_ibss.conf"
# vw4 joins once vw3's cell is up. Started at the same instant the cells do
# merge, but wpa_supplicant then sends its IBSS Authentication with the old
# BSSID and its late handshake restart closes the port for ~2 s (docs/ibss.md).
wait_for 60 "vw3 in ibss1" bash -c "ip netns exec ns3 iw dev vw3 info | grep -q 'ssid ibss1'"
show ip netns exec ns4 wpa_supplicant -i vw4 -B -P "$WORK/wpa4.pid" -f "$WORK/wpa4.log" -c "$WORK/wpa_supplicant_ibss.conf"
wait_for 60 "vw4 in ibss1" bash -c "ip netns exec ns4 iw dev vw4 info | grep -q 'ssid ibss1'"
show ip netns exec ns3 iw dev vw3 info
wait_for 90 "first ping ns3 -> 10.0.0.5 (cells merge, RSN handshake)" ip netns exec ns3 ping -c 1 -W 2 10.0.0.5
show ip netns exec ns3 ping -c 4 10.0.0.5 | expect ' 0% packet loss' "IBSS-RSN ping"

step "Stopping the medium removes its radios"
show vwifi-tool stats
for p in "$WORK"/*.pid; do kill "$(cat "$p")" 2>/dev/null || true; rm -f "$p"; done
echo "\$ kill -TERM $MEDIUM_PID"
kill -TERM "$MEDIUM_PID"
wait "$MEDIUM_PID" || fail "hwsim-medium exited with status $? after SIGTERM"
MEDIUM_PID=
tail -n 3 "$WORK/hwsim-medium.log"
for ns in ns0 ns1 ns2 ns3 ns4; do
	if ip netns exec $ns iw list | grep -q 'Wiphy vw_phy'; then fail "a vw_phy radio is still in $ns"; fi
done
echo "no vw_phy radios left"
echo '$ vwifi-tool'
out=$(vwifi-tool || true)
expect '^vwifi status : not loaded$' "vwifi-tool after stop" <<<"$out"

step "Demo finished: every step passed"
