# uringdump — top-level build.  `make` builds, `make demo` runs the demo,
# `make check` runs every test, `make deps` installs the Debian packages.
# Per-concern rules live in the *.mk files included at the bottom.

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build

CXX     ?= g++
CLANG   ?= clang
BPFTOOL ?= bpftool
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux

# Debian packages the build, demo and tests need (bookworm names).  Installed
# with a policy-rc.d that keeps services (redis, nginx) from starting.
DEB_PACKAGES := clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev \
	libjsoncpp-dev libgtest-dev googletest bats liburing-dev binutils-dev \
	python3-docutils pkg-config g++ make clang-format clang-tidy \
	libclang-rt-14-dev python3 jq busybox-static qemu-system-x86 kmod xz-utils zstd \
	linux-perf bash-completion util-linux git perl procps dwarves flex bison bc libssl-dev cpio patch python3-matplotlib \
	redis-server redis-tools fio nginx curl

WARN      := -Wall -Wextra -Werror -Wshadow -Wno-missing-field-initializers
CXXFLAGS  ?= -O2 -g
CXXFLAGS  += -std=c++20 $(WARN) -I. -Isrc -I$(BUILD) -D_GNU_SOURCE -I/usr/include/jsoncpp
LDLIBS    := -lbpf -lelf -lz -ljsoncpp -pthread
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror \
	-I$(BUILD) -Ibpf

# src/ is one static library per folder, along the data path
# (docs/ARCHITECTURE.md), using each other one way only (`make
# layering-check`, rules in tests/layering-check.sh).  The pure ones (no
# BPF, no ptrace) are what the unit tests link.
SRC_LIBS  := base records model bpftool render image kernel restore cli
PURE_LIBS := base records model bpftool render image
lib_srcs   = $(filter-out src/cli/main.cpp,$(wildcard src/$(1)/*.cpp))
lib_objs   = $(patsubst src/%.cpp,$(BUILD)/obj/%.o,$(call lib_srcs,$(1)))
lib_file   = $(BUILD)/lib/libud_$(1).a
# Link order: users before what they use.
LINK_LIBS  = $(foreach l,cli restore kernel image render bpftool model records base,$(call lib_file,$(l)))
PURE_LINK_LIBS = $(foreach l,image render bpftool model records base,$(call lib_file,$(l)))
BPF_SRCS := bpf/uringdump.bpf.c
SKELS    := $(BUILD)/uringdump.skel.h $(BUILD)/uringdump_pin.skel.h $(BUILD)/uringdump_native.skel.h \
	$(BUILD)/floor.skel.h

.PHONY: all deps demo check check-host install uninstall clean format tidy layering-check
# One object per native target for `bpftool iter pin` (which pins an object's
# first program) on kernels with the proposal's targets.
NATIVE_TARGETS := io_uring_file io_uring_buf epoll
NATIVE_OBJS    := $(patsubst %,$(BUILD)/native/%.bpf.o,$(NATIVE_TARGETS))
NATIVE_ID_io_uring_file := 1
NATIVE_ID_io_uring_buf  := 2
NATIVE_ID_epoll         := 3
all: $(BUILD)/uringdump $(NATIVE_OBJS)
.SECONDARY: $(BUILD)/uringdump.bpf.o $(BUILD)/uringdump_pin.bpf.o $(BUILD)/uringdump_native.bpf.o $(BUILD)/floor.bpf.o

# Every test: units (plain and under ASan+UBSan), a bounded fuzz run, the
# man page/completion/--help consistency check, the patched bpftool's tests
# (first: the end-to-end tests compare with that bpftool), the real-kernel
# end-to-end tests on this machine's kernel, the same dumps on Debian's 6.1,
# 6.12 and newest (7.x) kernels under qemu, then the native iterators on a
# 6.12 kernel built with kernel-patch/ (cached outside the clone), and the
# kernel series' checkpatch --strict and W=1 checks.
# Installs its Debian packages first.  Under check and check-host a test
# that would skip fails instead, naming what it misses (UD_NO_SKIP=1); each
# step writes its counts to $(RESULTS)/ (tests/counted.py) and the last line
# is `N passed, N failed` for the whole run, also when a step failed.
RESULTS := $(BUILD)/results
# Corpus.WriteWhenAsked is `make fuzz-corpus`'s writer, not a test: it skips
# itself, which under check would count as a failure.
UNIT_CHECK_FILTER := -Corpus.WriteWhenAsked
COUNTED := python3 tests/counted.py $(RESULTS)

check check-host check-host-steps: export UD_NO_SKIP := 1

check: deps
	@rm -rf $(RESULTS)
	@st=0; { $(MAKE) --no-print-directory check-host-steps && \
	  $(COUNTED) vmtest -- $(MAKE) vmtest && \
	  $(COUNTED) uapi-check -- $(MAKE) uapi-check && \
	  $(COUNTED) vmtest-native -- $(MAKE) vmtest-native && \
	  $(COUNTED) kernel-check -- $(MAKE) kernel-check; } || st=$$?; \
	$(COUNTED) --total $$st; exit $$st

check-host:
	@rm -rf $(RESULTS)
	@st=0; $(MAKE) --no-print-directory check-host-steps || st=$$?; \
	$(COUNTED) --total $$st; exit $$st

.PHONY: check-host-steps
check-host-steps:
	$(COUNTED) build -- $(MAKE) all workloads
	$(COUNTED) lint -- $(MAKE) man-check format-check layering-check tidy
	$(COUNTED) unit -- env GTEST_FILTER=$(UNIT_CHECK_FILTER) $(MAKE) unit
	$(COUNTED) unit-asan -- env GTEST_FILTER=$(UNIT_CHECK_FILTER) $(MAKE) unit-asan
	$(COUNTED) fuzz-smoke -- $(MAKE) fuzz-smoke
	$(COUNTED) bpftool-check -- $(MAKE) bpftool-check
	$(COUNTED) e2e -- $(MAKE) e2e

# `make deps` installs what is missing; it is a no-op when all is present.
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$missing"; \
	  rcd=; if [ ! -e /usr/sbin/policy-rc.d ]; then rcd=1; printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; st=$$?; \
	  [ -z "$$rcd" ] || rm -f /usr/sbin/policy-rc.d; [ $$st -eq 0 ] || exit $$st; \
	else echo "deps: all Debian packages present"; fi

$(BUILD)/vmlinux.h: | $(BUILD)
	$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.tmp && mv $@.tmp $@

BPF_HDRS := $(wildcard bpf/*.h bpf/lib/*.h)

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) $(BUILD)/vmlinux.h | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# The pinned programs serialise their readers with cmpxchg (BPF atomics,
# -mcpu=v3; bpf/lib/pin_readers.bpf.h).  Only those objects: with v3 the live
# iterator fails to load on Debian's 6.1 and 6.12 kernels (EINVAL), which
# v2 code does not.
$(BUILD)/uringdump_pin.bpf.o $(BUILD)/uringdump_native.bpf.o: BPF_CFLAGS += -mcpu=v3

$(BUILD)/native/%.bpf.o: bpf/uringdump_native.bpf.c $(BPF_HDRS) $(BUILD)/vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -mcpu=v3 -DUD_NATIVE_ONLY=$(NATIVE_ID_$*) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/%.o: src/%.cpp
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) -MMD -MP -c $< -o $@
-include $(wildcard $(BUILD)/obj/*/*.d)

# Only kernel/ includes the generated skeletons.
$(BUILD)/obj/kernel/dumper.o $(BUILD)/obj/kernel/live_program.o: $(BUILD)/uringdump.skel.h
$(BUILD)/obj/kernel/pin.o: $(BUILD)/uringdump_pin.skel.h $(BUILD)/uringdump_native.skel.h
# The benchmark's floor (FloorProbe): in libud_kernel.a, not in uringdump.
$(BUILD)/obj/kernel/floor.o: $(BUILD)/floor.skel.h

$(foreach l,$(SRC_LIBS),$(eval $(call lib_file,$(l)): $(call lib_objs,$(l))))
$(BUILD)/lib/%.a:
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/uringdump: $(BUILD)/obj/cli/main.o $(LINK_LIBS)
	$(CXX) $(CXXFLAGS) -o $@ $< $(LINK_LIBS) $(LDLIBS)

$(BUILD):
	mkdir -p $@

install: all
	install -D -m 0755 $(BUILD)/uringdump $(DESTDIR)$(PREFIX)/sbin/uringdump
	install -D -m 0644 $(BUILD)/uringdump.8 $(DESTDIR)$(PREFIX)/share/man/man8/uringdump.8
	install -D -m 0644 bash-completion/uringdump $(DESTDIR)$(PREFIX)/share/bash-completion/completions/uringdump

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/uringdump $(DESTDIR)$(PREFIX)/share/man/man8/uringdump.8 \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions/uringdump

clean:
	rm -rf $(BUILD)

-include tests/unit/unit.mk
-include tests/e2e/e2e.mk
-include tests/workloads/workloads.mk
-include tests/vm/vm.mk
-include man/man.mk
-include demo.mk
-include tools.mk
-include bpftool-patch/bpftool.mk
-include kernel-patch/kernel.mk
-include bench/bench.mk
