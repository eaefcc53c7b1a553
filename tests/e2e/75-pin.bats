#!/usr/bin/env bats
# `uringdump pin PID[:FD] PATH` and `uringdump read PATH`: a pinned iterator
# in bpffs whose every read is a fresh dump, rendered by `read` exactly like a
# live dump; saved streams (cat PIN > FILE); partial reads; error statuses;
# nothing left behind by a failed pin; a large table read whole with cat.
#
# Pins go to $PIN_DIR (a directory in /sys/fs/bpf, mounted when missing) and
# are all removed in teardown.  UD_SAVE_CORPUS=DIR copies some of the pinned
# streams read here into DIR (fuzz seeds, see tests/fuzz/corpus).

load lib

setup_file() {
	if [[ $(id -u) == 0 ]] && ! mountpoint -q /sys/fs/bpf; then
		mount -t bpf bpf /sys/fs/bpf ||
			echo "# cannot mount bpffs at /sys/fs/bpf: the pin tests will fail" >&3
	fi
	# (bpffs refuses names with a dot)
	export PIN_DIR="/sys/fs/bpf/uringdump_e2e_pin_$$"
	export BIG_PIN_PARAMS="${UD_BIG_PIN_PARAMS:-files=20000 bufs=4096 items=50000}"
}

teardown_file() {
	if [[ -d ${PIN_DIR-} ]]; then
		rm -f "$PIN_DIR"/* 2>/dev/null || true
		rmdir "$PIN_DIR" 2>/dev/null || true
	fi
}

setup() {
	common_setup
	mountpoint -q /sys/fs/bpf || skip_or_fail "bpffs is not mounted at /sys/fs/bpf and cannot be mounted"
	mkdir -p "$PIN_DIR"
	PINS=()
}

teardown() {
	local p
	for p in "${PINS[@]}"; do
		rm -f "$p"
	done
	rm -f "$PIN_DIR"/* 2>/dev/null || true
	common_teardown
}

# pin_at TARGET NAME: pins TARGET at $PIN_DIR/NAME, must succeed; sets PIN
# and LINK_ID (from "link id N" in the message).
pin_at() {
	PIN="$PIN_DIR/$2"
	PINS+=("$PIN")
	ud pin "$1" "$PIN"
	expect_status 0
	[[ -e $PIN ]] || { echo "pin exited 0 but $PIN does not exist" >&2; ud_report; return 1; }
	LINK_ID=$(grep -oE 'link id [0-9]+' "$UD_OUT" | grep -oE '[0-9]+' || true)
}

# read_ok ARGS...: uringdump read ARGS, must exit 0; READ = its output.
read_ok() {
	ud read "$@"
	expect_status 0
	READ=$UD_OUT
}

# same_json A B: equal documents once the per-run ids (fN, gN) are renumbered
# in order of appearance.  What only a live dump has (threads, their fd
# tables, registered ring slots, mappings: the man page says a pinned dump
# walks the leader's table alone) is left out of both.
same_json() {
	"$PY" - "$1" "$2" <<'PY'
import json, re, sys

ID = re.compile(r"^[fg][0-9]+$")

def norm(doc):
    maps = {"f": {}, "g": {}}
    def rename(s):
        if isinstance(s, str) and ID.match(s):
            m = maps[s[0]]
            return m.setdefault(s, s[0] + str(len(m) + 1))
        return s
    live_only = {"threads", "fd_tables", "thread_fds", "fds_table", "registered", "mappings"}
    def walk(v, key=None):
        if isinstance(v, dict):
            return {k: walk(x, k) for k, x in v.items() if k not in live_only}
        if isinstance(v, list):
            return [walk(x, key) for x in v]
        if key in ("id", "group", "io_uring", "epoll", "shared_with"):
            return rename(v)
        return v
    return walk(idle(doc))

def idle(doc):
    # what moves in an idle process: an SQPOLL thread going to sleep sets
    # NEED_WAKEUP on its own; io-wq workers come and go
    for p in doc.get("processes", []):
        for r in p.get("io_urings", []):
            st = r.get("state")
            if isinstance(st, dict):
                st["sq_flags"] &= ~1
                st["sq_flag_names"] = [n for n in st["sq_flag_names"] if n != "NEED_WAKEUP"]
    return doc

a, b = (norm(json.load(open(p))) for p in sys.argv[1:3])
if a != b:
    def diff(x, y, path="$"):
        if type(x) != type(y):
            return f"{path}: {x!r} vs {y!r}"
        if isinstance(x, dict):
            for k in sorted(set(x) | set(y)):
                if k not in x or k not in y:
                    return f"{path}.{k}: only in {'first' if k in x else 'second'}"
                r = diff(x[k], y[k], f"{path}.{k}")
                if r:
                    return r
        elif isinstance(x, list):
            if len(x) != len(y):
                return f"{path}: {len(x)} vs {len(y)} elements"
            for i, (p, q) in enumerate(zip(x, y)):
                r = diff(p, q, f"{path}[{i}]")
                if r:
                    return r
        elif x != y:
            return f"{path}: {x!r} vs {y!r}"
        return None
    print(f"{sys.argv[1]} and {sys.argv[2]} differ (ids normalised): {diff(a, b)}")
    sys.exit(1)
PY
}

# same_text A B: equal text reports once the ids are renumbered.
same_text() {
	"$PY" - "$1" "$2" <<'PY'
import re, sys

def norm(text):
    maps = {"f": {}, "g": {}}
    def sub(m):
        d = maps[m.group(1)]
        return d.setdefault(m.group(0), m.group(1) + str(len(d) + 1))
    return re.sub(r"\b([fg])([0-9]+)\b", sub, text)

def live_only(line):
    # lines only a live dump has (see same_json)
    return re.match(r"^(  fd_table t[0-9]+ |  iowq_cpus |    (thread_fds|registered|mappings) )", line) is not None

def idle(line):
    # an SQPOLL thread going to sleep sets NEED_WAKEUP on its own
    line = re.sub(r"sq_flags NEED_WAKEUP\|", "sq_flags ", line)
    return re.sub(r"sq_flags NEED_WAKEUP(  |$)", r"sq_flags -\1", line)

a, b = ("\n".join(idle(ln) for ln in norm(open(p, errors="replace").read()).split("\n") if not live_only(ln))
        for p in sys.argv[1:3])
if a != b:
    al, bl = a.splitlines(), b.splitlines()
    for i, (x, y) in enumerate(zip(al, bl)):
        if x != y:
            print(f"{sys.argv[1]} and {sys.argv[2]} differ at line {i + 1}:\n  {x}\n  {y}")
            break
    else:
        print(f"{sys.argv[1]} has {len(al)} lines, {sys.argv[2]} {len(bl)}")
    sys.exit(1)
PY
}

# one_line_error: the last ud run wrote exactly one non-empty line to stderr,
# nothing to stdout, and did not crash (status < 128, no sanitizer/abort text).
one_line_error() {
	local lines
	lines=$(grep -c . "$UD_ERR" || true)
	if [[ $lines != 1 || -s $UD_OUT ]] || ((UD_STATUS >= 124)); then
		echo "expected one line on stderr and no output, got $lines line(s)" >&2
		ud_report
		return 1
	fi
}

# iter_links: "ID HELD PINNED..." for every BPF link (needs bpftool); HELD
# is the number of processes holding an fd of the link.
iter_links() {
	bpftool -j -f link list | "$PY" -c '
import json, sys
for l in json.load(sys.stdin) or []:
    print(l["id"], len(l.get("pids", [])), " ".join(l.get("pinned", [])))'
}

need_bpftool() {
	command -v bpftool >/dev/null || skip_or_fail "bpftool not installed: cannot list BPF links"
}

# no_new_links BEFORE: no link exists now that did not exist in BEFORE (an
# iter_links listing), except links pinned outside $PIN_DIR and links that a
# live process holds (other tests or tools that run at the same time make
# their own; a link leaked by an exited uringdump would be pinned or held by
# nobody).
no_new_links() {
	local after="$BATS_TEST_TMPDIR/links.after"
	iter_links >"$after"
	"$PY" - "$1" "$after" "$PIN_DIR" <<'PY' || return 1
import sys
before = {l.split()[0] for l in open(sys.argv[1]) if l.strip()}
bad = []
for l in open(sys.argv[2]):
    f = l.split()
    if not f or f[0] in before:
        continue
    held, pins = int(f[1]), f[2:]
    if (not pins and not held) or any(p.startswith(sys.argv[3] + "/") for p in pins):
        bad.append(l.strip())
if bad:
    print("new BPF links after the failed pin:", bad)
    sys.exit(1)
PY
}

# save_seed FILE NAME: copy a pinned stream into $UD_SAVE_CORPUS.
save_seed() {
	if [[ -n ${UD_SAVE_CORPUS-} ]]; then
		cp "$1" "$UD_SAVE_CORPUS/$2"
	fi
}

# ----------------------------------------------------------------------------

@test "pin: read -j of a pinned ring_basic equals a live --json dump and the truth" {
	start_workload ring_basic
	pin_at "$WL_PID" ring
	read_ok "$PIN" -j
	local pinned=$READ
	compare_truth "$TRUTH" "$pinned"
	dump_json "$WL_PID"
	same_json "$DUMP" "$pinned"
	# text: the same report as a live dump
	read_ok "$PIN"
	local text=$READ
	ud "$WL_PID"
	expect_status 0
	same_text "$UD_OUT" "$text"
	"$PY" "$COMPARE" --text "$TRUTH" "$text" >&2
	# -p: the same data, pretty
	read_ok "$PIN" -p
	[[ $(wc -l <"$READ") -gt 20 ]] || { echo "read -p is not pretty-printed" >&2; return 1; }
	same_json "$pinned" "$READ"
}

@test "pin: read -j of a pinned epoll_basic equals a live --json dump and the truth" {
	start_workload epoll_basic
	pin_at "$WL_PID" epoll
	read_ok "$PIN" --json
	local pinned=$READ
	compare_truth "$TRUTH" "$pinned"
	compare_live "$WL_PID" "$pinned"
	dump_json "$WL_PID"
	same_json "$DUMP" "$pinned"
	read_ok "$PIN"
	local text=$READ
	ud "$WL_PID"
	expect_status 0
	same_text "$UD_OUT" "$text"
	cat "$PIN" >"$BATS_TEST_TMPDIR/epoll.stream"
	save_seed "$BATS_TEST_TMPDIR/epoll.stream" pin-epoll_basic.stream
}

@test "pin: a pinned process is not stopped or traced, and keeps running" {
	start_workload ring_basic
	pin_at "$WL_PID" running
	read_ok "$PIN" -j
	expect_running "$WL_PID"
	expect_heartbeat_advances
}

@test "pin: PID:FD pins one ring or one epoll, equal to that instance in a live dump" {
	start_workload epoll_basic
	dump_json "$WL_PID"
	local live=$DUMP fd kind
	# the first ring and the first epoll of the live dump
	for kind in io_urings epolls; do
		fd=$("$PY" -c '
import json, sys
print(json.load(open(sys.argv[1]))["processes"][0][sys.argv[2]][0]["fds"][0])' "$live" "$kind")
		pin_at "$WL_PID:$fd" "fd-$kind"
		read_ok "$PIN" -j
		"$PY" - "$live" "$READ" "$kind" "$fd" <<'PY'
import json, sys
live, pinned, kind, fd = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3], int(sys.argv[4])
other = "epolls" if kind == "io_urings" else "io_urings"
p = pinned["processes"]
if len(p) != 1 or p[0]["pid"] != live["processes"][0]["pid"]:
    sys.exit(f"pin of fd {fd}: expected the one process, got {[x.get('pid') for x in p]}")
p = p[0]
if len(p[kind]) != 1 or fd not in p[kind][0]["fds"] or p[other]:
    sys.exit(f"pin of fd {fd}: expected only that {kind[:-1]}, got {len(p[kind])} {kind}, {len(p[other])} {other}")
want = [x for x in live["processes"][0][kind] if fd in x["fds"]][0]
got = p[kind][0]
# ids differ between the two runs: compare what they name
def strip(o):
    if isinstance(o, dict):
        # ids differ between runs; what only a live dump has (see same_json)
        return {k: strip(v) for k, v in o.items() if k not in ("id", "io_uring", "epoll", "group", "shared_with",
                                                                "thread_fds", "fds_table", "registered", "mappings")}
    if isinstance(o, list):
        return [strip(v) for v in o]
    return o
if strip(want) != strip(got):
    sys.exit(f"pin of fd {fd}: the {kind[:-1]} differs from the live dump's:\n  live {strip(want)}\n  pin  {strip(got)}")
PY
		if [[ $kind == epolls ]]; then
			cat "$PIN" >"$BATS_TEST_TMPDIR/fd.stream"
			save_seed "$BATS_TEST_TMPDIR/fd.stream" pin-epoll-fd.stream
		fi
	done
}

@test "pin: every read is a fresh dump (grow: one more slot and item per SIGUSR1)" {
	start_workload grow
	pin_at "$WL_PID" grow
	read_ok "$PIN" -j
	local first=$READ
	compare_truth "$TRUTH" "$first"
	cp "$TRUTH" "$BATS_TEST_TMPDIR/grow.truth.0"
	cat "$PIN" >"$BATS_TEST_TMPDIR/grow.stream"
	save_seed "$BATS_TEST_TMPDIR/grow.stream" pin-grow.stream

	local gen
	for gen in 1 2 3; do
		kill -USR1 "$WL_PID"
		at_gen() { [[ $(cat "$TRUTH.gen" 2>/dev/null) == "$1" ]]; }
		wait_for 30 "grow handled SIGUSR1 #$gen (its .gen file)" at_gen "$gen"
		read_ok "$PIN" -j
		compare_truth "$TRUTH" "$READ"
	done
	# the counts moved: 2 -> 5 used slots, 2 -> 5 items
	"$PY" - "$first" "$READ" <<'PY'
import json, sys
def counts(p):
    d = json.load(open(p))["processes"][0]
    return d["io_urings"][0]["registered_files"]["used"], len(d["epolls"][0]["items"])
a, b = counts(sys.argv[1]), counts(sys.argv[2])
if a != (2, 2) or b != (5, 5):
    sys.exit(f"used slots/items: first read {a}, last read {b}; expected (2, 2) then (5, 5)")
PY
	# a stream saved before the change still shows the old state
	read_ok "$BATS_TEST_TMPDIR/grow.stream" -j
	compare_truth "$BATS_TEST_TMPDIR/grow.truth.0" "$READ"
}

# reads_equal_cat MIN_BYTES BS...: reading PIN with dd in blocks of each BS
# gives the bytes of cat PIN (more than MIN_BYTES of them), and the stream
# matches the workload's TRUTH.
reads_equal_cat() {
	local min=$1 full="$BATS_TEST_TMPDIR/full" part="$BATS_TEST_TMPDIR/part" bs
	shift
	cat "$PIN" >"$full"
	[[ $(stat -c %s "$full") -gt $min ]] || { echo "stream is only $(stat -c %s "$full") bytes" >&2; return 1; }
	for bs in "$@"; do
		dd if="$PIN" of="$part" bs="$bs" status=none
		cmp "$full" "$part" >&2 || { echo "dd bs=$bs of $PIN differs from cat" >&2; return 1; }
	done
	read_ok "$part" -j
	compare_truth "$TRUTH" "$READ"
}

@test "pin: partial reads (dd bs=1, 7, 64, 4097) give the same bytes as cat" {
	start_workload epoll_basic
	pin_at "$WL_PID" small
	reads_equal_cat 0 1 7 64 4097
}

@test "pin: partial reads of a stream of many iterator steps equal cat" {
	# ~270 KiB: the stream crosses many 32 KiB seq buffers and ticks
	WL_READY_TIMEOUT=120 start_workload big files=600 bufs=64 items=3000
	pin_at "$WL_PID" medium
	reads_equal_cat 65536 1 63 4096 40000
}

@test "pin: a reader overtaken by another reader gets a stream that says so; the other is whole" {
	WL_READY_TIMEOUT=120 start_workload big files=600 bufs=64 items=3000
	pin_at "$WL_PID" overtaken
	local first="$BATS_TEST_TMPDIR/first.stream"
	# reader A reads part of the stream and stays open ...
	exec 7<"$PIN"
	dd bs=40000 count=1 status=none <&7 >"$first"
	# ... reader B reads a whole dump meanwhile ...
	read_ok "$PIN" -j
	compare_truth "$TRUTH" "$READ"
	# ... then A reads on: its stream must not pass for a complete dump,
	# and must say why
	cat <&7 >>"$first"
	exec 7<&-
	ud read "$first"
	expect_status 1
	one_line_error
	expect_stderr_matches "another reader|read it again"
	# an abandoned reader (head closes early) does not disturb the next
	head -c 100 "$PIN" >/dev/null
	read_ok "$PIN" -j
	compare_truth "$TRUTH" "$READ"
}

@test "pin: cat PIN > FILE; read FILE renders like read PIN, also after the process exits (PIN: 3)" {
	start_workload ring_basic
	pin_at "$WL_PID" saved
	local file="$BATS_TEST_TMPDIR/saved.stream"
	cat "$PIN" >"$file"
	save_seed "$file" pin-ring_basic.stream
	read_ok "$file" -j
	local from_file=$READ
	compare_truth "$TRUTH" "$from_file"
	read_ok "$PIN" -j
	same_json "$READ" "$from_file"
	read_ok "$file"
	local text=$READ
	read_ok "$PIN"
	same_text "$READ" "$text"

	stop_workloads
	ud read "$PIN"
	expect_status 3
	one_line_error
	ud read "$PIN" -j
	expect_status 3
	# the saved stream does not depend on the process
	read_ok "$file" -j
	same_json "$from_file" "$READ"
	# cat of the pin of a gone process: a valid stream that says so
	cat "$PIN" >"$BATS_TEST_TMPDIR/gone.stream"
	save_seed "$BATS_TEST_TMPDIR/gone.stream" pin-gone.stream
	ud read "$BATS_TEST_TMPDIR/gone.stream"
	expect_status 3
	one_line_error
}

@test "pin: rm PIN releases the link" {
	need_bpftool
	start_workload ring_basic
	pin_at "$WL_PID" rm
	[[ -n $LINK_ID ]] || { echo "no link id in: $(cat "$UD_OUT")" >&2; return 1; }
	iter_links | grep -q "^$LINK_ID [0-9]* $PIN\$" || {
		echo "link $LINK_ID is not listed as pinned at $PIN:" >&2
		iter_links >&2
		return 1
	}
	rm "$PIN"
	if iter_links | grep -q "^$LINK_ID "; then
		echo "link $LINK_ID still exists after rm $PIN" >&2
		return 1
	fi
}

@test "pin: over an existing path fails (1, one line) and the old pin keeps working" {
	start_workload ring_basic
	local first=$WL_PID
	pin_at "$first" taken
	local pin=$PIN
	start_workload epoll_basic
	ud pin "$WL_PID" "$pin"
	expect_status 1
	one_line_error
	expect_stderr_matches "exists"
	read_ok "$pin" -j
	"$PY" -c '
import json, sys
pids = [p["pid"] for p in json.load(open(sys.argv[1]))["processes"]]
sys.exit(0 if pids == [int(sys.argv[2])] else f"old pin now dumps {pids}, expected [{sys.argv[2]}]")' "$READ" "$first"
	# also over a directory: refused, the directory stays
	mkdir "$PIN_DIR/adir"
	ud pin "$WL_PID" "$PIN_DIR/adir"
	expect_status 1
	one_line_error
	expect_stderr_matches "$PIN_DIR/adir already exists: not overwriting it"
	[[ -d $PIN_DIR/adir ]]
	rmdir "$PIN_DIR/adir"
}

@test "pin: a dead pid fails with 3 and leaves no pin and no link" {
	need_bpftool
	local p before="$BATS_TEST_TMPDIR/links.before"
	exited_pid
	p=$DEAD_PID
	iter_links >"$before"
	ud pin "$p" "$PIN_DIR/dead"
	expect_status 3
	one_line_error
	expect_stderr_matches "$p"
	[[ ! -e $PIN_DIR/dead ]] || { echo "$PIN_DIR/dead exists after a failed pin" >&2; return 1; }
	no_new_links "$before"
	# a pid that never existed, and PID:FD of a dead pid
	p=$(free_pid)
	ud pin "$p" "$PIN_DIR/dead"
	expect_status 3
	ud pin "$p:3" "$PIN_DIR/dead"
	expect_status 3
	[[ ! -e $PIN_DIR/dead ]]
	no_new_links "$before"
}

@test "pin: PID:FD on a fd that is no ring or epoll, or not open, fails with 3 and leaves nothing" {
	need_bpftool
	start_workload epoll_basic
	local before="$BATS_TEST_TMPDIR/links.before" fd
	iter_links >"$before"
	# fd 0 is /dev/null in the workloads; the heartbeat file and a pipe too
	for fd in 0 3 $(find "/proc/$WL_PID/fd" -lname 'pipe:*' -printf '%f\n' | head -1) 999; do
		ud pin "$WL_PID:$fd" "$PIN_DIR/notring"
		expect_status 3
		one_line_error
		[[ ! -e $PIN_DIR/notring ]] || { echo "$PIN_DIR/notring left behind (fd $fd)" >&2; return 1; }
	done
	no_new_links "$before"
}

@test "pin: --native on a stock kernel fails with 5 and leaves nothing; --core and the default pin CO-RE" {
	need_bpftool
	start_workload ring_basic
	local before="$BATS_TEST_TMPDIR/links.before" fd
	iter_links >"$before"
	fd=$(find "/proc/$WL_PID/fd" -lname 'anon_inode:\[io_uring\]' -printf '%f\n' | head -1)
	ud pin --native "$WL_PID:$fd" "$PIN_DIR/native"
	expect_status 5
	one_line_error
	expect_stderr_matches "has no io_uring_file iterator target"
	[[ ! -e $PIN_DIR/native ]] || { echo "$PIN_DIR/native left behind" >&2; return 1; }
	no_new_links "$before"
	# --native dumps one instance: it needs PID:FD
	ud pin --native "$WL_PID" "$PIN_DIR/native"
	expect_status 2
	ud pin --native --core "$WL_PID:$fd" "$PIN_DIR/native"
	expect_status 0
	grep -q "CO-RE iterator" "$UD_OUT" || { echo "the last of --native --core did not win: $(cat "$UD_OUT")" >&2; return 1; }
	rm "$PIN_DIR/native"
	ud pin "$WL_PID:$fd" "$PIN_DIR/native"
	expect_status 0
	grep -q "CO-RE iterator" "$UD_OUT" || { echo "default on a stock kernel is not CO-RE: $(cat "$UD_OUT")" >&2; return 1; }
	rm "$PIN_DIR/native"
}

@test "read: a directory that is not a native ring pin fails with 1 and one line" {
	mkdir "$PIN_DIR/dir"
	ud read "$PIN_DIR/dir"
	expect_status 1
	one_line_error
	expect_stderr_matches "not a native ring pin"
	rmdir "$PIN_DIR/dir"
	ud read "$BATS_TEST_TMPDIR"
	expect_status 1
	one_line_error
}

@test "pin: into a directory that is not bpffs fails with 5 and creates nothing" {
	start_workload ring_basic
	local dir="$BATS_TEST_TMPDIR/notbpf"
	mkdir "$dir"
	ud pin "$WL_PID" "$dir/pin"
	expect_status 5
	one_line_error
	expect_stderr_matches "bpf"
	[[ -z $(ls -A "$dir") ]] || { echo "pin into $dir left: $(ls -A "$dir")" >&2; return 1; }
	# a missing directory is an environment error too
	ud pin "$WL_PID" "$PIN_DIR/no/such/dir/pin"
	expect_status 5
	one_line_error
}

@test "pin: a bpffs name with a dot fails, names the cause and leaves nothing" {
	start_workload ring_basic
	# bpffs refuses names with dots (EPERM, also for root)
	ud pin "$WL_PID" "$PIN_DIR/a.pin"
	[[ $UD_STATUS != 0 ]] || { echo "pin at a name with a dot succeeded" >&2; ud_report; return 1; }
	one_line_error
	[[ ! -e $PIN_DIR/a.pin ]]
	if [[ $UD_STATUS == 4 ]] || ! grep -Eiq "dot|'\.'|\(\.\)" "$UD_ERR"; then
		echo "expected a message about the dot in the name, not a permission error" >&2
		ud_report
		return 1
	fi
}

@test "pin/read: usage errors give 2" {
	ud pin
	expect_status 2
	ud pin 1
	expect_status 2
	ud pin notapid "$PIN_DIR/x"
	expect_status 2
	ud pin 1:x "$PIN_DIR/x"
	expect_status 2
	ud pin 1 "$PIN_DIR/x" extra
	expect_status 2
	[[ ! -e $PIN_DIR/x ]]
	ud read
	expect_status 2
	ud read a b
	expect_status 2
	ud read --bogus /dev/null
	expect_status 2
	ud pin --help
	expect_status 0
	ud read --help
	expect_status 0
}

@test "pin/read: unprivileged pin and read of a root pin fail with 4" {
	start_workload ring_basic
	pin_at "$WL_PID" priv
	chmod 755 "$PIN_DIR"
	ud_as_nobody pin "$WL_PID" "$PIN_DIR/nobody"
	expect_status 4
	[[ ! -e $PIN_DIR/nobody ]]
	ud_as_nobody read "$PIN"
	expect_status 4
	one_line_error
}

@test "read: a header with flipped bytes fails with 1 and one line" {
	start_workload epoll_basic
	pin_at "$WL_PID" corrupt
	local good="$BATS_TEST_TMPDIR/good" bad="$BATS_TEST_TMPDIR/bad" size off b
	cat "$PIN" >"$good"
	size=$(stat -c %s "$good")
	# STREAM: type (0-1), magic (8-11), version (12-13), record size (14-15);
	# END (last record): type, records count, spilled count
	for off in 0 1 8 9 10 11 12 13 14 15 $((size - 64)) $((size - 56)) $((size - 48)); do
		cp "$good" "$bad"
		b=$(od -An -tu1 -j "$off" -N1 "$good" | tr -d ' ')
		printf '%b' "\\$(printf '%03o' $((b ^ 0xff)))" | dd of="$bad" bs=1 seek="$off" conv=notrunc status=none
		cmp -s "$good" "$bad" && { echo "byte $off was not changed" >&2; return 1; }
		ud read "$bad"
		if [[ $UD_STATUS != 1 ]]; then
			echo "byte $off flipped: expected exit 1" >&2
			ud_report
			return 1
		fi
		one_line_error
		ud read -j "$bad"
		expect_status 1
	done
}

@test "read: a truncated stream fails with 1 and one line" {
	start_workload epoll_basic
	pin_at "$WL_PID" trunc
	local good="$BATS_TEST_TMPDIR/good" cut="$BATS_TEST_TMPDIR/cut" size n records
	cat "$PIN" >"$good"
	size=$(stat -c %s "$good")
	records=$((size / 64 / 2)) # half the records
	# in the middle of a record, at a record boundary, one byte and one
	# record short, only the STREAM record, one byte
	for n in $((size / 2 + 13)) $((records * 64)) $((size - 1)) $((size - 64)) 64 1; do
		head -c "$n" "$good" >"$cut"
		ud read "$cut"
		if [[ $UD_STATUS != 1 ]]; then
			echo "stream cut to $n of $size bytes: expected exit 1" >&2
			ud_report
			return 1
		fi
		one_line_error
	done
	# trailing garbage after END
	{ cat "$good"; head -c 64 /dev/urandom; } >"$cut"
	ud read "$cut"
	expect_status 1
	one_line_error
}

@test "read: foreign files fail with 1 and one line" {
	require_root
	local f="$BATS_TEST_TMPDIR/foreign" src
	for src in /etc/hostname zero640 urandom4096 json empty devnull; do
		case $src in
		zero640) head -c 640 /dev/zero >"$f" ;;
		urandom4096) head -c 4096 /dev/urandom >"$f" ;;
		json) echo '{"version": 1, "exact": false, "processes": []}' >"$f" ;;
		empty) : >"$f" ;;
		devnull) f=/dev/null ;;
		*) cp "$src" "$f" ;;
		esac
		ud read "$f"
		if [[ $UD_STATUS != 1 ]]; then
			echo "read of $src: expected exit 1" >&2
			ud_report
			return 1
		fi
		one_line_error
		ud read -j "$f"
		expect_status 1
	done
	# a directory
	ud read "$BATS_TEST_TMPDIR"
	expect_status 1
	one_line_error
}

@test "pin: a big pinned dump read with cat has every slot and item" {
	# shellcheck disable=SC2086
	WL_READY_TIMEOUT=120 start_workload big $BIG_PIN_PARAMS
	pin_at "$WL_PID" big
	local file="$BATS_TEST_TMPDIR/big.stream" t0 t1
	t0=$(date +%s%N)
	cat "$PIN" >"$file"
	t1=$(date +%s%N)
	echo "# cat of the big pin took $(((t1 - t0) / 1000000)) ms, $(stat -c %s "$file") bytes" >&3
	UD_TIMEOUT=120 read_ok "$file" -j
	"$PY" "$COMPARE" --summary "$READ" | sed 's/^/# /' >&3
	compare_truth "$TRUTH" "$READ"
	# read PIN directly, and a second cat: the same stream
	UD_TIMEOUT=120 read_ok "$PIN" -j
	compare_truth "$TRUTH" "$READ"
	cmp - "$file" <"$PIN" >&2 || { echo "two cats of an idle big process differ" >&2; return 1; }
}

@test "pin: concurrent readers of one pin: each gets the whole dump or a clear 'read again' error" {
	# shellcheck disable=SC2086
	WL_READY_TIMEOUT=120 start_workload big $BIG_PIN_PARAMS
	pin_at "$WL_PID" conc
	local i k ok=0 rounds=3 pids st out err
	for ((k = 0; k < rounds; k++)); do
		pids=()
		for i in 1 2 3; do
			timeout -k 5 120 "$UD" read -j "$PIN" >"$BATS_TEST_TMPDIR/c$i.out" 2>"$BATS_TEST_TMPDIR/c$i.err" &
			pids+=($!)
		done
		ok=0
		for i in 1 2 3; do
			out="$BATS_TEST_TMPDIR/c$i.out" err="$BATS_TEST_TMPDIR/c$i.err"
			if wait "${pids[i - 1]}"; then st=0; else st=$?; fi
			if [[ $st == 0 ]]; then
				ok=$((ok + 1))
				compare_truth "$TRUTH" "$out"
			elif [[ $st != 1 ]] || ! grep -Eiq 'another reader|read it again' "$err"; then
				echo "round $k reader $i: exit $st, expected 0, or 1 naming the concurrent reader:" >&2
				cat "$err" >&2
				return 1
			fi
		done
		# the last reader to start is never disturbed
		((ok >= 1)) || { echo "round $k: all 3 concurrent readers failed" >&2; cat "$BATS_TEST_TMPDIR"/c?.err >&2; return 1; }
	done
	# and a lone reader afterwards gets the whole dump
	UD_TIMEOUT=120 read_ok "$PIN" -j
	compare_truth "$TRUTH" "$READ"
}
