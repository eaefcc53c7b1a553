// The fuzz targets (targets.hpp).  Any crash, sanitizer report or leak is a
// bug; rejecting the input is fine.
#include "targets.hpp"

#include <ostream>
#include <streambuf>
#include <string>
#include <vector>

#include "base/procfs.hpp"
#include "bpftool/iter_args.hpp"
#include "bpftool/link_info.hpp"
#include "model/model.hpp"
#include "records/records.hpp"
#include "render/json.hpp"
#include "render/links.hpp"
#include "render/text.hpp"

namespace udfuzz {
namespace {

// Discards what is written (the renderers must still do all their work).
class NullBuf : public std::streambuf {
protected:
	int overflow(int c) override { return c; }
	std::streamsize xsputn(const char*, std::streamsize n) override { return n; }
};

std::string_view text_of(std::span<const std::uint8_t> data)
{
	return {reinterpret_cast<const char*>(data.data()), data.size()};
}

void render_all(const std::vector<uringdump::RawRecord>& records, bool exact)
{
	auto snap = uringdump::build_snapshot(records, exact);
	if (!snap)
		return;
	NullBuf buf;
	std::ostream out(&buf);
	uringdump::render_text(snap.value(), out);
	uringdump::render_json(snap.value(), out, false);
	uringdump::render_json(snap.value(), out, true);
}

} // namespace

void records(std::span<const std::uint8_t> data)
{
	if (auto stream = uringdump::decode_stream(data)) {
		render_all(stream.value(), false);
		return;
	}
	const std::size_t whole = data.size() - data.size() % uringdump::kRecordSize;
	if (auto spill = uringdump::decode_spill(data.first(whole)))
		render_all(spill.value(), true);
}

void link_info(std::span<const std::uint8_t> data)
{
	if (data.empty())
		return;
	const std::size_t name_len = std::min<std::size_t>(data[0], data.size() - 1);
	const std::string name(text_of(data.subspan(1, name_len)));
	auto link = uringdump::parse_link_info(data.subspan(1 + name_len), name);
	if (!link)
		return;
	NullBuf buf;
	std::ostream out(&buf);
	uringdump::render_link_plain(link.value(), out);
	uringdump::render_link_json(link.value(), out, false);
	uringdump::render_link_json(link.value(), out, true);
}

void mountinfo(std::span<const std::uint8_t> data)
{
	(void)uringdump::parse_bpf_mounts(text_of(data));
}

void fdinfo(std::span<const std::uint8_t> data)
{
	(void)uringdump::parse_fdinfo_link_id(text_of(data));
}

void proc_stat(std::span<const std::uint8_t> data)
{
	(void)uringdump::parse_proc_stat(std::string(text_of(data)));
}

void iter_args(std::span<const std::uint8_t> data)
{
	std::vector<std::string_view> words;
	std::string_view rest = text_of(data);
	while (!rest.empty() && words.size() < 64) {
		const std::size_t nul = rest.find('\0');
		words.push_back(rest.substr(0, nul));
		rest = nul == std::string_view::npos ? std::string_view{} : rest.substr(nul + 1);
	}
	(void)uringdump::parse_iter_command(words);
}

} // namespace udfuzz
