// uringdump: dispatch to the command.  `uringdump PID...` is the dump; the
// other commands are named first, in bpftool's OBJECT COMMAND style.
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <iostream>
#include <string_view>

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

namespace {

// A dump of N items keeps a few hundred bytes per item in large vectors
// (streams, records, model, JSON).  Faulting them in 4 KiB pages cost ~40%
// of a 10k-item one-shot on a virtualized host.  So: large allocations come
// from the heap (brk) rather than one mmap each, the heap grows 32 MiB at a
// time and is not trimmed, and its last mapping asks for transparent huge
// pages (MADV_HUGEPAGE: honoured by the common "madvise" THP setting), which
// every later growth of the heap inherits.  Only advice: where the kernel
// says no, nothing changes.
void use_huge_pages()
{
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TOP_PAD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	std::free(std::malloc(1)); // the heap exists from here on
	const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
	const auto brk = reinterpret_cast<std::uintptr_t>(::sbrk(0)) & ~(page - 1);
	::madvise(reinterpret_cast<void*>(brk - page), page, MADV_HUGEPAGE);
}

} // namespace

} // namespace uringdump

int main(int argc, char** argv)
{
	using namespace uringdump;
	use_huge_pages();
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
	return cmd_dump(argc, argv);
}
