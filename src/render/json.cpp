// The JSON schema, written straight to the stream by JsonWriter (no DOM,
// linear, chunked output for 200k items).
#include "render/json.hpp"

#include <string_view>
#include <vector>

#include "model/flags.hpp"
#include "render/json_writer.hpp"

namespace uringdump {

namespace {

void emit_fds(JsonWriter& e, const std::vector<std::uint32_t>& fds)
{
	e.begin_array();
	for (std::uint32_t fd : fds)
		e.number(fd);
	e.end_array();
}

void emit_names(JsonWriter& e, const std::vector<std::string>& names)
{
	e.begin_array();
	for (const std::string& n : names)
		e.plain(n); // flag names and hex numbers
	e.end_array();
}

// The names of flag words that repeat item after item (open flags, epoll
// events): the names of the last few distinct values are kept, so a dump of
// many alike files builds them a few times, not once per item.
class NamesMemo {
public:
	using Fn = std::vector<std::string> (*)(std::uint32_t);
	explicit NamesMemo(Fn fn) : fn_(fn) {}
	const std::vector<std::string>& operator()(std::uint32_t value)
	{
		for (const auto& [v, names] : kept_)
			if (v == value)
				return names;
		if (kept_.size() == kKept)
			kept_.clear();
		return kept_.emplace_back(value, fn_(value)).second;
	}

private:
	static constexpr std::size_t kKept = 8;
	Fn fn_;
	std::vector<std::pair<std::uint32_t, std::vector<std::string>>> kept_;
};

void emit_file(JsonWriter& e, const Snapshot& s, FileRef ref)
{
	const File& f = s.file(ref);
	e.begin_object();
	e.key("id");
	e.plain(f.id);
	e.key("type");
	e.plain(file_kind_name(f.kind));
	e.key("inode");
	f.has_record ? e.number(f.inode) : e.null();
	e.key("dev");
	f.has_record ? e.plain(dev_text(f.dev).view()) : e.null();
	e.key("mode");
	f.has_record ? e.number(f.mode) : e.null();
	e.key("open_flags");
	f.has_record ? e.number(f.f_flags) : e.null();
	e.key("open_flag_names");
	thread_local NamesMemo flag_names(open_flag_names);
	f.has_record ? emit_names(e, flag_names(f.f_flags)) : e.null();
	e.key("path");
	f.path ? e.string(*f.path) : e.null();
	e.end_object();
}

void emit_table_fds(JsonWriter& e, const std::vector<TableFd>& fds)
{
	e.key("thread_fds");
	e.begin_array();
	for (const TableFd& f : fds) {
		e.begin_object();
		e.key("fd_table");
		e.string("t" + std::to_string(f.table));
		e.key("fd");
		e.number(f.fd);
		e.end_object();
	}
	e.end_array();
}

void emit_state(JsonWriter& e, const std::optional<RingState>& st)
{
	e.key("state");
	if (!st)
		return e.null();
	e.begin_object();
	e.key("sq_head");
	e.number(st->sq_head);
	e.key("sq_tail");
	e.number(st->sq_tail);
	e.key("cached_sq_head");
	e.number(st->cached_sq_head);
	e.key("sq_pending");
	e.number(st->sq_pending());
	e.key("cq_head");
	e.number(st->cq_head);
	e.key("cq_tail");
	e.number(st->cq_tail);
	e.key("cached_cq_tail");
	e.number(st->cached_cq_tail);
	e.key("cq_pending");
	e.number(st->cq_pending());
	e.key("sq_flags");
	e.number(st->sq_flags);
	e.key("sq_flag_names");
	emit_names(e, sq_flag_names(st->sq_flags));
	e.key("cq_flags");
	e.number(st->cq_flags);
	e.key("cq_overflow");
	e.number(st->cq_overflow);
	e.key("sq_dropped");
	e.number(st->sq_dropped);
	e.key("overflow_list");
	e.number(st->overflow_list);
	e.key("overflow_complete");
	e.boolean(st->overflow_complete);
	e.key("submitter_tid");
	st->submitter_tid ? e.number(st->submitter_tid) : e.null();
	e.key("rings_readable");
	e.boolean(st->rings_readable);
	e.end_object();
}

void emit_numbers(JsonWriter& e, const std::vector<std::uint32_t>& v)
{
	e.begin_array();
	for (std::uint32_t x : v)
		e.number(x);
	e.end_array();
}

void emit_regs(JsonWriter& e, const std::optional<RingRegs>& g)
{
	e.key("restrictions");
	if (!g || (!g->sqe_restricted && !g->register_restricted)) {
		e.null();
	} else {
		e.begin_object();
		e.key("sqe_ops_restricted");
		e.boolean(g->sqe_restricted);
		e.key("register_ops_restricted");
		e.boolean(g->register_restricted);
		e.key("allowed_register_ops");
		emit_numbers(e, g->register_ops);
		e.key("allowed_sqe_ops");
		emit_numbers(e, g->sqe_ops);
		e.key("sqe_flags_allowed");
		e.number(g->sqe_flags_allowed);
		e.key("sqe_flags_required");
		e.number(g->sqe_flags_required);
		e.end_object();
	}
	e.key("iowq_max_workers");
	if (!g) {
		e.null();
	} else {
		e.begin_object();
		e.key("bounded");
		e.number(g->iowq_bounded);
		e.key("unbounded");
		e.number(g->iowq_unbounded);
		e.end_object();
	}
	e.key("napi");
	if (!g || !g->napi) {
		e.null();
	} else {
		e.begin_object();
		e.key("busy_poll_us");
		e.number(g->napi->busy_poll_us);
		e.key("prefer_busy_poll");
		e.boolean(g->napi->prefer_busy_poll);
		e.key("tracking");
		e.string(napi_tracking_name(g->napi->tracking));
		e.end_object();
	}
}

void emit_completions(JsonWriter& e, JsonKey name, const std::vector<Completion>& v)
{
	e.key(name);
	e.begin_array();
	for (const Completion& c : v) {
		e.begin_object();
		e.key("user_data");
		e.number(c.user_data);
		e.key("res");
		e.number(static_cast<std::int64_t>(c.res));
		e.key("flags");
		e.number(c.flags);
		e.end_object();
	}
	e.end_array();
}

void emit_requests(JsonWriter& e, const std::optional<Requests>& q)
{
	e.key("requests");
	if (!q)
		return e.null();
	e.begin_object();
	emit_completions(e, "cqes", q->cqes);
	e.key("cqes_complete");
	e.boolean(q->cqes_complete);
	emit_completions(e, "overflow", q->overflow);
	e.key("overflow_complete");
	e.boolean(q->overflow_complete);
	e.key("in_flight");
	e.begin_array();
	for (const InFlight& r : q->in_flight) {
		e.begin_object();
		e.key("kind");
		e.string(request_kind_name(static_cast<int>(r.kind)));
		e.key("opcode");
		e.number(r.opcode);
		e.key("user_data");
		e.number(r.user_data);
		e.end_object();
	}
	e.end_array();
	e.key("polls_complete");
	e.boolean(q->polls_complete);
	e.key("timeouts_complete");
	e.boolean(q->timeouts_complete);
	e.key("link_timeouts_complete");
	e.boolean(q->link_timeouts_complete);
	e.key("iowq_complete");
	e.boolean(q->iowq_complete);
	e.end_object();
}

void emit_buffer_groups(JsonWriter& e, const std::vector<BufferGroup>& v)
{
	e.key("buffer_groups");
	e.begin_array();
	for (const BufferGroup& g : v) {
		e.begin_object();
		e.key("bgid");
		e.number(g.bgid);
		e.key("kind");
		e.string(g.ring ? "ring" : "legacy");
		if (g.ring) {
			e.key("entries");
			e.number(g.entries);
			e.key("head");
			e.number(g.head);
			e.key("tail");
			g.tail_known ? e.number(g.tail) : e.null();
			e.key("memory");
			e.string(g.kernel_memory ? "kernel" : "user");
			e.key("mmap_offset");
			g.kernel_memory ? e.string(format_hex(g.mmap_offset)) : e.null();
			e.key("mapped_at");
			e.begin_array();
			for (std::uint64_t a : g.mapped_at)
				e.string(format_hex(a));
			e.end_array();
			e.key("incremental");
			e.boolean(g.incremental);
		}
		g.ring ? e.key("available") : e.key("count");
		g.ring && !g.tail_known ? e.null() : e.number(g.count);
		e.key("count_complete");
		e.boolean(g.count_complete);
		if (g.buffers_listed) {
			// a checkpoint's dump: the buffers, in the order they are handed out
			e.key("buffers");
			e.begin_array();
			for (const BufferGroup::Provided& b : g.buffers) {
				e.begin_object();
				e.key("addr");
				e.string(format_hex(b.addr));
				e.key("len");
				e.number(b.len);
				e.key("bid");
				e.number(b.bid);
				e.end_object();
			}
			e.end_array();
			e.key("buffers_complete");
			e.boolean(g.buffers_complete);
		}
		e.end_object();
	}
	e.end_array();
}

void emit_personalities(JsonWriter& e, const std::vector<Personality>& v)
{
	e.key("personalities");
	e.begin_array();
	for (const Personality& p : v) {
		e.begin_object();
		e.key("id");
		e.number(p.id);
		e.key("uid");
		e.number(p.uid);
		e.key("gid");
		e.number(p.gid);
		e.key("euid");
		e.number(p.euid);
		e.key("egid");
		e.number(p.egid);
		e.key("fsuid");
		e.number(p.fsuid);
		e.key("fsgid");
		e.number(p.fsgid);
		e.key("ngroups");
		e.number(p.ngroups);
		if (p.groups_listed) {
			e.key("groups"); // a checkpoint's dump
			e.begin_array();
			for (std::uint32_t g : p.groups)
				e.number(g);
			e.end_array();
		}
		e.key("cap_permitted");
		e.string(format_hex(p.cap_permitted));
		e.key("cap_effective");
		e.string(format_hex(p.cap_effective));
		e.end_object();
	}
	e.end_array();
}

void emit_fds_table(JsonWriter& e, std::uint32_t table)
{
	e.key("fds_table");
	e.string(table == 0 ? std::string("leader") : "t" + std::to_string(table));
}

void emit_ring_reach(JsonWriter& e, const Ring& r)
{
	emit_table_fds(e, r.thread_fds);
	emit_fds_table(e, r.fds_table);
	e.key("registered");
	e.begin_array();
	for (const RingRef& ref : r.registered) {
		e.begin_object();
		e.key("tid");
		e.number(ref.tid);
		e.key("index");
		e.number(ref.index);
		e.end_object();
	}
	e.end_array();
	e.key("mappings");
	e.begin_array();
	for (const RingMap& m : r.mappings) {
		e.begin_object();
		e.key("start");
		e.string(format_hex(m.start));
		e.key("end");
		e.string(format_hex(m.end));
		e.key("offset");
		e.string(format_hex(m.offset));
		e.key("region");
		e.string(ring_region_name(m.offset));
		e.end_object();
	}
	e.end_array();
}

void emit_threads(JsonWriter& e, const Process& p)
{
	e.key("threads");
	e.begin_array();
	for (const Thread& t : p.threads) {
		e.begin_object();
		e.key("tid");
		e.number(t.tid);
		e.key("comm");
		e.string(t.comm);
		e.key("fd_table");
		if (t.no_files)
			e.null();
		else
			e.string(t.table == 0 ? std::string("leader")
					      : "t" + std::to_string(t.table));
		e.key("io_worker");
		e.boolean(t.io_worker);
		e.key("registered_rings");
		e.number(t.registered_rings);
		e.key("iowq_cpus");
		t.iowq_cpus ? e.string(cpu_list(*t.iowq_cpus)) : e.null();
		e.end_object();
	}
	e.end_array();
	e.key("fd_tables");
	e.begin_array();
	for (const FdTable& t : p.fd_tables) {
		e.begin_object();
		e.key("id");
		e.string("t" + std::to_string(t.index));
		e.key("threads");
		emit_fds(e, t.threads);
		e.key("nr_fds");
		e.number(t.fds.size());
		e.end_object();
	}
	e.end_array();
}

void emit_inode(JsonWriter& e, const Snapshot& s, FileRef ref)
{
	const File& f = s.file(ref);
	e.key("inode");
	f.has_record ? e.number(f.inode) : e.null();
}

void emit_sqpoll(JsonWriter& e, const Snapshot& s, const Ring& r)
{
	const std::optional<Sqpoll>& q = r.sqpoll;
	e.key("sqpoll");
	if (!q)
		return e.null();
	e.begin_object();
	e.key("cpu");
	e.number(q->cpu);
	e.key("idle_ms");
	q->idle_ms ? e.number(*q->idle_ms) : e.null();
	e.key("thread_pid");
	q->thread_pid ? e.number(q->thread_pid) : e.null();
	e.key("group");
	q->group.empty() ? e.null() : e.string(q->group);
	e.key("shared_with");
	e.begin_array();
	for (FileRef f : s.shared_with(r))
		e.plain(s.file(f).id);
	e.end_array();
	e.end_object();
}

void emit_eventfd(JsonWriter& e, const Snapshot& s, const std::optional<RingEventfd>& ev,
		  const std::optional<RingRegs>& regs)
{
	e.key("eventfd");
	if (!ev)
		return e.null();
	e.begin_object();
	e.key("fds");
	emit_fds(e, ev->fds);
	e.key("async");
	e.boolean(ev->async);
	e.key("file");
	ev->file ? emit_file(e, s, *ev->file) : e.null();
	e.key("count");
	regs && regs->evfd_count ? e.number(*regs->evfd_count) : e.null();
	e.end_object();
}

template <class Slot, class SlotFn>
void emit_table(JsonWriter& e, JsonKey name, const Table<Slot>& t, SlotFn emit_slot)
{
	e.key(name);
	e.begin_object();
	e.key("nr");
	e.number(t.nr);
	e.key("used");
	e.number(t.used);
	e.key("complete");
	e.boolean(t.complete);
	e.key("dumped");
	e.boolean(t.dumped);
	e.key("slots");
	e.begin_array();
	for (const Slot& slot : t.slots) {
		e.begin_object();
		e.key("index");
		e.number(slot.index);
		if (slot.empty) {
			e.key("empty");
			e.boolean(true);
		} else {
			emit_slot(slot);
		}
		e.end_object();
	}
	e.end_array();
	e.end_object();
}

void emit_ring(JsonWriter& e, const Snapshot& s, const Ring& r)
{
	e.begin_object();
	e.key("id");
	e.plain(s.file(r.file).id);
	e.key("fds");
	emit_fds(e, r.fds);
	emit_ring_reach(e, r);
	emit_inode(e, s, r.file);
	e.key("setup_flags");
	e.number(r.setup_flags);
	e.key("setup_flag_names");
	emit_names(e, setup_flag_names(r.setup_flags));
	e.key("sq_entries");
	e.number(r.sq_entries);
	e.key("cq_entries");
	e.number(r.cq_entries);
	emit_sqpoll(e, s, r);
	emit_eventfd(e, s, r.eventfd, r.regs);
	emit_state(e, r.state);
	emit_regs(e, r.regs);
	emit_personalities(e, r.personalities);
	emit_buffer_groups(e, r.buffer_groups);
	emit_requests(e, r.requests);
	emit_table(e, "registered_files", r.files, [&](const RegisteredFile& slot) {
		e.key("file");
		emit_file(e, s, slot.file);
		e.key("fds");
		emit_fds(e, slot.fds);
		e.key("tag");
		slot.tag ? e.number(slot.tag) : e.null();
	});
	emit_table(e, "registered_buffers", r.buffers, [&](const RegisteredBuffer& slot) {
		e.key("addr");
		e.number(slot.addr);
		e.key("len");
		e.number(slot.len);
		e.key("nr_bvecs");
		e.number(slot.nr_bvecs);
		e.key("tag");
		slot.tag ? e.number(slot.tag) : e.null();
	});
	e.end_object();
}

void emit_item(JsonWriter& e, const Snapshot& s, const EpollItem& i)
{
	e.begin_object();
	e.key("tfd");
	e.number(i.tfd);
	e.key("events");
	e.number(i.events);
	e.key("event_names");
	thread_local NamesMemo event_names(epoll_event_names);
	emit_names(e, event_names(i.events));
	e.key("data");
	e.number(i.data);
	e.key("file");
	emit_file(e, s, i.file);
	e.key("fds");
	emit_fds(e, i.fds);
	e.key("tfd_stale");
	e.boolean(i.tfd_stale);
	if (i.target == TargetKind::IoUring) {
		e.key("io_uring");
		e.plain(s.file(i.file).id);
	} else if (i.target == TargetKind::Epoll) {
		e.key("epoll");
		e.plain(s.file(i.file).id);
	}
	e.end_object();
}

void emit_epoll(JsonWriter& e, const Snapshot& s, const Epoll& ep)
{
	e.begin_object();
	e.key("id");
	e.plain(s.file(ep.file).id);
	e.key("fds");
	emit_fds(e, ep.fds);
	emit_table_fds(e, ep.thread_fds);
	emit_fds_table(e, ep.fds_table);
	emit_inode(e, s, ep.file);
	e.key("complete");
	e.boolean(ep.complete);
	e.key("items");
	e.begin_array();
	for (const EpollItem& i : ep.items)
		emit_item(e, s, i);
	e.end_array();
	e.end_object();
}

void emit_process(JsonWriter& e, const Snapshot& s, const Process& p)
{
	e.begin_object();
	e.key("pid");
	e.number(p.pid);
	e.key("comm");
	e.string(p.comm);
	e.key("fds_known");
	e.boolean(p.fds_known);
	emit_threads(e, p);
	e.key("io_urings");
	e.begin_array();
	for (const Ring& r : p.rings)
		emit_ring(e, s, r);
	e.end_array();
	e.key("epolls");
	e.begin_array();
	for (const Epoll& ep : p.epolls)
		emit_epoll(e, s, ep);
	e.end_array();
	e.end_object();
}

void emit_snapshot(JsonWriter& e, const Snapshot& s)
{
	e.begin_object();
	e.key("version");
	e.number(kJsonVersion);
	e.key("exact");
	e.boolean(s.exact);
	e.key("source");
	switch (s.source) {
	case UD_SOURCE_TASK_FILE: e.string("task_file"); break;
	case UD_SOURCE_NATIVE: e.string("native"); break;
	default: e.null(); break;
	}
	e.key("processes");
	e.begin_array();
	for (const Process& p : s.processes)
		if (p.has_instances())
			emit_process(e, s, p);
	e.end_array();
	e.end_object();
}

} // namespace

void render_json(const Snapshot& snapshot, std::ostream& out, bool pretty)
{
	JsonWriter w(out, pretty);
	emit_snapshot(w, snapshot);
	w.finish();
}

} // namespace uringdump
