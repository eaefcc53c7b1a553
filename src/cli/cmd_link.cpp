// `uringdump link show [id ID] [-j|--json] [-p|--pretty]`: BPF iterator
// links as bpftool lists them, plus their pins, their holders and, for
// uringdump's own iterators, the process and fd they dump.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/cli.hpp"
#include "kernel/links.hpp"
#include "render/links.hpp"

namespace uringdump {
namespace {

struct LinkOptions {
	bool help = false;
	bool json = false;
	bool pretty = false;
	std::optional<std::uint32_t> id;
};

Result<std::uint32_t> parse_link_id(const char* s)
{
	char* end = nullptr;
	errno = 0;
	const unsigned long long v = std::strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || *s == '+' || v == 0 || v > 0xffffffffULL)
		return make_error(Exit::Usage, std::string("invalid link id '") + s + "'");
	return static_cast<std::uint32_t>(v);
}

Error usage(std::string message)
{
	return make_error(Exit::Usage, "link: " + message + " (try 'uringdump link help')");
}

Result<LinkOptions> parse_link_args(int argc, char** argv)
{
	auto args = parse_options(command_options(Command::Link), argc, argv, 1,
				  command_rules(Command::Link));
	if (!args)
		return usage(args.error().message);
	LinkOptions o;
	o.help = args->has(Opt::Help);
	const OutputFormat format = output_format(*args);
	o.json = format.json;
	o.pretty = format.pretty;
	const std::vector<std::string>& words = args->operands;
	if (o.help)
		return o;
	std::size_t i = 0;
	const std::string_view cmd = words.empty() ? std::string_view("show") : words[i++];
	if (cmd == "help") {
		if (i < words.size())
			return usage(std::string("unexpected argument '") + words[i] + "'");
		o.help = true;
		return o;
	}
	if (cmd != "show" && cmd != "list")
		return usage("unknown command '" + std::string(cmd) + "'");
	while (i < words.size()) {
		const std::string_view w = words[i++];
		if (w != "id")
			return usage("unexpected argument '" + std::string(w) + "'");
		if (o.id)
			return usage("'id' given twice");
		if (i >= words.size())
			return usage("'id' needs a link ID");
		auto id = parse_link_id(words[i++].c_str());
		if (!id)
			return id.error();
		o.id = *id;
	}
	return o;
}

} // namespace

int cmd_link(int argc, char** argv)
{
	auto opts = parse_link_args(argc, argv);
	if (!opts)
		return fail(opts.error());
	if (opts->help)
		return print_help(Command::Link);
	auto links = collect_links(opts->id);
	if (!links)
		return fail(links.error());
	if (opts->id && !links->empty()) {
		if (opts->json)
			render_link_json(links->front(), std::cout, opts->pretty);
		else
			render_link_plain(links->front(), std::cout);
	} else if (opts->json) {
		render_links_json(*links, std::cout, opts->pretty);
	} else {
		render_links_plain(*links, std::cout);
	}
	std::cout.flush();
	if (!std::cout)
		return fail(make_error(Exit::Failure, "writing the output failed"));
	return 0;
}

} // namespace uringdump
