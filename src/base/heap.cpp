// The heap of a dumping process (base/heap.hpp).
#include "base/heap.hpp"

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>

namespace uringdump {

void prefer_huge_pages()
{
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TOP_PAD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	// the heap exists from here on
	// NOLINTNEXTLINE(cppcoreguidelines-no-malloc,cppcoreguidelines-owning-memory)
	std::free(std::malloc(1));
	const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
	const auto brk = reinterpret_cast<std::uintptr_t>(::sbrk(0)) & ~(page - 1);
	::madvise(reinterpret_cast<void*>(brk - page), page, MADV_HUGEPAGE);
}

} // namespace uringdump
