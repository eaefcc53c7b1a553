// The benchmark's floor iterators (bpf/floor.bpf.c): attached per run to one
// process exactly as Dumper attaches the live iterator, read to EOF, and
// their counters read back from .bss.
#include "kernel/floor.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "base/errors.hpp"
#include "base/unique_fd.hpp"
#include "floor.skel.h"
#include "kernel/bpf_ptr.hpp"

namespace uringdump {
namespace {

using FloorSkel = BpfPtr<floor_bpf, floor_bpf__destroy>;

Result<FloorSkel> open_floor(const LoadOptions& opts, bool with_walk)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo);
	oo.btf_custom_path = core_btf_path(opts);
	FloorSkel skel(floor_bpf__open_opts(&oo));
	if (!skel)
		return make_error(Exit::Failure,
				  "cannot open the floor programs: " + errno_text(errno));
	if (!with_walk)
		bpf_program__set_autoload(skel->progs.walk_task_file, false);
	if (int err = floor_bpf__load(skel.get()))
		return load_error(opts, "the floor iterator", err);
	return skel;
}

// Attaches `prog` to `pid` (bound to the thread-group leader, as the live
// dump does) and reads the iterator to EOF.
Status run_iter(bpf_program* prog, pid_t pid)
{
	union bpf_iter_link_info info;
	std::memset(&info, 0, sizeof(info));
	info.task.tid = static_cast<__u32>(pid);
	LIBBPF_OPTS(bpf_iter_attach_opts, ao);
	ao.link_info = &info;
	ao.link_info_len = sizeof(info);
	LinkPtr link(bpf_program__attach_iter(prog, &ao));
	if (!link)
		return make_error(Exit::Failure,
				  "cannot attach the floor iterator: " + errno_text(errno));
	UniqueFd iter(bpf_iter_create(bpf_link__fd(link.get())));
	if (!iter)
		return make_error(Exit::Failure,
				  "cannot create the floor iterator: " + errno_text(errno));
	std::vector<char> buf(4096);
	for (;;) {
		ssize_t n = ::read(iter.get(), buf.data(), buf.size());
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return make_error(Exit::Failure, "reading the floor iterator failed: " +
								 errno_text(errno));
		if (n == 0)
			return {};
	}
}

} // namespace

struct FloorProbe::Impl {
	FloorSkel skel;
	bool walk = false;

	Result<FloorCounts> run(bpf_program* prog, pid_t pid)
	{
		auto* bss = skel->bss;
		bss->fds_seen = bss->slots_seen = bss->items_seen = 0;
		if (auto st = run_iter(prog, pid); !st)
			return st.error();
		return FloorCounts{bss->fds_seen, bss->slots_seen, bss->items_seen};
	}
};

FloorProbe::FloorProbe(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FloorProbe::FloorProbe(FloorProbe&&) noexcept = default;
FloorProbe& FloorProbe::operator=(FloorProbe&&) noexcept = default;
FloorProbe::~FloorProbe() = default;

Result<FloorProbe> FloorProbe::load(const LoadOptions& opts)
{
	setup_libbpf(opts.verbose);
	auto impl = std::make_unique<Impl>();
	auto skel = open_floor(opts, true);
	impl->walk = static_cast<bool>(skel);
	if (!skel)
		skel = open_floor(opts, false);
	if (!skel)
		return skel.error();
	impl->skel = std::move(*skel);
	return FloorProbe(std::move(impl));
}

bool FloorProbe::has_walk() const
{
	return impl_->walk;
}

Result<FloorCounts> FloorProbe::count_fds(pid_t pid)
{
	return impl_->run(impl_->skel->progs.floor_task_file, pid);
}

Result<FloorCounts> FloorProbe::walk(pid_t pid, bool read_identity)
{
	if (!impl_->walk)
		return make_error(Exit::Failure,
				  "the table-walk floor does not load on this kernel");
	impl_->skel->bss->read_identity = read_identity;
	return impl_->run(impl_->skel->progs.walk_task_file, pid);
}

} // namespace uringdump
