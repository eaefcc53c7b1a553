# kernel.mk — the kernel series (kernel-patch/): native io_uring_buf,
# io_uring_file and epoll iterators for Linux 6.12, built and tested under
# qemu.  Included from the top-level Makefile.
#
#   make kernel          Debian's linux-source-6.12 (trixie) + the series +
#                        tinyconfig + kernel-patch/kernel.config, cached under
#                        KERNEL_CACHE by a hash of the series and the config;
#                        build/kernel-native/current links to the result
#   make kernel-tests    the guest test programs (BPF objects against the new
#                        kernel's BTF, the static native-test driver)
#   make vmtest-native   boots that kernel under qemu TCG with the tests in a
#                        busybox initramfs (tests/vm/ harness) and judges them:
#                        suites/10-native.sh (the targets, with the patched
#                        bpftool), suites/20-uringdump.sh (uringdump pin/read
#                        on the native targets against the CO-RE dump,
#                        EDEADLK, the per-target objects of bpf/)
#   make kernel-check    checkpatch.pl --strict on the series and a W=1 build
#                        of the files it touches, against the unpatched tree
#   make uapi-check      the UAPI hunks of kernel-patch/ and bpftool-patch/
#                        against uapi/bpf-iter-io-uring-epoll.h.fragment
#
# Variables: KERNEL_CACHE (outside the clone), KERNEL_VM_TIMEOUT (seconds),
# KERNEL_BPFTOOL (a patched bpftool for the guest; default: the bpftool
# series' binary, built first when bpftool-patch/bpftool.mk is included before
# this file, else build/bpftool/bpftool if it exists; KERNEL_BPFTOOL= skips
# the bpftool checks).

KERNEL_CACHE      ?= /var/cache/uringdump-kernel
KERNEL_VM_TIMEOUT ?= 300
KERNEL_BPFTOOL    ?= $(or $(BPFTOOL_PATCHED),$(wildcard $(BUILD)/bpftool/bpftool))

KP_OUT     := $(BUILD)/kernel-native
KP_CURRENT := $(KP_OUT)/current
KP_BPF_OBJS := $(KP_OUT)/iters.bpf.o $(KP_OUT)/iters-buf.bpf.o \
	$(KP_OUT)/iters-file.bpf.o $(KP_OUT)/iters-epoll.bpf.o
KP_CFLAGS  := -O2 -std=gnu11 -Wall -Wextra -Werror -Wshadow -D_GNU_SOURCE
KP_BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror -I$(KP_OUT)

.PHONY: kernel kernel-tests vmtest-native kernel-check uapi-check

# The script decides whether anything needs building (its cache key); the
# stamp changes only when the result does, so the tests rebuild only then.
kernel: $(KP_OUT)/kernel.stamp

$(KP_OUT)/kernel.stamp: kernel-patch-force | $(KP_OUT)
	@dir=$$(kernel-patch/build-kernel.sh $(KERNEL_CACHE)) && \
	  ln -sfn "$$dir" $(KP_CURRENT) && \
	  { [ "$$(cat $@ 2>/dev/null)" = "$$dir" ] || echo "$$dir" > $@; } && \
	  echo "kernel: $$dir/vmlinux"

.PHONY: kernel-patch-force
kernel-patch-force:

$(KP_OUT)/vmlinux.h: $(KP_OUT)/kernel.stamp
	$(BPFTOOL) btf dump file $(KP_CURRENT)/vmlinux format c > $@.tmp && mv $@.tmp $@

$(KP_OUT)/iters.bpf.o: kernel-patch/tests/iters.bpf.c $(KP_OUT)/vmlinux.h
	$(CLANG) $(KP_BPF_CFLAGS) -c $< -o $@

$(KP_OUT)/iters-%.bpf.o: kernel-patch/tests/iters.bpf.c $(KP_OUT)/vmlinux.h
	$(CLANG) $(KP_BPF_CFLAGS) -DONLY_$(shell echo $* | tr a-z A-Z) -c $< -o $@

$(KP_OUT)/iters.skel.h: $(KP_OUT)/iters.bpf.o
	$(BPFTOOL) gen skeleton $< name iters_bpf > $@.tmp && mv $@.tmp $@

# Static, for the busybox initramfs; built against the patched UAPI header.
$(KP_OUT)/native-test: kernel-patch/tests/native-test.c kernel-patch/tests/uring-lock.h $(KP_OUT)/iters.skel.h
	$(CC) $(KP_CFLAGS) -I$(KP_OUT) -I$(KP_CURRENT)/uapi -static -o $@ $< \
	  -lbpf -lelf -lz -lpthread

$(KP_OUT)/ring-lock-holder: kernel-patch/tests/ring-lock-holder.c kernel-patch/tests/uring-lock.h | $(KP_OUT)
	$(CC) $(KP_CFLAGS) -I$(KP_CURRENT)/uapi -static -o $@ $< -lpthread

kernel-tests: $(KP_BPF_OBJS) $(KP_OUT)/native-test $(KP_OUT)/ring-lock-holder

# The guest also runs uringdump (pin/read on the native targets) against the
# static workloads, and the per-target objects of bpf/ with the bpftool.
vmtest-native: kernel-tests $(if $(KERNEL_BPFTOOL),$(BPFTOOL_PATCHED)) \
		$(BUILD)/uringdump $(NATIVE_OBJS) workloads-static
	KP_OUT=$(KP_OUT) KP_VMLINUX=$(KP_CURRENT)/vmlinux KP_TIMEOUT=$(KERNEL_VM_TIMEOUT) \
	  KP_BPFTOOL="$(KERNEL_BPFTOOL)" KP_URINGDUMP=$(BUILD)/uringdump \
	  KP_WORKLOADS=$(BUILD)/workloads-static KP_NATIVE_OBJS=$(BUILD)/native \
	  kernel-patch/tests/vmtest-native.sh

kernel-check:
	kernel-patch/check-series.sh $(KERNEL_CACHE)

uapi-check:
	python3 uapi/check.py uapi/bpf-iter-io-uring-epoll.h.fragment \
	  kernel-patch bpftool-patch

$(KP_OUT):
	mkdir -p $@
