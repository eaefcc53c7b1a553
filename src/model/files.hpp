// Files of a snapshot: each struct file is made once, on first reference,
// from its FILE and PATH records, and labelled "fN" in output order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/id_map.hpp"
#include "model/collect.hpp"
#include "model/model.hpp"

namespace uringdump {

class FileRegistry {
public:
	explicit FileRegistry(const Collected& c) : c_(c)
	{
		// Files with a FILE record, and those known only by an FD (stdin, a
		// socket): a growth past the reserve would move every File (170 MB
		// at a million files); what is reserved and not used is not touched.
		const std::size_t most = c.files.size() + c.fds.size();
		index_.reserve(most);
		files_.reserve(most);
	}

	// The file with opaque id `raw`, created on first reference.
	FileRef ref(std::uint64_t raw)
	{
		auto [it, inserted] = index_.try_emplace(raw, static_cast<FileRef>(files_.size()));
		if (inserted)
			make(files_.emplace_back(), raw); // in place: a File is some 170 bytes
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
		f.id = "f" + std::to_string(f.label);
	}

private:
	// f (default-constructed) becomes the file with opaque id raw.
	void make(File& f, std::uint64_t raw) const;
	std::uint32_t fallback_kind(std::uint64_t raw) const;
	const std::unordered_map<std::uint64_t, std::uint32_t>& fd_kinds() const;

	const Collected& c_;
	mutable std::optional<std::unordered_map<std::uint64_t, std::uint32_t>> fd_kinds_;
	IdMap<FileRef> index_;
	std::vector<File> files_;
	std::uint32_t last_label_ = 0;
};

// A path from its PATH records (any order, repeats allowed), as
// readlink(2) of /proc/PID/fd shows it; nullopt without records.
std::optional<std::string> assemble_path(std::vector<ud_rec_path> chunks);

// The name readlink(2) gives a file without a path (pipe:[N], socket:[N],
// anon_inode:[NAME]); nullopt for other files.
std::optional<std::string> pseudo_path(const File& f);

} // namespace uringdump
