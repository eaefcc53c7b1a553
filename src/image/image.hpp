// A checkpoint image: what restore needs to recreate one process's io_uring
// and epoll instances, taken from a snapshot and the process's procfs and
// memory.  An image directory holds manifest.json (this structure,
// versioned), dump.json (the snapshot as `uringdump --json` prints it) and
// buffers/ (the bytes of every registered buffer and buffer ring that could
// be read).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "model/model.hpp"

namespace uringdump {

inline constexpr const char* kImageFormat = "uringdump-image";
inline constexpr int kImageVersion = 2; // 2: provided-buffer groups saved

// A struct file the image refers to, by its dump id ("f3").
struct ImageFile {
	std::string id;
	std::string type; // file_kind_name(): "regular", "eventfd", "socket", ...
	std::optional<std::string> path;
	std::uint64_t inode = 0;
	std::uint32_t dev = 0;
	std::uint32_t mode = 0;
	std::uint32_t open_flags = 0;
	std::vector<std::uint32_t> fds;   // the process's fds of it (leader's table)
	std::optional<std::uint64_t> pos; // file offset (fdinfo), files with an fd
	std::optional<std::uint64_t> eventfd_count;
	bool eventfd_semaphore = false;
};

struct ImageFileSlot {
	std::uint32_t index = 0;
	std::string file; // ImageFile::id
	std::uint64_t tag = 0;
};

struct ImageBuffer {
	std::uint32_t index = 0;
	std::uint64_t addr = 0;
	std::uint64_t len = 0;
	std::uint64_t tag = 0;
	// Name of the file under buffers/ with the contents; empty when they
	// could not be read (unreadable then says why).
	std::string contents;
	std::string unreadable;
};

// A provided-buffer group (IORING_REGISTER_PBUF_RING or IORING_OP_PROVIDE_BUFFERS).
struct ImageBufferGroup {
	std::uint32_t bgid = 0;
	bool ring = false;
	// ring: its size, the kernel's head, the tail in its memory; where the
	// process maps its memory (0: not found) and that memory's bytes
	// (memory.len = entries * 16; memory.contents empty: not saved, why in
	// memory.unreadable)
	std::uint32_t entries = 0;
	std::uint16_t head = 0, tail = 0;
	bool kernel_memory = false; // IOU_PBUF_RING_MMAP
	bool incremental = false;   // IOU_PBUF_RING_INC
	ImageBuffer memory;         // index: the bgid
	// legacy: the buffers in the order the kernel hands them out
	struct Provided {
		std::uint64_t addr = 0;
		std::uint32_t len = 0;
		std::uint16_t bid = 0;
	};
	std::vector<Provided> buffers;
};

struct ImagePersonality {
	std::uint32_t id = 0;
	std::uint32_t uid = 0, gid = 0, euid = 0, egid = 0, fsuid = 0, fsgid = 0;
	std::uint32_t ngroups = 0;
	std::uint64_t cap_permitted = 0, cap_effective = 0;
	// the ngroups supplementary groups (nullopt: not in the image, version 1)
	std::optional<std::vector<std::uint32_t>> groups;
};

struct ImageRing {
	std::string file; // ImageFile::id of the ring
	std::uint32_t setup_flags = 0;
	std::uint32_t sq_entries = 0, cq_entries = 0;
	std::int32_t sq_thread_cpu = -1;                // SQPOLL|SQ_AFF
	std::optional<std::uint32_t> sq_thread_idle_ms; // SQPOLL, when known
	std::string attach_to; // ring (ImageFile::id) whose SQPOLL thread it shares, "" none
	bool disabled = false; // still IORING_SETUP_R_DISABLED in the source
	std::optional<std::string> eventfd; // ImageFile::id of the registered eventfd
	bool eventfd_async = false;
	std::uint32_t files_nr = 0;
	std::vector<ImageFileSlot> files; // non-empty slots
	std::uint32_t buffers_nr = 0;
	std::vector<ImageBuffer> buffers; // non-empty slots
	bool sqe_restricted = false, register_restricted = false;
	std::vector<std::uint32_t> register_ops, sqe_ops;
	std::uint32_t sqe_flags_allowed = 0, sqe_flags_required = 0;
	std::uint32_t iowq_bounded = 0, iowq_unbounded = 0;
	std::optional<Napi> napi;
	std::vector<ImagePersonality> personalities;
	// State restore cannot put back (reported, not restored).
	std::uint32_t sq_pending = 0, cq_pending = 0, overflow = 0;
	std::vector<ImageBufferGroup> buffer_groups; // by bgid
	// version 1 images: groups counted, not saved (reported, not restored)
	std::uint32_t unsaved_groups = 0;
};

struct ImageEpollItem {
	std::uint32_t tfd = 0;
	std::uint32_t events = 0;
	std::uint64_t data = 0;
	std::string file; // ImageFile::id of the target
	bool tfd_stale = false;
};

struct ImageEpoll {
	std::string file; // ImageFile::id of the epoll
	std::vector<ImageEpollItem> items;
};

struct Image {
	int version = kImageVersion;
	std::uint32_t pid = 0;
	std::string comm;
	std::string kernel; // uname -r of the checkpoint
	bool exact = false; // taken with the process frozen
	std::vector<ImageFile> files;
	std::vector<ImageRing> rings;   // in an order that restores ATTACH_WQ parents first
	std::vector<ImageEpoll> epolls; // nested epolls after the ones they watch
	// Instances the image leaves out, with why (only in threads' own fd tables, ...).
	std::vector<std::string> skipped;

	const ImageFile* find_file(const std::string& id) const;
};

// The image of process `pid` of snap (without buffer contents: see
// save_buffers()).  Reads /proc/PID/fdinfo for file offsets and eventfd
// counters.  Errors: Exit::Target when pid is not in the snapshot or has
// no io_uring or epoll.
Result<Image> image_from_snapshot(const Snapshot& snap, std::uint32_t pid);

} // namespace uringdump
