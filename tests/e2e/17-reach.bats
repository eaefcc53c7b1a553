#!/usr/bin/env bats
# Reach: rings and epolls the leader's fd table does not show (a registered
# ring whose fd was closed, a REGISTERED_FD_ONLY|NO_MMAP ring on 6.5+, a ring
# held by its mappings only, a ring and an epoll in a thread's own fd table,
# a ring another thread registered), each shown once with how it is held.
# Oracles: what the workload built, and what procfs told it
# (/proc/self/maps, /proc/self/task/TID/fd).

load lib

setup() {
	common_setup
	start_workload ring_reach
}

teardown() { common_teardown; }

@test "ring_reach: --json shows every ring once, with its fds, thread fds, registered slots and mappings" {
	dump_json "$WL_PID"
	compare_truth "$TRUTH" "$DUMP"
}

@test "ring_reach: the text report, parsed row by row, matches the truth" {
	ud "$WL_PID"
	expect_status 0
	compare_truth --text "$TRUTH" "$UD_OUT"
}

@test "ring_reach: --json matches /proc/PID/fd, fdinfo and kcmp where the leader's table holds the instance" {
	dump_json "$WL_PID"
	compare_live "$WL_PID" "$DUMP"
}

@test "ring_reach: --all finds the workload's rings held without an fd too" {
	UD_TIMEOUT=120 ud --json --all
	expect_status 0
	python3 - "$UD_OUT" "$WL_PID" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
pid = int(sys.argv[2])
p = [x for x in d["processes"] if x["pid"] == pid]
assert len(p) == 1, f"pid {pid} appears {len(p)} times"
rings = p[0]["io_urings"]
nofd = [r for r in rings if not r["fds"]]
assert len(nofd) >= 3, f"only {len(nofd)} rings without a leader fd: {[r['sq_entries'] for r in rings]}"
assert any(t["fd_table"] not in ("leader", None) for t in p[0]["threads"]), "no thread table"
PY
}
