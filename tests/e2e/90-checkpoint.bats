#!/usr/bin/env bats
# checkpoint and restore: round trips of every workload (the holder's dump
# equals the source's, buffers read back from the holder's memory), restore
# without the source (cr_files: regular files and eventfds only), the
# restored ring and epoll used from outside (READ_FIXED/WRITE_FIXED through
# pidfd_getfd, epoll_wait), the holder's dump judged by the live oracle
# too (compare.py --live), and every failure with its exit status and
# nothing left behind (no holder, no pidfile, no half-written image).

load lib

ROUNDTRIP="$E2E_DIR/roundtrip.py"

setup() {
	common_setup
	PIDFILE=$BATS_TEST_TMPDIR/holder.pid
	IMG=$BATS_TEST_TMPDIR/img
}

teardown() {
	common_teardown
	# a holder's rings take a moment to go (SQPOLL threads, io-wq)
	local i
	for ((i = 0; i < 100; i++)); do
		[[ -z ${HOLDER:-} ]] || ! kill -0 "$HOLDER" 2>/dev/null && break
		sleep 0.1
	done
}

holders() { pgrep -x uringdump-hold | sort; }

# checkpoint PID [ARGS...]: a frozen checkpoint of PID into IMG.
checkpoint() {
	local pid=$1
	shift
	ud checkpoint --freeze "$@" "$pid" "$IMG"
	expect_status 0
}

# restore_holder [ARGS...]: restores IMG; sets HOLDER and REPORT.
restore_holder() {
	ud restore "$IMG" --pidfile "$PIDFILE" "$@"
	expect_status 0
	REPORT=$BATS_TEST_TMPDIR/restore.report
	cp "$UD_OUT" "$REPORT"
	HOLDER=$(cat "$PIDFILE")
	WL_PIDS+=("$HOLDER")
	[[ $(cat "/proc/$HOLDER/comm") == uringdump-hold ]]
}

# roundtrip: an image of the holder against the image (roundtrip.py).
roundtrip() {
	local himg=$BATS_TEST_TMPDIR/holder-img
	rm -rf "$himg"
	ud checkpoint --freeze "$HOLDER" "$himg"
	expect_status 0
	"$PY" "$ROUNDTRIP" "$IMG" "$himg" "$HOLDER" --report "$REPORT" >&2
	# and the holder's dump agrees with the holder itself (/proc, fdinfo, kcmp)
	compare_live "$HOLDER" "$himg/dump.json"
}

# roundtrip_workload NAME: start, checkpoint, restore from the live source.
roundtrip_workload() {
	start_workload "$1"
	checkpoint "$WL_PID"
	restore_holder --files-from "$WL_PID"
	roundtrip
}

@test "checkpoint/restore: demo round trip (files from the source)" {
	roundtrip_workload demo
}

@test "checkpoint/restore: ring_basic round trip (sparse tables, SQPOLL, ATTACH_WQ, disabled ring, buffers)" {
	roundtrip_workload ring_basic
}

@test "checkpoint/restore: ring_flags round trip" {
	roundtrip_workload ring_flags
}

@test "checkpoint/restore: ring_state round trip (restrictions, personalities, NAPI, io-wq limits; queues reported lost)" {
	roundtrip_workload ring_state
	grep -q "not restored: .*SQEs not consumed" "$REPORT"
	# personality 2's supplementary groups 5 and 6 come back (roundtrip.py
	# compares the lists of both images)
	if grep -q "supplementary groups" "$REPORT"; then return 1; fi
	tr -d ' \n' < "$IMG/dump.json" | grep -q '"groups":\[5,6\]'
	grep -q "restored: io_uring .* buffer group 5: ring of 16 entries, head 1, tail 10" "$REPORT"
}

@test "checkpoint/restore: provided buffers come back in order: legacy lists, buffer rings at their head" {
	start_workload ring_state
	checkpoint "$WL_PID"
	restore_holder --files-from "$WL_PID"
	local fd check=$UD_WORKLOADS/cr_check
	fd=$("$PY" -c 'import json,sys; print([r["fd"] for r in json.load(open(sys.argv[1]))["state"]["rings"] if r["name"] == "groups"][0])' "$TRUTH")
	# what the source would hand out next (ring_state.c): legacy 3 used bid
	# 0, ring 5 (bids 0-9 at entries 0-9) was consumed to head 1, ring 7
	# holds bids 0-3, ring 9 is empty, legacy 100 holds bids 0-1, ring 11
	# (4 entries) went round once and two more: bids 6 and 7 are left
	grep -q "buffer group 11: ring of 4 entries, head 6, tail 8" "$REPORT"
	run "$check" select "$HOLDER" "$fd" 16 11
	[[ $status == 0 && $output == bid=6 ]]
	run "$check" select "$HOLDER" "$fd" 16 11
	[[ $status == 0 && $output == bid=7 ]]
	run "$check" select "$HOLDER" "$fd" 16 11
	[[ $status == 0 && $output == "res=-105" ]] # ENOBUFS
	run "$check" select "$HOLDER" "$fd" 16 3
	[[ $status == 0 && $output == bid=1 ]]
	run "$check" select "$HOLDER" "$fd" 16 3
	[[ $status == 0 && $output == bid=2 ]]
	run "$check" select "$HOLDER" "$fd" 16 5
	[[ $status == 0 && $output == bid=1 ]]
	run "$check" select "$HOLDER" "$fd" 16 100
	[[ $status == 0 && $output == bid=0 ]]
	if grep -q "buffer group 7:" "$REPORT"; then # IOU_PBUF_RING_MMAP: 6.4+
		run "$check" select "$HOLDER" "$fd" 16 7
		[[ $status == 0 && $output == bid=0 ]]
	fi
	if grep -q "buffer group 9:" "$REPORT"; then # IOU_PBUF_RING_INC: 6.12+
		run "$check" select "$HOLDER" "$fd" 16 9
		[[ $status == 0 && $output == "res=-105" ]] # ENOBUFS
	fi
}

@test "checkpoint/restore: ring_reach round trip (rings only threads or mappings hold are listed as skipped)" {
	start_workload ring_reach
	checkpoint "$WL_PID"
	grep -q "not in the image" "$UD_ERR"
	restore_holder --files-from "$WL_PID"
	roundtrip
}

@test "checkpoint/restore: epoll_basic round trip (nested, stale tfds, EPOLLEXCLUSIVE/WAKEUP/ONESHOT)" {
	roundtrip_workload epoll_basic
}

@test "checkpoint/restore: forked round trip" {
	roundtrip_workload forked
}

@test "checkpoint/restore: --kill-source takes ring-only files through the source's ring, then kills the source" {
	start_workload demo
	checkpoint "$WL_PID"
	restore_holder --files-from "$WL_PID" --kill-source
	grep -Eq "file f[0-9]+ \(regular\): taken through io_uring f[0-9]+ slot 1 of $WL_PID \(IORING_OP_FIXED_FD_INSTALL\)" "$REPORT"
	local i
	for ((i = 0; i < 50; i++)); do
		[[ $(awk '/^State:/ {print $2}' "/proc/$WL_PID/status" 2>/dev/null) == [ZX] ]] ||
			! kill -0 "$WL_PID" 2>/dev/null && break
		sleep 0.1
	done
	[[ $(awk '/^State:/ {print $2}' "/proc/$WL_PID/status" 2>/dev/null) == [ZX] ]] ||
		! kill -0 "$WL_PID" 2>/dev/null || { echo "the source still runs" >&2; return 1; }
	roundtrip
}

@test "checkpoint/restore: big (pipes and sockets closed after registration) needs --kill-source and round-trips with it" {
	start_workload big files=1200 ring_max=600 bufs=600 items=1500
	checkpoint "$WL_PID"
	local before
	before=$(holders)
	ud restore "$IMG" --pidfile "$PIDFILE" --files-from "$WL_PID"
	expect_status 6
	grep -q -- "--kill-source takes it through the ring" "$UD_ERR"
	expect_nothing_left "$before"
	restore_holder --files-from "$WL_PID" --kill-source
	roundtrip
}

@test "checkpoint/restore: --kill-source needs --files-from (exit 2)" {
	start_workload demo
	checkpoint "$WL_PID"
	ud restore "$IMG" --pidfile "$PIDFILE" --kill-source
	expect_status 2
	grep -q -- "--kill-source needs --files-from" "$UD_ERR"
	kill -0 "$WL_PID"
}

start_cr_files() {
	CR_DIR=$BATS_TEST_TMPDIR/cr
	mkdir -p "$CR_DIR"
	start_plain "$UD_WORKLOADS/cr_files" "$CR_DIR"
	local i
	for ((i = 0; i < 100; i++)); do
		[[ -s $CR_DIR/ready ]] && break
		sleep 0.1
	done
	[[ -s $CR_DIR/ready ]]
	# "ring 7 ring2 8 epoll 9 data 3 log 4 buffers 0x7f..."
	read -r _ CR_RING _ CR_RING2 _ CR_EPOLL _ _ _ _ _ CR_BUFS < "$CR_DIR/ready"
	CR_PID=$BG_PID
}

@test "checkpoint/restore: without the source, regular files reopen at their offset and eventfds get their counter" {
	start_cr_files
	checkpoint "$CR_PID"
	grep -q "unmapped after registration" "$UD_ERR"
	stop_workloads
	restore_holder
	grep -q "file .* (regular): reopened by path at offset 8192" "$REPORT"
	grep -q "file .* (regular): reopened by path at offset 5" "$REPORT"
	grep -q "a new eventfd with counter 5" "$REPORT"
	grep -q "a new eventfd with counter 2" "$REPORT"
	grep -q "not restored: io_uring .* buffer 0: contents not in the image" "$REPORT"
	roundtrip
}

@test "checkpoint/restore: restore -j reports the holder, the pidfile and what was and was not restored as JSON" {
	start_cr_files
	checkpoint "$CR_PID"
	stop_workloads
	ud restore "$IMG" --pidfile "$PIDFILE" -j
	expect_status 0
	HOLDER=$(cat "$PIDFILE")
	WL_PIDS+=("$HOLDER")
	"$PY" - "$UD_OUT" "$HOLDER" "$PIDFILE" <<'PY'
import json, sys
out = open(sys.argv[1]).read()
assert out.count("\n") == 1, "not one compact JSON line: " + out
r = json.loads(out)
assert r["holder"] == int(sys.argv[2]) and r["pidfile"] == sys.argv[3], r
assert any(l.startswith("epoll ") for l in r["restored"]), r
assert any("reopened by path at offset 8192" in l for l in r["restored"]), r
assert any("contents not in the image" in l for l in r["not_restored"]), r
PY
}

@test "checkpoint/restore: the restored ring reads and writes with fixed files and buffers, the epoll reports readiness" {
	start_cr_files
	checkpoint "$CR_PID"
	stop_workloads
	restore_holder
	local check=$UD_WORKLOADS/cr_check page
	page=$(getconf PAGESIZE)
	# WRITE_FIXED: 12 bytes of buffer 0 appended to log.txt (slot 2, O_APPEND)
	run "$check" ring "$HOLDER" "$CR_RING" 8 write 2 0 "$CR_BUFS" 12 0
	[[ $status == 0 && $output == 12 ]]
	[[ $(cat "$CR_DIR/log.txt") == "hellocr-buffer-0 " ]] || {
		od -c "$CR_DIR/log.txt" >&2
		return 1
	}
	# READ_FIXED: data.bin (slot 0) into buffer 1 of the holder
	run "$check" ring "$HOLDER" "$CR_RING" 8 read 0 1 $((CR_BUFS + page)) "$page" 0
	[[ $status == 0 && $output == "$page" ]]
	head -c "$page" "$CR_DIR/data.bin" > "$BATS_TEST_TMPDIR/want"
	run "$check" mem "$HOLDER" $((CR_BUFS + page)) "$page" "$BATS_TEST_TMPDIR/want"
	[[ $status == 0 && $output == equal ]]
	# the eventfds (counters 5 and 2) are ready, the ring (its CQEs reaped) is not
	run "$check" epoll "$HOLDER" "$CR_EPOLL"
	[[ $status == 0 ]]
	[[ $output == *"data=0x1111 events=0x1"* ]]
	[[ $output == *"data=0x2222 events=0x1"* ]]
	[[ $output != *"data=0x3333"* ]]
}

# expect_nothing_left BEFORE: no new holder, no pidfile.
expect_nothing_left() {
	local new
	new=$(comm -13 <(echo "$1") <(holders))
	[[ -z $new ]] || { echo "a holder was left running: $new" >&2; return 1; }
	[[ ! -e $PIDFILE ]] || { echo "the pidfile was left behind" >&2; return 1; }
}

@test "checkpoint/restore: files that only the source has fail without it (exit 6, the file named), nothing left" {
	start_workload demo
	checkpoint "$WL_PID"
	local before
	before=$(holders)
	ud restore "$IMG" --pidfile "$PIDFILE"
	expect_status 6
	grep -Eq "file f[0-9]+ \((fifo|socket)" "$UD_ERR"
	grep -q -- "--files-from" "$UD_ERR"
	expect_nothing_left "$before"
}

@test "checkpoint/restore: --files-from a process without those fds fails (exit 6), a gone one (exit 3)" {
	start_workload demo
	checkpoint "$WL_PID"
	start_plain sleep 600
	local before
	before=$(holders)
	ud restore "$IMG" --pidfile "$PIDFILE" --files-from "$BG_PID"
	expect_status 6
	grep -Eq "file f[0-9]+ .*(no longer that file|taking fd)" "$UD_ERR"
	expect_nothing_left "$before"
	ud restore "$IMG" --pidfile "$PIDFILE" --files-from "$(free_pid)"
	expect_status 3
	expect_nothing_left "$before"
}

@test "checkpoint/restore: a buffer address taken in the holder fails (exit 6) and names the range" {
	command -v setarch >/dev/null || skip_or_fail "setarch (util-linux) missing"
	start_cr_files
	checkpoint "$CR_PID"
	# without ASLR, uringdump (PIE) is mapped at 0x555555554000: so is the holder
	"$PY" - "$IMG/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["io_urings"][0]["buffers"][0]["addr"] = 0x555555554000
json.dump(m, open(sys.argv[1], "w"))
PY
	local before
	before=$(holders)
	ud_via setarch -R "$UD" restore "$IMG" --pidfile "$PIDFILE"
	expect_status 6
	grep -q "registered buffers at 0x555555554000-.*taken" "$UD_ERR"
	expect_nothing_left "$before"
}

@test "checkpoint/restore: a buffer ring address taken in the holder fails (exit 6) and names the group" {
	command -v setarch >/dev/null || skip_or_fail "setarch (util-linux) missing"
	start_workload ring_state
	checkpoint "$WL_PID"
	"$PY" - "$IMG/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
g = [g for r in m["io_urings"] for g in r["buffer_groups"] if g["bgid"] == 5][0]
g["memory_addr"] = 0x555555554000
json.dump(m, open(sys.argv[1], "w"))
PY
	local before
	before=$(holders)
	ud_via setarch -R "$UD" restore "$IMG" --files-from "$WL_PID" --pidfile "$PIDFILE"
	expect_status 6
	grep -q "buffer group 5: its memory at 0x555555554000-.*taken" "$UD_ERR"
	expect_nothing_left "$before"
}

@test "checkpoint/restore: a setup flag the kernel does not know fails (exit 6, the ring named); an unwritable pidfile (exit 1); nothing left" {
	start_cr_files
	checkpoint "$CR_PID"
	cp -r "$IMG" "$BATS_TEST_TMPDIR/future"
	"$PY" - "$BATS_TEST_TMPDIR/future/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["io_urings"][0]["setup_flags"] |= 1 << 30
json.dump(m, open(sys.argv[1], "w"))
PY
	local before
	before=$(holders)
	ud restore "$BATS_TEST_TMPDIR/future" --pidfile "$PIDFILE"
	expect_status 6
	grep -Eq "io_uring f[0-9]+: io_uring_setup\(8, flags 0x4[0-9a-f]*\): .*feature this kernel lacks" "$UD_ERR"
	expect_nothing_left "$before"
	ud restore "$IMG" --pidfile "$BATS_TEST_TMPDIR/no/such/dir/pid"
	expect_status 1
	grep -q -- "--pidfile" "$UD_ERR"
	expect_nothing_left "$before"
}

@test "checkpoint/restore: malformed, foreign, truncated and newer images are refused (exit 1), nothing left" {
	start_cr_files
	checkpoint "$CR_PID"
	local before
	before=$(holders)
	ud restore "$BATS_TEST_TMPDIR/none" --pidfile "$PIDFILE"
	expect_status 1
	grep -q "no such image directory" "$UD_ERR"
	mkdir "$BATS_TEST_TMPDIR/empty"
	ud restore "$BATS_TEST_TMPDIR/empty" --pidfile "$PIDFILE"
	expect_status 1
	grep -q "manifest.json: missing" "$UD_ERR"
	cp -r "$IMG" "$BATS_TEST_TMPDIR/bad"
	head -c 200 "$IMG/manifest.json" > "$BATS_TEST_TMPDIR/bad/manifest.json"
	ud restore "$BATS_TEST_TMPDIR/bad" --pidfile "$PIDFILE"
	expect_status 1
	grep -q "not valid JSON" "$UD_ERR"
	echo '{"processes": []}' > "$BATS_TEST_TMPDIR/bad/manifest.json"
	ud restore "$BATS_TEST_TMPDIR/bad" --pidfile "$PIDFILE"
	expect_status 1
	grep -q "not a uringdump image" "$UD_ERR"
	sed -E 's/"version": [0-9]+,/"version": 99,/' "$IMG/manifest.json" > "$BATS_TEST_TMPDIR/bad/manifest.json"
	ud restore "$BATS_TEST_TMPDIR/bad" --pidfile "$PIDFILE"
	expect_status 1
	grep -q "image version 99" "$UD_ERR"
	sed 's/"sq_entries": 8,/"sq_entries": "8",/' "$IMG/manifest.json" > "$BATS_TEST_TMPDIR/bad/manifest.json"
	ud restore "$BATS_TEST_TMPDIR/bad" --pidfile "$PIDFILE"
	expect_status 1
	grep -q "sq_entries is not a number" "$UD_ERR"
	cp "$IMG/manifest.json" "$BATS_TEST_TMPDIR/bad/manifest.json"
	rm "$BATS_TEST_TMPDIR"/bad/buffers/*-0.bin
	ud restore "$BATS_TEST_TMPDIR/bad" --pidfile "$PIDFILE"
	expect_status 1
	grep -q "buffers/.*missing" "$UD_ERR"
	expect_nothing_left "$before"
}

@test "checkpoint: bad targets and directories get their exit status and leave nothing" {
	ud checkpoint
	expect_status 2
	ud checkpoint 1
	expect_status 2
	ud restore "$IMG"
	expect_status 2
	grep -q -- "--pidfile" "$UD_ERR"
	ud checkpoint "$(free_pid)" "$IMG"
	expect_status 3
	[[ ! -e $IMG ]]
	start_plain sleep 600
	ud checkpoint "$BG_PID" "$IMG"
	expect_status 3
	grep -q "has no io_uring or epoll" "$UD_ERR"
	[[ ! -e $IMG ]]
	start_cr_files
	mkdir "$IMG"
	touch "$IMG/keep"
	ud checkpoint "$CR_PID" "$IMG"
	expect_status 1
	grep -q "not an empty directory" "$UD_ERR"
	[[ $(ls "$IMG") == keep ]]
}

@test "checkpoint: without --freeze it says the image is best effort; --help documents both commands" {
	start_cr_files
	ud checkpoint "$CR_PID" "$IMG"
	expect_status 0
	grep -q "use --freeze for an exact image" "$UD_ERR"
	grep -q '"exact": false' "$IMG/manifest.json"
	ud checkpoint --help
	expect_status 0
	grep -q "Usage: uringdump checkpoint" "$UD_OUT"
	ud restore --help
	expect_status 0
	grep -q -- "--files-from PID" "$UD_OUT"
}
