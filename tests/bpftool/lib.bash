# shellcheck shell=bash
# Helpers of the patched-bpftool tests (sourced by tests/bpftool/*.bats).
#
# Environment (set by `make bpftool-check`; the defaults fit a plain `bats
# tests/bpftool` from the top of the clone after `make bpftool-check` built
# everything once):
#   BPFTOOL_PATCHED  the patched bpftool       (default: build/bpftool/bpftool)
#   BPFTOOL_SRC      the patched tree          (default: build/bpftool/src)
#   BPFTOOL_TESTS    test programs, fd-holder  (default: build/bpftool/tests)

BT_DIR="$(cd "$BATS_TEST_DIRNAME" && pwd)"
ROOT_DIR="$(cd "$BT_DIR/../.." && pwd)"
BPFTOOL="${BPFTOOL_PATCHED:-$ROOT_DIR/build/bpftool/bpftool}"
BT_SRC="${BPFTOOL_SRC:-$ROOT_DIR/build/bpftool/src}"
BT_TESTS="${BPFTOOL_TESTS:-$ROOT_DIR/build/bpftool/tests}"
BT_TOOL_DIR="$BT_SRC/tools/bpf/bpftool"
FD_HOLDER="$BT_TESTS/fd-holder"
TASK_FILE_OBJ="$BT_TESTS/task_file.bpf.o"
IO_URING_FILE_OBJ="$BT_TESTS/io_uring_file.bpf.o"
EPOLL_OBJ="$BT_TESTS/epoll.bpf.o"
# bpffs names must not contain dots.
PIN_DIR="/sys/fs/bpf/uringdump_bpftool_test_${BATS_ROOT_PID:-$$}"

require_built() {
	local f
	for f in "$BPFTOOL" "$FD_HOLDER" "$TASK_FILE_OBJ" "$IO_URING_FILE_OBJ" "$EPOLL_OBJ"; do
		if [[ ! -e $f ]]; then
			echo "$f is missing: run 'make bpftool-check' (it builds the patched bpftool and the test programs)" >&2
			return 1
		fi
	done
}

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
		skip_or_fail "needs root: pins BPF iterators"
	fi
}

# Mounts bpffs at /sys/fs/bpf when it is missing, makes PIN_DIR.
setup_bpffs() {
	if ! mountpoint -q /sys/fs/bpf; then
		mount -t bpf bpf /sys/fs/bpf ||
			{ echo "bpffs is not mounted at /sys/fs/bpf and mounting it failed" >&2; return 1; }
	fi
	mkdir -p "$PIN_DIR"
}

cleanup_pins() {
	rm -rf "$PIN_DIR"
}

# Whether the running kernel has iterator target $1.
kernel_has_target() {
	"$BPFTOOL" btf dump file /sys/kernel/btf/vmlinux 2>/dev/null |
		grep -q "FUNC 'bpf_iter_$1'"
}

# start_fd_holder: a process holding an io_uring and an epoll instance.
# Sets HOLDER_PID, RING_FD, EPOLL_FD, RING_INO, EPOLL_INO.
start_fd_holder() {
	local info="$BATS_FILE_TMPDIR/holder.info" waited=0
	rm -f "$info"
	mkfifo "$BATS_FILE_TMPDIR/holder.in"
	"$FD_HOLDER" wait <"$BATS_FILE_TMPDIR/holder.in" >"$info" 3>&- &
	HOLDER_PID=$!
	# Keeps the holder's stdin open until stop_fd_holder closes it.
	exec {HOLDER_IN}>"$BATS_FILE_TMPDIR/holder.in"
	while [[ ! -s $info ]]; do
		kill -0 "$HOLDER_PID" 2>/dev/null || { echo "fd-holder died" >&2; return 1; }
		((waited++ < 100)) || { echo "fd-holder not ready after 10 s" >&2; return 1; }
		sleep 0.1
	done
	read -r RING_FD EPOLL_FD RING_INO EPOLL_INO <"$info"
	export HOLDER_PID RING_FD EPOLL_FD RING_INO EPOLL_INO HOLDER_IN
}

stop_fd_holder() {
	if [[ -n ${HOLDER_IN:-} ]]; then
		exec {HOLDER_IN}>&-
	fi
	if [[ -n ${HOLDER_PID:-} ]]; then
		kill "$HOLDER_PID" 2>/dev/null || true
		wait "$HOLDER_PID" 2>/dev/null || true
	fi
}

# JSON field $2 of the JSON text $1 (empty when absent).
json_field() {
	jq -r --arg k "$2" 'if has($k) then .[$k] else empty end' <<<"$1"
}
