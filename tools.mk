# tools.mk — source hygiene: clang-format and clang-tidy.  Included from the
# top-level Makefile.
#   make format-check   fail when a file differs from .clang-format / bpf/.clang-format
#   make format         rewrite the files in place
#   make layering-check  the include rules between the folders of src/
#   make tidy           clang-tidy (.clang-tidy) over the C++ sources, warnings are errors

CLANG_FORMAT ?= clang-format
CLANG_TIDY   ?= clang-tidy

# C++ sources use .clang-format, BPF C and the record header bpf/.clang-format
# (clang-format picks the nearest file).  Test workloads keep their own layout.
FORMAT_SRCS ?= $(wildcard src/*/*.cpp src/*/*.hpp bpf/*.c bpf/*.h bpf/lib/*.h)
TIDY_SRCS   ?= $(wildcard src/*/*.cpp)

.PHONY: format format-check tidy layering-check

format-check:
	$(CLANG_FORMAT) --dry-run --Werror $(FORMAT_SRCS)

format:
	$(CLANG_FORMAT) -i $(FORMAT_SRCS)

# The loader includes the generated skeleton, so it must exist first.  The
# flags are the build's, so tidy sees the code the compiler sees.
tidy: $(SKELS)
	$(CLANG_TIDY) --quiet $(TIDY_SRCS) -- $(CXXFLAGS)

# The folders of src/ depend on each other one way only (docs/ARCHITECTURE.md).
layering-check:
	tests/layering-check.sh
