// The load cache's directories in bpffs: key, lock, listing, removal.
#include "kernel/load_cache.hpp"

#include <bpf/bpf.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "base/errors.hpp"
#include "base/procfs.hpp"
#include "kernel/environment.hpp"
#include "kernel/pin_read.hpp"

namespace uringdump {
namespace {

constexpr const char* kBpffs = "/sys/fs/bpf";
constexpr const char* kReady = "ready";

// FNV-1a, 64 bits: a cache key, not a defence (the directories are root's).
std::uint64_t fnv1a(std::uint64_t h, std::string_view bytes)
{
	for (unsigned char c : bytes) {
		h ^= c;
		h *= 0x100000001b3ULL;
	}
	return h;
}

// The same mixing a 64-bit word at a time, for the BPF object (1 MiB: a
// byte at a time took a millisecond of a 10 ms run).
std::uint64_t fnv1a_words(std::uint64_t h, std::span<const std::uint8_t> bytes)
{
	std::size_t i = 0;
	for (; i + 8 <= bytes.size(); i += 8) {
		std::uint64_t w;
		std::memcpy(&w, bytes.data() + i, sizeof(w));
		h ^= w;
		h *= 0x100000001b3ULL;
		h ^= h >> 29;
	}
	return fnv1a(h, std::string_view(reinterpret_cast<const char*>(bytes.data()) + i,
					 bytes.size() - i));
}

// DIR/NAME
std::string join(const std::string& dir, const std::string& name)
{
	std::string path = dir;
	path += '/';
	path += name;
	return path;
}

std::vector<std::string> dir_entries(const std::string& dir)
{
	std::vector<std::string> names;
	if (DIR* d = ::opendir(dir.c_str())) {
		while (dirent* e = ::readdir(d)) {
			std::string name = e->d_name;
			if (name != "." && name != "..")
				names.push_back(std::move(name));
		}
		::closedir(d);
	}
	std::sort(names.begin(), names.end());
	return names;
}

bool exists(const std::string& path)
{
	struct stat st;
	return ::lstat(path.c_str(), &st) == 0;
}

// Removes the pins of `dir` and the directory.
void remove_entry_dir(const std::string& dir)
{
	for (const auto& name : dir_entries(dir))
		::unlink(join(dir, name).c_str());
	::rmdir(dir.c_str());
}

Status make_dir(const std::string& dir)
{
	if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
		return make_error(Exit::Failure, "cannot create " + dir + ": " + errno_text(errno));
	return {};
}

// The entry directory opened and flock()ed without waiting; a null fd when
// another run holds it.
Result<UniqueFd> try_lock(const std::string& dir)
{
	UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (!fd)
		return make_error(Exit::Failure, "cannot open " + dir + ": " + errno_text(errno));
	if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			return UniqueFd();
		return make_error(Exit::Failure, "cannot lock " + dir + ": " + errno_text(errno));
	}
	return fd;
}

Status check_root()
{
	if (::geteuid() != 0)
		return make_error(Exit::Permission, "the load cache is root's");
	return {};
}

Status check_root_and_bpffs()
{
	if (auto st = check_root(); !st)
		return st;
	if (!is_bpffs_path(kBpffs))
		return make_error(Exit::Environment, std::string(kBpffs) + " is not a bpffs mount");
	return {};
}

} // namespace

std::string cache_root()
{
	return std::string(kBpffs) + "/uringdump/cache";
}

std::string cache_key(std::span<const std::uint8_t> object)
{
	std::uint64_t h = 0xcbf29ce484222325ULL;
	h = fnv1a_words(h, object);
	h = fnv1a(h, libbpf_version());
	struct utsname u;
	if (::uname(&u) == 0) {
		h = fnv1a(h, u.release);
		h = fnv1a(h, u.version);
	}
	h = fnv1a(h, read_text_file("/proc/sys/kernel/random/boot_id").value_or(""));
	struct stat st;
	if (::stat("/sys/kernel/btf/vmlinux", &st) == 0)
		h = fnv1a(h, std::to_string(st.st_size));
	char hex[17];
	std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(h));
	return hex;
}

Result<CacheEntry> lock_cache_entry(const std::string& key)
{
	if (auto st = check_root_and_bpffs(); !st)
		return st.error();
	const std::string root = cache_root();
	for (const std::string& dir : {std::string(kBpffs) + "/uringdump", root})
		if (auto st = make_dir(dir); !st)
			return st.error();
	CacheEntry entry;
	entry.dir = join(root, key);
	if (auto st = make_dir(entry.dir); !st)
		return st.error();
	auto lock = try_lock(entry.dir);
	if (!lock)
		return lock.error();
	if (!*lock)
		return make_error(Exit::Failure, entry.dir + " is busy (another run uses it)");
	entry.lock = std::move(*lock);
	// The entry may have been removed between mkdir and the lock.
	if (!exists(entry.dir))
		return make_error(Exit::Failure, entry.dir + " was removed while it was opened");
	entry.ready = exists(join(entry.dir, kReady));
	return entry;
}

void reset_cache_entry(const CacheEntry& entry)
{
	for (const auto& name : dir_entries(entry.dir))
		::unlink(join(entry.dir, name).c_str());
	// Entries of other builds or kernels: nobody gets to use them again.
	const std::string root = cache_root();
	for (const auto& name : dir_entries(root)) {
		const std::string dir = join(root, name);
		if (dir == entry.dir)
			continue;
		auto other = try_lock(dir);
		if (other && *other)
			remove_entry_dir(dir);
	}
}

Status mark_cache_ready(const CacheEntry& entry, int ready_fd)
{
	const std::string path = join(entry.dir, kReady);
	if (bpf_obj_pin(ready_fd, path.c_str()) != 0)
		return make_error(Exit::Failure, "cannot pin " + path + ": " + errno_text(errno));
	return {};
}

Result<std::vector<CacheListing>> list_cache(const std::string& current_key)
{
	if (auto st = check_root_and_bpffs(); !st)
		return st.error();
	std::vector<CacheListing> out;
	const std::string root = cache_root();
	for (const auto& name : dir_entries(root)) {
		CacheListing l;
		l.key = name;
		l.dir = join(root, name);
		l.current = name == current_key;
		l.pins = dir_entries(l.dir);
		l.ready = std::find(l.pins.begin(), l.pins.end(), kReady) != l.pins.end();
		auto lock = try_lock(l.dir);
		l.busy = lock && !*lock;
		out.push_back(std::move(l));
	}
	return out;
}

Result<int> clear_cache()
{
	if (auto st = check_root(); !st)
		return st.error();
	const std::string root = cache_root();
	int removed = 0;
	std::string busy;
	for (const auto& name : dir_entries(root)) {
		const std::string dir = join(root, name);
		auto lock = try_lock(dir);
		if (!lock)
			return lock.error();
		if (!*lock) {
			busy += (busy.empty() ? "" : ", ") + dir;
			continue;
		}
		remove_entry_dir(dir);
		removed++;
	}
	if (!busy.empty())
		return make_error(Exit::Failure, "in use, not removed: " + busy);
	::rmdir(root.c_str());
	::rmdir((std::string(kBpffs) + "/uringdump").c_str());
	return removed;
}

} // namespace uringdump
