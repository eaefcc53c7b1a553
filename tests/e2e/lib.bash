# shellcheck shell=bash
# Helpers of the uringdump end-to-end tests (sourced by tests/e2e/*.bats).
#
# Environment:
#   UD            the uringdump binary       (default: build/uringdump)
#   UD_WORKLOADS  the workload binaries      (default: build/workloads)
#   UD_TIMEOUT    seconds allowed per uringdump run (default 60)
#   PYTHON        python3 interpreter        (default: python3)

E2E_DIR="$(cd "$BATS_TEST_DIRNAME" && pwd)"
ROOT_DIR="$(cd "$E2E_DIR/../.." && pwd)"
UD="${UD:-$ROOT_DIR/build/uringdump}"
UD_WORKLOADS="${UD_WORKLOADS:-$ROOT_DIR/build/workloads}"
UD_TIMEOUT="${UD_TIMEOUT:-60}"
PY="${PYTHON:-python3}"
COMPARE="$E2E_DIR/compare.py"

WL_PIDS=()
UD_N=0

# skip_or_fail REASON: a skip outside make check; under make check
# (UD_NO_SKIP=1, set by its targets; CI runs as root) a failure that names
# what is missing, so that a run that lost root or a tool tests nothing
# without saying so.
skip_or_fail() {
	if [[ ${UD_NO_SKIP:-0} == 1 ]]; then
		echo "not skipped under make check (UD_NO_SKIP=1), failed instead: $*" >&2
		return 1
	fi
	skip "$*"
}

require_root() {
	if [[ $(id -u) != 0 ]]; then
		skip_or_fail "needs root: uringdump loads BPF iterators and reads other processes (run as root)"
	fi
}

require_uringdump() {
	if [[ ! -x $UD ]]; then
		echo "uringdump binary not found at $UD: run 'make' first (or set UD=...)" >&2
		return 1
	fi
}

require_workloads() {
	if [[ ! -x $UD_WORKLOADS/ring_basic ]]; then
		echo "workloads not built in $UD_WORKLOADS: run 'make workloads'" >&2
		return 1
	fi
}

# start_workload NAME [ARGS...]: starts a workload, waits for its ready file.
# Sets WL_PID and TRUTH (the truth file), HB (its heartbeat file).
start_workload() {
	local name=$1 timeout=${WL_READY_TIMEOUT:-60}
	shift
	require_workloads
	TRUTH="$BATS_TEST_TMPDIR/$name.truth.json"
	HB="$TRUTH.hb"
	rm -f "$TRUTH" "$TRUTH.ready"
	"$UD_WORKLOADS/$name" "$TRUTH" "$@" >"$BATS_TEST_TMPDIR/$name.log" 2>&1 3>&- &
	WL_PID=$!
	WL_PIDS+=("$WL_PID")
	local waited=0
	while [[ ! -e $TRUTH.ready ]]; do
		if ! kill -0 "$WL_PID" 2>/dev/null; then
			echo "workload $name (pid $WL_PID) died before it was ready:" >&2
			cat "$BATS_TEST_TMPDIR/$name.log" >&2
			return 1
		fi
		if ((waited >= timeout * 10)); then
			echo "workload $name (pid $WL_PID) not ready after ${timeout}s" >&2
			return 1
		fi
		sleep 0.1
		waited=$((waited + 1))
	done
}

# start_plain CMD...: a background helper process (killed in teardown); sets BG_PID.
start_plain() {
	"$@" >/dev/null 2>&1 3>&- &
	BG_PID=$!
	WL_PIDS+=("$BG_PID")
}

# stop_workloads: SIGTERM (and SIGCONT, in case it was stopped), then SIGKILL.
stop_workloads() {
	local pid i
	for pid in "${WL_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || continue
		kill -CONT "$pid" 2>/dev/null || true
	done
	for pid in "${WL_PIDS[@]}"; do
		for ((i = 0; i < 50; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			# reap it if it is our child and already a zombie
			if [[ $(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null) == Z ]]; then
				wait "$pid" 2>/dev/null || true
				break
			fi
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null && [[ $(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null) != Z ]]; then
			echo "pid $pid ignored SIGTERM: SIGKILL" >&2
			kill -KILL "$pid" 2>/dev/null || true
		fi
		wait "$pid" 2>/dev/null || true
	done
	WL_PIDS=()
}

# fresh_pin_dir: bpffs at /sys/fs/bpf (mounted when missing) and an empty
# PIN_DIR in it; PIN_DIR_MADE=1 tells teardown to remove it.
fresh_pin_dir() {
	if ! mountpoint -q /sys/fs/bpf; then
		mount -t bpf bpf /sys/fs/bpf ||
			{ echo "bpffs is not mounted at /sys/fs/bpf and mounting it failed" >&2; return 1; }
	fi
	rm -rf "$PIN_DIR"
	mkdir "$PIN_DIR"
	PIN_DIR_MADE=1
}

# ud ARGS...: runs uringdump under a timeout.  Sets UD_STATUS, UD_OUT (stdout
# file), UD_ERR (stderr file), UD_CMD (for messages).  Never fails by itself.
ud() {
	UD_N=$((UD_N + 1))
	UD_OUT="$BATS_TEST_TMPDIR/ud.$UD_N.out"
	UD_ERR="$BATS_TEST_TMPDIR/ud.$UD_N.err"
	UD_CMD="$UD $*"
	if timeout -k 5 "$UD_TIMEOUT" "$UD" "$@" >"$UD_OUT" 2>"$UD_ERR"; then
		UD_STATUS=0
	else
		UD_STATUS=$?
	fi
}

# ud_via CMD...: like ud, for a command line that runs uringdump some other
# way (another user, capabilities, a mount namespace); CMD is complete.
ud_via() {
	UD_N=$((UD_N + 1))
	UD_OUT="$BATS_TEST_TMPDIR/ud.$UD_N.out"
	UD_ERR="$BATS_TEST_TMPDIR/ud.$UD_N.err"
	UD_CMD="$*"
	if timeout -k 5 "$UD_TIMEOUT" "$@" >"$UD_OUT" 2>"$UD_ERR" </dev/null; then
		UD_STATUS=0
	else
		UD_STATUS=$?
	fi
}

# ud_as ARGS...: like ud, but as an unprivileged user (nobody).
ud_as_nobody() {
	UD_N=$((UD_N + 1))
	UD_OUT="$BATS_TEST_TMPDIR/ud.$UD_N.out"
	UD_ERR="$BATS_TEST_TMPDIR/ud.$UD_N.err"
	UD_CMD="setpriv --reuid=65534 --regid=65534 --clear-groups $UD $*"
	if timeout -k 5 "$UD_TIMEOUT" setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$UD" "$@" >"$UD_OUT" 2>"$UD_ERR" </dev/null; then
		UD_STATUS=0
	else
		UD_STATUS=$?
	fi
}

ud_report() {
	echo "command: $UD_CMD" >&2
	echo "exit status: $UD_STATUS$([[ $UD_STATUS == 124 ]] && echo ' (timeout: uringdump hung)')" >&2
	echo "--- stderr:" >&2
	head -c 4000 "$UD_ERR" >&2
	echo "--- stdout (first 2000 bytes):" >&2
	head -c 2000 "$UD_OUT" >&2
	echo >&2
}

# expect_status N: the last ud run exited with N.
expect_status() {
	if [[ $UD_STATUS != "$1" ]]; then
		echo "expected exit status $1, got $UD_STATUS" >&2
		ud_report
		return 1
	fi
}

# expect_stderr_matches REGEX (extended, case-insensitive)
expect_stderr_matches() {
	if ! grep -Eiq -- "$1" "$UD_ERR"; then
		echo "stderr does not match /$1/" >&2
		ud_report
		return 1
	fi
}

# expect_output_matches REGEX: stdout or stderr
expect_output_matches() {
	if ! cat "$UD_OUT" "$UD_ERR" | grep -Eiq -- "$1"; then
		echo "neither stdout nor stderr matches /$1/" >&2
		ud_report
		return 1
	fi
}

# dump_json PID... [OPTIONS]: uringdump --json, must exit 0; DUMP = output file.
dump_json() {
	ud --json "$@"
	expect_status 0
	# shellcheck disable=SC2034 # used by the tests
	DUMP="$UD_OUT"
}

# compare TRUTH DUMP [--exact]: field by field, readable diff on failure.
compare_truth() {
	if ! "$PY" "$COMPARE" "$@" >&2; then
		echo "(dump produced by: $UD_CMD; truth: $1; dump: $2)" >&2
		return 1
	fi
}

# compare_live PID DUMP [--sample N] [--no-lint]: /proc, fdinfo and kcmp oracles.
compare_live() {
	if ! "$PY" "$COMPARE" --live "$@" >&2; then
		echo "(dump produced by: $UD_CMD)" >&2
		return 1
	fi
}

# proc_state PID: the State letters of every thread, e.g. "S S R".
proc_states() {
	local t
	for t in /proc/"$1"/task/*; do
		awk '/^State:/ {printf "%s ", $2}' "$t/status" 2>/dev/null
	done
}

# wait_for SECONDS WHAT CMD...: polls CMD every 20 ms until it succeeds;
# fails naming WHAT after SECONDS.  For synchronising on a state (of
# /proc/PID/stat, a file), never on a fixed sleep.
wait_for() {
	local secs=$1 what=$2 i
	shift 2
	for ((i = 0; i < secs * 50; i++)); do
		"$@" && return 0
		sleep 0.02
	done
	echo "not reached after ${secs}s: $what" >&2
	return 1
}

# user_threads_in STATE PID: every thread of PID that is not an io_uring
# kernel-side thread (iou-*) is in STATE (the letter of /proc/PID/task/T/stat).
user_threads_in() {
	local want=$1 pid=$2 t st comm
	for t in /proc/"$pid"/task/*; do
		comm=$(cat "$t/comm" 2>/dev/null) || continue
		[[ $comm == iou-* ]] && continue
		st=$(cut -d')' -f2- "$t/stat" 2>/dev/null | awk '{print $1}')
		[[ $st == "$want" ]] || return 1
	done
}

# stop_process PID: SIGSTOP, then waits until every thread is stopped (T).
stop_process() {
	kill -STOP "$1"
	wait_for 10 "every thread of pid $1 stopped (T) after SIGSTOP" user_threads_in T "$1"
}

# untraced PID: no tracer attached any more.
untraced() {
	[[ $(awk '/^TracerPid:/ {print $2}' "/proc/$1/status" 2>/dev/null) == 0 ]]
}

# expect_running PID: alive, no thread stopped or traced, no tracer attached.
expect_running() {
	local pid=$1 states tracer
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "pid $pid is gone" >&2
		return 1
	fi
	states=$(proc_states "$pid")
	if [[ $states == *T* || $states == *t* ]]; then
		echo "pid $pid has stopped/traced threads after the dump: $states" >&2
		return 1
	fi
	tracer=$(awk '/^TracerPid:/ {print $2}' "/proc/$pid/status")
	if [[ $tracer != 0 ]]; then
		echo "pid $pid is still traced by $tracer" >&2
		return 1
	fi
}

# heartbeat: the workload's heartbeat counter (advances every 20 ms).
heartbeat() {
	tr -d ' \n' <"$HB"
}

# expect_heartbeat_advances: the workload still runs its threads.
expect_heartbeat_advances() {
	local a b i
	a=$(heartbeat)
	for ((i = 0; i < 200; i++)); do
		sleep 0.05
		b=$(heartbeat)
		if ((b > a)); then
			return 0
		fi
	done
	echo "heartbeat stuck at $a: the workload does not run any more" >&2
	return 1
}

# exited_pid: runs a process that exits at once and reaps it; DEAD_PID is its
# pid, checked not to be reused yet (tried again when it was).
exited_pid() {
	local i p
	for ((i = 0; i < 20; i++)); do
		"$UD_WORKLOADS/exiter" 0 3>&- &
		p=$!
		wait "$p" || true
		if [[ ! -e /proc/$p ]]; then
			# shellcheck disable=SC2034 # used by the tests
			DEAD_PID=$p
			return 0
		fi
	done
	echo "20 exited pids in a row were reused at once" >&2
	return 1
}

# kthread_pid: prints the pid of a kernel thread (PF_KTHREAD in
# /proc/PID/stat), preferring kthreadd (pid 2); fails when none is visible.
kthread_pid() {
	"$PY" - <<'PY'
import os, sys
PF_KTHREAD = 0x00200000
pids = sorted((int(p) for p in os.listdir("/proc") if p.isdigit()), key=lambda p: (p != 2, p))
for p in pids:
    try:
        with open(f"/proc/{p}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        continue
    if int(fields[6]) & PF_KTHREAD:
        print(p)
        sys.exit(0)
sys.exit(1)
PY
}

# free_pid: a pid that names no process.
free_pid() {
	local max p
	max=$(cat /proc/sys/kernel/pid_max)
	for ((p = max - 1; p > 1; p--)); do
		if [[ ! -e /proc/$p ]]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

common_setup() {
	require_root
	require_uringdump
}

common_teardown() {
	stop_workloads
}
