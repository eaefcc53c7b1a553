// Allocations above glibc's mmap threshold (32 MiB, base/heap.cpp) each get
// a fresh mapping of their own; this replacement of the global operator new
// asks for transparent huge pages (MADV_HUGEPAGE) for the 2 MiB-aligned
// part of such a mapping before anything touches it.  A dump of a million
// items holds a few such vectors of hundreds of MiB: in 4 KiB pages their
// page faults cost seconds on a virtualized host (a 1M-item dump: 424k
// faults, 15 s; with the advice 76k faults, 9.7 s).  Memory still comes
// from malloc() and goes back with free(), as libstdc++'s operator delete
// does: only the advice is added.  Linked into the uringdump binary and the
// bench (libud_cli), not into the unit tests (ASan replaces operator new
// there).
#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>
#include <new>

namespace {

constexpr std::size_t kHugePage = 2u << 20;
constexpr std::size_t kAdviseFrom = 32u << 20; // glibc's mmap threshold, base/heap.cpp

void* allocate(std::size_t n)
{
	// NOLINTNEXTLINE(cppcoreguidelines-no-malloc,cppcoreguidelines-owning-memory)
	void* p = std::malloc(n != 0 ? n : 1);
	if (!p)
		throw std::bad_alloc();
	if (n >= kAdviseFrom) {
		const auto start = reinterpret_cast<std::uintptr_t>(p);
		const std::uintptr_t first = (start + kHugePage - 1) & ~(kHugePage - 1);
		const std::uintptr_t last = (start + n) & ~(kHugePage - 1);
		if (last > first)
			::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
	}
	return p;
}

} // namespace

void* operator new(std::size_t n)
{
	return allocate(n);
}

void* operator new[](std::size_t n)
{
	return allocate(n);
}
