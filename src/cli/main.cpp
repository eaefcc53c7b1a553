// uringdump: dispatch to the command.  `uringdump PID...` is the dump; the
// other commands are named first, in bpftool's OBJECT COMMAND style.
#include <cstdio>
#include <iostream>
#include <string_view>

#include "base/heap.hpp"
#include "cli/cli.hpp"
#include "cli/usage.hpp"
#include "kernel/environment.hpp"

namespace uringdump {

int fail(const Error& e)
{
	std::fprintf(stderr, "uringdump: %s\n", e.message.c_str());
	if (e.code == Exit::Usage)
		std::fputs(usage_hint().c_str(), stderr);
	return static_cast<int>(e.code);
}

int print_help(Command cmd)
{
	std::fputs(help_text(cmd).c_str(), stdout);
	return 0;
}

void print_version()
{
	std::printf("uringdump 0.1.0 (libbpf %s)\n", libbpf_version());
}

} // namespace uringdump

int main(int argc, char** argv)
{
	using namespace uringdump;
	prefer_huge_pages();
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
	if (cmd == "cache")
		return cmd_cache(argc - 1, argv + 1);
	if (cmd == "checkpoint")
		return cmd_checkpoint(argc - 1, argv + 1);
	if (cmd == "restore")
		return cmd_restore(argc - 1, argv + 1);
	return cmd_dump(argc, argv);
}
