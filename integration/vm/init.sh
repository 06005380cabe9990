#!/bin/busybox sh
# /init of the hwsim-medium test VM (source: integration/vm/init.sh).
# Mounts the usual filesystems, loads the crypto and wireless modules, runs
# /etc/vm/run.sh (written per mode by the host side), prints
# VM-EXIT-STATUS=<n> and powers off. The host side waits for that line.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=vt100 LANG=C
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620 devpts /dev/pts
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mkdir -p /run/netns /run/hostapd /run/wpa_supplicant
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
hostname hwsim-vm
# Keep the console readable: only kernel errors and worse go to it
# (dmesg still has everything).
echo "3 4 1 3" >/proc/sys/kernel/printk
echo /sbin/modprobe >/proc/sys/kernel/modprobe
ip link set lo up
for m in $(cat /etc/vm/modules); do
	modprobe "$m" || echo "init: modprobe $m failed"
done
echo "VM-BOOTED uptime=$(cut -d' ' -f1 /proc/uptime)s kernel=$(uname -r)"
cd /root
/usr/bin/bash /etc/vm/run.sh
rc=$?
echo
echo "VM-EXIT-STATUS=$rc"
sync
poweroff -f
# not reached unless poweroff failed: make the kernel panic so qemu exits
exit 1
