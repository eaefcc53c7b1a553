#!/usr/bin/env bats
# Several targets: PID lists, --all, the demo workload; no leftovers.

load lib

setup() { common_setup; }
teardown() { common_teardown; }

@test "multi: two PIDs in one run, each matching its truth" {
	start_workload ring_basic
	local t1=$TRUTH p1=$WL_PID
	start_workload epoll_basic
	local t2=$TRUTH p2=$WL_PID
	dump_json "$p2" "$p1"
	compare_truth "$t1" "$DUMP"
	compare_truth "$t2" "$DUMP"
	"$PY" - "$DUMP" "$p1" "$p2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
pids = [p["pid"] for p in d["processes"]]
want = sorted(int(x) for x in sys.argv[2:])
if pids != want:
    print("processes", pids, "expected", want)
    sys.exit(1)
PY
}

@test "multi: --all includes the workloads and no kernel thread" {
	start_workload ring_basic
	local t1=$TRUTH p1=$WL_PID
	start_workload epoll_basic
	local t2=$TRUTH p2=$WL_PID
	UD_TIMEOUT=120 ud --json --all
	expect_status 0
	compare_truth "$t1" "$UD_OUT"
	compare_truth "$t2" "$UD_OUT"
	"$PY" - "$UD_OUT" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
bad = []
for p in d["processes"]:
    try:
        with open(f"/proc/{p['pid']}/stat") as f:
            flags = int(f.read().rsplit(")", 1)[1].split()[7])
        if flags & 0x00200000:  # PF_KTHREAD
            bad.append(p["pid"])
    except OSError:
        pass
if bad:
    print("kernel threads in --all:", bad)
    sys.exit(1)
PY
	UD_TIMEOUT=120 ud -a
	expect_status 0
	grep -q "$p1" "$UD_OUT"
}

@test "multi: the demo workload matches its truth" {
	start_workload demo
	dump_json "$WL_PID"
	compare_truth "$TRUTH" "$DUMP"
	compare_live "$WL_PID" "$DUMP"
	ud "$WL_PID"
	expect_status 0
}

@test "multi: dumps leave no BPF programs, links or pins behind" {
	command -v bpftool >/dev/null || skip_or_fail "bpftool not installed"
	start_workload demo
	local before after pins_before pins_after names progs_before progs_after
	# uringdump's programs, by the name bpftool shows (15 characters at most)
	names=$(readelf -sW "$(dirname "$UD")/uringdump.bpf.o" "$(dirname "$UD")/uringdump_pin.bpf.o" |
		awk '$4 == "FUNC" && $5 == "GLOBAL" {print substr($8, 1, 15)}' | sort -u)
	[[ -n $names ]] || { echo "no program names in $(dirname "$UD")/uringdump*.bpf.o" >&2; return 1; }
	progs_before=$(bpftool -j prog show | jq -r --arg n "$names" '.[] | select(.name as $x | $n | split("\n") | index($x)) | .id' | sort)
	before=$(bpftool link list 2>/dev/null | grep -c '^[0-9]' || true)
	pins_before=$(find /sys/fs/bpf -mindepth 1 2>/dev/null | sort | md5sum)
	ud --json "$WL_PID"
	expect_status 0
	ud --json --freeze "$WL_PID"
	expect_status 0
	ud --json --btf /nonexistent "$WL_PID"
	after=$(bpftool link list 2>/dev/null | grep -c '^[0-9]' || true)
	pins_after=$(find /sys/fs/bpf -mindepth 1 2>/dev/null | sort | md5sum)
	progs_after=$(bpftool -j prog show | jq -r --arg n "$names" '.[] | select(.name as $x | $n | split("\n") | index($x)) | .id' | sort)
	[[ $progs_after == "$progs_before" ]] ||
		{ echo "uringdump programs ($names) loaded before: [$progs_before], after: [$progs_after]" >&2; return 1; }
	[[ $pins_before == "$pins_after" ]] || { echo "bpffs pins changed" >&2; return 1; }
	# other tools may load programs meanwhile: only flag a growth
	((after <= before)) || { echo "BPF links: $before before, $after after" >&2; bpftool link list >&2; return 1; }
	# no uringdump process left running
	! pgrep -x uringdump >/dev/null || { echo "a uringdump process is still running" >&2; pgrep -ax uringdump >&2; return 1; }
}

@test "multi: the same PID twice is dumped once" {
	start_workload demo
	dump_json "$WL_PID" "$WL_PID"
	compare_truth "$TRUTH" "$DUMP"
}
