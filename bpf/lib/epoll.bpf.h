/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * epoll: the EPOLL record of an epoll file and the walk of its interest
 * list (EPITEM per item, closed by TABLE_END).
 *
 * Needs from the including program: what lib/file.bpf.h needs, and for the
 * walk a struct ep_walk that the caller owns and passes in (a map value:
 * see below why not the stack).
 */
#ifndef URINGDUMP_LIB_EPOLL_BPF_H
#define URINGDUMP_LIB_EPOLL_BPF_H

#include "lib/file.bpf.h"

enum { WALK_VISIT, WALK_DESCEND, WALK_ASCEND };

/*
 * An in-order walk of ep->rbr.  The walk takes no lock (the kernel's own
 * walkers hold ep->mtx), so an insert or removal can rebalance the tree
 * under it and make it skip a subtree or see a node twice; an item removed
 * meanwhile may already be freed and reused (its memory stays readable:
 * epitems are freed after an RCU grace period, and iterator programs run
 * under rcu_read_lock).  Each step reads its node whole, once, and checks
 * what the walk relies on:
 *  - going down, the child's parent is the node it was reached from;
 *  - going up, the node it came from is still the parent's left or right
 *    child, and a node without parent is the root;
 *  - items come in strictly increasing (file, fd) order, as ep_cmp_ffd()
 *    sorts the tree, each belongs to this epoll and has a file.
 * A failed check stops the walk as `broken`: the table is reported
 * incomplete and the loader dumps again.  An unchanged tree passes them all.
 *
 * Two loops: ep_step moves through the tree until the next item (at most
 * EP_MAX_MOVES steps, twice a red-black tree's height for 2^32 nodes) and
 * ep_item writes that item.  The walk's state is a map value, not on the
 * stack: kernels since 6.7 verify a bpf_loop callback again for every state
 * it can be entered with, and a map value's contents are unknown to the
 * verifier, so each callback is entered in one state (without this, the
 * checks multiplied the verifier's work, and the program's load time, by
 * two to five).  One program instance has one walk at a time: a live dump
 * is one reader, a pin's readers are serialised (lib/pin_readers.bpf.h).
 * The program keeps the state in a one-entry array map of struct ep_walk
 * and passes it to ep_walk_begin / ep_walk_run / walk_epoll.
 */
#define EP_MAX_MOVES 130

struct ep_walk {
	__u32 pid;
	__u64 ep_id;
	struct eventpoll *ep;
	struct rb_node *node; /* where the next step is */
	struct rb_node *from; /* DESCEND: node's parent (NULL: unchecked); ASCEND: the child */
	int mode;
	__u32 count; /* items written */
	bool done;
	bool broken;         /* stopped early: the tree changed, or an item was not written */
	struct epitem *item; /* the item found by the last moves, to be written */
	struct file *item_file;
	__s32 item_fd;
};

/* The loops' context, the same at every step. */
struct ep_ctx {
	struct seq_file *seq;
	struct ep_walk *w;
};

/* One EPITEM record (and the target's FILE once). */
static __always_inline int emit_epitem(struct seq_file *seq, __u32 pid, __u64 ep_id, __u32 index,
				       struct epitem *epi, struct file *tf, __s32 tfd)
{
	union ud_any *r = scratch(UD_SCR_ITEM);

	if (!r)
		return -1;

	describe_file(seq, pid, tf);
	rec_init(r, UD_REC_EPITEM, pid);
	r->epitem.ep_id = ep_id;
	r->epitem.file_id = mix((__u64)tf);
	r->epitem.tfd = tfd;
	r->epitem.events = BPF_CORE_READ(epi, event.events);
	r->epitem.data = BPF_CORE_READ(epi, event.data);
	r->epitem.index = index;
	return emit(seq, r, true);
}

static __always_inline long ep_broken(struct ep_walk *w)
{
	w->broken = true;
	return 1;
}

/* Leave node n (whose parent is `parent`) upwards. */
static __always_inline long ep_up(struct ep_walk *w, struct rb_node *n, struct rb_node *parent)
{
	if (!parent) {
		struct eventpoll *ep = w->ep;

		if (BPF_CORE_READ(ep, rbr.rb_root.rb_node) != n)
			return ep_broken(w); /* n left the tree */
		w->done = true;
		return 1;
	}
	w->from = n;
	w->node = parent;
	w->mode = WALK_ASCEND;
	return 0;
}

/*
 * One move; stops (returns 1) at an item to write (w->item), at the end,
 * at a failed check, or, in a pinned walk, for want of room (mode VISIT:
 * the next call resumes there).
 */
static long ep_step(__u32 i, void *data)
{
	struct ep_ctx *c = data;
	struct ep_walk *w = c->w;
	struct rb_node *n = w->node;
	struct rb_node cur;

	if (!n) {
		w->done = true;
		return 1;
	}
	if (bpf_probe_read_kernel(&cur, sizeof(cur), n))
		return ep_broken(w);

	struct rb_node *parent = (struct rb_node *)(cur.__rb_parent_color & ~3UL);

	if (w->mode == WALK_DESCEND) {
		if (w->from && parent != w->from)
			return ep_broken(w);
		if (cur.rb_left) {
			w->from = n;
			w->node = cur.rb_left;
		} else {
			w->mode = WALK_VISIT;
		}
		return 0;
	}
	if (w->mode == WALK_ASCEND) {
		if (cur.rb_left == w->from) {
			w->mode = WALK_VISIT;
			return 0;
		}
		if (cur.rb_right != w->from)
			return ep_broken(w);
		return ep_up(w, n, parent);
	}

	if (!room_for_unit(c->seq))
		return 1;

	/* rbn is the first member of struct epitem */
	struct epitem *epi = container_of(n, struct epitem, rbn);
	struct file *tf = BPF_CORE_READ(epi, ffd.file);
	__s32 tfd = BPF_CORE_READ(epi, ffd.fd);

	if (BPF_CORE_READ(epi, ep) != w->ep || !tf)
		return ep_broken(w);
	if (w->count &&
	    ((__u64)tf < (__u64)w->item_file || (tf == w->item_file && tfd <= w->item_fd)))
		return ep_broken(w);
	w->item = epi;
	w->item_file = tf;
	w->item_fd = tfd;
	if (cur.rb_right) {
		w->from = n;
		w->node = cur.rb_right;
		w->mode = WALK_DESCEND;
	} else {
		ep_up(w, n, parent);
	}
	return 1;
}

/* Move to the next item and write it; stops at the end or early. */
static long ep_item(__u32 i, void *data)
{
	struct ep_ctx *c = data;
	struct ep_walk *w = c->w;

	w->item = NULL;
	bpf_loop(EP_MAX_MOVES, ep_step, c, 0);
	if (!w->item) {
		/* out of moves without reaching an item: not a tree any more */
		if (!w->done && !w->broken && w->mode != WALK_VISIT)
			w->broken = true;
		return 1;
	}
	if (emit_epitem(c->seq, w->pid, w->ep_id, w->count, w->item, w->item_file, w->item_fd))
		return ep_broken(w);
	w->count++;
	/* the last item's ep_up() may have found the end */
	if (w->done || w->broken)
		return 1;
	return 0;
}

/* Runs (or, pinned, resumes) the walk set up by ep_walk_begin; see ep_step. */
static __always_inline void ep_walk_run(struct seq_file *seq, struct ep_walk *w)
{
	struct ep_ctx c = { .seq = seq, .w = w };

	bpf_loop(MAX_LOOP, ep_item, &c, 0);
}

/* Sets up the walk of ep's tree. */
static __always_inline void ep_walk_begin(struct ep_walk *w, __u32 pid, __u64 ep_id,
					  struct eventpoll *ep)
{
	w->pid = pid;
	w->ep_id = ep_id;
	w->ep = ep;
	w->node = BPF_CORE_READ(ep, rbr.rb_leftmost);
	w->from = NULL; /* the leftmost's parent is not checked */
	w->mode = WALK_DESCEND;
	w->count = 0;
	w->done = !w->node;
	w->broken = false;
	w->item = NULL;
}

/* The EPOLL record of the epoll whose id is ep_id.  Returns emit()'s status. */
static __always_inline int emit_epoll(struct seq_file *seq, __u32 pid, __u64 ep_id)
{
	union ud_any *r = scratch(UD_SCR_HDR);

	if (!r)
		return -1;

	rec_init(r, UD_REC_EPOLL, pid);
	r->epoll.file_id = ep_id;
	return emit(seq, r, false);
}

/* The live iterator: EPOLL, then the whole tree in one step, with w as the walk's state. */
static __always_inline void walk_epoll(struct seq_file *seq, __u32 pid, struct file *file,
				       struct ep_walk *w)
{
	__u64 ep_id = mix((__u64)file);

	if (emit_epoll(seq, pid, ep_id))
		return;

	ep_walk_begin(w, pid, ep_id, BPF_CORE_READ(file, private_data));
	if (!w->done)
		ep_walk_run(seq, w);
	table_end(seq, pid, w->ep_id, UD_TABLE_EPITEM, w->count, w->done ? w->count : w->count + 1);
}

#endif /* URINGDUMP_LIB_EPOLL_BPF_H */
