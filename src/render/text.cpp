// Plain-text rendering: a header line per process, a block per instance,
// slot and item tables aligned column by column.
#include "render/text.hpp"

#include <algorithm>
#include <vector>

#include "model/flags.hpp"

namespace uringdump {

namespace {

constexpr std::size_t kChunk = 1u << 16;
constexpr std::size_t kKeyWidth = 20; // "registered_buffers" + 2

// Collects output and hands it to the stream in large chunks.
class Sink {
public:
	explicit Sink(std::ostream& out) : out_(out) { buf_.reserve(2 * kChunk); }
	Sink(const Sink&) = delete;
	Sink& operator=(const Sink&) = delete;
	~Sink() { flush(); }

	Sink& operator<<(std::string_view s)
	{
		buf_ += s;
		return *this;
	}
	Sink& operator<<(char c)
	{
		buf_ += c;
		return *this;
	}
	void pad(std::size_t n) { buf_.append(n, ' '); }
	void end_line()
	{
		buf_ += '\n';
		if (buf_.size() >= kChunk)
			flush();
	}
	void flush()
	{
		out_.write(buf_.data(), static_cast<std::streamsize>(buf_.size()));
		buf_.clear();
	}

private:
	std::ostream& out_;
	std::string buf_;
};

// Rows of "key value" cells, aligned column by column; a row's last cell
// is not padded.  Cells live in one arena: no allocation per cell.
class TextTable {
public:
	explicit TextTable(std::size_t columns) : widths_(columns, 0) {}

	void reserve(std::size_t rows)
	{
		row_starts_.reserve(rows);
		ends_.reserve(rows * widths_.size());
	}
	void begin_row() { row_starts_.push_back(ends_.size()); }
	void cell(std::string_view text) { cell({}, text); }
	// "key value" as one cell ("value" when key is empty).
	void cell(std::string_view key, std::string_view value)
	{
		const std::size_t col = ends_.size() - row_starts_.back();
		if (col >= widths_.size())
			return;
		const std::size_t begin = arena_.size();
		if (!key.empty())
			arena_.append(key).append(1, ' ');
		arena_.append(value);
		ends_.push_back(arena_.size());
		widths_[col] = std::max(widths_[col], arena_.size() - begin);
	}

	void write(Sink& out, std::string_view indent) const
	{
		for (std::size_t r = 0; r < row_starts_.size(); r++) {
			const std::size_t first = row_starts_[r];
			const std::size_t last =
				r + 1 < row_starts_.size() ? row_starts_[r + 1] : ends_.size();
			out << indent;
			for (std::size_t i = first; i < last; i++) {
				const std::string_view text = cell_text(i);
				if (i > first)
					out << "  ";
				out << text;
				if (i + 1 < last)
					out.pad(widths_[i - first] - text.size());
			}
			out.end_line();
		}
	}

private:
	std::string_view cell_text(std::size_t i) const
	{
		const std::size_t begin = i == 0 ? 0 : ends_[i - 1];
		return std::string_view(arena_).substr(begin, ends_[i] - begin);
	}

	std::vector<std::size_t> widths_;
	std::string arena_;
	std::vector<std::size_t> ends_;       // end offset of every cell in arena_
	std::vector<std::size_t> row_starts_; // index of every row's first cell in ends_
};

std::string fd_list(const std::vector<std::uint32_t>& fds)
{
	if (fds.empty())
		return "-";
	std::string s;
	for (std::uint32_t fd : fds) {
		if (!s.empty())
			s += ',';
		s += std::to_string(fd);
	}
	return s;
}

std::string yes_no(bool b)
{
	return b ? "yes" : "no";
}

// "tfd N", "tfd N (now M)" when moved by dup2, "tfd N (closed)".
std::string tfd_text(const EpollItem& i)
{
	std::string s = "tfd " + std::to_string(i.tfd);
	if (!i.tfd_stale)
		return s;
	if (i.fds.empty())
		return s + " (closed)";
	return s + " (now " + std::to_string(i.fds.front()) + ")";
}

// "0644": the permission bits; "-" without a FILE record.
std::string mode_text(const File& f)
{
	return f.has_record ? format_permissions(f.mode) : "-";
}

// "O_RDWR|O_NONBLOCK"; "-" without a FILE record.
std::string open_flags_text(const File& f)
{
	return f.has_record ? join_names(open_flag_names(f.f_flags)) : "-";
}

// The cells shared by slot and item rows: id type inode dev fds mode flags
// path (last: it may contain spaces).
constexpr std::size_t kFileCells = 8;

void file_cells(TextTable& t, const File& f, const std::vector<std::uint32_t>& fds)
{
	t.cell(f.id);
	t.cell(file_kind_name(f.kind));
	t.cell("inode", f.has_record ? std::to_string(f.inode) : "-");
	t.cell("dev", f.has_record ? format_dev(f.dev) : "-");
	t.cell("fds", fd_list(fds));
	t.cell("mode", mode_text(f));
	t.cell("flags", open_flags_text(f));
	t.cell("path", f.path ? printable(*f.path) : "-");
}

void key(Sink& out, std::string_view name)
{
	out << "    " << name;
	out.pad(kKeyWidth > name.size() ? kKeyWidth - name.size() : 1);
}

class TextRenderer {
public:
	TextRenderer(const Snapshot& s, std::ostream& out) : s_(s), out_(out) {}

	void run()
	{
		bool first = true;
		for (const Process& p : s_.processes) {
			if (!p.has_instances())
				continue;
			if (!first)
				out_.end_line();
			first = false;
			process(p);
		}
		if (first) {
			out_ << "no io_uring or epoll instances found";
			out_.end_line();
		}
	}

private:
	const File& file(FileRef f) const { return s_.file(f); }

	// "iowq_cpus LIST  threads TIDS", a line per distinct io-wq CPU mask.
	void iowq_cpus(const std::vector<Thread>& threads)
	{
		std::vector<std::pair<std::uint64_t, std::vector<std::uint32_t>>> masks;
		for (const Thread& t : threads) {
			if (!t.iowq_cpus)
				continue;
			auto it = std::find_if(masks.begin(), masks.end(), [&](const auto& m) {
				return m.first == *t.iowq_cpus;
			});
			if (it == masks.end())
				masks.push_back({*t.iowq_cpus, {t.tid}});
			else
				it->second.push_back(t.tid);
		}
		for (auto& [mask, tids] : masks) {
			std::sort(tids.begin(), tids.end());
			out_ << "  iowq_cpus " << cpu_list(mask) << "  threads " << fd_list(tids);
			out_.end_line();
		}
	}

	void process(const Process& p)
	{
		out_ << "pid " << (p.pid ? std::to_string(p.pid) : "unknown");
		if (!p.comm.empty())
			out_ << " (" << printable(p.comm) << ')';
		if (!p.fds_known)
			out_ << "  fds unknown (native iterator)";
		out_.end_line();
		for (const FdTable& t : p.fd_tables) {
			out_ << "  fd_table t" << std::to_string(t.index) << "  threads "
			     << fd_list(t.threads) << "  fds " << std::to_string(t.fds.size());
			out_.end_line();
		}
		iowq_cpus(p.threads);
		for (const Ring& r : p.rings)
			ring(r);
		for (const Epoll& e : p.epolls)
			epoll(e);
	}

	void instance_head(std::string_view what, FileRef f, const std::vector<std::uint32_t>& fds)
	{
		const File& fi = file(f);
		out_ << "  " << what << ' ' << fi.id << "  fds " << fd_list(fds) << "  inode "
		     << (fi.has_record ? std::to_string(fi.inode) : "-");
	}

	void ring(const Ring& r)
	{
		instance_head("io_uring", r.file, r.fds);
		out_.end_line();
		reach(r);
		key(out_, "setup_flags");
		const auto names = setup_flag_names(r.setup_flags);
		out_ << format_hex(r.setup_flags) << ' ' << join_names(names);
		out_.end_line();
		key(out_, "sq_entries");
		out_ << std::to_string(r.sq_entries);
		out_.end_line();
		key(out_, "cq_entries");
		out_ << std::to_string(r.cq_entries);
		out_.end_line();
		sqpoll(r);
		eventfd(r.eventfd, r.regs);
		state(r.state);
		regs(r.regs);
		for (const Personality& p : r.personalities) {
			key(out_, "personality");
			const auto n = [](std::uint32_t v) { return std::to_string(v); };
			out_ << n(p.id) << "  uid " << n(p.uid) << "  gid " << n(p.gid) << "  euid "
			     << n(p.euid) << "  egid " << n(p.egid) << "  fsuid " << n(p.fsuid)
			     << "  fsgid " << n(p.fsgid) << "  groups " << n(p.ngroups)
			     << "  cap_eff " << format_hex(p.cap_effective) << "  cap_prm "
			     << format_hex(p.cap_permitted);
			out_.end_line();
		}
		buffer_groups(r.buffer_groups);
		requests(r.requests);
		reg_files(r.files);
		reg_buffers(r.buffers);
	}

	static std::string table_fd_list(const std::vector<TableFd>& fds)
	{
		std::string s;
		for (const TableFd& f : fds)
			s += (s.empty() ? "t" : ",t") + std::to_string(f.table) + ":" +
			     std::to_string(f.fd);
		return s;
	}

	// How the ring is held besides the leader's fds (lines only when so).
	void reach(const Ring& r)
	{
		if (!r.thread_fds.empty()) {
			key(out_, "thread_fds");
			out_ << table_fd_list(r.thread_fds);
			out_.end_line();
		}
		if (!r.registered.empty()) {
			key(out_, "registered");
			for (std::size_t i = 0; i < r.registered.size(); i++)
				out_ << (i ? ", " : "") << "tid "
				     << std::to_string(r.registered[i].tid) << " slot "
				     << std::to_string(r.registered[i].index);
			out_.end_line();
		}
		if (!r.mappings.empty()) {
			key(out_, "mappings");
			for (std::size_t i = 0; i < r.mappings.size(); i++) {
				const RingMap& m = r.mappings[i];
				out_ << (i ? ", " : "") << ring_region_name(m.offset) << ' '
				     << format_hex(m.start) << '-' << format_hex(m.end);
			}
			out_.end_line();
		}
	}

	void state(const std::optional<RingState>& st)
	{
		if (!st)
			return; // a stream of record version 1
		key(out_, "state");
		const auto n = [](std::uint32_t v) { return std::to_string(v); };
		out_ << "sq " << n(st->sq_head) << ".." << n(st->sq_tail) << " cached_head "
		     << n(st->cached_sq_head) << " pending " << n(st->sq_pending()) << "  cq "
		     << n(st->cq_head) << ".." << n(st->cq_tail) << " cached_tail "
		     << n(st->cached_cq_tail) << " pending " << n(st->cq_pending()) << "  overflow "
		     << n(st->overflow_list) << (st->overflow_complete ? "" : "+") << "  lost "
		     << n(st->cq_overflow) << "  dropped " << n(st->sq_dropped) << "  sq_flags "
		     << join_names(sq_flag_names(st->sq_flags)) << "  submitter "
		     << (st->submitter_tid ? n(st->submitter_tid) : "-");
		if (!st->rings_readable)
			out_ << "  rings unreadable";
		out_.end_line();
	}

	void sqpoll(const Ring& r)
	{
		const std::optional<Sqpoll>& q = r.sqpoll;
		key(out_, "sqpoll");
		if (!q) {
			out_ << '-';
			out_.end_line();
			return;
		}
		out_ << "cpu " << std::to_string(q->cpu) << "  idle_ms "
		     << (q->idle_ms ? std::to_string(*q->idle_ms) : "?") << "  thread_pid "
		     << (q->thread_pid ? std::to_string(q->thread_pid) : "-") << "  group "
		     << (q->group.empty() ? "-" : q->group) << "  shared_with ";
		const std::vector<FileRef> others = s_.shared_with(r);
		for (std::size_t i = 0; i < others.size(); i++)
			out_ << (i ? "," : "") << file(others[i]).id;
		if (others.empty())
			out_ << '-';
		out_.end_line();
	}

	// Restrictions and io-wq limits, a line each when set.
	void regs(const std::optional<RingRegs>& g)
	{
		if (!g)
			return;
		const auto list = [](const std::vector<std::uint32_t>& v) {
			std::string out;
			for (std::uint32_t x : v)
				out += (out.empty() ? "" : ",") + std::to_string(x);
			return out.empty() ? std::string("-") : out;
		};
		if (g->sqe_restricted || g->register_restricted) {
			key(out_, "restrictions");
			out_ << "register_ops "
			     << (g->register_restricted ? list(g->register_ops) : "any")
			     << "  sqe_ops " << (g->sqe_restricted ? list(g->sqe_ops) : "any")
			     << "  sqe_flags_allowed " << format_hex(g->sqe_flags_allowed)
			     << "  sqe_flags_required " << format_hex(g->sqe_flags_required);
			out_.end_line();
		}
		if (g->iowq_bounded || g->iowq_unbounded) {
			key(out_, "iowq_max_workers");
			out_ << "bounded " << std::to_string(g->iowq_bounded) << "  unbounded "
			     << std::to_string(g->iowq_unbounded);
			out_.end_line();
		}
		if (g->napi) {
			key(out_, "napi");
			out_ << "busy_poll_us " << std::to_string(g->napi->busy_poll_us)
			     << "  prefer_busy_poll " << yes_no(g->napi->prefer_busy_poll)
			     << "  tracking " << napi_tracking_name(g->napi->tracking);
			out_.end_line();
		}
	}

	// With --requests: a summary line, then a line per CQE and request.
	void requests(const std::optional<Requests>& q)
	{
		if (!q)
			return;
		const auto more = [](bool complete) { return complete ? "" : "+"; };
		key(out_, "requests");
		out_ << "cqes " << std::to_string(q->cqes.size()) << more(q->cqes_complete)
		     << "  overflow " << std::to_string(q->overflow.size())
		     << more(q->overflow_complete) << "  in_flight "
		     << std::to_string(q->in_flight.size())
		     << more(q->polls_complete && q->timeouts_complete &&
			     q->link_timeouts_complete && q->iowq_complete);
		out_.end_line();
		const auto completion = [&](std::string_view name, const Completion& c) {
			key(out_, name);
			out_ << "user_data " << format_hex(c.user_data) << "  res "
			     << std::to_string(c.res) << "  flags " << format_hex(c.flags);
			out_.end_line();
		};
		for (const Completion& c : q->cqes)
			completion("cqe", c);
		for (const Completion& c : q->overflow)
			completion("overflow_cqe", c);
		for (const InFlight& r : q->in_flight) {
			key(out_, "in_flight");
			out_ << request_kind_name(static_cast<int>(r.kind)) << "  opcode "
			     << std::to_string(r.opcode) << "  user_data "
			     << format_hex(r.user_data);
			out_.end_line();
		}
	}

	// One line per provided-buffer group.
	void buffer_groups(const std::vector<BufferGroup>& v)
	{
		for (const BufferGroup& g : v) {
			key(out_, "buffer_group");
			out_ << std::to_string(g.bgid);
			if (!g.ring) {
				out_ << "  legacy  count " << std::to_string(g.count);
				if (!g.count_complete)
					out_ << "  incomplete";
				out_.end_line();
				continue;
			}
			out_ << "  ring  entries " << std::to_string(g.entries) << "  head "
			     << std::to_string(g.head) << "  tail "
			     << (g.tail_known ? std::to_string(g.tail) : "?") << "  available "
			     << (g.tail_known ? std::to_string(g.count) : "?") << "  memory "
			     << (g.kernel_memory ? "kernel" : "user");
			if (g.kernel_memory) {
				out_ << "  mmap_offset " << format_hex(g.mmap_offset)
				     << "  mapped ";
				std::string at;
				for (std::uint64_t a : g.mapped_at)
					at += (at.empty() ? "" : ",") + format_hex(a);
				out_ << (at.empty() ? "-" : at);
			}
			out_ << "  incremental " << yes_no(g.incremental);
			out_.end_line();
		}
	}

	void eventfd(const std::optional<RingEventfd>& e, const std::optional<RingRegs>& g)
	{
		key(out_, "eventfd");
		if (!e) {
			out_ << '-';
			out_.end_line();
			return;
		}
		out_ << (e->file ? file(*e->file).id : "-") << "  fds " << fd_list(e->fds)
		     << "  async " << yes_no(e->async);
		if (g && g->evfd_count)
			out_ << "  count " << std::to_string(*g->evfd_count);
		if (!e->file) {
			out_.end_line();
			return;
		}
		const File& f = file(*e->file);
		out_ << "  mode " << mode_text(f) << "  flags " << open_flags_text(f);
		if (f.path)
			out_ << "  path " << printable(*f.path);
		out_.end_line();
	}

	template <class Slot>
	void table_head(std::string_view name, const Table<Slot>& t)
	{
		key(out_, name);
		out_ << "nr " << std::to_string(t.nr);
		if (t.dumped)
			out_ << "  used " << std::to_string(t.used) << "  complete "
			     << yes_no(t.complete);
		else
			out_ << "  not in this dump";
		out_.end_line();
	}

	// A "tag" column right after "slot" when any slot of the table has a tag.
	template <class Slot>
	static bool has_tags(const Table<Slot>& t)
	{
		return std::any_of(t.slots.begin(), t.slots.end(),
				   [](const Slot& s) { return s.tag != 0; });
	}
	static void tag_cell(TextTable& tt, std::uint64_t tag)
	{
		tt.cell("tag", tag ? std::to_string(tag) : "-");
	}

	void reg_files(const Table<RegisteredFile>& t)
	{
		table_head("registered_files", t);
		if (t.slots.empty())
			return;
		const bool tags = has_tags(t);
		TextTable tt(2 + kFileCells);
		tt.reserve(t.slots.size());
		for (const RegisteredFile& slot : t.slots) {
			tt.begin_row();
			tt.cell("slot", std::to_string(slot.index));
			if (tags)
				tag_cell(tt, slot.tag);
			if (slot.empty)
				tt.cell("empty");
			else
				file_cells(tt, file(slot.file), slot.fds);
		}
		tt.write(out_, "      ");
	}

	void reg_buffers(const Table<RegisteredBuffer>& t)
	{
		table_head("registered_buffers", t);
		if (t.slots.empty())
			return;
		const bool tags = has_tags(t);
		TextTable tt(5);
		tt.reserve(t.slots.size());
		for (const RegisteredBuffer& slot : t.slots) {
			tt.begin_row();
			tt.cell("slot", std::to_string(slot.index));
			if (tags)
				tag_cell(tt, slot.tag);
			if (slot.empty) {
				tt.cell("empty");
				continue;
			}
			tt.cell("addr", format_hex(slot.addr));
			tt.cell("len", std::to_string(slot.len));
			tt.cell("nr_bvecs", std::to_string(slot.nr_bvecs));
		}
		tt.write(out_, "      ");
	}

	void epoll(const Epoll& e)
	{
		instance_head("epoll", e.file, e.fds);
		if (!e.thread_fds.empty())
			out_ << "  thread_fds " << table_fd_list(e.thread_fds);
		out_ << "  items " << std::to_string(e.items.size()) << "  complete "
		     << yes_no(e.complete);
		out_.end_line();
		if (e.items.empty())
			return;
		TextTable tt(3 + kFileCells);
		tt.reserve(e.items.size());
		for (const EpollItem& i : e.items) {
			tt.begin_row();
			tt.cell(tfd_text(i));
			tt.cell("events", join_names(epoll_event_names(i.events)));
			tt.cell("data", format_hex(i.data));
			file_cells(tt, file(i.file), i.fds);
		}
		tt.write(out_, "    ");
	}

	const Snapshot& s_;
	Sink out_;
};

} // namespace

std::string printable(std::string_view s)
{
	static constexpr char kHex[] = "0123456789abcdef";
	std::string out;
	out.reserve(s.size());
	for (char ch : s) {
		const auto c = static_cast<unsigned char>(ch);
		if (c >= 0x20 && c != 0x7f) {
			out += ch;
			continue;
		}
		out += "\\x";
		out += kHex[c >> 4];
		out += kHex[c & 0xf];
	}
	return out;
}

void render_text(const Snapshot& snapshot, std::ostream& out)
{
	TextRenderer(snapshot, out).run();
}

} // namespace uringdump
