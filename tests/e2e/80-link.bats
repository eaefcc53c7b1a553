#!/usr/bin/env bats
# `uringdump link show`: BPF iterator links as bpftool lists them, plus their
# pins (bpffs), their holders (/proc/*/fdinfo) and uringdump's own iterators.
# The oracle is Debian's bpftool (7.1): every field it prints must agree.
# Links are created with `bpftool iter pin build/uringdump.bpf.o` (a
# task_file link without a task filter) and held by a small python helper.

load lib

BPFTOOL="${BPFTOOL:-bpftool}"
UD_BPF_OBJ="${UD_BPF_OBJ:-$(dirname "$UD")/uringdump.bpf.o}"
# bpffs names must not contain dots
PIN_DIR="/sys/fs/bpf/ud_link_e2e_${BATS_ROOT_PID:-$$}_${BATS_TEST_NUMBER:-0}"

setup() {
	require_uringdump
}

teardown() {
	common_teardown
	if [[ -n ${PIN_DIR_MADE:-} ]]; then
		rm -rf "$PIN_DIR"
	fi
}

# Root, bpffs at /sys/fs/bpf (mounted when missing), bpftool, the BPF
# object and a fresh PIN_DIR.
link_setup() {
	require_root
	if ! command -v "$BPFTOOL" >/dev/null; then
		echo "bpftool not found (Debian package bpftool)" >&2
		return 1
	fi
	if [[ ! -e $UD_BPF_OBJ ]]; then
		echo "$UD_BPF_OBJ missing: run 'make' first (or set UD_BPF_OBJ=...)" >&2
		return 1
	fi
	fresh_pin_dir || return 1
}

# pin_iter PATH: `bpftool iter pin` of uringdump's task_file program; sets
# LINK_ID (found by bpftool -f through its pinned path).
pin_iter() {
	local path=$1
	if ! "$BPFTOOL" iter pin "$UD_BPF_OBJ" "$path" >&2; then
		echo "bpftool iter pin $UD_BPF_OBJ $path failed" >&2
		return 1
	fi
	LINK_ID=$("$BPFTOOL" -j -f link show |
		jq -r --arg p "$path" '.[] | select((.pinned // []) | index($p)) | .id')
	if [[ ! $LINK_ID =~ ^[0-9]+$ ]]; then
		echo "bpftool does not list a link pinned at $path (got '$LINK_ID')" >&2
		"$BPFTOOL" -f link show >&2
		return 1
	fi
}

# A helper process holding a BPF link fd.
write_holder() {
	HOLDER_PY="$BATS_TEST_TMPDIR/bpfhold.py"
	cat >"$HOLDER_PY" <<'EOF'
# Holds a BPF link fd until killed; prints the link id.
#   bpfhold.py pinned PATH     BPF_OBJ_GET of a pinned link
#   bpfhold.py raw_tp          a new raw_tracepoint link (not an iterator)
import ctypes, os, struct, sys, time

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
SYS_bpf = 321  # x86_64
BPF_PROG_LOAD, BPF_OBJ_GET, BPF_RAW_TRACEPOINT_OPEN = 5, 7, 17
BPF_PROG_TYPE_RAW_TRACEPOINT = 17

def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(attr, 128)
    fd = libc.syscall(SYS_bpf, cmd, buf, 128)
    if fd < 0:
        sys.exit("bpf(%d): %s" % (cmd, os.strerror(ctypes.get_errno())))
    return fd

def link_id(fd):
    with open("/proc/self/fdinfo/%d" % fd) as f:
        for line in f:
            if line.startswith("link_id:"):
                return int(line.split()[1])
    sys.exit("fd %d is not a BPF link" % fd)

keep = []
if sys.argv[1] == "pinned":
    path = ctypes.create_string_buffer(sys.argv[2].encode())
    keep.append(path)
    fd = bpf(BPF_OBJ_GET, struct.pack("<QII", ctypes.addressof(path), 0, 0))
else:
    # r0 = 0; exit
    insns = ctypes.create_string_buffer(struct.pack("<BBhiBBhi", 0xb7, 0, 0, 0, 0x95, 0, 0, 0))
    lic = ctypes.create_string_buffer(b"GPL")
    tp = ctypes.create_string_buffer(b"sched_switch")
    keep += [insns, lic, tp]
    prog = bpf(BPF_PROG_LOAD, struct.pack("<IIQQIIQII16s", BPF_PROG_TYPE_RAW_TRACEPOINT, 2,
                                          ctypes.addressof(insns), ctypes.addressof(lic),
                                          0, 0, 0, 0, 0, b"ud_e2e_rawtp"))
    fd = bpf(BPF_RAW_TRACEPOINT_OPEN, struct.pack("<QI", ctypes.addressof(tp), prog))
print(link_id(fd), flush=True)
while True:
    time.sleep(3600)
EOF
}

# start_holder ARGS...: runs the helper; sets HOLD_PID and HOLD_LINK.
start_holder() {
	local out="$BATS_TEST_TMPDIR/hold.$RANDOM" i
	write_holder
	"$PY" "$HOLDER_PY" "$@" >"$out" 2>"$out.err" 3>&- &
	HOLD_PID=$!
	WL_PIDS+=("$HOLD_PID")
	for ((i = 0; i < 100; i++)); do
		HOLD_LINK=$(head -n1 "$out")
		[[ -n $HOLD_LINK ]] && return 0
		if ! kill -0 "$HOLD_PID" 2>/dev/null; then
			echo "link holder ($*) died:" >&2
			cat "$out.err" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "link holder ($*) printed no link id" >&2
	return 1
}

# agree_with_bpftool OURS BPFTOOL ID: the objects of link ID (in arrays, or
# single objects) agree on every field bpftool prints; pinned as a set.
agree_with_bpftool() {
	if ! "$PY" - "$@" <<'EOF'; then
import json, sys
ours_doc, theirs_doc = (json.load(open(p)) for p in sys.argv[1:3])
lid = int(sys.argv[3])
def pick(doc):
    items = doc if isinstance(doc, list) else [doc]
    found = [o for o in items if o.get("id") == lid]
    return found[0] if found else None
ours, theirs = pick(ours_doc), pick(theirs_doc)
if ours is None or theirs is None:
    sys.exit("link %d: uringdump %s, bpftool %s" % (lid, "has it" if ours else "lacks it",
                                                   "has it" if theirs else "lacks it"))
bad = []
for k, v in theirs.items():
    if k == "pinned":
        if sorted(v) != sorted(ours.get("pinned", [])):
            bad.append("pinned: bpftool %s, uringdump %s" % (v, ours.get("pinned")))
    elif k == "pids":
        if sorted(p["pid"] for p in v) != sorted(p["pid"] for p in ours.get("pids", [])):
            bad.append("pids: bpftool %s, uringdump %s" % (v, ours.get("pids")))
    elif k in ("tp_name", "prog_type", "attach_type", "bpf_cookie"):
        continue  # details of other link types: `link show` prints basic fields only
    elif ours.get(k, "<missing>") != v:
        bad.append("%s: bpftool %r, uringdump %r" % (k, v, ours.get(k, "<missing>")))
if bad:
    sys.exit("link %d disagrees with bpftool:\n  " % lid + "\n  ".join(bad))
EOF
		ud_report
		return 1
	fi
}

@test "link: a bpftool-pinned iterator is listed with its pin (plain, -j, -p)" {
	link_setup
	pin_iter "$PIN_DIR/it"

	ud link show
	expect_status 0
	# bpftool's first line, byte for byte
	local theirs ours
	theirs=$("$BPFTOOL" link show id "$LINK_ID" | head -n1)
	ours=$(grep "^$LINK_ID: " "$UD_OUT")
	if [[ $ours != "$theirs" ]]; then
		echo "plain line differs: bpftool '$theirs', uringdump '$ours'" >&2
		ud_report
		return 1
	fi
	awk -v id="$LINK_ID" -v p="$PIN_DIR/it" '
		$0 ~ "^" id ": " { inside = 1; next }
		/^[0-9]+: / { inside = 0 }
		inside && $0 == "\tpinned " p { found = 1 }
		END { exit !found }' "$UD_OUT" || { echo "no 'pinned $PIN_DIR/it' line" >&2; ud_report; return 1; }

	local mode
	for mode in --json -p; do
		ud link show "$mode"
		expect_status 0
		jq -e --argjson id "$LINK_ID" --arg p "$PIN_DIR/it" '
			type == "array" and all(.[]; .type == "iter") and
			(.[] | select(.id == $id) |
			 .target_name == "task_file" and (.pinned | index($p)) != null and .pids == [] and
			 .uringdump == {"pid": null, "fd": null})' \
			"$UD_OUT" >/dev/null || { echo "link $LINK_ID not listed as expected ($mode)" >&2; ud_report; return 1; }
	done
}

@test "link: every iterator link agrees with bpftool link show -j on every field" {
	link_setup
	pin_iter "$PIN_DIR/a"
	local bt="$BATS_TEST_TMPDIR/bpftool.json" id ids=0
	ud link show -j
	expect_status 0
	"$BPFTOOL" -j -f link show >"$bt"
	# other tests may create and remove links meanwhile: compare the links
	# both listed, and require ours
	for id in $(jq -r '.[] | select(.type == "iter") | .id' "$bt"); do
		if jq -e --argjson id "$id" 'any(.[]; .id == $id)' "$UD_OUT" >/dev/null; then
			agree_with_bpftool "$UD_OUT" "$bt" "$id"
			ids=$((ids + 1))
		elif "$BPFTOOL" link show id "$id" >/dev/null 2>&1; then
			echo "bpftool lists iterator link $id, uringdump does not" >&2
			ud_report
			return 1
		fi
	done
	((ids >= 1))
	agree_with_bpftool "$UD_OUT" "$bt" "$LINK_ID"
	# only iterator links, ascending ids
	jq -e '(map(.type) | unique) == ["iter"] and (map(.id) == (map(.id) | sort))' "$UD_OUT" >/dev/null ||
		{ echo "uringdump lists other link types or is unsorted" >&2; ud_report; return 1; }
}

@test "link: id ID shows one link, as bpftool does" {
	link_setup
	pin_iter "$PIN_DIR/one"
	local bt="$BATS_TEST_TMPDIR/bpftool.json"
	ud link show id "$LINK_ID" --json
	expect_status 0
	jq -e --argjson id "$LINK_ID" 'type == "object" and .id == $id' "$UD_OUT" >/dev/null ||
		{ echo "id $LINK_ID: not one object" >&2; ud_report; return 1; }
	"$BPFTOOL" -j -f link show id "$LINK_ID" >"$bt"
	agree_with_bpftool "$UD_OUT" "$bt" "$LINK_ID"

	ud link show id "$LINK_ID"
	expect_status 0
	[[ $(head -n1 "$UD_OUT") == "$("$BPFTOOL" link show id "$LINK_ID" | head -n1)" ]] ||
		{ echo "plain first line differs from bpftool's" >&2; ud_report; return 1; }
	[[ $(grep -c '^[0-9]' "$UD_OUT") == 1 ]]
}

@test "link: a link pinned twice (also in a subdirectory) shows both paths" {
	link_setup
	pin_iter "$PIN_DIR/first"
	mkdir "$PIN_DIR/sub"
	"$BPFTOOL" link pin id "$LINK_ID" "$PIN_DIR/sub/second"
	ud link show id "$LINK_ID" -j
	expect_status 0
	jq -e --arg a "$PIN_DIR/first" --arg b "$PIN_DIR/sub/second" \
		'(.pinned | index($a)) != null and (.pinned | index($b)) != null' "$UD_OUT" >/dev/null ||
		{ echo "both pins expected" >&2; ud_report; return 1; }
	rm "$PIN_DIR/first"
	ud link show id "$LINK_ID" -j
	expect_status 0
	jq -e --arg b "$PIN_DIR/sub/second" '.pinned == [$b]' "$UD_OUT" >/dev/null ||
		{ echo "only the remaining pin expected" >&2; ud_report; return 1; }
}

@test "link: pids lists the processes holding an fd of the link" {
	link_setup
	pin_iter "$PIN_DIR/held"
	start_holder pinned "$PIN_DIR/held"
	[[ $HOLD_LINK == "$LINK_ID" ]]
	local comm
	comm=$(cat "/proc/$HOLD_PID/comm")
	ud link show id "$LINK_ID" -j
	expect_status 0
	jq -e --argjson pid "$HOLD_PID" --arg comm "$comm" \
		'.pids == [{"pid": $pid, "comm": $comm}]' "$UD_OUT" >/dev/null ||
		{ echo "pids should be [{pid: $HOLD_PID, comm: $comm}]" >&2; ud_report; return 1; }
	ud link show id "$LINK_ID"
	expect_status 0
	grep -qxF "	pids $comm($HOLD_PID)" "$UD_OUT" ||
		{ echo "no plain 'pids $comm($HOLD_PID)' line" >&2; ud_report; return 1; }
}

@test "link: a link of another type by id prints its basic fields, the list skips it" {
	link_setup
	start_holder raw_tp
	local bt="$BATS_TEST_TMPDIR/bpftool.json"
	ud link show id "$HOLD_LINK" -j
	expect_status 0
	jq -e --argjson id "$HOLD_LINK" --argjson pid "$HOLD_PID" \
		'.id == $id and .type == "raw_tracepoint" and (.prog_id | type) == "number" and
		 .pinned == [] and (.pids | map(.pid)) == [$pid]' "$UD_OUT" >/dev/null ||
		{ echo "basic fields of link $HOLD_LINK expected" >&2; ud_report; return 1; }
	"$BPFTOOL" -j link show id "$HOLD_LINK" >"$bt"
	agree_with_bpftool "$UD_OUT" "$bt" "$HOLD_LINK"
	ud link show id "$HOLD_LINK"
	expect_status 0
	grep -q "^$HOLD_LINK: raw_tracepoint  prog [0-9]*  $" "$UD_OUT" ||
		{ echo "plain: '$HOLD_LINK: raw_tracepoint  prog N  ' expected" >&2; ud_report; return 1; }
	ud link show -j
	expect_status 0
	jq -e --argjson id "$HOLD_LINK" 'all(.[]; .id != $id)' "$UD_OUT" >/dev/null ||
		{ echo "the raw_tracepoint link must not be in the iterator list" >&2; ud_report; return 1; }
}

@test "link: an unknown id -> 3" {
	require_root
	local id=2147483647
	if "$BPFTOOL" link show id "$id" >/dev/null 2>&1; then
		skip_or_fail "link $id exists: no unknown id to ask for"
	fi
	ud link show id "$id"
	expect_status 3
	expect_stderr_matches "^uringdump: no such link: $id$"
	ud link show id "$id" -j
	expect_status 3
	[[ ! -s $UD_OUT ]]
}

@test "link: without privileges -> 4, naming CAP_SYS_ADMIN / root" {
	require_root # to switch to nobody
	ud_as_nobody link show
	expect_status 4
	expect_stderr_matches "^uringdump: listing BPF links needs CAP_SYS_ADMIN \(run as root\): "
	ud_as_nobody link show id 1 -j
	expect_status 4
	expect_stderr_matches "^uringdump: listing BPF links needs CAP_SYS_ADMIN \(run as root\): "
}

@test "link: usage errors -> 2, help -> 0" {
	local args
	for args in "show id" "show id abc" "show id 0" "show id -1" "show id 1 id 2" \
		"show bogus" "bogus" "show --bogus" "show -x" "help me"; do
		# shellcheck disable=SC2086 # split on purpose
		ud link $args
		expect_status 2
		[[ -s $UD_ERR ]] || { echo "no message for 'link $args'" >&2; return 1; }
	done
	for args in help "--help" "show -h"; do
		# shellcheck disable=SC2086
		ud link $args
		expect_status 0
		grep -q "uringdump link show" "$UD_OUT" || { echo "no usage for 'link $args'" >&2; ud_report; return 1; }
	done
}

# pinned_uringdump PATH: the object of the link pinned at PATH (from -j).
pinned_uringdump() {
	ud link show -j
	expect_status 0
	jq -e --arg p "$1" '[.[] | select(.pinned | index($p))] | if length == 1 then .[0] else error("not one link") end' \
		"$UD_OUT" >"$BATS_TEST_TMPDIR/link.json" ||
		{ echo "no single link pinned at $1" >&2; ud_report; return 1; }
	LINK_JSON="$BATS_TEST_TMPDIR/link.json"
}

@test "link: a uringdump pin shows the process it dumps (uringdump.pid, fd null)" {
	link_setup
	start_plain sleep 1000
	ud pin "$BG_PID" "$PIN_DIR/proc"
	expect_status 0
	pinned_uringdump "$PIN_DIR/proc"
	jq -e --argjson pid "$BG_PID" '.type == "iter" and .uringdump == {"pid": $pid, "fd": null}' \
		"$LINK_JSON" >/dev/null || { echo "uringdump {pid: $BG_PID, fd: null} expected" >&2; cat "$LINK_JSON" >&2; return 1; }
	local id
	id=$(jq -r .id "$LINK_JSON")
	ud link show id "$id"
	expect_status 0
	grep -qxF "	uringdump pid $BG_PID  all fds" "$UD_OUT" ||
		{ echo "plain 'uringdump pid $BG_PID  all fds' expected" >&2; ud_report; return 1; }
	"$BPFTOOL" -j -f link show id "$id" >"$BATS_TEST_TMPDIR/bpftool.json"
	ud link show id "$id" -j
	agree_with_bpftool "$UD_OUT" "$BATS_TEST_TMPDIR/bpftool.json" "$id"
}

@test "link: a uringdump pin of one ring fd shows pid and fd" {
	link_setup
	start_workload ring_basic
	local fd="" f
	for f in /proc/"$WL_PID"/fd/*; do
		if [[ $(readlink "$f") == "anon_inode:[io_uring]" ]]; then
			fd=${f##*/}
			break
		fi
	done
	[[ -n $fd ]] || { echo "ring_basic has no io_uring fd" >&2; return 1; }
	ud pin "$WL_PID:$fd" "$PIN_DIR/ring"
	expect_status 0
	pinned_uringdump "$PIN_DIR/ring"
	jq -e --argjson pid "$WL_PID" --argjson fd "$fd" '.uringdump == {"pid": $pid, "fd": $fd}' \
		"$LINK_JSON" >/dev/null || { echo "uringdump {pid: $WL_PID, fd: $fd} expected" >&2; cat "$LINK_JSON" >&2; return 1; }
}
