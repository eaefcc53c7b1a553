# Multi-kernel tests: uringdump's dump tests inside Debian's stock kernels
# under qemu TCG (tests/vm/vmtest.sh says how).
#   make vmtest                      every kernel of KERNELS
#   make vmtest KERNELS=6.12         one kernel
#   make vmtest KERNELS=newest       the newest lines of NEWEST_SUITES (7.x)
#   make vmtest-fetch                download and unpack the kernels only
# Variables: KERNELS (6.1 6.12 newest), NEWEST_SUITES (where "newest" and
# X.Y lines other than 6.1/6.12 come from), VM_CACHE (download cache outside
# the clone), VM_TIMEOUT (seconds per guest), VM_JOBS (guests side by side).

KERNELS    ?= 6.1 6.12 newest
NEWEST_SUITES ?= trixie-backports sid
VM_CACHE   ?= /var/cache/uringdump-vm
VM_TIMEOUT ?= 600
VM_JOBS    ?= 2
VM_OUT     := $(BUILD)/vm

VM_ENV = KERNELS="$(KERNELS)" NEWEST_SUITES="$(NEWEST_SUITES)" VM_CACHE="$(VM_CACHE)" VM_TIMEOUT="$(VM_TIMEOUT)" \
	VM_JOBS="$(VM_JOBS)" VM_OUT="$(VM_OUT)" VM_URINGDUMP="$(BUILD)/uringdump" \
	VM_WORKLOADS="$(BUILD)/workloads-static" VM_PROBE="$(VM_OUT)/vm-probe" \
	VM_COMPARE=tests/e2e/compare.py

.PHONY: vmtest vmtest-fetch
vmtest: $(BUILD)/uringdump workloads-static $(VM_OUT)/vm-probe
	$(VM_ENV) tests/vm/vmtest.sh

vmtest-fetch:
	$(VM_ENV) tests/vm/vmtest.sh --fetch-only

# The guest probe runs in a busybox initramfs: static.
$(VM_OUT)/vm-probe: tests/vm/vm-probe.c | $(VM_OUT)
	$(CC) -O2 -std=c11 -Wall -Wextra -Werror -Wshadow -D_GNU_SOURCE -static -o $@ $<

$(VM_OUT):
	mkdir -p $@
