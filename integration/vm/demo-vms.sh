#!/usr/bin/env bash
# demo-vms.sh: one VM's part of the seed's three-VM walkthrough
# (shared/seed/vwifi-README.md, "Testing environment (virtio)") on
# hwsim-medium: vm1 serves the access point on vw0, vm2 and vm3 connect to
# it with vw1 and vw2, and they ping each other. Their media are members of
# one air served on the host (`hwsim-medium --serve-air ... --air-only`).
# `make demo-vms` boots the three VMs (integration/vm/demovms.go); the
# kernel command line gives each its role and the host's ports:
#   demovm.role=vmN demovm.host=10.0.2.4 demovm.air=PORT demovm.ctl=PORT
# The VM reaches the host's 127.0.0.1:PORT at 10.0.2.4:PORT (QEMU guest
# forwards; QEMU refuses them on the host's own 10.0.2.2). On the coordination port it says "at PHASE" at each phase
# and waits for "go PHASE": the members start one after the other, and no
# VM powers off while another still needs it. Every step's output is
# shown; a step whose result is not the seed's fails the walkthrough, with
# this VM's logs.
# errtrace: a failing command in a function fails through the ERR trap too.
set -Eeuo pipefail

ROLE= AIRPORT= CTLPORT= HOST=10.0.2.4
for w in $(cat /proc/cmdline); do
	case "$w" in
	demovm.role=*) ROLE=${w#*=} ;;
	demovm.host=*) HOST=${w#*=} ;;
	demovm.air=*) AIRPORT=${w#*=} ;;
	demovm.ctl=*) CTLPORT=${w#*=} ;;
	esac
done
ROLE=${1:-$ROLE} AIRPORT=${2:-$AIRPORT} CTLPORT=${3:-$CTLPORT}
case "$ROLE" in
vm1 | vm2 | vm3) ;;
*)
	echo "demo-vms.sh: no role (want demovm.role=vm1|vm2|vm3 on the kernel command line, or demo-vms.sh ROLE AIRPORT CTLPORT)" >&2
	exit 2
	;;
esac
N=${ROLE#vm}         # 1, 2, 3
I=$((N - 1))         # the radio this VM's member should get: vw0, vw1, vw2
IF=vw$I
AP_BSSID=00:76:77:30:00:00
WORK="$(mktemp -d /tmp/demo-vms.XXXXXX)"
MEDIUM_PID=
CONNECTED=

hostname "$ROLE"

step() { printf '\n==== %s: %s\n' "$ROLE" "$*"; }
logs() {
	for f in "$WORK"/*.log; do
		[ -f "$f" ] || continue
		echo "---- $ROLE: $f (last 40 lines) ----"
		tail -n 40 "$f"
	done
	echo "---- $ROLE: dmesg (last 20 lines) ----"
	dmesg | tail -n 20
}
# fail may be called where stdout is redirected (expect ... >/dev/null):
# it writes to the console, fd 9.
exec 9>&1
fail() {
	trap - ERR
	{
		echo "DEMO FAILED in $ROLE: $*"
		logs
	} >&9 2>&1
	# The host gets the first line of the reason.
	[ -n "$CONNECTED" ] && echo "fail $ROLE: ${1%%$'\n'*}" >&3 2>/dev/null
	exit 1
}
trap 'fail "command failed at line $LINENO: $BASH_COMMAND"' ERR

cleanup() {
	for p in "$WORK"/*.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null || true; done
	if [ -n "$MEDIUM_PID" ]; then
		kill -TERM "$MEDIUM_PID" 2>/dev/null || true
		wait "$MEDIUM_PID" 2>/dev/null || true
	fi
}
trap cleanup EXIT

# show, wait_for, expect, the seed's configuration files
. "$(dirname "${BASH_SOURCE[0]}")/demo-lib.sh"

# barrier <phase>: tell the host this VM reached phase, and wait until
# the host lets it go on.
barrier() {
	local line
	echo "at $1" >&3
	while read -r -t 600 -u 3 line; do
		case "$line" in
		"go $1") return 0 ;;
		abort*)
			trap - ERR
			{
				echo "$ROLE: stopping: the walkthrough failed elsewhere (${line#abort })"
				logs
			} >&9 2>&1
			exit 1
			;;
		esac
	done
	fail "lost the host's coordination connection while waiting at $1"
}

step "connect to the host ($HOST:PORT is the host's 127.0.0.1:PORT, through QEMU's guest forwards)"
end=$((SECONDS + 30))
until exec 3<>"/dev/tcp/$HOST/$CTLPORT"; do
	[ "$SECONDS" -lt "$end" ] || fail "cannot reach the host's coordination port $HOST:$CTLPORT"
	sleep 1
done 2>/dev/null
CONNECTED=1
echo "hello $ROLE" >&3
echo "$ROLE: eth0 $(ip -4 -br addr show dev eth0 | awk '{print $3}'), the air at nats://$HOST:$AIRPORT"

barrier member
step "start the medium: one radio, a member of the host's air"
show modprobe mac80211_hwsim radios=0
echo "\$ hwsim-medium --radios 1 --join nats://$HOST:$AIRPORT --member $ROLE &"
hwsim-medium --radios 1 --join "nats://$HOST:$AIRPORT" --member "$ROLE" >"$WORK/hwsim-medium.log" 2>&1 &
MEDIUM_PID=$!
radio() { ls /sys/class/net | grep '^vw'; }
wait_for 60 "the member's radio" radio
kill -0 "$MEDIUM_PID" 2>/dev/null || fail "hwsim-medium exited"
got=$(radio)
[ "$got" = "$IF" ] || fail "the member created $got; $ROLE's member should get $IF (vm1 vw0, vm2 vw1, vm3 vw2: the first name no other member has)"
cat "$WORK/hwsim-medium.log"
show iw dev | expect "Interface $IF" "iw dev"
show iw dev "$IF" info | expect "addr 00:76:77:3$I:00:00" "$IF's address"
iw list | expect "^Wiphy vw_phy$I\$" "iw list" >/dev/null
echo "($IF is on wiphy vw_phy$I)"

step "set the network interface up, as the seed does"
show ip link set "$IF" up
show ip addr add "10.0.0.$N/24" dev "$IF"

barrier radios
if [ "$ROLE" = vm1 ]; then
	step "run hostapd on $IF (the seed's hostapd.conf)"
	seed_hostapd_conf "$IF" >"$WORK/hostapd.conf"
	show cat "$WORK/hostapd.conf"
	show hostapd -i "$IF" -B -P "$WORK/hostapd.pid" -f "$WORK/hostapd.log" "$WORK/hostapd.conf"
	wait_for 60 "hostapd AP-ENABLED" grep -q AP-ENABLED "$WORK/hostapd.log"
	grep AP-ENABLED "$WORK/hostapd.log"
fi

barrier ap
if [ "$ROLE" != vm1 ]; then
	step "run wpa_supplicant on $IF (the seed's wpa_supplicant.conf)"
	seed_wpa_supplicant_conf >"$WORK/wpa_supplicant.conf"
	show cat "$WORK/wpa_supplicant.conf"
	show wpa_supplicant -i "$IF" -B -P "$WORK/wpa_supplicant.pid" -f "$WORK/wpa_supplicant.log" -c "$WORK/wpa_supplicant.conf"
	completed() { wpa_cli -i "$IF" status | grep -q '^wpa_state=COMPLETED'; }
	wait_for 120 "$IF to connect to vm1's access point" completed

	step "validate the connection"
	link=$(show iw dev "$IF" link)
	printf '%s\n' "$link"
	for want in "Connected to $AP_BSSID" 'SSID: test' 'freq: 2437' 'signal: -?[0-9]+ dBm'; do
		expect "$want" "iw dev $IF link" <<<"$link" >/dev/null
	done
fi

barrier connected
step "ping test"
# ping_ok <address>: the first ping may wait for ARP through the AP;
# then four in a row, none lost.
ping_ok() {
	wait_for 60 "a first ping $ROLE -> $1" ping -c 1 -W 2 "$1"
	show ping -c 4 "$1" | expect ' 0% packet loss' "ping $ROLE -> $1"
}
case "$ROLE" in
vm1)
	echo "\$ iw dev $IF station dump"
	dump=$(iw dev "$IF" station dump)
	grep -E '^Station|signal:|rx packets|tx packets' <<<"$dump"
	for sta in 00:76:77:31:00:00 00:76:77:32:00:00; do
		grep -q "^Station $sta" <<<"$dump" || fail "vw0's station dump lacks $sta:
$dump"
	done
	ping_ok 10.0.0.2
	ping_ok 10.0.0.3
	;;
vm2) ping_ok 10.0.0.3 ;;
vm3) ping_ok 10.0.0.2 ;;
esac

barrier pinged
if [ "$ROLE" = vm1 ]; then
	step "one view of the air: every member's radios, from any member"
	air() {
		local out
		out=$(vwifi-tool radios) || return 1
		grep -Eq '^-[[:space:]]+vw0[[:space:]]+vw_phy0[[:space:]]+00:76:77:30:00:00' <<<"$out" &&
			grep -Eq '^vm2[[:space:]]+vw1[[:space:]]+vw_phy1[[:space:]]+00:76:77:31:00:00' <<<"$out" &&
			grep -Eq '^vm3[[:space:]]+vw2[[:space:]]+vw_phy2[[:space:]]+00:76:77:32:00:00' <<<"$out"
	}
	wait_for 30 "vwifi-tool radios to list vw0 (this member, -), vw1 (vm2) and vw2 (vm3)" air
	show vwifi-tool radios
fi

barrier done
step "every VM passed every check; stopping the medium"
cleanup
MEDIUM_PID=
tail -n 2 "$WORK/hwsim-medium.log"
echo "$ROLE: walkthrough finished: every check passed"
