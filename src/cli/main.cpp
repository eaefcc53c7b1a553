// uringdump: dispatch to the command.  `uringdump PID...` is the dump; the
// other commands are named first, in bpftool's OBJECT COMMAND style.
#include <bpf/libbpf.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <string_view>

#include "cli/cli.hpp"

namespace uringdump {

int fail(const Error& e)
{
	std::fprintf(stderr, "uringdump: %s\n", e.message.c_str());
	if (e.code == Exit::Usage)
		std::fprintf(stderr,
			     "Usage: uringdump [dump] [OPTIONS] PID... | --all\n"
			     "       uringdump pin PID[:FD] PATH | read PATH | link show [id ID]\n"
			     "       uringdump iter pin OBJ PATH [map MAP | io_uring_fd FD | "
			     "epoll_fd FD | pid PID | tid TID]\n"
			     "Try 'uringdump --help' for more information.\n");
	return static_cast<int>(e.code);
}

void print_version()
{
	std::printf("uringdump 0.1.0 (libbpf %s)\n", libbpf_version_string());
}

} // namespace uringdump

int main(int argc, char** argv)
{
	using namespace uringdump;
	std::ios::sync_with_stdio(false);
	std::string_view cmd = argc > 1 ? argv[1] : "";
	if (cmd == "dump")
		return cmd_dump(argc - 1, argv + 1);
	if (cmd == "pin")
		return cmd_pin(argc - 1, argv + 1);
	if (cmd == "read")
		return cmd_read(argc - 1, argv + 1);
	if (cmd == "link")
		return cmd_link(argc - 1, argv + 1);
	if (cmd == "iter")
		return cmd_iter(argc - 1, argv + 1);
	return cmd_dump(argc, argv);
}
