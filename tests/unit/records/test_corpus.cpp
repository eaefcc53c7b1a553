// Writes the fuzzer's seed corpus when UD_WRITE_CORPUS=DIR is set
// (`make fuzz-corpus`); otherwise checks that the seeds decode.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "record_builders.hpp"
#include "test_support.hpp"

using namespace uringdump;
using namespace udtest;

namespace {

struct Seed {
	std::string name;
	std::vector<std::uint8_t> bytes;
};

// A ring with what version 2 added after personalities: a buffer ring and a
// legacy group, NAPI, a tagged slot, an io-wq mask, waiting requests.
std::vector<RawRecord> registrations()
{
	auto t = blank<ud_rec_thread>(UD_REC_THREAD, 9, UD_THREAD_LEADER | UD_THREAD_HAS_IOWQ);
	t.tid = 9;
	t.files_id = 0xf0;
	t.iowq_cpus = 0b11;
	auto regs = blank<ud_rec_ring_regs>(UD_REC_RING_REGS, 9, UD_REGS_NAPI);
	regs.ring_id = 0xa1;
	regs.napi_busy_poll_us = 50;
	auto ringbuf = blank<ud_rec_pbuf>(UD_REC_PBUF, 9, UD_PBUF_RING | UD_PBUF_KERNEL_MEM);
	ringbuf.ring_id = 0xa1;
	ringbuf.bgid = 7;
	ringbuf.entries = 8;
	ringbuf.tail = 4;
	ringbuf.count = 4;
	ringbuf.mmap_offset = 0x80070000;
	auto legacy = blank<ud_rec_pbuf>(UD_REC_PBUF, 9);
	legacy.ring_id = 0xa1;
	legacy.bgid = 3;
	legacy.count = 7;
	auto slot = blank<ud_rec_rfile>(UD_REC_RFILE, 9);
	slot.ring_id = 0xa1;
	slot.file_id = 0xa1;
	slot.tag = 11;
	auto cqe = blank<ud_rec_req>(UD_REC_REQ, 9);
	cqe.ring_id = 0xa1;
	cqe.kind = UD_REQ_CQE;
	cqe.user_data = 200;
	auto cqes_end = blank<ud_rec_req>(UD_REC_REQ, 9, UD_REQ_SUMMARY);
	cqes_end.ring_id = 0xa1;
	cqes_end.kind = UD_REQ_CQE;
	cqes_end.index = 1;
	auto poll = blank<ud_rec_req>(UD_REC_REQ, 9);
	poll.ring_id = 0xa1;
	poll.kind = UD_REQ_APOLL;
	poll.opcode = 27;
	poll.user_data = 0x702;
	auto polls_end = blank<ud_rec_req>(UD_REC_REQ, 9, UD_REQ_SUMMARY | UD_REQ_INCOMPLETE);
	polls_end.ring_id = 0xa1;
	polls_end.kind = UD_REQ_POLL;
	polls_end.index = 1;
	return {task(9, "r"),
		RawRecord::of(t),
		fd(9, 3, UD_FK_IO_URING, 0xa1),
		ring({.pid = 9, .id = 0xa1, .nr_files = 1}),
		RawRecord::of(regs),
		RawRecord::of(slot),
		table_end(9, 0xa1, UD_TABLE_RFILE, 1),
		RawRecord::of(legacy),
		RawRecord::of(ringbuf),
		RawRecord::of(cqe),
		RawRecord::of(cqes_end),
		RawRecord::of(poll),
		RawRecord::of(polls_end)};
}

std::vector<Seed> seeds()
{
	const auto demo = demo_records();
	std::vector<RawRecord> kept, spilled;
	for (const RawRecord& r : demo)
		(r.type() == UD_REC_RFILE || r.type() == UD_REC_EPITEM ? spilled : kept).push_back(r);
	return {
		{"empty.stream", stream_bytes({})},
		{"registrations.stream", stream_bytes(registrations())},
		{"demo.stream", stream_bytes(demo)},
		{"demo-split.stream", stream_bytes(kept, spilled.size())},
		{"demo.spill", encode_records(spilled)},
		{"ring.stream", stream_bytes({task(9, "r"), fd(9, 3, UD_FK_IO_URING, 0xa1),
					      ring({.pid = 9, .id = 0xa1, .nr_files = 2}), rfile(9, 0xa1, 0, 0xa1),
					      rfile(9, 0xa1, 1, 0), table_end(9, 0xa1, UD_TABLE_RFILE, 2)})},
		{"epoll.stream", stream_bytes({fd(9, 4, UD_FK_EPOLL, 0xe1), epoll(9, 0xe1),
					       epitem(9, 0xe1, 0xe1, 4, 1, 0, 0), table_end(9, 0xe1, UD_TABLE_EPITEM, 1)})},
	};
}

} // namespace

TEST(Corpus, SeedsDecode)
{
	for (const Seed& s : seeds()) {
		const bool spill = s.name.ends_with(".spill");
		auto r = spill ? decode_spill(s.bytes) : decode_stream(s.bytes);
		ASSERT_TRUE(r.ok()) << s.name << ": " << r.error().message;
		// The split stream alone lacks its spilled table records.
		EXPECT_EQ(build_snapshot(r.value(), false).ok(), s.name != "demo-split.stream") << s.name;
	}
}

TEST(Corpus, WriteWhenAsked)
{
	const char* dir = std::getenv("UD_WRITE_CORPUS");
	if (!dir)
		GTEST_SKIP() << "set UD_WRITE_CORPUS=DIR to write the fuzz seed corpus";
	for (const Seed& s : seeds()) {
		std::ofstream out(std::string(dir) + "/" + s.name, std::ios::binary);
		out.write(reinterpret_cast<const char*>(s.bytes.data()), static_cast<std::streamsize>(s.bytes.size()));
		ASSERT_TRUE(out.good()) << s.name;
	}
}
