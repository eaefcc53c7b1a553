// SPDX-License-Identifier: GPL-2.0
/*
 * Minimal native iterator programs for the kernel-patch/ series: one line
 * of text per slot or item, then an "end" line from the final call.
 *
 *   io_uring_buf:  "buf IDX addr=0x.. len=N pfn=N\n" | "buf IDX empty\n"
 *                  then "buf end IDX nr=N\n"
 *   io_uring_file: "file IDX ino=N\n" | "file IDX empty\n"
 *                  then "file end IDX nr=N\n"
 *   epoll:         "item tfd=N ino=N events=0x.. data=0x..\n"
 *                  then "epoll end\n"
 *
 * Compiled against a vmlinux.h generated from the patched kernel's BTF.
 * -DONLY_BUF, -DONLY_FILE, -DONLY_EPOLL keep one program (bpftool iter pin
 * pins the first program of an object).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

#if !defined(ONLY_BUF) && !defined(ONLY_FILE) && !defined(ONLY_EPOLL)
#define ONLY_BUF
#define ONLY_FILE
#define ONLY_EPOLL
#endif

#ifdef ONLY_BUF
extern __u64 bpf_page_to_pfn(struct page *page) __ksym;

SEC("iter/io_uring_buf")
int dump_bufs(struct bpf_iter__io_uring_buf *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct io_mapped_ubuf *ubuf = ctx->ubuf;
	__u64 index = ctx->index;

	if (index >= ctx->ctx->nr_user_bufs) {
		if (ubuf)
			return 1;	/* the end call must not carry a buffer */
		BPF_SEQ_PRINTF(seq, "buf end %llu nr=%u\n", index, ctx->ctx->nr_user_bufs);
		return 0;
	}
	if (!ubuf) {
		BPF_SEQ_PRINTF(seq, "buf %llu empty\n", index);
		return 0;
	}
	/*
	 * Makes clang emit struct page in full: libbpf 1.1 finds a kfunc
	 * taking a pointer to a forward-declared struct incompatible.
	 */
	if (!bpf_core_type_exists(struct page))
		return 1;
	BPF_SEQ_PRINTF(seq, "buf %llu addr=0x%llx len=%u pfn=%llu\n", index, ubuf->ubuf,
		       ubuf->len, bpf_page_to_pfn(ubuf->bvec[0].bv_page));
	return 0;
}
#endif

#ifdef ONLY_FILE
SEC("iter/io_uring_file")
int dump_files(struct bpf_iter__io_uring_file *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct file *file = ctx->file;
	__u64 index = ctx->index;

	if (index >= ctx->ctx->nr_user_files) {
		if (file)
			return 1;
		BPF_SEQ_PRINTF(seq, "file end %llu nr=%u\n", index, ctx->ctx->nr_user_files);
		return 0;
	}
	if (!file) {
		BPF_SEQ_PRINTF(seq, "file %llu empty\n", index);
		return 0;
	}
	BPF_SEQ_PRINTF(seq, "file %llu ino=%lu\n", index, file->f_inode->i_ino);
	return 0;
}
#endif

#ifdef ONLY_EPOLL
SEC("iter/epoll")
int dump_epoll(struct bpf_iter__epoll *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct epitem *epi = ctx->epi;

	if (!epi) {
		BPF_SEQ_PRINTF(seq, "epoll end\n");
		return 0;
	}
	BPF_SEQ_PRINTF(seq, "item tfd=%d ino=%lu events=0x%x data=0x%llx\n", epi->ffd.fd,
		       epi->ffd.file->f_inode->i_ino, epi->event.events, epi->event.data);
	return 0;
}
#endif
