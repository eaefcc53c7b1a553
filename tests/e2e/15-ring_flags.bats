#!/usr/bin/env bats
# Rings with the newest IORING_SETUP_* flags this kernel accepts
# (HYBRID_IOPOLL, CQE_MIXED, SQE_MIXED, SQ_REWIND): each one is named.

load lib

setup() {
	common_setup
	start_workload ring_flags
}

teardown() { common_teardown; }

@test "ring_flags: --json matches the truth, every flag by name" {
	dump_json "$WL_PID"
	compare_truth "$TRUTH" "$DUMP"
}

@test "ring_flags: text mode names the flags, no bit left as a number" {
	ud "$WL_PID"
	expect_status 0
	expect_output_matches 'IOPOLL\|HYBRID_IOPOLL'
	if grep -E 'setup_flags +0x[0-9a-f]+ .*0x' "$UD_OUT"; then
		echo "a setup flag without a name" >&2
		ud_report
		return 1
	fi
}
