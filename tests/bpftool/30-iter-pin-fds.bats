#!/usr/bin/env bats
# iter pin with io_uring_fd and epoll_fd.  Mainline kernels (this machine's
# included) have no io_uring_buf, io_uring_file or epoll iterator target, so
# the tests check that the keywords reach the kernel's side with the right
# file descriptor and that every failure says why.  On a kernel with the
# targets (the companion kernel series), the same tests expect the pin to
# work and "link show" to print the instance's inode.

load lib

setup_file() {
	require_built
	if [[ $(id -u) == 0 ]]; then
		setup_bpffs
	fi
	start_fd_holder
}

teardown_file() {
	stop_fd_holder
	cleanup_pins
}

setup() {
	require_root
}

# in_holder_env CMD...: runs CMD with the holder's ring and epoll fds
# inherited (a fresh fd-holder exec: RING_FD, EPOLL_FD, RING_INO, EPOLL_INO
# describe its own instances).
in_holder_env() {
	"$FD_HOLDER" exec "$@"
}

@test "io_uring_fd is refused for a task_file program: a ring is no task" {
	run "$BPFTOOL" iter pin "$TASK_FILE_OBJ" "$PIN_DIR/ring_task" io_uring_fd "$HOLDER_PID:$RING_FD"
	echo "$output"
	[ "$status" -eq 255 ]
	[[ $output == *"Error: 'io_uring_fd' applies to io_uring_buf or io_uring_file iterators only, program dump_task_file has target task_file"* ]]
	[[ $output != *Usage:* ]]
	[ ! -e "$PIN_DIR/ring_task" ]
}

@test "epoll_fd is refused for a task_file program, also with an inherited fd" {
	run in_holder_env sh -c '"$0" iter pin "$1" "$2" epoll_fd "$EPOLL_FD"' \
		"$BPFTOOL" "$TASK_FILE_OBJ" "$PIN_DIR/ep_task"
	echo "$output"
	[ "$status" -eq 255 ]
	[[ $output == *"Error: 'epoll_fd' applies to epoll iterators only, program dump_task_file has target task_file"* ]]
	[ ! -e "$PIN_DIR/ep_task" ]
}

@test "io_uring_fd PID:FD of a ring: pinned, or a clear error without the target" {
	run "$BPFTOOL" iter pin "$IO_URING_FILE_OBJ" "$PIN_DIR/ring" io_uring_fd "$HOLDER_PID:$RING_FD"
	echo "$output"
	if kernel_has_target io_uring_file; then
		[ "$status" -eq 0 ]
		run "$BPFTOOL" -j link show pinned "$PIN_DIR/ring"
		[ "$(json_field "$output" target_name)" = io_uring_file ]
		[ "$(json_field "$output" io_uring_inode)" = "$RING_INO" ]
		run "$BPFTOOL" link show pinned "$PIN_DIR/ring"
		[[ $output =~ target_name\ io_uring_file\ +io_uring_inode\ $RING_INO ]]
	else
		[ "$status" -eq 253 ]
		[[ $output == *"Error: can't load objfile $IO_URING_FILE_OBJ: this kernel has no io_uring_file iterator"* ]]
		[ ! -e "$PIN_DIR/ring" ]
	fi
}

@test "io_uring_fd FD inherited by bpftool: pinned, or a clear error without the target" {
	run in_holder_env sh -c '"$0" iter pin "$1" "$2" io_uring_fd "$RING_FD" && echo "ino=$RING_INO"' \
		"$BPFTOOL" "$IO_URING_FILE_OBJ" "$PIN_DIR/ring_inherited"
	echo "$output"
	if kernel_has_target io_uring_file; then
		[ "$status" -eq 0 ]
		ino=$(sed -n 's/^ino=//p' <<<"$output")
		run "$BPFTOOL" -j link show pinned "$PIN_DIR/ring_inherited"
		[ "$(json_field "$output" io_uring_inode)" = "$ino" ]
	else
		[ "$status" -eq 253 ]
		[[ $output == *"this kernel has no io_uring_file iterator"* ]]
	fi
}

@test "epoll_fd PID:FD and inherited FD: pinned, or a clear error without the target" {
	run "$BPFTOOL" iter pin "$EPOLL_OBJ" "$PIN_DIR/ep" epoll_fd "$HOLDER_PID:$EPOLL_FD"
	echo "$output"
	if kernel_has_target epoll; then
		[ "$status" -eq 0 ]
		run "$BPFTOOL" -j link show pinned "$PIN_DIR/ep"
		[ "$(json_field "$output" target_name)" = epoll ]
		[ "$(json_field "$output" epoll_inode)" = "$EPOLL_INO" ]
		run "$BPFTOOL" link show pinned "$PIN_DIR/ep"
		[[ $output =~ target_name\ epoll\ +epoll_inode\ $EPOLL_INO ]]
	else
		[ "$status" -eq 253 ]
		[[ $output == *"Error: can't load objfile $EPOLL_OBJ: this kernel has no epoll iterator"* ]]
		[ ! -e "$PIN_DIR/ep" ]
	fi
	run in_holder_env sh -c '"$0" iter pin "$1" "$2" epoll_fd "$EPOLL_FD"' \
		"$BPFTOOL" "$EPOLL_OBJ" "$PIN_DIR/ep_inherited"
	echo "$output"
	if kernel_has_target epoll; then
		[ "$status" -eq 0 ]
	else
		[[ $output == *"this kernel has no epoll iterator"* ]]
	fi
}

@test "an FD not open in bpftool is an error that suggests PID:FD" {
	run "$BPFTOOL" iter pin "$IO_URING_FILE_OBJ" "$PIN_DIR/x" io_uring_fd 1000
	echo "$output"
	[ "$status" -eq 255 ]
	[[ $output == *"Error: io_uring_fd 1000 is not open in bpftool (use PID:FD for a file descriptor of another process): Bad file descriptor"* ]]
	[ ! -e "$PIN_DIR/x" ]
}

@test "PID:FD of a process that does not exist is an error" {
	run "$BPFTOOL" iter pin "$EPOLL_OBJ" "$PIN_DIR/x" epoll_fd 2147483647:3
	echo "$output"
	[ "$status" -eq 255 ]
	[[ $output == *"Error: can't open process 2147483647: No such process"* ]]
}

@test "PID:FD of an fd the process does not have is an error" {
	run "$BPFTOOL" iter pin "$EPOLL_OBJ" "$PIN_DIR/x" epoll_fd "$HOLDER_PID:1000"
	echo "$output"
	[ "$status" -eq 255 ]
	[[ $output == *"Error: can't get file descriptor 1000 of process $HOLDER_PID: Bad file descriptor"* ]]
}

@test "PID:FD copies the file descriptor: the process keeps its instance" {
	run "$BPFTOOL" iter pin "$IO_URING_FILE_OBJ" "$PIN_DIR/copy" io_uring_fd "$HOLDER_PID:$RING_FD"
	[ "$(readlink "/proc/$HOLDER_PID/fd/$RING_FD")" = "anon_inode:[io_uring]" ]
	kill -0 "$HOLDER_PID"
}
