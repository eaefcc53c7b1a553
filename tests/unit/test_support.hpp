// Test-only glue: build a snapshot or fail the test, render to strings,
// compare against golden files.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "model/model.hpp"
#include "records/records.hpp"
#include "render/json.hpp"
#include "render/text.hpp"

#ifndef UD_SOURCE_DIR
#define UD_SOURCE_DIR "."
#endif

namespace udtest {

inline uringdump::Snapshot must_build(const std::vector<uringdump::RawRecord>& records, bool exact = false)
{
	auto snap = uringdump::build_snapshot(records, exact);
	if (!snap) {
		ADD_FAILURE() << "build_snapshot failed: " << snap.error().message;
		return {};
	}
	return std::move(snap).value();
}

inline std::string text_of(const uringdump::Snapshot& s)
{
	std::ostringstream out;
	uringdump::render_text(s, out);
	return out.str();
}

inline std::string json_of(const uringdump::Snapshot& s, bool pretty)
{
	std::ostringstream out;
	uringdump::render_json(s, out, pretty);
	return out.str();
}

inline std::string golden_path(const std::string& name)
{
	return std::string(UD_SOURCE_DIR) + "/tests/unit/golden/" + name;
}

// Compares actual with golden file `name` byte for byte.  No test writes
// the golden files: with UD_GOLDEN_ACTUAL=DIR in the environment the output
// is also saved as DIR/name, which `make golden` (run by hand, never by a
// test) shows as a diff and copies over, for review in git.
inline void expect_golden(const std::string& name, const std::string& actual)
{
	const std::string p = golden_path(name);
	const char* actual_dir = std::getenv("UD_GOLDEN_ACTUAL");
	if (actual_dir && *actual_dir)
		std::ofstream(std::string(actual_dir) + "/" + name, std::ios::binary) << actual;
	std::ifstream in(p, std::ios::binary);
	ASSERT_TRUE(in.good()) << "missing golden file " << p << " (make golden writes it, for review)";
	std::stringstream want;
	want << in.rdbuf();
	EXPECT_EQ(want.str(), actual) << "golden " << p << " differs (make golden shows the diff and updates it, for review)";
}

} // namespace udtest
