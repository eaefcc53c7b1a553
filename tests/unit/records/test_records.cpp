// decode_stream / decode_spill: valid, foreign, truncated, newer, unknown.
#include <gtest/gtest.h>

#include "record_builders.hpp"
#include "records/records.hpp"

using namespace uringdump;
using namespace udtest;

namespace {

std::vector<RawRecord> small_body()
{
	return {task(10, "a"), fd(10, 3, UD_FK_IO_URING, 0xa1), ring({.pid = 10, .id = 0xa1})};
}

std::string decode_error(const std::vector<std::uint8_t>& bytes)
{
	auto r = decode_stream(bytes);
	EXPECT_FALSE(r.ok());
	if (r.ok())
		return "";
	EXPECT_EQ(r.error().code, Exit::Failure);
	return r.error().message;
}

void set_u16(std::vector<std::uint8_t>& b, std::size_t off, std::uint16_t v)
{
	std::memcpy(b.data() + off, &v, sizeof(v));
}

} // namespace

TEST(Records, RoundTripOfAndAs)
{
	const RawRecord r = fd(42, 7, UD_FK_REG, 0x99, 0x5);
	EXPECT_EQ(r.type(), UD_REC_FD);
	EXPECT_EQ(r.pid(), 42u);
	const auto f = r.as<ud_rec_fd>();
	EXPECT_EQ(f.fd, 7u);
	EXPECT_EQ(f.file_id, 0x99u);
	EXPECT_EQ(f.aux_id, 0x5u);
}

TEST(Records, DecodesValidStream)
{
	const auto bytes = stream_bytes(small_body());
	auto r = decode_stream(bytes);
	ASSERT_TRUE(r.ok()) << r.error().message;
	ASSERT_EQ(r.value().size(), 5u);
	EXPECT_EQ(r.value().front().type(), UD_REC_STREAM);
	EXPECT_EQ(r.value()[3].type(), UD_REC_RING);
	EXPECT_EQ(r.value().back().type(), UD_REC_END);
	EXPECT_EQ(encode_records(r.value()), bytes);
}

TEST(Records, AcceptsSpilledCount)
{
	auto r = decode_stream(stream_bytes(small_body(), 7));
	EXPECT_TRUE(r.ok());
}

TEST(Records, RejectsEmpty)
{
	EXPECT_EQ(decode_error({}), "not a uringdump stream (empty)");
}

TEST(Records, RejectsForeignData)
{
	std::vector<std::uint8_t> elf(128, 0);
	const char magic[] = "\x7f" "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0";
	std::memcpy(elf.data(), magic, 16);
	EXPECT_EQ(decode_error(elf), "not a uringdump stream (bad magic 0x00000000)");
	std::vector<std::uint8_t> text(64, 'x');
	EXPECT_EQ(decode_error(text), "not a uringdump stream (bad magic 0x78787878)");
	EXPECT_EQ(decode_error({1, 2, 3}), "not a uringdump stream (only 3 bytes)");
}

TEST(Records, RejectsFirstRecordNotStream)
{
	auto bytes = stream_bytes(small_body());
	set_u16(bytes, 0, UD_REC_TASK);
	EXPECT_EQ(decode_error(bytes), "not a uringdump stream (first record is TASK, not STREAM)");
}

TEST(Records, RejectsNewerVersion)
{
	auto bytes = stream_bytes(small_body());
	set_u16(bytes, offsetof(ud_rec_stream, version), 7);
	EXPECT_EQ(decode_error(bytes), "stream version 7 is newer than this uringdump (2)");
	// The version check comes before any length check: a newer format may
	// have another record size.
	bytes.resize(100);
	EXPECT_EQ(decode_error(bytes), "stream version 7 is newer than this uringdump (2)");
}

TEST(Records, RejectsVersionZeroAndOtherRecordSize)
{
	auto bytes = stream_bytes(small_body());
	set_u16(bytes, offsetof(ud_rec_stream, version), 0);
	EXPECT_EQ(decode_error(bytes), "unsupported stream version 0");
	bytes = stream_bytes(small_body());
	set_u16(bytes, offsetof(ud_rec_stream, rec_size), 128);
	EXPECT_EQ(decode_error(bytes), "unsupported record size 128 (this uringdump reads 64)");
}

TEST(Records, RejectsTruncatedLength)
{
	auto bytes = stream_bytes(small_body());
	bytes.resize(100);
	EXPECT_EQ(decode_error(bytes), "truncated stream: 100 bytes is not a multiple of 64");
	bytes.resize(13);
	EXPECT_EQ(decode_error(bytes), "truncated stream: 13 bytes is not a multiple of 64");
}

TEST(Records, RejectsMissingEnd)
{
	auto bytes = stream_bytes(small_body());
	bytes.resize(bytes.size() - kRecordSize);
	EXPECT_EQ(decode_error(bytes), "truncated stream: no END record");
}

TEST(Records, RejectsUnknownType)
{
	auto bytes = stream_bytes(small_body());
	set_u16(bytes, 2 * kRecordSize, 99);
	EXPECT_EQ(decode_error(bytes), "unknown record type 99 at offset 128");
	set_u16(bytes, 2 * kRecordSize, 0);
	EXPECT_EQ(decode_error(bytes), "unknown record type 0 at offset 128");
}

TEST(Records, VersionOneStreamHoldsOnlyVersionOneTypes)
{
	auto bytes = stream_bytes(small_body());
	const std::uint16_t v1 = 1;
	std::memcpy(bytes.data() + offsetof(ud_rec_stream, version), &v1, sizeof(v1));
	EXPECT_TRUE(decode_stream(bytes).ok());
	set_u16(bytes, 2 * kRecordSize, UD_REC_THREAD);
	EXPECT_EQ(decode_error(bytes), "unknown record type 13 at offset 128");
}

TEST(Records, RejectsMisplacedStreamAndEnd)
{
	auto body = small_body();
	body.insert(body.begin() + 1, stream_rec());
	EXPECT_EQ(decode_error(stream_bytes(body)), "unexpected STREAM record at offset 128");
	body = small_body();
	body.insert(body.begin() + 1, end_rec(3));
	EXPECT_EQ(decode_error(stream_bytes(body)),
		  "unexpected END record at offset 128 before the end of the stream");
}

TEST(Records, RejectsEndCountMismatch)
{
	auto recs = wrap_stream(small_body());
	recs.back() = end_rec(9);
	EXPECT_EQ(decode_error(encode_records(recs)), "stream has 5 records but its END record counts 9 (0 spilled)");
	recs.back() = end_rec(5, 6);
	EXPECT_EQ(decode_error(encode_records(recs)), "stream has 5 records but its END record counts 5 (6 spilled)");
}

TEST(Records, RejectsDroppedRecords)
{
	auto recs = wrap_stream(small_body());
	recs.back() = end_rec(8, 3, 3);
	EXPECT_EQ(decode_error(encode_records(recs)),
		  "dump incomplete: 3 records were dropped (spill ring buffer full)");
}

TEST(Records, PeekEndReadsTheLastRecordBeforeDecoding)
{
	auto recs = wrap_stream(small_body());
	recs.back() = end_rec(8, 3, 3); // a stream the decoder rejects
	auto bytes = encode_records(recs);
	auto end = peek_end(bytes);
	ASSERT_TRUE(end.has_value());
	EXPECT_EQ(end->records, 8u);
	EXPECT_EQ(end->dropped, 3u);
	// not ending in END, empty, or cut mid-record: nothing
	EXPECT_FALSE(peek_end(encode_records(small_body())).has_value());
	EXPECT_FALSE(peek_end(std::vector<std::uint8_t>{}).has_value());
	bytes.pop_back();
	EXPECT_FALSE(peek_end(bytes).has_value());
}

TEST(Records, HasIncompleteTableLooksAtTableEndFlagsOnly)
{
	auto recs = small_body();
	EXPECT_FALSE(has_incomplete_table(recs));
	recs.push_back(table_end(10, 0xa1, UD_TABLE_RFILE, 4));
	EXPECT_FALSE(has_incomplete_table(recs));
	recs.push_back(table_end(10, 0xe1, UD_TABLE_EPITEM, 2, UD_TABLE_INCOMPLETE));
	EXPECT_TRUE(has_incomplete_table(recs));
	EXPECT_FALSE(has_incomplete_table(std::vector<RawRecord>{}));
}

TEST(Records, EveryPrefixFailsCleanly)
{
	const auto bytes = stream_bytes(small_body());
	for (std::size_t n = 0; n < bytes.size(); n++) {
		auto r = decode_stream(std::span(bytes.data(), n));
		EXPECT_FALSE(r.ok()) << n;
	}
}

TEST(Spill, DecodesBareRecords)
{
	const auto bytes = encode_records(small_body());
	auto r = decode_spill(bytes);
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_EQ(r.value().size(), 3u);
	auto empty = decode_spill({});
	ASSERT_TRUE(empty.ok());
	EXPECT_TRUE(empty.value().empty());
}

TEST(Spill, RejectsBadInput)
{
	auto bytes = encode_records(small_body());
	bytes.pop_back();
	auto r = decode_spill(bytes);
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.error().message, "truncated spill: 191 bytes is not a multiple of 64");

	bytes = encode_records(small_body());
	set_u16(bytes, kRecordSize, 200);
	r = decode_spill(bytes);
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.error().message, "unknown record type 200 at offset 64 of the spill");

	const std::vector<RawRecord> with_stream{task(1, "x"), stream_rec()};
	r = decode_spill(encode_records(with_stream));
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.error().message, "unexpected STREAM record at offset 64 of the spill");
}

// The _into forms append after what `out` holds, and leave it as it was
// when the input is bad.
TEST(Records, DecodeIntoAppendsOrLeavesAlone)
{
	std::vector<RawRecord> out{task(1, "x")};
	ASSERT_TRUE(decode_stream_into(stream_bytes(small_body()), out).ok());
	ASSERT_EQ(out.size(), 6u);
	EXPECT_EQ(out[0].type(), UD_REC_TASK);
	EXPECT_EQ(out[1].type(), UD_REC_STREAM);
	EXPECT_EQ(out[5].type(), UD_REC_END);
	ASSERT_TRUE(decode_spill_into(encode_records(small_body()), out).ok());
	ASSERT_EQ(out.size(), 9u);
	EXPECT_EQ(out[8].type(), UD_REC_RING);

	auto bad = stream_bytes(small_body());
	bad.resize(bad.size() - kRecordSize); // no END
	auto st = decode_stream_into(bad, out);
	ASSERT_FALSE(st.ok());
	EXPECT_EQ(st.error().message, "truncated stream: no END record");
	EXPECT_EQ(out.size(), 9u);
	const std::vector<RawRecord> with_end{task(1, "x"), task(2, "y")};
	auto spill = encode_records(with_end);
	set_u16(spill, kRecordSize, 200);
	st = decode_spill_into(spill, out);
	ASSERT_FALSE(st.ok());
	EXPECT_EQ(st.error().message, "unknown record type 200 at offset 64 of the spill");
	EXPECT_EQ(out.size(), 9u);
}

TEST(Records, TypeNames)
{
	EXPECT_STREQ(record_type_name(UD_REC_EPITEM), "EPITEM");
	EXPECT_STREQ(record_type_name(UD_REC_TABLE_END), "TABLE_END");
	EXPECT_STREQ(record_type_name(77), "?");
}

TEST(Result, VoidAndValue)
{
	Status ok;
	EXPECT_TRUE(ok.ok());
	Status bad = make_error(Exit::Permission, "needs root");
	ASSERT_FALSE(bad);
	EXPECT_EQ(bad.error().code, Exit::Permission);
	Result<int> v = 5;
	ASSERT_TRUE(v);
	EXPECT_EQ(*v, 5);
	Result<int> e = make_error(Exit::Usage, "bad option");
	EXPECT_FALSE(e.ok());
	EXPECT_EQ(e.error().message, "bad option");
}
