// `uringdump read PATH`: render a pinned iterator (each read is a fresh dump)
// or a file saved from one (`cat PIN > FILE`), exactly like a live dump.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/errors.hpp"
#include "base/unique_fd.hpp"
#include "cli/cli.hpp"
#include "kernel/pin.hpp"
#include "kernel/pin_read.hpp"
#include "model/model.hpp"
#include "records/records.hpp"
#include "render/json.hpp"
#include "render/text.hpp"

namespace uringdump {
namespace {

// How long a read of a pin retries while a ring's uring_lock is held
// (native io_uring iterators fail read() with EDEADLK) or while other
// readers of the pin overtake it.
constexpr auto kRetryWait = std::chrono::seconds(3);

bool is_dir(const std::string& path)
{
	struct stat st;
	return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// One pass over the file from its start.  errno_out: the read() error.
Result<std::vector<std::uint8_t>> read_once(const std::string& path, int& errno_out)
{
	errno_out = 0;
	UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
	if (!fd) {
		int err = errno;
		Exit code = err == ENOENT                   ? Exit::Usage
			    : err == EACCES || err == EPERM ? Exit::Permission
							    : Exit::Failure;
		return make_error(code, path + ": " + errno_text(err));
	}
	std::vector<std::uint8_t> out;
	std::vector<std::uint8_t> buf(1 << 16);
	for (;;) {
		ssize_t n = ::read(fd.get(), buf.data(), buf.size());
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			errno_out = errno;
			return make_error(Exit::Failure,
					  "reading " + path + ": " + errno_text(errno));
		}
		if (n == 0)
			return out;
		out.insert(out.end(), buf.begin(), buf.begin() + n);
	}
}

// Did another reader of the same pin overtake this one?  Its stream then
// ends in a lone END that says so (bpf/pin_readers.bpf.h).
bool overtaken(const std::vector<std::uint8_t>& bytes)
{
	auto end = peek_end(bytes);
	return end && (end->h.flags & UD_END_CONCURRENT);
}

// The whole file, read again from the beginning, after a pause with backoff
// and jitter, until kRetryWait has passed, while something is in the way:
// EDEADLK (a native ring iterator while the ring's uring_lock is held: a
// registration in progress, or the ring reading this iterator itself), or,
// for a pin, another reader that overtook this one (the newest reader of a
// pin wins).  A saved file is read once.  pin: is_bpffs_path(path).
Result<std::vector<std::uint8_t>> read_all(const std::string& path, bool pin)
{
	using clock = std::chrono::steady_clock;
	const auto deadline = clock::now() + kRetryWait;
	std::minstd_rand jitter(static_cast<unsigned>(::getpid()));
	auto pause = std::chrono::milliseconds(1);
	unsigned attempts = 0;
	for (;;) {
		int err = 0;
		auto bytes = read_once(path, err);
		++attempts;
		const bool locked = !bytes && err == EDEADLK;
		if (!locked && !(bytes && pin && overtaken(*bytes)))
			return bytes;
		if (clock::now() >= deadline) {
			std::string msg = path;
			msg += locked ? ": the ring's uring_lock stayed held for "
				      : ": other readers of the pin kept overtaking this one for ";
			msg += std::to_string(kRetryWait.count());
			msg += " s (";
			msg += std::to_string(attempts);
			if (locked)
				msg += " attempts), EDEADLK: the ring is inside a registration "
				       "or is reading this iterator itself; read it again later";
			else
				msg += " attempts): read it again later";
			return make_error(Exit::Failure, std::move(msg));
		}
		std::this_thread::sleep_for(pause + std::chrono::microseconds(jitter() % 1000));
		pause = std::min(pause * 2, std::chrono::milliseconds(100));
	}
}

// What a pinned stream says about itself in its END record.
Status check_end(const std::vector<RawRecord>& recs, const std::string& path)
{
	for (const auto& r : recs) {
		if (r.type() != UD_REC_END)
			continue;
		if (r.flags() & UD_END_TARGET_GONE)
			return make_error(Exit::Target,
					  "the process dumped by " + path + " no longer exists");
		if (r.flags() & UD_END_OUT_OF_STEPS)
			return make_error(Exit::Failure, "dump incomplete: the iterator behind " +
								 path + " ran out of steps");
	}
	return {};
}

// A native ring stream names its ring by the io_ring_ctx: the io_uring_file
// and io_uring_buf targets hand the program the ring, not the ring's file,
// so the stream has no FILE record of it.  The link behind a pin knows the
// ring's inode (bpf_link_info io_uring_inode): the ring's FILE record is
// made from it, so that the ring's inode can be matched with fstat() of the
// process's fds.  Best effort: without the link info (a saved file, an
// unreadable link) the ring's inode stays unknown.
void add_native_ring_file(const std::string& pin, std::vector<RawRecord>& recs)
{
	if (recs.empty() || recs.front().as<ud_rec_stream>().source != UD_SOURCE_NATIVE)
		return;
	const auto ring_inode = pinned_ring_inode(pin);
	if (!ring_inode)
		return;
	std::vector<RawRecord> files;
	for (const RawRecord& r : recs) {
		if (r.type() != UD_REC_RING)
			continue;
		const auto ring = r.as<ud_rec_ring>();
		ud_rec_file f{};
		f.h.type = UD_REC_FILE;
		f.h.pid = ring.h.pid;
		f.kind = UD_FK_IO_URING;
		f.file_id = ring.file_id;
		f.ino = *ring_inode;
		std::memcpy(f.anon_name, "[io_uring]", sizeof("[io_uring]"));
		files.push_back(RawRecord::of(f));
	}
	recs.insert(recs.end(), files.begin(), files.end());
}

// The records of one stream, as read once, checked.
Result<std::vector<RawRecord>> read_stream_once(const std::string& path, bool pin)
{
	auto bytes = read_all(path, pin);
	if (!bytes)
		return bytes.error();
	// A saved stream of an overtaken reader: tell that before the decoder
	// calls the stream inconsistent.
	if (overtaken(*bytes))
		return make_error(Exit::Failure,
				  path + " was read by another reader at the same time: "
					 "read the pin again");
	auto recs = decode_stream(*bytes);
	if (!recs) {
		// Readers of one pin share its walk state: one that raced with
		// another can get an inconsistent stream.  Say so for pins.
		std::string hint =
			pin && bytes->size() >= kRecordSize
				? " (the pin may have been read by another reader at the same "
				  "time: read it again)"
				: "";
		return make_error(recs.error().code, path + ": " + recs.error().message + hint);
	}
	if (auto st = check_end(*recs, path); !st)
		return st.error();
	return recs;
}

// The records of one pin or saved stream, checked.  A pin whose lockless
// walk met a table changing under it is read again, up to kRaceRetries
// times, as a live dump is; then the table says "complete": false.
Result<std::vector<RawRecord>> read_stream(const std::string& path)
{
	const bool pin = is_bpffs_path(path);
	auto recs = read_stream_once(path, pin);
	for (int races = 0; pin && recs && has_incomplete_table(*recs) && races < kRaceRetries;
	     races++)
		recs = read_stream_once(path, pin);
	if (recs && pin)
		add_native_ring_file(path, *recs);
	return recs;
}

// A native ring pin: the directory's files and buffers pins, one stream
// each (both tables of the same ring, read one after the other).
Result<std::vector<RawRecord>> read_ring_dir(const std::string& dir)
{
	std::vector<RawRecord> all;
	for (const char* name : {kNativeFilesPin, kNativeBuffersPin}) {
		std::string path = dir + "/" + name;
		struct stat st;
		if (::stat(path.c_str(), &st) != 0) {
			std::string msg = dir;
			msg += " is a directory but not a native ring pin (no ";
			msg += path;
			msg += "): give the path of a pin or of a saved dump";
			return make_error(Exit::Failure, std::move(msg));
		}
		auto recs = read_stream(path);
		if (!recs)
			return recs.error();
		all.insert(all.end(), recs->begin(), recs->end());
	}
	return all;
}

} // namespace

int cmd_read(int argc, char** argv)
{
	auto args = parse_options(command_options(Command::Read), argc, argv, 1,
				  command_rules(Command::Read));
	if (!args)
		return fail(make_error(Exit::Usage, "read: " + args.error().message));
	if (args->has(Opt::Help))
		return print_help(Command::Read);
	if (args->operands.size() != 1)
		return fail(make_error(Exit::Usage, "read: expected one PATH"));
	const OutputFormat format = output_format(*args);
	const std::string& path = args->operands[0];

	auto recs = is_dir(path) ? read_ring_dir(path) : read_stream(path);
	if (!recs)
		return fail(recs.error());
	auto snap = build_snapshot(*recs, false);
	if (!snap)
		return fail(make_error(snap.error().code, path + ": " + snap.error().message));
	if (format.json)
		render_json(*snap, std::cout, format.pretty);
	else
		render_text(*snap, std::cout);
	std::cout.flush();
	return std::cout ? 0 : fail(make_error(Exit::Failure, "writing the output failed"));
}

} // namespace uringdump
