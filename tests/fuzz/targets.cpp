// The fuzz targets (targets.hpp).  Any crash, sanitizer report or leak is a
// bug; rejecting the input is fine.
#include "targets.hpp"

#include <ostream>
#include <streambuf>
#include <string>
#include <vector>

#include "base/procfs.hpp"
#include "bpftool/iter_args.hpp"
#include "image/store.hpp"
#include "bpftool/link_info.hpp"
#include "cli/options.hpp"
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

namespace {

std::vector<std::string_view> words_of(std::string_view rest)
{
	std::vector<std::string_view> words;
	while (!rest.empty() && words.size() < 64) {
		const std::size_t nul = rest.find('\0');
		words.push_back(rest.substr(0, nul));
		rest = nul == std::string_view::npos ? std::string_view{} : rest.substr(nul + 1);
	}
	return words;
}

} // namespace

void iter_args(std::span<const std::uint8_t> data)
{
	(void)uringdump::parse_iter_command(words_of(text_of(data)));
}

void argv(std::span<const std::uint8_t> data)
{
	if (data.empty())
		return;
	constexpr uringdump::Command kCommands[] = {
		uringdump::Command::Dump, uringdump::Command::Pin, uringdump::Command::Read,
		uringdump::Command::Link, uringdump::Command::Iter, uringdump::Command::Cache,
		uringdump::Command::Checkpoint, uringdump::Command::Restore};
	const auto cmd = kCommands[data[0] % std::size(kCommands)];
	const auto words = words_of(text_of(data.subspan(1)));
	auto parsed = uringdump::parse_options(uringdump::command_options(cmd), words,
					       uringdump::command_rules(cmd));
	if (parsed)
		(void)uringdump::output_format(parsed.value());
}

void manifest(std::span<const std::uint8_t> data)
{
	auto img = uringdump::parse_manifest(text_of(data), "manifest");
	if (img)
		(void)img->find_file("f1");
}

} // namespace udfuzz
