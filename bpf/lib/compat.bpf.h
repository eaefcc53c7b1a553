/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Kernel layouts.  Every difference between the supported kernels in the
 * structures uringdump reads sits here, behind one accessor per changed
 * field; nothing outside this header names a ___flavour struct or tests for
 * a field.  CO-RE picks the layout at load time: bpf_core_field_exists()
 * and bpf_core_type_size() become constants, and the verifier drops the
 * other layouts' branches, so an accessor costs nothing at run time.
 *
 * A new layout: describe only the fields read, in a ___suffix flavour
 * struct (preserve_access_index), test for it in the accessor of that
 * field, and cite the upstream commit that changed it and the first release
 * that has it.
 *
 * Everything is read with BPF_CORE_READ / bpf_probe_read_kernel, which work
 * on every supported kernel: 6.1 has no bpf_rdonly_cast.
 *
 * Needs from the including program: nothing (no maps, no globals); the
 * accessors answer in the record format's terms (uringdump.h).
 */
#ifndef URINGDUMP_LIB_COMPAT_BPF_H
#define URINGDUMP_LIB_COMPAT_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "uringdump.h"

/* ---- registered file and buffer tables ---------------------------------- */

/*
 * Upstream commit 3597f2786b68 ("io_uring/rsrc: unify file and buffer
 * resource tables"), first in v6.13, moved both tables to arrays of
 * struct io_rsrc_node pointers (NULL: an empty slot):
 * ctx->file_table.data.{nodes,nr} and ctx->buf_table.{nodes,nr}, the slot's
 * file_ptr or io_mapped_ubuf in the node.  Before it (6.1 - 6.12), the
 * layouts below: files[] is an array of struct io_fixed_file, nr_user_files
 * long; user_bufs[] an array of io_mapped_ubuf pointers, nr_user_bufs long,
 * whose empty slots point to the ring's dummy buffer (ubuf == -1).
 */
struct io_file_table___old {
	void *files; /* struct io_fixed_file { unsigned long file_ptr; } [] */
} __attribute__((preserve_access_index));

struct io_fixed_file___old {
	unsigned long file_ptr;
} __attribute__((preserve_access_index));

/* The tables' tags (IORING_REGISTER_FILES2/BUFFERS2): pages of 512 u64s. */
struct io_rsrc_data___old {
	__u64 **tags;
} __attribute__((preserve_access_index));

#define UD_RSRC_TAG_SHIFT 9 /* IO_RSRC_TAG_TABLE_SHIFT: PAGE_SHIFT - 3 */
#define UD_RSRC_TAG_MASK ((1u << UD_RSRC_TAG_SHIFT) - 1)

struct io_ring_ctx___old {
	struct io_file_table___old file_table;
	unsigned int nr_user_files;
	unsigned int nr_user_bufs;
	struct io_mapped_ubuf **user_bufs;
	struct io_rsrc_data___old *file_data;
	struct io_rsrc_data___old *buf_data;
} __attribute__((preserve_access_index));

/* Are the tables io_rsrc_node arrays (6.13+)?  The one test of that layout. */
static __always_inline bool ud_has_rsrc_nodes(void)
{
	return bpf_core_field_exists(struct io_file_table, data);
}

/* The ring's registered file table: its slots (NULL: none) and their number. */
static __always_inline void *ud_ring_files(struct io_ring_ctx *ctx, __u32 *nr)
{
	if (ud_has_rsrc_nodes()) {
		*nr = BPF_CORE_READ(ctx, file_table.data.nr);
		return BPF_CORE_READ(ctx, file_table.data.nodes);
	}
	struct io_ring_ctx___old *o = (void *)ctx;

	*nr = BPF_CORE_READ(o, nr_user_files);
	return BPF_CORE_READ(o, file_table.files);
}

/* The ring's registered buffer table: its slots (NULL: none) and their number. */
static __always_inline void *ud_ring_bufs(struct io_ring_ctx *ctx, __u32 *nr)
{
	if (ud_has_rsrc_nodes()) {
		*nr = BPF_CORE_READ(ctx, buf_table.nr);
		return BPF_CORE_READ(ctx, buf_table.nodes);
	}
	struct io_ring_ctx___old *o = (void *)ctx;

	*nr = BPF_CORE_READ(o, nr_user_bufs);
	return BPF_CORE_READ(o, user_bufs);
}

/*
 * Tags.  6.13+: in each slot's io_rsrc_node (tag).  Before: in the table's
 * io_rsrc_data (ctx->file_data, ctx->buf_data), tags[i >> 9][i & 511].
 * ud_table_tags() gives the latter's page array (NULL from 6.13 on, or
 * when the table has none); the slot accessors below fill *tag from either.
 */
static __always_inline void *ud_table_tags(struct io_ring_ctx *ctx, bool files)
{
	struct io_ring_ctx___old *o = (void *)ctx;
	struct io_rsrc_data___old *d;

	if (ud_has_rsrc_nodes())
		return NULL;
	d = files ? BPF_CORE_READ(o, file_data) : BPF_CORE_READ(o, buf_data);
	return d ? BPF_CORE_READ(d, tags) : NULL;
}

static __always_inline __u64 ud_old_tag(void *tags, __u32 i)
{
	__u64 page = 0, tag = 0;

	if (!tags)
		return 0;
	bpf_probe_read_kernel(&page, sizeof(page), tags + (__u64)(i >> UD_RSRC_TAG_SHIFT) * 8);
	if (page)
		bpf_probe_read_kernel(&tag, sizeof(tag), (void *)page + (i & UD_RSRC_TAG_MASK) * 8);
	return tag;
}

/*
 * The file_ptr of slot i of a file table from ud_ring_files() (0: empty),
 * and its tag (tags: from ud_table_tags()).  The slots are read as numbers:
 * the verifier does not follow a pointer loaded from an array of pointers.
 */
static __always_inline unsigned long ud_file_slot(void *files, __u32 i, void *tags, __u64 *tag)
{
	unsigned long fp = 0;

	if (!ud_has_rsrc_nodes()) {
		__u32 sz = bpf_core_type_size(struct io_fixed_file___old);

		bpf_probe_read_kernel(&fp, sizeof(fp), files + (__u64)i * sz);
		*tag = fp ? ud_old_tag(tags, i) : 0;
	} else {
		struct io_rsrc_node *node = NULL;

		bpf_probe_read_kernel(&node, sizeof(node), files + (__u64)i * sizeof(void *));
		if (node) {
			fp = BPF_CORE_READ(node, file_ptr);
			*tag = BPF_CORE_READ(node, tag);
		}
	}
	return fp;
}

/*
 * The io_mapped_ubuf of slot i of a buffer table from ud_ring_bufs() (NULL:
 * empty; before 6.13 an empty slot is the dummy buffer, whose ubuf is -1),
 * and its tag, as ud_file_slot().
 */
static __always_inline struct io_mapped_ubuf *ud_buf_slot(void *bufs, __u32 i, void *tags,
							  __u64 *tag)
{
	struct io_mapped_ubuf *imu = NULL;

	if (!ud_has_rsrc_nodes()) {
		bpf_probe_read_kernel(&imu, sizeof(imu), bufs + (__u64)i * sizeof(void *));
		*tag = ud_old_tag(tags, i);
	} else {
		struct io_rsrc_node *node = NULL;

		bpf_probe_read_kernel(&node, sizeof(node), bufs + (__u64)i * sizeof(void *));
		if (node) {
			imu = BPF_CORE_READ(node, buf);
			*tag = BPF_CORE_READ(node, tag);
		}
	}
	return imu;
}

/* The tag of slot i of the ring's file (files) or buffer table, by itself. */
static __always_inline __u64 ud_slot_tag(struct io_ring_ctx *ctx, bool files, __u32 i)
{
	__u32 nr = 0;
	__u64 tag = 0;
	void *base = files ? ud_ring_files(ctx, &nr) : ud_ring_bufs(ctx, &nr);

	if (!base || i >= nr)
		return 0;
	if (files)
		ud_file_slot(base, i, ud_table_tags(ctx, true), &tag);
	else
		ud_buf_slot(base, i, ud_table_tags(ctx, false), &tag);
	return tag;
}

/*
 * file_ptr keeps flags in its low bits: FFS_NOWAIT 1, FFS_ISREG 2, and,
 * until upstream commit 38eddb2c75fb ("io_uring: remove FFS_SCM"), first in
 * v6.2 and backported to later 6.1.y, FFS_SCM 4.  A struct file is at least
 * 8-byte aligned, so clearing three bits is right on every version.
 */
#define UD_FILE_PTR_FLAGS 7UL

static __always_inline struct file *ud_file_ptr_file(unsigned long fp)
{
	return (struct file *)(fp & ~UD_FILE_PTR_FLAGS);
}

/* ---- registered buffers -------------------------------------------------- */

/*
 * Upstream commit 9753c642a53b ("io_uring/rsrc: change ubuf->ubuf_end to
 * length tracking"), first in v6.12, replaced the buffer's end address by
 * its length (len, an unsigned int).
 */
struct io_mapped_ubuf___old {
	__u64 ubuf;
	__u64 ubuf_end;
} __attribute__((preserve_access_index));

/*
 * Upstream commit ca76b56a2a2a ("io_uring/rsrc: bump struct io_mapped_ubuf
 * length field to size_t"), first in v7.2, made len a size_t, and
 * b4e41050b212 ("io_uring/rsrc: raise registered buffer 1GB limit"), also
 * v7.2, lets it exceed 4 GiB.  CO-RE relocates a field's offset, not the
 * size of the read, so the 8-byte len is read through this flavour.
 */
struct io_mapped_ubuf___len64 {
	__u64 len;
} __attribute__((preserve_access_index));

/* Length of the buffer imu, which starts at user address addr (imu->ubuf). */
static __always_inline __u64 ud_imu_len(struct io_mapped_ubuf *imu, __u64 addr)
{
	if (!bpf_core_field_exists(imu->len)) {
		struct io_mapped_ubuf___old *o = (void *)imu;

		return BPF_CORE_READ(o, ubuf_end) - addr;
	}
	if (bpf_core_field_size(imu->len) == sizeof(__u64)) {
		struct io_mapped_ubuf___len64 *n = (void *)imu;

		return BPF_CORE_READ(n, len);
	}
	return BPF_CORE_READ(imu, len);
}

/* ---- restrictions (IORING_REGISTER_RESTRICTIONS) ------------------------- */

/*
 * 6.1 - 6.12 (and the host's 6.18): one `registered` flag and a 64-bit
 * sqe_op bitmap.  The 7.2 and 7.3 BTF (the first 7.x checked; the upstream
 * commits were not looked up) split the flag into op_registered (SQE
 * opcodes) and reg_registered (register opcodes) and widen sqe_op to two
 * words.
 */
struct io_restriction___v6 {
	bool registered;
} __attribute__((preserve_access_index));

struct io_restriction___v7 {
	bool op_registered;
	bool reg_registered;
} __attribute__((preserve_access_index));

/* Are SQE-opcode (*op) and register-opcode (*reg) restrictions registered? */
static __always_inline void ud_restricted(struct io_restriction *res, bool *op, bool *reg)
{
	struct io_restriction___v6 *o = (void *)res;
	struct io_restriction___v7 *n = (void *)res;

	if (bpf_core_field_exists(o->registered)) {
		*op = *reg = BPF_CORE_READ(o, registered);
		return;
	}
	*op = BPF_CORE_READ(n, op_registered);
	*reg = BPF_CORE_READ(n, reg_registered);
}

/* Word `i` (0 or 1) of the allowed SQE opcode bitmap; 0 past its end. */
static __always_inline __u64 ud_sqe_op_word(struct io_restriction *res, __u32 i)
{
	__u64 w = 0;

	if ((i + 1) * sizeof(__u64) > bpf_core_field_size(res->sqe_op))
		return 0;
	bpf_probe_read_kernel(&w, sizeof(w), (void *)&res->sqe_op + i * sizeof(__u64));
	return w;
}

/* ---- NAPI busy polling (IORING_REGISTER_NAPI) ----------------------------
 *
 * 6.12's BTF has ctx->napi_enabled (bool); 6.18's and 7.x's have
 * ctx->napi_track_mode instead (the static tracking strategy; INACTIVE 255
 * when off; the upstream commit was not looked up).  6.1 has neither.
 * napi_busy_poll_dt is a ktime_t (ns) in both.
 */
struct io_ring_ctx___napi_enabled {
	bool napi_enabled;
} __attribute__((preserve_access_index));

/* false: NAPI off or not in this kernel; else its timeout, preference, mode */
static __always_inline bool ud_napi(struct io_ring_ctx *ctx, __u32 *busy_us, __u8 *prefer,
				    __u8 *mode)
{
	struct io_ring_ctx___napi_enabled *o = (void *)ctx;
	__u8 m = 255;

	if (!bpf_core_field_exists(ctx->napi_busy_poll_dt))
		return false;
	if (bpf_core_field_exists(ctx->napi_track_mode))
		m = BPF_CORE_READ(ctx, napi_track_mode);
	else if (bpf_core_field_exists(o->napi_enabled) && BPF_CORE_READ(o, napi_enabled))
		m = 0; /* dynamic: the only mode before 6.13 */
	if (m == 255)
		return false;
	*mode = m;
	*busy_us = (__u32)((__u64)BPF_CORE_READ(ctx, napi_busy_poll_dt) / 1000);
	*prefer = BPF_CORE_READ(ctx, napi_prefer_busy_poll);
	return true;
}

/* ---- io-wq CPU affinity (IORING_REGISTER_IOWQ_AFF) -----------------------
 *
 * Per task: task->io_uring->io_wq.  6.1 keeps a mask per NUMA node
 * (io_wq.wqes[node]->cpu_mask; node 0's is read); 6.12 and later one,
 * io_wq.cpu_mask.  cpumask_var_t is a pointer with CONFIG_CPUMASK_OFFSTACK
 * (Debian's kernels) and an inline one-element array without (the host's):
 * CO-RE matches a field of pointer type only to a pointer and an array
 * only to an array, so the two flavours below tell them apart.
 */
struct io_wq___mask_ptr {
	struct cpumask *cpu_mask;
} __attribute__((preserve_access_index));

struct io_wq___mask_inline {
	struct cpumask cpu_mask[1];
} __attribute__((preserve_access_index));

struct io_wqe_acct___v61 {
	struct io_wq_work_list work_list;
} __attribute__((preserve_access_index));

struct io_wqe___v61 {
	struct cpumask *cpu_mask;
	struct io_wqe_acct___v61 acct[2];
	struct list_head all_list;
} __attribute__((preserve_access_index));

struct io_wq___v61 {
	struct io_wqe___v61 *wqes[1];
} __attribute__((preserve_access_index));

/* The first 64 bits of the task's io-wq CPU mask; false: no io-wq, unreadable. */
static __always_inline bool ud_iowq_cpus(struct io_uring_task *tctx, __u64 *cpus)
{
	struct io_wq *wq = tctx ? BPF_CORE_READ(tctx, io_wq) : NULL;
	struct io_wq___mask_ptr *p = (void *)wq;
	struct io_wq___mask_inline *in = (void *)wq;
	struct io_wq___v61 *o = (void *)wq;
	struct cpumask *mask = NULL;

	if (!wq)
		return false;
	if (bpf_core_field_exists(in->cpu_mask))
		mask = &in->cpu_mask[0];
	else if (bpf_core_field_exists(p->cpu_mask))
		mask = BPF_CORE_READ(p, cpu_mask);
	else if (bpf_core_field_exists(o->wqes))
		mask = BPF_CORE_READ(o, wqes[0], cpu_mask);
	return mask && !bpf_probe_read_kernel(cpus, sizeof(*cpus), mask);
}

/* ---- io-wq work ------------------------------------------------------------
 *
 * A task's io-wq keeps work queued per kind (bounded, unbounded) in an
 * io_wq_work_list, and its workers on a list_head; a worker's cur_work is
 * what it runs.  6.1: both per NUMA node in io_wq.wqes[node] (node 0 is
 * read); 6.12: io_wq.acct[2].work_list and one io_wq.all_list; 6.18 and
 * 7.x: io_wq.acct[2].work_list and io_wq.acct[2].all_list.
 */
struct io_wq___all_list {
	struct list_head all_list;
} __attribute__((preserve_access_index));

struct io_wq_acct___all_list {
	struct list_head all_list;
} __attribute__((preserve_access_index));

/* Address of the work list of kind i (0 bounded, 1 unbounded); 0: none. */
static __always_inline __u64 ud_iowq_work_list(struct io_wq *wq, __u32 i)
{
	struct io_wq___v61 *o = (void *)wq;

	i &= 1;
	if (bpf_core_field_exists(wq->acct))
		return (__u64)wq + bpf_core_field_offset(struct io_wq, acct) +
		       i * bpf_core_type_size(struct io_wq_acct) +
		       bpf_core_field_offset(struct io_wq_acct, work_list);
	if (!bpf_core_field_exists(o->wqes))
		return 0;
	struct io_wqe___v61 *wqe = BPF_CORE_READ(o, wqes[0]);

	return wqe ? (__u64)wqe + bpf_core_field_offset(struct io_wqe___v61, acct) +
			       i * bpf_core_type_size(struct io_wqe_acct___v61) +
			       bpf_core_field_offset(struct io_wqe_acct___v61, work_list)
		   : 0;
}

/* Address of worker list i (the list_head); 0: none (one list before 6.18). */
static __always_inline __u64 ud_iowq_workers(struct io_wq *wq, __u32 i)
{
	struct io_wq___v61 *o = (void *)wq;
	struct io_wq___all_list *w612 = (void *)wq;

	i &= 1;
	if (bpf_core_field_exists(struct io_wq_acct___all_list, all_list))
		return (__u64)wq + bpf_core_field_offset(struct io_wq, acct) +
		       i * bpf_core_type_size(struct io_wq_acct) +
		       bpf_core_field_offset(struct io_wq_acct___all_list, all_list);
	if (i)
		return 0;
	if (bpf_core_field_exists(w612->all_list))
		return (__u64)&w612->all_list;
	if (!bpf_core_field_exists(o->wqes))
		return 0;
	struct io_wqe___v61 *wqe = BPF_CORE_READ(o, wqes[0]);

	return wqe ? (__u64)&wqe->all_list : 0;
}

/* ---- provided buffers ------------------------------------------------------
 *
 * struct io_buffer_list, one per buffer group.  Where they are:
 *  - 6.1: groups 0-63 in the array ctx->io_bl[64] (all 64 present once any
 *    group is used), the others in the xarray ctx->io_bl_xa; no flags: a
 *    ring has buf_nr_pages != 0, in user memory (IOU_PBUF_RING_MMAP came
 *    in 6.4); a legacy group is a non-empty buf_list of struct io_buffer.
 *  - 6.12: only io_bl_xa; flags IOBL_BUF_RING 1, IOBL_MMAP 2, IOBL_INC 4.
 *  - 6.18 and 7.x: flags IOBL_BUF_RING 1, IOBL_INC 2; the ring's memory is
 *    an io_mapped_region whose flags say IO_REGION_F_USER_PROVIDED (2) for
 *    user memory; nbufs counts a legacy group's buffers.  7.3 drops
 *    nr_entries and buf_nr_pages (entries are mask + 1 everywhere).
 * 6.2 - 6.11 are not supported (6.7 - 6.11 kept the kind in bit fields).
 */
struct io_ring_ctx___io_bl {
	struct io_buffer_list *io_bl;
} __attribute__((preserve_access_index));

struct io_buffer_list___v61 {
	__u16 buf_nr_pages;
	struct page **buf_pages; /* 6.1 - 6.12: the ring's pages */
} __attribute__((preserve_access_index));

#define UD_BGID_ARRAY 64 /* BGID_ARRAY of 6.1 */

/* 6.1: the io_bl array (NULL: none yet, or not this kernel) and its stride */
static __always_inline void *ud_bl_array(struct io_ring_ctx *ctx, __u32 *stride)
{
	struct io_ring_ctx___io_bl *o = (void *)ctx;

	if (!bpf_core_field_exists(o->io_bl))
		return NULL;
	*stride = bpf_core_type_size(struct io_buffer_list);
	return BPF_CORE_READ(o, io_bl);
}

/* What a buffer list is: UD_PBUF_RING, UD_PBUF_KERNEL_MEM, UD_PBUF_INC bits. */
static __always_inline __u16 ud_bl_kind(struct io_buffer_list *bl)
{
	struct io_buffer_list___v61 *o = (void *)bl;
	__u16 flags, kind = 0;

	if (!bpf_core_field_exists(bl->flags))
		return bpf_core_field_exists(o->buf_nr_pages) && BPF_CORE_READ(o, buf_nr_pages)
			       ? UD_PBUF_RING
			       : 0;
	flags = BPF_CORE_READ(bl, flags);
	if (!(flags & 1)) /* IOBL_BUF_RING */
		return 0;
	kind = UD_PBUF_RING;
	if (bpf_core_field_exists(bl->region)) {
		if (flags & 2) /* IOBL_INC */
			kind |= UD_PBUF_INC;
		if (!(BPF_CORE_READ(bl, region.flags) & 2)) /* IO_REGION_F_USER_PROVIDED */
			kind |= UD_PBUF_KERNEL_MEM;
	} else {
		if (flags & 4) /* IOBL_INC */
			kind |= UD_PBUF_INC;
		if (flags & 2) /* IOBL_MMAP */
			kind |= UD_PBUF_KERNEL_MEM;
	}
	return kind;
}

/*
 * The struct page of a buffer ring's first page (0: none): 6.1 - 6.12 keep
 * the pages in buf_pages, 6.13+ in the memory region.
 */
static __always_inline __u64 ud_bl_first_page(struct io_buffer_list *bl)
{
	struct io_buffer_list___v61 *o = (void *)bl;
	struct page **pages = NULL;
	__u64 page = 0;

	if (bpf_core_field_exists(bl->region))
		pages = BPF_CORE_READ(bl, region.pages);
	else if (bpf_core_field_exists(o->buf_pages))
		pages = BPF_CORE_READ(o, buf_pages);
	if (!pages || bpf_probe_read_kernel(&page, sizeof(page), pages))
		return 0;
	return page;
}

/* A legacy group's buffer count where the kernel keeps it (6.18+), else -1. */
static __always_inline int ud_bl_nbufs(struct io_buffer_list *bl)
{
	if (!bpf_core_field_exists(bl->nbufs))
		return -1;
	return BPF_CORE_READ(bl, nbufs);
}

/* ---- changes that need no accessor ----------------------------------------
 *
 * Checked against the BTF of Debian's 7.0.4, 7.1.3, 7.2.13 and 7.3.4 kernels
 * (the 7.x fields of every structure read here), these changed but are read
 * as they are:
 *  - epitem.ffd: upstream commit 463aba809073 ("eventpoll: rename struct
 *    epoll_filefd to epoll_key"), first in v7.2, renamed its type only; CO-RE
 *    matches the members (file, fd) by name in either struct.
 *  - inode.i_ino: unsigned long before v7.1, u64 from v7.1; the same 8 bytes
 *    on x86-64, the only architecture uringdump builds for.
 * These changed and are not read: io_ring_ctx's bit fields (restricted,
 * has_evfd...) became int_flags (v7.1), io_mapped_ubuf.is_kbuf became
 * flags (by v7.0; 6.19 not checked), io_mapped_ubuf.acct_pages (gone in
 * v7.2: upstream commit df0a52537c0f, "io_uring/rsrc: add huge page
 * accounting for registered buffers"; RBUF no longer carries it),
 * epitem.dying (gone in v7.1) and io_sq_data.exited (gone in v7.3).
 */

#endif /* URINGDUMP_LIB_COMPAT_BPF_H */
