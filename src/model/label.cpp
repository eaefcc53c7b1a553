// Labels: fN for files in output order, gN for SQPOLL groups.
#include "model/label.hpp"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "model/flags.hpp"

namespace uringdump {
namespace {

class Labeler {
public:
	Labeler(Snapshot& snap, FileRegistry& files, const Collected& c)
	    : snap_(snap), files_(files), c_(c)
	{
		for (const auto& [id, ring] : c_.rings)
			if ((ring.rec.setup_flags & setup::SQPOLL) && ring.rec.sq_group_id != 0)
				groups_[ring.rec.sq_group_id].push_back(id);
		for (auto& [id, members] : groups_)
			std::sort(members.begin(), members.end());
	}

	void label_all();

private:
	void label_ring(Ring& ring, const std::unordered_map<FileRef, std::size_t>& position);
	std::size_t label_group(std::uint64_t raw,
				const std::unordered_map<FileRef, std::size_t>& position);

	Snapshot& snap_;
	FileRegistry& files_;
	const Collected& c_;
	std::unordered_map<std::uint64_t, std::vector<std::uint64_t>>
		groups_;                                             // io_sq_data -> rings
	std::unordered_map<std::uint64_t, std::size_t> group_index_; // io_sq_data -> snap_.groups
};

// The group's index in snap_.groups; created (and its rings labelled, in
// output order) on first sight.
std::size_t Labeler::label_group(std::uint64_t raw,
				 const std::unordered_map<FileRef, std::size_t>& position)
{
	auto [it, inserted] = group_index_.try_emplace(raw, snap_.groups.size());
	if (!inserted)
		return it->second;
	SqpollGroup g;
	g.id = "g" + std::to_string(snap_.groups.size() + 1);
	g.raw_id = raw;
	if (auto m = groups_.find(raw); m != groups_.end())
		for (std::uint64_t ring : m->second)
			g.rings.push_back(files_.ref(ring));
	auto pos = [&](FileRef f) {
		auto p = position.find(f);
		return p == position.end() ? position.size() : p->second;
	};
	std::stable_sort(g.rings.begin(), g.rings.end(),
			 [&](FileRef a, FileRef b) { return pos(a) < pos(b); });
	for (FileRef f : g.rings)
		files_.label(f);
	snap_.groups.push_back(std::move(g));
	return it->second;
}

void Labeler::label_ring(Ring& ring, const std::unordered_map<FileRef, std::size_t>& position)
{
	files_.label(ring.file);
	if (ring.sqpoll && ring.sqpoll->group_raw != 0) {
		Sqpoll& s = *ring.sqpoll;
		s.group_index = label_group(s.group_raw, position);
		s.group = snap_.groups[*s.group_index].id;
	}
	if (ring.eventfd && ring.eventfd->file)
		files_.label(*ring.eventfd->file);
	for (const RegisteredFile& slot : ring.files.slots)
		if (!slot.empty)
			files_.label(slot.file);
}

// Labels in output order: rings (id, sqpoll peers, eventfd, slots), then
// epolls (id, items); then the files only the fd tables reference.
void Labeler::label_all()
{
	std::unordered_map<FileRef, std::size_t> position;
	for (const Process& p : snap_.processes)
		for (const Ring& r : p.rings)
			position.try_emplace(r.file, position.size());
	for (Process& p : snap_.processes) {
		for (Ring& r : p.rings)
			label_ring(r, position);
		for (const Epoll& e : p.epolls) {
			files_.label(e.file);
			for (const EpollItem& item : e.items)
				files_.label(item.file);
		}
	}
	for (const Process& p : snap_.processes)
		for (const Fd& fd : p.fds)
			files_.label(fd.file);
	// Then the files of FILE records nothing referenced, by opaque id
	// (there are none, as a rule: no sort of every id for nothing).
	if (!files_.all_labelled()) {
		std::vector<std::uint64_t> rest;
		rest.reserve(c_.files.size());
		for (const auto& [id, f] : c_.files)
			rest.push_back(id);
		std::sort(rest.begin(), rest.end());
		for (std::uint64_t id : rest)
			files_.label(files_.ref(id));
	}
	for (SqpollGroup& g : snap_.groups)
		std::sort(g.rings.begin(), g.rings.end(), [this](FileRef a, FileRef b) {
			return files_.get(a).label < files_.get(b).label;
		});
}

} // namespace

void label_snapshot(Snapshot& snap, FileRegistry& files, const Collected& c)
{
	Labeler(snap, files, c).label_all();
}

} // namespace uringdump
