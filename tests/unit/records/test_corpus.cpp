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

std::vector<Seed> seeds()
{
	const auto demo = demo_records();
	std::vector<RawRecord> kept, spilled;
	for (const RawRecord& r : demo)
		(r.type() == UD_REC_RFILE || r.type() == UD_REC_EPITEM ? spilled : kept).push_back(r);
	return {
		{"empty.stream", stream_bytes({})},
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
