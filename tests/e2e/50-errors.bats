#!/usr/bin/env bats
# Exit statuses: 0 ok, 2 usage, 3 bad target, 4 permission, 5 environment.

load lib

# usage errors need no root; every other test asks for it
setup() { require_uringdump; }
teardown() { common_teardown; }

@test "errors: no such pid -> 3" {
	require_root
	local p
	p=$(free_pid)
	ud --json "$p"
	expect_status 3
	expect_stderr_matches "^uringdump: no such process: $p$"
}

@test "errors: a pid that has exited -> 3" {
	require_root
	local p
	exited_pid
	p=$DEAD_PID
	ud --json "$p"
	expect_status 3
	expect_stderr_matches "^uringdump: no such process: $p$"
	ud "$p"
	expect_status 3
	expect_stderr_matches "^uringdump: no such process: $p$"
}

@test "errors: processes exiting during the dump -> 0 or 3, never a crash or hang" {
	require_root
	local i p delay
	for ((i = 0; i < 20; i++)); do
		# exits spread over the dump's lifetime (BPF load, freeze, iteration)
		delay=$(((i % 10) * 20000 + i * 500))
		"$UD_WORKLOADS/exiter" "$delay" 3>&- &
		p=$!
		if ((i % 2)); then ud --json --freeze "$p"; else ud --json "$p"; fi
		wait "$p" || true
		if [[ $UD_STATUS != 0 && $UD_STATUS != 3 ]]; then
			echo "exiter (delay ${delay}us) run $i: expected 0 or 3" >&2
			ud_report
			return 1
		fi
		if [[ $UD_STATUS == 0 && -s $UD_OUT ]]; then
			"$PY" "$COMPARE" --lint "$UD_OUT" >&2 || { ud_report; return 1; }
		fi
		if [[ $UD_STATUS == 3 ]]; then
			[[ -s $UD_ERR ]] || { echo "exit 3 without a message" >&2; return 1; }
		fi
	done
}

@test "errors: a zombie (exited, not reaped) -> 3, also with --freeze" {
	require_root
	# sh starts exiter, then becomes sleep, which never reaps it
	# shellcheck disable=SC2016 # $1 is expanded by the inner sh
	start_plain sh -c '"$1" 0 & exec sleep 1000' sh "$UD_WORKLOADS/exiter"
	local z="" i
	for ((i = 0; i < 50; i++)); do
		z=$(pgrep -P "$BG_PID" || true)
		[[ -n $z && $(awk '/^State:/ {print $2}' "/proc/$z/status" 2>/dev/null) == Z ]] && break
		sleep 0.1
	done
	[[ $(awk '/^State:/ {print $2}' "/proc/$z/status" 2>/dev/null) == Z ]] || { echo "no zombie made" >&2; return 1; }
	local args
	for args in "--json --freeze" "--json" "" "-f"; do
		# shellcheck disable=SC2086 # split on purpose
		ud $args "$z"
		expect_status 3
		expect_stderr_matches "^uringdump: process $z has exited \(a zombie\): nothing left to dump$"
		[[ ! -s $UD_OUT ]] || { echo "output for a zombie ($args)" >&2; ud_report; return 1; }
	done
}

@test "errors: kernel thread (kthreadd or another) -> 3" {
	require_root
	local k
	k=$(kthread_pid) || skip_or_fail "no kernel thread is visible in this pid namespace"
	ud --json "$k"
	expect_status 3
	expect_stderr_matches "^uringdump: $k is a kernel thread: it has no io_uring or epoll of its own$"
}

@test "errors: process without rings or epolls -> 0 with a note" {
	require_root
	start_plain sleep 1000
	ud "$BG_PID"
	expect_status 0
	expect_output_matches "no io_uring or epoll instances"
	[[ $(cat "$UD_OUT") == "no io_uring or epoll instances found" ]] ||
		{ echo "the text is not exactly the note" >&2; ud_report; return 1; }
	ud --json "$BG_PID"
	expect_status 0
	jq -e '. == {"version": 1, "exact": false, "source": "task_file", "processes": []}' "$UD_OUT" >/dev/null ||
		{ echo 'expected exactly {"version":1,"exact":false,"source":"task_file","processes":[]}' >&2; ud_report; return 1; }
	ud --json --freeze "$BG_PID"
	expect_status 0
	jq -e '.processes == [] and .exact == true' "$UD_OUT" >/dev/null ||
		{ echo "--freeze: expected processes [] and exact true" >&2; ud_report; return 1; }
}

@test "errors: unprivileged run -> 4 naming the capabilities" {
	require_root
	command -v setpriv >/dev/null || skip_or_fail "setpriv (util-linux) not installed"
	start_workload ring_basic
	local msg='^uringdump: permission denied: uringdump needs root, or CAP_BPF and CAP_PERFMON to load BPF iterators$'
	ud_as_nobody --json "$WL_PID"
	expect_status 4
	expect_stderr_matches "$msg"
	# also for the unprivileged user's own process
	start_plain setpriv --reuid=65534 --regid=65534 --clear-groups sleep 1000
	ud_as_nobody --json "$BG_PID"
	expect_status 4
	expect_stderr_matches "$msg"
	ud_as_nobody --json --freeze "$BG_PID"
	expect_status 4
	expect_stderr_matches '^uringdump: permission denied: uringdump needs root, or CAP_BPF and CAP_PERFMON and CAP_SYS_PTRACE \(for --freeze\) to load BPF iterators$'
	expect_running "$WL_PID"
}

@test "errors: --btf /nonexistent -> 5" {
	require_root
	start_workload demo
	ud --json --btf /nonexistent/vmlinux "$WL_PID"
	expect_status 5
	expect_stderr_matches "^uringdump: BTF file /nonexistent/vmlinux: No such file or directory$"
}

@test "errors: --btf on a corrupt file -> 5" {
	require_root
	start_workload demo
	head -c 65536 /dev/urandom >"$BATS_TEST_TMPDIR/corrupt.btf"
	ud --json --btf "$BATS_TEST_TMPDIR/corrupt.btf" "$WL_PID"
	expect_status 5
	expect_stderr_matches "^uringdump: BTF file $BATS_TEST_TMPDIR/corrupt.btf is not valid BTF \(raw BTF or an ELF file with .BTF\): "
	# a BTF header with garbage after it
	printf '\x9f\xeb\x01\x00\x18\x00\x00\x00' >"$BATS_TEST_TMPDIR/trunc.btf"
	head -c 1000 /dev/urandom >>"$BATS_TEST_TMPDIR/trunc.btf"
	ud --json --btf "$BATS_TEST_TMPDIR/trunc.btf" "$WL_PID"
	expect_status 5
	expect_stderr_matches "^uringdump: BTF file $BATS_TEST_TMPDIR/trunc.btf is not valid BTF "
	: >"$BATS_TEST_TMPDIR/empty.btf"
	ud --json --btf "$BATS_TEST_TMPDIR/empty.btf" "$WL_PID"
	expect_status 5
	expect_stderr_matches "^uringdump: BTF file $BATS_TEST_TMPDIR/empty.btf is not valid BTF "
	expect_running "$WL_PID"
}

@test "errors: --freeze with a bad --btf releases the target" {
	require_root
	start_workload demo
	ud --json --freeze --btf /nonexistent/vmlinux "$WL_PID"
	expect_status 5
	expect_stderr_matches "^uringdump: BTF file /nonexistent/vmlinux: No such file or directory$"
	expect_running "$WL_PID"
	expect_heartbeat_advances
}

@test "errors: unknown option -> 2 with usage" {
	ud --no-such-option 1
	expect_status 2
	expect_stderr_matches "^uringdump: unknown option '--no-such-option'$"
	expect_stderr_matches "^Usage: uringdump \[dump\] \[-j\|-p\] \[-f\] \[--requests N\] \[--no-cache\] \[--btf FILE\] \[-v\] PID\.\.\.$"
	expect_stderr_matches "^Try 'uringdump --help' for more information\.$"
	ud -Z 1
	expect_status 2
	expect_stderr_matches "^uringdump: unknown option '-Z'$"
}

@test "errors: missing or malformed PID -> 2" {
	ud --json
	expect_status 2
	expect_stderr_matches "^uringdump: no PID given \(or use --all\)$"
	ud --json abc
	expect_status 2
	expect_stderr_matches "^uringdump: invalid pid 'abc'$"
	ud --json 12x
	expect_status 2
	expect_stderr_matches "^uringdump: invalid pid '12x'$"
	ud --json --btf
	expect_status 2
	expect_stderr_matches "^uringdump: option '--btf' needs an argument$"
}

@test "errors: --help -> 0 with usage, --version -> 0" {
	ud --help
	expect_status 0
	grep -qi usage "$UD_OUT" || { echo "--help prints no usage on stdout" >&2; ud_report; return 1; }
	grep -q -- "--freeze" "$UD_OUT"
	grep -q -- "--btf" "$UD_OUT"
	ud -h
	expect_status 0
	ud --version
	expect_status 0
	[[ -s $UD_OUT ]]
	ud -V
	expect_status 0
}
