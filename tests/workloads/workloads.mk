# Workloads for the e2e tests: small C programs that build real io_uring and
# epoll state, write a JSON truth file and wait for SIGTERM.
#   make workloads          -> build/workloads/        (dynamic, -luring)
#   make workloads-static   -> build/workloads-static/ (static, for busybox guests)

WL_SRCDIR   := tests/workloads
WL_NAMES    := ring_basic ring_flags epoll_basic big churn demo exiter forked grow ring_reach ring_state ring_locked cr_files cr_check
WL_COMMON   := $(WL_SRCDIR)/wl_common.c $(WL_SRCDIR)/ring_common.c
WL_HEADERS  := $(WL_SRCDIR)/wl.h $(WL_SRCDIR)/ring_common.h
WL_CC       ?= $(CC)
WL_CFLAGS   ?= -O2 -g
WL_CFLAGS   += -std=c11 -Wall -Wextra -Werror -Wshadow -D_GNU_SOURCE -pthread
WL_LDLIBS   := -luring -pthread

WL_BINS        := $(addprefix $(BUILD)/workloads/,$(WL_NAMES))
WL_STATIC_BINS := $(addprefix $(BUILD)/workloads-static/,$(WL_NAMES))

.PHONY: workloads workloads-static
workloads: $(WL_BINS)
workloads-static: $(WL_STATIC_BINS)

$(BUILD)/workloads/%: $(WL_SRCDIR)/%.c $(WL_COMMON) $(WL_HEADERS) | $(BUILD)/workloads
	$(WL_CC) $(WL_CFLAGS) -o $@ $< $(WL_COMMON) $(WL_LDLIBS)

$(BUILD)/workloads-static/%: $(WL_SRCDIR)/%.c $(WL_COMMON) $(WL_HEADERS) | $(BUILD)/workloads-static
	$(WL_CC) $(WL_CFLAGS) -static -o $@ $< $(WL_COMMON) $(WL_LDLIBS)

$(BUILD)/workloads $(BUILD)/workloads-static:
	mkdir -p $@
