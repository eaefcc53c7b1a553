#!/usr/bin/env bats
# A process with exactly one fd: the pid-bound task_file walk then has one
# object, and the kernel gives its final call the same seq_num (0) as that
# object's.  The dump must still be one stream (a regression: it failed with
# "unexpected STREAM record").

load lib

setup() { common_setup; }
teardown() { common_teardown; }

# one_fd_process: a python process whose only fd is an epoll (fd 3).
one_fd_process() {
	local ready=$BATS_TEST_TMPDIR/one-fd.ready i
	start_plain "$PY" -c '
import os, select, sys, time
ep = select.epoll()
open(sys.argv[1], "w").close()
os.closerange(0, ep.fileno())
os.closerange(ep.fileno() + 1, 1 << 16)
time.sleep(600)
' "$ready"
	for ((i = 0; i < 100; i++)); do
		[[ -e $ready ]] && ls "/proc/$BG_PID/fd" | grep -qx 3 &&
			[[ $(ls "/proc/$BG_PID/fd" | wc -l) == 1 ]] && return 0
		sleep 0.1
	done
	echo "the one-fd process did not get to one fd" >&2
	ls -l "/proc/$BG_PID/fd" >&2
	return 1
}

@test "one fd: the dump of a process with a single fd is one stream with that fd" {
	one_fd_process
	ud --json "$BG_PID"
	expect_status 0
	"$PY" - "$UD_OUT" "$BG_PID" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
p = [p for p in d["processes"] if p["pid"] == int(sys.argv[2])]
assert len(p) == 1, d
eps = p[0]["epolls"]
assert len(eps) == 1 and eps[0]["fds"] == [3] and eps[0]["items"] == [], eps
PY
}

@test "one fd: --freeze and --no-cache agree" {
	one_fd_process
	ud --json --freeze --no-cache "$BG_PID"
	expect_status 0
	grep -q '"epolls":\[{' "$UD_OUT"
}
