#!/usr/bin/env bats
# The workloads and the oracles on their own, without uringdump: each truth
# file agrees with /proc (fd links, kcmp, fdinfo), and the comparator catches
# every lie in a list of falsified dumps.  No root needed.

load lib

teardown() { common_teardown; }

selftest() {
	start_workload "$1"
	if ! "$PY" "$COMPARE" --selftest "$TRUTH" "$WL_PID" >&2; then
		return 1
	fi
}

@test "workload ring_basic: truth matches /proc and lies are caught" {
	selftest ring_basic
}

@test "workload epoll_basic: truth matches /proc and lies are caught" {
	selftest epoll_basic
}

@test "workload ring_flags: truth matches /proc and lies are caught" {
	selftest ring_flags
}

@test "workload demo: truth matches /proc and lies are caught" {
	selftest demo
}

@test "workload forked: both truths match /proc and lies are caught" {
	start_workload forked
	local child
	child=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["child_pid"])' "$TRUTH")
	"$PY" "$COMPARE" --selftest "$TRUTH" "$WL_PID" >&2
	"$PY" "$COMPARE" --selftest "$TRUTH.child.json" "$child" >&2
}

@test "workload churn: starts, changes its state, keeps its heartbeat" {
	start_workload churn
	local efd a b
	efd=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["churn"]["epoll"]["fd"])' "$TRUTH")
	a=$(grep -c '^tfd:' "/proc/$WL_PID/fdinfo/$efd")
	changed() { [[ $(grep -c '^tfd:' "/proc/$WL_PID/fdinfo/$efd") != "$a" ]]; }
	wait_for 30 "churn: the epoll item count moves from $a" changed
	expect_heartbeat_advances
}

@test "workload big (small parameters): truth matches /proc" {
	start_workload big files=3000 ring_max=1000 bufs=64 items=5000
	"$PY" "$COMPARE" --fake "$TRUTH" "$WL_PID" >"$BATS_TEST_TMPDIR/fake.json"
	compare_truth "$TRUTH" "$BATS_TEST_TMPDIR/fake.json"
	compare_live "$WL_PID" "$BATS_TEST_TMPDIR/fake.json" --sample 20
}

@test "workload exiter exits by itself" {
	run timeout 10 "$UD_WORKLOADS/exiter" 1000
	[ "$status" -eq 0 ]
}
