#!/usr/bin/env bats
# Ring state: SQ/CQ positions, SQEs queued but not consumed, CQEs posted but
# not reaped, the CQ overflow list, NEED_WAKEUP of an idle SQPOLL thread, the
# SINGLE_ISSUER submitter; registrations: restrictions, io-wq limits, the
# eventfd's counter, personalities, provided-buffer groups (legacy, rings in
# user and kernel memory, incremental), file and buffer tags, NAPI.  Oracles:
# what the workload expects, registered and read itself from the shared ring
# memory, and /proc/PID/fdinfo (positions, SQEs, CQEs, CqOverflowList, NAPI).
# With --requests: the CQEs not reaped and overflowed, and the requests that
# wait (poll, internal poll, timeout, linked timeout), as the workload
# submitted them.

load lib

setup() {
	common_setup
	start_workload ring_state
	export PIN_DIR="/sys/fs/bpf/uringdump_e2e_state_$$"
}

teardown() {
	common_teardown
	if [[ -n ${PIN_DIR_MADE:-} ]]; then
		rm -rf "$PIN_DIR"
	fi
}

@test "ring_state: --json shows each ring's positions, pending entries, overflow and flags" {
	dump_json "$WL_PID"
	compare_truth "$TRUTH" "$DUMP"
}

@test "ring_state: --json agrees with /proc/PID/fdinfo (SqHead..CachedCqTail, SQEs, CQEs, CqOverflowList)" {
	dump_json "$WL_PID"
	compare_live "$WL_PID" "$DUMP"
}

@test "ring_state: the text report has a state line per ring" {
	ud "$WL_PID"
	expect_status 0
	[[ $(grep -c '^    state  ' "$UD_OUT") -eq 11 ]] || { ud_report; return 1; }
	grep -q 'overflow 3  ' "$UD_OUT" || { echo "no ring with 3 overflowed CQEs" >&2; ud_report; return 1; }
	grep -q 'sq_flags NEED_WAKEUP' "$UD_OUT" || { echo "no NEED_WAKEUP" >&2; ud_report; return 1; }
}

@test "ring_state: the text report agrees with the workload (groups, tags, NAPI included)" {
	ud "$WL_PID"
	expect_status 0
	compare_truth --text "$TRUTH" "$UD_OUT"
	grep -q '^    buffer_group        3  legacy  count 7$' "$UD_OUT" || { echo "no legacy group 3 with 7 buffers" >&2; ud_report; return 1; }
	grep -q '^    buffer_group        5  ring  entries 16  head 1  tail 10  available 9  memory user' "$UD_OUT" ||
		{ echo "no buffer ring 5" >&2; ud_report; return 1; }
	grep -q '^      slot 0  tag 11 ' "$UD_OUT" || { echo "no tagged file slot" >&2; ud_report; return 1; }
}

@test "ring_state: a pinned CO-RE iterator shows the same registrations" {
	fresh_pin_dir
	ud pin "$WL_PID" "$PIN_DIR/state"
	expect_status 0
	ud read --json "$PIN_DIR/state"
	expect_status 0
	compare_truth "$TRUTH" "$UD_OUT"
}

@test "ring_state: --requests lists the CQEs not reaped, the overflow list and the waiting requests (json, text)" {
	dump_json --requests 16 "$WL_PID"
	compare_truth "$TRUTH" "$DUMP"
	compare_live "$WL_PID" "$DUMP"
	ud --requests 16 "$WL_PID"
	expect_status 0
	compare_truth --text "$TRUTH" "$UD_OUT"
	grep -q '^    in_flight           link_timeout  opcode 15  user_data 0x705$' "$UD_OUT" ||
		{ echo "no linked timeout 0x705" >&2; ud_report; return 1; }
}

@test "ring_state: --requests N stops at N of each kind and says more exist" {
	dump_json --requests 2 "$WL_PID"
	"$PY" - "$DUMP" <<'PY'
import json, sys
rings = json.load(open(sys.argv[1]))["processes"][0]["io_urings"]
q = {len(r["requests"]["cqes"]) for r in rings if r["requests"]["cqes"]}
assert q == {2}, f"CQE lists of length {sorted(q)}, expected only 2"
for r in rings:
    cut = r["state"]["cq_pending"] > 2
    assert r["requests"]["cqes_complete"] != cut, f"ring {r['id']}: {r['state']['cq_pending']} CQEs, 2 listed, cqes_complete {r['requests']['cqes_complete']}"
polls = [r["requests"] for r in rings if any(x["kind"] in ("poll", "apoll") for x in r["requests"]["in_flight"])]
assert len(polls) == 1 and not polls[0]["polls_complete"], "3 polls cut to 2: polls_complete must be false"
assert polls[0]["timeouts_complete"] and polls[0]["link_timeouts_complete"], "1 timeout of each kind: complete"
PY
	ud --requests 0 "$WL_PID"
	expect_status 2
	expect_stderr_matches "invalid --requests '0'"
}

@test "ring_state: --freeze leaves io-wq work alone (a stopped worker would abort it with -ERESTARTSYS)" {
	dump_json --freeze "$WL_PID"
	compare_truth "$TRUTH" "$DUMP" --exact
	dump_json --requests 16 "$WL_PID"
	compare_truth "$TRUTH" "$DUMP"
}
