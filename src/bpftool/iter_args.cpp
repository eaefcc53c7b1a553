// The command line of `uringdump iter`, after bpftool's `iter pin` with the
// io_uring/epoll series: the same keywords, the same checks, the same
// messages in spirit.
#include "bpftool/iter_args.hpp"

#include <array>
#include <charconv>
#include <climits>

namespace uringdump {
namespace {

constexpr std::string_view kParamNames = "'map', 'io_uring_fd', 'epoll_fd', 'pid' or 'tid'";
constexpr std::size_t kMapNameMax = 15; // BPF_OBJ_NAME_LEN - 1

struct ParamDesc {
	IterParam param;
	std::string_view keyword;
	std::span<const std::string_view> targets; // empty: any target
};

constexpr std::array<std::string_view, 2> kIoUringTargets = {"io_uring_buf", "io_uring_file"};
constexpr std::array<std::string_view, 1> kEpollTargets = {"epoll"};
constexpr std::array<std::string_view, 3> kTaskTargets = {"task", "task_file", "task_vma"};

constexpr std::array<ParamDesc, 5> kParams = {{
	{IterParam::Map, "map", {}},
	{IterParam::IoUringFd, "io_uring_fd", kIoUringTargets},
	{IterParam::EpollFd, "epoll_fd", kEpollTargets},
	{IterParam::Pid, "pid", kTaskTargets},
	{IterParam::Tid, "tid", kTaskTargets},
}};

// bpftool's is_prefix: a non-empty abbreviation of the keyword.
bool is_prefix(std::string_view word, std::string_view keyword)
{
	return !word.empty() && keyword.substr(0, word.size()) == word;
}

const ParamDesc* find_param(std::string_view word)
{
	for (const auto& p : kParams)
		if (is_prefix(word, p.keyword))
			return &p;
	return nullptr;
}

const ParamDesc& desc_of(IterParam param)
{
	for (const auto& p : kParams)
		if (p.param == param)
			return p;
	return kParams[0]; // not reached: None has no descriptor
}

Error usage(std::string message)
{
	return make_error(Exit::Usage, "iter: " + std::move(message));
}

std::string quoted(std::string_view s)
{
	return "'" + std::string(s) + "'";
}

// A decimal number from 0 to INT_MAX, no sign, no blanks; the rest of the
// text goes to *rest.
std::optional<int> parse_num(std::string_view text, std::string_view* rest)
{
	if (text.empty() || text[0] < '0' || text[0] > '9')
		return std::nullopt;
	long long v = 0;
	auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
	if (ec != std::errc() || v > INT_MAX)
		return std::nullopt;
	*rest = text.substr(static_cast<std::size_t>(p - text.data()));
	return static_cast<int>(v);
}

std::optional<std::uint32_t> parse_positive(std::string_view text)
{
	std::string_view rest;
	auto n = parse_num(text, &rest);
	if (!n || *n == 0 || !rest.empty())
		return std::nullopt;
	return static_cast<std::uint32_t>(*n);
}

std::optional<FdSpec> parse_fd_spec(std::string_view text)
{
	std::string_view rest;
	auto n = parse_num(text, &rest);
	if (!n)
		return std::nullopt;
	FdSpec spec;
	if (!rest.empty() && rest[0] == ':') {
		if (*n == 0)
			return std::nullopt;
		spec.pid = static_cast<pid_t>(*n);
		n = parse_num(rest.substr(1), &rest);
		if (!n)
			return std::nullopt;
	}
	if (!rest.empty())
		return std::nullopt;
	spec.fd = *n;
	return spec;
}

Result<MapSpec> parse_map_spec(std::span<const std::string_view> words, std::size_t& i)
{
	if (words.size() - i < 2)
		return usage(
			"incorrect map spec: expected 'id MAP_ID', 'pinned FILE' or 'name NAME'");
	const std::string_view how = words[i++];
	const std::string_view value = words[i++];
	MapSpec spec;
	if (is_prefix(how, "id")) {
		auto id = parse_positive(value);
		if (!id)
			return usage("can't parse " + quoted(value) + " as a map ID");
		spec.kind = MapSpec::Kind::Id;
		spec.id = *id;
	} else if (is_prefix(how, "pinned")) {
		if (value.empty())
			return usage("empty pinned path for 'map'");
		spec.kind = MapSpec::Kind::Pinned;
		spec.text = value;
	} else if (is_prefix(how, "name")) {
		if (value.empty() || value.size() > kMapNameMax)
			return usage("can't parse map name " + quoted(value) + " (1 to " +
				     std::to_string(kMapNameMax) + " characters)");
		spec.kind = MapSpec::Kind::Name;
		spec.text = value;
	} else {
		return usage("expected 'id', 'name' or 'pinned' after 'map', got: " + quoted(how));
	}
	return spec;
}

} // namespace

std::string_view iter_param_keyword(IterParam param)
{
	return param == IterParam::None ? std::string_view() : desc_of(param).keyword;
}

Result<IterPinArgs> parse_iter_pin_args(std::span<const std::string_view> words)
{
	if (words.size() < 2)
		return usage(words.empty() ? "pin: expected OBJ PATH"
					   : "pin: expected PATH after OBJ");
	IterPinArgs args;
	args.obj = words[0];
	args.path = words[1];
	if (args.obj.empty() || args.path.empty())
		return usage("pin: OBJ and PATH must not be empty");
	std::size_t i = 2;
	const ParamDesc* given = nullptr;
	while (i < words.size()) {
		const std::string_view w = words[i];
		const ParamDesc* p = find_param(w);
		if (!p) {
			if (given)
				return usage("unexpected argument " + quoted(w) + " after the " +
					     quoted(given->keyword) + " parameter");
			return usage("unknown argument " + quoted(w) + ", expected " +
				     std::string(kParamNames));
		}
		if (given == p)
			return usage(quoted(p->keyword) + " given more than once");
		if (given)
			return usage(quoted(given->keyword) + " and " + quoted(p->keyword) +
				     " can't be used together");
		given = p;
		args.param = p->param;
		i++;
		if (p->param == IterParam::Map) {
			auto spec = parse_map_spec(words, i);
			if (!spec)
				return spec.error();
			args.map = std::move(*spec);
			continue;
		}
		if (i >= words.size())
			return usage(quoted(p->keyword) + " needs a value (" +
				     (p->param == IterParam::Pid   ? "PID"
				      : p->param == IterParam::Tid ? "TID"
								   : "FD or PID:FD") +
				     ")");
		const std::string_view value = words[i++];
		if (p->param == IterParam::Pid || p->param == IterParam::Tid) {
			auto n = parse_positive(value);
			if (!n)
				return usage("invalid " + std::string(p->keyword) + " " +
					     quoted(value) + ", expected a positive number");
			args.task = *n;
		} else {
			auto fd = parse_fd_spec(value);
			if (!fd)
				return usage("invalid " + std::string(p->keyword) + " " +
					     quoted(value) + ", expected FD or PID:FD");
			args.fd = *fd;
		}
	}
	return args;
}

Result<IterCommand> parse_iter_command(std::span<const std::string_view> words)
{
	IterCommand cmd;
	if (words.empty()) {
		cmd.kind = IterCommand::Kind::Help;
		return cmd;
	}
	const std::string_view sub = words[0];
	const std::span<const std::string_view> rest = words.subspan(1);
	if (is_prefix(sub, "help")) {
		if (!rest.empty())
			return usage("unexpected argument " + quoted(rest[0]) + " after 'help'");
		cmd.kind = IterCommand::Kind::Help;
		return cmd;
	}
	if (!is_prefix(sub, "pin"))
		return usage("unknown command " + quoted(sub) + ", expected 'pin' or 'help'");
	auto pin = parse_iter_pin_args(rest);
	if (!pin)
		return pin.error();
	cmd.kind = IterCommand::Kind::Pin;
	cmd.pin = std::move(*pin);
	return cmd;
}

std::optional<std::string_view> iter_section_target(std::string_view section)
{
	for (std::string_view prefix : {std::string_view("iter/"), std::string_view("iter.s/")})
		if (section.starts_with(prefix) && section.size() > prefix.size())
			return section.substr(prefix.size());
	return std::nullopt;
}

Status check_iter_target(IterParam param, std::string_view prog_name, std::string_view target)
{
	if (param == IterParam::None)
		return {};
	const ParamDesc& d = desc_of(param);
	if (d.targets.empty())
		return {};
	std::string names;
	for (std::size_t k = 0; k < d.targets.size(); k++) {
		if (d.targets[k] == target)
			return {};
		if (k > 0)
			names += k + 1 < d.targets.size() ? ", " : " or ";
		names += d.targets[k];
	}
	return usage(quoted(d.keyword) + " applies to " + names + " iterators only, program " +
		     std::string(prog_name) + " has target " + std::string(target));
}

bool is_series_target(std::string_view target)
{
	return target == "io_uring_buf" || target == "io_uring_file" || target == "epoll";
}

} // namespace uringdump
