// The uringdump methods, all through the library the CLI is built from:
//   lib       dump_records() + build_snapshot(): loads the program on every
//             call; its first run is the reference answer
//   oneshot   `uringdump --json PID > /dev/null` (exec, load, dump, model,
//             JSON), the programs taken from the load cache (an untimed run
//             first fills it)
//   oneshot-cold  the same with --no-cache: every run loads (verifier)
//   exec      `uringdump --version > /dev/null`: process start, nothing loaded
//   loaded    what `uringdump --json PID` runs after its load (src/cli/
//             live_dump.cpp, cmd_dump.cpp): Dumper::dump_into a
//             SnapshotBuilder, build, render_json, with the Dumper loaded
//             once; phases recorded (the dump phase includes collecting the
//             records, which a thread of the Dumper does while the walk goes on)
//   iterate   Dumper::walk: one undecoded iterator walk, the kernel's share
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "bench/bench.hpp"
#include "kernel/dumper.hpp"
#include "render/json.hpp"

namespace udbench {
namespace {

using uringdump::build_snapshot;
using uringdump::Dumper;
using uringdump::LoadOptions;

// The JSON the one-shot wrote must be the reference rendered (labels follow
// output order, so a static target renders byte for byte the same); when it
// is not, it is parsed back (small N) to say what differs.
void check_oneshot_output(Bench& b, MethodResult& m)
{
	const std::string pid_s = std::to_string(b.w.pid);
	const std::string tmp = b.cfg.info + ".oneshot.json";
	m.extra["peak_rss_kb"] = Json::Int64(
		peak_rss_kb({b.cfg.uringdump, "--json", pid_s}, tmp, b.cfg.info + ".rss"));
	std::ostringstream mine;
	uringdump::render_json(*b.ref.snap, mine, false);
	auto theirs = read_path(tmp);
	m.extra["json_bytes"] = Json::UInt64(theirs.size());
	const std::string& ms = mine.str();
	if (theirs.size() == ms.size() && std::memcmp(theirs.data(), ms.data(), ms.size()) == 0) {
		m.agreement.checked = m.agreement.ok = true;
		m.agreement.what = "JSON output byte-identical to the reference snapshot rendered";
	} else if (b.w.n <= 200000) {
		m.agreement = agree(b.ref.canon, canon_of_json(tmp, b.w.pid));
		m.agreement.what += " (JSON not byte-identical to the reference)";
	} else {
		m.agreement.checked = true;
		m.agreement.problem(
			"JSON output differs from the reference (not parsed back at this size)");
	}
	std::remove(tmp.c_str());
}

// `uringdump ARGS...`, timed, its output to /dev/null.
MethodResult run_cli(Bench& b, const char* method, const std::vector<std::string>& cmd)
{
	MethodResult m(method);
	repeat(b.cfg, m, [&](int) {
		SpawnResult r = spawn_timed(cmd, "/dev/null", 600);
		if (!r.ok())
			m.fail("uringdump failed (status " + std::to_string(r.status) + ")");
		return Sample{r.seconds, r.cpu};
	});
	return m;
}

void run_oneshot(Bench& b)
{
	MethodResult m("oneshot");
	const std::vector<std::string> cmd{b.cfg.uringdump, "--json", std::to_string(b.w.pid)};
	// untimed: creates the load cache entry when there is none
	if (!spawn_timed(cmd, "/dev/null", 600).ok())
		m.fail("uringdump failed (untimed first run)");
	repeat(b.cfg, m, [&](int) {
		SpawnResult r = spawn_timed(cmd, "/dev/null", 600);
		if (!r.ok())
			m.fail("uringdump failed (status " + std::to_string(r.status) + ")");
		return Sample{r.seconds, r.cpu};
	});
	if (m.status == "ok")
		check_oneshot_output(b, m);
	m.note = "the programs from the load cache (/sys/fs/bpf/uringdump/cache)";
	b.results.push_back(std::move(m));
}

struct Phases {
	std::vector<double> dump, model, render;
	std::vector<double> dump_cpu, model_cpu, render_cpu;

	Json::Value wall() const
	{
		Json::Value v;
		v["dump_s"] = median(dump);
		v["model_s"] = median(model);
		v["render_json_s"] = median(render);
		return v;
	}
	Json::Value cpu() const
	{
		Json::Value v;
		v["dump_s"] = median(dump_cpu);
		v["model_s"] = median(model_cpu);
		v["render_json_s"] = median(render_cpu);
		return v;
	}
};

// The CLI's SnapshotBuilder, counting the records it is given.
struct CountingBuilder final : uringdump::RecordSink {
	uringdump::SnapshotBuilder builder;
	std::size_t records = 0;
	void add(std::span<const uringdump::RawRecord> recs) override
	{
		records += recs.size();
		builder.add(recs);
	}
	void clear() override
	{
		records = 0;
		builder.clear();
	}
	uringdump::Result<uringdump::Snapshot> build(bool exact) { return builder.build(exact); }
};

void run_loaded(Bench& b, Dumper& dumper)
{
	MethodResult m("loaded");
	Phases ph;
	Canon got;
	int max_walks = 0;
	std::size_t nrecords = 0;
	std::ofstream out("/dev/null");
	const pid_t pids[] = {b.w.pid};
	repeat(b.cfg, m, [&](int i) {
		// src/cli/cmd_dump.cpp's run_dump() after Dumper::load(), minus
		// the target checks and --freeze
		Stopwatch sw;
		CountingBuilder builder;
		auto dumped = dumper.dump_into(pids, builder);
		Sample t_dump = sw.lap();
		if (!dumped) {
			m.fail(dumped.error().message);
			return Sample{};
		}
		auto snap = builder.build(false);
		Sample t_model = sw.lap();
		if (!snap) {
			m.fail(snap.error().message);
			return Sample{};
		}
		uringdump::render_json(*snap, out, false);
		out.flush();
		Sample t_all = sw.lap();
		ph.dump.push_back(t_dump.wall);
		ph.model.push_back(t_model.wall - t_dump.wall);
		ph.render.push_back(t_all.wall - t_model.wall);
		ph.dump_cpu.push_back(t_dump.cpu);
		ph.model_cpu.push_back(t_model.cpu - t_dump.cpu);
		ph.render_cpu.push_back(t_all.cpu - t_model.cpu);
		max_walks = std::max(max_walks, dumped->walks);
		nrecords = builder.records;
		if (i == 0)
			got = canon_of(*snap, b.w.pid);
		return t_all;
	});
	if (m.status == "ok")
		m.agreement = agree(b.ref.canon, got);
	m.extra["phases_median"] = ph.wall();
	m.extra["phases_cpu_median"] = ph.cpu();
	m.extra["records"] = Json::UInt64(nrecords);
	m.extra["max_walks"] = max_walks;
	m.extra["spill_bytes"] = Json::UInt64(dumper.spill_bytes());
	m.note = "Dumper loaded once; each run is Dumper::dump_into a SnapshotBuilder, build, "
		 "render_json, as `uringdump --json PID` runs them";
	b.results.push_back(std::move(m));
}

void run_iterate(Bench& b, Dumper& dumper)
{
	MethodResult m("iterate");
	std::size_t stream_bytes = 0, spill_bytes = 0;
	std::vector<std::uint8_t> stream;
	uringdump::SpillChunks spill;
	repeat(b.cfg, m, [&](int) {
		stream.clear();
		spill = {};
		Stopwatch sw;
		auto st = dumper.walk(b.w.pid, stream, spill);
		Sample t = sw.lap();
		if (!st)
			m.fail(st.error().message);
		stream_bytes = stream.size();
		spill_bytes = spill.size();
		return t;
	});
	// agreement: the last walk's stream and spill, decoded (untimed)
	if (m.status == "ok") {
		auto recs = uringdump::decode_stream(stream);
		bool spilled = true;
		for (const auto& chunk : spill.chunks())
			if (recs && !uringdump::decode_spill_into(chunk, *recs))
				spilled = false;
		if (recs && spilled) {
			if (auto snap = build_snapshot(*recs, false))
				m.agreement = agree(b.ref.canon, canon_of(*snap, b.w.pid));
		}
		if (!m.agreement.checked) {
			m.agreement.checked = true;
			m.agreement.problem("the walk's records do not decode");
		}
	}
	m.extra["stream_bytes"] = Json::UInt64(stream_bytes);
	m.extra["spilled_bytes"] = Json::UInt64(spill_bytes);
	m.note = "Dumper::walk: one iterator walk into buffers, no decode (the kernel's share)";
	b.results.push_back(std::move(m));
}

} // namespace

void run_reference(Bench& b)
{
	MethodResult lib("lib");
	LoadOptions opts;
	opts.use_cache = false; // every call loads, as its name says
	const pid_t pids[] = {b.w.pid};
	auto once = [&](int i) {
		Stopwatch sw;
		auto recs = uringdump::dump_records(pids, opts);
		if (!recs)
			die("reference dump: " + recs.error().message);
		auto snap = build_snapshot(recs->records, false);
		Sample t = sw.lap();
		if (!snap)
			die("reference model: " + snap.error().message);
		if (i == 0) {
			b.ref.first_dump_s = t.wall;
			b.ref.spill_bytes = recs->spill_bytes;
			b.ref.spill_retries = recs->spill_retries;
			b.ref.records = recs->records.size();
			b.ref.canon = canon_of(*snap, b.w.pid);
			b.ref.snap.emplace(std::move(*snap));
		}
		return t;
	};
	if (!b.want("lib")) {
		once(0);
		return;
	}
	repeat(b.cfg, lib, once);
	lib.agreement = check_truth(b.w, b.ref.canon);
	lib.note = "includes the program load (BTF parse, verification) on every call: "
		   "dump_records() loads each time; first run = the reference, checked against "
		   "the workload's own record";
	b.results.push_back(std::move(lib));
}

void run_uringdump(Bench& b)
{
	if (b.want("exec")) {
		auto m = run_cli(b, "exec", {b.cfg.uringdump, "--version"});
		m.note = "process start: `uringdump --version`, nothing loaded";
		b.results.push_back(std::move(m));
	}
	if (b.want("oneshot"))
		run_oneshot(b);
	if (b.want("oneshot-cold")) {
		auto m =
			run_cli(b, "oneshot-cold",
				{b.cfg.uringdump, "--json", "--no-cache", std::to_string(b.w.pid)});
		m.note = "--no-cache: every run loads the programs (BTF, verifier)";
		b.results.push_back(std::move(m));
	}
	if (!b.want("loaded") && !b.want("iterate"))
		return;
	// A ring buffer the size the reference needed: no timed run resizes.
	// A load of its own: the load cache stays free for the one-shots.
	LoadOptions opts;
	opts.use_cache = false;
	opts.spill_bytes = std::max(opts.spill_bytes, b.ref.spill_bytes);
	double t0 = now();
	auto dumper = Dumper::load(opts);
	if (!dumper)
		die("Dumper::load: " + dumper.error().message);
	const double load_s = now() - t0;
	if (b.want("loaded")) {
		run_loaded(b, *dumper);
		b.results.back().extra["load_s"] = load_s;
	}
	if (b.want("iterate"))
		run_iterate(b, *dumper);
}

} // namespace udbench
