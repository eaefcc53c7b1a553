#!/bin/busybox sh
# /init of the vmtest-native guest (busybox initramfs built by
# tests/vm/mkinitramfs.sh), for the kernel built with the kernel-patch/ series.
#
# Runs every suite in /t/suites (in name order): an executable whose stdout
# carries "PASS name" / "FAIL name: why" / "SKIP name: why" lines, run from
# /t with the output directory as its argument.  Each suite's stdout, stderr
# and exit status, then the kernel log, go to the host over the serial
# console in the protocol of tests/vm/init.sh (decoded by tests/vm/collect.py):
#   @@UD BEGIN <uname -r> / @@UD T <uptime> <step> /
#   @@UD F <unit> <base64> / @@UD FE <unit> <size> <md5> / @@UD END
# The guest judges nothing; kernel-patch/tests/judge-native.py does.

/bin/busybox --install -s /bin
export PATH=/bin HOME=/tmp

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
mount -t bpf bpf /sys/fs/bpf
echo 1 > /proc/sys/kernel/printk

STEP_WAIT=${kp_step:-240}   # seconds one suite may take
out=/tmp/out
mkdir -p $out

step() {
    read -r up _ < /proc/uptime
    echo "@@UD T $up $*"
}

emit() {   # emit UNIT: send $out/UNIT as a base64'ed tar.gz
    tar -C $out -czf /tmp/emit.tgz "$1"
    size=$(wc -c < /tmp/emit.tgz)
    sum=$(md5sum < /tmp/emit.tgz)
    base64 /tmp/emit.tgz | sed "s|^|@@UD F $1 |" > /tmp/emit
    echo "@@UD FE $1 $size ${sum%% *}" >> /tmp/emit
    cat /tmp/emit
}

echo "@@UD BEGIN $(uname -r)"
for s in /t/suites/*; do
    [ -x "$s" ] || continue
    name=${s##*/}
    name=${name%.sh}
    d=$out/$name
    mkdir -p $d
    step "$name: start"
    (cd /t && timeout -s KILL "$STEP_WAIT" "$s" "$d" > $d/out 2> $d/err)
    echo $? > $d/rc
    step "$name: done ($(cat $d/rc))"
    emit "$name"
done

mkdir -p $out/kernel
dmesg > $out/kernel/dmesg
emit kernel
echo "@@UD END"
sync
reboot -f
