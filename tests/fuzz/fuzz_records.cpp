// libFuzzer target: untrusted bytes -> decode_stream (or, when that
// rejects them, decode_spill of the whole records) -> build_snapshot ->
// both renderers.  Any crash, sanitizer report or leak is a bug.
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <span>
#include <streambuf>

#include "model/model.hpp"
#include "records/records.hpp"
#include "render/json.hpp"
#include "render/text.hpp"

namespace {

// Discards what is written (the renderers must still do all their work).
class NullBuf : public std::streambuf {
protected:
	int overflow(int c) override { return c; }
	std::streamsize xsputn(const char*, std::streamsize n) override { return n; }
};

void exercise(const std::vector<uringdump::RawRecord>& records, bool exact)
{
	auto snap = uringdump::build_snapshot(records, exact);
	if (!snap)
		return;
	NullBuf buf;
	std::ostream out(&buf);
	uringdump::render_text(snap.value(), out);
	uringdump::render_json(snap.value(), out, exact);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
	const std::span<const std::uint8_t> bytes(data, size);
	if (auto stream = uringdump::decode_stream(bytes)) {
		exercise(stream.value(), false);
		return 0;
	}
	const std::size_t whole = size - size % uringdump::kRecordSize;
	if (auto spill = uringdump::decode_spill(bytes.first(whole)))
		exercise(spill.value(), true);
	return 0;
}
