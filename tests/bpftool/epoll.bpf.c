// SPDX-License-Identifier: GPL-2.0
/* An epoll iterator for the bpftool tests; see io_uring_file.bpf.c. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct test_iter_epoll {
	struct bpf_iter_meta *meta;
	struct eventpoll *ep;
	struct epitem *epi;
};

SEC("iter/epoll")
int dump_epoll(struct test_iter_epoll *ctx)
{
	if (ctx->epi)
		BPF_SEQ_PRINTF(ctx->meta->seq, "item\n");
	return 0;
}
