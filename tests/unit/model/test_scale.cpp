// A large snapshot (200,000 epoll items, 65,536 registered files) builds
// and renders completely.  No timing assertion; the times are printed.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>

#include "record_builders.hpp"
#include "test_support.hpp"

using namespace uringdump;
using namespace udtest;

namespace {

constexpr std::uint32_t kPid = 4242;
constexpr std::uint32_t kItems = 200000;
constexpr std::uint32_t kSlots = 65536;
constexpr std::uint64_t kEpoll = 0xe0000001, kRing = 0xa0000001;

std::uint64_t target_id(std::uint32_t i)
{
	return 0x100000000ull + i;
}

// Item i watches target i with tfd 10 + i; a third of the targets are
// closed, a third moved by dup2, the rest in place.
std::vector<RawRecord> big_records()
{
	std::vector<RawRecord> r;
	r.reserve(4 * kItems + kSlots);
	r.push_back(task(kPid, "big"));
	r.push_back(fd(kPid, 3, UD_FK_EPOLL, kEpoll));
	r.push_back(fd(kPid, 4, UD_FK_IO_URING, kRing));
	r.push_back(epoll(kPid, kEpoll));
	r.push_back(ring({.pid = kPid, .id = kRing, .nr_files = kSlots}));
	for (std::uint32_t i = 0; i < kItems; i++) {
		r.push_back(file(target_id(i), UD_FK_EVENTFD, 1000 + i, 15, "[eventfd]"));
		if (i % 3 == 1)
			r.push_back(fd(kPid, 10 + i, UD_FK_EVENTFD, target_id(i), i + 1));
		else if (i % 3 == 2)
			r.push_back(fd(kPid, 10 + kItems + i, UD_FK_EVENTFD, target_id(i), i + 1));
		r.push_back(epitem(kPid, kEpoll, target_id(i), 10 + i, 0x1 | 0x80000000u, i, kItems - 1 - i));
	}
	r.push_back(table_end(kPid, kEpoll, UD_TABLE_EPITEM, kItems));
	for (std::uint32_t i = 0; i < kSlots; i++)
		r.push_back(rfile(kPid, kRing, i, i % 4 == 0 ? 0 : target_id(i * 3)));
	r.push_back(table_end(kPid, kRing, UD_TABLE_RFILE, kSlots));
	return r;
}

std::size_t count(const std::string& s, std::string_view what)
{
	std::size_t n = 0;
	for (auto pos = s.find(what); pos != std::string::npos; pos = s.find(what, pos + 1))
		n++;
	return n;
}

double ms_since(std::chrono::steady_clock::time_point t0)
{
	return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

} // namespace

TEST(Scale, TwoHundredThousandItems)
{
	const auto records = big_records();
	auto t0 = std::chrono::steady_clock::now();
	auto decoded = decode_stream(stream_bytes(records));
	ASSERT_TRUE(decoded.ok()) << decoded.error().message;
	const double t_decode = ms_since(t0);

	t0 = std::chrono::steady_clock::now();
	const Snapshot s = must_build(decoded.value());
	const double t_build = ms_since(t0);
	const Process& p = s.processes.at(0);
	ASSERT_EQ(p.epolls.at(0).items.size(), kItems);
	EXPECT_TRUE(p.epolls[0].complete);
	EXPECT_EQ(p.epolls[0].items[1].tfd_stale, false);
	EXPECT_EQ(p.epolls[0].items[2].tfd_stale, true);
	EXPECT_EQ(p.rings.at(0).files.slots.size(), kSlots);
	EXPECT_EQ(p.rings[0].files.used, kSlots - kSlots / 4);

	t0 = std::chrono::steady_clock::now();
	const std::string text = text_of(s);
	const double t_text = ms_since(t0);
		// pid, ring head + 5 fields, registered_files + slots,
	// registered_buffers, epoll head + items.
	EXPECT_EQ(count(text, "\n"), 1 + 6 + 1 + kSlots + 1 + 1 + kItems);

	t0 = std::chrono::steady_clock::now();
	const std::string json = json_of(s, false);
	const double t_json = ms_since(t0);
	EXPECT_EQ(count(json, "\"tfd\""), kItems);
	EXPECT_EQ(count(json, "\"index\""), kSlots);

	std::cout << "[ timing   ] decode " << t_decode << " ms, build " << t_build << " ms, text " << t_text
		  << " ms, json " << t_json << " ms\n";
}
