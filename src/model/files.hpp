// Files of a snapshot: each struct file is made once, on first reference,
// from its FILE and PATH records, and labelled "fN" in output order.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/id_map.hpp"
#include "model/collect.hpp"
#include "model/model.hpp"

namespace uringdump {

class FileRegistry {
public:
	explicit FileRegistry(const Collected& c) : c_(c), by_record_(c.files.size(), kNoRef)
	{
		// Files with a FILE record, and those known only by an FD (stdin, a
		// socket): a growth past the reserve would move every File (112 MB
		// at a million files); what is reserved and not used is not touched.
		files_.reserve(c.files.size() + c.fds.size());
	}

	// The file with opaque id `raw`, created on first reference.  A file
	// with a FILE record is found by that record's entry (one lookup, in a
	// table the model reads anyway); the others by their own index.
	FileRef ref(std::uint64_t raw)
	{
		if (auto it = c_.files.find(raw); it != c_.files.end()) {
			FileRef& slot = by_record_[static_cast<std::size_t>(it - c_.files.begin())];
			if (slot == kNoRef) {
				slot = static_cast<FileRef>(files_.size());
				// in place: a File is 112 bytes
				make(files_.emplace_back(), raw, &it->second);
			}
			return slot;
		}
		auto [it, inserted] = index_.try_emplace(raw, static_cast<FileRef>(files_.size()));
		if (inserted)
			make(files_.emplace_back(), raw, nullptr);
		return it->second;
	}

	File& get(FileRef ref) { return files_[ref]; }
	std::vector<File>& all() { return files_; }

	// Gives ref the next label unless it has one.
	void label(FileRef ref)
	{
		File& f = files_[ref];
		if (f.label != 0)
			return;
		f.label = ++last_label_;
		char buf[16] = {'f'};
		const auto end = std::to_chars(buf + 1, buf + sizeof(buf), f.label).ptr;
		f.id.assign(buf, end);
	}

	// Whether every FILE record has its File and every File its label:
	// then no file is left to label.  Files without a FILE record are the
	// ones in index_.
	bool all_labelled() const
	{
		return files_.size() - index_.size() == c_.files.size() &&
		       last_label_ == files_.size();
	}

private:
	// f (default-constructed) becomes the file with opaque id raw and FILE
	// record rec (nullptr: none).
	void make(File& f, std::uint64_t raw, const FileFacts* rec) const;
	std::uint32_t fallback_kind(std::uint64_t raw) const;
	const std::unordered_map<std::uint64_t, std::uint32_t>& fd_kinds() const;

	const Collected& c_;
	mutable std::optional<std::unordered_map<std::uint64_t, std::uint32_t>> fd_kinds_;
	static constexpr FileRef kNoRef = ~FileRef{0};
	std::vector<FileRef> by_record_; // by entry of c_.files
	IdMap<FileRef> index_;           // files without a FILE record
	std::vector<File> files_;
	std::uint32_t last_label_ = 0;
};

// A path from its PATH records (any order, repeats allowed), as
// readlink(2) of /proc/PID/fd shows it; nullopt without records.
std::optional<std::string> assemble_path(std::vector<ud_rec_path> chunks);

// The name readlink(2) gives a file without a path (pipe:[N], socket:[N],
// anon_inode:[NAME], NAME from its FILE record's anon_name or else known
// from its kind); nullopt for other files.
std::optional<std::string> pseudo_path(const File& f, std::string_view anon_name);

} // namespace uringdump
