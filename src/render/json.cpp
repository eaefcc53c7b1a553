// The JSON schema, written once (emit_*) over an Emitter: ValueEmitter
// builds a Json::Value (to_json), StreamEmitter writes text directly
// (render_json: no DOM, linear, chunked output for 200k items).
#include "render/json.hpp"

#include <charconv>
#include <limits>
#include <string_view>
#include <vector>

#include "model/flags.hpp"

namespace uringdump {

namespace {

// ---------------------------------------------------------------- schema

template <class E>
void emit_fds(E& e, const std::vector<std::uint32_t>& fds)
{
	e.begin_array();
	for (std::uint32_t fd : fds)
		e.uint(fd);
	e.end_array();
}

template <class E>
void emit_names(E& e, const std::vector<std::string>& names)
{
	e.begin_array();
	for (const std::string& n : names)
		e.string(n);
	e.end_array();
}

template <class E>
void emit_file(E& e, const Snapshot& s, FileRef ref)
{
	const File& f = s.file(ref);
	e.begin_object();
	e.key("id");
	e.string(f.id);
	e.key("type");
	e.string(file_kind_name(f.kind));
	e.key("inode");
	f.has_record ? e.uint(f.inode) : e.null();
	e.key("dev");
	f.has_record ? e.string(format_dev(f.dev)) : e.null();
	e.key("path");
	f.path ? e.string(*f.path) : e.null();
	e.end_object();
}

template <class E>
void emit_inode(E& e, const Snapshot& s, FileRef ref)
{
	const File& f = s.file(ref);
	e.key("inode");
	f.has_record ? e.uint(f.inode) : e.null();
}

template <class E>
void emit_sqpoll(E& e, const Snapshot& s, const Ring& r)
{
	const std::optional<Sqpoll>& q = r.sqpoll;
	e.key("sqpoll");
	if (!q)
		return e.null();
	e.begin_object();
	e.key("cpu");
	e.sint(q->cpu);
	e.key("idle_ms");
	q->idle_ms ? e.uint(*q->idle_ms) : e.null();
	e.key("thread_pid");
	q->thread_pid ? e.uint(q->thread_pid) : e.null();
	e.key("group");
	q->group.empty() ? e.null() : e.string(q->group);
	e.key("shared_with");
	e.begin_array();
	if (q->group_index)
		for (FileRef f : s.groups.at(*q->group_index).rings)
			if (f != r.file)
				e.string(s.file(f).id);
	e.end_array();
	e.end_object();
}

template <class E>
void emit_eventfd(E& e, const Snapshot& s, const std::optional<RingEventfd>& ev)
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
	e.end_object();
}

template <class E, class Slot, class SlotFn>
void emit_table(E& e, std::string_view name, const Table<Slot>& t, SlotFn emit_slot)
{
	e.key(name);
	e.begin_object();
	e.key("nr");
	e.uint(t.nr);
	e.key("used");
	e.uint(t.used);
	e.key("complete");
	e.boolean(t.complete);
	e.key("dumped");
	e.boolean(t.dumped);
	e.key("slots");
	e.begin_array();
	for (const Slot& slot : t.slots) {
		e.begin_object();
		e.key("index");
		e.uint(slot.index);
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

template <class E>
void emit_ring(E& e, const Snapshot& s, const Ring& r)
{
	e.begin_object();
	e.key("id");
	e.string(s.file(r.file).id);
	e.key("fds");
	emit_fds(e, r.fds);
	emit_inode(e, s, r.file);
	e.key("setup_flags");
	e.uint(r.setup_flags);
	e.key("setup_flag_names");
	emit_names(e, setup_flag_names(r.setup_flags));
	e.key("sq_entries");
	e.uint(r.sq_entries);
	e.key("cq_entries");
	e.uint(r.cq_entries);
	emit_sqpoll(e, s, r);
	emit_eventfd(e, s, r.eventfd);
	emit_table(e, "registered_files", r.files, [&](const RegisteredFile& slot) {
		e.key("file");
		emit_file(e, s, slot.file);
		e.key("fds");
		emit_fds(e, slot.fds);
	});
	emit_table(e, "registered_buffers", r.buffers, [&](const RegisteredBuffer& slot) {
		e.key("addr");
		e.uint(slot.addr);
		e.key("len");
		e.uint(slot.len);
		e.key("nr_bvecs");
		e.uint(slot.nr_bvecs);
	});
	e.end_object();
}

template <class E>
void emit_item(E& e, const Snapshot& s, const EpollItem& i)
{
	e.begin_object();
	e.key("tfd");
	e.uint(i.tfd);
	e.key("events");
	e.uint(i.events);
	e.key("event_names");
	emit_names(e, epoll_event_names(i.events));
	e.key("data");
	e.uint(i.data);
	e.key("file");
	emit_file(e, s, i.file);
	e.key("fds");
	emit_fds(e, i.fds);
	e.key("tfd_stale");
	e.boolean(i.tfd_stale);
	if (i.target == TargetKind::IoUring) {
		e.key("io_uring");
		e.string(s.file(i.file).id);
	} else if (i.target == TargetKind::Epoll) {
		e.key("epoll");
		e.string(s.file(i.file).id);
	}
	e.end_object();
}

template <class E>
void emit_epoll(E& e, const Snapshot& s, const Epoll& ep)
{
	e.begin_object();
	e.key("id");
	e.string(s.file(ep.file).id);
	e.key("fds");
	emit_fds(e, ep.fds);
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

template <class E>
void emit_process(E& e, const Snapshot& s, const Process& p)
{
	e.begin_object();
	e.key("pid");
	e.uint(p.pid);
	e.key("comm");
	e.string(p.comm);
	e.key("fds_known");
	e.boolean(p.fds_known);
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

template <class E>
void emit_snapshot(E& e, const Snapshot& s)
{
	e.begin_object();
	e.key("version");
	e.uint(kJsonVersion);
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

// ---------------------------------------------------------------- Json::Value

// Builds a Json::Value; containers are filled in place (std::map nodes
// of jsoncpp do not move), so only pointers are stacked.
class ValueEmitter {
public:
	explicit ValueEmitter(Json::Value& root) : root_(root) {}

	void begin_object() { stack_.push_back(&place(Json::Value(Json::objectValue))); }
	void begin_array() { stack_.push_back(&place(Json::Value(Json::arrayValue))); }
	void end_object() { stack_.pop_back(); }
	void end_array() { stack_.pop_back(); }
	void key(std::string_view k) { key_.assign(k); }
	void null() { place(Json::Value()); }
	void boolean(bool b) { place(Json::Value(b)); }
	// Typed as jsoncpp's reader types numbers: Int64 when it fits.
	void uint(std::uint64_t v)
	{
		if (v <= static_cast<std::uint64_t>(std::numeric_limits<Json::Int64>::max()))
			place(Json::Value(static_cast<Json::Int64>(v)));
		else
			place(Json::Value(static_cast<Json::UInt64>(v)));
	}
	void sint(std::int64_t v) { place(Json::Value(static_cast<Json::Int64>(v))); }
	void string(std::string_view v) { place(Json::Value(v.data(), v.data() + v.size())); }

private:
	Json::Value& place(Json::Value v)
	{
		if (stack_.empty())
			return root_ = std::move(v);
		Json::Value& top = *stack_.back();
		if (top.isArray())
			return top.append(std::move(v));
		return top[key_] = std::move(v);
	}

	Json::Value& root_;
	std::vector<Json::Value*> stack_;
	std::string key_;
};

// ---------------------------------------------------------------- text

constexpr std::size_t kChunk = 1u << 16;

// Appends s as a JSON string body: quotes, backslashes and control bytes
// escaped, valid UTF-8 kept, each invalid byte replaced by U+FFFD.
void append_escaped(std::string& out, std::string_view s)
{
	static constexpr char kHex[] = "0123456789abcdef";
	for (std::size_t i = 0; i < s.size();) {
		const auto c = static_cast<unsigned char>(s[i]);
		if (c >= 0x80) {
			const std::size_t n = utf8_sequence_length(s.substr(i));
			if (n == 0) {
				out += "\xef\xbf\xbd";
				i++;
			} else {
				out.append(s.substr(i, n));
				i += n;
			}
			continue;
		}
		switch (c) {
		case '"': out += "\\\""; break;
		case '\\': out += "\\\\"; break;
		case '\n': out += "\\n"; break;
		case '\t': out += "\\t"; break;
		case '\r': out += "\\r"; break;
		case '\b': out += "\\b"; break;
		case '\f': out += "\\f"; break;
		default:
			if (c < 0x20) {
				out += "\\u00";
				out += kHex[c >> 4];
				out += kHex[c & 0xf];
			} else {
				out += static_cast<char>(c);
			}
		}
		i++;
	}
}

// Writes JSON text into a buffer handed to the stream in large chunks.
// Pretty: two-space indent, one member or element per line, "[]"/"{}"
// when empty.  Compact: no whitespace at all.
class StreamEmitter {
public:
	StreamEmitter(std::ostream& out, bool pretty) : out_(out), pretty_(pretty)
	{
		buf_.reserve(2 * kChunk);
	}
	StreamEmitter(const StreamEmitter&) = delete;
	StreamEmitter& operator=(const StreamEmitter&) = delete;
	~StreamEmitter() { flush(); }

	void begin_object() { open('{'); }
	void begin_array() { open('['); }
	void end_object() { close('}'); }
	void end_array() { close(']'); }
	void key(std::string_view k)
	{
		element();
		quoted(k);
		buf_ += pretty_ ? ": " : ":";
		after_key_ = true;
	}
	void null() { scalar("null"); }
	void boolean(bool b) { scalar(b ? "true" : "false"); }
	void uint(std::uint64_t v) { number(v); }
	void sint(std::int64_t v) { number(v); }
	void string(std::string_view v)
	{
		element();
		quoted(v);
		done_value();
	}
	void finish()
	{
		buf_ += '\n';
		flush();
	}

private:
	struct Level {
		bool empty = true;
	};

	// Separator and indentation before a member or an element.
	void element()
	{
		if (after_key_) {
			after_key_ = false;
			return;
		}
		if (levels_.empty())
			return;
		Level& l = levels_.back();
		if (!l.empty)
			buf_ += ',';
		l.empty = false;
		newline();
	}
	void newline()
	{
		if (!pretty_)
			return;
		buf_ += '\n';
		buf_.append(2 * levels_.size(), ' ');
	}
	void open(char c)
	{
		element();
		buf_ += c;
		levels_.push_back(Level{});
	}
	void close(char c)
	{
		const bool empty = levels_.back().empty;
		levels_.pop_back();
		if (!empty)
			newline();
		buf_ += c;
		done_value();
	}
	void scalar(std::string_view text)
	{
		element();
		buf_ += text;
		done_value();
	}
	template <class N>
	void number(N v)
	{
		char tmp[24];
		const auto res = std::to_chars(tmp, tmp + sizeof(tmp), v);
		scalar(std::string_view(tmp, static_cast<std::size_t>(res.ptr - tmp)));
	}
	void quoted(std::string_view s)
	{
		buf_ += '"';
		append_escaped(buf_, s);
		buf_ += '"';
	}
	void done_value()
	{
		if (buf_.size() >= kChunk)
			flush();
	}
	void flush()
	{
		out_.write(buf_.data(), static_cast<std::streamsize>(buf_.size()));
		buf_.clear();
	}

	std::ostream& out_;
	const bool pretty_;
	std::string buf_;
	std::vector<Level> levels_;
	bool after_key_ = false;
};

} // namespace

std::size_t utf8_sequence_length(std::string_view s)
{
	if (s.empty())
		return 0;
	const auto b0 = static_cast<unsigned char>(s[0]);
	if (b0 < 0x80)
		return 1;
	std::size_t n;
	std::uint32_t cp;
	if (b0 >= 0xc2 && b0 <= 0xdf) {
		n = 2;
		cp = b0 & 0x1fu;
	} else if (b0 >= 0xe0 && b0 <= 0xef) {
		n = 3;
		cp = b0 & 0x0fu;
	} else if (b0 >= 0xf0 && b0 <= 0xf4) {
		n = 4;
		cp = b0 & 0x07u;
	} else {
		return 0;
	}
	if (s.size() < n)
		return 0;
	for (std::size_t i = 1; i < n; i++) {
		const auto b = static_cast<unsigned char>(s[i]);
		if ((b & 0xc0u) != 0x80u)
			return 0;
		cp = (cp << 6) | (b & 0x3fu);
	}
	const bool overlong = (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
	const bool surrogate = cp >= 0xd800 && cp <= 0xdfff;
	if (overlong || surrogate || cp > 0x10ffff)
		return 0;
	return n;
}

Json::Value to_json(const Snapshot& snapshot)
{
	Json::Value root;
	ValueEmitter e(root);
	emit_snapshot(e, snapshot);
	return root;
}

void render_json(const Snapshot& snapshot, std::ostream& out, bool pretty)
{
	StreamEmitter e(out, pretty);
	emit_snapshot(e, snapshot);
	e.finish();
}

} // namespace uringdump
