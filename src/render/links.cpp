// Plain and JSON rendering of BPF links, in bpftool's layout and names.
#include "render/links.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "render/json.hpp"

namespace uringdump {
namespace {

// ------------------------------------------------------------------ plain

void plain_iter(const LinkDesc& l, std::ostream& out)
{
	out << "target_name " << l.target_name << "  ";
	if (l.map_id)
		out << "map_id " << *l.map_id << "  ";
	if (l.tid)
		out << "tid " << *l.tid << "  ";
	else if (l.pid)
		out << "pid " << *l.pid << "  ";
	if (l.io_uring_inode)
		out << "io_uring_inode " << *l.io_uring_inode << "  ";
	if (l.epoll_inode)
		out << "epoll_inode " << *l.epoll_inode << "  ";
	if (l.cgroup_id)
		out << "cgroup_id " << *l.cgroup_id << "  ";
	if (l.order)
		out << "order " << cgroup_order_name(*l.order) << "  ";
	if (l.uringdump) {
		const UringdumpTarget& u = *l.uringdump;
		out << "\n\turingdump ";
		if (!u.pid)
			out << "all processes";
		else if (u.fd)
			out << "pid " << *u.pid << "  fd " << *u.fd;
		else
			out << "pid " << *u.pid << "  all fds";
	}
}

// ------------------------------------------------------------------- JSON

// A small JSON writer that keeps the keys in the order they are written.
class Writer {
public:
	Writer(std::string& buf, bool pretty) : buf_(buf), pretty_(pretty) {}

	void begin_object() { open('{'); }
	void end_object() { close('}'); }
	void begin_array() { open('['); }
	void end_array() { close(']'); }
	void key(std::string_view k)
	{
		separate();
		quoted(k);
		buf_ += pretty_ ? ": " : ":";
		after_key_ = true;
	}
	void number(std::uint64_t v) { raw(std::to_string(v)); }
	void snumber(std::int64_t v) { raw(std::to_string(v)); }
	void null() { raw("null"); }
	void string(std::string_view s)
	{
		separate();
		quoted(s);
	}

private:
	void separate()
	{
		if (after_key_) {
			after_key_ = false;
			return;
		}
		if (first_.empty())
			return;
		if (!first_.back())
			buf_ += ',';
		first_.back() = false;
		indent();
	}
	void indent()
	{
		if (!pretty_)
			return;
		buf_ += '\n';
		buf_.append(2 * first_.size(), ' ');
	}
	void open(char c)
	{
		separate();
		buf_ += c;
		first_.push_back(true);
	}
	void close(char c)
	{
		const bool empty = first_.back();
		first_.pop_back();
		if (!empty)
			indent();
		buf_ += c;
	}
	void raw(std::string_view text)
	{
		separate();
		buf_ += text;
	}
	// JSON string; invalid UTF-8 bytes become U+FFFD.
	void quoted(std::string_view s)
	{
		static constexpr char kHex[] = "0123456789abcdef";
		buf_ += '"';
		std::size_t i = 0;
		while (i < s.size()) {
			const auto c = static_cast<unsigned char>(s[i]);
			if (c >= 0x80) {
				const std::size_t n = utf8_sequence_length(s.substr(i));
				if (n == 0) {
					buf_ += "\xef\xbf\xbd";
					i++;
				} else {
					buf_.append(s.substr(i, n));
					i += n;
				}
				continue;
			}
			if (c == '"' || c == '\\') {
				buf_ += '\\';
				buf_ += static_cast<char>(c);
			} else if (c == '\n') {
				buf_ += "\\n";
			} else if (c == '\t') {
				buf_ += "\\t";
			} else if (c < 0x20 || c == 0x7f) {
				buf_ += "\\u00";
				buf_ += kHex[c >> 4];
				buf_ += kHex[c & 0xf];
			} else {
				buf_ += static_cast<char>(c);
			}
			i++;
		}
		buf_ += '"';
	}

	std::string& buf_;
	const bool pretty_;
	std::vector<bool> first_; // per open level: nothing written in it yet
	bool after_key_ = false;
};

void json_link(Writer& w, const LinkDesc& l)
{
	w.begin_object();
	w.key("id");
	w.number(l.id);
	w.key("type");
	if (l.type_name.empty())
		w.number(l.type);
	else
		w.string(l.type_name);
	w.key("prog_id");
	w.number(l.prog_id);
	if (l.is_iter()) {
		w.key("target_name");
		w.string(l.target_name);
		if (l.map_id) {
			w.key("map_id");
			w.number(*l.map_id);
		}
		if (l.tid) {
			w.key("tid");
			w.number(*l.tid);
		} else if (l.pid) {
			w.key("pid");
			w.number(*l.pid);
		}
		if (l.io_uring_inode) {
			w.key("io_uring_inode");
			w.number(*l.io_uring_inode);
		}
		if (l.epoll_inode) {
			w.key("epoll_inode");
			w.number(*l.epoll_inode);
		}
		if (l.cgroup_id) {
			w.key("cgroup_id");
			w.number(*l.cgroup_id);
		}
		if (l.order) {
			w.key("order");
			w.string(cgroup_order_name(*l.order));
		}
		if (l.uringdump) {
			w.key("uringdump");
			w.begin_object();
			w.key("pid");
			if (l.uringdump->pid)
				w.number(*l.uringdump->pid);
			else
				w.null();
			w.key("fd");
			if (l.uringdump->fd)
				w.snumber(*l.uringdump->fd);
			else
				w.null();
			w.end_object();
		}
	}
	w.key("pinned");
	w.begin_array();
	for (const std::string& p : l.pinned)
		w.string(p);
	w.end_array();
	w.key("pids");
	w.begin_array();
	for (const LinkHolder& h : l.pids) {
		w.begin_object();
		w.key("pid");
		w.snumber(h.pid);
		w.key("comm");
		w.string(h.comm);
		w.end_object();
	}
	w.end_array();
	w.end_object();
}

} // namespace

void render_link_plain(const LinkDesc& l, std::ostream& out)
{
	out << l.id << ": ";
	if (l.type_name.empty())
		out << "type " << l.type << "  ";
	else
		out << l.type_name << "  ";
	out << "prog " << l.prog_id << "  ";
	if (l.is_iter())
		plain_iter(l, out);
	for (const std::string& p : l.pinned)
		out << "\n\tpinned " << p;
	if (!l.pids.empty()) {
		out << "\n\tpids ";
		for (std::size_t i = 0; i < l.pids.size(); i++)
			out << (i ? ", " : "") << l.pids[i].comm << '(' << l.pids[i].pid << ')';
	}
	out << '\n';
}

void render_links_plain(std::span<const LinkDesc> links, std::ostream& out)
{
	for (const LinkDesc& l : links)
		render_link_plain(l, out);
}

void render_link_json(const LinkDesc& link, std::ostream& out, bool pretty)
{
	std::string buf;
	Writer w(buf, pretty);
	json_link(w, link);
	buf += '\n';
	out << buf;
}

void render_links_json(std::span<const LinkDesc> links, std::ostream& out, bool pretty)
{
	std::string buf;
	Writer w(buf, pretty);
	w.begin_array();
	for (const LinkDesc& l : links)
		json_link(w, l);
	w.end_array();
	buf += '\n';
	out << buf;
}

} // namespace uringdump
