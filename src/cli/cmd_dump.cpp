// `uringdump [dump] PID...`: the live dump.  Parses its options, checks the
// targets and the environment, optionally freezes the target, dumps, builds
// the model and renders it.
#include <getopt.h>
#include <signal.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "base/procfs.hpp"
#include "cli/cli.hpp"
#include "kernel/dumper.hpp"
#include "kernel/freeze.hpp"
#include "model/model.hpp"
#include "render/json.hpp"
#include "render/text.hpp"

namespace uringdump {
namespace {

const char kUsage[] =
	"Usage: uringdump [dump] [OPTIONS] PID...\n"
	"       uringdump [dump] [OPTIONS] --all\n"
	"       uringdump pin PID[:FD] PATH\n"
	"       uringdump read PATH [-j|-p]\n"
	"       uringdump link show [id ID] [-j|-p]\n"
	"\n"
	"Dump every io_uring and epoll instance of the given processes: ring setup,\n"
	"registered files (with the fds that hold the same file), registered buffers,\n"
	"registered eventfd, SQPOLL details, and each epoll's watched targets with the\n"
	"fds that hold them now.  Reads kernel state through a BPF task_file iterator.\n"
	"\n"
	"Options:\n"
	"  -j, --json        JSON output\n"
	"  -p, --pretty      pretty-printed JSON (implies --json)\n"
	"  -a, --all         dump every process (kernel threads and processes that\n"
	"                    exit meanwhile are skipped)\n"
	"  -f, --freeze      stop the target's threads (ptrace) during the dump for an\n"
	"                    exact snapshot; they are always released\n"
	"      --btf FILE    load against the BTF in FILE instead of\n"
	"                    /sys/kernel/btf/vmlinux\n"
	"  -v, --verbose     print libbpf diagnostics to stderr\n"
	"  -h, --help        show this help\n"
	"  -V, --version     show the version\n"
	"\n"
	"Without --freeze the dump is best effort: a live process may change while it\n"
	"is read.  Needs root, or CAP_BPF and CAP_PERFMON (and CAP_SYS_PTRACE for\n"
	"--freeze).\n"
	"\n"
	"Commands: `pin` pins an iterator for PID (or one ring/epoll fd) in bpffs;\n"
	"every later read of PATH (`cat`, `uringdump read`) is a fresh dump.  `read`\n"
	"renders a pinned iterator or a file saved from one.  `link show` lists BPF\n"
	"iterator links like bpftool, with their pins and holders.\n"
	"\n"
	"Exit status: 0 ok (also when nothing is found), 1 failure, 2 usage,\n"
	"3 bad target (no such process, exited, kernel thread), 4 permission,\n"
	"5 environment (BTF missing or unreadable).\n";

struct Options {
	bool json = false;
	bool pretty = false;
	bool all = false;
	bool freeze = false;
	bool verbose = false;
	std::optional<std::string> btf;
	std::vector<pid_t> pids;
};

Result<pid_t> parse_pid(const char* s)
{
	char* end = nullptr;
	errno = 0;
	long v = std::strtol(s, &end, 10);
	if (errno || !end || *end || end == s || v <= 0 || v > 0x3fffffff)
		return make_error(Exit::Usage, std::string("invalid pid '") + s + "'");
	return static_cast<pid_t>(v);
}

Result<Options> parse_args(int argc, char** argv)
{
	enum { OPT_BTF = 256 };
	static const option longopts[] = {
		{"json", no_argument, nullptr, 'j'},
		{"pretty", no_argument, nullptr, 'p'},
		{"all", no_argument, nullptr, 'a'},
		{"freeze", no_argument, nullptr, 'f'},
		{"btf", required_argument, nullptr, OPT_BTF},
		{"verbose", no_argument, nullptr, 'v'},
		{"help", no_argument, nullptr, 'h'},
		{"version", no_argument, nullptr, 'V'},
		{nullptr, 0, nullptr, 0},
	};
	Options o;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":jpafvhV", longopts, nullptr)) != -1) {
		switch (c) {
		case 'j': o.json = true; break;
		case 'p': o.json = o.pretty = true; break;
		case 'a': o.all = true; break;
		case 'f': o.freeze = true; break;
		case OPT_BTF: o.btf = optarg; break;
		case 'v': o.verbose = true; break;
		case 'h': std::fputs(kUsage, stdout); std::exit(0);
		case 'V': print_version(); std::exit(0);
		case ':':
			return make_error(Exit::Usage, std::string("option '") + argv[optind - 1] +
							       "' needs an argument");
		default:
			return make_error(Exit::Usage,
					  std::string("unknown option '") + argv[optind - 1] + "'");
		}
	}
	for (int i = optind; i < argc; i++) {
		auto pid = parse_pid(argv[i]);
		if (!pid)
			return pid.error();
		o.pids.push_back(*pid);
	}
	if (o.all && !o.pids.empty())
		return make_error(Exit::Usage, "give PIDs or --all, not both");
	if (!o.all && o.pids.empty())
		return make_error(Exit::Usage, "no PID given (or use --all)");
	if (o.all && o.freeze)
		return make_error(Exit::Usage,
				  "--freeze needs PIDs: it does not stop every process");
	return o;
}

// Tables whose kernel walk raced with changes are marked "complete": false;
// say so once on stderr, with the remedy.
void warn_incomplete(const Snapshot& snap)
{
	for (const auto& p : snap.processes) {
		for (const auto& r : p.rings)
			if (!r.files.complete || !r.buffers.complete)
				std::fprintf(stderr,
					     "uringdump: warning: ring %s of %u changed while it "
					     "was read\n",
					     snap.file(r.file).id.c_str(), p.pid);
		for (const auto& e : p.epolls)
			if (!e.complete)
				std::fprintf(stderr,
					     "uringdump: warning: epoll %s of %u changed while it "
					     "was read\n",
					     snap.file(e.file).id.c_str(), p.pid);
	}
	if (!snap.exact && !snap.processes.empty())
		for (const auto& p : snap.processes) {
			bool bad = false;
			for (const auto& r : p.rings)
				bad |= !r.files.complete || !r.buffers.complete;
			for (const auto& e : p.epolls)
				bad |= !e.complete;
			if (bad) {
				std::fprintf(stderr,
					     "uringdump: use --freeze for an exact snapshot\n");
				return;
			}
		}
}

bool alive(pid_t pid)
{
	return ::kill(pid, 0) == 0 || errno != ESRCH;
}

// URINGDUMP_SPILL_BYTES=N: the initial size of the spill ring buffer (a
// power of two, at least one page; 0 or unset: the default 16 MiB).  A
// small one makes the overflow-and-reload path testable.
Result<std::size_t> spill_bytes_from_env()
{
	const char* text = std::getenv("URINGDUMP_SPILL_BYTES");
	if (!text || !*text)
		return std::size_t{0};
	char* end = nullptr;
	errno = 0;
	unsigned long long v = std::strtoull(text, &end, 0);
	const auto page = static_cast<unsigned long long>(sysconf(_SC_PAGESIZE));
	if (errno || !end || *end ||
	    (v != 0 && (v < page || (v & (v - 1)) != 0 || v > (1ull << 30))))
		return make_error(
			Exit::Usage,
			std::string("URINGDUMP_SPILL_BYTES='") + text +
				"' is not a power of two between the page size and 1 GiB");
	return static_cast<std::size_t>(v);
}

int run_dump(const Options& o)
{
	for (pid_t pid : o.pids)
		if (auto st = check_target(pid); !st)
			return fail(st.error());

	LoadOptions load;
	load.btf_path = o.btf;
	load.verbose = o.verbose;
	if (auto bytes = spill_bytes_from_env(); !bytes)
		return fail(bytes.error());
	else if (*bytes)
		load.spill_bytes = *bytes;
	if (auto st = check_environment(load, o.freeze); !st)
		return fail(st.error());

	// Load (BTF, verifier) before freezing: the targets stay stopped only
	// for the walk itself.
	auto dumper = Dumper::load(load);
	if (!dumper)
		return fail(dumper.error());

	std::vector<Freezer> frozen;
	if (o.freeze) {
		for (pid_t pid : o.pids) {
			auto f = Freezer::freeze(pid);
			if (!f)
				return fail(f.error());
			frozen.push_back(std::move(*f));
		}
	}

	auto dumped = dumper->dump(o.pids);
	frozen.clear(); // release the targets as soon as the kernel state is read
	if (!dumped)
		return fail(dumped.error());
	for (pid_t pid : o.pids)
		if (!alive(pid))
			return fail(make_error(Exit::Target, "process " + std::to_string(pid) +
								     " exited during the dump"));

	auto snap = build_snapshot(dumped->records, o.freeze);
	if (!snap)
		return fail(snap.error());

	warn_incomplete(*snap);
	if (o.json)
		render_json(*snap, std::cout, o.pretty);
	else
		render_text(*snap, std::cout);
	std::cout.flush();
	if (!std::cout)
		return fail(make_error(Exit::Failure, "writing the output failed"));
	return 0;
}

} // namespace

int cmd_dump(int argc, char** argv)
{
	auto opts = parse_args(argc, argv);
	if (!opts)
		return fail(opts.error());
	return run_dump(*opts);
}

void print_usage(std::FILE* out)
{
	std::fputs(kUsage, out);
}

} // namespace uringdump
