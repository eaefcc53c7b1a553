#!/usr/bin/env bats
# iter pin with pid and tid on this kernel, and link show of such links.

load lib

setup_file() {
	require_built
	if [[ $(id -u) == 0 ]]; then
		setup_bpffs
	fi
	# The target: a process with two known extra file descriptors.
	sleep 1000 7</dev/null 8</dev/null 3>&- &
	TARGET_PID=$!
	export TARGET_PID
}

teardown_file() {
	kill "$TARGET_PID" 2>/dev/null || true
	cleanup_pins
}

setup() {
	require_root
}

# pinned_pids FILE: the distinct pids in the output of the task_file iterator.
pinned_pids() {
	awk '{print $1}' "$1" | sort -u
}

@test "iter pin with pid pins a task_file iterator of that process only" {
	run "$BPFTOOL" iter pin "$TASK_FILE_OBJ" "$PIN_DIR/by_pid" pid "$TARGET_PID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -e "$PIN_DIR/by_pid" ]
	cat "$PIN_DIR/by_pid" >"$BATS_TEST_TMPDIR/out"
	[ "$(pinned_pids "$BATS_TEST_TMPDIR/out")" = "$TARGET_PID" ]
	grep -qx "$TARGET_PID 7" "$BATS_TEST_TMPDIR/out"
	grep -qx "$TARGET_PID 8" "$BATS_TEST_TMPDIR/out"
}

@test "link show prints the pid of a task iterator link" {
	[ -e "$PIN_DIR/by_pid" ] || "$BPFTOOL" iter pin "$TASK_FILE_OBJ" "$PIN_DIR/by_pid" pid "$TARGET_PID"
	run "$BPFTOOL" link show pinned "$PIN_DIR/by_pid"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ ^[0-9]+:\ iter\ +prog\ [0-9]+\ +target_name\ task_file\ +pid\ $TARGET_PID\ *$ ]]
	[[ $output != *tid* ]]
}

@test "link show -j prints the pid of a task iterator link" {
	[ -e "$PIN_DIR/by_pid" ] || "$BPFTOOL" iter pin "$TASK_FILE_OBJ" "$PIN_DIR/by_pid" pid "$TARGET_PID"
	run "$BPFTOOL" -j link show pinned "$PIN_DIR/by_pid"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(json_field "$output" type)" = iter ]
	[ "$(json_field "$output" target_name)" = task_file ]
	[ "$(json_field "$output" pid)" = "$TARGET_PID" ]
	[ -z "$(json_field "$output" tid)" ]
}

@test "link show lists the task iterator link among all links, plain and JSON" {
	[ -e "$PIN_DIR/by_pid" ] || "$BPFTOOL" iter pin "$TASK_FILE_OBJ" "$PIN_DIR/by_pid" pid "$TARGET_PID"
	run "$BPFTOOL" link show
	[ "$status" -eq 0 ]
	[[ $output =~ target_name\ task_file\ +pid\ $TARGET_PID ]]
	run "$BPFTOOL" -j link show
	[ "$status" -eq 0 ]
	[ "$(jq --argjson p "$TARGET_PID" '[.[] | select(.target_name == "task_file" and .pid == $p)] | length' <<<"$output")" -ge 1 ]
}

@test "iter pin with tid pins an iterator of that thread, link show prints the tid" {
	run "$BPFTOOL" iter pin "$TASK_FILE_OBJ" "$PIN_DIR/by_tid" tid "$TARGET_PID"
	echo "$output"
	[ "$status" -eq 0 ]
	cat "$PIN_DIR/by_tid" >"$BATS_TEST_TMPDIR/out"
	[ "$(pinned_pids "$BATS_TEST_TMPDIR/out")" = "$TARGET_PID" ]
	run "$BPFTOOL" link show pinned "$PIN_DIR/by_tid"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ target_name\ task_file\ +tid\ $TARGET_PID\ *$ ]]
	run "$BPFTOOL" -j link show pinned "$PIN_DIR/by_tid"
	[ "$(json_field "$output" tid)" = "$TARGET_PID" ]
	[ -z "$(json_field "$output" pid)" ]
}

@test "keywords may be abbreviated like other bpftool keywords" {
	run "$BPFTOOL" iter pin "$TASK_FILE_OBJ" "$PIN_DIR/abbrev" p "$TARGET_PID"
	[ "$status" -eq 0 ]
	run "$BPFTOOL" -j link show pinned "$PIN_DIR/abbrev"
	[ "$(json_field "$output" pid)" = "$TARGET_PID" ]
}

@test "iter pin without a parameter still walks every process" {
	run "$BPFTOOL" iter pin "$TASK_FILE_OBJ" "$PIN_DIR/all"
	[ "$status" -eq 0 ]
	cat "$PIN_DIR/all" >"$BATS_TEST_TMPDIR/out"
	[ "$(pinned_pids "$BATS_TEST_TMPDIR/out" | wc -l)" -gt 1 ]
	grep -q "^$TARGET_PID 7$" "$BATS_TEST_TMPDIR/out"
	grep -q "^$$ " "$BATS_TEST_TMPDIR/out"
	run "$BPFTOOL" link show pinned "$PIN_DIR/all"
	[[ $output != *pid* && $output != *tid* ]]
}

@test "pid given to a program of another target is refused before anything is pinned" {
	run "$BPFTOOL" iter pin "$IO_URING_FILE_OBJ" "$PIN_DIR/wrong" pid "$TARGET_PID"
	echo "$output"
	[ "$status" -eq 255 ]
	[[ $output == *"Error: 'pid' applies to task, task_file or task_vma iterators only, program dump_io_uring_file has target io_uring_file"* ]]
	[[ $output != *Usage:* ]]
	[ ! -e "$PIN_DIR/wrong" ]
}

@test "pins are files in bpffs that rm removes" {
	run "$BPFTOOL" iter pin "$TASK_FILE_OBJ" "$PIN_DIR/gone" pid "$TARGET_PID"
	[ "$status" -eq 0 ]
	rm "$PIN_DIR/gone"
	[ ! -e "$PIN_DIR/gone" ]
}
