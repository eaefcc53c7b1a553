// IdMap against std::unordered_map: same answers for the same inserts,
// iteration in insertion order, growth from empty and from reserve().
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <unordered_map>
#include <vector>

#include "base/id_map.hpp"

namespace uringdump {
namespace {

TEST(IdMap, EmptyFindsNothing)
{
	const IdMap<int> m;
	EXPECT_TRUE(m.empty());
	EXPECT_EQ(m.find(0), m.end());
	EXPECT_EQ(m.count(42), 0u);
	EXPECT_FALSE(m.contains(~std::uint64_t{0}));
}

TEST(IdMap, FirstInsertWins)
{
	IdMap<int> m;
	auto [a, inserted_a] = m.try_emplace(7, 1);
	EXPECT_TRUE(inserted_a);
	EXPECT_EQ(a->second, 1);
	auto [b, inserted_b] = m.try_emplace(7, 2);
	EXPECT_FALSE(inserted_b);
	EXPECT_EQ(b->second, 1);
	EXPECT_EQ(m.size(), 1u);
	m[7] = 3;
	m[0] = 4; // key 0 is an ordinary key
	EXPECT_EQ(m.find(7)->second, 3);
	EXPECT_EQ(m.find(0)->second, 4);
}

TEST(IdMap, IteratesInInsertionOrder)
{
	IdMap<int> m;
	const std::vector<std::uint64_t> keys = {90, 3, 1ull << 40, 17, 0, 5};
	for (std::size_t i = 0; i < keys.size(); i++)
		m.try_emplace(keys[i], static_cast<int>(i));
	std::size_t i = 0;
	for (const auto& [key, value] : m) {
		EXPECT_EQ(key, keys[i]);
		EXPECT_EQ(value, static_cast<int>(i));
		i++;
	}
	EXPECT_EQ(i, keys.size());
}

// Keys that differ only in their low bits, in their high bits, and random
// ones, through many growths: every key found, no key invented.
TEST(IdMap, AgreesWithUnorderedMap)
{
	std::mt19937_64 rng(1);
	for (const bool reserve : {false, true}) {
		IdMap<std::uint64_t> m;
		std::unordered_map<std::uint64_t, std::uint64_t> ref;
		if (reserve)
			m.reserve(3000);
		for (std::uint64_t i = 0; i < 1000; i++) {
			for (const std::uint64_t key : {i, i << 48, rng()}) {
				const bool inserted = m.try_emplace(key, i).second;
				EXPECT_EQ(inserted, ref.try_emplace(key, i).second);
			}
		}
		ASSERT_EQ(m.size(), ref.size());
		for (const auto& [key, value] : ref) {
			auto it = m.find(key);
			ASSERT_NE(it, m.end());
			EXPECT_EQ(it->second, value);
		}
		for (int i = 0; i < 1000; i++) {
			const std::uint64_t key = rng();
			EXPECT_EQ(m.count(key), ref.count(key));
		}
	}
}

} // namespace
} // namespace uringdump
