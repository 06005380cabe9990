#!/usr/bin/env bash
# seed.sh: the seed's five radios, busy, for the live view. TestLiveViewVM
# runs it in the test VM (integration/vm run mode); it also works as root
# on a host with mac80211_hwsim.
#
#   seed.sh MODEL TOKEN [ADDR]
#
# hwsim-medium --radios 5 -c MODEL serves its view on ADDR (default
# 10.0.2.15:8080, the VM's address that QEMU forwards to) with TOKEN;
# then the vwifi walkthrough's setup: vw0 a WPA2 access point on channel 6
# (ns0, 10.0.0.1) with stations vw1 and vw2 (ns1, ns2, .2 and .3), vw3 and
# vw4 an IBSS on channel 1 (ns3, ns4, .4 and .5), and pings on every
# pair. It prints WATCH-READY once all of them answer, and keeps the air
# busy until it is killed.
set -euo pipefail

MODEL=$1 TOKEN=$2 ADDR=${3:-10.0.2.15:8080}
W=$(mktemp -d /tmp/seed.XXXXXX)

fail() {
	echo "seed.sh: $*" >&2
	for f in "$W"/*.log; do echo "---- $f" >&2; tail -n 30 "$f" >&2; done
	exit 1
}
# wait_for SECONDS WHAT COMMAND...: poll until COMMAND succeeds.
wait_for() {
	local end=$((SECONDS + $1)) what=$2
	shift 2
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -lt "$end" ] || fail "timed out waiting for $what"
		sleep 0.5
	done
}

modprobe mac80211_hwsim radios=0
hwsim-medium --radios 5 -c "$MODEL" --http "$ADDR" --http-token "$TOKEN" >"$W/medium.log" 2>&1 &
for i in 0 1 2 3 4; do wait_for 30 "vw$i" test -e /sys/class/net/vw$i; done
for i in 0 1 2 3 4; do
	ip netns add ns$i
	iw phy vw_phy$i set netns name ns$i
	ip netns exec ns$i ip link set lo up
	ip netns exec ns$i ip addr add 10.0.0.$((i + 1))/24 dev vw$i
done

cat >"$W/hostapd.conf" <<CONF
interface=vw0
driver=nl80211
ctrl_interface=/var/run/hostapd
channel=6
ssid=test
wpa=2
wpa_passphrase=12345678
wpa_key_mgmt=WPA-PSK
wpa_pairwise=CCMP
CONF
ip netns exec ns0 hostapd -B -f "$W/hostapd.log" "$W/hostapd.conf"
wait_for 30 "AP-ENABLED" grep -q AP-ENABLED "$W/hostapd.log"

cat >"$W/wpa.conf" <<CONF
ctrl_interface=/var/run/wpa_supplicant
network={
    ssid="test"
    psk="12345678"
}
CONF
for i in 1 2; do
	ip netns exec ns$i wpa_supplicant -B -i vw$i -c "$W/wpa.conf" -f "$W/wpa$i.log"
done
for i in 1 2; do
	wait_for 90 "vw$i to connect" bash -c "ip netns exec ns$i wpa_cli -i vw$i status | grep -q wpa_state=COMPLETED"
done

for i in 3 4; do
	ip netns exec ns$i iw dev vw$i set type ibss
	ip netns exec ns$i ip link set vw$i up
	ip netns exec ns$i iw dev vw$i ibss join ibss1 2412 NOHT fixed-freq 02:11:22:33:44:55 beacon-interval 200
done

# ping NS DST INTERVAL: a ping that never ends, once DST answers.
ping_forever() {
	wait_for 60 "$1 -> $2" ip netns exec "$1" ping -c 1 -W 2 "$2"
	ip netns exec "$1" ping -q -i "$3" "$2" >/dev/null 2>&1 &
}
ping_forever ns1 10.0.0.3 0.5 # station to station, through the AP
ping_forever ns2 10.0.0.1 1   # station to AP
ping_forever ns3 10.0.0.5 0.5 # IBSS
echo WATCH-READY
wait
