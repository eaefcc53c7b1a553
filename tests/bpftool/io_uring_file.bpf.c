// SPDX-License-Identifier: GPL-2.0
/* An io_uring_file iterator for the bpftool tests.  Kernels without the
 * io_uring_file target (all mainline kernels so far) refuse to load it, which
 * is what the tests check.  The context is declared here: vmlinux.h of such
 * kernels has no struct bpf_iter__io_uring_file.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct test_iter_io_uring_file {
	struct bpf_iter_meta *meta;
	struct io_ring_ctx *ctx;
	struct file *file;
	__u64 index;
};

SEC("iter/io_uring_file")
int dump_io_uring_file(struct test_iter_io_uring_file *ctx)
{
	if (ctx->file)
		BPF_SEQ_PRINTF(ctx->meta->seq, "%llu\n", ctx->index);
	return 0;
}
