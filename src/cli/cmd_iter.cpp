// `uringdump iter pin OBJ PATH [map MAP | io_uring_fd FD | epoll_fd FD |
// pid PID | tid TID]`: bpftool's `iter pin` with the io_uring/epoll series
// (bpftool-patch/), for systems whose bpftool lacks it.  Opens and loads
// OBJ, attaches its first iterator program with the parameter and pins the
// link at PATH (kernel/iter_pin.hpp); prints nothing on success, like
// bpftool.
#include <cstdio>
#include <string_view>
#include <vector>

#include "bpftool/iter_args.hpp"
#include "cli/cli.hpp"
#include "kernel/iter_pin.hpp"

namespace uringdump {
namespace {

const char kIterUsage[] =
	"Usage: uringdump iter pin OBJ PATH [map MAP | io_uring_fd FD | epoll_fd FD | pid PID | "
	"tid TID] [-v]\n"
	"       uringdump iter help\n"
	"\n"
	"       MAP := { id MAP_ID | pinned FILE | name NAME }\n"
	"       FD  := { FD_NUM | PID:FD_NUM }\n"
	"\n"
	"Load the BPF object OBJ, attach its first iterator program (section\n"
	"iter/TARGET) with the parameter given, and pin the link at PATH, like\n"
	"`bpftool iter pin` with the io_uring/epoll iterator series.  PATH must be\n"
	"in a bpffs mount and must not exist.  map: bpf_map_elem-style targets;\n"
	"io_uring_fd: io_uring_buf and io_uring_file; epoll_fd: epoll; pid, tid:\n"
	"task, task_file and task_vma.  FD_NUM is an fd open in uringdump;\n"
	"PID:FD_NUM an fd of process PID, copied with pidfd_getfd(2).  Keywords\n"
	"may be abbreviated.  Prints nothing on success; `cat PATH` reads the\n"
	"iterator, `rm PATH` removes it.\n"
	"\n"
	"  -v, --verbose     print libbpf diagnostics to stderr\n"
	"  -h, --help        show this help\n";

} // namespace

int cmd_iter(int argc, char** argv)
{
	std::vector<std::string_view> words(argv + 1, argv + argc);
	auto cmd = parse_iter_command(words);
	if (!cmd)
		return fail(cmd.error());
	if (cmd->kind == IterCommand::Kind::Help) {
		std::fputs(kIterUsage, stdout);
		return 0;
	}
	if (auto st = iter_pin(cmd->pin, cmd->verbose); !st)
		return fail(st.error());
	return 0;
}

} // namespace uringdump
