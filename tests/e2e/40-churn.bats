#!/usr/bin/env bats
# A process that keeps adding and removing epoll items and registered files.
# Dumps must not crash or hang, and what they show must stay within the
# workload's bounds (fixed parts always present, every item a real candidate).

load lib

setup() {
	common_setup
	start_workload churn
}

teardown() { common_teardown; }

@test "churn: 20 dumps while churning: no crash, no hang, counts within bounds" {
	local i
	for ((i = 1; i <= 20; i++)); do
		UD_TIMEOUT=30 ud --json "$WL_PID"
		expect_status 0
		compare_truth "$TRUTH" "$UD_OUT" || { echo "(dump $i of 20)" >&2; return 1; }
		"$PY" "$COMPARE" --summary "$UD_OUT" | sed 's/^/# /' >&3
	done
	expect_running "$WL_PID"
	expect_heartbeat_advances
}

@test "churn: --freeze while churning is exact and within bounds, 5 times" {
	local i
	for ((i = 1; i <= 5; i++)); do
		UD_TIMEOUT=30 ud --json --freeze "$WL_PID"
		expect_status 0
		compare_truth "$TRUTH" "$UD_OUT" --exact
		expect_running "$WL_PID"
	done
	expect_heartbeat_advances
}

@test "churn: a frozen-and-stopped churner matches its fdinfo exactly" {
	stop_process "$WL_PID"
	UD_TIMEOUT=30 ud --json --freeze "$WL_PID"
	expect_status 0
	compare_truth "$TRUTH" "$UD_OUT" --exact
	compare_live "$WL_PID" "$UD_OUT"
	kill -CONT "$WL_PID"
	expect_heartbeat_advances
}

@test "churn: text output while churning" {
	local i
	for ((i = 1; i <= 5; i++)); do
		UD_TIMEOUT=30 ud "$WL_PID"
		expect_status 0
		grep -q "$WL_PID" "$UD_OUT"
	done
}
