#!/bin/busybox sh
# shellcheck shell=dash disable=SC3045  # busybox ash: ulimit -n exists
# /init of the vmtest guest (busybox initramfs built by mkinitramfs.sh).
#
# Runs the workloads of /t/workloads in the order of /t/workloads.list
# (arguments from /t/workloads.conf), dumps each with /t/uringdump (JSON,
# JSON --freeze, text, `read --json` of a `uringdump pin`, and a checkpoint
# restored into a holder) and sends the result files to the host over the serial
# console, then reboots (qemu runs with -no-reboot, so it exits).  The guest
# judges nothing: the host decodes the files (collect.py) and compares them
# (judge.py).
#
# Results are grouped in units, one directory each: "probe", one per workload
# (truth.json, ready, wl.{out,err,rc}, {json,freeze,text,pinned,pin}.{out,err,rc}) and
# "kernel" (dmesg), sent in the console protocol of guest-lib.sh.

# shellcheck source=tests/vm/guest-lib.sh
. /lib/guest-lib.sh
guest_begin
export LD_LIBRARY_PATH=/lib/x86_64-linux-gnu
ulimit -n 65536 2>/dev/null

# Kernel command-line words NAME=VALUE reach init as environment variables.
READY_WAIT=${ud_ready:-60}    # seconds a workload may take to become ready
STEP_WAIT=${ud_step:-90}      # seconds one uringdump run may take
BUDGET=${ud_budget:-600}      # uptime by which every test must be done, so that
                              # the results still reach the host before qemu is killed

alive() {   # a zombie is not alive: its stat state is Z
    st=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)
    [ -n "$st" ] && [ "$st" != Z ]
}

left() {   # seconds left of the budget
    read -r up _ < /proc/uptime
    echo $((BUDGET - ${up%.*}))
}

# run DIR/NAME CMD...: stdout, stderr and exit status into DIR/NAME.{out,err,rc};
# the status is "skipped" when the budget is spent.
run() {
    r=$1; shift
    t=$(left)
    [ "$t" -gt "$STEP_WAIT" ] && t=$STEP_WAIT
    if [ "$t" -lt 2 ]; then
        : > "$r.out"; : > "$r.err"; echo skipped > "$r.rc"
        return
    fi
    timeout -s KILL "$t" "$@" > "$r.out" 2> "$r.err"
    echo $? > "$r.rc"
}

if [ -x /t/vm-probe ]; then
    mkdir -p $out/probe
    run $out/probe/probe /t/vm-probe
    emit probe
fi

# checkpoint_restore NAME PID DIR: `uringdump checkpoint --freeze`, then
# `uringdump restore --files-from PID` into a holder, the holder dumped
# (an image of it: holder.out is its dump.json), every saved buffer compared
# with the holder's memory (bufcheck.out, by /t/cr_check), and the holder
# stopped.  The manifests, dump.json files and buffer rings' bytes go to
# DIR/img and DIR/himg for the host's roundtrip.py.
checkpoint_restore() {
    cn=$1; cpid=$2; cd_=$3
    img=/tmp/run/$cn/img
    rm -rf "$img" "/tmp/run/$cn/holder.pid"
    run "$cd_/ckpt" /t/uringdump checkpoint --freeze "$cpid" "$img"
    [ "$(cat "$cd_/ckpt.rc")" = 0 ] || return 0
    mkdir -p "$cd_/img/buffers"
    cp "$img/manifest.json" "$img/dump.json" "$cd_/img/"
    run "$cd_/restore" /t/uringdump restore "$img" --files-from "$cpid" \
        --pidfile "/tmp/run/$cn/holder.pid"
    # files only a ring holds (and that cannot be reopened): through the ring
    if [ "$(cat "$cd_/restore.rc")" = 6 ] && grep -q -- "--kill-source" "$cd_/restore.err"; then
        echo yes > "$cd_/kill-source"
        run "$cd_/restore" /t/uringdump restore "$img" --files-from "$cpid" --kill-source \
            --pidfile "/tmp/run/$cn/holder.pid"
    fi
    [ -s "/tmp/run/$cn/holder.pid" ] || return 0
    h=$(cat "/tmp/run/$cn/holder.pid")
    echo "$h" > "$cd_/holder.pid"
    # an image of the holder: its dump (holder.out) and its buffer rings' bytes
    himg=/tmp/run/$cn/himg
    rm -rf "$himg"
    run "$cd_/holder" sh -c '/t/uringdump checkpoint --freeze "$1" "$2" >&2 && cat "$2/dump.json"' \
        holder "$h" "$himg"
    if [ -s "$himg/manifest.json" ]; then
        mkdir -p "$cd_/himg/buffers"
        cp "$himg/manifest.json" "$himg/dump.json" "$cd_/himg/"
        for f in "$img"/buffers/*-bgid-*.bin; do
            [ -e "$f" ] && cp "$f" "$cd_/img/buffers/" 2>/dev/null
        done
        for f in "$himg"/buffers/*-bgid-*.bin; do
            [ -e "$f" ] && cp "$f" "$cd_/himg/buffers/"
        done
    fi
    : > "$cd_/bufcheck.out"
    # the manifest is pretty-printed, one member a line: addr, len, contents
    awk -F': ' '/"addr":/ {a=$2} /"len":/ {l=$2} /"contents":/ {print a, l, $2}' \
        "$img/manifest.json" | tr -d ',"' | while read -r ba bl bn; do
        [ -n "$bn" ] || continue
        echo "$ba $bl $bn $(/t/cr_check mem "$h" "$ba" "$bl" "$img/buffers/$bn")" \
            >> "$cd_/bufcheck.out"
    done
    kill -TERM "$h" 2>/dev/null
    i=0
    while kill -0 "$h" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    rm -rf "$img" "$himg"
    step "$cn: checkpoint/restore done"
}

# shellcheck disable=SC2013  # one name per line, names have no spaces
for name in $(cat /t/workloads.list 2>/dev/null); do
    w=/t/workloads/$name
    [ -x "$w" ] || continue
    d=$out/$name
    mkdir -p "$d" "/tmp/run/$name"
    if [ "$(left)" -lt 5 ]; then
        echo skipped > "$d/ready"
        emit "$name"
        continue
    fi
    truth=/tmp/run/$name/truth.json
    args=$(sed -n "s/^${name}[[:space:]]\{1,\}//p" /t/workloads.conf 2>/dev/null)
    step "$name: start"
    # shellcheck disable=SC2086  # args is a word list
    "$w" "$truth" $args > "$d/wl.out" 2> "$d/wl.err" &
    pid=$!
    i=0
    wait_ready=$(left)
    [ "$wait_ready" -gt "$READY_WAIT" ] && wait_ready=$READY_WAIT
    while [ ! -e "$truth.ready" ] && [ $i -lt $((wait_ready * 10)) ] && alive $pid; do
        sleep 0.1
        i=$((i + 1))
    done
    if [ -e "$truth.ready" ]; then
        echo yes > "$d/ready"
        step "$name: ready"
        if [ -x /t/uringdump ]; then
            # --requests: the verifier checks the requests walk only when asked
            run "$d/json" /t/uringdump --json --requests 16 $pid
            # a refused program: keep the end of the verifier's log
            if [ "$(cat "$d/json.rc" 2>/dev/null)" != 0 ] && grep -q "verifier log" "$d/json.err"; then
                /t/uringdump -v --json --requests 16 $pid 2>&1 >/dev/null | tail -c 30000 > "$d/verifier.log"
            fi
            step "$name: json done"
            run "$d/freeze" /t/uringdump --json --freeze $pid
            step "$name: freeze done"
            run "$d/text" /t/uringdump $pid
            step "$name: text done"
            # the CO-RE pin program (ksym iterator) on this kernel: pin the
            # process, read the pin, remove it
            run "$d/pinned" /t/uringdump pin $pid /sys/fs/bpf/ud-vmtest
            run "$d/pin" /t/uringdump read --json /sys/fs/bpf/ud-vmtest
            rm -f /sys/fs/bpf/ud-vmtest
            checkpoint_restore "$name" "$pid" "$d"
        fi
    else
        echo no > "$d/ready"
    fi
    [ -e "$truth" ] && cp "$truth" "$d/truth.json"
    kill -TERM $pid 2>/dev/null
    ( sleep 10; kill -KILL $pid 2>/dev/null ) &
    killer=$!
    wait $pid
    echo $? > "$d/wl.rc"
    kill $killer 2>/dev/null
    step "$name: done"
    emit "$name"
done

step "workloads done"
guest_end
