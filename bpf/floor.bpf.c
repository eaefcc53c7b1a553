// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The benchmark's floors, two task_file iterators bound to one process the
 * way uringdump's live iterator is (bpf_iter_link_info.task.tid, see
 * src/kernel/floor.cpp).  Neither writes any output.
 *
 * floor_task_file: does nothing per fd but count it (the count lets the
 *   benchmark check that it saw every fd): what walking the process's fd
 *   table through an iterator costs.
 * walk_task_file: the same, and for each io_uring and epoll fd also visits
 *   every slot of the ring's registered file table and every item of the
 *   epoll tree (one pointer read per slot, an in-order tree walk), counting
 *   them: the least any dump of those tables must do.  With read_identity
 *   set, it also reads what identifies each slot's and item's file (inode,
 *   superblock, flags and, for an anon inode, the dentry's name), as a dump
 *   must: the cost of touching those objects, apart from writing records.
 *   Built for the running kernel's layout only (>= 6.13 file tables); the
 *   benchmark skips it when it does not load.  Loaded by FloorProbe
 *   (src/kernel/floor.hpp).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

__u64 fds_seen;
__u64 slots_seen;
__u64 items_seen;
bool read_identity; /* walk_task_file: also read each file's identity */
__u64 identity_sum; /* what it read, summed, so that nothing is optimised out */

#define ANON_INODE_FS_MAGIC 0x09041934

SEC("iter/task_file")
int floor_task_file(struct bpf_iter__task_file *ctx)
{
	if (ctx->file)
		fds_seen++;
	return 0;
}

/* text symbols: kallsyms has them even without CONFIG_KALLSYMS_ALL */
extern const void io_uring_poll __ksym;
extern const void ep_eventpoll_poll __ksym;

struct slots {
	struct io_rsrc_node **nodes;
	__u64 seen;
};

/* What a FILE record reads of f, one member at a time. */
static __always_inline void read_file_identity(struct file *f)
{
	struct inode *inode = BPF_CORE_READ(f, f_inode);
	struct super_block *sb = BPF_CORE_READ(inode, i_sb);
	__u64 magic = BPF_CORE_READ(sb, s_magic);
	__u64 sum = magic + BPF_CORE_READ(inode, i_mode) + BPF_CORE_READ(inode, i_ino) +
		    BPF_CORE_READ(sb, s_dev) + BPF_CORE_READ(f, f_flags);

	if (magic == ANON_INODE_FS_MAGIC) {
		char name[16];

		bpf_probe_read_kernel_str(name, sizeof(name),
					  BPF_CORE_READ(f, f_path.dentry, d_name.name));
		sum += name[1];
	}
	identity_sum += sum;
}

/* A slot's or an item's file: counted, and its identity read when asked. */
static __always_inline void visit_file(struct file *f, __u64 *seen)
{
	if (!f)
		return;
	(*seen)++;
	if (read_identity)
		read_file_identity(f);
}

static long slot_step(__u32 i, void *data)
{
	struct slots *s = data;
	struct io_rsrc_node *node = NULL;

	bpf_probe_read_kernel(&node, sizeof(node), s->nodes + i);
	if (!node)
		return 0;

	/* the low three bits are flags (lib/compat.bpf.h) */
	visit_file((struct file *)(BPF_CORE_READ(node, file_ptr) & ~7UL), &s->seen);
	return 0;
}

enum { W_DOWN, W_UP, W_VISIT };

struct tree {
	struct rb_node *n;
	int mode;
	__u64 seen;
};

/* one move of an in-order walk: descend left, visit, or climb */
static long tree_step(__u32 i, void *data)
{
	struct tree *t = data;
	struct rb_node *n = t->n, *next;

	if (!n)
		return 1;
	if (t->mode == W_DOWN) {
		next = BPF_CORE_READ(n, rb_left);
		if (next)
			t->n = next;
		else
			t->mode = W_VISIT;
		return 0;
	}
	if (t->mode == W_UP) {
		next = (struct rb_node *)(BPF_CORE_READ(n, __rb_parent_color) & ~3UL);
		if (next && BPF_CORE_READ(next, rb_left) == n)
			t->mode = W_VISIT;
		t->n = next;
		return 0;
	}
	/* rbn is the first member of struct epitem */
	visit_file(BPF_CORE_READ((struct epitem *)n, ffd.file), &t->seen);
	next = BPF_CORE_READ(n, rb_right);
	if (next) {
		t->n = next;
		t->mode = W_DOWN;
	} else {
		t->mode = W_UP;
	}
	return 0;
}

SEC("iter/task_file")
int walk_task_file(struct bpf_iter__task_file *ctx)
{
	struct file *file = ctx->file;

	if (!file)
		return 0;
	fds_seen++;

	const void *poll = BPF_CORE_READ(file, f_op, poll);

	if (poll == &io_uring_poll) {
		struct io_ring_ctx *rctx = BPF_CORE_READ(file, private_data);
		struct slots s = { .nodes = BPF_CORE_READ(rctx, file_table.data.nodes) };
		__u32 nr = BPF_CORE_READ(rctx, file_table.data.nr);

		if (s.nodes)
			bpf_loop(nr, slot_step, &s, 0);
		slots_seen += s.seen;
	} else if (poll == &ep_eventpoll_poll) {
		struct eventpoll *ep = BPF_CORE_READ(file, private_data);
		struct tree t = { .n = BPF_CORE_READ(ep, rbr.rb_leftmost), .mode = W_VISIT };

		bpf_loop(1 << 23, tree_step, &t, 0);
		items_seen += t.seen;
	}
	return 0;
}
