// build_snapshot: fd resolution, dedupe, order independence, completeness.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "record_builders.hpp"
#include "test_support.hpp"

using namespace uringdump;
using namespace udtest;
using Fds = std::vector<std::uint32_t>;

namespace {

const File& file_of(const Snapshot& s, FileRef f)
{
	return s.file(f);
}

const EpollItem& item_with_tfd(const Epoll& e, std::uint32_t tfd)
{
	auto it = std::find_if(e.items.begin(), e.items.end(), [&](const EpollItem& i) { return i.tfd == tfd; });
	if (it == e.items.end())
		throw std::runtime_error("no item with tfd " + std::to_string(tfd));
	return *it;
}

class Demo : public ::testing::Test {
protected:
	void SetUp() override { snap = must_build(demo_stream()); }
	const Process& demo_process() const { return *snap.find_process(1234); }
	Snapshot snap;
};

} // namespace

TEST_F(Demo, ProcessesSortedWithComm)
{
	ASSERT_EQ(snap.processes.size(), 3u);
	EXPECT_EQ(snap.processes[0].pid, 1234u);
	EXPECT_EQ(snap.processes[0].comm, "demo");
	EXPECT_EQ(snap.processes[1].comm, "worker");
	EXPECT_FALSE(snap.processes[2].has_instances());
	EXPECT_EQ(snap.hz, 250u);
	EXPECT_FALSE(snap.exact);
	const Totals t = snap.totals();
	EXPECT_EQ(t.processes, 2u);
	EXPECT_EQ(t.rings, 3u);
	EXPECT_EQ(t.epolls, 2u);
	EXPECT_EQ(t.epoll_items, 6u);
	EXPECT_EQ(t.registered_files, 4u);
}

TEST_F(Demo, RingsByLowestFdThenWithoutFd)
{
	const Process& p = demo_process();
	ASSERT_EQ(p.rings.size(), 2u);
	EXPECT_EQ(p.rings[0].fds, Fds{3});
	EXPECT_EQ(file_of(snap, p.rings[0].file).id, "f1");
	EXPECT_TRUE(p.rings[1].fds.empty());
	EXPECT_EQ(file_of(snap, p.rings[1].file).raw_id, demo::RING_C);
	EXPECT_EQ(file_of(snap, p.rings[1].file).id, "f6");
	EXPECT_EQ(p.rings[0].setup_flags, setup::SQPOLL | setup::ATTACH_WQ);
}

TEST_F(Demo, SqpollGroupSharedAcrossProcesses)
{
	const Ring& a = demo_process().rings[0];
	ASSERT_TRUE(a.sqpoll);
	EXPECT_EQ(a.sqpoll->group, "g1");
	EXPECT_EQ(a.sqpoll->idle_ms, std::optional<std::uint64_t>(1000));
	EXPECT_EQ(a.sqpoll->thread_pid, 1240u);
	ASSERT_EQ(snap.shared_with(a).size(), 1u);
	EXPECT_EQ(file_of(snap, snap.shared_with(a)[0]).id, "f2");
	ASSERT_EQ(snap.groups.size(), 1u);
	EXPECT_EQ(snap.groups[0].id, "g1");
	EXPECT_EQ(snap.groups[0].rings.size(), 2u);

	const Ring& b = snap.find_process(1300)->rings.at(0);
	EXPECT_EQ(file_of(snap, b.file).id, "f2");
	ASSERT_TRUE(b.sqpoll);
	EXPECT_EQ(b.sqpoll->group, "g1");
	EXPECT_EQ(b.sqpoll->cpu, 1);
	EXPECT_EQ(b.sqpoll->idle_ms, std::optional<std::uint64_t>(2000));
	ASSERT_EQ(snap.shared_with(b).size(), 1u);
	EXPECT_EQ(file_of(snap, snap.shared_with(b)[0]).id, "f1");
	EXPECT_FALSE(demo_process().rings[1].sqpoll);
}

TEST_F(Demo, RegisteredEventfdResolved)
{
	const Ring& a = demo_process().rings[0];
	ASSERT_TRUE(a.eventfd);
	EXPECT_EQ(a.eventfd->fds, Fds{5});
	EXPECT_FALSE(a.eventfd->async);
	ASSERT_TRUE(a.eventfd->file);
	const File& f = file_of(snap, *a.eventfd->file);
	EXPECT_EQ(f.id, "f3");
	EXPECT_EQ(f.kind, UD_FK_EVENTFD);
	EXPECT_EQ(f.path, "anon_inode:[eventfd]");
	EXPECT_FALSE(demo_process().rings[1].eventfd);
}

TEST_F(Demo, RegisteredFilesDupedClosedEmpty)
{
	const Ring& a = demo_process().rings[0];
	EXPECT_EQ(a.files.nr, 4u);
	EXPECT_EQ(a.files.used, 3u);
	EXPECT_TRUE(a.files.complete);
	ASSERT_EQ(a.files.slots.size(), 4u);
	EXPECT_EQ(a.files.slots[0].fds, (Fds{7, 9})); // dup'ed
	EXPECT_EQ(file_of(snap, a.files.slots[0].file).path, "/tmp/uringdump demo/data.bin");
	EXPECT_TRUE(a.files.slots[1].empty);
	EXPECT_EQ(a.files.slots[2].fds, Fds{5});
	EXPECT_TRUE(a.files.slots[3].fds.empty()); // closed, alive in the table
	EXPECT_EQ(file_of(snap, a.files.slots[3].file).path, "pipe:[555]");
	EXPECT_EQ(a.buffers.used, 1u);
	ASSERT_EQ(a.buffers.slots.size(), 2u);
	EXPECT_EQ(a.buffers.slots[0].addr, 0x7f0000001000u);
	EXPECT_TRUE(a.buffers.slots[1].empty);
}

TEST_F(Demo, EpollItemsResolved)
{
	const Process& p = demo_process();
	ASSERT_EQ(p.epolls.size(), 2u);
	const Epoll& e = p.epolls[0];
	EXPECT_EQ(e.fds, Fds{4});
	EXPECT_TRUE(e.complete);
	ASSERT_EQ(e.items.size(), 5u);
	EXPECT_EQ(e.items.front().tfd, 3u); // sorted by tfd

	const EpollItem& dup = item_with_tfd(e, 7);
	EXPECT_EQ(dup.fds, (Fds{7, 9}));
	EXPECT_FALSE(dup.tfd_stale);

	const EpollItem& closed = item_with_tfd(e, 8);
	EXPECT_TRUE(closed.fds.empty());
	EXPECT_TRUE(closed.tfd_stale);

	const EpollItem& moved = item_with_tfd(e, 10);
	EXPECT_EQ(moved.fds, Fds{11});
	EXPECT_TRUE(moved.tfd_stale);
	EXPECT_EQ(file_of(snap, moved.file).path,
		  "/var/log/a-rather-long-directory-name-that-needs-two-chunks/moved.log");

	const EpollItem& watched_ring = item_with_tfd(e, 3);
	EXPECT_EQ(watched_ring.target, TargetKind::IoUring);
	EXPECT_EQ(watched_ring.file, p.rings[0].file);

	const EpollItem& nested = item_with_tfd(e, 12);
	EXPECT_EQ(nested.target, TargetKind::Epoll);
	EXPECT_EQ(nested.file, p.epolls[1].file);
	EXPECT_EQ(item_with_tfd(e, 7).target, TargetKind::Other);

	EXPECT_FALSE(p.epolls[1].complete); // TABLE_INCOMPLETE is not an error
	EXPECT_EQ(file_of(snap, p.epolls[1].items.at(0).file).path, "socket:[888]");
}

TEST_F(Demo, Queries)
{
	EXPECT_EQ(snap.find_process(999), nullptr);
	const Process& p = demo_process();
	ASSERT_NE(p.find_fd(9), nullptr);
	EXPECT_EQ(p.find_fd(9)->file, p.find_fd(7)->file);
	EXPECT_EQ(p.find_fd(8), nullptr);
	EXPECT_EQ(p.ring_by_fd(3), &p.rings[0]);
	EXPECT_EQ(p.epoll_by_fd(12), &p.epolls[1]);
	EXPECT_EQ(p.ring_by_fd(4), nullptr);
	EXPECT_EQ(p.find_ring(p.rings[1].file), &p.rings[1]);
	ASSERT_NE(snap.find_file("f4"), nullptr);
	EXPECT_EQ(snap.find_file("f4")->raw_id, demo::DATA);
	EXPECT_EQ(snap.find_file("f0"), nullptr);
	EXPECT_EQ(snap.find_file("f999999999999999999999"), nullptr);
	EXPECT_EQ(snap.find_file("x1"), nullptr);
	ASSERT_NE(snap.find_file_raw(demo::SOCK), nullptr);
	EXPECT_EQ(snap.find_file_raw(demo::SOCK)->id, "f10");
	// Files only an fd table references are labelled after the output's.
	EXPECT_EQ(snap.find_file_raw(0xd100)->id, "f11");
	EXPECT_EQ(snap.find_file_raw(0xd100)->path, "/dev/null");
	EXPECT_EQ(snap.by_label.size(), snap.files.size());
}

TEST(Model, DuplicatesCollapse)
{
	auto twice = demo_stream();
	append(twice, demo_stream());
	EXPECT_EQ(json_of(must_build(twice), true), json_of(must_build(demo_stream()), true));
}

TEST(Model, OrderIndependent)
{
	const std::string want = json_of(must_build(demo_stream()), false);
	const std::string want_text = text_of(must_build(demo_stream()));
	for (unsigned seed = 1; seed <= 20; seed++) {
		auto recs = demo_stream();
		append(recs, std::vector<RawRecord>(recs.begin(), recs.begin() + static_cast<long>(seed)));
		std::mt19937 rng(seed);
		std::shuffle(recs.begin(), recs.end(), rng);
		const Snapshot s = must_build(recs);
		EXPECT_EQ(json_of(s, false), want) << "seed " << seed;
		EXPECT_EQ(text_of(s), want_text) << "seed " << seed;
	}
}

TEST(Model, SpilledRecordsJoinTheStream)
{
	const auto all = demo_records();
	std::vector<RawRecord> kept, spilled;
	for (const RawRecord& r : all)
		(r.type() == UD_REC_RFILE || r.type() == UD_REC_EPITEM || r.type() == UD_REC_PATH ? spilled : kept)
			.push_back(r);
	auto stream = decode_stream(stream_bytes(kept, spilled.size()));
	ASSERT_TRUE(stream.ok()) << stream.error().message;
	auto spill = decode_spill(encode_records(spilled));
	ASSERT_TRUE(spill.ok()) << spill.error().message;
	std::vector<RawRecord> joined = spill.value(); // spill first: any order
	append(joined, stream.value());
	EXPECT_EQ(json_of(must_build(joined), true), json_of(must_build(demo_stream()), true));
}

TEST(Model, BuilderTakesBatches)
{
	const std::string want = json_of(must_build(demo_stream()), true);
	auto recs = demo_stream();
	append(recs, demo_stream()); // a re-run step's copies
	for (std::size_t batch : {std::size_t{1}, std::size_t{3}, std::size_t{7}, recs.size()}) {
		SnapshotBuilder b;
		for (std::size_t at = 0; at < recs.size(); at += batch)
			b.add(std::span(recs).subspan(at, std::min(batch, recs.size() - at)));
		auto s = b.build(false);
		ASSERT_TRUE(s.ok()) << s.error().message;
		EXPECT_EQ(json_of(*s, true), want) << "batches of " << batch;
	}
}

TEST(Model, BuilderClearForgetsEverything)
{
	SnapshotBuilder b;
	b.add(demo_stream());
	b.clear(); // a walk again: nothing of the first counts
	auto cleared = b.build(true);
	ASSERT_TRUE(cleared.ok()) << cleared.error().message;
	EXPECT_TRUE(cleared->processes.empty());
	// build() leaves the builder empty
	b.add(demo_stream());
	auto s = b.build(true);
	ASSERT_TRUE(s.ok()) << s.error().message;
	EXPECT_FALSE(s->processes.empty());
	auto again = b.build(true);
	ASSERT_TRUE(again.ok()) << again.error().message;
	EXPECT_TRUE(again->processes.empty());
}

TEST(Model, MissingTableRecordsAreAnError)
{
	std::vector<RawRecord> r{task(7, "big"), fd(7, 3, UD_FK_IO_URING, 0xa1),
				 ring({.pid = 7, .id = 0xa1, .nr_files = 1000})};
	for (std::uint32_t i = 0; i < 900; i++) {
		r.push_back(rfile(7, 0xa1, i, 0));
		r.push_back(rfile(7, 0xa1, i, 0)); // duplicates do not count twice
	}
	r.push_back(table_end(7, 0xa1, UD_TABLE_RFILE, 1000));
	auto s = build_snapshot(r, false);
	ASSERT_FALSE(s.ok());
	EXPECT_EQ(s.error().code, Exit::Failure);
	EXPECT_EQ(s.error().message, "dump incomplete: ring f1 registered files: 900 of 1000 records");
}

// Without drops, fewer distinct epoll items than visited means the lockless
// walk saw an item twice while the tree changed: not exact, not an error.
TEST(Model, EpollWalkRaceIsNotExact)
{
	std::vector<RawRecord> r{fd(7, 4, UD_FK_EPOLL, 0xe1), epoll(7, 0xe1),
				 epitem(7, 0xe1, 0xf1, 5, 1, 0, 0), epitem(7, 0xe1, 0xf1, 5, 1, 0, 1),
				 table_end(7, 0xe1, UD_TABLE_EPITEM, 2)};
	auto s = build_snapshot(r, false);
	ASSERT_TRUE(s.ok()) << s.error().message;
	ASSERT_EQ(s->processes.size(), 1u);
	ASSERT_EQ(s->processes[0].epolls.size(), 1u);
	EXPECT_FALSE(s->processes[0].epolls[0].complete);
	EXPECT_EQ(s->processes[0].epolls[0].items.size(), 1u);
}

TEST(Model, DroppedEpollItemsAreAnError)
{
	auto end = table_end(7, 0xe1, UD_TABLE_EPITEM, 2).as<ud_rec_table_end>();
	end.dropped = 1;
	std::vector<RawRecord> r{fd(7, 4, UD_FK_EPOLL, 0xe1), epoll(7, 0xe1),
				 epitem(7, 0xe1, 0xf1, 5, 1, 0, 0), RawRecord::of(end)};
	auto s = build_snapshot(r, false);
	ASSERT_FALSE(s.ok());
	EXPECT_EQ(s.error().message, "dump incomplete: epoll f1 items: 1 of 2 records (1 dropped)");
}

TEST(Model, IncompleteFlagIsNotAnError)
{
	std::vector<RawRecord> r{fd(7, 3, UD_FK_IO_URING, 0xa1), ring({.pid = 7, .id = 0xa1, .nr_files = 10}),
				 rfile(7, 0xa1, 0, 0), table_end(7, 0xa1, UD_TABLE_RFILE, 1, UD_TABLE_INCOMPLETE)};
	const Snapshot s = must_build(r, true);
	EXPECT_TRUE(s.exact);
	const Ring& ring0 = s.processes.at(0).rings.at(0);
	EXPECT_FALSE(ring0.files.complete);
	EXPECT_EQ(ring0.files.slots.size(), 1u);
	EXPECT_TRUE(ring0.buffers.complete); // nr 0, no TABLE_END needed
}

// One native ring stream covers one table (bpftool pins one target): the
// other table is "not dumped", neither empty nor incomplete.  The same
// records from the CO-RE iterator, which always closes both tables, are an
// incomplete buffer table.
static std::vector<RawRecord> files_only_stream(std::uint32_t source)
{
	auto st = stream_rec().as<ud_rec_stream>();
	st.source = source;
	return {RawRecord::of(st), ring({.id = 0xa1, .nr_files = 2, .nr_bufs = 3}), rfile(0, 0xa1, 0, 0xf1),
		rfile(0, 0xa1, 1, 0), table_end(0, 0xa1, UD_TABLE_RFILE, 2), end_rec(6)};
}

TEST(Model, NativeStreamWithOneTable)
{
	const Snapshot s = must_build(files_only_stream(UD_SOURCE_NATIVE));
	const Ring& ring0 = s.processes.at(0).rings.at(0);
	EXPECT_TRUE(ring0.files.dumped);
	EXPECT_TRUE(ring0.files.complete);
	EXPECT_EQ(ring0.files.used, 1u);
	EXPECT_FALSE(ring0.buffers.dumped);
	EXPECT_FALSE(ring0.buffers.complete);
	EXPECT_EQ(ring0.buffers.nr, 3u);
	EXPECT_TRUE(ring0.buffers.slots.empty());
	EXPECT_NE(text_of(s).find("registered_buffers  nr 3  not in this dump"), std::string::npos) << text_of(s);
	EXPECT_FALSE(s.processes.at(0).fds_known);
	EXPECT_EQ(text_of(s).rfind("pid unknown  fds unknown (native iterator)\n", 0), 0u) << text_of(s);

	const Snapshot core = must_build(files_only_stream(UD_SOURCE_TASK_FILE));
	const Ring& ring1 = core.processes.at(0).rings.at(0);
	EXPECT_TRUE(ring1.buffers.dumped);
	EXPECT_FALSE(ring1.buffers.complete);
	EXPECT_TRUE(core.processes.at(0).fds_known);
}

// A native epoll stream has no fd table: its items' tfds are not "closed",
// they are unchecked.
TEST(Model, NativeEpollTfdIsNotStale)
{
	auto st = stream_rec().as<ud_rec_stream>();
	st.source = UD_SOURCE_NATIVE;
	const std::vector<RawRecord> recs{RawRecord::of(st), epoll(61, 0xe1), epitem(61, 0xe1, 0xf1, 3, 1, 0x5eed, 0),
					  table_end(61, 0xe1, UD_TABLE_EPITEM, 1), end_rec(5)};
	const Snapshot s = must_build(recs);
	const Process& p = s.processes.at(0);
	EXPECT_EQ(p.pid, 61u);
	EXPECT_FALSE(p.fds_known);
	const EpollItem& item = p.epolls.at(0).items.at(0);
	EXPECT_FALSE(item.tfd_stale);
	EXPECT_TRUE(item.fds.empty());
	EXPECT_EQ(text_of(s).find("closed"), std::string::npos) << text_of(s);
	EXPECT_NE(json_of(s, false).find("\"fds_known\":false"), std::string::npos);
}

// Both tables of a native ring pin (its files and buffers pins read one
// after the other) make one ring with both tables dumped.
TEST(Model, NativeStreamsOfBothTablesJoin)
{
	auto st = stream_rec().as<ud_rec_stream>();
	st.source = UD_SOURCE_NATIVE;
	const RawRecord r = ring({.id = 0xa1, .nr_files = 1, .nr_bufs = 1});
	const std::vector<RawRecord> recs{RawRecord::of(st), r, rfile(0, 0xa1, 0, 0xf1),
					  table_end(0, 0xa1, UD_TABLE_RFILE, 1), end_rec(5),
					  RawRecord::of(st), r, rbuf(0, 0xa1, 0, 0x1000, 4096),
					  table_end(0, 0xa1, UD_TABLE_RBUF, 1), end_rec(5)};
	const Snapshot s = must_build(recs);
	const Ring& ring0 = s.processes.at(0).rings.at(0);
	EXPECT_TRUE(ring0.files.dumped && ring0.files.complete);
	EXPECT_TRUE(ring0.buffers.dumped && ring0.buffers.complete);
	EXPECT_EQ(ring0.buffers.used, 1u);
}

TEST(Model, UnknownHzLeavesIdleUnknown)
{
	std::vector<RawRecord> r{stream_rec(0), ring({.pid = 7, .id = 0xa1, .setup_flags = setup::SQPOLL,
						      .sq_thread_idle = 100})};
	const Snapshot s = must_build(r);
	const Ring& ring0 = s.processes.at(0).rings.at(0);
	ASSERT_TRUE(ring0.sqpoll);
	EXPECT_FALSE(ring0.sqpoll->idle_ms);
	EXPECT_TRUE(ring0.sqpoll->group.empty());
	EXPECT_TRUE(s.shared_with(ring0).empty());
	EXPECT_TRUE(ring0.fds.empty()); // listed by the RING record's pid alone
}

TEST(Model, EventfdHeldByAnotherProcess)
{
	std::vector<RawRecord> r{fd(7, 3, UD_FK_IO_URING, 0xa1),
				 ring({.pid = 7, .id = 0xa1, .evfd_id = 0xc1, .flags = UD_RING_HAS_EVFD | UD_RING_EVFD_ASYNC}),
				 fd(8, 6, UD_FK_EVENTFD, 0xf1, 0xc1), file(0xf1, UD_FK_EVENTFD, 99, 15, "[eventfd]")};
	const Snapshot s = must_build(r);
	const Ring& ring0 = s.find_process(7)->rings.at(0);
	ASSERT_TRUE(ring0.eventfd);
	EXPECT_TRUE(ring0.eventfd->async);
	EXPECT_TRUE(ring0.eventfd->fds.empty());
	ASSERT_TRUE(ring0.eventfd->file);
	EXPECT_EQ(s.file(*ring0.eventfd->file).inode, 99u);
}

TEST(Model, EventfdUnresolvable)
{
	std::vector<RawRecord> r{ring({.pid = 7, .id = 0xa1, .evfd_id = 0xc1, .flags = UD_RING_HAS_EVFD})};
	const Snapshot s = must_build(r);
	const Ring& ring0 = s.processes.at(0).rings.at(0);
	ASSERT_TRUE(ring0.eventfd);
	EXPECT_FALSE(ring0.eventfd->file);
}

TEST(Model, RingSharedByTwoProcessesHasOneId)
{
	std::vector<RawRecord> r{fd(7, 3, UD_FK_IO_URING, 0xa1), fd(8, 5, UD_FK_IO_URING, 0xa1),
				 ring({.pid = 7, .id = 0xa1}), ring({.pid = 8, .id = 0xa1})};
	const Snapshot s = must_build(r);
	const Ring& r7 = s.find_process(7)->rings.at(0);
	const Ring& r8 = s.find_process(8)->rings.at(0);
	EXPECT_EQ(r7.file, r8.file);
	EXPECT_EQ(r7.fds, Fds{3});
	EXPECT_EQ(r8.fds, Fds{5});
}

TEST(Model, LeaderCommWinsOverThread)
{
	std::vector<RawRecord> r{task(7, "worker-thread", 9), task(7, "server", 7), task(7, "other-thread", 10),
				 epoll(7, 0xe1)};
	EXPECT_EQ(must_build(r).processes.at(0).comm, "server");
}

TEST(Model, PathEdgeCases)
{
	// Root directory, chunks out of order and duplicated, a truncated walk.
	std::vector<RawRecord> r{fd(7, 3, UD_FK_DIR, 0xf1), file(0xf1, UD_FK_DIR, 2), fd(7, 4, UD_FK_REG, 0xf2),
				 file(0xf2, UD_FK_REG, 3)};
	auto root = blank<ud_rec_path>(UD_REC_PATH, 7, UD_PATH_LAST_CHUNK | UD_PATH_ROOT);
	root.file_id = 0xf1;
	root.len = 1;
	root.name[0] = '/';
	r.push_back(RawRecord::of(root));
	auto deep = path(0xf2, "/b/c");
	for (RawRecord& rec : deep) {
		auto p = rec.as<ud_rec_path>();
		p.h.flags |= UD_PATH_TRUNCATED;
		rec = RawRecord::of(p);
	}
	std::reverse(deep.begin(), deep.end());
	append(r, deep);
	append(r, deep);
	const Snapshot s = must_build(r);
	EXPECT_EQ(s.find_file_raw(0xf1)->path, "/");
	EXPECT_EQ(s.find_file_raw(0xf2)->path, ".../b/c");
}

TEST(Model, GarbageIdsAreIgnored)
{
	// Zero ids, a table with an unknown owner, a huge nr: no crash, no huge allocation.
	std::vector<RawRecord> r{ring({.pid = 1, .id = 0}), rfile(1, 0, 5, 1), epoll(1, 0),
				 ring({.pid = 1, .id = 0xa1, .nr_files = 0xffffffffu}), rfile(1, 0xbad, 1, 1),
				 table_end(1, 0xbad, UD_TABLE_RFILE, 1), table_end(1, 0xbad, 99, 5)};
	auto s = build_snapshot(r, false);
	ASSERT_TRUE(s.ok()) << s.error().message;
	EXPECT_EQ(s.value().processes.at(0).rings.size(), 1u);
}

TEST(Model, EmptyInput)
{
	const Snapshot s = must_build({});
	EXPECT_TRUE(s.processes.empty());
	EXPECT_FALSE(s.has_instances());
}

TEST(Model, SqpollGroupOfThree)
{
	namespace st = setup;
	std::vector<RawRecord> r;
	// Records deliberately listed in reverse: labels follow output order.
	for (std::uint32_t pid : {30u, 20u, 10u}) {
		r.push_back(fd(pid, 3, UD_FK_IO_URING, 0xa000 + pid));
		r.push_back(ring({.pid = pid, .id = 0xa000 + pid, .setup_flags = st::SQPOLL | st::ATTACH_WQ,
				  .sq_group_id = 0x77}));
	}
	r.push_back(ring({.pid = 10, .id = 0xb1, .setup_flags = st::SQPOLL, .sq_group_id = 0x78}));
	const Snapshot s = must_build(r);
	const Ring& first = s.find_process(10)->rings.at(0);
	const Ring& alone = s.find_process(10)->rings.at(1);
	ASSERT_EQ(s.groups.size(), 2u);
	EXPECT_EQ(first.sqpoll->group, "g1");
	EXPECT_EQ(alone.sqpoll->group, "g2");
	std::vector<std::string> ids;
	for (FileRef f : s.shared_with(first))
		ids.push_back(s.file(f).id);
	EXPECT_EQ(ids, (std::vector<std::string>{"f2", "f3"}));
	EXPECT_EQ(s.file(s.find_process(20)->rings.at(0).file).id, "f2");
	EXPECT_TRUE(s.shared_with(alone).empty());
	EXPECT_NE(text_of(s).find("group g1  shared_with f2,f3"), std::string::npos);
}

// FILE records nothing references still get labels: after every referenced
// file, in opaque-id order; the referenced ones keep the labels they had.
TEST(Model, UnreferencedFilesLabelledLast)
{
	const Snapshot plain = must_build(demo_stream());
	auto recs = demo_stream();
	recs.insert(recs.begin() + 1, {file(0x9900, UD_FK_REG, 77), file(0x8800, UD_FK_REG, 78)});
	const Snapshot s = must_build(recs);
	ASSERT_EQ(s.files.size(), plain.files.size() + 2);
	for (std::size_t i = 0; i < plain.files.size(); i++)
		EXPECT_EQ(s.files[i].id, plain.files[i].id);
	const File* first = s.find_file_raw(0x8800);
	const File* second = s.find_file_raw(0x9900);
	ASSERT_TRUE(first && second);
	EXPECT_EQ(first->label, plain.files.size() + 1);
	EXPECT_EQ(second->label, plain.files.size() + 2);
	EXPECT_EQ(first->inode, 78u);
	EXPECT_EQ(json_of(s, false).find("\"f" + std::to_string(plain.files.size() + 1) + "\""),
		  std::string::npos); // listed nowhere
}
