#!/usr/bin/env bats
# epoll: pipes, sockets, eventfds, anon inodes, nested epolls, an epoll on an
# io_uring; moved/closed/reused registration fds; EPOLLET, EPOLLONESHOT,
# EPOLLEXCLUSIVE, EPOLLWAKEUP, EPOLL_CTL_MOD; 64-bit data.

load lib

setup() {
	common_setup
	start_workload epoll_basic
}

teardown() { common_teardown; }

@test "epoll_basic: --json matches the truth field by field" {
	dump_json "$WL_PID"
	compare_truth "$TRUTH" "$DUMP"
}

@test "epoll_basic: --json matches /proc/PID/fd, fdinfo and kcmp(KCMP_EPOLL_TFD)" {
	dump_json "$WL_PID"
	compare_live "$WL_PID" "$DUMP"
}

@test "epoll_basic: the text report, parsed row by row, matches the truth" {
	ud "$WL_PID"
	expect_status 0
	"$PY" "$COMPARE" --text "$TRUTH" "$UD_OUT" >&2
	# data with the high bit set is shown in full somewhere (hex or decimal)
	grep -Eiq 'deadbeefcafebabe|16045690984503098046' "$UD_OUT" || {
		echo "64-bit data 0xdeadbeefcafebabe not shown in the text output" >&2
		ud_report
		return 1
	}
}

@test "epoll_basic: --freeze gives an exact snapshot and releases the process" {
	ud --json --freeze "$WL_PID"
	expect_status 0
	compare_truth "$TRUTH" "$UD_OUT" --exact
	expect_running "$WL_PID"
	expect_heartbeat_advances
}
