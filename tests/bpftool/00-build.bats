#!/usr/bin/env bats
# The patched bpftool: version, features, help text.

load lib

setup() {
	require_built
}

@test "bpftool is v7.5.0 with its own libbpf, the libbfd disassembler and skeletons" {
	run "$BPFTOOL" version
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "bpftool v7.5.0" ]]
	[[ ${lines[1]} == "using libbpf v1.5" ]]
	[[ ${lines[2]} =~ ^features:.*libbfd ]]
	[[ ${lines[2]} =~ skeletons ]]
}

@test "bpftool -j version reports the libbfd feature" {
	run "$BPFTOOL" -j version
	[ "$status" -eq 0 ]
	[ "$(jq -r '.features.libbfd' <<<"$output")" = true ]
}

@test "iter help shows every parameter of iter pin" {
	run "$BPFTOOL" iter help
	[ "$status" -eq 0 ]
	[[ $output == *"pin OBJ PATH [map MAP | io_uring_fd FD | epoll_fd FD | pid PID | tid TID]"* ]]
	[[ $output == *"FD := { FD_NUM | PID:FD_NUM }"* ]]
}

@test "iter help, the man page and bash completion list the same parameters" {
	local help doc comp
	help=$("$BPFTOOL" iter help 2>&1 | sed -n 's/.*pin OBJ PATH \[\(.*\)\]$/\1/p' |
		tr '|' '\n' | awk '{print $1}' | sort | tr '\n' ' ')
	doc=$(sed -n 's/^| \*\*bpftool\*\* \*\*iter pin\*\* \*OBJ\* \*PATH\* \[\(.*\)\]$/\1/p' \
		"$BT_TOOL_DIR/Documentation/bpftool-iter.rst" | tr '|' '\n' |
		sed -n 's/^ *\*\*\([a-z_]*\)\*\*.*/\1/p' | sort | tr '\n' ' ')
	comp=$("$BT_DIR/complete.sh" "$BT_TOOL_DIR/bash-completion/bpftool" \
		bpftool iter pin obj.o /sys/fs/bpf/x '' | tr '\n' ' ')
	echo "help: $help" >&2
	echo "doc:  $doc" >&2
	echo "comp: $comp" >&2
	[ "$help" = "epoll_fd io_uring_fd map pid tid " ]
	[ "$doc" = "$help" ]
	[ "$comp" = "$help" ]
}
