// libFuzzer entry point for one target of targets.hpp, chosen at build time
// with -DUD_FUZZ_TARGET=name (tests/unit/unit.mk builds one binary each).
#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
	udfuzz::UD_FUZZ_TARGET(std::span<const std::uint8_t>(data, size));
	return 0;
}
