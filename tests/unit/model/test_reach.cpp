// Reach (record version 2): threads and their fd tables, registered ring
// slots and mappings; a ring reached several ways appears once.
#include <gtest/gtest.h>

#include "model/flags.hpp"
#include "model/model.hpp"
#include "record_builders.hpp"

using namespace uringdump;
using namespace udtest;

namespace {

constexpr std::uint32_t kPid = 500;
constexpr std::uint64_t kLeaderFiles = 0xf11e5;
constexpr std::uint64_t kOwnFiles = 0x0a11e5;
constexpr std::uint64_t kRingFd = 0x100, kRingRegOnly = 0x200, kRingThread = 0x300;
constexpr std::uint64_t kEpThread = 0x400, kEvfd = 0x500;

RingSpec spec(std::uint64_t id, std::uint32_t sq)
{
	RingSpec s;
	s.pid = kPid;
	s.id = id;
	s.sq_entries = sq;
	s.cq_entries = 2 * sq;
	return s;
}

std::vector<RawRecord> reach_records()
{
	std::vector<RawRecord> v;
	v.push_back(stream_rec());
	v.push_back(task(kPid, "server"));
	v.push_back(fd(kPid, 4, UD_FK_IO_URING, kRingFd));
	v.push_back(file(kRingFd, UD_FK_IO_URING, 11));
	v.push_back(ring(spec(kRingFd, 32)));
	// the threads walk: leader, a thread with its own table, one sharing it
	v.push_back(thread(kPid, kPid, kLeaderFiles, 0, "server"));
	v.push_back(thread(kPid, 502, kOwnFiles, UD_THREAD_OWN_TABLE, "worker"));
	v.push_back(thread(kPid, 503, kOwnFiles, UD_THREAD_OWN_TABLE, "helper"));
	v.push_back(thread(kPid, 504, kLeaderFiles, UD_THREAD_IO_WORKER, "iou-wrk-500"));
	v.push_back(ringref(kPid, kPid, 1, kRingRegOnly));
	v.push_back(ringref(kPid, 504, 0, kRingFd));
	v.push_back(file(kRingRegOnly, UD_FK_IO_URING, 12));
	v.push_back(ring(spec(kRingRegOnly, 4)));
	// the mappings walk
	v.push_back(map(kPid, kRingFd, 0x7000, 0x8000, 0));
	v.push_back(map(kPid, kRingFd, 0x6000, 0x7000, 0x10000000));
	v.push_back(map(kPid, kRingThread, 0x9000, 0xa000, 0));
	// the thread table walk: a copy of fd 4, its own ring, an epoll on an eventfd
	v.push_back(task(kPid, "server", 502));
	v.push_back(thread_fd(kPid, 502, kOwnFiles, 4, UD_FK_IO_URING, kRingFd));
	v.push_back(thread_fd(kPid, 502, kOwnFiles, 5, UD_FK_IO_URING, kRingThread));
	v.push_back(thread_fd(kPid, 502, kOwnFiles, 6, UD_FK_EVENTFD, kEvfd));
	v.push_back(thread_fd(kPid, 502, kOwnFiles, 7, UD_FK_EPOLL, kEpThread));
	v.push_back(file(kRingThread, UD_FK_IO_URING, 13));
	v.push_back(ring(spec(kRingThread, 16)));
	v.push_back(file(kEvfd, UD_FK_EVENTFD, 14));
	v.push_back(file(kEpThread, UD_FK_EPOLL, 15));
	v.push_back(epoll(kPid, kEpThread));
	v.push_back(epitem(kPid, kEpThread, kEvfd, 6, 1, 0x7431, 0));
	v.push_back(table_end(kPid, kEpThread, UD_TABLE_EPITEM, 1));
	for (std::uint64_t id : {kRingFd, kRingRegOnly, kRingThread}) {
		v.push_back(table_end(kPid, id, UD_TABLE_RFILE, 0));
		v.push_back(table_end(kPid, id, UD_TABLE_RBUF, 0));
	}
	v.push_back(end_rec(v.size() + 1));
	return v;
}

const Ring& ring_with(const Process& p, std::uint32_t sq)
{
	for (const Ring& r : p.rings)
		if (r.sq_entries == sq)
			return r;
	throw std::runtime_error("no ring with sq_entries " + std::to_string(sq));
}

} // namespace

TEST(Reach, EveryRingOnceWithHowItIsHeld)
{
	auto snap = build_snapshot(reach_records(), false);
	ASSERT_TRUE(snap) << snap.error().message;
	const Process* p = snap->find_process(kPid);
	ASSERT_NE(p, nullptr);
	ASSERT_EQ(p->rings.size(), 3u);
	// sorted: the one with a leader fd first
	EXPECT_EQ(p->rings[0].sq_entries, 32u);

	const Ring& byfd = ring_with(*p, 32);
	EXPECT_EQ(byfd.fds, std::vector<std::uint32_t>{4});
	ASSERT_EQ(byfd.thread_fds.size(), 1u);
	EXPECT_EQ(byfd.thread_fds[0], (TableFd{1, 4}));
	ASSERT_EQ(byfd.registered.size(), 1u);
	EXPECT_EQ(byfd.registered[0].tid, 504u);
	ASSERT_EQ(byfd.mappings.size(), 2u);
	EXPECT_EQ(byfd.mappings[0].start, 0x6000u); // by address
	EXPECT_EQ(ring_region_name(byfd.mappings[0].offset), "sqes");
	EXPECT_EQ(byfd.fds_table, 0u);

	const Ring& regonly = ring_with(*p, 4);
	EXPECT_TRUE(regonly.fds.empty());
	EXPECT_TRUE(regonly.mappings.empty());
	ASSERT_EQ(regonly.registered.size(), 1u);
	EXPECT_EQ(regonly.registered[0].tid, kPid);
	EXPECT_EQ(regonly.registered[0].index, 1u);

	const Ring& threaded = ring_with(*p, 16);
	EXPECT_TRUE(threaded.fds.empty());
	EXPECT_EQ(threaded.fds_table, 1u);
	ASSERT_EQ(threaded.thread_fds.size(), 1u);
	EXPECT_EQ(threaded.thread_fds[0], (TableFd{1, 5}));
}

TEST(Reach, ThreadsAndTheirTables)
{
	auto snap = build_snapshot(reach_records(), false);
	ASSERT_TRUE(snap) << snap.error().message;
	const Process* p = snap->find_process(kPid);
	ASSERT_NE(p, nullptr);
	ASSERT_EQ(p->threads.size(), 4u);
	EXPECT_EQ(p->threads[0].tid, kPid);
	EXPECT_EQ(p->threads[0].table, 0u);
	EXPECT_EQ(p->threads[1].table, 1u);
	EXPECT_EQ(p->threads[2].table, 1u); // shares the first thread's table
	EXPECT_TRUE(p->threads[3].io_worker);
	EXPECT_EQ(p->threads[3].table, 0u);
	ASSERT_EQ(p->fd_tables.size(), 1u);
	EXPECT_EQ(p->fd_tables[0].threads, (std::vector<std::uint32_t>{502, 503}));
	EXPECT_EQ(p->fd_tables[0].fds.size(), 4u);
	// the leader's fds are only the leader's table
	EXPECT_EQ(p->fds.size(), 1u);
}

TEST(Reach, EpollOfAThreadTableResolvesThere)
{
	auto snap = build_snapshot(reach_records(), false);
	ASSERT_TRUE(snap) << snap.error().message;
	const Process* p = snap->find_process(kPid);
	ASSERT_NE(p, nullptr);
	ASSERT_EQ(p->epolls.size(), 1u);
	const Epoll& e = p->epolls[0];
	EXPECT_TRUE(e.fds.empty());
	EXPECT_EQ(e.fds_table, 1u);
	ASSERT_EQ(e.items.size(), 1u);
	EXPECT_EQ(e.items[0].fds, std::vector<std::uint32_t>{6});
	EXPECT_FALSE(e.items[0].tfd_stale);
}

TEST(Reach, RegionNames)
{
	EXPECT_EQ(ring_region_name(0), "sq_ring");
	EXPECT_EQ(ring_region_name(0x8000000), "cq_ring");
	EXPECT_EQ(ring_region_name(0x10000000), "sqes");
	EXPECT_EQ(ring_region_name(0x80000000ull | (7u << 16)), "pbuf_ring");
	EXPECT_EQ(ring_region_bgid(0x80000000ull | (7u << 16)), 7u);
	EXPECT_EQ(ring_region_name(0x1234), "0x1234");
}

TEST(RingStateModel, PendingCountsWrapAndFlags)
{
	auto recs = reach_records();
	// free-running counters: tail past 2^32 wraps below head
	recs.insert(recs.end() - 1, ring_state(kPid, kRingFd, 0xfffffffeu, 1u, 10, 13, 7));
	recs.insert(recs.end() - 1, ring_state(kPid, kRingRegOnly, 0, 0, 0, 0, 5, UD_RS_OVERFLOW_PARTIAL | UD_RS_NO_RINGS));
	auto snap = build_snapshot(recs, false);
	ASSERT_TRUE(snap) << snap.error().message;
	const Process* p = snap->find_process(kPid);
	ASSERT_NE(p, nullptr);
	const Ring& byfd = ring_with(*p, 32);
	ASSERT_TRUE(byfd.state.has_value());
	EXPECT_EQ(byfd.state->sq_pending(), 3u);
	EXPECT_EQ(byfd.state->cq_pending(), 3u);
	EXPECT_EQ(byfd.state->overflow_list, 7u);
	EXPECT_TRUE(byfd.state->overflow_complete);
	const Ring& regonly = ring_with(*p, 4);
	ASSERT_TRUE(regonly.state.has_value());
	EXPECT_FALSE(regonly.state->overflow_complete);
	EXPECT_FALSE(regonly.state->rings_readable);
	// no RING_STATE record (a version-1 stream): no state
	EXPECT_FALSE(ring_with(*p, 16).state.has_value());
	EXPECT_EQ(sq_flag_names(3), (std::vector<std::string>{"NEED_WAKEUP", "CQ_OVERFLOW"}));
	EXPECT_EQ(sq_flag_names(8), (std::vector<std::string>{"0x8"}));
}

TEST(RingRegsModel, RestrictionsLimitsAndEventfdCount)
{
	auto recs = reach_records();
	auto g = blank<ud_rec_ring_regs>(UD_REC_RING_REGS, kPid, UD_REGS_SQE_RESTRICTED | UD_REGS_HAS_EVFD_COUNT);
	g.ring_id = kRingFd;
	g.register_ops = 0b101;
	g.sqe_ops[0] = 0b11;
	g.sqe_ops[1] = 1; // opcode 64
	g.sqe_flags_required = 1;
	g.iowq_bounded = 3;
	g.iowq_unbounded = 7;
	g.evfd_count = 42;
	recs.insert(recs.end() - 1, RawRecord::of(g));
	auto snap = build_snapshot(recs, false);
	ASSERT_TRUE(snap) << snap.error().message;
	const Process* p = snap->find_process(kPid);
	ASSERT_NE(p, nullptr);
	const Ring& r = ring_with(*p, 32);
	ASSERT_TRUE(r.regs.has_value());
	EXPECT_TRUE(r.regs->sqe_restricted);
	EXPECT_FALSE(r.regs->register_restricted);
	EXPECT_EQ(r.regs->register_ops, (std::vector<std::uint32_t>{0, 2}));
	EXPECT_EQ(r.regs->sqe_ops, (std::vector<std::uint32_t>{0, 1, 64}));
	EXPECT_EQ(r.regs->iowq_unbounded, 7u);
	ASSERT_TRUE(r.regs->evfd_count.has_value());
	EXPECT_EQ(*r.regs->evfd_count, 42u);
	EXPECT_FALSE(ring_with(*p, 4).regs.has_value());
}

TEST(PersonalityModel, ByIdDeduped)
{
	auto recs = reach_records();
	for (std::uint32_t id : {2u, 1u, 2u}) {
		auto x = blank<ud_rec_personality>(UD_REC_PERSONALITY, kPid);
		x.ring_id = kRingFd;
		x.id = id;
		x.egid = 1000 + id;
		x.ngroups = id;
		x.cap_effective = 0x1ffull;
		recs.insert(recs.end() - 1, RawRecord::of(x));
	}
	auto snap = build_snapshot(recs, false);
	ASSERT_TRUE(snap) << snap.error().message;
	const Ring& r = ring_with(*snap->find_process(kPid), 32);
	ASSERT_EQ(r.personalities.size(), 2u);
	EXPECT_EQ(r.personalities[0].id, 1u);
	EXPECT_EQ(r.personalities[1].egid, 1002u);
	EXPECT_EQ(r.personalities[1].cap_effective, 0x1ffu);
}

TEST(BufferGroupModel, RingsAndLegacyByBgidWithTheirMapping)
{
	auto recs = reach_records();
	const auto group = [&](std::uint32_t bgid, std::uint16_t flags) {
		auto x = blank<ud_rec_pbuf>(UD_REC_PBUF, kPid, flags);
		x.ring_id = kRingFd;
		x.bgid = bgid;
		return x;
	};
	auto legacy = group(3, 0);
	legacy.count = 7;
	auto kern = group(7, UD_PBUF_RING | UD_PBUF_KERNEL_MEM);
	kern.entries = 8;
	kern.head = 65535;
	kern.tail = 2; // wrapped: 3 available
	kern.count = 3;
	kern.mmap_offset = 0x80070000;
	auto blind = group(9, UD_PBUF_RING | UD_PBUF_NO_TAIL | UD_PBUF_INC);
	blind.entries = 4;
	for (const auto& x : {kern, legacy, blind, legacy})
		recs.insert(recs.end() - 1, RawRecord::of(x));
	recs.insert(recs.end() - 1, map(kPid, kRingFd, 0xb000, 0xc000, 0x80070000));
	auto snap = build_snapshot(recs, false);
	ASSERT_TRUE(snap) << snap.error().message;
	const Ring& r = ring_with(*snap->find_process(kPid), 32);
	ASSERT_EQ(r.buffer_groups.size(), 3u);
	EXPECT_EQ(r.buffer_groups[0].bgid, 3u);
	EXPECT_FALSE(r.buffer_groups[0].ring);
	EXPECT_EQ(r.buffer_groups[0].count, 7u);
	const BufferGroup& k = r.buffer_groups[1];
	EXPECT_TRUE(k.ring && k.kernel_memory && k.tail_known && !k.incremental);
	EXPECT_EQ(k.count, 3u);
	ASSERT_EQ(k.mapped_at.size(), 1u);
	EXPECT_EQ(k.mapped_at[0], 0xb000u);
	EXPECT_FALSE(r.buffer_groups[2].tail_known);
	EXPECT_TRUE(r.buffer_groups[2].incremental);
	EXPECT_TRUE(r.buffer_groups[2].mapped_at.empty());
}

// A checkpoint's listing of legacy buffers: complete only when it holds
// the group's count, in list order, the last one ending the list.
TEST(BufferGroupModel, LegacyBuffersListedAndJudgedComplete)
{
	auto recs = reach_records();
	const auto group = [&](std::uint32_t bgid, std::uint32_t count) {
		auto x = blank<ud_rec_pbuf>(UD_REC_PBUF, kPid);
		x.ring_id = kRingFd;
		x.bgid = bgid;
		x.count = count;
		return x;
	};
	const auto buf = [&](std::uint32_t bgid, std::uint32_t pos, bool last) {
		auto x = blank<ud_rec_pbuf_buf>(UD_REC_PBUF_BUF, kPid,
						last ? UD_PBUF_BUF_LAST : 0);
		x.ring_id = kRingFd;
		x.bgid = bgid;
		x.pos = pos;
		x.addr = 0x1000 + pos * 64;
		x.len = 64;
		x.bid = static_cast<std::uint16_t>(10 + pos);
		return x;
	};
	// group 3: both buffers, in any record order, twice (a re-run step);
	// group 4: the list did not end (a listing limit); group 5: one missing
	for (const auto& x : {group(3, 2), group(4, 1), group(5, 2)})
		recs.insert(recs.end() - 1, RawRecord::of(x));
	for (const auto& x : {buf(3, 1, true), buf(3, 0, false), buf(3, 1, true), buf(4, 0, false),
			      buf(5, 1, true)})
		recs.insert(recs.end() - 1, RawRecord::of(x));
	auto snap = build_snapshot(recs, false);
	ASSERT_TRUE(snap) << snap.error().message;
	const Ring& r = ring_with(*snap->find_process(kPid), 32);
	ASSERT_EQ(r.buffer_groups.size(), 3u);
	const BufferGroup& g3 = r.buffer_groups[0];
	ASSERT_EQ(g3.buffers.size(), 2u);
	EXPECT_EQ(g3.buffers[0].bid, 10u);
	EXPECT_EQ(g3.buffers[1].addr, 0x1040u);
	EXPECT_TRUE(g3.buffers_listed && g3.buffers_complete);
	EXPECT_TRUE(r.buffer_groups[1].buffers_listed);
	EXPECT_FALSE(r.buffer_groups[1].buffers_complete);
	EXPECT_FALSE(r.buffer_groups[2].buffers_complete);
}

// A checkpoint's supplementary groups: a personality gets them only when
// every record of them is there.
TEST(PersonalityModel, GroupsListedOnlyWhenWhole)
{
	auto recs = reach_records();
	for (std::uint32_t id : {1u, 2u}) {
		auto x = blank<ud_rec_personality>(UD_REC_PERSONALITY, kPid);
		x.ring_id = kRingFd;
		x.id = id;
		x.ngroups = 12;
		recs.insert(recs.end() - 1, RawRecord::of(x));
	}
	const auto groups = [&](std::uint32_t id, std::uint32_t first, std::uint16_t n) {
		auto x = blank<ud_rec_pers_groups>(UD_REC_PERS_GROUPS, kPid, n);
		x.ring_id = kRingFd;
		x.id = id;
		x.first = first;
		for (std::uint32_t i = 0; i < n; i++)
			x.gids[i] = 100 + first + i;
		return x;
	};
	// personality 1: both records (the second first); 2: the first is missing
	for (const auto& x : {groups(1, 10, 2), groups(1, 0, 10), groups(2, 10, 2)})
		recs.insert(recs.end() - 1, RawRecord::of(x));
	auto snap = build_snapshot(recs, false);
	ASSERT_TRUE(snap) << snap.error().message;
	const Ring& r = ring_with(*snap->find_process(kPid), 32);
	ASSERT_EQ(r.personalities.size(), 2u);
	EXPECT_TRUE(r.personalities[0].groups_listed);
	ASSERT_EQ(r.personalities[0].groups.size(), 12u);
	EXPECT_EQ(r.personalities[0].groups[11], 111u);
	EXPECT_FALSE(r.personalities[1].groups_listed);
}

TEST(RingRegsModel, NapiOnlyWhenFlagged)
{
	auto recs = reach_records();
	auto g = blank<ud_rec_ring_regs>(UD_REC_RING_REGS, kPid, UD_REGS_NAPI);
	g.ring_id = kRingFd;
	g.napi_busy_poll_us = 50;
	g.napi_prefer_busy_poll = 1;
	g.napi_tracking = UD_NAPI_TRACKING_STATIC;
	recs.insert(recs.end() - 1, RawRecord::of(g));
	auto snap = build_snapshot(recs, false);
	ASSERT_TRUE(snap) << snap.error().message;
	const Ring& r = ring_with(*snap->find_process(kPid), 32);
	ASSERT_TRUE(r.regs && r.regs->napi);
	EXPECT_EQ(r.regs->napi->busy_poll_us, 50u);
	EXPECT_TRUE(r.regs->napi->prefer_busy_poll);
	EXPECT_EQ(napi_tracking_name(r.regs->napi->tracking), "static");
	g.h.flags = 0;
	recs[recs.size() - 2] = RawRecord::of(g);
	auto snap2 = build_snapshot(recs, false);
	ASSERT_TRUE(snap2) << snap2.error().message;
	EXPECT_FALSE(ring_with(*snap2->find_process(kPid), 32).regs->napi.has_value());
}

TEST(ThreadModel, IowqCpusOnlyWithAnIoWq)
{
	auto recs = reach_records();
	auto t = blank<ud_rec_thread>(UD_REC_THREAD, kPid, UD_THREAD_HAS_IOWQ);
	t.tid = 505;
	t.files_id = kLeaderFiles;
	t.iowq_cpus = 0b101;
	recs.insert(recs.end() - 1, RawRecord::of(t));
	auto snap = build_snapshot(recs, false);
	ASSERT_TRUE(snap) << snap.error().message;
	const Process* p = snap->find_process(kPid);
	ASSERT_EQ(p->threads.size(), 5u);
	for (const Thread& th : p->threads)
		EXPECT_EQ(th.iowq_cpus.has_value(), th.tid == 505u) << th.tid;
	EXPECT_EQ(cpu_list(*p->threads.back().iowq_cpus), "0,2");
}

TEST(Flags, CpuList)
{
	EXPECT_EQ(cpu_list(0), "-");
	EXPECT_EQ(cpu_list(1), "0");
	EXPECT_EQ(cpu_list(0b1011'0000'1111), "0-3,8-9,11");
	EXPECT_EQ(cpu_list(~0ull), "0-63");
	EXPECT_EQ(cpu_list(1ull << 63), "63");
}

namespace {

ud_rec_req req(std::uint8_t kind, std::uint32_t index, std::uint64_t user_data,
	       std::uint16_t flags = 0, std::uint8_t opcode = 0)
{
	auto q = blank<ud_rec_req>(UD_REC_REQ, kPid, flags);
	q.ring_id = kRingFd;
	q.kind = kind;
	q.index = index;
	q.user_data = user_data;
	q.opcode = opcode;
	return q;
}

} // namespace

TEST(RequestsModel, KindsSummariesAndRepeatedRecords)
{
	auto recs = reach_records();
	const std::vector<ud_rec_req> v = {
		req(UD_REQ_CQE, 7, 200),
		req(UD_REQ_CQE, 8, 201),
		req(UD_REQ_CQE, 8, 201), // a re-run step
		req(UD_REQ_CQE, 2, 0, UD_REQ_SUMMARY | UD_REQ_INCOMPLETE),
		req(UD_REQ_OVERFLOW, 0, 0, UD_REQ_SUMMARY),
		req(UD_REQ_APOLL, 1, 0x702, 0, 27),
		req(UD_REQ_POLL, 0, 0x701, 0, 6),
		req(UD_REQ_POLL, 2, 0, UD_REQ_SUMMARY),
		req(UD_REQ_TIMEOUT, 0, 0x703, 0, 11),
		// no TIMEOUT summary: cut short; no LINK_TIMEOUT records at all
		req(UD_REQ_IOWQ_RUNNING, 1, 0x801, 0, 18),
		req(UD_REQ_IOWQ_QUEUED, 0, 0x802, 0, 18),
		req(UD_REQ_IOWQ_QUEUED, 2, 0, UD_REQ_SUMMARY),
	};
	for (const auto& q : v)
		recs.insert(recs.end() - 1, RawRecord::of(q));
	auto snap = build_snapshot(recs, false);
	ASSERT_TRUE(snap) << snap.error().message;
	const Ring& r = ring_with(*snap->find_process(kPid), 32);
	ASSERT_TRUE(r.requests.has_value());
	const Requests& q = *r.requests;
	ASSERT_EQ(q.cqes.size(), 2u);
	EXPECT_EQ(q.cqes[1].user_data, 201u);
	EXPECT_FALSE(q.cqes_complete);
	EXPECT_TRUE(q.overflow.empty());
	EXPECT_TRUE(q.overflow_complete);
	ASSERT_EQ(q.in_flight.size(), 5u);
	EXPECT_EQ(q.in_flight[0].kind, RequestKind::Poll); // walk order
	EXPECT_EQ(q.in_flight[1].kind, RequestKind::Apoll);
	EXPECT_EQ(q.in_flight[1].opcode, 27u);
	EXPECT_EQ(q.in_flight[2].kind, RequestKind::Timeout);
	EXPECT_TRUE(q.polls_complete);
	EXPECT_FALSE(q.timeouts_complete);
	EXPECT_FALSE(q.link_timeouts_complete);
	EXPECT_EQ(q.in_flight[3].kind, RequestKind::IowqQueued); // walk order
	EXPECT_EQ(q.in_flight[4].kind, RequestKind::IowqRunning);
	EXPECT_TRUE(q.iowq_complete);
	// without REQ records (no --requests): null
	EXPECT_FALSE(ring_with(*snap->find_process(kPid), 4).requests.has_value());
}
