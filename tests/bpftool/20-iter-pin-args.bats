#!/usr/bin/env bats
# iter pin argument errors: each fails with an error naming the problem and
# the usage text, and pins nothing.  Parsing happens before the object file
# is opened, so none of these needs root or a BPF object.

load lib

setup() {
	require_built
	OBJ=$TASK_FILE_OBJ
	PIN=/sys/fs/bpf/uringdump_bpftool_test_never_pinned
}

# usage_error EXPECTED_ERROR ARG...: runs iter pin OBJ PIN ARG..., expects
# exit status 255, "Error: EXPECTED_ERROR" and the usage text.  bpftool's
# getopt takes arguments starting with '-' for options anywhere on the command
# line; "--" before the command lets such values reach iter pin.
usage_error() {
	local want=$1 a dashdash=()
	shift
	for a in "$@"; do
		[[ $a == -* ]] && dashdash=(--)
	done
	run "$BPFTOOL" "${dashdash[@]}" iter pin "$OBJ" "$PIN" "$@"
	echo "args: $* -> status $status" >&2
	echo "$output" >&2
	[ "$status" -eq 255 ]
	[[ ${lines[0]} == "Error: $want" ]]
	[[ $output == *"Usage: bpftool iter pin OBJ PATH [map MAP | io_uring_fd FD | epoll_fd FD | pid PID | tid TID]"* ]]
	[ ! -e "$PIN" ]
}

@test "an unknown keyword is an error (upstream ignored it)" {
	usage_error "unknown argument 'foo', expected 'map', 'io_uring_fd', 'epoll_fd', 'pid' or 'tid'" foo
	usage_error "unknown argument 'mpa', expected 'map', 'io_uring_fd', 'epoll_fd', 'pid' or 'tid'" mpa id 1
	usage_error "unknown argument '', expected 'map', 'io_uring_fd', 'epoll_fd', 'pid' or 'tid'" ''
	usage_error "unknown argument 'PID', expected 'map', 'io_uring_fd', 'epoll_fd', 'pid' or 'tid'" PID 1
}

@test "trailing arguments after a parameter are an error (upstream ignored them)" {
	usage_error "unexpected argument 'extra' after the 'pid' parameter" pid 1 extra
	usage_error "unexpected argument '1' after the 'tid' parameter" tid 1 1
	usage_error "unexpected argument 'x' after the 'io_uring_fd' parameter" io_uring_fd 3 x
	usage_error "unexpected argument 'x' after the 'epoll_fd' parameter" epoll_fd 1:3 x
}

@test "a repeated keyword is an error" {
	usage_error "'pid' given more than once" pid 1 pid 2
	usage_error "'pid' given more than once" pid 1 p 2
	usage_error "'tid' given more than once" tid 1 tid 1
	usage_error "'io_uring_fd' given more than once" io_uring_fd 3 io_uring_fd 4
	usage_error "'epoll_fd' given more than once" epoll_fd 3 epoll_fd 1:4
}

@test "two different parameters are an error: they share one union" {
	usage_error "'pid' and 'tid' can't be used together" pid 1 tid 1
	usage_error "'io_uring_fd' and 'epoll_fd' can't be used together" io_uring_fd 3 epoll_fd 4
	usage_error "'epoll_fd' and 'pid' can't be used together" epoll_fd 3 pid 4
	usage_error "'tid' and 'io_uring_fd' can't be used together" tid 3 io_uring_fd 4
}

@test "a keyword without its value is an error" {
	usage_error "'pid' needs at least 1 arguments, 0 found" pid
	usage_error "'tid' needs at least 1 arguments, 0 found" tid
	usage_error "'io_uring_fd' needs at least 1 arguments, 0 found" io_uring_fd
	usage_error "'epoll_fd' needs at least 1 arguments, 0 found" epoll_fd
}

@test "pid and tid must be positive decimal numbers" {
	local kw v
	for kw in pid tid; do
		for v in 0 -1 +1 ' 1' '1 ' abc 12x 0x10 1.5 '' 2147483648 99999999999999999999; do
			usage_error "invalid $kw '$v', expected a positive number" "$kw" "$v"
		done
	done
}

@test "large and zero-padded pids within range are accepted by the parser" {
	# They get past parsing: the failure is about the missing object file.
	run "$BPFTOOL" iter pin /nonexistent.o "$PIN" pid 2147483647
	[[ $output != *"invalid pid"* && $output == *"can't open objfile"* ]]
	run "$BPFTOOL" iter pin /nonexistent.o "$PIN" tid 007
	[[ $output != *"invalid tid"* && $output == *"can't open objfile"* ]]
}

@test "io_uring_fd and epoll_fd take FD or PID:FD and nothing else" {
	local kw v
	for kw in io_uring_fd epoll_fd; do
		for v in -1 +3 ' 3' abc 3x ':3' '3:' '3::4' '1:2:3' 'a:3' '3:b' '0:3' '-1:3' '1:-3' \
			'1 :3' '1: 3' 2147483648 '1:2147483648' '2147483648:1' ''; do
			usage_error "invalid $kw '$v', expected FD or PID:FD" "$kw" "$v"
		done
	done
}

@test "valid FD and PID:FD get past the parser" {
	local v
	for v in 0 3 2147483647 1:0 1:3 2147483647:2147483647; do
		run "$BPFTOOL" iter pin /nonexistent.o "$PIN" io_uring_fd "$v"
		echo "$v: $output" >&2
		[[ $output != *"invalid io_uring_fd"* && $output == *"can't open objfile"* ]]
	done
}

@test "errors are JSON objects with -j, the usage text goes to stderr" {
	run bash -c '"$0" -j iter pin "$1" "$2" pid 1 extra 2>/dev/null' "$BPFTOOL" "$OBJ" "$PIN"
	[ "$status" -eq 255 ]
	[ "$(jq -r .error <<<"$output")" = "unexpected argument 'extra' after the 'pid' parameter" ]
	run bash -c '"$0" -j iter pin "$1" "$2" epoll_fd 1: 2>/dev/null' "$BPFTOOL" "$OBJ" "$PIN"
	[ "$(jq -r .error <<<"$output")" = "invalid epoll_fd '1:', expected FD or PID:FD" ]
}

@test "missing OBJ or PATH still prints the usage" {
	run "$BPFTOOL" iter pin "$OBJ"
	[ "$status" -eq 255 ]
	[[ $output == *"Usage: bpftool iter pin OBJ PATH"* ]]
}
