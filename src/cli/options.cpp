// The option parser of every command and the option table of each.
#include "cli/options.hpp"

#include "base/procfs.hpp"

#include <array>

namespace uringdump {
namespace {

constexpr OptionSpec kJson{Opt::Json, 'j', "json"};
constexpr OptionSpec kPretty{Opt::Pretty, 'p', "pretty"};
constexpr OptionSpec kHelp{Opt::Help, 'h', "help", false, true};
constexpr OptionSpec kVerbose{Opt::Verbose, 'v', "verbose"};
constexpr OptionSpec kBtf{Opt::Btf, 0, "btf", true, false, "FILE"};

constexpr std::array kDumpOptions = {
	kJson,
	kPretty,
	OptionSpec{Opt::All, 'a', "all"},
	OptionSpec{Opt::Freeze, 'f', "freeze"},
	OptionSpec{Opt::Requests, 0, "requests", true, false, "N"},
	OptionSpec{Opt::NoCache, 0, "no-cache"},
	kBtf,
	kVerbose,
	kHelp,
	OptionSpec{Opt::Version, 'V', "version", false, true},
};
constexpr std::array kPinOptions = {
	OptionSpec{Opt::Native, 0, "native"},
	OptionSpec{Opt::Core, 0, "core"},
	kBtf,
	kVerbose,
	kHelp,
};
constexpr std::array kReadOptions = {kJson, kPretty, kHelp};
constexpr std::array kLinkOptions = {kJson, kPretty, kHelp};
constexpr std::array kIterOptions = {kVerbose, kHelp};
constexpr std::array kCacheOptions = {kJson, kPretty, kHelp};
constexpr std::array kCheckpointOptions = {
	OptionSpec{Opt::Freeze, 'f', "freeze"},
	OptionSpec{Opt::NoCache, 0, "no-cache"},
	kBtf,
	kVerbose,
	kHelp,
};
constexpr std::array kRestoreOptions = {
	kJson,
	kPretty,
	OptionSpec{Opt::Pidfile, 0, "pidfile", true, false, "FILE"},
	OptionSpec{Opt::FilesFrom, 0, "files-from", true, false, "PID"},
	OptionSpec{Opt::KillSource, 0, "kill-source"},
	kHelp,
};

Error usage(std::string message)
{
	return make_error(Exit::Usage, std::move(message));
}

std::string quoted(std::string_view s)
{
	return "'" + std::string(s) + "'";
}

// The option `--NAME`: an exact match, else the only one NAME abbreviates.
Result<const OptionSpec*> find_long(std::span<const OptionSpec> table, std::string_view name)
{
	const OptionSpec* found = nullptr;
	std::string candidates;
	int matches = 0;
	for (const auto& o : table) {
		if (o.long_name.empty())
			continue;
		if (o.long_name == name)
			return &o;
		if (!name.empty() && o.long_name.starts_with(name)) {
			candidates += (matches++ ? ", --" : "--");
			candidates += o.long_name;
			found = &o;
		}
	}
	const std::string given = "--" + std::string(name);
	if (matches == 0)
		return usage("unknown option " + quoted(given));
	if (matches > 1)
		return usage("option " + quoted(given) + " is ambiguous (" + candidates + ")");
	return found;
}

const OptionSpec* find_short(std::span<const OptionSpec> table, char c)
{
	for (const auto& o : table)
		if (o.short_name != 0 && o.short_name == c)
			return &o;
	return nullptr;
}

bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

} // namespace

bool ParsedArgs::has(Opt id) const
{
	for (const auto& o : options)
		if (o.id == id)
			return true;
	return false;
}

std::optional<std::string> ParsedArgs::value(Opt id) const
{
	std::optional<std::string> v;
	for (const auto& o : options)
		if (o.id == id)
			v = o.value;
	return v;
}

Result<ParsedArgs> parse_options(std::span<const OptionSpec> table,
				 std::span<const std::string_view> args, ParseRules rules)
{
	ParsedArgs out;
	bool only_operands = false;
	for (std::size_t i = 0; i < args.size(); i++) {
		const std::string_view a = args[i];
		if (only_operands || a.size() < 2 || a[0] != '-' ||
		    (rules.negative_numbers_are_operands && is_digit(a[1]))) {
			out.operands.emplace_back(a);
			continue;
		}
		if (a == "--") {
			only_operands = true;
			continue;
		}
		if (a[1] == '-') {
			const std::string_view body = a.substr(2);
			const std::size_t eq = body.find('=');
			const std::string_view name = body.substr(0, eq);
			auto spec = find_long(table, name);
			if (!spec)
				return spec.error();
			const OptionSpec& o = **spec;
			const std::string given = "--" + std::string(name);
			ParsedOption parsed{o.id, {}};
			if (!o.takes_value && eq != std::string_view::npos)
				return usage("option " + quoted(given) + " takes no argument");
			if (o.takes_value) {
				if (eq != std::string_view::npos)
					parsed.value = body.substr(eq + 1);
				else if (i + 1 < args.size())
					parsed.value = args[++i];
				else
					return usage("option " + quoted(given) +
						     " needs an argument");
			}
			out.options.push_back(std::move(parsed));
			if (o.ends_parsing)
				return out;
			continue;
		}
		// One or more short options: -j, -jf, -bFILE, -b FILE.
		for (std::size_t k = 1; k < a.size(); k++) {
			const OptionSpec* o = find_short(table, a[k]);
			const std::string given = std::string("-") + a[k];
			if (!o)
				return usage("unknown option " + quoted(given));
			ParsedOption parsed{o->id, {}};
			if (o->takes_value) {
				if (k + 1 < a.size())
					parsed.value = a.substr(k + 1);
				else if (i + 1 < args.size())
					parsed.value = args[++i];
				else
					return usage("option " + quoted(given) +
						     " needs an argument");
				k = a.size();
			}
			out.options.push_back(std::move(parsed));
			if (o->ends_parsing)
				return out;
		}
	}
	return out;
}

Result<ParsedArgs> parse_options(std::span<const OptionSpec> table, int argc, char** argv,
				 int first, ParseRules rules)
{
	std::vector<std::string_view> args;
	for (int i = first; i < argc; i++)
		args.emplace_back(argv[i]);
	return parse_options(table, args, rules);
}

std::span<const OptionSpec> command_options(Command cmd)
{
	switch (cmd) {
	case Command::Dump: return kDumpOptions;
	case Command::Pin: return kPinOptions;
	case Command::Read: return kReadOptions;
	case Command::Link: return kLinkOptions;
	case Command::Iter: return kIterOptions;
	case Command::Cache: return kCacheOptions;
	case Command::Checkpoint: return kCheckpointOptions;
	case Command::Restore: return kRestoreOptions;
	}
	return {};
}

ParseRules command_rules(Command cmd)
{
	ParseRules rules;
	// bpftool's keyword grammar: numbers are values of keywords.
	rules.negative_numbers_are_operands = cmd == Command::Iter;
	return rules;
}

OutputFormat output_format(const ParsedArgs& args)
{
	OutputFormat f;
	f.pretty = args.has(Opt::Pretty);
	f.json = f.pretty || args.has(Opt::Json);
	return f;
}

Result<pid_t> parse_pid(std::string_view text, std::string_view what)
{
	if (auto pid = pid_from_text(text))
		return *pid;
	return make_error(Exit::Usage,
			  "invalid " + std::string(what) + " '" + std::string(text) + "'");
}

} // namespace uringdump
