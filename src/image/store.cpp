// save_image() / load_image(): the image directory, written with the
// project's JSON writer and read back with jsoncpp.
#include "image/store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>

#include <json/json.h>

#include "base/errors.hpp"
#include "base/unique_fd.hpp"
#include "render/json_writer.hpp"

namespace uringdump {
namespace {

namespace fs = std::filesystem;

Error io_error(const std::string& what, int err)
{
	return make_error(exit_of_errno(err), what + ": " + errno_text(err));
}

// Reads [addr, addr+len) of pid's memory into path.  "" on success, else
// why the bytes could not be read (the slot is then saved without them).
std::string copy_memory(int mem, std::uint64_t addr, std::uint64_t len, const std::string& path,
			Status& write_status)
{
	// In chunks: a registered buffer may be up to 1 GiB.
	constexpr std::uint64_t kChunk = 1u << 20;
	std::string chunk(static_cast<std::size_t>(std::min(len, kChunk)), '\0');
	std::ofstream out(path, std::ios::binary | std::ios::trunc);
	auto unreadable = [&](std::string why) {
		out.close();
		std::remove(path.c_str());
		return why;
	};
	std::uint64_t done = 0;
	while (done < len) {
		const std::size_t want = static_cast<std::size_t>(std::min(len - done, kChunk));
		std::size_t got = 0;
		while (got < want) {
			const ssize_t n = ::pread(mem, chunk.data() + got, want - got,
						  static_cast<off_t>(addr + done + got));
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return unreadable(
					"its memory could not be read (" + errno_text(errno) +
					"): unmapped after registration?  The kernel still holds "
					"the pages, but clones a ring's buffers only into rings of "
					"the same process (IORING_REGISTER_CLONE_BUFFERS), so they "
					"cannot be read from outside");
			if (n == 0)
				return unreadable(
					"its memory could not be read (end of the address space)");
			got += static_cast<std::size_t>(n);
		}
		out.write(chunk.data(), static_cast<std::streamsize>(want));
		done += want;
	}
	out.close();
	if (!out)
		write_status = make_error(Exit::Failure, "writing " + path + " failed");
	return {};
}

void write_manifest(const Image& img, std::ostream& os)
{
	JsonWriter w(os, true);
	auto opt_str = [&](const std::optional<std::string>& s) {
		if (s)
			w.string(*s);
		else
			w.null();
	};
	auto opt_num = [&](const auto& v) {
		if (v)
			w.number(*v);
		else
			w.null();
	};
	auto u32_array = [&](const std::vector<std::uint32_t>& v) {
		w.begin_array();
		for (auto x : v)
			w.number(x);
		w.end_array();
	};
	w.begin_object();
	w.key("format");
	w.string(kImageFormat);
	w.key("version");
	w.number(img.version);
	w.key("pid");
	w.number(img.pid);
	w.key("comm");
	w.string(img.comm);
	w.key("kernel");
	w.string(img.kernel);
	w.key("exact");
	w.boolean(img.exact);
	w.key("files");
	w.begin_array();
	for (const ImageFile& f : img.files) {
		w.begin_object();
		w.key("id");
		w.string(f.id);
		w.key("type");
		w.string(f.type);
		w.key("path");
		opt_str(f.path);
		w.key("inode");
		w.number(f.inode);
		w.key("dev");
		w.number(f.dev);
		w.key("mode");
		w.number(f.mode);
		w.key("open_flags");
		w.number(f.open_flags);
		w.key("fds");
		u32_array(f.fds);
		w.key("pos");
		opt_num(f.pos);
		w.key("eventfd_count");
		opt_num(f.eventfd_count);
		w.key("eventfd_semaphore");
		w.boolean(f.eventfd_semaphore);
		w.end_object();
	}
	w.end_array();
	w.key("io_urings");
	w.begin_array();
	for (const ImageRing& r : img.rings) {
		w.begin_object();
		w.key("file");
		w.string(r.file);
		w.key("setup_flags");
		w.number(r.setup_flags);
		w.key("sq_entries");
		w.number(r.sq_entries);
		w.key("cq_entries");
		w.number(r.cq_entries);
		w.key("sq_thread_cpu");
		w.number(r.sq_thread_cpu);
		w.key("sq_thread_idle_ms");
		opt_num(r.sq_thread_idle_ms);
		w.key("attach_to");
		w.string(r.attach_to);
		w.key("disabled");
		w.boolean(r.disabled);
		w.key("eventfd");
		opt_str(r.eventfd);
		w.key("eventfd_async");
		w.boolean(r.eventfd_async);
		w.key("files_nr");
		w.number(r.files_nr);
		w.key("files");
		w.begin_array();
		for (const auto& s : r.files) {
			w.begin_object();
			w.key("index");
			w.number(s.index);
			w.key("file");
			w.string(s.file);
			w.key("tag");
			w.number(s.tag);
			w.end_object();
		}
		w.end_array();
		w.key("buffers_nr");
		w.number(r.buffers_nr);
		w.key("buffers");
		w.begin_array();
		for (const auto& b : r.buffers) {
			w.begin_object();
			w.key("index");
			w.number(b.index);
			w.key("addr");
			w.number(b.addr);
			w.key("len");
			w.number(b.len);
			w.key("tag");
			w.number(b.tag);
			w.key("contents");
			w.string(b.contents);
			w.key("unreadable");
			w.string(b.unreadable);
			w.end_object();
		}
		w.end_array();
		w.key("sqe_restricted");
		w.boolean(r.sqe_restricted);
		w.key("register_restricted");
		w.boolean(r.register_restricted);
		w.key("register_ops");
		u32_array(r.register_ops);
		w.key("sqe_ops");
		u32_array(r.sqe_ops);
		w.key("sqe_flags_allowed");
		w.number(r.sqe_flags_allowed);
		w.key("sqe_flags_required");
		w.number(r.sqe_flags_required);
		w.key("iowq_bounded");
		w.number(r.iowq_bounded);
		w.key("iowq_unbounded");
		w.number(r.iowq_unbounded);
		w.key("napi");
		if (r.napi) {
			w.begin_object();
			w.key("busy_poll_us");
			w.number(r.napi->busy_poll_us);
			w.key("prefer_busy_poll");
			w.boolean(r.napi->prefer_busy_poll);
			w.key("tracking");
			w.number(r.napi->tracking);
			w.end_object();
		} else {
			w.null();
		}
		w.key("personalities");
		w.begin_array();
		for (const auto& p : r.personalities) {
			w.begin_object();
			w.key("id");
			w.number(p.id);
			w.key("uid");
			w.number(p.uid);
			w.key("gid");
			w.number(p.gid);
			w.key("euid");
			w.number(p.euid);
			w.key("egid");
			w.number(p.egid);
			w.key("fsuid");
			w.number(p.fsuid);
			w.key("fsgid");
			w.number(p.fsgid);
			w.key("ngroups");
			w.number(p.ngroups);
			w.key("cap_permitted");
			w.number(p.cap_permitted);
			w.key("cap_effective");
			w.number(p.cap_effective);
			w.key("groups");
			if (p.groups)
				u32_array(*p.groups);
			else
				w.null();
			w.end_object();
		}
		w.end_array();
		w.key("sq_pending");
		w.number(r.sq_pending);
		w.key("cq_pending");
		w.number(r.cq_pending);
		w.key("overflow");
		w.number(r.overflow);
		w.key("buffer_groups");
		w.begin_array();
		for (const auto& g : r.buffer_groups) {
			w.begin_object();
			w.key("bgid");
			w.number(g.bgid);
			w.key("kind");
			w.string(g.ring ? "ring" : "legacy");
			if (g.ring) {
				w.key("entries");
				w.number(g.entries);
				w.key("head");
				w.number(g.head);
				w.key("tail");
				w.number(g.tail);
				w.key("memory");
				w.string(g.kernel_memory ? "kernel" : "user");
				w.key("incremental");
				w.boolean(g.incremental);
				// not "addr"/"contents": those name registered buffers
				w.key("memory_addr");
				w.number(g.memory.addr);
				w.key("memory_contents");
				w.string(g.memory.contents);
				w.key("memory_unreadable");
				w.string(g.memory.unreadable);
			} else {
				w.key("buffers");
				w.begin_array();
				for (const auto& b : g.buffers) {
					w.begin_array();
					w.number(b.addr);
					w.number(b.len);
					w.number(b.bid);
					w.end_array();
				}
				w.end_array();
			}
			w.end_object();
		}
		w.end_array();
		w.end_object();
	}
	w.end_array();
	w.key("epolls");
	w.begin_array();
	for (const ImageEpoll& e : img.epolls) {
		w.begin_object();
		w.key("file");
		w.string(e.file);
		w.key("items");
		w.begin_array();
		for (const auto& it : e.items) {
			w.begin_object();
			w.key("tfd");
			w.number(it.tfd);
			w.key("events");
			w.number(it.events);
			w.key("data");
			w.number(it.data);
			w.key("file");
			w.string(it.file);
			w.key("tfd_stale");
			w.boolean(it.tfd_stale);
			w.end_object();
		}
		w.end_array();
		w.end_object();
	}
	w.end_array();
	w.key("skipped");
	w.begin_array();
	for (const auto& s : img.skipped)
		w.string(s);
	w.end_array();
	w.end_object();
	w.finish();
}

// A file name under buffers/ ("" for none): no directories.
bool plain_name(const std::string& name)
{
	return name.find('/') == std::string::npos && name != ".." && name != ".";
}

// Reading: a malformed manifest throws BadImage with the field's path.
struct BadImage {
	std::string what;
};

class Reader {
public:
	explicit Reader(const Json::Value& v, std::string where) : v_(v), where_(std::move(where))
	{
		if (!v_.isObject())
			throw BadImage{where_ + " is not an object"};
	}

	const Json::Value& get(const char* key) const
	{
		const Json::Value& x = v_[key];
		if (x.isNull() && !v_.isMember(key))
			throw BadImage{where_ + "." + key + " is missing"};
		return x;
	}
	std::uint64_t u64(const char* key, std::uint64_t max = UINT64_MAX) const
	{
		const Json::Value& x = get(key);
		if (!x.isUInt64() || x.asUInt64() > max)
			throw BadImage{where_ + "." + key + " is not a number in range"};
		return x.asUInt64();
	}
	std::uint32_t u32(const char* key) const
	{
		return static_cast<std::uint32_t>(u64(key, UINT32_MAX));
	}
	std::int32_t i32(const char* key) const
	{
		const Json::Value& x = get(key);
		if (!x.isInt())
			throw BadImage{where_ + "." + key + " is not a number in range"};
		return x.asInt();
	}
	bool boolean(const char* key) const
	{
		const Json::Value& x = get(key);
		if (!x.isBool())
			throw BadImage{where_ + "." + key + " is not true or false"};
		return x.asBool();
	}
	std::string str(const char* key) const
	{
		const Json::Value& x = get(key);
		if (!x.isString())
			throw BadImage{where_ + "." + key + " is not a string"};
		return x.asString();
	}
	std::optional<std::string> opt_str(const char* key) const
	{
		if (get(key).isNull())
			return std::nullopt;
		return str(key);
	}
	std::optional<std::uint64_t> opt_u64(const char* key) const
	{
		if (get(key).isNull())
			return std::nullopt;
		return u64(key);
	}
	const Json::Value& array(const char* key) const
	{
		const Json::Value& x = get(key);
		if (!x.isArray())
			throw BadImage{where_ + "." + key + " is not an array"};
		return x;
	}
	std::vector<std::uint32_t> u32_array(const char* key) const
	{
		std::vector<std::uint32_t> out;
		for (const auto& x : array(key)) {
			if (!x.isUInt())
				throw BadImage{where_ + "." + key +
					       " holds a value that is not a "
					       "32-bit number"};
			out.push_back(x.asUInt());
		}
		return out;
	}
	template <class F>
	void each(const char* key, F&& f) const
	{
		const Json::Value& a = array(key);
		for (Json::ArrayIndex i = 0; i < a.size(); ++i)
			f(Reader(a[i], where_ + "." + key + "[" + std::to_string(i) + "]"));
	}

private:
	const Json::Value& v_;
	std::string where_;
};

// One of a ring's buffer groups (after those of `before`: bgids ascend).
ImageBufferGroup parse_group(const Reader& g, const std::vector<ImageBufferGroup>& before)
{
	ImageBufferGroup ig;
	ig.bgid = static_cast<std::uint32_t>(g.u64("bgid", UINT16_MAX));
	if (!before.empty() && before.back().bgid >= ig.bgid)
		throw BadImage{"buffer group " + std::to_string(ig.bgid) +
			       " is out of order or repeated"};
	const std::string kind = g.str("kind");
	if (kind != "ring" && kind != "legacy")
		throw BadImage{"buffer group " + std::to_string(ig.bgid) + ": unknown kind '" +
			       kind + "'"};
	ig.ring = kind == "ring";
	if (!ig.ring) {
		for (const auto& b : g.array("buffers")) {
			if (!b.isArray() || b.size() != 3 || !b[0].isUInt64() || !b[1].isUInt() ||
			    !b[2].isUInt() || b[2].asUInt() > UINT16_MAX)
				throw BadImage{"buffer group " + std::to_string(ig.bgid) +
					       ": a buffer is not [addr, len, bid]"};
			ig.buffers.push_back({b[0].asUInt64(), b[1].asUInt(),
					      static_cast<std::uint16_t>(b[2].asUInt())});
		}
		return ig;
	}
	ig.entries = g.u32("entries");
	// a power of two below 2^16 (IORING_REGISTER_PBUF_RING's own rule)
	if (ig.entries == 0 || ig.entries >= 65536 || (ig.entries & (ig.entries - 1)) != 0)
		throw BadImage{"buffer ring " + std::to_string(ig.bgid) +
			       ": entries is not a power of two below 65536"};
	ig.head = static_cast<std::uint16_t>(g.u64("head", UINT16_MAX));
	ig.tail = static_cast<std::uint16_t>(g.u64("tail", UINT16_MAX));
	const std::string memory = g.str("memory");
	if (memory != "kernel" && memory != "user")
		throw BadImage{"buffer ring " + std::to_string(ig.bgid) + ": unknown memory '" +
			       memory + "'"};
	ig.kernel_memory = memory == "kernel";
	ig.incremental = g.boolean("incremental");
	ig.memory.index = ig.bgid;
	ig.memory.addr = g.u64("memory_addr");
	ig.memory.len = std::uint64_t{ig.entries} * 16;
	ig.memory.contents = g.str("memory_contents");
	ig.memory.unreadable = g.str("memory_unreadable");
	if (!plain_name(ig.memory.contents))
		throw BadImage{"buffer ring contents name '" + ig.memory.contents +
			       "' is not a plain file name"};
	return ig;
}

Image parse_image(const Json::Value& root)
{
	if (!root.isObject() || !root["format"].isString() ||
	    root["format"].asString() != kImageFormat)
		throw BadImage{"not a uringdump image (no \"format\": \"uringdump-image\")"};
	Reader top(root, "manifest");
	Image img;
	const std::uint64_t version = top.u64("version");
	// version 1 (no buffer groups saved) still restores, without them
	if (version < 1 || version > static_cast<std::uint64_t>(kImageVersion))
		throw BadImage{"image version " + std::to_string(version) +
			       " is not one this uringdump reads (1 to " +
			       std::to_string(kImageVersion) + ")"};
	img.version = static_cast<int>(version);
	img.pid = top.u32("pid");
	img.comm = top.str("comm");
	img.kernel = top.str("kernel");
	img.exact = top.boolean("exact");
	top.each("files", [&](const Reader& r) {
		ImageFile f;
		f.id = r.str("id");
		f.type = r.str("type");
		f.path = r.opt_str("path");
		f.inode = r.u64("inode");
		f.dev = r.u32("dev");
		f.mode = r.u32("mode");
		f.open_flags = r.u32("open_flags");
		f.fds = r.u32_array("fds");
		f.pos = r.opt_u64("pos");
		f.eventfd_count = r.opt_u64("eventfd_count");
		f.eventfd_semaphore = r.boolean("eventfd_semaphore");
		if (img.find_file(f.id))
			throw BadImage{"file " + f.id + " is listed twice"};
		img.files.push_back(std::move(f));
	});
	auto known = [&](const std::string& id, const std::string& where) {
		if (!img.find_file(id))
			throw BadImage{where + " refers to file '" + id + "', which is not listed"};
		return id;
	};
	top.each("io_urings", [&](const Reader& r) {
		ImageRing ir;
		ir.file = known(r.str("file"), "an io_uring");
		ir.setup_flags = r.u32("setup_flags");
		ir.sq_entries = r.u32("sq_entries");
		ir.cq_entries = r.u32("cq_entries");
		ir.sq_thread_cpu = r.i32("sq_thread_cpu");
		if (auto idle = r.opt_u64("sq_thread_idle_ms"))
			ir.sq_thread_idle_ms = static_cast<std::uint32_t>(
				std::min<std::uint64_t>(*idle, UINT32_MAX));
		ir.attach_to = r.str("attach_to");
		ir.disabled = r.boolean("disabled");
		if (auto e = r.opt_str("eventfd"))
			ir.eventfd = known(*e, "io_uring " + ir.file + "'s eventfd");
		ir.eventfd_async = r.boolean("eventfd_async");
		ir.files_nr = r.u32("files_nr");
		r.each("files", [&](const Reader& s) {
			ImageFileSlot slot{s.u32("index"),
					   known(s.str("file"), "a registered file"), s.u64("tag")};
			if (slot.index >= ir.files_nr)
				throw BadImage{"registered file slot " +
					       std::to_string(slot.index) + " is beyond files_nr"};
			ir.files.push_back(std::move(slot));
		});
		ir.buffers_nr = r.u32("buffers_nr");
		r.each("buffers", [&](const Reader& s) {
			ImageBuffer b{s.u32("index"), s.u64("addr"),     s.u64("len"),
				      s.u64("tag"),   s.str("contents"), s.str("unreadable")};
			if (b.index >= ir.buffers_nr)
				throw BadImage{"registered buffer slot " + std::to_string(b.index) +
					       " is beyond buffers_nr"};
			if (!plain_name(b.contents))
				throw BadImage{"buffer contents name '" + b.contents +
					       "' is not a plain file name"};
			ir.buffers.push_back(std::move(b));
		});
		ir.sqe_restricted = r.boolean("sqe_restricted");
		ir.register_restricted = r.boolean("register_restricted");
		ir.register_ops = r.u32_array("register_ops");
		ir.sqe_ops = r.u32_array("sqe_ops");
		ir.sqe_flags_allowed = r.u32("sqe_flags_allowed");
		ir.sqe_flags_required = r.u32("sqe_flags_required");
		ir.iowq_bounded = r.u32("iowq_bounded");
		ir.iowq_unbounded = r.u32("iowq_unbounded");
		if (!r.get("napi").isNull()) {
			Reader n(r.get("napi"), "napi");
			ir.napi = Napi{n.u32("busy_poll_us"), n.boolean("prefer_busy_poll"),
				       n.u32("tracking")};
		}
		r.each("personalities", [&](const Reader& p) {
			ImagePersonality pe{p.u32("id"),
					    p.u32("uid"),
					    p.u32("gid"),
					    p.u32("euid"),
					    p.u32("egid"),
					    p.u32("fsuid"),
					    p.u32("fsgid"),
					    p.u32("ngroups"),
					    p.u64("cap_permitted"),
					    p.u64("cap_effective"),
					    std::nullopt};
			if (version >= 2 && !p.get("groups").isNull()) {
				pe.groups = p.u32_array("groups");
				if (pe.groups->size() != pe.ngroups)
					throw BadImage{"personality " + std::to_string(pe.id) +
						       ": groups does not hold ngroups groups"};
			}
			ir.personalities.push_back(std::move(pe));
		});
		ir.sq_pending = r.u32("sq_pending");
		ir.cq_pending = r.u32("cq_pending");
		ir.overflow = r.u32("overflow");
		if (version == 1) {
			ir.unsaved_groups = r.u32("buffer_groups");
		} else {
			r.each("buffer_groups", [&](const Reader& g) {
				ir.buffer_groups.push_back(parse_group(g, ir.buffer_groups));
			});
		}
		img.rings.push_back(std::move(ir));
	});
	for (const ImageRing& r : img.rings)
		if (!r.attach_to.empty()) {
			bool before = false;
			for (const ImageRing& o : img.rings) {
				if (&o == &r)
					break;
				before |= o.file == r.attach_to;
			}
			if (!before)
				throw BadImage{"io_uring " + r.file + " attaches to " +
					       r.attach_to +
					       ", which is not an io_uring listed before it"};
		}
	top.each("epolls", [&](const Reader& r) {
		ImageEpoll e;
		e.file = known(r.str("file"), "an epoll");
		r.each("items", [&](const Reader& it) {
			e.items.push_back({it.u32("tfd"), it.u32("events"), it.u64("data"),
					   known(it.str("file"), "an epoll item"),
					   it.boolean("tfd_stale")});
		});
		img.epolls.push_back(std::move(e));
	});
	for (const auto& s : top.array("skipped")) {
		if (!s.isString())
			throw BadImage{"manifest.skipped holds a value that is not a string"};
		img.skipped.push_back(s.asString());
	}
	return img;
}

} // namespace

Status save_image(Image& img, pid_t pid, const std::string& dir, const std::string& dump_json)
{
	std::error_code ec;
	bool created = false;
	if (fs::exists(dir, ec)) {
		if (!fs::is_directory(dir, ec) || !fs::is_empty(dir, ec))
			return make_error(Exit::Failure,
					  dir + " exists and is not an empty directory");
	} else {
		if (!fs::create_directory(dir, ec))
			return make_error(Exit::Failure,
					  "cannot create " + dir + ": " + ec.message());
		created = true;
	}
	// On any failure, remove what this call made.
	auto undo = [&](Error e) -> Status {
		std::error_code ignored;
		if (created) {
			fs::remove_all(dir, ignored);
		} else {
			for (const auto& entry : fs::directory_iterator(dir, ignored))
				fs::remove_all(entry.path(), ignored);
		}
		return e;
	};

	bool any_buffer = false;
	for (const ImageRing& r : img.rings) {
		any_buffer |= !r.buffers.empty();
		for (const ImageBufferGroup& g : r.buffer_groups)
			any_buffer |= g.ring && g.memory.addr != 0;
	}
	if (any_buffer) {
		if (!fs::create_directory(dir + "/buffers", ec))
			return undo(make_error(Exit::Failure, "cannot create " + dir +
								      "/buffers: " + ec.message()));
		UniqueFd mem(::open(("/proc/" + std::to_string(pid) + "/mem").c_str(),
				    O_RDONLY | O_CLOEXEC));
		if (!mem)
			return undo(io_error("/proc/" + std::to_string(pid) + "/mem", errno));
		// b's bytes into buffers/NAME (or why not into b.unreadable)
		auto save = [&](ImageBuffer& b, const std::string& name) -> Status {
			Status st;
			b.unreadable =
				copy_memory(mem.get(), b.addr, b.len, dir + "/buffers/" + name, st);
			if (!st)
				return st;
			if (b.unreadable.empty())
				b.contents = name;
			return {};
		};
		for (ImageRing& r : img.rings) {
			for (ImageBuffer& b : r.buffers)
				if (auto st = save(b, "io_uring-" + r.file + "-" +
							      std::to_string(b.index) + ".bin");
				    !st)
					return undo(st.error());
			for (ImageBufferGroup& g : r.buffer_groups)
				if (g.ring && g.memory.addr != 0)
					if (auto st = save(g.memory,
							   "io_uring-" + r.file + "-bgid-" +
								   std::to_string(g.bgid) + ".bin");
					    !st)
						return undo(st.error());
		}
	}

	{
		std::ofstream out(dir + "/dump.json", std::ios::trunc);
		out << dump_json;
		out.close();
		if (!out)
			return undo(
				make_error(Exit::Failure, "writing " + dir + "/dump.json failed"));
	}
	// The manifest last, through a rename: a directory with a manifest is
	// a complete image.
	const std::string tmp = dir + "/.manifest.json.tmp";
	{
		std::ofstream out(tmp, std::ios::trunc);
		write_manifest(img, out);
		out.close();
		if (!out)
			return undo(make_error(Exit::Failure, "writing " + tmp + " failed"));
	}
	if (::rename(tmp.c_str(), (dir + "/manifest.json").c_str()) != 0)
		return undo(io_error("rename " + tmp, errno));
	return {};
}

Result<Image> parse_manifest(std::string_view text, const std::string& where)
{
	Json::CharReaderBuilder builder;
	builder["collectComments"] = false;
	builder["failIfExtra"] = true;
	builder["rejectDupKeys"] = true;
	builder["stackLimit"] = 64;
	const std::unique_ptr<Json::CharReader> reader(builder.newCharReader());
	Json::Value root;
	std::string errs;
	try {
		// jsoncpp throws (instead of failing) past its nesting limit
		if (!reader->parse(text.data(), text.data() + text.size(), &root, &errs))
			return make_error(Exit::Failure,
					  where + ": not valid JSON (truncated?): " + errs);
	} catch (const Json::Exception& e) {
		return make_error(Exit::Failure, where + ": not valid JSON: " + e.what());
	}
	try {
		return parse_image(root);
	} catch (const BadImage& e) {
		return make_error(Exit::Failure, where + ": " + e.what);
	} catch (const Json::Exception& e) {
		return make_error(Exit::Failure, where + ": " + e.what());
	}
}

Result<Image> load_image(const std::string& dir)
{
	const std::string path = dir + "/manifest.json";
	std::ifstream in(path, std::ios::binary);
	if (!in) {
		std::error_code ec;
		if (!fs::is_directory(dir, ec))
			return make_error(Exit::Failure, dir + ": no such image directory");
		return make_error(Exit::Failure,
				  path + ": missing or unreadable (not a uringdump image, or a "
					 "checkpoint that did not finish)");
	}
	std::ostringstream text;
	text << in.rdbuf();
	return parse_manifest(text.str(), path);
}

Result<std::string> load_buffer(const std::string& dir, const ImageBuffer& buf)
{
	const std::string path = dir + "/buffers/" + buf.contents;
	std::ifstream in(path, std::ios::binary);
	if (!in)
		return make_error(Exit::Failure, path + ": missing or unreadable");
	std::string data(buf.len, '\0');
	in.read(data.data(), static_cast<std::streamsize>(buf.len));
	if (static_cast<std::uint64_t>(in.gcount()) != buf.len || in.peek() != EOF)
		return make_error(Exit::Failure,
				  path + ": holds not exactly the " + std::to_string(buf.len) +
					  " bytes of buffer " + std::to_string(buf.index));
	return data;
}

} // namespace uringdump
