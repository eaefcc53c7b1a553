// The one option parser of every command: a table of options, short (-j)
// and long (--json), with or without a value (--btf FILE, --btf=FILE).
// Short options may be bundled (-jf); a long option may be abbreviated to
// any unambiguous prefix (--pre); `--` ends the options; options may stand
// before, between and after the operands.  Pure: no I/O, unit-tested.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace uringdump {

// The commands of uringdump (argv[1]; the dump without a command word).
enum class Command { Dump, Pin, Read, Link, Iter, Cache, Checkpoint, Restore };

// Every option of every command, one id each.
enum class Opt {
	Json,
	Pretty,
	All,
	Freeze,
	Requests,
	NoCache,
	Btf,
	Verbose,
	Help,
	Version,
	Native,
	Core,
	FilesFrom,
	KillSource,
	Pidfile
};

struct OptionSpec {
	Opt id;
	char short_name = 0;           // 'j' for -j; 0: no short form
	std::string_view long_name;    // "json" for --json; empty: no long form
	bool takes_value = false;      // --btf FILE, --btf=FILE, -bFILE, -b FILE
	bool ends_parsing = false;     // -h, -V: what follows is not looked at
	std::string_view value_name{}; // "FILE": the value's name in the usage
};

struct ParseRules {
	// "-5" is an operand, not option '5' (`iter pin ... pid -5` is then an
	// invalid pid, as bpftool says).
	bool negative_numbers_are_operands = false;
};

struct ParsedOption {
	Opt id;
	std::string value; // options that take a value
};

struct ParsedArgs {
	std::vector<ParsedOption> options; // in command-line order
	std::vector<std::string> operands; // in command-line order
	bool has(Opt id) const;
	// The value of the last occurrence of `id` (nullopt: not given).
	std::optional<std::string> value(Opt id) const;
};

// Parses `args` (without the program or command name).  Errors are
// Exit::Usage: "unknown option '-x'", "option '--btf' needs an argument",
// "option '--json' takes no argument", "option '--ver' is ambiguous
// (--verbose, --version)".
Result<ParsedArgs> parse_options(std::span<const OptionSpec> table,
				 std::span<const std::string_view> args, ParseRules rules = {});

// The same for argv[first..argc).
Result<ParsedArgs> parse_options(std::span<const OptionSpec> table, int argc, char** argv,
				 int first, ParseRules rules = {});

// The options each command takes (its --help lists exactly these).
std::span<const OptionSpec> command_options(Command cmd);

// The rules each command parses with.
ParseRules command_rules(Command cmd);

// bpftool's output options, -j/--json and -p/--pretty (which implies JSON).
struct OutputFormat {
	bool json = false;
	bool pretty = false;
};
OutputFormat output_format(const ParsedArgs& args);

// A pid operand or option value: "invalid WHAT 'TEXT'" (Exit::Usage) unless
// it is a decimal pid (base/procfs.hpp: pid_from_text).
Result<pid_t> parse_pid(std::string_view text, std::string_view what = "pid");

} // namespace uringdump
