#!/bin/busybox sh
# /init of the vmtest-native guest (busybox initramfs built by
# tests/vm/mkinitramfs.sh), for the kernel built with the kernel-patch/ series.
#
# Runs every suite in /t/suites (in name order): an executable whose stdout
# carries "PASS name" / "FAIL name: why" / "SKIP name: why" lines, run from
# /t with the output directory as its argument.  Each suite's stdout, stderr
# and exit status, then the kernel log, go to the host over the serial
# console in the protocol of tests/vm/guest-lib.sh (decoded by
# tests/vm/collect.py).
# The guest judges nothing; kernel-patch/tests/judge-native.py does.

# shellcheck source=tests/vm/guest-lib.sh
. /lib/guest-lib.sh
guest_begin

STEP_WAIT=${kp_step:-240}   # seconds one suite may take
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

guest_end
