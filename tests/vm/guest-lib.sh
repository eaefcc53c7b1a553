# shellcheck shell=dash
# The part of a test guest's /init that every guest of this tree shares
# (tests/vm/init.sh, kernel-patch/tests/init-native.sh): sourced from
# /lib/guest-lib.sh, which mkinitramfs.sh puts in every image.
#
# Console protocol (decoded by collect.py), one record per line:
#   @@UD BEGIN <uname -r>
#   @@UD T <uptime> <step>           progress, for whoever reads the log
#   @@UD F <unit> <chunk>            base64 of the unit's .tar.gz, 76 columns a line
#   @@UD FE <unit> <size> <md5>      end of the unit's archive
#   @@UD END
# A unit is a directory of $out.  Kernel messages are kept off the console
# while the tests run (printk level 1) and sent in the unit "kernel" at the
# end.

# guest_begin: busybox applets, the file systems, the output directory
# ($out), then the BEGIN marker.
guest_begin() {
    /bin/busybox --install -s /bin
    export PATH=/bin HOME=/tmp
    mount -t proc proc /proc
    mount -t sysfs sysfs /sys
    mount -t devtmpfs devtmpfs /dev 2>/dev/null
    mount -t tmpfs tmpfs /tmp
    mount -t bpf bpf /sys/fs/bpf
    echo 1 > /proc/sys/kernel/printk
    out=/tmp/out
    mkdir -p $out
    echo "@@UD BEGIN $(uname -r)"
}

step() {   # step TEXT: a progress record
    read -r up _ < /proc/uptime
    echo "@@UD T $up $*"
}

emit() {   # emit UNIT: send $out/UNIT as a base64'ed tar.gz
    tar -C $out -czf /tmp/emit.tgz "$1"
    size=$(wc -c < /tmp/emit.tgz)
    sum=$(md5sum < /tmp/emit.tgz)
    # one big write is much faster on the emulated UART than a write per line
    base64 /tmp/emit.tgz | sed "s|^|@@UD F $1 |" > /tmp/emit
    echo "@@UD FE $1 $size ${sum%% *}" >> /tmp/emit
    cat /tmp/emit
}

# guest_end: the kernel log as the unit "kernel", the END marker, power off
# (qemu runs with -no-reboot, so it exits).
guest_end() {
    mkdir -p $out/kernel
    dmesg > $out/kernel/dmesg
    emit kernel
    echo "@@UD END"
    sync
    reboot -f
}
