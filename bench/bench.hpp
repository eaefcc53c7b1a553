// udbench: the pieces its files share (see bench/main.cpp for the methods).
// Every timed uringdump method runs the library code the CLI runs (the
// Dumper, the model, the JSON renderer, pin_dump); the floors run the
// library's FloorProbe.  Nothing here loads BPF itself.
#pragma once

#include <sys/types.h>

#include <json/json.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "model/model.hpp"

namespace udbench {

// ---- timing

double now();
double cpu_now();

// One timed run: wall-clock seconds and the CPU seconds spent on it (this
// process's, or the child's user+system time for spawned programs).  The
// machine may be shared: CPU time is the steadier of the two.
struct Sample {
	double wall = 0;
	double cpu = 0;
};

struct Stopwatch {
	double w0 = now(), c0 = cpu_now();
	Sample lap() const { return {now() - w0, cpu_now() - c0}; }
};

[[noreturn]] void die(const std::string& msg);
double median(std::vector<double> v);
std::string loadavg();

// ---- the workload (bench/workload.c's SUMMARY and SUMMARY.files)

struct TruthFile {
	std::uint64_t index = 0;
	char type = 'e'; // 'p' pipe, 'e' eventfd
	std::uint32_t tfd = 0;
	int ring_fd = -1;
	std::uint32_t slot = 0;
	std::vector<std::uint32_t> fds; // sorted
};

struct Workload {
	pid_t pid = 0;
	std::uint64_t n = 0;
	int epoll_fd = -1;
	std::vector<int> ring_fds;
	std::uint64_t data_tag = 0;
	std::map<std::string, std::string> kv;
	std::vector<TruthFile> files;
};

Workload read_workload(const std::string& path);

// ---- files and child processes

std::vector<std::uint8_t> read_path(const std::string& path);
// read() to EOF in 128 KiB chunks (as cat does), keeping nothing.
std::size_t read_discard(const std::string& path);

struct SpawnResult {
	double seconds = 0;
	double cpu = 0;
	int status = -1;
	bool timed_out = false;
	bool ok() const;
};

// Runs args with stdout to `out_path`; times spawn to reap.
SpawnResult spawn_timed(const std::vector<std::string>& args, const std::string& out_path,
			double timeout);

// `udbench --spawn-rss RSSFILE OUTFILE CMD...` (see bench/main.cpp).
int spawn_rss(int argc, char** argv);
// The peak RSS (KiB) of CMD run through --spawn-rss, stdout to out_path;
// -1 when unknown.
long peak_rss_kb(const std::vector<std::string>& cmd, const std::string& out_path,
		 const std::string& scratch);

// ---- answers in one comparable shape (bench/agree.cpp)

// Items are keyed by epoll data (unique per file in the workload), slots by
// (ring fd, index).
struct CItem {
	std::uint32_t tfd = 0;
	std::uint32_t events = 0;
	bool has_fds = false;
	std::vector<std::uint32_t> fds;
};
struct CSlot {
	std::string path;
	bool has_fds = false;
	std::vector<std::uint32_t> fds;
};
struct Canon {
	std::unordered_map<std::uint64_t, CItem> items;
	std::unordered_map<std::uint64_t, CSlot> slots; // key: slot_key()
	bool has_items = false, has_slots = false;
	std::size_t nfds = 0;
	bool has_nfds = false;
	std::size_t duplicate_keys = 0;
};

std::uint64_t slot_key(std::uint32_t ring_fd, std::uint32_t index);
Canon canon_of(const uringdump::Snapshot& snap, pid_t pid);
// uringdump's JSON output (a file), parsed back.
Canon canon_of_json(const std::string& path, pid_t pid);

struct Agreement {
	bool checked = false;
	bool ok = false;
	std::uint64_t compared_items = 0, compared_slots = 0, compared_fd_lists = 0;
	std::uint64_t mismatches = 0, missing = 0, extra = 0;
	std::string first_problem;
	std::string what; // which fields were compared

	void problem(const std::string& s)
	{
		if (first_problem.empty())
			first_problem = s;
	}
};

// `got` against the reference on what both report.  `partial`: got may lack
// items (a capped run); missing ones are then not errors.
Agreement agree(const Canon& ref, const Canon& got, bool partial = false);
// agree() for a dump stream's bytes, or a failed check when they do not
// decode (`what` names them).
Agreement agree_stream(const Canon& ref, const std::vector<std::uint8_t>& bytes, pid_t pid,
		       const std::string& what);
// The reference against the workload's own record of what it built.
Agreement check_truth(const Workload& w, const Canon& ref);

// ---- one method's measurements and the driver's state

struct MethodResult {
	std::string name;
	std::vector<double> samples;
	std::vector<double> cpu_samples;
	std::string status = "ok"; // ok, capped, error, skipped
	std::string note;
	Agreement agreement;
	Json::Value extra{Json::objectValue};

	explicit MethodResult(std::string n) : name(std::move(n)) {}
	void fail(const std::string& why)
	{
		status = "error";
		note = why;
	}
};

struct Config {
	std::string info, uringdump, pin;
	int runs = 5;
	int min_runs = 3;
	double cap = 20;
	double budget = 20; // per method: stop after min_runs once this much was spent
	std::vector<std::string> methods;
};

// uringdump's own answer, from the library's one-shot dump_records(): what
// every other method is checked against.
struct Reference {
	Canon canon;
	std::optional<uringdump::Snapshot> snap;
	std::size_t records = 0;
	std::size_t spill_bytes = 0;
	int spill_retries = 0; // walks again of the default-sized first dump
	double first_dump_s = 0;
};

struct Bench {
	Config cfg;
	Workload w;
	Reference ref;
	std::vector<MethodResult> results;

	bool want(const std::string& method) const;
};

// Runs `once(i)` up to cfg.runs times (fewer when slow); once() returns the
// Sample of its timed part and may set m.status.  slow_ok: one run that took
// the whole budget is enough.
template <class F>
void repeat(const Config& cfg, MethodResult& m, F once, bool slow_ok = false)
{
	double spent = 0;
	for (int i = 0; i < cfg.runs; i++) {
		Sample smp = once(i);
		if (m.status == "error")
			return;
		m.samples.push_back(smp.wall);
		m.cpu_samples.push_back(smp.cpu);
		spent += smp.wall;
		if (m.status == "capped")
			return;
		if (i + 1 >= cfg.min_runs && spent >= cfg.budget)
			break;
		if (i == 0 && smp.wall >= cfg.budget && slow_ok)
			break;
	}
}

// ---- the methods, one file per family

void run_reference(Bench& b);     // lib (methods_uringdump.cpp)
void run_uringdump(Bench& b);     // oneshot, loaded, iterate
void run_floors(Bench& b);        // floor, walk (methods_floor.cpp)
void run_pin(Bench& b);           // pin-read, pin-model, pin-cat
void run_procfs_method(Bench& b); // procfs
void run_kcmp(Bench& b);          // kcmp-tree, kcmp-pair

// ---- procfs (methods_procfs.cpp; kcmp builds on it)

struct PItem {
	std::uint32_t tfd = 0;
	std::uint32_t events = 0;
	std::uint64_t data = 0;
	std::uint64_t ino = 0;
	std::uint32_t sdev = 0;
};
struct PSlot {
	std::uint32_t index = 0;
	std::string path;
};
struct ProcState {
	std::vector<PItem> items;                   // the epoll's, in rbtree order
	std::vector<std::vector<PSlot>> ring_slots; // per ring fd, in order
	std::vector<std::uint32_t> sq_entries, cq_entries;
	bool ring_info_missing = false; // the block is skipped when uring_lock is held
};

ProcState read_procfs(const Workload& w);

// ---- output (bench/report.cpp)

Json::Value to_json(const Agreement& a);
Json::Value to_json(const MethodResult& m);
// The whole run as one JSON object on stdout, a summary on stderr.
void report(const Bench& b, const Json::Value& head);

} // namespace udbench
