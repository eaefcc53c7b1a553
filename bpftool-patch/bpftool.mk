# bpftool.mk — the bpftool patch series (bpftool-patch/): io_uring and epoll
# iterator support for upstream bpftool.  Included from the top-level Makefile.
#
#   make bpftool         build/bpftool/bpftool: bpftool 7.5.0 of Debian's
#                        linux-source-6.12 (trixie) with the series applied,
#                        its own libbpf, the libbfd disassembler
#   make bpftool-check   the bats tests of tests/bpftool against that binary,
#                        checkpatch.pl --strict on the series (bpftool-checkpatch),
#                        test_bpftool_synctypes.py on the patched tree, and the
#                        series' UAPI hunks against uapi/*.fragment
#
# The source package is downloaded through a private apt state (the system's
# sources and lists are untouched) into BPFTOOL_SRC_CACHE, outside the clone,
# and only the bpftool part of the kernel tree is extracted.  Nothing of it is
# committed.  bpftool-patch/devtree.sh turns the series into git commits to
# edit and back.
# Variables: BPFTOOL_SRC_CACHE, BPFTOOL_BATS_FILTER (only tests matching it).

BPFTOOL_SRC_CACHE   ?= /var/cache/uringdump-src
BPFTOOL_BATS_FILTER ?=

BPFTOOL_OUT      := $(BUILD)/bpftool
BPFTOOL_SRC      := $(BPFTOOL_OUT)/src
BPFTOOL_OBJ      := $(BPFTOOL_OUT)/obj
BPFTOOL_TESTS    := $(BPFTOOL_OUT)/tests
BPFTOOL_PATCHED  := $(BPFTOOL_OUT)/bpftool
BPFTOOL_SERIES   := $(addprefix bpftool-patch/,$(filter %.patch,$(shell cat bpftool-patch/series)))
BPFTOOL_TREE_STAMP := $(BPFTOOL_SRC)/.source-version
BPFTOOL_TEST_PROGS := $(patsubst tests/bpftool/%.bpf.c,$(BPFTOOL_TESTS)/%.bpf.o,$(wildcard tests/bpftool/*.bpf.c))

# LLVM_CONFIG=/bin/false: the llvm disassembler would win over libbfd when
# llvm-dev is installed; it must go through the environment, as bpftool's
# feature detection runs in $(shell).  Warnings are errors.
BPFTOOL_MAKE = LLVM_CONFIG=/bin/false $(MAKE) -C $(BPFTOOL_SRC)/tools/bpf/bpftool \
	OUTPUT=$(abspath $(BPFTOOL_OBJ))/ EXTRA_CFLAGS=-Werror

.PHONY: bpftool bpftool-check bpftool-tree bpftool-clean

bpftool: $(BPFTOOL_PATCHED)

bpftool-tree: $(BPFTOOL_TREE_STAMP)

$(BPFTOOL_TREE_STAMP): bpftool-patch/series $(BPFTOOL_SERIES) \
		bpftool-patch/prepare-tree.sh bpftool-patch/fetch-source.sh
	bpftool-patch/prepare-tree.sh $(BPFTOOL_SRC_CACHE) $(BPFTOOL_OUT)

# bpftool's own make decides what to rebuild; the binary is replaced only
# when it changed, so a warm run touches nothing.
$(BPFTOOL_PATCHED): $(BPFTOOL_TREE_STAMP) bpftool-force
	@mkdir -p $(BPFTOOL_OBJ)
	+$(BPFTOOL_MAKE)
	@$(BPFTOOL_OBJ)/bpftool version | grep -q '^features:.*libbfd' || \
	  { echo "bpftool: built without the libbfd disassembler (is binutils-dev installed?)" >&2; exit 1; }
	@cmp -s $(BPFTOOL_OBJ)/bpftool $@ || cp $(BPFTOOL_OBJ)/bpftool $@
	@$@ version | sed 's/^/  /'

.PHONY: bpftool-force
bpftool-force:

# Test programs: a task_file iterator, plus io_uring_file and epoll iterators
# that kernels without those targets refuse to load.
$(BPFTOOL_TESTS)/vmlinux.h: $(BPFTOOL_PATCHED) | $(BPFTOOL_TESTS)
	$(BPFTOOL_PATCHED) btf dump file $(VMLINUX_BTF) format c > $@.tmp && mv $@.tmp $@

$(BPFTOOL_TESTS)/%.bpf.o: tests/bpftool/%.bpf.c $(BPFTOOL_TESTS)/vmlinux.h
	$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror \
	  -I$(BPFTOOL_TESTS) -I$(BPFTOOL_OBJ)/libbpf/include -c $< -o $@

$(BPFTOOL_TESTS)/fd-holder: tests/bpftool/fd-holder.c | $(BPFTOOL_TESTS)
	$(CC) -O2 -std=gnu11 -Wall -Wextra -Werror -Wshadow -o $@ $<

$(BPFTOOL_TESTS):
	mkdir -p $@

bpftool-check: $(BPFTOOL_PATCHED) $(BPFTOOL_TEST_PROGS) $(BPFTOOL_TESTS)/fd-holder bpftool-checkpatch
	BPFTOOL_PATCHED=$(abspath $(BPFTOOL_PATCHED)) BPFTOOL_SRC=$(abspath $(BPFTOOL_SRC)) \
	  BPFTOOL_TESTS=$(abspath $(BPFTOOL_TESTS)) \
	  bats --tap $(if $(BPFTOOL_BATS_FILTER),--filter '$(BPFTOOL_BATS_FILTER)') tests/bpftool
	@echo "test_bpftool_synctypes.py:"
	@python3 $(BPFTOOL_SRC)/tools/testing/selftests/bpf/test_bpftool_synctypes.py && echo "  in sync"
	@echo "UAPI hunks against uapi/bpf-iter-io-uring-epoll.h.fragment:"
	@python3 uapi/check.py uapi/bpf-iter-io-uring-epoll.h.fragment bpftool-patch

# checkpatch.pl --strict on the series.  Each patch goes in on stdin:
# checkpatch treats a path that git tracks (the series is committed in this
# clone) as a source file, not a patch, and would check the diff's context
# lines as if they were code.
.PHONY: bpftool-checkpatch
bpftool-checkpatch: $(BPFTOOL_TREE_STAMP)
	@echo "checkpatch.pl --strict:"
	@for p in $(filter-out %/0000-cover-letter.patch,$(BPFTOOL_SERIES)); do \
	  perl $(BPFTOOL_SRC)/scripts/checkpatch.pl --strict --no-tree --quiet - < $$p || \
	    { echo "  $$p: not clean" >&2; exit 1; }; \
	done; echo "  clean"

bpftool-clean:
	rm -rf $(BPFTOOL_OUT)
