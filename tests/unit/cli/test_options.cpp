// The option parser of every command (src/cli/options.cpp): the forms of
// options, the errors and the messages, the rules of each command.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "bpftool/iter_args.hpp"
#include "cli/options.hpp"

using namespace uringdump;

namespace {

Result<ParsedArgs> parse(Command cmd, std::initializer_list<std::string_view> words)
{
	std::vector<std::string_view> w(words);
	return parse_options(command_options(cmd), w, command_rules(cmd));
}

void expect_error(const Result<ParsedArgs>& r, std::string_view message)
{
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.error().code, Exit::Usage);
	EXPECT_EQ(r.error().message, message);
}

std::vector<std::string> strings(std::initializer_list<const char*> l)
{
	return {l.begin(), l.end()};
}

} // namespace

TEST(Options, ShortLongAndBundled)
{
	auto r = parse(Command::Dump, {"-j", "--freeze", "12"});
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_TRUE(r->has(Opt::Json));
	EXPECT_TRUE(r->has(Opt::Freeze));
	EXPECT_FALSE(r->has(Opt::Pretty));
	EXPECT_EQ(r->operands, strings({"12"}));
	r = parse(Command::Dump, {"-pfv", "1", "2"});
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_TRUE(r->has(Opt::Pretty));
	EXPECT_TRUE(r->has(Opt::Freeze));
	EXPECT_TRUE(r->has(Opt::Verbose));
	EXPECT_EQ(r->operands, strings({"1", "2"}));
}

TEST(Options, OptionsMayFollowOperands)
{
	auto r = parse(Command::Link, {"show", "id", "5", "-j"});
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_TRUE(r->has(Opt::Json));
	EXPECT_EQ(r->operands, strings({"show", "id", "5"}));
	r = parse(Command::Dump, {"1", "--btf", "/b", "2", "-a"});
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_EQ(r->value(Opt::Btf), "/b");
	EXPECT_TRUE(r->has(Opt::All));
	EXPECT_EQ(r->operands, strings({"1", "2"}));
}

TEST(Options, Values)
{
	for (auto words : {std::vector<std::string_view>{"--btf", "/x", "1"},
			   {"--btf=/x", "1"},
			   {"1", "--bt", "/x"},
			   {"--btf", "/y", "--btf=/x", "1"}}) {
		auto r = parse_options(command_options(Command::Dump), words);
		ASSERT_TRUE(r.ok()) << r.error().message;
		EXPECT_EQ(r->value(Opt::Btf), "/x");
		EXPECT_EQ(r->operands, strings({"1"}));
	}
	// The value is the next word, whatever it looks like.
	auto r = parse(Command::Pin, {"--btf", "-v", "1", "/p"});
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_EQ(r->value(Opt::Btf), "-v");
	EXPECT_FALSE(r->has(Opt::Verbose));
	EXPECT_FALSE(r->value(Opt::Json).has_value());
	r = parse(Command::Dump, {"--btf=", "1"});
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_EQ(r->value(Opt::Btf), "");
}

TEST(Options, DoubleDashEndsOptions)
{
	auto r = parse(Command::Read, {"--", "-j"});
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_FALSE(r->has(Opt::Json));
	EXPECT_EQ(r->operands, strings({"-j"}));
	r = parse(Command::Read, {"-p", "--", "--", "x"});
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_TRUE(r->has(Opt::Pretty));
	EXPECT_EQ(r->operands, strings({"--", "x"}));
	// A lone dash is an operand (stdin, by convention).
	r = parse(Command::Read, {"-"});
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_EQ(r->operands, strings({"-"}));
}

TEST(Options, Abbreviations)
{
	auto r = parse(Command::Dump, {"--pre", "--fr", "1"});
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_TRUE(r->has(Opt::Pretty));
	EXPECT_TRUE(r->has(Opt::Freeze));
	expect_error(parse(Command::Dump, {"--ver", "1"}),
		     "option '--ver' is ambiguous (--verbose, --version)");
	// An exact name wins over a longer one it abbreviates.
	r = parse(Command::Pin, {"--core", "1", "/p"});
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_TRUE(r->has(Opt::Core));
}

TEST(Options, Errors)
{
	expect_error(parse(Command::Dump, {"-x", "1"}), "unknown option '-x'");
	expect_error(parse(Command::Dump, {"-jx", "1"}), "unknown option '-x'");
	expect_error(parse(Command::Dump, {"--no-such-option", "1"}),
		     "unknown option '--no-such-option'");
	expect_error(parse(Command::Dump, {"--no-such=3", "1"}), "unknown option '--no-such'");
	expect_error(parse(Command::Dump, {"--btf"}), "option '--btf' needs an argument");
	expect_error(parse(Command::Dump, {"1", "--bt"}), "option '--bt' needs an argument");
	expect_error(parse(Command::Dump, {"--json=yes", "1"}),
		     "option '--json' takes no argument");
	expect_error(parse(Command::Dump, {"-5"}), "unknown option '-5'");
	expect_error(parse(Command::Dump, {"---"}), "unknown option '---'");
	// Options of other commands are unknown.
	expect_error(parse(Command::Read, {"--btf", "f", "p"}), "unknown option '--btf'");
	expect_error(parse(Command::Dump, {"--native", "1"}), "unknown option '--native'");
	expect_error(parse(Command::Link, {"-v"}), "unknown option '-v'");
	expect_error(parse(Command::Iter, {"pin", "-j"}), "unknown option '-j'");
	// The first error is the one reported.
	expect_error(parse(Command::Pin, {"-x", "--bogus"}), "unknown option '-x'");
}

TEST(Options, HelpAndVersionEndParsing)
{
	auto r = parse(Command::Dump, {"-h", "--bogus", "x"});
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_TRUE(r->has(Opt::Help));
	r = parse(Command::Dump, {"abc", "-jV", "-Z"});
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_TRUE(r->has(Opt::Version));
	EXPECT_TRUE(r->has(Opt::Json));
	r = parse(Command::Link, {"show", "--help"});
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_TRUE(r->has(Opt::Help));
	// An error before the help is still an error.
	expect_error(parse(Command::Read, {"--bogus", "-h"}), "unknown option '--bogus'");
}

TEST(Options, OutputFormat)
{
	auto fmt = [](std::initializer_list<std::string_view> words) {
		auto r = parse(Command::Read, words);
		EXPECT_TRUE(r.ok());
		return r.ok() ? output_format(*r) : OutputFormat{};
	};
	EXPECT_FALSE(fmt({"p"}).json);
	EXPECT_TRUE(fmt({"p", "-j"}).json);
	EXPECT_FALSE(fmt({"p", "-j"}).pretty);
	EXPECT_TRUE(fmt({"--pretty", "p"}).json); // implies --json
	EXPECT_TRUE(fmt({"-jp", "p"}).pretty);
}

// `iter` follows bpftool's keyword grammar: numbers are values, never
// options, and the keywords are parsed after the options are taken out.
TEST(Options, IterCommandLine)
{
	auto iter = [](std::initializer_list<std::string_view> words) -> Result<IterCommand> {
		auto r = parse(Command::Iter, words);
		if (!r)
			return r.error();
		std::vector<std::string_view> ops(r->operands.begin(), r->operands.end());
		return parse_iter_command(ops);
	};
	auto r = parse(Command::Iter, {"pin", "-v", "o.bpf.o", "/sys/fs/bpf/p", "pid", "3"});
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_TRUE(r->has(Opt::Verbose));
	auto c = iter({"pin", "-v", "o.bpf.o", "/sys/fs/bpf/p", "pid", "3"});
	ASSERT_TRUE(c.ok()) << c.error().message;
	EXPECT_EQ(c->kind, IterCommand::Kind::Pin);
	EXPECT_EQ(c->pin.obj, "o.bpf.o");
	EXPECT_EQ(c->pin.task, 3u);
	r = parse(Command::Iter, {"--verbose", "pin", "o", "p"});
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_TRUE(r->has(Opt::Verbose));
	c = iter({"pin", "--", "-o", "-p"});
	ASSERT_TRUE(c.ok()) << c.error().message;
	EXPECT_EQ(c->pin.obj, "-o");
	EXPECT_EQ(c->pin.path, "-p");
	c = iter({"pin", "o", "p", "pid", "-5"});
	ASSERT_FALSE(c.ok());
	EXPECT_NE(c.error().message.find("invalid pid '-5'"), std::string::npos)
		<< c.error().message;
	c = iter({"pin", "o", "p", "epoll_fd", "-1:3"});
	ASSERT_FALSE(c.ok());
	EXPECT_NE(c.error().message.find("invalid epoll_fd '-1:3'"), std::string::npos)
		<< c.error().message;
	expect_error(parse(Command::Iter, {"pin", "--bogus", "o", "p"}),
		     "unknown option '--bogus'");
	expect_error(parse(Command::Iter, {"pin", "-x", "o", "p"}), "unknown option '-x'");
	for (auto words : {std::vector<std::string_view>{"-h"}, {"--help"}, {"pin", "--help"}}) {
		r = parse_options(command_options(Command::Iter), words,
				  command_rules(Command::Iter));
		ASSERT_TRUE(r.ok()) << r.error().message;
		EXPECT_TRUE(r->has(Opt::Help));
	}
}
