#!/usr/bin/env bats
# Ring state: SQ/CQ positions, SQEs queued but not consumed, CQEs posted but
# not reaped, the CQ overflow list, NEED_WAKEUP of an idle SQPOLL thread, the
# SINGLE_ISSUER submitter.  Oracles: what the workload expects and read
# itself from the shared ring memory, and /proc/PID/fdinfo (positions,
# SQEs, CQEs, CqOverflowList).

load lib

setup() {
	common_setup
	start_workload ring_state
}

teardown() { common_teardown; }

@test "ring_state: --json shows each ring's positions, pending entries, overflow and flags" {
	dump_json "$WL_PID"
	compare_truth "$TRUTH" "$DUMP"
}

@test "ring_state: --json agrees with /proc/PID/fdinfo (SqHead..CachedCqTail, SQEs, CQEs, CqOverflowList)" {
	dump_json "$WL_PID"
	compare_live "$WL_PID" "$DUMP"
}

@test "ring_state: the text report has a state line per ring" {
	ud "$WL_PID"
	expect_status 0
	[[ $(grep -c '^    state  ' "$UD_OUT") -eq 7 ]] || { ud_report; return 1; }
	grep -q 'overflow 3  ' "$UD_OUT" || { echo "no ring with 3 overflowed CQEs" >&2; ud_report; return 1; }
	grep -q 'sq_flags NEED_WAKEUP' "$UD_OUT" || { echo "no NEED_WAKEUP" >&2; ud_report; return 1; }
}
