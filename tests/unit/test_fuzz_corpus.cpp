// Every file of the checked-in fuzz corpus (tests/fuzz/corpus/TARGET/*) runs
// through its fuzz target, as the fuzzer would run it: a crash or a
// sanitizer report (make unit-asan) fails here too, without libFuzzer.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "fuzz/targets.hpp"

namespace fs = std::filesystem;

namespace {

fs::path corpus_root()
{
	return fs::path(UD_SOURCE_DIR) / "tests" / "fuzz" / "corpus";
}

std::vector<std::uint8_t> read_bytes(const fs::path& p)
{
	std::ifstream in(p, std::ios::binary);
	return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace

TEST(FuzzCorpus, EveryTargetHasSeedsOnDisk)
{
	for (const auto& t : udfuzz::kTargets) {
		const fs::path dir = corpus_root() / t.name;
		ASSERT_TRUE(fs::is_directory(dir)) << dir;
		EXPECT_FALSE(fs::is_empty(dir)) << dir;
	}
}

TEST(FuzzCorpus, NoFolderWithoutATarget)
{
	std::set<std::string> names;
	for (const auto& t : udfuzz::kTargets)
		names.emplace(t.name);
	for (const auto& e : fs::directory_iterator(corpus_root()))
		EXPECT_TRUE(names.contains(e.path().filename().string())) << e.path();
}

TEST(FuzzCorpus, EveryFileRunsThroughItsTarget)
{
	std::size_t files = 0;
	for (const auto& t : udfuzz::kTargets) {
		for (const auto& e : fs::directory_iterator(corpus_root() / t.name)) {
			if (!e.is_regular_file())
				continue;
			SCOPED_TRACE(e.path().string());
			const auto bytes = read_bytes(e.path());
			t.run(bytes);
			files++;
		}
	}
	EXPECT_GT(files, 0u);
}
