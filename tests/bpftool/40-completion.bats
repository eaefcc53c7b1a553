#!/usr/bin/env bats
# Bash completion of iter pin, from the patched bash-completion/bpftool.

load lib

setup_file() {
	require_built
	start_fd_holder
}

teardown_file() {
	stop_fd_holder
}

setup() {
	COMP="$BT_TOOL_DIR/bash-completion/bpftool"
	[ -f "$COMP" ] || { echo "$COMP missing: run 'make bpftool'" >&2; return 1; }
	[ -f /usr/share/bash-completion/bash_completion ] ||
		skip_or_fail "bash-completion is not installed"
	cd "$BATS_TEST_TMPDIR"
	touch prog.bpf.o
}

complete_words() {
	"$BT_DIR/complete.sh" "$COMP" bpftool "$@"
}

@test "after iter pin OBJ PATH, completion offers the five parameters" {
	run complete_words iter pin prog.bpf.o /sys/fs/bpf/it ''
	[ "$status" -eq 0 ]
	[ "$(echo $output)" = "epoll_fd io_uring_fd map pid tid" ]
}

@test "completion of a parameter prefix" {
	run complete_words iter pin prog.bpf.o /sys/fs/bpf/it io
	[ "$output" = io_uring_fd ]
	run complete_words iter pin prog.bpf.o /sys/fs/bpf/it e
	[ "$output" = epoll_fd ]
	run complete_words iter pin prog.bpf.o /sys/fs/bpf/it t
	[ "$output" = tid ]
}

@test "options before the command do not shift the positions" {
	run complete_words -j iter pin prog.bpf.o /sys/fs/bpf/it ''
	[ "$(echo $output)" = "epoll_fd io_uring_fd map pid tid" ]
}

@test "OBJ and PATH complete as files, not as parameters" {
	run complete_words iter pin prog
	[ "$output" = prog.bpf.o ]
	run complete_words iter pin prog.bpf.o ''
	[[ $output == *prog.bpf.o* ]]
	[[ $output != *io_uring_fd* ]]
}

@test "nothing more after one complete parameter" {
	run complete_words iter pin prog.bpf.o /sys/fs/bpf/it pid 1 ''
	[ -z "$output" ]
	run complete_words iter pin prog.bpf.o /sys/fs/bpf/it io_uring_fd 1:3 ''
	[ -z "$output" ]
}

@test "io_uring_fd completes to PID:FD of the rings of running processes" {
	run complete_words iter pin prog.bpf.o /sys/fs/bpf/it io_uring_fd ''
	[[ $'\n'$output$'\n' == *$'\n'"$HOLDER_PID:$RING_FD"$'\n'* ]]
	[[ $'\n'$output$'\n' != *$'\n'"$HOLDER_PID:$EPOLL_FD"$'\n'* ]]
	run complete_words iter pin prog.bpf.o /sys/fs/bpf/it io_uring_fd "$HOLDER_PID:"
	[ "$output" = "$HOLDER_PID:$RING_FD" ]
}

@test "epoll_fd completes to PID:FD of the epoll instances of running processes" {
	run complete_words iter pin prog.bpf.o /sys/fs/bpf/it epoll_fd "$HOLDER_PID:"
	[ "$output" = "$HOLDER_PID:$EPOLL_FD" ]
}

@test "pid and tid complete to process and thread ids" {
	run complete_words iter pin prog.bpf.o /sys/fs/bpf/it pid "$HOLDER_PID"
	[[ $'\n'$output$'\n' == *$'\n'"$HOLDER_PID"$'\n'* ]]
	run complete_words iter pin prog.bpf.o /sys/fs/bpf/it tid "$HOLDER_PID"
	[[ $'\n'$output$'\n' == *$'\n'"$HOLDER_PID"$'\n'* ]]
}

@test "map still completes to its MAP forms" {
	run complete_words iter pin prog.bpf.o /sys/fs/bpf/it map ''
	[ "$(echo $output)" = "id name pinned" ]
}

@test "the iter commands still complete" {
	run complete_words iter ''
	[ "$(echo $output)" = "help pin" ]
}
