// The iterator floors, through the library's FloorProbe (bpf/floor.bpf.c):
//   floor   task_file iterator over the target, nothing per fd but a count
//   walk    the same, also visiting every ring slot and epoll item (no output)
//   walk-id the walk, also reading each slot's and item's file identity
#include <string>

#include "bench/bench.hpp"
#include "kernel/floor.hpp"

namespace udbench {
namespace {

using uringdump::FloorCounts;
using uringdump::FloorProbe;

Json::Value counts_json(const FloorCounts& c)
{
	Json::Value v;
	v["fds"] = Json::UInt64(c.fds);
	v["slots"] = Json::UInt64(c.slots);
	v["items"] = Json::UInt64(c.items);
	return v;
}

// Runs `probe_once` as method `name`; returns the last run's counts.
template <class F>
FloorCounts time_probe(Bench& b, MethodResult& m, F probe_once)
{
	FloorCounts last;
	repeat(b.cfg, m, [&](int) {
		Stopwatch sw;
		auto counts = probe_once();
		Sample t = sw.lap();
		if (!counts)
			m.fail(counts.error().message);
		else
			last = *counts;
		return t;
	});
	m.extra["counts"] = counts_json(last);
	return last;
}

void run_walk(Bench& b, FloorProbe& probe, bool identity)
{
	MethodResult m(identity ? "walk-id" : "walk");
	if (!probe.has_walk()) {
		m.fail("the table-walk floor does not load on this kernel");
		b.results.push_back(std::move(m));
		return;
	}
	FloorCounts c = time_probe(b, m, [&] { return probe.walk(b.w.pid, identity); });
	Agreement& a = m.agreement;
	a.checked = m.status == "ok";
	a.what = "counts of fds, registered files and epoll items";
	const Canon& ref = b.ref.canon;
	if (c.fds != ref.nfds || c.slots != ref.slots.size() || c.items != ref.items.size())
		a.problem("counts " + std::to_string(c.fds) + "/" + std::to_string(c.slots) + "/" +
			  std::to_string(c.items));
	a.ok = a.first_problem.empty();
	b.results.push_back(std::move(m));
}

void run_floor(Bench& b, FloorProbe& probe)
{
	MethodResult m("floor");
	FloorCounts c = time_probe(b, m, [&] { return probe.count_fds(b.w.pid); });
	Canon got;
	got.has_nfds = true;
	got.nfds = c.fds;
	if (m.status == "ok")
		m.agreement = agree(b.ref.canon, got);
	m.extra["fds_seen"] = Json::UInt64(c.fds);
	b.results.push_back(std::move(m));
}

} // namespace

void run_floors(Bench& b)
{
	if (!b.want("floor") && !b.want("walk") && !b.want("walk-id"))
		return;
	auto probe = FloorProbe::load(uringdump::LoadOptions{});
	if (!probe)
		die("FloorProbe::load: " + probe.error().message);
	if (b.want("walk"))
		run_walk(b, *probe, false);
	if (b.want("walk-id"))
		run_walk(b, *probe, true);
	if (b.want("floor"))
		run_floor(b, *probe);
}

} // namespace udbench
