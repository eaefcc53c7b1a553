// Flag naming, file kinds, dev_t formatting.
#include <gtest/gtest.h>

#include "bpf/uringdump.h"
#include "model/flags.hpp"

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
