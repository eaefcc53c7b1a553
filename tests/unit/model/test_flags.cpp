// Flag naming, file kinds, dev_t formatting.
#include <gtest/gtest.h>

#include <fcntl.h>

#include "bpf/uringdump.h"
#include "model/flags.hpp"
#include "model/model.hpp"

using namespace uringdump;
using Names = std::vector<std::string>;

TEST(Flags, SetupNames)
{
	EXPECT_EQ(setup_flag_names(0), Names{});
	EXPECT_EQ(setup_flag_names(34), (Names{"SQPOLL", "ATTACH_WQ"}));
	EXPECT_EQ(setup_flag_names(setup::IOPOLL | setup::HYBRID_IOPOLL), (Names{"IOPOLL", "HYBRID_IOPOLL"}));
	EXPECT_EQ(setup_flag_names(1u << 18), Names{"CQE_MIXED"});
	EXPECT_EQ(setup_flag_names(setup::SINGLE_ISSUER | setup::DEFER_TASKRUN | (1u << 30) | (1u << 31)),
		  (Names{"SINGLE_ISSUER", "DEFER_TASKRUN", "0xc0000000"}));
}

TEST(Flags, SetupValuesMatchUapi)
{
	EXPECT_EQ(setup::SQ_AFF, 4u);
	EXPECT_EQ(setup::CQSIZE, 8u);
	EXPECT_EQ(setup::R_DISABLED, 64u);
	EXPECT_EQ(setup::COOP_TASKRUN, 256u);
	EXPECT_EQ(setup::SQE128, 1024u);
	EXPECT_EQ(setup::NO_MMAP, 1u << 14);
	EXPECT_EQ(setup::NO_SQARRAY, 1u << 16);
	EXPECT_EQ(setup::SQ_REWIND, 1u << 20);
	// Every bit up to SQ_REWIND (7.3's last) has a name.
	for (unsigned bit = 0; bit <= 20; bit++) {
		const auto names = setup_flag_names(1u << bit);
		ASSERT_EQ(names.size(), 1u);
		EXPECT_NE(names[0].substr(0, 2), "0x") << bit;
	}
}

TEST(Flags, EpollNames)
{
	EXPECT_EQ(epoll_event_names(0x80000001u), (Names{"EPOLLIN", "EPOLLET"}));
	EXPECT_EQ(epoll_event_names(0x2000 | 0x4), (Names{"EPOLLOUT", "EPOLLRDHUP"}));
	EXPECT_EQ(epoll_event_names(1u << 27), Names{"EPOLL_URING_WAKE"});
	EXPECT_EQ(epoll_event_names((1u << 28) | (1u << 29) | (1u << 30)),
		  (Names{"EPOLLEXCLUSIVE", "EPOLLWAKEUP", "EPOLLONESHOT"}));
	EXPECT_EQ(epoll_event_names(0x1 | (1u << 22) | (1u << 12)), (Names{"EPOLLIN", "0x401000"}));
	EXPECT_EQ(epoll_event_names(0x7ff).size(), 11u);
}

// The table is independent of the installed headers; here it is checked
// against them (glibc's <fcntl.h>, _GNU_SOURCE).  O_LARGEFILE is left out:
// glibc defines it as 0 on 64-bit, where the kernel sets it on every open.
static_assert(open_flag::ACCMODE == O_ACCMODE);
static_assert(open_flag::RDONLY == O_RDONLY);
static_assert(open_flag::WRONLY == O_WRONLY);
static_assert(open_flag::RDWR == O_RDWR);
static_assert(open_flag::CREAT == O_CREAT);
static_assert(open_flag::EXCL == O_EXCL);
static_assert(open_flag::NOCTTY == O_NOCTTY);
static_assert(open_flag::TRUNC == O_TRUNC);
static_assert(open_flag::APPEND == O_APPEND);
static_assert(open_flag::NONBLOCK == O_NONBLOCK);
static_assert(open_flag::DSYNC == O_DSYNC);
static_assert(open_flag::ASYNC == O_ASYNC);
static_assert(open_flag::DIRECT == O_DIRECT);
static_assert(open_flag::DIRECTORY == O_DIRECTORY);
static_assert(open_flag::NOFOLLOW == O_NOFOLLOW);
static_assert(open_flag::NOATIME == O_NOATIME);
static_assert(open_flag::CLOEXEC == O_CLOEXEC);
static_assert((open_flag::SYNC | open_flag::DSYNC) == O_SYNC);
static_assert(open_flag::PATH == O_PATH);
static_assert((open_flag::TMPFILE | open_flag::DIRECTORY) == O_TMPFILE);

TEST(Flags, OpenFlagNames)
{
	EXPECT_EQ(open_flag_names(0), Names{"O_RDONLY"});
	EXPECT_EQ(open_flag_names(O_WRONLY), Names{"O_WRONLY"});
	EXPECT_EQ(open_flag_names(O_RDWR | O_NONBLOCK), (Names{"O_RDWR", "O_NONBLOCK"}));
	EXPECT_EQ(open_flag_names(O_RDWR | O_CLOEXEC | O_NONBLOCK), (Names{"O_RDWR", "O_NONBLOCK", "O_CLOEXEC"}));
	EXPECT_EQ(open_flag_names(O_WRONLY | O_APPEND | open_flag::LARGEFILE),
		  (Names{"O_WRONLY", "O_APPEND", "O_LARGEFILE"}));
	// Names of two bits take both, their lower bit alone has its own name.
	EXPECT_EQ(open_flag_names(O_RDWR | O_SYNC), (Names{"O_RDWR", "O_SYNC"}));
	EXPECT_EQ(open_flag_names(O_DSYNC), (Names{"O_RDONLY", "O_DSYNC"}));
	EXPECT_EQ(open_flag_names(O_RDWR | O_TMPFILE), (Names{"O_RDWR", "O_TMPFILE"}));
	EXPECT_EQ(open_flag_names(O_DIRECTORY | O_NOFOLLOW), (Names{"O_RDONLY", "O_DIRECTORY", "O_NOFOLLOW"}));
	EXPECT_EQ(open_flag_names(O_PATH), (Names{"O_RDONLY", "O_PATH"}));
	// Unnamed bits: one hex entry, last; __O_SYNC without O_DSYNC is one.
	EXPECT_EQ(open_flag_names(O_RDWR | (1u << 26) | (1u << 30)), (Names{"O_RDWR", "0x44000000"}));
	EXPECT_EQ(open_flag_names(open_flag::SYNC), (Names{"O_RDONLY", "0x100000"}));
	// Access mode 3 has no name.
	EXPECT_EQ(open_flag_names(3 | O_NONBLOCK), (Names{"O_NONBLOCK", "0x3"}));
}

TEST(Flags, Permissions)
{
	EXPECT_EQ(format_permissions(0100644), "0644");
	EXPECT_EQ(format_permissions(0600), "0600");
	EXPECT_EQ(format_permissions(041777), "1777");
	EXPECT_EQ(format_permissions(0104755), "4755");
	EXPECT_EQ(format_permissions(0), "0000");
}

TEST(Flags, Join)
{
	EXPECT_EQ(join_names(Names{}), "-");
	EXPECT_EQ(join_names(Names{"A", "B"}), "A|B");
	EXPECT_EQ(join_names(Names{"A", "B"}, ","), "A,B");
}

TEST(Flags, FileKinds)
{
	EXPECT_EQ(file_kind_name(UD_FK_REG), "regular");
	EXPECT_EQ(file_kind_name(UD_FK_DIR), "directory");
	EXPECT_EQ(file_kind_name(UD_FK_CHR), "chardev");
	EXPECT_EQ(file_kind_name(UD_FK_BLK), "blockdev");
	EXPECT_EQ(file_kind_name(UD_FK_FIFO), "fifo");
	EXPECT_EQ(file_kind_name(UD_FK_SOCK), "socket");
	EXPECT_EQ(file_kind_name(UD_FK_LNK), "symlink");
	EXPECT_EQ(file_kind_name(UD_FK_IO_URING), "io_uring");
	EXPECT_EQ(file_kind_name(UD_FK_EPOLL), "epoll");
	EXPECT_EQ(file_kind_name(UD_FK_EVENTFD), "eventfd");
	EXPECT_EQ(file_kind_name(UD_FK_ANON), "anon");
	EXPECT_EQ(file_kind_name(UD_FK_OTHER), "other");
	EXPECT_EQ(file_kind_name(1000), "other");
}

TEST(Flags, DevAndHex)
{
	EXPECT_EQ(format_dev(15), "0:15");
	EXPECT_EQ(format_dev((8u << 20) | 1), "8:1");
	EXPECT_EQ(format_dev(0xffffffffu), "4095:1048575");
	EXPECT_EQ(format_hex(0), "0x0");
	EXPECT_EQ(format_hex(0xdeadbeefcafeULL), "0xdeadbeefcafe");
}

// request_kind_name() takes the RequestKind as an int (flags.hpp may not
// include model.hpp): each kind keeps its name whatever the enum's order.
TEST(Flags, RequestKindNamesFollowTheEnum)
{
	auto name = [](RequestKind k) { return request_kind_name(static_cast<int>(k)); };
	EXPECT_EQ(name(RequestKind::Poll), "poll");
	EXPECT_EQ(name(RequestKind::Apoll), "apoll");
	EXPECT_EQ(name(RequestKind::Timeout), "timeout");
	EXPECT_EQ(name(RequestKind::LinkTimeout), "link_timeout");
	EXPECT_EQ(name(RequestKind::IowqQueued), "iowq_queued");
	EXPECT_EQ(name(RequestKind::IowqRunning), "iowq_running");
	EXPECT_EQ(request_kind_name(99), "?");
}
