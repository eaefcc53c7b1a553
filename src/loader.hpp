// Loads the CO-RE task_file iterator and turns a process's kernel state into
// records: the seq stream of each iterator plus the records spilled into the
// BPF ring buffer.  This is the only part of the library that talks to the
// kernel's BPF interface.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "records.hpp"
#include "result.hpp"

namespace uringdump {

struct LoadOptions {
	std::optional<std::string> btf_path; // instead of /sys/kernel/btf/vmlinux
	bool verbose = false;                // libbpf diagnostics on stderr
	std::size_t spill_bytes = 16u << 20; // initial ring buffer size
	int target_fd = -1;                  // only this fd of each process
};

struct DumpRequest {
	std::vector<pid_t> pids; // empty: every process
	LoadOptions load;
};

// What one dump produced: every record of every stream, then the spilled
// ones.  `streams` counts the iterator streams that were read.
struct DumpRecords {
	std::vector<RawRecord> records;
	std::size_t streams = 0;
	std::size_t spill_bytes = 0; // ring buffer size that was enough
};

// Checks that the environment can load the iterator (privileges, BTF) and
// returns a one-line error naming the cause otherwise.
Status check_environment(const LoadOptions& opts, bool need_ptrace);

// Runs the iterator for each requested pid (or once over every task) and
// collects complete record streams.  When records were dropped because the
// ring buffer was full, reloads with a larger one and dumps again.
Result<DumpRecords> dump_records(const DumpRequest& req);

// Routes libbpf's messages to stderr when verbose, drops them otherwise.
void setup_libbpf(bool verbose);

// 64 random bits (the per-load keys of the opaque ids).
std::uint64_t random_u64();

// Does the running kernel (or `btf_path`) have the native iterator targets
// (bpf_iter__io_uring_file, bpf_iter__io_uring_buf, bpf_iter__epoll)?
bool kernel_has_native_iterators(const LoadOptions& opts);

// CONFIG_HZ of the running kernel from /proc/config.gz or /boot/config-*,
// 0 when unknown.
unsigned kernel_hz();

// The .rodata every uringdump BPF object shares (bpf/dump.bpf.h): fresh keys
// for the opaque ids (id_key1 odd, so the mix stays a bijection), a run id,
// and the kernel's HZ.
template <class Rodata>
void seed_rodata(Rodata* ro)
{
	ro->id_key0 = random_u64();
	ro->id_key1 = random_u64() | 1;
	ro->run_id = random_u64();
	ro->hz = kernel_hz();
}

} // namespace uringdump
