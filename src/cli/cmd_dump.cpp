// `uringdump [dump] PID...`: the live dump.  Parses its options, checks the
// targets and the environment, optionally freezes the target, dumps, builds
// the model and renders it.
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
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

struct Options {
	bool json = false;
	bool pretty = false;
	bool all = false;
	bool freeze = false;
	bool verbose = false;
	bool no_cache = false;
	std::uint32_t requests = 0;
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

// Ok(nullopt): --help or --version was given and answered.
Result<std::optional<Options>> parse_args(int argc, char** argv)
{
	auto args = parse_options(command_options(Command::Dump), argc, argv, 1,
				  command_rules(Command::Dump));
	if (!args)
		return args.error();
	if (args->has(Opt::Help)) {
		print_help(Command::Dump);
		return std::optional<Options>();
	}
	if (args->has(Opt::Version)) {
		print_version();
		return std::optional<Options>();
	}
	Options o;
	const OutputFormat format = output_format(*args);
	o.json = format.json;
	o.pretty = format.pretty;
	o.all = args->has(Opt::All);
	o.freeze = args->has(Opt::Freeze);
	o.verbose = args->has(Opt::Verbose);
	o.no_cache = args->has(Opt::NoCache);
	o.btf = args->value(Opt::Btf);
	if (auto n = args->value(Opt::Requests)) {
		char* end = nullptr;
		errno = 0;
		const unsigned long v = std::strtoul(n->c_str(), &end, 10);
		if (errno || !end || *end || end == n->c_str() || v < 1 || v > 65536 ||
		    (*n)[0] == '-')
			return make_error(Exit::Usage, "invalid --requests '" + *n +
							       "': a number from 1 to 65536");
		o.requests = static_cast<std::uint32_t>(v);
	}
	for (const std::string& operand : args->operands) {
		auto pid = parse_pid(operand.c_str());
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
	return std::optional<Options>(std::move(o));
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

// URINGDUMP_SPILL_BYTES=N and URINGDUMP_SPILL_MAX_BYTES=N: the initial and
// the largest size of the spill ring buffer (powers of two from one page to
// 1 GiB; 0 or unset: the defaults, 16 MiB and 1 GiB).  Small ones make the
// overflow-and-reload path and its final failure testable.
Result<std::size_t> size_from_env(const char* name)
{
	const char* text = std::getenv(name);
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
			std::string(name) + "='" + text +
				"' is not a power of two between the page size and 1 GiB");
	return static_cast<std::size_t>(v);
}

Status spill_sizes_from_env(LoadOptions& load)
{
	auto initial = size_from_env("URINGDUMP_SPILL_BYTES");
	if (!initial)
		return initial.error();
	auto max = size_from_env("URINGDUMP_SPILL_MAX_BYTES");
	if (!max)
		return max.error();
	if (*initial)
		load.spill_bytes = *initial;
	if (*max)
		load.max_spill_bytes = *max;
	if (load.spill_bytes > load.max_spill_bytes)
		load.spill_bytes = load.max_spill_bytes;
	return {};
}

int run_dump(const Options& o)
{
	for (pid_t pid : o.pids)
		if (auto st = check_target(pid); !st)
			return fail(st.error());

	LoadOptions load;
	load.btf_path = o.btf;
	load.verbose = o.verbose;
	load.req_max = o.requests;
	load.use_cache = !o.no_cache;
	if (auto st = spill_sizes_from_env(load); !st)
		return fail(st.error());
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
	if (!*opts)
		return 0;
	return run_dump(**opts);
}

} // namespace uringdump
