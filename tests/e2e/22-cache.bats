#!/usr/bin/env bats
# The load cache (uringdump cache, --no-cache): a root dump pins its
# verified programs under /sys/fs/bpf/uringdump/cache/KEY and later dumps
# use them; a dump from the cache is the same dump (oracle: the workload's
# own record); an entry in use is never shared (the second run loads its
# own); a broken or stale entry is replaced; --no-cache and non-root runs
# leave the cache alone; `cache clear` removes it, except what is in use.

load lib

CACHE=/sys/fs/bpf/uringdump/cache

setup() {
	common_setup
	start_workload ring_basic
	ud cache clear
	expect_status 0
}

teardown() {
	common_teardown
	if [[ -n ${HOLDER:-} ]]; then
		kill "$HOLDER" 2>/dev/null || true
		wait "$HOLDER" 2>/dev/null || true
	fi
}

# entries: the number of entry directories.
entries() {
	local n=0 d
	for d in "$CACHE"/*/; do
		[[ -d $d ]] && n=$((n + 1))
	done
	echo "$n"
}

# hold DIR: flock DIR in the background (as a running dump does) until killed.
hold() {
	# the subshell becomes sleep, which holds the locked fd: killing it
	# releases the lock
	(
		exec 9<"$1"
		flock 9
		exec sleep 600
	) >/dev/null 2>&1 &
	HOLDER=$!
	# wait until the lock is taken
	local i
	for ((i = 0; i < 100; i++)); do
		flock -n "$1" true || return 0
		sleep 0.05
	done
	echo "could not take the lock of $1" >&2
	return 1
}

@test "cache: the first dump creates an entry, the next ones use it, each is right" {
	[[ $(entries) == 0 ]]
	ud -v --json "$WL_PID"
	expect_status 0
	expect_stderr_matches "load cache: created $CACHE/[0-9a-f]{16}$"
	compare_truth "$TRUTH" "$UD_OUT"
	[[ $(entries) == 1 ]]
	ud -v --json "$WL_PID"
	expect_status 0
	expect_stderr_matches "load cache: using $CACHE/[0-9a-f]{16}$"
	compare_truth "$TRUTH" "$UD_OUT"
	ud -v "$WL_PID"
	expect_status 0
	expect_stderr_matches "load cache: using"
	ud cache show -j
	expect_status 0
	"$PY" - "$UD_OUT" <<'EOF'
import json, sys
e = json.load(open(sys.argv[1]))
assert len(e) == 1, e
e = e[0]
assert e["current"] and e["ready"] and not e["busy"], e
assert set(e["pins"]) == {"task_file", "threads", "maps", "spill_slot", "seen_slot", "bss",
                          "ready"}, e["pins"]
assert e["path"].endswith("/" + e["key"]), e
EOF
	ud cache show
	expect_status 0
	expect_output_matches "^$CACHE/[0-9a-f]{16}  key [0-9a-f]{16}  current  ready$"
}

@test "cache: a dump from the cache equals a dump loaded for itself" {
	ud --json "$WL_PID" # fills the cache
	expect_status 0
	ud --json "$WL_PID"
	expect_status 0
	cached="$UD_OUT"
	ud --json --no-cache "$WL_PID"
	expect_status 0
	cmp "$cached" "$UD_OUT"
}

@test "cache: --no-cache neither creates nor uses an entry" {
	ud -v --json --no-cache "$WL_PID"
	expect_status 0
	expect_stderr_matches "load cache: not used \(--no-cache\)"
	[[ $(entries) == 0 ]]
}

@test "cache: an entry in use is not shared; the second run loads its own" {
	ud --json "$WL_PID"
	expect_status 0
	local dir
	dir=$(echo "$CACHE"/*/)
	hold "${dir%/}"
	ud -v --json "$WL_PID"
	expect_status 0
	expect_stderr_matches "load cache: not used: .* is busy"
	compare_truth "$TRUTH" "$UD_OUT"
	ud cache show
	expect_output_matches "  busy$"
	ud cache clear
	expect_status 1
	expect_stderr_matches "^uringdump: in use, not removed: $CACHE/[0-9a-f]{16}$"
	[[ $(entries) == 1 ]]
}

@test "cache: an incomplete entry is replaced, a stale one removed" {
	ud --json "$WL_PID"
	expect_status 0
	local dir
	dir=$(echo "$CACHE"/*/)
	dir=${dir%/}
	rm "$dir/threads" # a pin lost: the entry cannot be used
	mkdir "$CACHE/0123456789abcdef" # another build's entry
	ud -v --json "$WL_PID"
	expect_status 0
	expect_stderr_matches "entry unusable, replacing it"
	expect_stderr_matches "load cache: created $dir$"
	compare_truth "$TRUTH" "$UD_OUT"
	[[ -e $dir/threads && ! -e $CACHE/0123456789abcdef ]]
	ud -v --json "$WL_PID"
	expect_stderr_matches "load cache: using $dir$"
}

@test "cache: clear removes every entry and the next dump loads again" {
	ud --json "$WL_PID"
	expect_status 0
	[[ $(entries) == 1 ]]
	ud cache clear
	expect_status 0
	[[ ! -e $CACHE ]]
	ud cache show
	expect_status 0
	[[ ! -s $UD_OUT ]]
	ud cache show -j
	expect_status 0
	[[ $(cat "$UD_OUT") == "[]" ]]
	ud -v --json "$WL_PID"
	expect_stderr_matches "load cache: created"
}

@test "cache: not root -> 4; bad words -> 2; --btf leaves the cache alone" {
	ud_as_nobody cache show
	expect_status 4
	expect_stderr_matches "^uringdump: the load cache is root's$"
	ud_as_nobody cache clear
	expect_status 4
	ud cache frobnicate
	expect_status 2
	expect_stderr_matches "^uringdump: cache: unknown command 'frobnicate'"
	ud cache show extra
	expect_status 2
	ud cache clear --json
	expect_status 2
	ud cache help
	expect_status 0
	expect_output_matches "^Usage: uringdump cache \{ show \[-j\|-p\] \| clear \}$"
	ud -v --json --btf /sys/kernel/btf/vmlinux "$WL_PID"
	expect_status 0
	expect_stderr_matches "load cache: not used with --btf"
	[[ $(entries) == 0 ]]
}

@test "cache: a run that needs another ring buffer gets its own; the cached one stays" {
	stop_workloads
	start_workload big files=3000 ring_max=1000 bufs=2000 items=5000
	ud --json "$WL_PID" # creates the entry with the default 16 MiB ring buffer
	expect_status 0
	local i
	for i in 1 2; do
		URINGDUMP_SPILL_BYTES=4096 ud -v --json "$WL_PID"
		expect_status 0
		expect_stderr_matches "load cache: using"
		expect_stderr_matches "records dropped, retrying with a [0-9]+ [KMG]iB ring buffer"
		compare_truth "$TRUTH" "$UD_OUT"
	done
	ud -v --json "$WL_PID"
	expect_status 0
	expect_stderr_matches "load cache: using"
	if grep -q "records dropped" "$UD_ERR"; then
		echo "the cached ring buffer was not given back" >&2
		return 1
	fi
	compare_truth "$TRUTH" "$UD_OUT"
}
