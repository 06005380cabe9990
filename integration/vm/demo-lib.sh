# demo-lib.sh: the helpers of the walkthrough scripts (demo.sh,
# demo-vms.sh), sourced from the script's directory. The sourcing script
# defines fail <message>, which prints its logs and exits non-zero.

# show <command...>: print the command as the user would type it, then run it.
show() { printf '$ %s\n' "$*"; "$@"; }

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

expect() { # expect <pattern> <what>: show stdin; it must match the extended regex
	local out
	out=$(cat)
	printf '%s\n' "$out"
	grep -Eq -- "$1" <<<"$out" || fail "$2: expected /$1/ in:
$out"
}

# seed_hostapd_conf <iface>: the seed's hostapd.conf (WPA2-PSK, SSID test,
# passphrase 12345678, channel 6) for iface.
seed_hostapd_conf() {
	cat <<CONF
interface=$1
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
CONF
}

# seed_wpa_supplicant_conf: the seed's wpa_supplicant.conf.
seed_wpa_supplicant_conf() {
	cat <<CONF
ctrl_interface=/var/run/wpa_supplicant
network={
    ssid="test"
    psk="12345678"
}
CONF
}
