#!/usr/bin/env bats
# `uringdump iter pin OBJ PATH [map MAP | io_uring_fd FD | epoll_fd FD |
# pid PID | tid TID]`: the drop-in for bpftool's `iter pin` with the
# io_uring/epoll series.  The oracle is the patched bpftool
# (build/bpftool/bpftool, `make bpftool`): pinned with the same keywords,
# both links must agree field by field in `uringdump link show -j`.

load lib

UD_BPF_OBJ="${UD_BPF_OBJ:-$(dirname "$UD")/uringdump.bpf.o}"
UD_NATIVE_OBJ="${UD_NATIVE_OBJ:-$(dirname "$UD")/uringdump_native.bpf.o}"
BPFTOOL_PATCHED="${BPFTOOL_PATCHED:-$ROOT_DIR/build/bpftool/bpftool}"
# bpffs names must not contain dots
PIN_DIR="/sys/fs/bpf/ud_iter_e2e_${BATS_ROOT_PID:-$$}_${BATS_TEST_NUMBER:-0}"

setup() {
	common_setup
	if [[ ! -e $UD_BPF_OBJ || ! -e $UD_NATIVE_OBJ ]]; then
		echo "$UD_BPF_OBJ or $UD_NATIVE_OBJ missing: run 'make' first" >&2
		return 1
	fi
	fresh_pin_dir || return 1
	# The target: a process with two known extra fds.
	start_plain sleep 1000 7</dev/null 8</dev/null
	TARGET_PID=$BG_PID
}

teardown() {
	common_teardown
	if [[ -n ${PIN_DIR_MADE:-} ]]; then
		rm -rf "$PIN_DIR"
	fi
}

require_patched_bpftool() {
	if [[ ! -x $BPFTOOL_PATCHED ]]; then
		skip_or_fail "patched bpftool not built at $BPFTOOL_PATCHED (make bpftool; make check builds it before the e2e tests)"
	fi
}

# link_id_of PATH: the id of the link pinned at PATH (BPF_OBJ_GET, then the
# link_id line of its fdinfo).
link_id_of() {
	"$PY" - "$1" <<'PYEOF'
import ctypes, os, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
path = ctypes.create_string_buffer(sys.argv[1].encode())
attr = ctypes.create_string_buffer(struct.pack("<QII", ctypes.addressof(path), 0, 0), 128)
fd = libc.syscall(321, 7, attr, 128)  # x86_64 SYS_bpf, BPF_OBJ_GET
if fd < 0:
    sys.exit("BPF_OBJ_GET %s: %s" % (sys.argv[1], os.strerror(ctypes.get_errno())))
with open("/proc/self/fdinfo/%d" % fd) as f:
    for line in f:
        if line.startswith("link_id:"):
            print(line.split()[1])
            sys.exit(0)
sys.exit("%s is not a link" % sys.argv[1])
PYEOF
}

# same_link_fields A B: `uringdump link show -j id` of links A and B agree
# on every field but id, prog_id, pinned and pids.
same_link_fields() {
	ud link show -j id "$1"
	expect_status 0
	local a=$UD_OUT
	ud link show -j id "$2"
	expect_status 0
	local b=$UD_OUT
	"$PY" - "$a" "$b" <<'PYEOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
skip = {"id", "prog_id", "pinned", "pids"}
bad = [(k, a.get(k, "<absent>"), b.get(k, "<absent>"))
       for k in sorted((set(a) | set(b)) - skip) if a.get(k, "<absent>") != b.get(k, "<absent>")]
for k, x, y in bad:
    print("field %s: uringdump iter pin %r, bpftool iter pin %r" % (k, x, y), file=sys.stderr)
if bad:
    sys.exit(1)
PYEOF
}

# both_pin [KEYWORD VALUE]: pins uringdump.bpf.o with uringdump and with
# the patched bpftool; sets LINK_A, LINK_B.
both_pin() {
	ud iter pin "$UD_BPF_OBJ" "$PIN_DIR/ud" "$@"
	expect_status 0
	if [[ -s $UD_OUT ]]; then
		echo "uringdump iter pin printed something on success:" >&2
		cat "$UD_OUT" >&2
		return 1
	fi
	"$BPFTOOL_PATCHED" iter pin "$UD_BPF_OBJ" "$PIN_DIR/bt" "$@"
	LINK_A=$(link_id_of "$PIN_DIR/ud")
	LINK_B=$(link_id_of "$PIN_DIR/bt")
}

@test "iter pin pid: the same link as the patched bpftool's" {
	require_patched_bpftool
	both_pin pid "$TARGET_PID"
	same_link_fields "$LINK_A" "$LINK_B"
	ud link show -j id "$LINK_A"
	[ "$(jq -r .target_name "$UD_OUT")" = task_file ]
	[ "$(jq -r .pid "$UD_OUT")" = "$TARGET_PID" ]
	[ "$(jq -c .pinned "$UD_OUT")" = "[\"$PIN_DIR/ud\"]" ]
	# the pin reads
	[ "$(head -c 4096 "$PIN_DIR/ud" | wc -c)" -gt 0 ]
}

@test "iter pin tid, abbreviated: the same link as the patched bpftool's" {
	require_patched_bpftool
	both_pin t "$TARGET_PID"
	same_link_fields "$LINK_A" "$LINK_B"
	ud link show -j id "$LINK_A"
	[ "$(jq -r .tid "$UD_OUT")" = "$TARGET_PID" ]
}

@test "iter pin without a parameter: the same link as the patched bpftool's" {
	require_patched_bpftool
	both_pin
	same_link_fields "$LINK_A" "$LINK_B"
}

@test "iter pin pid works without any bpftool" {
	ud iter pin "$UD_BPF_OBJ" "$PIN_DIR/alone" pid "$TARGET_PID"
	expect_status 0
	[ -e "$PIN_DIR/alone" ]
	ud link show -j id "$(link_id_of "$PIN_DIR/alone")"
	expect_status 0
	[ "$(jq -r .pid "$UD_OUT")" = "$TARGET_PID" ]
}

@test "iter pin io_uring_fd PID:FD on a stock kernel: no io_uring_file iterator, nothing left" {
	if grep -qa bpf_iter_io_uring_file /sys/kernel/btf/vmlinux; then
		skip_or_fail "this kernel has the io_uring_file iterator: the stock-kernel refusal cannot be tested here"
	fi
	ud iter pin "$UD_NATIVE_OBJ" "$PIN_DIR/ring" io_uring_fd "$TARGET_PID:7"
	expect_status 5
	expect_stderr_matches "has no io_uring_file iterator"
	[ ! -e "$PIN_DIR/ring" ]
}

@test "iter pin rejects a parameter that the program's target does not take" {
	ud iter pin "$UD_BPF_OBJ" "$PIN_DIR/x" io_uring_fd "$TARGET_PID:7"
	expect_status 2
	expect_stderr_matches "'io_uring_fd' applies to io_uring_buf or io_uring_file iterators only, program dump_task_file has target task_file"
	ud iter pin "$UD_BPF_OBJ" "$PIN_DIR/x" epoll_fd 0
	expect_status 2
	expect_stderr_matches "'epoll_fd' applies to epoll iterators only"
	ud iter pin "$UD_NATIVE_OBJ" "$PIN_DIR/x" pid "$TARGET_PID"
	expect_status 2
	expect_stderr_matches "'pid' applies to task, task_file or task_vma iterators only, program dump_io_uring_file has target io_uring_file"
	[ ! -e "$PIN_DIR/x" ]
}

@test "iter pin: malformed arguments exit 2 with a message naming the problem" {
	local o=$UD_BPF_OBJ p=$PIN_DIR/bad
	local -a cases=(
		"expected OBJ PATH|pin"
		"expected PATH|pin $o"
		"unknown argument 'mpa'|pin $o $p mpa id 5"
		"'pid' given more than once|pin $o $p pid 1 pid 1"
		"'pid' and 'tid' can't be used together|pin $o $p pid 1 tid 1"
		"'map' and 'io_uring_fd' can't be used together|pin $o $p map id 1 io_uring_fd 3"
		"'pid' needs a value|pin $o $p pid"
		"'epoll_fd' needs a value|pin $o $p epoll_fd"
		"incorrect map spec|pin $o $p map id"
		"expected 'id', 'name' or 'pinned'|pin $o $p map fd 3"
		"invalid pid '0', expected a positive number|pin $o $p pid 0"
		"invalid tid 'x1'|pin $o $p tid x1"
		"invalid io_uring_fd '0:3', expected FD or PID:FD|pin $o $p io_uring_fd 0:3"
		"invalid epoll_fd '1:2:3'|pin $o $p epoll_fd 1:2:3"
		"can't parse 'abc' as a map ID|pin $o $p map id abc"
		"unexpected argument 'extra' after the 'pid' parameter|pin $o $p pid 1 extra"
		"unknown option '--bogus'|pin $o $p --bogus"
		"unknown command 'unpin'|unpin $p"
	)
	local c msg
	local -a args
	for c in "${cases[@]}"; do
		msg=${c%%|*}
		read -ra args <<<"${c#*|}"
		ud iter "${args[@]}"
		expect_status 2
		expect_stderr_matches "$msg"
	done
	[ ! -e "$p" ]
}

@test "iter help prints the grammar" {
	ud iter help
	expect_status 0
	grep -qF "iter pin OBJ PATH [map MAP | io_uring_fd FD | epoll_fd FD | pid PID | tid TID]" "$UD_OUT"
	grep -qF "FD  := { FD_NUM | PID:FD_NUM }" "$UD_OUT"
}

@test "iter pin over an existing path fails and keeps the old pin" {
	ud iter pin "$UD_BPF_OBJ" "$PIN_DIR/keep" pid "$TARGET_PID"
	expect_status 0
	local old
	old=$(link_id_of "$PIN_DIR/keep")
	ud iter pin "$UD_BPF_OBJ" "$PIN_DIR/keep" tid "$TARGET_PID"
	expect_status 1
	expect_stderr_matches "already exists"
	[ "$(link_id_of "$PIN_DIR/keep")" = "$old" ]
	ud link show -j id "$old"
	expect_status 0
	[ "$(jq -r .pid "$UD_OUT")" = "$TARGET_PID" ]
	[ "$(jq -r '.tid // "none"' "$UD_OUT")" = none ]
}

@test "iter pin with an fd not open in uringdump fails and leaves nothing" {
	ud iter pin "$UD_NATIVE_OBJ" "$PIN_DIR/nofd" io_uring_fd 999
	# a stock kernel stops at loading (5), a patched one at the fd (2)
	if grep -qa bpf_iter_io_uring_file /sys/kernel/btf/vmlinux; then
		expect_status 2
		expect_stderr_matches "999"
	else
		expect_status 5
		expect_stderr_matches "this kernel has no io_uring_file iterator"
	fi
	[ ! -e "$PIN_DIR/nofd" ]
}

@test "teardown leaves no pin behind" {
	ud iter pin "$UD_BPF_OBJ" "$PIN_DIR/gone" pid "$TARGET_PID"
	expect_status 0
	teardown
	PIN_DIR_MADE=
	[ ! -e "$PIN_DIR" ]
}
