// udbench: times the ways of reading one process's io_uring and epoll state
// (bench/run.py drives it for `make bench`).
//
//   udbench --info SUMMARY --uringdump BIN [--runs R] [--min-runs R]
//           [--cap SEC] [--budget SEC] [--methods a,b,...] [--pin PATH]
//
// SUMMARY is what bench/workload.c wrote (SUMMARY.files lists every file).
// Prints one JSON object: per method the samples (seconds), median, spread,
// the agreement check against uringdump's own answer, and notes.
//
// Methods (one file per family):
//   lib, oneshot, loaded, iterate     methods_uringdump.cpp (the library
//                                     the CLI runs: Dumper, model, render)
//   floor, walk                       methods_floor.cpp (FloorProbe)
//   pin-read, pin-model, pin-cat      methods_pin.cpp (pin_dump)
//   procfs                            methods_procfs.cpp (fdinfo)
//   kcmp-tree, kcmp-pair              methods_kcmp.cpp (CRIU-style kcmp)
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>

#include "base/heap.hpp"
#include "bench/bench.hpp"

namespace udbench {
namespace {

const char kUsage[] = "usage: udbench --info SUMMARY --uringdump BIN [--runs R] [--min-runs R] "
		      "[--cap S] [--budget S] [--methods LIST] [--pin PATH]";
const char kAllMethods[] =
	"floor,walk,walk-id,exec,oneshot,oneshot-cold,lib,loaded,iterate,pin-read,"
	"pin-model,pin-cat,procfs,kcmp-tree,kcmp-pair";

Config parse_args(int argc, char** argv)
{
	Config cfg;
	std::string methods = kAllMethods;
	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		auto val = [&]() -> std::string {
			if (i + 1 >= argc)
				die("missing value for " + a);
			return argv[++i];
		};
		if (a == "--info")
			cfg.info = val();
		else if (a == "--uringdump")
			cfg.uringdump = val();
		else if (a == "--runs")
			cfg.runs = std::stoi(val());
		else if (a == "--min-runs")
			cfg.min_runs = std::stoi(val());
		else if (a == "--cap")
			cfg.cap = std::stod(val());
		else if (a == "--budget")
			cfg.budget = std::stod(val());
		else if (a == "--methods")
			methods = val();
		else if (a == "--pin")
			cfg.pin = val();
		else
			die("unknown argument " + a + "\n" + kUsage);
	}
	if (cfg.info.empty() || cfg.uringdump.empty())
		die(kUsage);
	cfg.min_runs = std::min(cfg.min_runs, cfg.runs);
	std::istringstream ms(methods);
	for (std::string m; std::getline(ms, m, ',');)
		if (!m.empty())
			cfg.methods.push_back(m);
	return cfg;
}

Json::Value head_of(const Bench& b)
{
	Json::Value out;
	out["pid"] = b.w.pid;
	out["n"] = Json::UInt64(b.w.n);
	Json::Value wl;
	for (const auto& [k, v] : b.w.kv)
		wl[k] = v;
	out["workload"] = wl;
	return out;
}

// The reference (uringdump's library dump), checked against the workload.
void add_reference(const Bench& b, Json::Value& out)
{
	const Reference& ref = b.ref;
	Agreement truth = check_truth(b.w, ref.canon);
	Json::Value& r = out["reference"];
	r["truth_check"] = to_json(truth);
	r["records"] = Json::UInt64(ref.records);
	r["spill_bytes"] = Json::UInt64(ref.spill_bytes);
	r["spill_retries"] = ref.spill_retries;
	r["fds"] = Json::UInt64(ref.canon.nfds);
	r["epoll_items"] = Json::UInt64(ref.canon.items.size());
	r["registered_files"] = Json::UInt64(ref.canon.slots.size());
	r["first_dump_s"] = ref.first_dump_s;
	std::fprintf(stderr, "  reference: %zu records, %zu fds, %zu items, %zu slots, truth %s\n",
		     ref.records, ref.canon.nfds, ref.canon.items.size(), ref.canon.slots.size(),
		     truth.ok ? "ok" : truth.first_problem.c_str());
}

} // namespace

bool Bench::want(const std::string& method) const
{
	return std::find(cfg.methods.begin(), cfg.methods.end(), method) != cfg.methods.end();
}

} // namespace udbench

// `udbench --spawn-rss RSSFILE OUTFILE CMD...`: runs CMD with stdout to
// OUTFILE and writes "MAXRSS_KB STATUS" to RSSFILE (see spawn_rss()).
int main(int argc, char** argv)
{
	using namespace udbench;
	if (argc > 1 && std::strcmp(argv[1], "--spawn-rss") == 0)
		return spawn_rss(argc, argv);
	uringdump::prefer_huge_pages(); // as the uringdump binary does
	Bench b;
	b.cfg = parse_args(argc, argv);
	b.w = read_workload(b.cfg.info);
	Json::Value out = head_of(b);
	out["loadavg_before"] = loadavg();

	run_reference(b); // first: every other method is checked against it
	add_reference(b, out);
	run_floors(b);
	run_uringdump(b);
	run_pin(b);
	run_procfs_method(b);
	run_kcmp(b);
	report(b, out);
	return 0;
}
