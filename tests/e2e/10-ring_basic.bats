#!/usr/bin/env bats
# io_uring rings: sparse registered file tables of many file types, closed /
# dup'ed / moved registration fds, sparse registered buffers, eventfds (one
# async), SQPOLL rings (CPU-bound, an ATTACH_WQ pair), a disabled ring.

load lib

setup() {
	common_setup
	start_workload ring_basic
}

teardown() { common_teardown; }

@test "ring_basic: --json matches the truth field by field" {
	dump_json "$WL_PID"
	compare_truth "$TRUTH" "$DUMP"
}

@test "ring_basic: --json matches /proc/PID/fd, fdinfo and kcmp" {
	dump_json "$WL_PID"
	compare_live "$WL_PID" "$DUMP"
}

@test "ring_basic: -p (pretty) is the same data as --json, on several lines" {
	dump_json "$WL_PID"
	local plain=$DUMP
	ud -p "$WL_PID"
	expect_status 0
	[[ $(wc -l <"$UD_OUT") -gt 20 ]] || { echo "-p output is not pretty-printed" >&2; ud_report; return 1; }
	"$PY" - "$plain" "$UD_OUT" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
if a != b:
    print("--json and -p differ")
    sys.exit(1)
PY
}

@test "ring_basic: -j -p together, and --pretty, work" {
	ud -j -p "$WL_PID"
	expect_status 0
	compare_truth "$TRUTH" "$UD_OUT"
	ud --pretty "$WL_PID"
	expect_status 0
	compare_truth "$TRUTH" "$UD_OUT"
}

@test "ring_basic: --freeze and plain dumps of the idle process agree (but for exact)" {
	dump_json "$WL_PID"
	local plain=$DUMP
	ud --json --freeze "$WL_PID"
	expect_status 0
	"$PY" - "$plain" "$UD_OUT" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
if a.get("exact") is not False or b.get("exact") is not True:
    print("exact: plain", a.get("exact"), "freeze", b.get("exact"))
    sys.exit(1)
a["exact"] = b["exact"] = None
# what moves in an idle process: an SQPOLL thread going to sleep sets
# NEED_WAKEUP; io_uring workers come and go
for doc in (a, b):
    for p in doc["processes"]:
        p["threads"] = [t for t in p["threads"] if not t["io_worker"]]
        for r in p["io_urings"]:
            r["state"]["sq_flags"] &= ~1
            r["state"]["sq_flag_names"] = [n for n in r["state"]["sq_flag_names"] if n != "NEED_WAKEUP"]
if a != b:
    print("plain and --freeze dumps of an idle process differ")
    sys.exit(1)
PY
}

@test "ring_basic: the text report, parsed row by row, matches the truth" {
	ud "$WL_PID"
	expect_status 0
	compare_truth --text "$TRUTH" "$UD_OUT"
}

@test "ring_basic: wrong outputs are caught: nr_bvecs forced to 1, tfd_stale flipped, a file row dropped" {
	dump_json "$WL_PID"
	ud "$WL_PID"
	expect_status 0
	"$PY" "$COMPARE" --mutants "$TRUTH" "$DUMP" "$UD_OUT" >&2
}

@test "ring_basic: a plain dump leaves the process running and untraced" {
	dump_json "$WL_PID"
	expect_running "$WL_PID"
	expect_heartbeat_advances
}

@test "ring_basic: --freeze gives an exact snapshot and releases every thread" {
	ud --json --freeze "$WL_PID"
	expect_status 0
	compare_truth "$TRUTH" "$UD_OUT" --exact
	expect_running "$WL_PID"
	expect_heartbeat_advances
	# SQPOLL threads too
	local t
	for t in /proc/"$WL_PID"/task/*; do
		if [[ $(cat "$t/comm") == iou-sqp-* ]]; then
			[[ $(awk '/^State:/ {print $2}' "$t/status") != [Tt] ]]
		fi
	done
}

@test "ring_basic: -f (short --freeze) works twice in a row" {
	ud -j -f "$WL_PID"
	expect_status 0
	compare_truth "$TRUTH" "$UD_OUT" --exact
	ud -j -f "$WL_PID"
	expect_status 0
	compare_truth "$TRUTH" "$UD_OUT" --exact
	expect_running "$WL_PID"
	expect_heartbeat_advances
}

@test "ring_basic: --freeze keeps a stopped process stopped" {
	stop_process "$WL_PID"
	local hb
	hb=$(heartbeat)
	ud --json --freeze "$WL_PID"
	expect_status 0
	compare_truth "$TRUTH" "$UD_OUT" --exact
	# uringdump has exited: it detached; every thread is still stopped
	wait_for 10 "pid $WL_PID untraced after --freeze" untraced "$WL_PID"
	user_threads_in T "$WL_PID" ||
		{ echo "the stopped workload's threads are $(proc_states "$WL_PID")after --freeze (were all T)" >&2; return 1; }
	[[ $(heartbeat) == "$hb" ]] || { echo "the stopped workload's heartbeat moved during --freeze" >&2; return 1; }
	kill -CONT "$WL_PID"
	expect_heartbeat_advances
}

@test "ring_basic: --btf /sys/kernel/btf/vmlinux gives the same dump" {
	[[ -r /sys/kernel/btf/vmlinux ]] || skip_or_fail "no /sys/kernel/btf/vmlinux"
	ud --json --btf /sys/kernel/btf/vmlinux "$WL_PID"
	expect_status 0
	compare_truth "$TRUTH" "$UD_OUT"
}

@test "ring_basic: -v prints libbpf diagnostics on stderr only" {
	ud --json -v "$WL_PID"
	expect_status 0
	[[ -s $UD_ERR ]] || { echo "-v printed nothing on stderr" >&2; ud_report; return 1; }
	compare_truth "$TRUTH" "$UD_OUT"
}
