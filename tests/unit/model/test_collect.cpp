// Collected: tables deduplicated and in output order, whichever way the
// records came (the fast paths for tables already in order or with distinct
// tfds give what the sorts give).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <tuple>
#include <vector>

#include "model/collect.hpp"
#include "record_builders.hpp"

using namespace uringdump;
using namespace udtest;

namespace {

constexpr std::uint64_t kEp = 0xe1, kRing = 0xa1;

using Item = std::tuple<std::uint32_t, std::uint32_t, std::uint64_t>; // tfd, index, file

std::vector<Item> items_of(const Collected& c)
{
	std::vector<Item> out;
	auto it = c.epitems.find(kEp);
	if (it != c.epitems.end())
		for (const ItemFacts& r : it->second)
			out.emplace_back(r.tfd, r.index, r.file_id);
	return out;
}

// The order and dedupe rule, spelled out: the first record of each
// (file_id, tfd), ordered by (tfd, index, file_id).
std::vector<Item> expected(const std::vector<RawRecord>& recs)
{
	std::vector<Item> out;
	std::vector<std::pair<std::uint64_t, std::uint32_t>> seen;
	for (const RawRecord& r : recs) {
		const auto e = r.as<ud_rec_epitem>();
		if (std::find(seen.begin(), seen.end(), std::pair<std::uint64_t, std::uint32_t>{e.file_id, e.tfd}) != seen.end())
			continue;
		seen.emplace_back(e.file_id, e.tfd);
		out.emplace_back(e.tfd, e.index, e.file_id);
	}
	std::sort(out.begin(), out.end());
	return out;
}

std::vector<RawRecord> shuffled_items(std::uint32_t n, std::uint32_t tfd_step, unsigned seed)
{
	std::vector<RawRecord> recs;
	for (std::uint32_t i = 0; i < n; i++)
		recs.push_back(epitem(1, kEp, 0x1000 + i, 5 + i * tfd_step, 1, i, i));
	std::mt19937 rng(seed);
	std::shuffle(recs.begin(), recs.end(), rng);
	return recs;
}

} // namespace

TEST(Collect, EpitemsWithDistinctTfds)
{
	auto recs = shuffled_items(500, 1, 1);
	append(recs, std::vector<RawRecord>(recs.begin(), recs.begin() + 7)); // repeats
	EXPECT_EQ(items_of(Collected::from(recs)), expected(recs));
}

TEST(Collect, EpitemsWithSparseTfds)
{
	// tfds far apart: the table indexed by tfd would be too large, the sort runs
	auto recs = shuffled_items(50, 1u << 20, 2);
	EXPECT_EQ(items_of(Collected::from(recs)), expected(recs));
}

TEST(Collect, EpitemsSharingATfd)
{
	// fd 9 closed and reused while the old item lives: two items of tfd 9
	auto recs = shuffled_items(100, 1, 3);
	recs.push_back(epitem(1, kEp, 0x9999, 9, 1, 0, 100));
	recs.push_back(epitem(1, kEp, 0x9999, 9, 1, 0, 101)); // a repeat of it
	const auto got = items_of(Collected::from(recs));
	EXPECT_EQ(got, expected(recs));
	EXPECT_EQ(std::count_if(got.begin(), got.end(), [](const Item& i) { return std::get<0>(i) == 9; }), 2);
}

TEST(Collect, ManyItemsShareTfds)
{
	// a program that opens, watches, registers and closes fd 5, 6 or 7 in
	// turn: hundreds of live items per tfd, each walk position once, with
	// copies of some
	std::vector<RawRecord> recs;
	for (std::uint32_t i = 0; i < 600; i++)
		recs.push_back(epitem(1, kEp, 0x1000 + (i * 7919) % 600, 5 + i % 3, 1, i, i));
	append(recs, std::vector<RawRecord>(recs.begin() + 100, recs.begin() + 180));
	std::mt19937 rng(4);
	std::shuffle(recs.begin(), recs.end(), rng);
	EXPECT_EQ(items_of(Collected::from(recs)), expected(recs));
}

TEST(Collect, SlotsInOrderOrNot)
{
	std::vector<RawRecord> in_order, reversed;
	for (std::uint32_t i = 0; i < 64; i++)
		in_order.push_back(rfile(1, kRing, i, 0x2000 + i));
	reversed.assign(in_order.rbegin(), in_order.rend());
	append(reversed, std::vector<RawRecord>(in_order.begin(), in_order.begin() + 3));
	for (const auto* recs : {&in_order, &reversed}) {
		const Collected c = Collected::from(*recs);
		const auto& slots = c.rfiles.find(kRing)->second;
		ASSERT_EQ(slots.size(), 64u);
		for (std::uint32_t i = 0; i < 64; i++)
			EXPECT_EQ(slots[i].index, i);
	}
}
