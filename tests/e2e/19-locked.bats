#!/usr/bin/env bats
# A ring whose uring_lock stays held (a buffer registration blocked on a
# userfaultfd page): since 6.15 /proc/PID/fdinfo prints nothing for it, the
# dump still shows it whole; --freeze cannot stop the blocked thread and says
# so with status 3 instead of waiting forever.

load lib

setup() {
	common_setup
	start_workload ring_locked
}

teardown() { common_teardown; }

@test "ring_locked: the dump shows the ring, its tables and progress while uring_lock is held" {
	dump_json "$WL_PID"
	compare_truth "$TRUTH" "$DUMP"
	# the oracle's own failure, on kernels that have it
	if "$PY" -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["locked"]["fdinfo_empty"] else 1)' "$TRUTH"; then
		fd=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["locked"]["fd"])' "$TRUTH")
		! grep -q '^SqHead' "/proc/$WL_PID/fdinfo/$fd" || { echo "fdinfo shows the ring after all" >&2; return 1; }
	fi
}

@test "ring_locked: --freeze gives up on the blocked thread with 3 and leaves nothing stopped" {
	"$PY" -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["locked"]["held"] else 1)' "$TRUTH" ||
		skip_or_fail "this kernel fails the registration instead of holding uring_lock (see the truth's not_held)"
	UD_TIMEOUT=60 ud --json --freeze "$WL_PID"
	expect_status 3
	grep -q "did not stop within" "$UD_ERR" || { ud_report; return 1; }
	local st
	for st in /proc/"$WL_PID"/task/*/stat; do
		[[ $(awk '{print $3}' "$st") != [tT] ]] || { echo "$st is stopped" >&2; return 1; }
	done
	expect_heartbeat_advances
}
