// `uringdump cache { show [-j|-p] | clear }`: the load cache of verified
// live programs in bpffs (kernel/load_cache.hpp).
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "cli/cli.hpp"
#include "kernel/load_cache.hpp"
#include "render/json_writer.hpp"

namespace uringdump {
namespace {

Error usage(const std::string& message)
{
	return make_error(Exit::Usage, "cache: " + message + " (try 'uringdump cache help')");
}

void render_plain(const std::vector<CacheListing>& entries, std::ostream& out)
{
	for (const auto& e : entries) {
		out << e.dir << "  key " << e.key << (e.current ? "  current" : "  stale")
		    << (e.ready ? "  ready" : "  incomplete") << (e.busy ? "  busy" : "") << '\n';
		out << "\tpins";
		for (const auto& p : e.pins)
			out << ' ' << p;
		out << '\n';
	}
}

void render_json(const std::vector<CacheListing>& entries, std::ostream& out, bool pretty)
{
	JsonWriter w(out, pretty);
	w.begin_array();
	for (const auto& e : entries) {
		w.begin_object();
		w.key("path");
		w.string(e.dir);
		w.key("key");
		w.string(e.key);
		w.key("current");
		w.boolean(e.current);
		w.key("ready");
		w.boolean(e.ready);
		w.key("busy");
		w.boolean(e.busy);
		w.key("pins");
		w.begin_array();
		for (const auto& p : e.pins)
			w.string(p);
		w.end_array();
		w.end_object();
	}
	w.end_array();
	w.finish();
}

} // namespace

int cmd_cache(int argc, char** argv)
{
	auto args = parse_options(command_options(Command::Cache), argc, argv, 1,
				  command_rules(Command::Cache));
	if (!args)
		return fail(usage(args.error().message));
	if (args->has(Opt::Help))
		return print_help(Command::Cache);
	const std::vector<std::string>& words = args->operands;
	const std::string_view cmd = words.empty() ? std::string_view("show") : words[0];
	if (words.size() > 1)
		return fail(usage("unexpected argument '" + words[1] + "'"));
	if (cmd == "help")
		return print_help(Command::Cache);
	const OutputFormat format = output_format(*args);
	if (cmd == "show" || cmd == "list") {
		auto entries = list_cache(live_cache_key());
		if (!entries)
			return fail(entries.error());
		if (format.json)
			render_json(*entries, std::cout, format.pretty);
		else
			render_plain(*entries, std::cout);
		std::cout.flush();
		if (!std::cout)
			return fail(make_error(Exit::Failure, "writing the output failed"));
		return 0;
	}
	if (cmd == "clear") {
		if (format.json)
			return fail(usage("'clear' has no output to format"));
		auto removed = clear_cache();
		if (!removed)
			return fail(removed.error());
		return 0;
	}
	return fail(usage("unknown command '" + std::string(cmd) + "'"));
}

} // namespace uringdump
