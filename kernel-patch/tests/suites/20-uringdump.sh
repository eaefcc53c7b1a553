#!/bin/sh
# shellcheck shell=dash
# uringdump on the native targets, in the guest of `make vmtest-native`:
#  - `uringdump pin PID:FD` picks the native iterators for every io_uring and
#    epoll of the ring_basic and epoll_basic workloads (a ring: a directory
#    with files and buffers pins; an epoll: one pin), and `uringdump read -j`
#    of each pin is saved next to `uringdump --freeze -j` of the same process
#    and the workload's truth (the host compares the pin's dump with both:
#    judge-native.py, COMPARE and TRUTH lines);
#  - 1-byte reads of every native pin equal whole reads;
#  - readers of one native pin at the same time: whole reads stay whole, an
#    overtaken reader's stream says so;
#  - `uringdump link show -j` lists the pins with the fds' inodes (host);
#  - the objects of build/native/ pinned by the patched bpftool (io_uring_fd
#    and epoll_fd, inherited fd and PID:FD) read by `uringdump read`;
#  - an fd that is neither a ring nor an epoll is refused, nothing pinned;
#  - while a ring's uring_lock is held (ring-lock-holder), `uringdump read`
#    retries, succeeds once the lock is released, and gives up with a clear
#    message when it stays held.
# Output: "PASS name" / "FAIL name: why" / "SKIP name: why", and for the
# host "COMPARE KIND NATIVE.json CORE.json PID FD",
# "TRUTH KIND NATIVE.json TRUTH.json FD" and
# "LINKS LINKS.json PIN INODE" lines; the files are in the output dir ($1).
d=${1:?usage: 20-uringdump.sh OUTDIR}
UD=/t/uringdump
BPFTOOL=/t/bpftool
B=/sys/fs/bpf/ud20
export LD_LIBRARY_PATH=/lib/x86_64-linux-gnu

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
verdict() {   # verdict STATUS NAME WHY: PASS when STATUS is 0; returns STATUS
    if [ "$1" -eq 0 ]; then pass "$2"; else fail "$2" "$3"; fi
    return "$1"
}

if [ ! -x $UD ]; then
    echo "SKIP uringdump: not in the image"
    exit 0
fi
mkdir -p $B

# start NAME: run workload NAME until its truth file is ready; sets $wl_pid
start() {
    mkdir -p "$d/$1"
    /t/workloads/"$1" "$d/$1/truth.json" > "$d/$1/wl.out" 2> "$d/$1/wl.err" &
    wl_pid=$!
    i=0
    while [ ! -e "$d/$1/truth.json.ready" ] && [ $i -lt 600 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    [ -e "$d/$1/truth.json.ready" ]
}

# onebyte PIN NAME: a read of 1 byte at a time equals a whole read
onebyte() {
    cat "$1" > /tmp/whole 2> /tmp/whole.err
    dd if="$1" bs=1 2> /dev/null > /tmp/bytes
    [ -s /tmp/whole ] && cmp -s /tmp/whole /tmp/bytes
    verdict $? "$2, 1-byte reads equal a whole read" \
        "whole $(wc -c < /tmp/whole) bytes, 1-byte $(wc -c < /tmp/bytes) bytes $(cat /tmp/whole.err)"
}

# The workloads: pin and read each ring and epoll natively.
pid_ring_basic='' pid_epoll_basic=''
for wl in ring_basic epoll_basic; do
    if ! start $wl; then
        fail "$wl, workload ready" "$(cat "$d/$wl/wl.err")"
        kill -KILL "$wl_pid" 2> /dev/null
        continue
    fi
    pid=$wl_pid
    $UD --json --freeze "$pid" > "$d/$wl/core.json" 2> "$d/$wl/core.err"
    verdict $? "$wl, CO-RE dump --freeze" "$(cat "$d/$wl/core.err")"
    seen=" "
    for f in /proc/"$pid"/fd/*; do
        fd=${f##*/}
        case $(readlink "$f") in
            "anon_inode:[io_uring]") kind=ring ;;
            "anon_inode:[eventpoll]") kind=epoll ;;
            *) continue ;;
        esac
        ino=$(stat -L -c %i "$f")
        case $seen in *" $ino "*) continue ;; esac   # a dup of one already pinned
        seen="$seen$ino "
        pin=$B/${wl}_$fd
        name="$wl fd $fd ($kind)"
        $UD pin "$pid:$fd" "$pin" > "$d/$wl/pin-$fd.out" 2>&1 && grep -q native "$d/$wl/pin-$fd.out"
        if ! verdict $? "$name, uringdump pin picks the native iterator" "$(cat "$d/$wl/pin-$fd.out")"; then
            continue
        fi
        if [ $kind = ring ]; then
            [ -d "$pin" ] && [ -e "$pin/files" ] && [ -e "$pin/buffers" ]
            verdict $? "$name, pinned as PIN/files and PIN/buffers" "$(ls -la "$pin")"
        else
            [ -f "$pin" ]
            verdict $? "$name, pinned as one pin" "$(ls -la "$pin")"
        fi
        $UD read -j "$pin" > "$d/$wl/native-$fd.json" 2> "$d/$wl/native-$fd.err"
        verdict $? "$name, uringdump read" "$(cat "$d/$wl/native-$fd.err")"
        echo "COMPARE $kind $wl/native-$fd.json $wl/core.json $pid $fd"
        echo "TRUTH $kind $wl/native-$fd.json $wl/truth.json $fd"
        if [ $kind = ring ]; then
            onebyte "$pin/files" "$name files"
            onebyte "$pin/buffers" "$name buffers"
            echo "LINKS links.json $pin/files $ino"
            echo "LINKS links.json $pin/buffers $ino"
        else
            onebyte "$pin" "$name"
            echo "LINKS links.json $pin $ino"
        fi
    done
    # not a ring or an epoll (fd 1 is wl.out): refused, nothing pinned
    $UD pin "$pid:1" $B/notring > "$d/$wl/notring.out" 2>&1
    rc=$?
    [ $rc -eq 3 ] && [ ! -e $B/notring ] && grep -q "not an io_uring or epoll" "$d/$wl/notring.out"
    verdict $? "$wl, pin of a non-ring fd fails with exit 3, nothing pinned" \
        "exit $rc: $(cat "$d/$wl/notring.out")"
    eval "pid_$wl=$pid"
done

# slow_read PIN OUT: one open() of PIN read 64 bytes (one record) at a
# time, 20 ms apart, into OUT; the last dd's messages in OUT.dd-err
slow_read() {
    exec 3< "$1"
    : > "$2"
    while dd bs=64 count=1 <&3 >> "$2" 2> "$2.dd-err"; do
        [ "$(wc -c < "$2")" -gt "${size:-0}" ] || break
        size=$(wc -c < "$2")
        sleep 0.02
    done
    size=0
    exec 3<&-
}

# race PIN NAME: readers of one native pin at the same time (the programs
# of one object share their stream state).  While a slow reader reads the
# pin a record at a time, `uringdump read` reads it whole, again and again;
# 4 rounds.  Each whole read is byte for byte a lone read's or fails with
# exit 1 saying to read it again; the slow reader's stream is a lone read's,
# or, overtaken, ends in an END that says so and `uringdump read` of it
# fails with exit 1 naming the other reader, or (a ring pin) its read()
# failed with EDEADLK because the other reader held the ring's uring_lock
# (the kernel's trylock), and `uringdump read` of the stream it got so far
# fails with exit 1: it has no END.  Nothing else.
race() {
    r=$d/race.$(echo "$2" | tr ' ' _)
    mkdir -p "$r"
    cat "$1" > "$r/ref.bin" && $UD read -j "$1" > "$r/ref.json" 2> "$r/ref.err"
    if ! verdict $? "$2, a lone read" "$(cat "$r/ref.err")"; then
        return
    fi
    bad='' same=0 again=0 torn=0 locked=0 slow_same=0 n=0
    while [ $n -lt 4 ]; do
        slow_read "$1" "$r/slow.bin" &
        slow=$!
        while kill -0 $slow 2> /dev/null; do
            $UD read -j "$1" > "$r/fast.json" 2> "$r/fast.err"
            rc=$?
            if [ $rc -eq 0 ] && cmp -s "$r/fast.json" "$r/ref.json"; then
                same=$((same + 1))
            elif [ $rc -eq 1 ] && grep -q "read it again" "$r/fast.err"; then
                again=$((again + 1))
            else
                bad="$bad; uringdump read: exit $rc $(head -c 300 "$r/fast.err")"
            fi
        done
        wait $slow
        $UD read "$r/slow.bin" > /dev/null 2> "$r/slow.err"
        rc=$?
        if [ $rc -eq 0 ] && cmp -s "$r/slow.bin" "$r/ref.bin"; then
            slow_same=$((slow_same + 1))
        elif [ $rc -eq 1 ] && grep -q "read by another reader" "$r/slow.err"; then
            torn=$((torn + 1))
        elif [ $rc -eq 1 ] && grep -q "no END record" "$r/slow.err" &&
            grep -qi "deadlock" "$r/slow.bin.dd-err"; then
            locked=$((locked + 1))
        else
            bad="$bad; slow reader: exit $rc $(head -c 300 "$r/slow.err") (dd: $(tail -1 "$r/slow.bin.dd-err"))"
        fi
        n=$((n + 1))
    done
    [ -z "$bad" ]
    verdict $? "$2, concurrent readers: whole reads $same equal, $again told to read again; \
slow reads $slow_same equal, $torn overtaken, $locked EDEADLK" "${bad#; }"
}
for p in $B/ring_basic_*; do
    if [ -d "$p" ]; then
        race "$p/files" "ring_basic ${p##*_} files pin"
        break
    fi
done
for p in $B/epoll_basic_*; do
    if [ -f "$p" ]; then
        race "$p" "epoll_basic ${p##*_} pin"
        break
    fi
done

$UD link show -j > "$d/links.json" 2> "$d/links.err"
verdict $? "uringdump link show -j" "$(cat "$d/links.err")"

# The native objects of build/native/ pinned by the patched bpftool: the
# PID:FD form on the workloads, the inherited-fd form from a process that
# hands its ring and epoll to bpftool (ring-lock-holder -x); the links keep
# the ring and the epoll alive after that process is gone.
if [ -x $BPFTOOL ] && [ -n "$pid_ring_basic" ] && [ -n "$pid_epoll_basic" ]; then
    rfd='' efd=''
    for f in /proc/"$pid_ring_basic"/fd/*; do
        [ "$(readlink "$f")" = "anon_inode:[io_uring]" ] && { rfd=${f##*/}; break; }
    done
    for f in /proc/"$pid_epoll_basic"/fd/*; do
        [ "$(readlink "$f")" = "anon_inode:[eventpoll]" ] && { efd=${f##*/}; break; }
    done
    for spec in "io_uring_file io_uring_fd $pid_ring_basic:$rfd" \
                "io_uring_buf io_uring_fd $pid_ring_basic:$rfd" \
                "epoll epoll_fd $pid_epoll_basic:$efd"; do
        # shellcheck disable=SC2086  # split the spec
        set -- $spec
        $BPFTOOL iter pin "/t/bpf/native/$1.bpf.o" "$B/bt_$1" "$2" "$3" > "$d/bt_$1.out" 2>&1
        verdict $? "bpftool iter pin native/$1.bpf.o $2 $3" "$(cat "$d/bt_$1.out")"
        $UD read "$B/bt_$1" > "$d/bt_$1.txt" 2> "$d/bt_$1.err"
        verdict $? "uringdump read of the bpftool pin of $1 ($2 PID:FD)" "$(cat "$d/bt_$1.err")"
        # one table of the ring: the other one is "not in this dump", and
        # the ring's inode (from the link's io_uring_inode) is the fd's
        other=''
        case $1 in
            io_uring_file) other=registered_buffers ;;
            io_uring_buf) other=registered_files ;;
        esac
        if [ -n "$other" ]; then
            grep -Eq "^ *$other +nr [0-9]+  not in this dump\$" "$d/bt_$1.txt"
            verdict $? "uringdump read of the $1 pin: $other not in this dump" "$(cat "$d/bt_$1.txt")"
            rino=$(stat -L -c %i "/proc/$pid_ring_basic/fd/$rfd")
            grep -Eq "inode $rino( |\$)" "$d/bt_$1.txt"
            verdict $? "uringdump read of the $1 pin: the ring's inode is the fd's ($rino)" \
                "$(head -5 "$d/bt_$1.txt")"
        fi
        rm -f "$B/bt_$1"
    done
    # shellcheck disable=SC2016  # $RING_FD and $EPOLL_FD are the holder's
    /t/ring-lock-holder -x sh -c "$BPFTOOL"' iter pin /t/bpf/native/io_uring_file.bpf.o \
        '"$B"'/bt_inh_file io_uring_fd $RING_FD && '"$BPFTOOL"' iter pin \
        /t/bpf/native/epoll.bpf.o '"$B"'/bt_inh_epoll epoll_fd $EPOLL_FD' > "$d/bt_inh.out" 2>&1
    verdict $? "bpftool iter pin native/{io_uring_file,epoll}.bpf.o with inherited fds" \
        "$(cat "$d/bt_inh.out")"
    $UD read $B/bt_inh_file > "$d/bt_inh_file.txt" 2> "$d/bt_inh_file.err" &&
        grep -q "/dev/null" "$d/bt_inh_file.txt"
    verdict $? "uringdump read of the inherited-fd io_uring_file pin (the ring outlives its process)" \
        "$(cat "$d/bt_inh_file.err" "$d/bt_inh_file.txt")"
    # no process, no fd table: not "tfd 3 (closed)", an unknown process
    $UD read $B/bt_inh_epoll > "$d/bt_inh_epoll.txt" 2> "$d/bt_inh_epoll.err" &&
        grep -q "5eed" "$d/bt_inh_epoll.txt" && ! grep -q "(closed)" "$d/bt_inh_epoll.txt" &&
        [ "$(head -1 "$d/bt_inh_epoll.txt")" = "pid unknown  fds unknown (native iterator)" ]
    verdict $? "uringdump read of the inherited-fd epoll pin (pid and fds unknown, tfd unchecked)" \
        "$(cat "$d/bt_inh_epoll.err" "$d/bt_inh_epoll.txt")"
else
    echo "SKIP bpftool pins of build/native/: no patched bpftool or no workload"
fi

for p in "$B"/*; do rm -rf "$p"; done
kill -TERM "$pid_ring_basic" "$pid_epoll_basic" 2> /dev/null
wait 2> /dev/null

# uring_lock held: EDEADLK from the kernel, retried by uringdump read.
h=$d/holder
mkdir -p "$h"
/t/ring-lock-holder "$h" 2> "$h/err" &
i=0
while [ ! -e "$h/ready" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if [ ! -e "$h/ready" ]; then
    fail "ring-lock-holder ready" "$(cat "$h/err")"
    exit 0
fi
read -r hpid hring < "$h/ready"
state() {   # state WANT: wait until the holder's state file says WANT
    i=0
    while [ "$(cat "$h/state")" != "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    [ "$(cat "$h/state")" = "$1" ]
}
$UD pin "$hpid:$hring" $B/locked > "$h/pin.out" 2>&1 && [ -d $B/locked ]
verdict $? "holder, native pin" "$(cat "$h/pin.out")"
$UD read -j $B/locked > "$h/free.json" 2> "$h/free.err"
verdict $? "holder, read while uring_lock is free" "$(cat "$h/free.err")"

kill -USR1 "$hpid"
if state held; then
    t0=$(cut -d' ' -f1 /proc/uptime)
    $UD read -j $B/locked > "$h/held.json" 2> "$h/held.err"
    rc=$?
    t1=$(cut -d' ' -f1 /proc/uptime)
    echo "read while held: exit $rc, uptime $t0 -> $t1" > "$h/held.time"
    [ $rc -eq 1 ] && grep -q "uring_lock stayed held" "$h/held.err"
    verdict $? "holder, read gives up with a clear message while uring_lock stays held (exit 1)" \
        "exit $rc: $(cat "$h/held.err")"
    [ ! -s "$h/held.json" ]
    verdict $? "holder, nothing on stdout when giving up" "$(head -c 200 "$h/held.json")"

    # released while uringdump retries
    ( sleep 1; kill -USR2 "$hpid" ) &
    $UD read -j $B/locked > "$h/retry.json" 2> "$h/retry.err"
    rc=$?
    wait $!
    [ $rc -eq 0 ] && cmp -s "$h/retry.json" "$h/free.json"
    verdict $? "holder, read retries until uring_lock is released" "exit $rc: $(cat "$h/retry.err")"
    state free
else
    fail "holder, uring_lock held" "$(cat "$h/err")"
fi
rm -rf $B/locked
kill -TERM "$hpid" 2> /dev/null
wait 2> /dev/null
rmdir $B 2> /dev/null
exit 0
