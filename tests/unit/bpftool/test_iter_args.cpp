// The command line of `uringdump iter pin`: every keyword and every
// malformed form (src/iter_args.cpp).
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "bpftool/iter_args.hpp"

using namespace uringdump;

namespace {

Result<IterPinArgs> pin(std::initializer_list<std::string_view> extra)
{
	std::vector<std::string_view> w{"prog.bpf.o", "/sys/fs/bpf/it"};
	w.insert(w.end(), extra);
	return parse_iter_pin_args(w);
}

Result<IterCommand> command(std::initializer_list<std::string_view> words)
{
	std::vector<std::string_view> w(words);
	return parse_iter_command(w);
}

// Fails with Exit::Usage and a message containing `what`.
void expect_usage(const Result<IterPinArgs>& r, std::string_view what)
{
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.error().code, Exit::Usage);
	EXPECT_NE(r.error().message.find(what), std::string::npos) << r.error().message;
}

void expect_usage(const Result<IterCommand>& r, std::string_view what)
{
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.error().code, Exit::Usage);
	EXPECT_NE(r.error().message.find(what), std::string::npos) << r.error().message;
}

} // namespace

TEST(IterArgs, ObjAndPathOnly)
{
	auto r = pin({});
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_EQ(r->obj, "prog.bpf.o");
	EXPECT_EQ(r->path, "/sys/fs/bpf/it");
	EXPECT_EQ(r->param, IterParam::None);
}

TEST(IterArgs, MissingObjOrPath)
{
	std::vector<std::string_view> none;
	expect_usage(parse_iter_pin_args(none), "expected OBJ PATH");
	std::vector<std::string_view> one{"prog.bpf.o"};
	expect_usage(parse_iter_pin_args(one), "expected PATH");
	std::vector<std::string_view> empty{"", "/sys/fs/bpf/x"};
	expect_usage(parse_iter_pin_args(empty), "must not be empty");
}

TEST(IterArgs, MapById)
{
	auto r = pin({"map", "id", "42"});
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_EQ(r->param, IterParam::Map);
	EXPECT_EQ(r->map, (MapSpec{MapSpec::Kind::Id, 42, ""}));
}

TEST(IterArgs, MapPinnedAndName)
{
	auto r = pin({"map", "pinned", "/sys/fs/bpf/m"});
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_EQ(r->map, (MapSpec{MapSpec::Kind::Pinned, 0, "/sys/fs/bpf/m"}));
	r = pin({"map", "name", "my_map"});
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_EQ(r->map, (MapSpec{MapSpec::Kind::Name, 0, "my_map"}));
}

TEST(IterArgs, MapMalformed)
{
	expect_usage(pin({"map"}), "incorrect map spec");
	expect_usage(pin({"map", "id"}), "incorrect map spec");
	expect_usage(pin({"map", "fd", "3"}), "expected 'id', 'name' or 'pinned'");
	expect_usage(pin({"map", "id", "x"}), "can't parse 'x' as a map ID");
	expect_usage(pin({"map", "id", "0"}), "can't parse '0'");
	expect_usage(pin({"map", "id", "-1"}), "can't parse '-1'");
	expect_usage(pin({"map", "id", "5x"}), "can't parse '5x'");
	expect_usage(pin({"map", "id", "99999999999"}), "can't parse");
	expect_usage(pin({"map", "name", "a_name_that_is_too_long"}), "can't parse map name");
	expect_usage(pin({"map", "name", ""}), "can't parse map name");
	expect_usage(pin({"map", "pinned", ""}), "empty pinned path");
	expect_usage(pin({"map", "id", "4", "extra"}),
		     "unexpected argument 'extra' after the 'map' parameter");
}

TEST(IterArgs, PidAndTid)
{
	auto r = pin({"pid", "1234"});
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_EQ(r->param, IterParam::Pid);
	EXPECT_EQ(r->task, 1234u);
	r = pin({"tid", "77"});
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_EQ(r->param, IterParam::Tid);
	EXPECT_EQ(r->task, 77u);
	r = pin({"pid", "2147483647"});
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_EQ(r->task, 2147483647u);
}

TEST(IterArgs, PidMalformed)
{
	expect_usage(pin({"pid"}), "'pid' needs a value");
	expect_usage(pin({"tid"}), "'tid' needs a value");
	for (std::string_view bad :
	     {"0", "-5", "+5", " 5", "5 ", "5x", "x", "", "2147483648", "0x10", "1:2"}) {
		expect_usage(pin({"pid", bad}),
			     "invalid pid '" + std::string(bad) + "', expected a positive number");
		expect_usage(pin({"tid", bad}), "invalid tid '" + std::string(bad) + "'");
	}
}

TEST(IterArgs, IoUringAndEpollFd)
{
	auto r = pin({"io_uring_fd", "5"});
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_EQ(r->param, IterParam::IoUringFd);
	EXPECT_EQ(r->fd, (FdSpec{0, 5}));
	r = pin({"io_uring_fd", "0"});
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_EQ(r->fd, (FdSpec{0, 0}));
	r = pin({"epoll_fd", "1234:7"});
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_EQ(r->param, IterParam::EpollFd);
	EXPECT_EQ(r->fd, (FdSpec{1234, 7}));
	r = pin({"io_uring_fd", "1:0"});
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_EQ(r->fd, (FdSpec{1, 0}));
}

TEST(IterArgs, FdMalformed)
{
	expect_usage(pin({"io_uring_fd"}), "'io_uring_fd' needs a value (FD or PID:FD)");
	expect_usage(pin({"epoll_fd"}), "'epoll_fd' needs a value");
	for (std::string_view bad : {"", "-1", "x", "5x", "0:5", ":5", "5:", "5:x", "5:-1", "1:2:3",
				     "2147483648", "1:2147483648", " 5"}) {
		expect_usage(pin({"io_uring_fd", bad}), "invalid io_uring_fd '" + std::string(bad) +
								"', expected FD or PID:FD");
		expect_usage(pin({"epoll_fd", bad}), "invalid epoll_fd '" + std::string(bad) + "'");
	}
}

TEST(IterArgs, KeywordPrefixesLikeBpftool)
{
	auto r = pin({"p", "9"});
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_EQ(r->param, IterParam::Pid);
	r = pin({"io", "3"});
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_EQ(r->param, IterParam::IoUringFd);
	r = pin({"ep", "1:3"});
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_EQ(r->param, IterParam::EpollFd);
	r = pin({"ma", "i", "3"});
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_EQ(r->map, (MapSpec{MapSpec::Kind::Id, 3, ""}));
	r = pin({"m", "pin", "/x"});
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_EQ(r->map.kind, MapSpec::Kind::Pinned);
}

TEST(IterArgs, UnknownKeyword)
{
	expect_usage(pin({"mpa", "id", "5"}), "unknown argument 'mpa', expected 'map', "
					      "'io_uring_fd', 'epoll_fd', 'pid' or 'tid'");
	expect_usage(pin({"pidd", "5"}), "unknown argument 'pidd'");
	expect_usage(pin({"io_uring_buf", "5"}), "unknown argument 'io_uring_buf'");
	expect_usage(pin({"io_uring_fdx", "5"}), "unknown argument 'io_uring_fdx'");
	expect_usage(pin({""}), "unknown argument ''");
	expect_usage(pin({"PID", "5"}), "unknown argument 'PID'");
}

TEST(IterArgs, RepeatedKeyword)
{
	expect_usage(pin({"pid", "1", "pid", "2"}), "'pid' given more than once");
	expect_usage(pin({"tid", "1", "t", "2"}), "'tid' given more than once");
	expect_usage(pin({"map", "id", "1", "map", "id", "2"}), "'map' given more than once");
	expect_usage(pin({"io_uring_fd", "1", "io_uring_fd", "2"}),
		     "'io_uring_fd' given more than once");
	expect_usage(pin({"epoll_fd", "1", "epoll_fd", "2"}), "'epoll_fd' given more than once");
}

TEST(IterArgs, CombinedKeywords)
{
	expect_usage(pin({"pid", "1", "tid", "2"}), "'pid' and 'tid' can't be used together");
	expect_usage(pin({"map", "id", "1", "pid", "2"}), "'map' and 'pid' can't be used together");
	expect_usage(pin({"io_uring_fd", "3", "epoll_fd", "4"}),
		     "'io_uring_fd' and 'epoll_fd' can't be used together");
	expect_usage(pin({"epoll_fd", "1:3", "map", "id", "4"}),
		     "'epoll_fd' and 'map' can't be used together");
	expect_usage(pin({"tid", "1", "io_uring_fd", "3"}),
		     "'tid' and 'io_uring_fd' can't be used together");
}

TEST(IterArgs, TrailingArguments)
{
	expect_usage(pin({"pid", "1", "2"}), "unexpected argument '2' after the 'pid' parameter");
	expect_usage(pin({"io_uring_fd", "1:3", "junk"}),
		     "unexpected argument 'junk' after the 'io_uring_fd' parameter");
	expect_usage(pin({"extra"}), "unknown argument 'extra'");
}

// The options (-v, -h, --) are taken out before, by the command line's
// parser: tests/unit/cli/test_options.cpp.
TEST(IterCommandLine, Help)
{
	for (auto words : {std::vector<std::string_view>{}, {"help"}, {"h"}, {"he"}}) {
		auto r = parse_iter_command(words);
		ASSERT_TRUE(r.ok()) << r.error().message;
		EXPECT_EQ(r->kind, IterCommand::Kind::Help);
	}
	expect_usage(command({"help", "me"}), "unexpected argument 'me' after 'help'");
}

TEST(IterCommandLine, Pin)
{
	auto r = command({"pin", "o.bpf.o", "/sys/fs/bpf/p", "pid", "3"});
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_EQ(r->kind, IterCommand::Kind::Pin);
	EXPECT_EQ(r->pin.obj, "o.bpf.o");
	EXPECT_EQ(r->pin.param, IterParam::Pid);
	EXPECT_EQ(r->pin.task, 3u);
	r = command({"p", "-o", "-p"}); // words after `--`
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_EQ(r->pin.obj, "-o");
	EXPECT_EQ(r->pin.path, "-p");
}

TEST(IterCommandLine, Malformed)
{
	expect_usage(command({"show"}), "unknown command 'show', expected 'pin' or 'help'");
	expect_usage(command({"pin", "o"}), "expected PATH");
	expect_usage(command({"pin", "o", "p", "pid", "-5"}), "invalid pid '-5'");
	expect_usage(command({"pin", "o", "p", "pid", "1", "tid", "1"}), "can't be used together");
}

TEST(IterTarget, SectionTarget)
{
	EXPECT_EQ(iter_section_target("iter/task_file"), "task_file");
	EXPECT_EQ(iter_section_target("iter.s/task_vma"), "task_vma");
	EXPECT_EQ(iter_section_target("iter/"), std::nullopt);
	EXPECT_EQ(iter_section_target("fentry/foo"), std::nullopt);
	EXPECT_EQ(iter_section_target("iterx/task"), std::nullopt);
}

TEST(IterTarget, ParamsMatchTargets)
{
	EXPECT_TRUE(check_iter_target(IterParam::None, "p", "anything").ok());
	EXPECT_TRUE(check_iter_target(IterParam::Map, "p", "bpf_map_elem").ok());
	EXPECT_TRUE(check_iter_target(IterParam::Map, "p", "task").ok()); // unchecked, like bpftool
	for (auto t : {"task", "task_file", "task_vma"}) {
		EXPECT_TRUE(check_iter_target(IterParam::Pid, "p", t).ok());
		EXPECT_TRUE(check_iter_target(IterParam::Tid, "p", t).ok());
	}
	EXPECT_TRUE(check_iter_target(IterParam::IoUringFd, "p", "io_uring_file").ok());
	EXPECT_TRUE(check_iter_target(IterParam::IoUringFd, "p", "io_uring_buf").ok());
	EXPECT_TRUE(check_iter_target(IterParam::EpollFd, "p", "epoll").ok());
}

TEST(IterTarget, MismatchMessages)
{
	auto st = check_iter_target(IterParam::IoUringFd, "dump_task_file", "task_file");
	ASSERT_FALSE(st.ok());
	EXPECT_EQ(st.error().code, Exit::Usage);
	EXPECT_NE(st.error().message.find(
			  "'io_uring_fd' applies to io_uring_buf or io_uring_file iterators only, "
			  "program dump_task_file has target task_file"),
		  std::string::npos)
		<< st.error().message;
	st = check_iter_target(IterParam::Pid, "dump_epoll", "epoll");
	ASSERT_FALSE(st.ok());
	EXPECT_NE(st.error().message.find(
			  "'pid' applies to task, task_file or task_vma iterators only"),
		  std::string::npos)
		<< st.error().message;
	st = check_iter_target(IterParam::EpollFd, "dump_io_uring_file", "io_uring_file");
	ASSERT_FALSE(st.ok());
	EXPECT_NE(st.error().message.find("'epoll_fd' applies to epoll iterators only"),
		  std::string::npos)
		<< st.error().message;
	EXPECT_FALSE(check_iter_target(IterParam::Tid, "p", "bpf_map").ok());
}

TEST(IterTarget, SeriesTargetsAndKeywords)
{
	EXPECT_TRUE(is_series_target("io_uring_file"));
	EXPECT_TRUE(is_series_target("io_uring_buf"));
	EXPECT_TRUE(is_series_target("epoll"));
	EXPECT_FALSE(is_series_target("task_file"));
	EXPECT_EQ(iter_param_keyword(IterParam::None), "");
	EXPECT_EQ(iter_param_keyword(IterParam::Map), "map");
	EXPECT_EQ(iter_param_keyword(IterParam::IoUringFd), "io_uring_fd");
	EXPECT_EQ(iter_param_keyword(IterParam::EpollFd), "epoll_fd");
	EXPECT_EQ(iter_param_keyword(IterParam::Pid), "pid");
	EXPECT_EQ(iter_param_keyword(IterParam::Tid), "tid");
}
