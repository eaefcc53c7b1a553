// SpillChunks: where the drain thread puts spilled records, kept in chunks
// or handed over chunk by chunk (a live dump's sink).
#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <vector>

#include "kernel/spill.hpp"

using namespace uringdump;

namespace {

constexpr std::size_t kRec = 64;
constexpr std::size_t kChunk = std::size_t{4} << 20; // src/kernel/spill.cpp

std::vector<std::uint8_t> record(std::uint32_t n)
{
	std::vector<std::uint8_t> r(kRec);
	std::iota(r.begin(), r.end(), static_cast<std::uint8_t>(n));
	return r;
}

} // namespace

TEST(SpillChunks, KeepsChunksWithoutHandler)
{
	SpillChunks spill;
	const std::size_t n = kChunk / kRec + 10; // one more chunk than fits
	for (std::uint32_t i = 0; i < n; i++)
		spill.append(record(i).data(), kRec);
	spill.flush(); // nothing to hand to
	EXPECT_EQ(spill.size(), n * kRec);
	ASSERT_EQ(spill.chunks().size(), 2u);
	EXPECT_EQ(spill.chunks()[0].size(), kChunk);
	EXPECT_EQ(spill.chunks()[1].size(), 10 * kRec);
	auto released = spill.release();
	EXPECT_EQ(released.size(), 2u);
	EXPECT_EQ(spill.size(), 0u);
	EXPECT_TRUE(spill.chunks().empty());
}

TEST(SpillChunks, HandsOverWholeRecordsInOrder)
{
	std::vector<std::uint8_t> got;
	std::vector<std::size_t> sizes;
	SpillChunks spill([&](std::vector<std::uint8_t>& chunk) {
		sizes.push_back(chunk.size());
		got.insert(got.end(), chunk.begin(), chunk.end());
		if (sizes.size() == 2)
			std::vector<std::uint8_t>().swap(chunk); // a handler that takes the memory
	});
	// records of 72 bytes do not divide the chunk size: none is split
	constexpr std::size_t kOdd = 72;
	std::vector<std::uint8_t> want;
	const std::size_t n = 2 * kChunk / kOdd + 5;
	for (std::uint32_t i = 0; i < n; i++) {
		std::vector<std::uint8_t> r(kOdd, static_cast<std::uint8_t>(i));
		spill.append(r.data(), r.size());
		want.insert(want.end(), r.begin(), r.end());
	}
	ASSERT_EQ(sizes.size(), 2u); // the full chunks, as they filled
	for (std::size_t s : sizes)
		EXPECT_EQ(s % kOdd, 0u);
	spill.flush(); // the rest
	spill.flush(); // nothing more: no empty chunk handed over
	EXPECT_EQ(sizes.size(), 3u);
	EXPECT_EQ(got, want);
	EXPECT_EQ(spill.size(), n * kOdd);
	// one chunk at a time
	EXPECT_LE(spill.chunks().size(), 1u);
}
