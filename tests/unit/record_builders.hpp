// Test-only helpers that build synthetic uringdump records and streams.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "model/flags.hpp"
#include "records/records.hpp"

namespace udtest {

using uringdump::RawRecord;

template <class T>
T blank(std::uint16_t type, std::uint32_t pid = 0, std::uint16_t flags = 0)
{
	T r;
	std::memset(&r, 0, sizeof(r));
	r.h.type = type;
	r.h.pid = pid;
	r.h.flags = flags;
	return r;
}

inline void copy_name(char* dst, std::size_t cap, std::string_view s)
{
	std::memcpy(dst, s.data(), std::min(cap, s.size()));
}

inline RawRecord stream_rec(std::uint32_t hz = 250, std::uint16_t version = UD_VERSION)
{
	auto r = blank<ud_rec_stream>(UD_REC_STREAM);
	r.magic = UD_MAGIC;
	r.version = version;
	r.rec_size = UD_REC_SIZE;
	r.layout = UD_LAYOUT_RSRC_NODE;
	r.source = UD_SOURCE_TASK_FILE;
	r.run_id = 0x1234;
	r.hz = hz;
	return RawRecord::of(r);
}

inline RawRecord end_rec(std::uint64_t records, std::uint64_t spilled = 0, std::uint64_t dropped = 0)
{
	auto r = blank<ud_rec_end>(UD_REC_END);
	r.records = records;
	r.spilled = spilled;
	r.dropped = dropped;
	return RawRecord::of(r);
}

inline RawRecord task(std::uint32_t pid, std::string_view comm, std::uint32_t tid = 0)
{
	auto r = blank<ud_rec_task>(UD_REC_TASK, pid);
	r.tid = tid ? tid : pid;
	r.ppid = 1;
	copy_name(r.comm, sizeof(r.comm), comm);
	return RawRecord::of(r);
}

inline RawRecord fd(std::uint32_t pid, std::uint32_t fdnum, std::uint32_t kind, std::uint64_t file_id,
		    std::uint64_t aux_id = 0)
{
	auto r = blank<ud_rec_fd>(UD_REC_FD, pid);
	r.fd = fdnum;
	r.kind = kind;
	r.file_id = file_id;
	r.aux_id = aux_id;
	return RawRecord::of(r);
}

// An fd of a thread's own table (version 2).
inline RawRecord thread_fd(std::uint32_t pid, std::uint32_t tid, std::uint64_t table_id, std::uint32_t fdnum,
			   std::uint32_t kind, std::uint64_t file_id)
{
	auto r = blank<ud_rec_fd>(UD_REC_FD, pid, UD_FD_THREAD_TABLE);
	r.fd = fdnum;
	r.kind = kind;
	r.file_id = file_id;
	r.table_id = table_id;
	r.table_tid = tid;
	return RawRecord::of(r);
}

inline RawRecord thread(std::uint32_t pid, std::uint32_t tid, std::uint64_t files_id, std::uint16_t flags,
			std::string_view comm = "t")
{
	auto r = blank<ud_rec_thread>(UD_REC_THREAD, pid, flags | (tid == pid ? UD_THREAD_LEADER : 0));
	r.tid = tid;
	r.files_id = files_id;
	copy_name(r.comm, sizeof(r.comm), comm);
	return RawRecord::of(r);
}

inline RawRecord ringref(std::uint32_t pid, std::uint32_t tid, std::uint32_t index, std::uint64_t ring_id)
{
	auto r = blank<ud_rec_ringref>(UD_REC_RINGREF, pid);
	r.tid = tid;
	r.index = index;
	r.ring_id = ring_id;
	return RawRecord::of(r);
}

inline RawRecord map(std::uint32_t pid, std::uint64_t ring_id, std::uint64_t start, std::uint64_t end,
		     std::uint64_t offset)
{
	auto r = blank<ud_rec_map>(UD_REC_MAP, pid);
	r.ring_id = ring_id;
	r.start = start;
	r.end = end;
	r.offset = offset;
	return RawRecord::of(r);
}

inline RawRecord ring_state(std::uint32_t pid, std::uint64_t ring_id, std::uint32_t sq_head, std::uint32_t sq_tail,
			    std::uint32_t cq_head, std::uint32_t cq_tail, std::uint32_t overflow = 0,
			    std::uint16_t flags = 0)
{
	auto r = blank<ud_rec_ring_state>(UD_REC_RING_STATE, pid, flags);
	r.ring_id = ring_id;
	r.sq_head = r.cached_sq_head = sq_head;
	r.sq_tail = sq_tail;
	r.cq_head = cq_head;
	r.cq_tail = r.cached_cq_tail = cq_tail;
	r.overflow_list = overflow;
	return RawRecord::of(r);
}

inline RawRecord file(std::uint64_t id, std::uint32_t kind, std::uint64_t ino, std::uint32_t dev = 15,
		      std::string_view anon = "", std::uint32_t pid = 0)
{
	auto r = blank<ud_rec_file>(UD_REC_FILE, pid);
	r.kind = kind;
	r.file_id = id;
	r.ino = ino;
	r.dev = dev;
	copy_name(r.anon_name, sizeof(r.anon_name), anon);
	return RawRecord::of(r);
}

// A FILE record with the inode's i_mode and the open flags set.
inline RawRecord opened(RawRecord file_rec, std::uint32_t mode, std::uint32_t f_flags)
{
	auto r = file_rec.as<ud_rec_file>();
	r.mode = mode;
	r.f_flags = f_flags;
	return RawRecord::of(r);
}

// PATH records of an absolute path, basename first, chunked by UD_NAME_CHUNK.
inline std::vector<RawRecord> path(std::uint64_t file_id, std::string_view p, std::uint32_t pid = 0)
{
	std::vector<std::string_view> comps;
	while (!p.empty()) {
		const auto slash = p.rfind('/');
		const auto name = p.substr(slash + 1);
		if (!name.empty())
			comps.push_back(name);
		p = p.substr(0, slash == std::string_view::npos ? 0 : slash);
	}
	std::vector<RawRecord> out;
	for (std::size_t c = 0; c < comps.size(); c++) {
		const std::string_view name = comps[c];
		const std::size_t chunks = std::max<std::size_t>(1, (name.size() + UD_NAME_CHUNK - 1) / UD_NAME_CHUNK);
		for (std::size_t k = 0; k < chunks; k++) {
			std::uint16_t flags = 0;
			if (k + 1 == chunks)
				flags |= UD_PATH_LAST_CHUNK;
			if (c + 1 == comps.size())
				flags |= UD_PATH_ROOT;
			auto r = blank<ud_rec_path>(UD_REC_PATH, pid, flags);
			r.file_id = file_id;
			r.comp = static_cast<std::uint16_t>(c);
			r.off = static_cast<std::uint8_t>(k);
			const auto part = name.substr(k * UD_NAME_CHUNK, UD_NAME_CHUNK);
			r.len = static_cast<std::uint8_t>(part.size());
			copy_name(r.name, sizeof(r.name), part);
			out.push_back(RawRecord::of(r));
		}
	}
	return out;
}

struct RingSpec {
	std::uint32_t pid = 0;
	std::uint64_t id = 0;
	std::uint32_t setup_flags = 0;
	std::uint32_t sq_entries = 8;
	std::uint32_t cq_entries = 16;
	std::uint32_t nr_files = 0;
	std::uint32_t nr_bufs = 0;
	std::int32_t sq_cpu = -1;
	std::uint32_t sq_thread_idle = 0;
	std::uint32_t sq_thread_pid = 0;
	std::uint64_t sq_group_id = 0;
	std::uint64_t evfd_id = 0;
	std::uint16_t flags = 0;
};

inline RawRecord ring(const RingSpec& s)
{
	auto r = blank<ud_rec_ring>(UD_REC_RING, s.pid, s.flags);
	r.file_id = s.id;
	r.setup_flags = s.setup_flags;
	r.sq_entries = s.sq_entries;
	r.cq_entries = s.cq_entries;
	r.nr_files = s.nr_files;
	r.nr_bufs = s.nr_bufs;
	r.sq_cpu = s.sq_cpu;
	r.sq_thread_idle = s.sq_thread_idle;
	r.sq_thread_pid = s.sq_thread_pid;
	r.sq_group_id = s.sq_group_id;
	r.evfd_id = s.evfd_id;
	return RawRecord::of(r);
}

inline RawRecord rfile(std::uint32_t pid, std::uint64_t ring_id, std::uint32_t index, std::uint64_t file_id)
{
	auto r = blank<ud_rec_rfile>(UD_REC_RFILE, pid, file_id ? 0 : UD_SLOT_EMPTY);
	r.ring_id = ring_id;
	r.file_id = file_id;
	r.index = index;
	return RawRecord::of(r);
}

inline RawRecord rbuf(std::uint32_t pid, std::uint64_t ring_id, std::uint32_t index, std::uint64_t addr,
		      std::uint64_t len, std::uint32_t nr_bvecs = 1)
{
	auto r = blank<ud_rec_rbuf>(UD_REC_RBUF, pid, addr ? 0 : UD_SLOT_EMPTY);
	r.ring_id = ring_id;
	r.addr = addr;
	r.len = len;
	r.index = index;
	r.nr_bvecs = addr ? nr_bvecs : 0;
	return RawRecord::of(r);
}

inline RawRecord epoll(std::uint32_t pid, std::uint64_t id)
{
	auto r = blank<ud_rec_epoll>(UD_REC_EPOLL, pid);
	r.file_id = id;
	return RawRecord::of(r);
}

inline RawRecord epitem(std::uint32_t pid, std::uint64_t ep_id, std::uint64_t file_id, std::uint32_t tfd,
			std::uint32_t events, std::uint64_t data, std::uint32_t index)
{
	auto r = blank<ud_rec_epitem>(UD_REC_EPITEM, pid);
	r.ep_id = ep_id;
	r.file_id = file_id;
	r.tfd = tfd;
	r.events = events;
	r.data = data;
	r.index = index;
	return RawRecord::of(r);
}

inline RawRecord table_end(std::uint32_t pid, std::uint64_t owner, std::uint32_t table, std::uint32_t count,
			   std::uint16_t flags = 0, std::uint32_t spilled = 0)
{
	auto r = blank<ud_rec_table_end>(UD_REC_TABLE_END, pid, flags);
	r.owner_id = owner;
	r.table = table;
	r.count = count;
	r.spilled = spilled;
	return RawRecord::of(r);
}

inline void append(std::vector<RawRecord>& to, const std::vector<RawRecord>& from)
{
	to.insert(to.end(), from.begin(), from.end());
}

// STREAM + body + END (END counts body + 2 + spilled).
inline std::vector<RawRecord> wrap_stream(const std::vector<RawRecord>& body, std::uint64_t spilled = 0,
					  std::uint32_t hz = 250)
{
	std::vector<RawRecord> out;
	out.reserve(body.size() + 2);
	out.push_back(stream_rec(hz));
	append(out, body);
	out.push_back(end_rec(out.size() + 1 + spilled, spilled));
	return out;
}

inline std::vector<std::uint8_t> stream_bytes(const std::vector<RawRecord>& body, std::uint64_t spilled = 0)
{
	return uringdump::encode_records(wrap_stream(body, spilled));
}

// Ids used by the demo scenario (opaque: any distinct non-zero values).
namespace demo {
constexpr std::uint64_t RING_A = 0xa001, RING_B = 0xa002, RING_C = 0xa003;
constexpr std::uint64_t EPOLL_E = 0xe001, EPOLL_N = 0xe002;
constexpr std::uint64_t DATA = 0xd001, EVFD = 0xd002, PIPE = 0xd003, MOVED = 0xd004, SOCK = 0xd005;
constexpr std::uint64_t EVFD_CTX = 0xc001, GROUP = 0x9001;
} // namespace demo

// A representative dump: two processes with SQPOLL rings sharing one
// thread, a registered eventfd, registered files (dup'ed, closed, empty),
// buffers, an epoll with stale tfds, a watched ring and a nested epoll, a
// ring without fd, and a third process without instances.
inline std::vector<RawRecord> demo_records()
{
	using namespace demo;
	namespace st = uringdump::setup;
	std::vector<RawRecord> r;
	const std::uint32_t P = 1234, W = 1300, Q = 1500;
	r.push_back(task(P, "demo"));
	r.push_back(task(W, "worker"));
	r.push_back(task(Q, "bystander"));
	r.push_back(fd(P, 3, UD_FK_IO_URING, RING_A));
	r.push_back(fd(P, 4, UD_FK_EPOLL, EPOLL_E));
	r.push_back(fd(P, 5, UD_FK_EVENTFD, EVFD, EVFD_CTX));
	r.push_back(fd(P, 7, UD_FK_REG, DATA));
	r.push_back(fd(P, 9, UD_FK_REG, DATA));
	r.push_back(fd(P, 11, UD_FK_REG, MOVED));
	r.push_back(fd(P, 12, UD_FK_EPOLL, EPOLL_N));
	r.push_back(fd(P, 13, UD_FK_SOCK, SOCK));
	r.push_back(fd(W, 3, UD_FK_IO_URING, RING_B));
	r.push_back(fd(Q, 0, UD_FK_CHR, 0xd100));
	// i_mode and f_flags as a 64-bit kernel has them (O_LARGEFILE on open(2)).
	r.push_back(opened(file(RING_A, UD_FK_IO_URING, 12345, 15, "[io_uring]"), 0600, 02));
	r.push_back(opened(file(RING_B, UD_FK_IO_URING, 12346, 15, "[io_uring]"), 0600, 02));
	r.push_back(opened(file(RING_C, UD_FK_IO_URING, 12347, 15, "[io_uring]"), 0600, 02));
	r.push_back(opened(file(EPOLL_E, UD_FK_EPOLL, 10, 15, "[eventpoll]"), 0600, 02));
	r.push_back(opened(file(EPOLL_N, UD_FK_EPOLL, 10, 15, "[eventpoll]"), 0600, 02));
	r.push_back(opened(file(EVFD, UD_FK_EVENTFD, 37, 15, "[eventfd]"), 0600, 02 | 04000 | 02000000));
	r.push_back(opened(file(DATA, UD_FK_REG, 4242, (8u << 20) | 1), 0100644, 02 | 0100000));
	append(r, path(DATA, "/tmp/uringdump demo/data.bin"));
	r.push_back(opened(file(PIPE, UD_FK_FIFO, 555, 14), 010600, 0));
	r.push_back(opened(file(MOVED, UD_FK_REG, 777, (8u << 20) | 1), 0100640, 01 | 02000 | 0100000));
	append(r, path(MOVED, "/var/log/a-rather-long-directory-name-that-needs-two-chunks/moved.log"));
	r.push_back(opened(file(SOCK, UD_FK_SOCK, 888, 8), 0140777, 02 | 04000));
	r.push_back(opened(file(0xd100, UD_FK_CHR, 5, 6), 020666, 02 | 0100000));
	append(r, path(0xd100, "/dev/null"));
	r.push_back(ring({.pid = P, .id = RING_A, .setup_flags = st::SQPOLL | st::ATTACH_WQ, .nr_files = 4,
			  .nr_bufs = 2, .sq_thread_idle = 250, .sq_thread_pid = 1240, .sq_group_id = GROUP,
			  .evfd_id = EVFD_CTX, .flags = UD_RING_HAS_EVFD | UD_RING_HAS_SQ_DATA}));
	r.push_back(ring({.pid = W, .id = RING_B, .setup_flags = st::SQPOLL, .sq_entries = 64, .cq_entries = 128,
			  .sq_cpu = 1, .sq_thread_idle = 500, .sq_thread_pid = 1240, .sq_group_id = GROUP,
			  .flags = UD_RING_HAS_SQ_DATA}));
	r.push_back(ring({.pid = P, .id = RING_C,
			  .setup_flags = st::SINGLE_ISSUER | st::DEFER_TASKRUN | st::REGISTERED_FD_ONLY | (1u << 30)}));
	r.push_back(rfile(P, RING_A, 0, DATA));
	r.push_back(rfile(P, RING_A, 1, 0));
	r.push_back(rfile(P, RING_A, 2, EVFD));
	r.push_back(rfile(P, RING_A, 3, PIPE));
	r.push_back(table_end(P, RING_A, UD_TABLE_RFILE, 4));
	r.push_back(rbuf(P, RING_A, 0, 0x7f0000001000, 4096));
	r.push_back(rbuf(P, RING_A, 1, 0, 0));
	r.push_back(table_end(P, RING_A, UD_TABLE_RBUF, 2));
	r.push_back(table_end(W, RING_B, UD_TABLE_RFILE, 0));
	r.push_back(table_end(W, RING_B, UD_TABLE_RBUF, 0));
	r.push_back(epoll(P, EPOLL_E));
	r.push_back(epitem(P, EPOLL_E, DATA, 7, 0x1 | 0x80000000u, 42, 0));
	r.push_back(epitem(P, EPOLL_E, PIPE, 8, 0x4, 0xffffffffffffffffull, 1));
	r.push_back(epitem(P, EPOLL_E, MOVED, 10, 0x1 | 0x2000, 10, 2));
	r.push_back(epitem(P, EPOLL_E, RING_A, 3, 0x1, 3, 3));
	r.push_back(epitem(P, EPOLL_E, EPOLL_N, 12, 0x1 | (1u << 22), 12, 4));
	r.push_back(table_end(P, EPOLL_E, UD_TABLE_EPITEM, 5));
	r.push_back(epoll(P, EPOLL_N));
	r.push_back(epitem(P, EPOLL_N, SOCK, 13, 0x1 | 0x40000000u, 0, 0));
	r.push_back(table_end(P, EPOLL_N, UD_TABLE_EPITEM, 1, UD_TABLE_INCOMPLETE));
	return r;
}

// demo_records() as one whole stream (STREAM with HZ 250 ... END).
inline std::vector<RawRecord> demo_stream()
{
	return wrap_stream(demo_records());
}

} // namespace udtest
