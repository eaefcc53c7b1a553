// Loading the live programs: from the load cache, or now (and then into it).
#include "kernel/live_program.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <span>
#include <utility>

#include "base/errors.hpp"
#include "base/unique_fd.hpp"
#include "kernel/bpf_ptr.hpp"
#include "kernel/load_cache.hpp"

namespace uringdump {
namespace {

using Skel = BpfPtr<uringdump_bpf, uringdump_bpf__destroy>;

// lib/state.bpf.h's struct seen_entry: four __u64.
constexpr std::uint32_t kSeenValueSize = 32;
// Slots of the direct-mapped `seen` array (bpf/lib/file.bpf.h), indexed by
// a file's address in 64-byte units: files are described once per stream
// unless two share a slot (files in pages 32 MiB apart, or more files than
// slots); a repeat is only a duplicate FILE record.  A power of two; 16 MiB,
// allocated once per cached program.
constexpr std::uint32_t kSeenEntries = 1u << 19;

// The pins of a cache entry; `ready` (a second pin of the task_file
// program) comes last.
constexpr std::array<const char*, 3> kProgPins = {"task_file", "threads", "maps"};
constexpr std::array<const char*, 3> kMapPins = {"spill_slot", "seen_slot", "bss"};

void note(const LoadOptions& opts, const std::string& text)
{
	if (opts.verbose)
		std::fprintf(stderr, "uringdump: load cache: %s\n", text.c_str());
}

} // namespace

struct LiveProgram::Impl {
	Origin origin = Origin::Loaded;
	Skel skel;                     // a load of this run
	std::array<UniqueFd, 3> progs; // from the cache
	std::array<UniqueFd, 3> maps;  // spill_slot, seen_slot, bss (from the cache)
	void* bss_mem = nullptr;       // mmap()ed .bss of a cached program
	std::size_t bss_len = 0;
	UniqueFd spill; // installed now
	std::size_t spill_len = 0;
	UniqueFd kept_spill; // the cached program's own, while a run's own is installed
	UniqueFd seen;
	bool reused = false;
	CacheEntry entry;

	~Impl()
	{
		if (kept_spill) {
			__u32 zero = 0;
			int v = kept_spill.get();
			bpf_map_update_elem(map(0), &zero, &v, BPF_ANY);
		}
		if (bss_mem)
			::munmap(bss_mem, bss_len);
	}
	// The inner map in outer map `slot`, or an invalid fd.
	UniqueFd inner(int slot) const;
	Status install(int slot, int fd) const;
	Status create_spill(std::size_t bytes);
	Status create_seen();
	Status set_up_maps(const LoadOptions& opts);
	int prog(int i) const;
	int map(int i) const;
	Status pin_into(const CacheEntry& e) const;
};

UniqueFd LiveProgram::Impl::inner(int slot) const
{
	__u32 zero = 0, id = 0;
	if (bpf_map_lookup_elem(map(slot), &zero, &id) != 0 || id == 0)
		return UniqueFd();
	return UniqueFd(bpf_map_get_fd_by_id(id));
}

Status LiveProgram::Impl::install(int slot, int fd) const
{
	__u32 zero = 0;
	if (bpf_map_update_elem(map(slot), &zero, &fd, BPF_ANY) != 0)
		return make_error(Exit::Failure, std::string("cannot install the ") +
							 (slot == 0 ? "ring buffer" : "seen map") +
							 ": " + errno_text(errno));
	return {};
}

Status LiveProgram::Impl::create_spill(std::size_t bytes)
{
	bytes = ring_size_for(bytes);
	UniqueFd fd(bpf_map_create(BPF_MAP_TYPE_RINGBUF, "ud_spill", 0, 0,
				   static_cast<__u32>(bytes), nullptr));
	if (!fd)
		return make_error(Exit::Failure, "cannot create a ring buffer of " +
							 format_bytes(bytes) + ": " +
							 errno_text(errno));
	if (auto st = install(0, fd.get()); !st)
		return st;
	spill = std::move(fd);
	spill_len = bytes;
	return {};
}

Status LiveProgram::Impl::create_seen()
{
	LIBBPF_OPTS(bpf_map_create_opts, mo, .map_flags = BPF_F_INNER_MAP);
	UniqueFd fd(bpf_map_create(BPF_MAP_TYPE_ARRAY, "ud_seen", sizeof(std::uint32_t),
				   kSeenValueSize, kSeenEntries, &mo));
	if (!fd)
		return make_error(Exit::Failure,
				  "cannot create the seen map: " + errno_text(errno));
	if (auto st = install(1, fd.get()); !st)
		return st;
	seen = std::move(fd);
	return {};
}

Status LiveProgram::Impl::set_up_maps(const LoadOptions& opts)
{
	const std::size_t want = ring_size_for(opts.spill_bytes);
	if (origin == Origin::CacheHit) {
		// What the cached program kept: its seen map, and its ring buffer
		// when it has the size this run asks for.
		seen = inner(1);
		UniqueFd ring = inner(0);
		bpf_map_info info{};
		__u32 len = sizeof(info);
		if (ring && bpf_obj_get_info_by_fd(ring.get(), &info, &len) == 0 &&
		    info.max_entries == want) {
			spill = std::move(ring);
			spill_len = want;
		} else if (ring) {
			kept_spill = std::move(ring);
		}
		reused = seen || spill;
	}
	if (!seen)
		if (auto st = create_seen(); !st)
			return st;
	if (!spill)
		return create_spill(want);
	return {};
}

int LiveProgram::Impl::prog(int i) const
{
	if (!skel)
		return progs[i].get();
	bpf_program* p[] = {skel->progs.dump_task_file, skel->progs.dump_threads,
			    skel->progs.dump_maps};
	return bpf_program__fd(p[i]);
}

int LiveProgram::Impl::map(int i) const
{
	if (!skel)
		return maps[i].get();
	bpf_map* m[] = {skel->maps.spill_slot, skel->maps.seen_slot, skel->maps.bss};
	return bpf_map__fd(m[i]);
}

Status LiveProgram::Impl::pin_into(const CacheEntry& e) const
{
	auto pin = [&](int fd, const char* name) -> Status {
		const std::string path = e.dir + "/" + name;
		if (bpf_obj_pin(fd, path.c_str()) != 0)
			return make_error(Exit::Failure,
					  "cannot pin " + path + ": " + errno_text(errno));
		return {};
	};
	for (int i = 0; i < 3; i++) {
		if (auto st = pin(prog(i), kProgPins[i]); !st)
			return st;
		if (auto st = pin(map(i), kMapPins[i]); !st)
			return st;
	}
	return mark_cache_ready(e, prog(0));
}

namespace {

Result<Skel> load_skeleton(const LoadOptions& opts)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo);
	oo.btf_custom_path = core_btf_path(opts);
	Skel skel(uringdump_bpf__open_opts(&oo));
	if (!skel)
		return make_error(Exit::Failure,
				  "cannot open the BPF object: " + errno_text(errno));
	skel->rodata->seen_mask = kSeenEntries - 1;
	if (int err = uringdump_bpf__load(skel.get()))
		return load_error(opts, "the BPF iterator", err);
	return skel;
}

// The cached programs of a ready entry; an error when a pin is missing or
// is not what this build pinned.
Status open_cached(LiveProgram::Origin& origin, std::array<UniqueFd, 3>& progs,
		   std::array<UniqueFd, 3>& maps, void*& bss_mem, std::size_t& bss_len,
		   const CacheEntry& e)
{
	auto get = [&](const char* name, UniqueFd& out) -> Status {
		const std::string path = e.dir + "/" + name;
		out.reset(bpf_obj_get(path.c_str()));
		if (!out)
			return make_error(Exit::Failure, path + ": " + errno_text(errno));
		return {};
	};
	for (int i = 0; i < 3; i++) {
		if (auto st = get(kProgPins[i], progs[i]); !st)
			return st;
		if (auto st = get(kMapPins[i], maps[i]); !st)
			return st;
	}
	bpf_map_info info{};
	__u32 len = sizeof(info);
	if (bpf_obj_get_info_by_fd(maps[2].get(), &info, &len) != 0)
		return make_error(Exit::Failure, "bss: " + errno_text(errno));
	if (info.value_size != sizeof(LiveBss) || !(info.map_flags & BPF_F_MMAPABLE))
		return make_error(Exit::Failure, "bss: not this build's");
	const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
	bss_len = (info.value_size + page - 1) / page * page;
	bss_mem = ::mmap(nullptr, bss_len, PROT_READ | PROT_WRITE, MAP_SHARED, maps[2].get(), 0);
	if (bss_mem == MAP_FAILED) {
		bss_mem = nullptr;
		return make_error(Exit::Failure, "bss: mmap: " + errno_text(errno));
	}
	origin = LiveProgram::Origin::CacheHit;
	return {};
}

} // namespace

LiveProgram::LiveProgram(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LiveProgram::LiveProgram(LiveProgram&&) noexcept = default;
LiveProgram& LiveProgram::operator=(LiveProgram&&) noexcept = default;
LiveProgram::~LiveProgram() = default;

Result<LiveProgram> LiveProgram::load(const LoadOptions& opts)
{
	setup_libbpf(opts.verbose);
	auto impl = std::make_unique<Impl>();
	std::optional<CacheEntry> entry;
	if (!opts.use_cache) {
		note(opts, "not used (--no-cache)");
	} else if (opts.btf_path) {
		note(opts, "not used with --btf");
	} else {
		auto locked = lock_cache_entry(live_cache_key());
		if (!locked)
			note(opts, "not used: " + locked.error().message);
		else
			entry = std::move(*locked);
	}
	if (entry && entry->ready) {
		auto st = open_cached(impl->origin, impl->progs, impl->maps, impl->bss_mem,
				      impl->bss_len, *entry);
		if (st)
			st = impl->set_up_maps(opts);
		if (st) {
			note(opts, "using " + entry->dir);
			impl->entry = std::move(*entry);
			return LiveProgram(std::move(impl));
		}
		note(opts, "entry unusable, replacing it: " + st.error().message);
		impl = std::make_unique<Impl>();
	}
	if (entry)
		reset_cache_entry(*entry);
	auto skel = load_skeleton(opts);
	if (!skel)
		return skel.error();
	impl->skel = std::move(*skel);
	if (auto st = impl->set_up_maps(opts); !st)
		return st.error();
	if (entry) {
		if (auto st = impl->pin_into(*entry); !st) {
			note(opts, "not kept: " + st.error().message);
			reset_cache_entry(*entry);
		} else {
			note(opts, "created " + entry->dir);
			impl->origin = Origin::CacheCreated;
			impl->entry = std::move(*entry);
		}
	}
	return LiveProgram(std::move(impl));
}

int LiveProgram::task_file_prog() const
{
	return impl_->prog(0);
}

int LiveProgram::threads_prog() const
{
	return impl_->prog(1);
}

int LiveProgram::maps_prog() const
{
	return impl_->prog(2);
}

LiveBss& LiveProgram::bss()
{
	if (impl_->skel)
		return *impl_->skel->bss;
	return *static_cast<LiveBss*>(impl_->bss_mem);
}

LiveProgram::Origin LiveProgram::origin() const
{
	return impl_->origin;
}

const std::string& LiveProgram::cache_dir() const
{
	return impl_->entry.dir;
}

int LiveProgram::spill_fd() const
{
	return impl_->spill.get();
}

std::size_t LiveProgram::spill_bytes() const
{
	return impl_->spill_len;
}

bool LiveProgram::reused_maps() const
{
	return impl_->reused;
}

Result<int> LiveProgram::new_spill(std::size_t bytes)
{
	if (impl_->origin != Origin::Loaded && !impl_->kept_spill)
		impl_->kept_spill = std::move(impl_->spill);
	if (auto st = impl_->create_spill(bytes); !st)
		return st.error();
	return impl_->spill.get();
}

std::string live_cache_key()
{
	std::size_t size = 0;
	const void* elf = uringdump_bpf__elf_bytes(&size);
	return cache_key({static_cast<const std::uint8_t*>(elf), size});
}

std::size_t ring_size_for(std::size_t bytes)
{
	std::size_t size = 1u << 12;
	while (size < bytes)
		size <<= 1;
	return size;
}

const char* origin_name(LiveProgram::Origin origin)
{
	switch (origin) {
	case LiveProgram::Origin::Loaded: return "loaded";
	case LiveProgram::Origin::CacheHit: return "cached";
	case LiveProgram::Origin::CacheCreated: return "loaded and cached";
	}
	return "?";
}

} // namespace uringdump
