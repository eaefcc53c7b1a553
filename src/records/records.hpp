// Decoder of the uringdump record stream (bpf/uringdump.h is the contract).
// Pure logic: validates untrusted bytes, never reads out of bounds.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "base/result.hpp"
#include "bpf/uringdump.h"

namespace uringdump {

inline constexpr std::size_t kRecordSize = UD_REC_SIZE;

// One fixed-size record, as it came from the kernel (little-endian).
struct RawRecord {
	std::array<std::uint8_t, kRecordSize> bytes{};

	ud_hdr header() const
	{
		ud_hdr h;
		std::memcpy(&h, bytes.data(), sizeof(h));
		return h;
	}
	std::uint16_t type() const { return header().type; }
	std::uint16_t flags() const { return header().flags; }
	std::uint32_t pid() const { return header().pid; }

	// The record as one of the ud_rec_* structs (memcpy, no aliasing).
	template <class T>
	T as() const
	{
		static_assert(std::is_trivially_copyable_v<T>);
		static_assert(sizeof(T) == kRecordSize);
		T out;
		std::memcpy(&out, bytes.data(), sizeof(T));
		return out;
	}

	// The inverse of as(): a record from a ud_rec_* struct.
	template <class T>
	static RawRecord of(const T& rec)
	{
		static_assert(std::is_trivially_copyable_v<T>);
		static_assert(sizeof(T) == kRecordSize);
		RawRecord raw;
		std::memcpy(raw.bytes.data(), &rec, sizeof(T));
		return raw;
	}
};

// Where a live dump's records go as they are decoded (Dumper::dump_into):
// in batches, in any order, possibly with duplicates, from a thread of the
// Dumper's own while the walk goes on (one batch at a time, never from the
// caller's thread).  A dump that must walk again (a ring buffer too small, a table
// that changed under the walk) clear()s what it gave.
class RecordSink {
public:
	RecordSink() = default;
	RecordSink(const RecordSink&) = delete;
	RecordSink& operator=(const RecordSink&) = delete;
	virtual ~RecordSink() = default;
	virtual void add(std::span<const RawRecord> records) = 0;
	virtual void clear() = 0;
};

// Name of a record type ("STREAM", "RFILE", ...), "?" when unknown.
const char* record_type_name(std::uint16_t type);

// Decodes one whole stream: STREAM first (magic, version, record size
// checked), END last, length a multiple of the record size, known types
// only, and END.records - END.spilled records in the stream.  Any
// violation is an Error with Exit::Failure.
Result<std::vector<RawRecord>> decode_stream(std::span<const std::uint8_t> bytes);

// decode_stream, appending the records to `out` (left as it was on error).
Status decode_stream_into(std::span<const std::uint8_t> bytes, std::vector<RawRecord>& out);

// The stream's last record when it is an END record, looked at before
// decoding (the decoder rejects streams that END says are damaged: drops,
// an overtaken reader).  Empty when the bytes do not end in an END record.
std::optional<ud_rec_end> peek_end(std::span<const std::uint8_t> bytes);

// Whether a lockless walk stopped at a table that changed under it (a
// TABLE_END flagged UD_TABLE_INCOMPLETE): reading again may give all of it.
bool has_incomplete_table(std::span<const RawRecord> records);

// How many times a dump or a pin is read again while has_incomplete_table():
// a repeat is cheap (the program stays loaded), and under heavy churn an
// epoll walk can fail several times in a row (the CO-RE walk stops at any
// sign of the tree changing under it).
inline constexpr int kRaceRetries = 16;

// Decodes bare records drained from the spill ring buffer (no STREAM/END).
Result<std::vector<RawRecord>> decode_spill(std::span<const std::uint8_t> bytes);

// decode_spill, appending the records to `out` (left as it was on error).
Status decode_spill_into(std::span<const std::uint8_t> bytes, std::vector<RawRecord>& out);

// The bytes of records, concatenated (for tests, corpora and tools).
std::vector<std::uint8_t> encode_records(std::span<const RawRecord> records);

} // namespace uringdump
