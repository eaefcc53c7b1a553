// Files: paths from PATH records, names of pseudo files, the registry.
#include "model/files.hpp"

#include <algorithm>
#include <string_view>

namespace uringdump {
namespace {

std::string chunk_text(const ud_rec_path& p)
{
	return bounded_string(p.name, std::min<std::size_t>(p.len, UD_NAME_CHUNK));
}

std::string_view default_anon_name(std::uint32_t kind)
{
	switch (kind) {
	case UD_FK_IO_URING: return "[io_uring]";
	case UD_FK_EPOLL: return "[eventpoll]";
	case UD_FK_EVENTFD: return "[eventfd]";
	default: return "";
	}
}

} // namespace

// Component 0 is the basename: "/" + components from the outermost down.
std::optional<std::string> assemble_path(std::vector<ud_rec_path> chunks)
{
	if (chunks.empty())
		return std::nullopt;
	std::stable_sort(chunks.begin(), chunks.end(),
			 [](const ud_rec_path& a, const ud_rec_path& b) {
				 return a.comp != b.comp ? a.comp > b.comp : a.off < b.off;
			 });
	const bool truncated = std::any_of(chunks.begin(), chunks.end(), [](const ud_rec_path& p) {
		return p.h.flags & UD_PATH_TRUNCATED;
	});
	std::string out = truncated ? "..." : "";
	for (std::size_t i = 0; i < chunks.size();) {
		const std::uint16_t comp = chunks[i].comp;
		std::string name;
		for (int last_off = -1; i < chunks.size() && chunks[i].comp == comp; i++) {
			if (chunks[i].off != last_off)
				name += chunk_text(chunks[i]);
			last_off = chunks[i].off;
		}
		if (!name.empty() && name != "/")
			out += "/" + name;
	}
	if (out.empty() || out == "...")
		out += "/";
	// As readlink(2) of /proc/PID/fd shows an unlinked file.
	if (std::any_of(chunks.begin(), chunks.end(), [](const ud_rec_path& p) {
		    return p.comp == 0 && (p.h.flags & UD_PATH_DELETED);
	    }))
		out += " (deleted)";
	return out;
}

// The name readlink(2) gives a file without a path: pipes, sockets, anon inodes.
std::optional<std::string> pseudo_path(const File& f, std::string_view anon_name)
{
	switch (f.kind) {
	case UD_FK_FIFO:
	case UD_FK_SOCK:
		if (!f.has_record)
			return std::nullopt;
		return std::string(f.kind == UD_FK_FIFO ? "pipe:[" : "socket:[") +
		       std::to_string(f.inode) + "]";
	case UD_FK_IO_URING:
	case UD_FK_EPOLL:
	case UD_FK_EVENTFD:
	case UD_FK_ANON: {
		// one allocation: a file per item of a large epoll takes this path
		const std::string_view name =
			anon_name.empty() ? default_anon_name(f.kind) : anon_name;
		if (name.empty())
			return std::nullopt;
		constexpr std::string_view prefix = "anon_inode:";
		std::string path;
		path.reserve(prefix.size() + name.size());
		path.append(prefix).append(name);
		return path;
	}
	default: return std::nullopt;
	}
}

// FD.kind by file id; built on first need (files without a FILE record).
const std::unordered_map<std::uint64_t, std::uint32_t>& FileRegistry::fd_kinds() const
{
	if (!fd_kinds_) {
		fd_kinds_.emplace();
		fd_kinds_->reserve(c_.fds.size());
		for (const auto& [key, fd] : c_.fds)
			fd_kinds_->try_emplace(fd.file_id, fd.kind);
	}
	return *fd_kinds_;
}

std::uint32_t FileRegistry::fallback_kind(std::uint64_t raw) const
{
	if (c_.rings.count(raw))
		return UD_FK_IO_URING;
	if (c_.epolls.count(raw))
		return UD_FK_EPOLL;
	const auto& kinds = fd_kinds();
	auto it = kinds.find(raw);
	return it == kinds.end() ? std::uint32_t{UD_FK_OTHER} : it->second;
}

void FileRegistry::make(File& f, std::uint64_t raw, const FileFacts* rec) const
{
	f.raw_id = raw;
	if (rec) {
		const FileFacts& r = *rec;
		f.has_record = true;
		f.kind = r.kind;
		f.inode = r.ino;
		f.dev = r.dev;
		f.mode = r.mode;
		f.f_flags = r.f_flags;
	}
	if (f.kind == UD_FK_OTHER)
		f.kind = fallback_kind(raw);
	if (auto it = c_.paths.find(raw); it != c_.paths.end())
		f.path = assemble_path(it->second);
	if (!f.path)
		f.path = pseudo_path(f, rec ? bounded_view(rec->anon_name, sizeof(rec->anon_name))
					    : std::string_view());
}

} // namespace uringdump
