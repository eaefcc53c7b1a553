// The pinned iterator: pinned once with the library's pin_dump() (what
// `uringdump pin PID PATH` runs), then read as often as wanted:
//   pin-read    read() of the pin to EOF, keeping nothing
//   pin-model   the same plus decode + model
//   pin-cat     `cat PIN > /dev/null`
#include <cstdio>
#include <string>

#include "bench/bench.hpp"
#include "kernel/pin.hpp"
#include "records/records.hpp"

namespace udbench {
namespace {

void run_pin_read(Bench& b)
{
	MethodResult m("pin-read");
	std::size_t nbytes = 0;
	repeat(b.cfg, m, [&](int) {
		Stopwatch sw;
		nbytes = read_discard(b.cfg.pin);
		return sw.lap();
	});
	m.extra["bytes"] = Json::UInt64(nbytes);
	// agreement: one more read, kept and decoded (untimed)
	m.agreement = agree_stream(b.ref.canon, read_path(b.cfg.pin), b.w.pid, "pinned stream");
	b.results.push_back(std::move(m));
}

void run_pin_model(Bench& b)
{
	MethodResult m("pin-model");
	Canon got;
	repeat(b.cfg, m, [&](int i) {
		Stopwatch sw;
		auto bytes = read_path(b.cfg.pin);
		auto recs = uringdump::decode_stream(bytes);
		if (!recs) {
			m.fail(recs.error().message);
			return Sample{};
		}
		auto snap = uringdump::build_snapshot(*recs, false);
		Sample t = sw.lap();
		if (!snap) {
			m.fail(snap.error().message);
			return Sample{};
		}
		for (const auto& r : *recs)
			if (r.type() == UD_REC_END && r.flags())
				m.fail("END flags " + std::to_string(r.flags()));
		if (i == 0)
			got = canon_of(*snap, b.w.pid);
		return t;
	});
	if (m.status == "ok")
		m.agreement = agree(b.ref.canon, got);
	b.results.push_back(std::move(m));
}

void run_pin_cat(Bench& b)
{
	MethodResult m("pin-cat");
	const std::vector<std::string> cmd{"/bin/cat", b.cfg.pin};
	repeat(b.cfg, m, [&](int) {
		SpawnResult r = spawn_timed(cmd, "/dev/null", 600);
		if (!r.ok())
			m.fail("cat failed");
		return Sample{r.seconds, r.cpu};
	});
	// agreement: what cat wrote, decoded
	if (m.status == "ok") {
		std::string tmp = b.cfg.info + ".cat";
		spawn_timed(cmd, tmp, 600);
		auto bytes = read_path(tmp);
		std::remove(tmp.c_str());
		m.agreement = agree_stream(b.ref.canon, bytes, b.w.pid, "cat output");
	}
	b.results.push_back(std::move(m));
}

} // namespace

void run_pin(Bench& b)
{
	if (b.cfg.pin.empty() ||
	    (!b.want("pin-read") && !b.want("pin-model") && !b.want("pin-cat")))
		return;
	double t0 = now();
	auto pinned = uringdump::pin_dump(uringdump::PinTarget{b.w.pid, -1}, b.cfg.pin,
					  uringdump::LoadOptions{});
	const double pin_s = now() - t0;
	for (const char* name : {"pin-read", "pin-model", "pin-cat"}) {
		if (!b.want(name))
			continue;
		if (!pinned) {
			MethodResult m(name);
			m.fail("pin_dump failed: " + pinned.error().message);
			b.results.push_back(std::move(m));
			continue;
		}
		if (std::string(name) == "pin-read")
			run_pin_read(b);
		else if (std::string(name) == "pin-model")
			run_pin_model(b);
		else
			run_pin_cat(b);
		b.results.back().extra["pin_setup_s"] = pin_s;
	}
	if (pinned)
		std::remove(b.cfg.pin.c_str());
}

} // namespace udbench
