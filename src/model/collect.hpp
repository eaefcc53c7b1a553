// Step 1 of build_snapshot: every record keyed by the kernel object it
// describes, duplicates collapsed (a stream may repeat records: re-run
// walk steps, a ring seen from two processes, spilled copies).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/id_map.hpp"
#include "bpf/uringdump.h"
#include "records/records.hpp"

namespace uringdump {

// An instance record and every pid whose stream carried it.
template <class Rec>
struct Owned {
	Rec rec;
	std::vector<std::uint32_t> pids;
};

// A table of an instance: (ring or epoll file id, enum ud_table).
struct TableKey {
	std::uint64_t owner;
	std::uint32_t table;
	bool operator==(const TableKey&) const = default;
};

struct TableKeyHash {
	std::size_t operator()(const TableKey& k) const noexcept
	{
		return std::hash<std::uint64_t>{}(k.owner * 31u + k.table);
	}
};

template <class T>
void sort_unique(std::vector<T>& v)
{
	std::sort(v.begin(), v.end());
	v.erase(std::unique(v.begin(), v.end()), v.end());
}

// A NUL-padded char array as a string (at most max bytes).
std::string_view bounded_view(const char* s, std::size_t max);
std::string bounded_string(const char* s, std::size_t max);

// What the model uses of the records there is one of per file, slot and
// item: a dump keeps these while the model is built, and a record is 64
// bytes.  Named as the records' members.

// A FILE record's facts, keyed by file_id (40 bytes)
struct FileFacts {
	std::uint64_t ino = 0;
	std::uint32_t kind = 0;
	std::uint32_t mode = 0;
	std::uint32_t dev = 0;
	std::uint32_t f_flags = 0;
	char anon_name[sizeof(ud_rec_file::anon_name)] = {};

	explicit FileFacts(const ud_rec_file& r);
};

// An RFILE record's, in its ring's table (24 bytes)
struct SlotFacts {
	std::uint64_t file_id = 0; // 0: empty
	std::uint64_t tag = 0;
	std::uint32_t index = 0;

	explicit SlotFacts(const ud_rec_rfile& r);
};

// An EPITEM record's, in its epoll's table (32 bytes)
struct ItemFacts {
	std::uint64_t file_id = 0;
	std::uint64_t data = 0;
	std::uint32_t tfd = 0;
	std::uint32_t events = 0;
	std::uint32_t index = 0;

	explicit ItemFacts(const ud_rec_epitem& r);
};

struct Collected {
	bool have_stream = false;
	std::uint32_t hz = 0;
	std::uint32_t layout = 0;
	std::uint32_t source = 0;
	std::uint64_t run_id = 0;
	std::unordered_map<std::uint32_t, ud_rec_task> tasks;
	IdMap<ud_rec_fd> fds; // pid << 32 | fd
	IdMap<FileFacts> files;
	IdMap<std::vector<ud_rec_path>> paths;
	std::unordered_map<std::uint64_t, Owned<ud_rec_ring>> rings;
	std::unordered_map<std::uint64_t, Owned<ud_rec_epoll>> epolls;
	IdMap<std::vector<SlotFacts>> rfiles;
	IdMap<std::vector<ud_rec_rbuf>> rbufs;
	IdMap<std::vector<ItemFacts>> epitems;
	std::unordered_map<TableKey, ud_rec_table_end, TableKeyHash> table_ends;
	// version 2: reach
	std::unordered_map<std::uint64_t, std::vector<ud_rec_fd>> thread_fds; // table_id -> fds
	std::unordered_map<std::uint32_t, ud_rec_thread> threads;             // tid -> thread
	std::vector<ud_rec_ringref> ringrefs;                             // deduped by (tid, index)
	std::vector<ud_rec_map> maps;                                     // deduped by (pid, start)
	std::unordered_map<std::uint64_t, ud_rec_ring_state> ring_states; // ring id -> first
	std::unordered_map<std::uint64_t, ud_rec_ring_regs> ring_regs;    // ring id -> first
	std::unordered_map<std::uint64_t, std::vector<ud_rec_personality>>
		personalities;                                             // ring id ->, by id
	std::unordered_map<std::uint64_t, std::vector<ud_rec_pbuf>> pbufs; // ring id ->, by bgid
	std::unordered_map<std::uint64_t, std::vector<ud_rec_pbuf_buf>>
		pbuf_bufs; // ring id ->, by (bgid, pos)
	std::unordered_map<std::uint64_t, std::vector<ud_rec_pers_groups>>
		pers_groups; // ring id ->, by (id, first)
	std::unordered_map<std::uint64_t, std::vector<ud_rec_req>> reqs; // ring id ->, by kind

	// Collects records (in any order) and finishes: tables deduped and in
	// output order.
	static Collected from(std::span<const RawRecord> records);

	// The same in steps: records as they come, then finish() once.
	void add(std::span<const RawRecord> records);
	void finish();

	// Distinct records received of a table.
	std::size_t received(const TableKey& key) const;

private:
	void reserve(std::span<const RawRecord> records);
	void add(const RawRecord& r);
	void add_stream(const ud_rec_stream& s);
	void add_task(const ud_rec_task& t);
	void add_table_end(const ud_rec_table_end& t);
	template <class Rec>
	static void add_owned(std::unordered_map<std::uint64_t, Owned<Rec>>& map, const Rec& rec)
	{
		if (rec.file_id == 0)
			return;
		auto [it, inserted] = map.try_emplace(rec.file_id, Owned<Rec>{rec, {}});
		it->second.pids.push_back(rec.h.pid);
	}
};

} // namespace uringdump
