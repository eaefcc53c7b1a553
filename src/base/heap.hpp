// How the process's heap is set up for dumps of millions of items.
#pragma once

namespace uringdump {

// A dump of N items keeps a few hundred bytes per item in large vectors
// (streams, records, model, JSON).  Faulting them in 4 KiB pages cost ~40%
// of a 10k-item one-shot on a virtualized host.  So: allocations up to
// 32 MiB come from the heap (brk) rather than one mmap each, the heap grows
// 32 MiB at a time and is not trimmed, and its last mapping asks for
// transparent huge pages (MADV_HUGEPAGE, honoured by the common "madvise"
// THP setting), which every later growth of the heap inherits.  Advice
// only: where the kernel says no, nothing changes.  Call first in main().
void prefer_huge_pages();

} // namespace uringdump
