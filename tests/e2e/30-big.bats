#!/usr/bin/env bats
# Large tables: 65,536 registered files over several rings (each table as large
# as RLIMIT_NOFILE allows), 16,384 registered buffers, an epoll with 200,000
# items.  Nothing may be truncated: every slot and every item must be there.

load lib

setup_file() {
	export BIG_PARAMS="${UD_BIG_PARAMS:-files=65536 bufs=16384 items=200000}"
}

setup() {
	common_setup
	# shellcheck disable=SC2086
	WL_READY_TIMEOUT=120 start_workload big $BIG_PARAMS
}

teardown() { common_teardown; }

@test "big: --json has every slot, buffer and item, as registered" {
	local t0 t1
	t0=$(date +%s%N)
	UD_TIMEOUT=120 dump_json "$WL_PID"
	t1=$(date +%s%N)
	echo "# big dump took $(((t1 - t0) / 1000000)) ms, $(stat -c %s "$DUMP") bytes" >&3
	"$PY" "$COMPARE" --summary "$DUMP" | sed 's/^/# /' >&3
	compare_truth "$TRUTH" "$DUMP"
}

@test "big: --json agrees with fdinfo and kcmp (sampled)" {
	UD_TIMEOUT=120 dump_json "$WL_PID"
	compare_live "$WL_PID" "$DUMP" --sample 6 --no-lint
}

@test "big: --freeze on the big state is exact and complete" {
	UD_TIMEOUT=120 ud --json --freeze "$WL_PID"
	expect_status 0
	compare_truth "$TRUTH" "$UD_OUT" --exact
	expect_running "$WL_PID"
	expect_heartbeat_advances
}
