// Validation of untrusted record bytes.  Every read is bounded by the span.
#include "records/records.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

namespace uringdump {

namespace {

constexpr std::size_t kMagicOffset = offsetof(ud_rec_stream, magic);
constexpr std::size_t kStreamFieldsEnd = offsetof(ud_rec_stream, layout);

Error failure(std::string message)
{
	return make_error(Exit::Failure, std::move(message));
}

std::string hex32(std::uint32_t v)
{
	char buf[16];
	std::snprintf(buf, sizeof(buf), "0x%08" PRIx32, v);
	return buf;
}

std::string type_label(std::uint16_t type)
{
	const char* name = record_type_name(type);
	return name[0] == '?' ? std::to_string(type) : std::string(name);
}

bool known_type(std::uint16_t type)
{
	return type >= UD_REC_STREAM && type < UD_REC_MAX;
}

// A type that a stream of `version` may hold (types only grow).
bool known_type(std::uint16_t type, std::uint16_t version)
{
	return known_type(type) && (version >= 2 || type < UD_REC_V1_MAX);
}

// The first min(size, 64) bytes, zero-padded.
RawRecord first_record(std::span<const std::uint8_t> bytes)
{
	RawRecord raw;
	std::copy_n(bytes.begin(), std::min(bytes.size(), kRecordSize), raw.bytes.begin());
	return raw;
}

Status check_stream_header(std::span<const std::uint8_t> bytes)
{
	const std::size_t size = bytes.size();
	if (size == 0)
		return failure("not a uringdump stream (empty)");
	if (size < kMagicOffset + sizeof(std::uint32_t))
		return failure("not a uringdump stream (only " + std::to_string(size) + " bytes)");
	const auto head = first_record(bytes).as<ud_rec_stream>();
	if (head.magic != UD_MAGIC)
		return failure("not a uringdump stream (bad magic " + hex32(head.magic) + ")");
	if (size < kStreamFieldsEnd)
		return failure("truncated stream: " + std::to_string(size) +
			       " bytes is not a multiple of " + std::to_string(kRecordSize));
	if (head.h.type != UD_REC_STREAM)
		return failure("not a uringdump stream (first record is " +
			       type_label(head.h.type) + ", not STREAM)");
	if (head.version > UD_VERSION)
		return failure("stream version " + std::to_string(head.version) +
			       " is newer than this uringdump (" + std::to_string(UD_VERSION) +
			       ")");
	if (head.version == 0)
		return failure("unsupported stream version 0");
	if (head.rec_size != kRecordSize)
		return failure("unsupported record size " + std::to_string(head.rec_size) +
			       " (this uringdump reads " + std::to_string(kRecordSize) + ")");
	return {};
}

Status check_length(std::size_t size, const char* what)
{
	if (size % kRecordSize != 0)
		return failure(std::string("truncated ") + what + ": " + std::to_string(size) +
			       " bytes is not a multiple of " + std::to_string(kRecordSize));
	return {};
}

// Appends the records of `bytes` to `out`; returns where they start.
std::size_t split_into(std::span<const std::uint8_t> bytes, std::vector<RawRecord>& out)
{
	const std::size_t base = out.size();
	out.resize(base + bytes.size() / kRecordSize);
	for (std::size_t i = base; i < out.size(); i++)
		std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>((i - base) * kRecordSize),
			    kRecordSize, out[i].bytes.begin());
	return base;
}

std::string at_offset(std::size_t index, const char* where)
{
	return " at offset " + std::to_string(index * kRecordSize) + where;
}

// Types and positions: STREAM only first, END only last, nothing unknown.
Status check_stream_types(std::span<const RawRecord> records)
{
	const std::uint16_t version = records.front().as<ud_rec_stream>().version;
	for (std::size_t i = 0; i < records.size(); i++) {
		const std::uint16_t type = records[i].type();
		if (!known_type(type, version))
			return failure("unknown record type " + std::to_string(type) +
				       at_offset(i, ""));
		if (type == UD_REC_STREAM && i != 0)
			return failure("unexpected STREAM record" + at_offset(i, ""));
		if (type == UD_REC_END && i + 1 != records.size())
			return failure("unexpected END record" +
				       at_offset(i, " before the end of the stream"));
	}
	if (records.back().type() != UD_REC_END)
		return failure("truncated stream: no END record");
	return {};
}

Status check_end_counts(std::span<const RawRecord> records)
{
	const auto end = records.back().as<ud_rec_end>();
	if (end.dropped != 0)
		return failure("dump incomplete: " + std::to_string(end.dropped) +
			       " records were dropped (spill ring buffer full)");
	const std::uint64_t have = records.size();
	if (end.spilled > end.records || end.records - end.spilled != have)
		return failure("stream has " + std::to_string(have) +
			       " records but its END record counts " + std::to_string(end.records) +
			       " (" + std::to_string(end.spilled) + " spilled)");
	return {};
}

} // namespace

std::optional<ud_rec_end> peek_end(std::span<const std::uint8_t> bytes)
{
	if (bytes.size() < kRecordSize || bytes.size() % kRecordSize)
		return std::nullopt;
	RawRecord last;
	std::memcpy(last.bytes.data(), bytes.data() + bytes.size() - kRecordSize, kRecordSize);
	if (last.type() != UD_REC_END)
		return std::nullopt;
	return last.as<ud_rec_end>();
}

bool has_incomplete_table(std::span<const RawRecord> records)
{
	return std::any_of(records.begin(), records.end(), [](const RawRecord& r) {
		return r.type() == UD_REC_TABLE_END && (r.flags() & UD_TABLE_INCOMPLETE);
	});
}

const char* record_type_name(std::uint16_t type)
{
	switch (type) {
	case UD_REC_STREAM: return "STREAM";
	case UD_REC_TASK: return "TASK";
	case UD_REC_FD: return "FD";
	case UD_REC_FILE: return "FILE";
	case UD_REC_PATH: return "PATH";
	case UD_REC_RING: return "RING";
	case UD_REC_RFILE: return "RFILE";
	case UD_REC_RBUF: return "RBUF";
	case UD_REC_EPOLL: return "EPOLL";
	case UD_REC_EPITEM: return "EPITEM";
	case UD_REC_TABLE_END: return "TABLE_END";
	case UD_REC_END: return "END";
	case UD_REC_THREAD: return "THREAD";
	case UD_REC_RINGREF: return "RINGREF";
	case UD_REC_MAP: return "MAP";
	case UD_REC_RING_STATE: return "RING_STATE";
	case UD_REC_REQ: return "REQ";
	case UD_REC_PERSONALITY: return "PERSONALITY";
	case UD_REC_RING_REGS: return "RING_REGS";
	case UD_REC_PBUF: return "PBUF";
	case UD_REC_PBUF_BUF: return "PBUF_BUF";
	case UD_REC_PERS_GROUPS: return "PERS_GROUPS";
	default: return "?";
	}
}

Status decode_stream_into(std::span<const std::uint8_t> bytes, std::vector<RawRecord>& out)
{
	if (auto st = check_stream_header(bytes); !st)
		return st;
	if (auto st = check_length(bytes.size(), "stream"); !st)
		return st;
	const std::size_t base = split_into(bytes, out);
	const std::span<const RawRecord> records(out.data() + base, out.size() - base);
	Status st = check_stream_types(records);
	if (st)
		st = check_end_counts(records);
	if (!st)
		out.resize(base);
	return st;
}

Result<std::vector<RawRecord>> decode_stream(std::span<const std::uint8_t> bytes)
{
	std::vector<RawRecord> records;
	if (auto st = decode_stream_into(bytes, records); !st)
		return st.error();
	return records;
}

Status decode_spill_into(std::span<const std::uint8_t> bytes, std::vector<RawRecord>& out)
{
	if (auto st = check_length(bytes.size(), "spill"); !st)
		return st;
	const std::size_t base = split_into(bytes, out);
	for (std::size_t i = base; i < out.size(); i++) {
		const std::uint16_t type = out[i].type();
		Status st;
		if (!known_type(type))
			st = failure("unknown record type " + std::to_string(type) +
				     at_offset(i - base, " of the spill"));
		else if (type == UD_REC_STREAM || type == UD_REC_END)
			st = failure(std::string("unexpected ") + record_type_name(type) +
				     " record" + at_offset(i - base, " of the spill"));
		if (!st) {
			out.resize(base);
			return st;
		}
	}
	return {};
}

Result<std::vector<RawRecord>> decode_spill(std::span<const std::uint8_t> bytes)
{
	std::vector<RawRecord> records;
	if (auto st = decode_spill_into(bytes, records); !st)
		return st.error();
	return records;
}

std::vector<std::uint8_t> encode_records(std::span<const RawRecord> records)
{
	std::vector<std::uint8_t> out;
	out.reserve(records.size() * kRecordSize);
	for (const RawRecord& r : records)
		out.insert(out.end(), r.bytes.begin(), r.bytes.end());
	return out;
}

} // namespace uringdump
