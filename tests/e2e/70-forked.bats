#!/usr/bin/env bats
# One ring and one epoll held by two processes (fork): each process shows them
# with its own fds, under the same ids.

load lib

setup() {
	common_setup
	start_workload forked
	CHILD=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["child_pid"])' "$TRUTH")
	CHILD_TRUTH="$TRUTH.child.json"
}

teardown() { common_teardown; }

same_ids() {
	"$PY" - "$1" "$WL_PID" "$CHILD" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
procs = {p["pid"]: p for p in d["processes"]}
a, b = procs[int(sys.argv[2])], procs[int(sys.argv[3])]
def ids(p):
    return ([r["id"] for r in p["io_urings"]], [e["id"] for e in p["epolls"]],
            [[s.get("file", {}).get("id") for s in r["registered_files"]["slots"]] for r in p["io_urings"]],
            [sorted(i["file"]["id"] for i in e["items"]) for e in p["epolls"]])
if ids(a) != ids(b):
    print("the shared ring/epoll show different ids in parent and child:", ids(a), ids(b))
    sys.exit(1)
PY
}

@test "forked: parent and child in one run, each matching its truth, same ids" {
	dump_json "$WL_PID" "$CHILD"
	compare_truth "$TRUTH" "$DUMP"
	compare_truth "$CHILD_TRUTH" "$DUMP"
	compare_live "$WL_PID" "$DUMP"
	compare_live "$CHILD" "$DUMP"
	same_ids "$DUMP"
}

@test "forked: --freeze of both processes" {
	ud --json --freeze "$CHILD" "$WL_PID"
	expect_status 0
	compare_truth "$TRUTH" "$UD_OUT" --exact
	compare_truth "$CHILD_TRUTH" "$UD_OUT" --exact
	same_ids "$UD_OUT"
	expect_running "$WL_PID"
	expect_running "$CHILD"
}

@test "forked: the child alone" {
	dump_json "$CHILD"
	compare_truth "$CHILD_TRUTH" "$DUMP"
	compare_live "$CHILD" "$DUMP"
}
