#!/usr/bin/env bats
# Documented behaviours that no other file tests: the `dump` command word,
# -V, --freeze --all, --freeze on a process another tracer holds, --btf with
# an ELF file, missing kernel BTF, missing bpffs, pin --btf and the pin's
# mode, the ring buffer's overflow retry, and running with exactly the
# capabilities the README names instead of root.  Exact statuses and
# messages.

load lib

setup() {
	common_setup
}

teardown() {
	if [[ -n ${TRACER_PID:-} ]]; then
		kill "$TRACER_PID" 2>/dev/null || true
		wait "$TRACER_PID" 2>/dev/null || true
	fi
	common_teardown
	if [[ -n ${NOBODY_DIR:-} ]]; then
		rm -rf "$NOBODY_DIR"
	fi
	if [[ -n ${PIN_DIR_MADE:-} ]]; then
		rm -rf "$PIN_DIR"
	fi
}

@test "dump: the command word 'dump' is the default command" {
	start_workload demo
	ud dump --json "$WL_PID"
	expect_status 0
	compare_truth "$TRUTH" "$UD_OUT"
	local with=$UD_OUT
	ud --json "$WL_PID"
	expect_status 0
	"$PY" - "$with" "$UD_OUT" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
sys.exit(0 if a == b else "'dump --json PID' and '--json PID' differ")
PY
	ud dump "$WL_PID"
	expect_status 0
	compare_truth --text "$TRUTH" "$UD_OUT"
	ud dump -f -j "$WL_PID"
	expect_status 0
	compare_truth "$TRUTH" "$UD_OUT" --exact
}

@test "-V and --version print 'uringdump VERSION (libbpf vX.Y)' and exit 0" {
	local opt
	for opt in -V --version; do
		ud "$opt"
		expect_status 0
		grep -Eqx 'uringdump [0-9]+\.[0-9]+\.[0-9]+ \(libbpf v[0-9]+\.[0-9]+\)' "$UD_OUT" ||
			{ echo "$opt: not 'uringdump X.Y.Z (libbpf vA.B)'" >&2; ud_report; return 1; }
		[[ $(wc -l <"$UD_OUT") == 1 && ! -s $UD_ERR ]] || { echo "$opt: more than one line" >&2; ud_report; return 1; }
	done
}

@test "--freeze --all is a usage error (2): --freeze needs PIDs" {
	local args
	for args in "--freeze --all" "-f -a" "--all --freeze -j"; do
		# shellcheck disable=SC2086 # split on purpose
		ud $args
		expect_status 2
		expect_stderr_matches "^uringdump: --freeze needs PIDs: it does not stop every process$"
		[[ ! -s $UD_OUT ]] || { echo "output with '$args'" >&2; ud_report; return 1; }
	done
}

@test "--freeze on a process another tracer holds: 4, the tracer keeps it, nothing stays stopped" {
	start_workload demo
	local ok="$BATS_TEST_TMPDIR/tracer.ok"
	"$PY" - "$WL_PID" "$ok" 3>&- <<'PY' &
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
PTRACE_SEIZE = 0x4206
if libc.ptrace(PTRACE_SEIZE, int(sys.argv[1]), None, None) != 0:
    sys.exit(f"PTRACE_SEIZE: errno {ctypes.get_errno()}")
open(sys.argv[2], "w").write(str(os.getpid()))
time.sleep(3600)
PY
	TRACER_PID=$!
	wait_for 10 "the tracer attached" test -s "$ok"
	local tracer
	tracer=$(awk '/^TracerPid:/ {print $2}' "/proc/$WL_PID/status")
	[[ $tracer == "$TRACER_PID" ]] || { echo "TracerPid $tracer, expected $TRACER_PID" >&2; return 1; }
	ud --json --freeze "$WL_PID"
	expect_status 4
	expect_stderr_matches "^uringdump: cannot freeze thread $WL_PID of $WL_PID: ptrace: Operation not permitted$"
	[[ ! -s $UD_OUT ]] || { echo "output although the freeze failed" >&2; ud_report; return 1; }
	[[ $(awk '/^TracerPid:/ {print $2}' "/proc/$WL_PID/status") == "$TRACER_PID" ]] ||
		{ echo "the other tracer lost pid $WL_PID" >&2; return 1; }
	local t
	for t in /proc/"$WL_PID"/task/*; do
		[[ ${t##*/} == "$WL_PID" ]] && continue
		[[ $(awk '/^TracerPid:/ {print $2}' "$t/status") == 0 ]] ||
			{ echo "thread ${t##*/} is still traced after the failed --freeze" >&2; return 1; }
	done
	expect_heartbeat_advances
	# without --freeze the traced process is dumped
	ud --json "$WL_PID"
	expect_status 0
	compare_truth "$TRUTH" "$UD_OUT"
}

@test "--btf FILE takes an ELF file with a .BTF section like raw BTF" {
	[[ -r /sys/kernel/btf/vmlinux ]] || skip_or_fail "no /sys/kernel/btf/vmlinux to wrap in an ELF file"
	command -v objcopy >/dev/null || skip_or_fail "objcopy (binutils) not installed"
	local elf="$BATS_TEST_TMPDIR/btf.elf"
	echo 'int uringdump_btf_holder;' | cc -c -x c - -o "$BATS_TEST_TMPDIR/holder.o"
	objcopy --add-section .BTF=/sys/kernel/btf/vmlinux "$BATS_TEST_TMPDIR/holder.o" "$elf"
	start_workload ring_basic
	ud --json --btf "$elf" "$WL_PID"
	expect_status 0
	compare_truth "$TRUTH" "$UD_OUT"
}

@test "missing kernel BTF: 5 naming CONFIG_DEBUG_INFO_BTF, also with --btf" {
	command -v unshare >/dev/null || skip_or_fail "unshare (util-linux) not installed"
	start_plain sleep 1000
	# shellcheck disable=SC2016 # expanded by the inner sh
	ud_via unshare -m --propagation private sh -c 'mount -t tmpfs none /sys/kernel/btf && exec "$@"' \
		sh "$UD" --json "$BG_PID"
	expect_status 5
	expect_stderr_matches "^uringdump: kernel BTF is missing \(/sys/kernel/btf/vmlinux\): BPF iterators need a kernel built with CONFIG_DEBUG_INFO_BTF$"
	[[ ! -s $UD_OUT ]]
	# --btf relocates against another file; the attach still needs the
	# kernel's own BTF
	local copy="$BATS_TEST_TMPDIR/vmlinux.btf"
	cp /sys/kernel/btf/vmlinux "$copy"
	# shellcheck disable=SC2016 # expanded by the inner sh
	ud_via unshare -m --propagation private sh -c 'mount -t tmpfs none /sys/kernel/btf && exec "$@"' \
		sh "$UD" --json --btf "$copy" "$BG_PID"
	expect_status 5
	expect_stderr_matches "^uringdump: kernel BTF is missing \(/sys/kernel/btf/vmlinux\): BPF iterators need a kernel built with CONFIG_DEBUG_INFO_BTF$"
	[[ ! -s $UD_OUT ]]
}

@test "pin without bpffs at /sys/fs/bpf: 5 naming the mount command, nothing created" {
	command -v unshare >/dev/null || skip_or_fail "unshare (util-linux) not installed"
	start_plain sleep 1000
	local how
	# shellcheck disable=SC2016 # expanded by the inner sh
	for how in 'mount -t tmpfs none /sys/fs/bpf' 'umount /sys/fs/bpf 2>/dev/null; ! mountpoint -q /sys/fs/bpf'; do
		# shellcheck disable=SC2016
		ud_via unshare -m --propagation private sh -c "$how"' && exec "$@"' \
			sh "$UD" pin "$BG_PID" /sys/fs/bpf/ud_nobpffs
		expect_status 5
		expect_stderr_matches "^uringdump: /sys/fs/bpf is not in a bpffs mount \(mount -t bpf bpf /sys/fs/bpf\)$"
		[[ ! -s $UD_OUT ]]
	done
	[[ ! -e /sys/fs/bpf/ud_nobpffs ]]
}

@test "pin: the pin is mode 0600 (root only); pin --btf works, a bad --btf fails with 5 leaving nothing" {
	PIN_DIR="/sys/fs/bpf/ud_e2e_doc_${BATS_ROOT_PID:-$$}"
	fresh_pin_dir
	start_workload ring_basic
	ud pin "$WL_PID" "$PIN_DIR/p"
	expect_status 0
	[[ $(stat -c '%a %u' "$PIN_DIR/p") == "600 0" ]] ||
		{ echo "pin mode/owner $(stat -c '%a %u' "$PIN_DIR/p"), expected 600 0" >&2; return 1; }
	ud pin --btf /sys/kernel/btf/vmlinux "$WL_PID" "$PIN_DIR/b"
	expect_status 0
	ud read -j "$PIN_DIR/b"
	expect_status 0
	compare_truth "$TRUTH" "$UD_OUT"
	ud pin --btf /nonexistent "$WL_PID" "$PIN_DIR/bad"
	expect_status 5
	expect_stderr_matches "/nonexistent"
	[[ ! -e $PIN_DIR/bad ]] || { echo "a failed pin left $PIN_DIR/bad" >&2; return 1; }
}

# URINGDUMP_SPILL_BYTES=N: the dump command's initial ring buffer size;
# URINGDUMP_SPILL_MAX_BYTES=N: the largest, which makes the final exit 1
# reachable without 1 GiB of records.
@test "ring buffer overflow: a dump with a 4 KiB initial ring buffer retries larger and is whole" {
	start_workload big files=3000 ring_max=1000 bufs=2000 items=5000
	URINGDUMP_SPILL_BYTES=4096 ud --json -v "$WL_PID"
	expect_status 0
	expect_stderr_matches "records dropped, retrying with a [0-9]+ [KMG]iB ring buffer"
	compare_truth "$TRUTH" "$UD_OUT"
	# not a power of two from the page size to 1 GiB: a usage error
	local bad
	for bad in 3000 4095 6000 abc 2147483648; do
		URINGDUMP_SPILL_BYTES=$bad ud --json "$WL_PID"
		expect_status 2
		expect_stderr_matches "^uringdump: URINGDUMP_SPILL_BYTES='$bad' is not a power of two between the page size and 1 GiB$"
		URINGDUMP_SPILL_MAX_BYTES=$bad ud --json "$WL_PID"
		expect_status 2
		expect_stderr_matches "^uringdump: URINGDUMP_SPILL_MAX_BYTES='$bad' is not a power of two between the page size and 1 GiB$"
	done
	# a ring buffer that may not grow enough: exit 1, nothing on stdout
	URINGDUMP_SPILL_BYTES=4096 URINGDUMP_SPILL_MAX_BYTES=16384 ud --json -v "$WL_PID"
	expect_status 1
	expect_stderr_matches "retrying with a 16 KiB ring buffer"
	expect_stderr_matches "^uringdump: dump incomplete: [0-9]+ records did not fit a ring buffer of 16 KiB$"
	[[ ! -s $UD_OUT ]] || { echo "a failed dump printed output" >&2; return 1; }
}

# run_with_caps CAPS ARGS...: uringdump as user nobody with exactly CAPS
# (e.g. +bpf,+perfmon) inherited and ambient, no root.
run_with_caps() {
	local caps=$1
	shift
	ud_via setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps="$caps" --ambient-caps="$caps" "$UD" "$@"
}

# start_nobody_workload NAME: workload NAME running as nobody; WL_PID, TRUTH.
start_nobody_workload() {
	# bats' temporary directories are root's only: a directory of nobody's
	NOBODY_DIR=$(mktemp -d /tmp/ud-e2e-nobody.XXXXXX)
	chown 65534:65534 "$NOBODY_DIR"
	local dir=$NOBODY_DIR
	TRUTH="$dir/$1.truth.json"
	HB="$TRUTH.hb"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$UD_WORKLOADS/$1" "$TRUTH" \
		>"$dir/$1.log" 2>&1 3>&- &
	WL_PID=$!
	WL_PIDS+=("$WL_PID")
	wait_for 60 "workload $1 (as nobody) ready" test -e "$TRUTH.ready"
}

# Without --btf too: uringdump names /sys/kernel/btf/vmlinux to libbpf
# itself, so that libbpf does not walk the module BTFs for CO-RE candidates
# (BPF_BTF_GET_NEXT_ID needs CAP_SYS_ADMIN: "failed to iterate BTF
# objects", exit 4 before the fix).
@test "not root, exactly CAP_BPF+CAP_PERFMON: dumps its own user's process; +CAP_SYS_PTRACE for --freeze" {
	command -v setpriv >/dev/null || skip_or_fail "setpriv (util-linux) not installed"
	start_nobody_workload epoll_basic
	local btf
	for btf in "--btf /sys/kernel/btf/vmlinux" ""; do
		# shellcheck disable=SC2086 # split on purpose
		run_with_caps +bpf,+perfmon --json $btf "$WL_PID"
		expect_status 0
		compare_truth "$TRUTH" "$UD_OUT"
		# shellcheck disable=SC2086
		run_with_caps +bpf,+perfmon,+sys_ptrace --json --freeze $btf "$WL_PID"
		expect_status 0
		compare_truth "$TRUTH" "$UD_OUT" --exact
		expect_running "$WL_PID"
		# --freeze without CAP_SYS_PTRACE: 4, naming it
		# shellcheck disable=SC2086
		run_with_caps +bpf,+perfmon --json --freeze $btf "$WL_PID"
		expect_status 4
		expect_stderr_matches "CAP_SYS_PTRACE"
	done
}
