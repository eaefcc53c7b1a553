// The usage texts (src/cli/usage.cpp): each command's --help lists exactly
// its options, and the synopsis is the one README.md and the man page give.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "cli/options.hpp"
#include "cli/usage.hpp"

#ifndef UD_SOURCE_DIR
#define UD_SOURCE_DIR "."
#endif

using namespace uringdump;

namespace {

constexpr Command kAll[] = {Command::Dump,  Command::Pin,        Command::Read,
			    Command::Link,  Command::Iter,       Command::Cache,
			    Command::Checkpoint, Command::Restore};

std::string read_source(const std::string& name)
{
	std::ifstream in(std::string(UD_SOURCE_DIR) + "/" + name);
	std::ostringstream s;
	s << in.rdbuf();
	return s.str();
}

std::vector<std::string> lines_of(const std::string& text)
{
	std::vector<std::string> out;
	std::istringstream in(text);
	for (std::string l; std::getline(in, l);)
		out.push_back(l);
	return out;
}

std::set<std::string> synopsis_set()
{
	std::set<std::string> out;
	for (Command c : kAll)
		for (auto l : command_synopsis(c))
			out.emplace(l);
	return out;
}

// Blanks collapsed, rst markup (**bold**, *italic*, escapes) removed, and
// " | " written "|", so that the man page and the usage compare.
std::string normalize(std::string s)
{
	s = std::regex_replace(s, std::regex(R"(\*\*|\*|\\ |\\)"), "");
	s = std::regex_replace(s, std::regex(R"(\s+)"), " ");
	s = std::regex_replace(s, std::regex(R"( ?\| ?)"), "|");
	while (!s.empty() && s.back() == ' ')
		s.pop_back();
	while (!s.empty() && s.front() == ' ')
		s.erase(0, 1);
	return s;
}

} // namespace

TEST(Usage, HelpListsEveryOptionOfItsCommand)
{
	for (Command c : kAll) {
		const std::string help = help_text(c);
		for (const auto& o : command_options(c)) {
			std::string line = o.short_name ? std::string("  -") + o.short_name + ", --"
							: std::string("      --");
			line += o.long_name;
			if (o.takes_value)
				line += " " + std::string(o.value_name);
			line += " ";
			EXPECT_NE(help.find("\n" + line), std::string::npos)
				<< "help of command " << static_cast<int>(c) << " lacks '" << line
				<< "'";
		}
		// and no option line of another
		for (const auto& l : lines_of(help)) {
			std::smatch m;
			if (!std::regex_search(l, m, std::regex(R"(^  (?:-.,|   ) --([a-z-]+))")))
				continue;
			const auto opts = command_options(c);
			EXPECT_TRUE(std::any_of(
				opts.begin(), opts.end(),
				[&](const OptionSpec& o) { return o.long_name == m[1].str(); }))
				<< "help of command " << static_cast<int>(c) << " lists --" << m[1];
		}
	}
}

TEST(Usage, HelpStartsWithTheSynopsis)
{
	EXPECT_EQ(help_text(Command::Dump).rfind(usage_synopsis(), 0), 0u);
	for (Command c : kAll) {
		const std::string help = help_text(c);
		EXPECT_NE(help.find("Usage: " + std::string(command_synopsis(c).front()) + "\n"),
			  std::string::npos);
	}
	EXPECT_NE(usage_hint().find(usage_synopsis()), std::string::npos);
	EXPECT_NE(usage_hint().find("uringdump --help"), std::string::npos);
}

TEST(Usage, HelpDocumentsTheEnvironment)
{
	EXPECT_NE(help_text(Command::Dump).find("URINGDUMP_SPILL_BYTES"), std::string::npos);
}

// README's "## Commands" block: the synopsis lines, each followed by what
// it does.
TEST(Usage, ReadmeCommandsAgree)
{
	const auto readme = lines_of(read_source("README.md"));
	auto at = std::find(readme.begin(), readme.end(), "## Commands");
	ASSERT_NE(at, readme.end()) << "README.md has no '## Commands'";
	at = std::find(at, readme.end(), "```");
	ASSERT_NE(at, readme.end());
	std::set<std::string> listed;
	for (++at; at != readme.end() && *at != "```"; ++at) {
		const std::string& l = *at;
		const auto gap = l.find("  ");
		listed.insert(gap == std::string::npos ? l : l.substr(0, gap));
	}
	EXPECT_EQ(listed, synopsis_set());
}

// The man page's SYNOPSIS: one paragraph per line of the usage, plus the
// help/version line and the grammar of the arguments.
TEST(Usage, ManPageSynopsisAgrees)
{
	const auto page = lines_of(read_source("man/uringdump.8.rst"));
	auto at = std::find(page.begin(), page.end(), "SYNOPSIS");
	ASSERT_NE(at, page.end()) << "man page has no SYNOPSIS";
	at += 2; // the underline
	std::set<std::string> listed;
	std::string para;
	auto flush = [&] {
		const std::string n = normalize(para);
		if (n.starts_with("uringdump ") && n.find("--help") == std::string::npos)
			listed.insert(n);
		para.clear();
	};
	for (; at != page.end() && !(at + 1 != page.end() && at[1].starts_with("====")); ++at) {
		if (normalize(*at).empty())
			flush();
		else
			para += " " + *at;
	}
	flush();
	std::set<std::string> want;
	for (const auto& l : synopsis_set())
		want.insert(normalize(l));
	EXPECT_EQ(listed, want);
}

// bash-completion/uringdump offers each command exactly its options, as
// "long short" pairs ("-" for no short form): _uringdump_dump_opts for the
// dump, _uringdump_cmd_NAME for the others.
TEST(Usage, CompletionOffersTheOptions)
{
	const std::string script = read_source("bash-completion/uringdump");
	const std::pair<Command, std::string> funcs[] = {
		{Command::Dump, "_uringdump_dump_opts"}, {Command::Pin, "_uringdump_cmd_pin"},
		{Command::Read, "_uringdump_cmd_read"},  {Command::Link, "_uringdump_cmd_link"},
		{Command::Iter, "_uringdump_cmd_iter"},  {Command::Cache, "_uringdump_cmd_cache"},
		{Command::Checkpoint, "_uringdump_cmd_checkpoint"},
		{Command::Restore, "_uringdump_cmd_restore"},
	};
	for (const auto& [cmd, func] : funcs) {
		const auto start = script.find("\n" + func + "()\n{");
		ASSERT_NE(start, std::string::npos) << func;
		const auto end = script.find("\n}\n", start);
		const std::string body = script.substr(start, end - start);
		std::set<std::string> offered;
		const std::regex pair(R"('(--[a-z-]+ (?:-[a-zA-Z]|-))')");
		for (std::sregex_iterator it(body.begin(), body.end(), pair), last; it != last;
		     ++it)
			offered.insert((*it)[1].str());
		std::set<std::string> want;
		for (const auto& o : command_options(cmd))
			want.insert("--" + std::string(o.long_name) + " " +
				    (o.short_name ? std::string("-") + o.short_name
						  : std::string("-")));
		EXPECT_EQ(offered, want) << func;
	}
}
