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
#include "cli/live_dump.hpp"
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
		auto pid = parse_pid(operand);
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

int run_dump(const Options& o)
{
	LiveDumpRequest req;
	req.pids = o.pids;
	req.freeze = o.freeze;
	req.load.btf_path = o.btf;
	req.load.verbose = o.verbose;
	req.load.req_max = o.requests;
	req.load.use_cache = !o.no_cache;
	auto snap = live_snapshot(req);
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
