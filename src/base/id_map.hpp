// IdMap: a hash map from 64-bit ids (the opaque ids of records) to values,
// for the model's hot lookups (a few per item, hundreds of thousands of
// items per dump).  Entries are kept in one vector, in insertion order, and
// an open-addressing table of entry numbers (linear probing, power-of-two
// size, at most half full) finds them: no node allocation per entry, and
// iteration order is the order of insertion, so it does not depend on the
// hash.  The interface is the subset of std::unordered_map the model uses;
// unlike it, an insertion may move every entry (iterators and references
// are valid only until the next insertion).
#pragma once

#include <cstddef>
#include <cstdint>
#include <tuple>
#include <utility>
#include <vector>

namespace uringdump {

template <class V>
class IdMap {
public:
	using value_type = std::pair<std::uint64_t, V>;
	using iterator = typename std::vector<value_type>::iterator;
	using const_iterator = typename std::vector<value_type>::const_iterator;

	void reserve(std::size_t n)
	{
		entries_.reserve(n);
		if (2 * n > slots_.size())
			rehash(table_size_for(n));
	}

	template <class... Args>
	std::pair<iterator, bool> try_emplace(std::uint64_t key, Args&&... args)
	{
		if (2 * (entries_.size() + 1) > slots_.size())
			rehash(table_size_for(entries_.size() + 1));
		std::size_t i = home(key);
		for (; slots_[i] != 0; i = (i + 1) & mask_) {
			const std::size_t e = slots_[i] - 1;
			if (entries_[e].first == key)
				return {entries_.begin() + static_cast<std::ptrdiff_t>(e), false};
		}
		entries_.emplace_back(std::piecewise_construct, std::forward_as_tuple(key),
				      std::forward_as_tuple(std::forward<Args>(args)...));
		slots_[i] = static_cast<std::uint32_t>(entries_.size());
		return {entries_.end() - 1, true};
	}

	// The value of key, default-constructed first when absent.
	V& operator[](std::uint64_t key) { return try_emplace(key).first->second; }

	iterator find(std::uint64_t key)
	{
		const std::size_t e = lookup(key);
		return e == kNone ? entries_.end()
				  : entries_.begin() + static_cast<std::ptrdiff_t>(e);
	}
	const_iterator find(std::uint64_t key) const
	{
		const std::size_t e = lookup(key);
		return e == kNone ? entries_.end()
				  : entries_.begin() + static_cast<std::ptrdiff_t>(e);
	}
	std::size_t count(std::uint64_t key) const { return lookup(key) == kNone ? 0 : 1; }
	bool contains(std::uint64_t key) const { return lookup(key) != kNone; }

	std::size_t size() const { return entries_.size(); }
	bool empty() const { return entries_.empty(); }
	iterator begin() { return entries_.begin(); }
	iterator end() { return entries_.end(); }
	const_iterator begin() const { return entries_.begin(); }
	const_iterator end() const { return entries_.end(); }

private:
	static constexpr std::size_t kNone = ~std::size_t{0};

	static std::size_t table_size_for(std::size_t n)
	{
		std::size_t size = 16;
		while (size < 2 * n)
			size *= 2;
		return size;
	}

	// Fibonacci hashing: ids need not be well mixed (the top bits of the
	// product are).
	std::size_t home(std::uint64_t key) const
	{
		return static_cast<std::size_t>((key * 0x9e3779b97f4a7c15ull) >> shift_) & mask_;
	}

	std::size_t lookup(std::uint64_t key) const
	{
		if (slots_.empty())
			return kNone;
		for (std::size_t i = home(key); slots_[i] != 0; i = (i + 1) & mask_) {
			const std::size_t e = slots_[i] - 1;
			if (entries_[e].first == key)
				return e;
		}
		return kNone;
	}

	void rehash(std::size_t size)
	{
		slots_.assign(size, 0);
		mask_ = size - 1;
		shift_ = 64;
		for (std::size_t s = size; s > 1; s /= 2)
			shift_--;
		for (std::size_t e = 0; e < entries_.size(); e++) {
			std::size_t i = home(entries_[e].first);
			while (slots_[i] != 0)
				i = (i + 1) & mask_;
			slots_[i] = static_cast<std::uint32_t>(e + 1);
		}
	}

	std::vector<value_type> entries_;
	std::vector<std::uint32_t> slots_; // entry number + 1; 0: free
	std::size_t mask_ = 0;
	unsigned shift_ = 64;
};

} // namespace uringdump
