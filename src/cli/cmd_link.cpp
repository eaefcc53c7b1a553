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

const char kLinkUsage[] =
	"Usage: uringdump link show [id ID] [-j|--json] [-p|--pretty]\n"
	"       uringdump link help\n"
	"\n"
	"List the BPF iterator links like `bpftool link show`: id, type, prog,\n"
	"target_name and the target's parameters (map_id, pid or tid, cgroup_id and\n"
	"order, io_uring_inode, epoll_inode), then every bpffs path that pins the\n"
	"link (pinned) and the processes holding an fd of it (pids).  Iterators\n"
	"created by `uringdump pin` also show the process and fd they dump.\n"
	"`id ID` shows that one link, of any type.\n"
	"\n"
	"Options:\n"
	"  -j, --json        JSON output (bpftool's field names)\n"
	"  -p, --pretty      pretty-printed JSON (implies --json)\n"
	"  -h, --help        show this help\n"
	"\n"
	"Needs CAP_SYS_ADMIN (root).  Exit status: 0 ok, 1 failure, 2 usage,\n"
	"3 no such link, 4 permission.\n";

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
	LinkOptions o;
	std::vector<const char*> words;
	bool only_words = false;
	for (int i = 1; i < argc; i++) {
		const std::string_view a = argv[i];
		if (only_words || a.size() < 2 || a[0] != '-') {
			words.push_back(argv[i]);
		} else if (a == "--") {
			only_words = true;
		} else if (a == "--json") {
			o.json = true;
		} else if (a == "--pretty") {
			o.json = o.pretty = true;
		} else if (a == "--help") {
			o.help = true;
		} else if (a[1] != '-') {
			for (char c : a.substr(1)) {
				if (c == 'j')
					o.json = true;
				else if (c == 'p')
					o.json = o.pretty = true;
				else if (c == 'h')
					o.help = true;
				else
					return usage("unknown option '" + std::string(a) + "'");
			}
		} else {
			return usage("unknown option '" + std::string(a) + "'");
		}
	}
	if (o.help)
		return o;
	std::size_t i = 0;
	const std::string_view cmd = words.empty() ? "show" : words[i++];
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
		auto id = parse_link_id(words[i++]);
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
	if (opts->help) {
		std::fputs(kLinkUsage, stdout);
		return 0;
	}
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
