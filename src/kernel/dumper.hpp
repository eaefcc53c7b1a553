// The live dump: the CO-RE iterators of bpf/uringdump.bpf.c, loaded and
// verified once, run as often as wanted.  Each dump of a process runs the
// task_file walk of its leader's fd table, the task_vma walk of its
// mappings, the task walk of its threads (registered rings, and the rings
// only mappings hold), and, when a thread has an fd table of its own, a
// task_file walk of those tables; it turns the kernel state into records:
// the seq stream of each walk plus the records spilled into the BPF ring
// buffer.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "base/result.hpp"
#include "kernel/environment.hpp"
#include "kernel/spill.hpp"
#include "records/records.hpp"

namespace uringdump {

// How one dump went.
struct DumpStats {
	std::size_t streams = 0;     // iterator streams read
	std::size_t spill_bytes = 0; // ring buffer size that was enough
	int walks = 0;               // iterator runs per pid (1 + race repeats)
	int spill_retries = 0;       // walks again because the ring buffer was too small
};

// What dump() produced: every record of every stream and the spilled ones.
struct DumpRecords : DumpStats {
	std::vector<RawRecord> records;
};

// Load once, dump many: Dumper::load() pays for BTF parsing and the
// verifier; dump() costs three or four iterator walks per pid.  Not
// thread-safe.
class Dumper {
public:
	// Opens and loads the program with a ring buffer of opts.spill_bytes.
	// Errors: Exit::Permission without the privileges, Exit::Failure when
	// the kernel refuses the program (the message suggests -v).
	static Result<Dumper> load(const LoadOptions& opts);

	Dumper(Dumper&&) noexcept;
	Dumper& operator=(Dumper&&) noexcept;
	~Dumper();

	// Dumps the processes `pids` (every process when empty) into complete,
	// decoded record streams.  A lockless walk that met a table changing
	// under it (TABLE_END incomplete) is walked again, up to kRaceRetries
	// times.  Records dropped because the ring buffer was full make the
	// Dumper reload itself with a buffer four times larger (kept for later
	// dumps) and dump again, up to 1 GiB.
	Result<DumpRecords> dump(std::span<const pid_t> pids);

	// dump(), each batch of records handed to `sink` as soon as it is
	// decoded, by a collecting thread of the Dumper's own: the spilled ones
	// while the walk goes on (the drain thread only copies them out of the
	// ring buffer and queues them), each stream's when it ends.  The sink
	// is clear()ed before every walk again.  On error the sink holds a part
	// of the dump.
	Result<DumpStats> dump_into(std::span<const pid_t> pids, RecordSink& sink);

	// The task_file walk over `pid` (0: every task) alone, undecoded: its
	// seq stream is appended to `stream`, the spilled records to `spill`.
	// For measuring the walk alone (make bench).
	Status walk(pid_t pid, std::vector<std::uint8_t>& stream, SpillChunks& spill);

	// The ring buffer size of the loaded program.
	std::size_t spill_bytes() const;

private:
	struct Impl;
	explicit Dumper(std::unique_ptr<Impl> impl);
	std::unique_ptr<Impl> impl_;
};

// One-shot: Dumper::load(opts) and dump(pids).
Result<DumpRecords> dump_records(std::span<const pid_t> pids, const LoadOptions& opts);

} // namespace uringdump
