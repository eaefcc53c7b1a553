// The snapshot model: processes with their io_uring and epoll instances,
// resolved from records that may arrive in any order and more than once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "records/records.hpp"

namespace uringdump {

// Index into Snapshot::files.
using FileRef = std::uint32_t;

// A struct file, identified by its opaque id; labelled "f1", "f2", ... in
// order of first appearance in the output.
// One per file of a dump (a million for a million items): members ordered
// so that none pads, 112 bytes.
struct File {
	std::uint64_t raw_id = 0;         // opaque record id (meaningful within one run)
	std::uint64_t inode = 0;          // valid with has_record, as the three below
	std::uint32_t label = 0;          // N of "fN"
	std::uint32_t kind = UD_FK_OTHER; // enum ud_file_kind
	std::uint32_t dev = 0;            // kernel dev_t encoding
	std::uint32_t mode = 0;           // inode i_mode: type and permission bits
	std::uint32_t f_flags = 0;        // open flags (O_*), as a checkpoint restores them
	bool has_record = false;          // a FILE record was received
	std::string id;                   // "fN"
	std::optional<std::string> path;  // as readlink(/proc/PID/fd/N) shows it
};

struct Fd {
	std::uint32_t fd = 0;
	FileRef file = 0;
	std::uint64_t aux_id = 0; // eventfd: id of its eventfd_ctx
};

struct Sqpoll {
	std::int32_t cpu = -1;
	std::uint32_t idle_jiffies = 0;
	std::optional<std::uint64_t> idle_ms;   // unknown without STREAM.hz
	std::uint32_t thread_pid = 0;           // 0: no thread
	std::uint64_t group_raw = 0;            // opaque io_sq_data id, 0: none
	std::string group;                      // "gN", "" when group_raw is 0
	std::optional<std::size_t> group_index; // into Snapshot::groups
};

// Rings that share one SQPOLL thread (io_sq_data, IORING_SETUP_ATTACH_WQ).
// Stored once, not per ring: a ring's "shared_with" is rings minus itself.
struct SqpollGroup {
	std::string id; // "gN"
	std::uint64_t raw_id = 0;
	std::vector<FileRef> rings; // every ring of the group, by label
};

struct RingEventfd {
	std::vector<std::uint32_t> fds; // the process's fds of the eventfd file
	bool async = false;
	std::optional<FileRef> file; // unknown when no fd anywhere refers to it
};

struct RegisteredFile {
	std::uint32_t index = 0;
	bool empty = true;
	FileRef file = 0; // valid unless empty
	std::vector<std::uint32_t> fds;
	std::uint64_t tag = 0; // IORING_REGISTER_FILES2 tag, 0: none
};

struct RegisteredBuffer {
	std::uint32_t index = 0;
	bool empty = true;
	std::uint64_t addr = 0;
	std::uint64_t len = 0;
	std::uint32_t nr_bvecs = 0;
	std::uint64_t tag = 0; // IORING_REGISTER_BUFFERS2 tag, 0: none
};

// A table of a ring (registered files or buffers).  slots holds every slot
// received, empty ones included, sorted by index.
template <class Slot>
struct Table {
	std::uint32_t nr = 0;   // size of the table in the kernel
	std::uint32_t used = 0; // non-empty slots received
	bool complete = false;  // false when the kernel walk stopped early
	// false when the stream did not cover this table: a native io_uring_file
	// or io_uring_buf stream has one table of the ring (bpftool pins one
	// target); nr is known, slots are not.  complete is then false too.
	bool dumped = true;
	std::vector<Slot> slots;
};

// An fd in a thread's own fd table (not the leader's): Process::fd_tables.
struct TableFd {
	std::uint32_t table = 0; // N of "tN" (FdTable::index)
	std::uint32_t fd = 0;
	bool operator<(const TableFd& o) const
	{
		return table != o.table ? table < o.table : fd < o.fd;
	}
	bool operator==(const TableFd&) const = default;
};

// A slot of a thread's registered ring table (IORING_REGISTER_RING_FDS).
struct RingRef {
	std::uint32_t tid = 0;
	std::uint32_t index = 0;
};

// A mapping of a ring's memory in the process.
struct RingMap {
	std::uint64_t start = 0;
	std::uint64_t end = 0;
	std::uint64_t offset = 0; // mmap offset: which region (region_name())
	std::uint32_t vm_flags = 0;
};

// A ring's progress (record version 2): positions are free-running
// 32-bit counters; pending counts are their differences.
struct RingState {
	bool rings_readable = true; // false: the shared memory could not be read
	std::uint32_t sq_head = 0, sq_tail = 0, cached_sq_head = 0;
	std::uint32_t cq_head = 0, cq_tail = 0, cached_cq_tail = 0;
	std::uint32_t sq_flags = 0, cq_flags = 0;
	std::uint32_t cq_overflow = 0, sq_dropped = 0;
	std::uint32_t overflow_list = 0;
	bool overflow_complete = true;   // false: the list walk stopped at its limit
	std::uint32_t submitter_tid = 0; // SINGLE_ISSUER submitter, 0: none
	std::uint32_t sq_pending() const { return sq_tail - sq_head; }
	std::uint32_t cq_pending() const { return cq_tail - cq_head; }
};

// NAPI busy polling (IORING_REGISTER_NAPI, 6.9+).
struct Napi {
	std::uint32_t busy_poll_us = 0;
	bool prefer_busy_poll = false;
	std::uint32_t tracking = 0; // UD_NAPI_TRACKING_*: 0 dynamic, 1 static
};

// What a ring registered besides files and buffers (record version 2).
struct RingRegs {
	bool sqe_restricted = false;             // IORING_REGISTER_RESTRICTIONS: SQE opcodes
	bool register_restricted = false;        // ... register opcodes
	std::vector<std::uint32_t> register_ops; // allowed IORING_REGISTER_* opcodes
	std::vector<std::uint32_t> sqe_ops;      // allowed IORING_OP_* opcodes
	std::uint32_t sqe_flags_allowed = 0, sqe_flags_required = 0;
	std::uint32_t iowq_bounded = 0, iowq_unbounded = 0; // 0: the default
	std::optional<std::uint64_t> evfd_count;            // the registered eventfd's counter
	std::optional<Napi> napi;                           // IORING_REGISTER_NAPI
};

// A registered personality (IORING_REGISTER_PERSONALITY): credentials
// as the initial user namespace sees them.
struct Personality {
	std::uint32_t id = 0;
	std::uint32_t uid = 0, gid = 0, euid = 0, egid = 0, fsuid = 0, fsgid = 0;
	std::uint32_t ngroups = 0;
	std::uint64_t cap_permitted = 0, cap_effective = 0;
	// The supplementary groups, when the dump listed them (checkpoint):
	// groups_listed and all ngroups of them in groups.
	std::vector<std::uint32_t> groups;
	bool groups_listed = false;
};

// A provided-buffer group: a buffer ring (IORING_REGISTER_PBUF_RING) or
// a legacy group (IORING_OP_PROVIDE_BUFFERS).
struct BufferGroup {
	std::uint32_t bgid = 0;
	bool ring = false;
	// ring: its size, the kernel's head, the application's tail (read from
	// the ring's memory unless tail_known is false), available buffers
	std::uint32_t entries = 0;
	std::uint16_t head = 0, tail = 0;
	bool tail_known = true;
	bool kernel_memory = false; // IOU_PBUF_RING_MMAP: mapped at mmap_offset
	bool incremental = false;   // IOU_PBUF_RING_INC
	std::uint64_t mmap_offset = 0;
	std::vector<std::uint64_t> mapped_at; // kernel memory: where the process maps it
	// ring: tail - head; legacy: buffers in the group
	std::uint32_t count = 0;
	bool count_complete = true; // false: the legacy list walk stopped at its limit
	// Listed only when the dump asked (checkpoint): a ring's first page
	// frame (to find the process's mapping of it; never printed) and a
	// legacy group's buffers in the order the kernel hands them out.
	std::uint64_t ring_pfn = 0;
	struct Provided {
		std::uint64_t addr = 0;
		std::uint32_t len = 0;
		std::uint16_t bid = 0;
	};
	std::vector<Provided> buffers;
	bool buffers_listed = false;   // the dump listed this group's buffers
	bool buffers_complete = false; // ... all of them (count of them, the list's end seen)
};

// What a ring holds (uringdump --requests N): up to N of each kind.
struct Completion {
	std::uint64_t user_data = 0;
	std::int32_t res = 0;
	std::uint32_t flags = 0;
};

enum class RequestKind { Poll, Apoll, Timeout, LinkTimeout, IowqQueued, IowqRunning };

struct InFlight {
	RequestKind kind = RequestKind::Poll;
	std::uint32_t opcode = 0; // IORING_OP_*
	std::uint64_t user_data = 0;
};

struct Requests {
	std::vector<Completion> cqes;     // posted, not reaped, oldest first
	std::vector<Completion> overflow; // on the overflow list, oldest first
	std::vector<InFlight> in_flight;  // polls, timeouts, linked timeouts
	// false: more of the kind exist than were listed (or the walk stopped)
	bool cqes_complete = true, overflow_complete = true;
	bool polls_complete = true, timeouts_complete = true, link_timeouts_complete = true;
	bool iowq_complete = true;
};

struct Ring {
	FileRef file = 0;
	std::vector<std::uint32_t> fds; // the process's fds of the ring, sorted
	// How else the process holds it (version-2 streams): fds of threads'
	// own tables, registered ring slots, mappings.
	std::vector<TableFd> thread_fds;
	// The table its slots' and eventfd's fds are in: 0 the leader's, else
	// N of "tN" (a ring no fd of the leader's table holds).
	std::uint32_t fds_table = 0;
	std::vector<RingRef> registered;
	std::vector<RingMap> mappings;
	std::uint32_t setup_flags = 0;
	std::uint32_t sq_entries = 0;
	std::uint32_t cq_entries = 0;
	std::optional<Sqpoll> sqpoll;           // only with IORING_SETUP_SQPOLL
	std::optional<RingEventfd> eventfd;     // only with a registered eventfd
	std::optional<RingState> state;         // streams of record version 2
	std::optional<RingRegs> regs;           // likewise
	std::vector<Personality> personalities; // by id
	std::vector<BufferGroup> buffer_groups; // by bgid
	std::optional<Requests> requests;       // only when asked (--requests)
	Table<RegisteredFile> files;
	Table<RegisteredBuffer> buffers;
};

enum class TargetKind { Other, IoUring, Epoll };

struct EpollItem {
	std::uint32_t tfd = 0;
	std::uint32_t events = 0;
	std::uint64_t data = 0;
	std::uint32_t index = 0; // position in the kernel walk
	FileRef file = 0;
	std::vector<std::uint32_t> fds; // the process's fds of the target, sorted
	bool tfd_stale = false;         // tfd is not among fds (false when fds are unknown)
	TargetKind target = TargetKind::Other;
};

struct Epoll {
	FileRef file = 0;
	std::vector<std::uint32_t> fds;
	std::vector<TableFd> thread_fds; // fds in threads' own tables
	std::uint32_t fds_table = 0;     // the table its items' fds are in (see Ring)
	bool complete = false;
	std::vector<EpollItem> items; // sorted by tfd, then walk position
};

// A thread of a process (version-2 streams: the task walk).
struct Thread {
	std::uint32_t tid = 0;
	std::string comm;
	std::uint32_t table = 0;            // 0: the leader's fd table, else N of "tN"
	bool io_worker = false;             // an io_uring worker or SQPOLL thread
	bool no_files = false;              // no fd table (exiting)
	std::uint32_t registered_rings = 0; // non-empty registered ring slots
	// its io-wq's CPU affinity (CPUs 0-63), when it has an io-wq
	std::optional<std::uint64_t> iowq_cpus;
};

// An fd table that is not the leader's (threads that unshared CLONE_FILES).
struct FdTable {
	std::uint32_t index = 0;            // N of "tN", from 1
	std::vector<std::uint32_t> threads; // tids that share it, sorted
	std::vector<Fd> fds;                // sorted by fd
};

struct Process {
	std::uint32_t pid = 0; // 0: unknown (a native pin made without uringdump)
	std::uint32_t ppid = 0;
	std::string comm;
	// false for a dump of the native iterators, which see an instance, not
	// a process: every fds list is then empty because nothing is known.
	bool fds_known = true;
	std::vector<Fd> fds;            // sorted by fd (the leader's table)
	std::vector<Thread> threads;    // by tid; empty for version-1 streams
	std::vector<FdTable> fd_tables; // threads' own tables, by index
	std::vector<Ring> rings;        // by lowest fd; rings without fd last
	std::vector<Epoll> epolls;      // likewise

	bool has_instances() const { return !rings.empty() || !epolls.empty(); }
	const Fd* find_fd(std::uint32_t fd) const;
	const Ring* find_ring(FileRef file) const;
	const Epoll* find_epoll(FileRef file) const;
	const Ring* ring_by_fd(std::uint32_t fd) const;
	const Epoll* epoll_by_fd(std::uint32_t fd) const;
};

struct Totals {
	std::size_t processes = 0; // with at least one ring or epoll
	std::size_t rings = 0;
	std::size_t epolls = 0;
	std::size_t registered_files = 0;   // slots, empty included
	std::size_t registered_buffers = 0; // slots, empty included
	std::size_t epoll_items = 0;
};

struct Snapshot {
	int version = 1;
	bool exact = false;
	std::uint32_t hz = 0;     // from STREAM, 0 when unknown
	std::uint32_t layout = 0; // enum ud_layout
	std::uint32_t source = 0; // enum ud_source
	std::uint64_t run_id = 0;
	std::vector<File> files;         // every file; FileRef indexes it
	std::vector<FileRef> by_label;   // by_label[N-1] is "fN"
	std::vector<Process> processes;  // every process seen, sorted by pid
	std::vector<SqpollGroup> groups; // groups[N-1] is "gN"

	const File& file(FileRef ref) const { return files.at(ref); }
	const File* find_file(std::string_view id) const; // "f4"
	const File* find_file_raw(std::uint64_t raw_id) const;
	const Process* find_process(std::uint32_t pid) const;
	bool has_instances() const; // any ring or epoll in any process
	Totals totals() const;
	// The other rings of ring's SQPOLL group, by label (empty without one).
	std::vector<FileRef> shared_with(const Ring& ring) const;
};

// Builds the model (src/model/snapshot.cpp: collect -> resolve -> label ->
// check completeness).  records: the concatenation of every stream's records
// and the spilled ones, in any order, possibly with duplicates.  Errors:
// Exit::Failure "dump incomplete: ..." when a table has fewer distinct
// records than its TABLE_END counts.
Result<Snapshot> build_snapshot(std::span<const RawRecord> records, bool exact);

struct Collected;

// build_snapshot for a live dump, fed as the dump goes (Dumper::dump_into):
// each batch of records is collected as it is decoded and its memory goes
// back, so a dump's records (some 250 bytes per item) are never held all
// at once, and collecting the spilled records overlaps the kernel's walk.
class SnapshotBuilder final : public RecordSink {
public:
	SnapshotBuilder();
	~SnapshotBuilder() override;
	void add(std::span<const RawRecord> records) override;
	void clear() override;
	// The snapshot of everything added (once: the builder is left empty).
	Result<Snapshot> build(bool exact);

private:
	std::unique_ptr<Collected> collected_;
};

} // namespace uringdump
