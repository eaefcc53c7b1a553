/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The record producers shared by uringdump's iterators: file description,
 * io_uring table walks and the epoll tree walk, all emitting the records of
 * uringdump.h.  Included by uringdump.bpf.c (live task_file iterator, spills
 * to a ring buffer) and uringdump_pin.bpf.c (pinned, resumable: defines
 * UD_PIN_MODE, never spills, stops a step before the seq buffer is full).
 *
 * Kernel layouts (io_uring tables in 6.13, io_mapped_ubuf in 6.12): behind
 * the accessors of lib/compat.bpf.h.
 */
#ifndef URINGDUMP_DUMP_BPF_H
#define URINGDUMP_DUMP_BPF_H

#include "lib/compat.bpf.h"
#include "uringdump.h"

#define ANON_INODE_FS_MAGIC 0x09041934
#define PIPEFS_MAGIC 0x50495045
#define SOCKFS_MAGIC 0x534F434B
#define NSFS_MAGIC 0x6e736673
#define PIDFS_MAGIC 0x50494446

#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define S_IFLNK 0120000
#define S_IFREG 0100000
#define S_IFBLK 0060000
#define S_IFDIR 0040000
#define S_IFCHR 0020000
#define S_IFIFO 0010000

#define IORING_SETUP_SQ_AFF (1U << 2)
#define MAX_LOOP (1U << 23) /* bpf_loop's own limit */
#ifdef UD_PIN_MODE
/* a path must fit one step with room to spare: about 6 KiB of PATH records */
#define MAX_PATH_STEPS 96
#else
#define MAX_PATH_STEPS 1024 /* chunks and mount crossings of one path */
#endif

/* ---- configuration, set by the loader before load --------------------- */
const volatile __u64 id_key0 = 0;
const volatile __u64 id_key1 = 1; /* odd */
const volatile __u64 run_id = 0;
const volatile __u32 seq_budget = 384; /* spillable records per step in seq */
const volatile __s32 target_fd = -1;   /* dump only this fd (-1: all) */
const volatile __u32 hz = 0;           /* CONFIG_HZ, when the loader knows it */

#ifndef container_of
#define container_of(ptr, type, member) ((type *)((void *)(ptr) - __builtin_offsetof(type, member)))
#endif

/* ---- output state (one stream at a time per loaded program) ----------- */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20); /* the loader resizes it */
} spill SEC(".maps");

/* struct file already described in this stream: addr -> when */
struct seen_val {
	__u64 gen;
	__u64 seq_num;
	__u64 call;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1 << 18);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, struct seen_val);
} seen SEC(".maps");

/* per stream */
__u64 gen;         /* stream generation, bumped at seq_num 0 */
__u64 tot_records; /* records of this stream (seq + spilled), kept steps */
__u64 tot_spilled;
__u64 tot_dropped;
__u32 last_tgid;
__u64 last_task_seq;
/* per call (one iterator step, possibly re-run by the kernel) */
__u64 call;    /* invocation counter */
__u64 cur_seq; /* meta->seq_num of this call */
__u64 step_records;
__u64 step_spilled;
__u64 step_dropped;
__u32 step_spillable; /* spillable records written to seq in this step */
bool step_overflow;   /* a seq write failed: the kernel will re-run this step */

union ud_any {
	struct ud_hdr h;
	struct ud_rec_stream stream;
	struct ud_rec_task task;
	struct ud_rec_fd fd;
	struct ud_rec_file file;
	struct ud_rec_path path;
	struct ud_rec_ring ring;
	struct ud_rec_rfile rfile;
	struct ud_rec_rbuf rbuf;
	struct ud_rec_epoll epoll;
	struct ud_rec_epitem epitem;
	struct ud_rec_table_end tend;
	struct ud_rec_end end;
};

/*
 * Scratch records, one per nesting level, kept off the 512-byte BPF stack:
 * headers (main step, ring, epoll, TABLE_END), table items, FILE, PATH.
 * Per CPU, so that two readers of one pinned iterator never tear a record.
 */
enum { UD_SCR_HDR, UD_SCR_ITEM, UD_SCR_FILE, UD_SCR_PATH, UD_SCR_NR };

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, UD_SCR_NR);
	__type(key, __u32);
	__type(value, union ud_any);
} scratch_recs SEC(".maps");

static __always_inline union ud_any *scratch(__u32 which)
{
	return bpf_map_lookup_elem(&scratch_recs, &which);
}

/*
 * Always 0, but unknown to the verifier.  Kernels before 6.7 verify a
 * bpf_loop callback once, with the loop state as the caller left it: a
 * field that starts as a constant (a walk's mode, a NULL name) makes the
 * verifier treat the other branches as dead and remove them.  Walk states
 * are initialised through opaque() so that every branch stays.
 */
__u64 opaque_zero;

static __always_inline __u64 opaque(__u64 v)
{
	return v + opaque_zero;
}

/* Keyed bijective mix of a kernel address: an opaque id, 0 stays 0. */
static __always_inline __u64 mix(__u64 x)
{
	if (!x)
		return 0;
	x ^= id_key0;
	x *= id_key1;
	x ^= x >> 31;
	x *= 0x9e3779b97f4a7c15ULL;
	x ^= x >> 29;
	return x ? x : 1;
}

static __always_inline void rec_init(union ud_any *r, __u16 type, __u32 pid)
{
	__builtin_memset(r, 0, sizeof(*r));
	r->h.type = type;
	r->h.pid = pid;
}

/*
 * Write one record.  Non-spillable records always go to the seq file;
 * spillable ones go there only within the step's budget.  Returns -1 when
 * the seq file overflowed: the step's output is discarded by the kernel and
 * the step re-run, so the caller may stop early.
 */
static __always_inline int emit(struct seq_file *seq, union ud_any *r, bool spillable)
{
	if (step_overflow)
		return -1;
#ifdef UD_PIN_MODE
	spillable = false; /* a pinned stream is read by cat: everything goes to seq */
#endif
	if (!spillable || step_spillable < seq_budget) {
		if (bpf_seq_write(seq, r, UD_REC_SIZE)) {
			step_overflow = true;
			return -1;
		}
		if (spillable)
			step_spillable++;
		step_records++;
		return 0;
	}
	if (bpf_ringbuf_output(&spill, r, UD_REC_SIZE, 0)) {
		step_dropped++;
		return 0;
	}
	step_spilled++;
	step_records++;
	return 0;
}

/*
 * Pinned streams are cut into steps that each fit the seq buffer: a step
 * stops before a unit (one fd, slot or item, with its FILE and PATH
 * records) that might not fit.  Live streams spill instead.
 */
#define UNIT_WORST ((MAX_PATH_STEPS + 8) * UD_REC_SIZE)

static __always_inline bool room_for_unit(struct seq_file *seq)
{
#ifdef UD_PIN_MODE
	return BPF_CORE_READ(seq, size) - BPF_CORE_READ(seq, count) >= UNIT_WORST;
#else
	return true;
#endif
}

/*
 * Start of a call.  The kernel discards a step's seq output exactly when a
 * seq write of that step overflowed (step_overflow), and then runs the step
 * again with the same seq_num: only kept steps are added to the totals.
 */
static __always_inline void step_begin(__u64 seq_num)
{
	call++;
	if (seq_num == 0) {
		gen++;
		tot_records = tot_spilled = tot_dropped = 0;
		last_tgid = 0;
		last_task_seq = (__u64)-1;
	}
	cur_seq = seq_num;
	step_records = step_spilled = step_dropped = 0;
	step_spillable = 0;
	step_overflow = false;
}

/* End of a call: the kernel keeps the step unless it overflowed. */
static __always_inline void step_end(void)
{
	if (step_overflow)
		return;
	tot_records += step_records;
	tot_spilled += step_spilled;
	tot_dropped += step_dropped;
}

/* ---- files ------------------------------------------------------------- */

struct anon_name {
	char s[16];
};

static __always_inline bool name_is(const struct anon_name *n, const char *lit, int len)
{
	for (int i = 0; i < len; i++)
		if (n->s[i] != lit[i])
			return false;
	return true;
}

static __always_inline __u32 file_kind(struct file *f, struct anon_name *name, __u32 *magic)
{
	struct inode *inode = BPF_CORE_READ(f, f_inode);
	__u32 mode = BPF_CORE_READ(inode, i_mode);

	*magic = (__u32)BPF_CORE_READ(inode, i_sb, s_magic);
	if (*magic == ANON_INODE_FS_MAGIC) {
		const unsigned char *dn = BPF_CORE_READ(f, f_path.dentry, d_name.name);

		bpf_probe_read_kernel_str(name->s, sizeof(name->s), dn);
		if (name_is(name, "[io_uring]", 11))
			return UD_FK_IO_URING;
		if (name_is(name, "[eventpoll]", 12))
			return UD_FK_EPOLL;
		if (name_is(name, "[eventfd]", 10))
			return UD_FK_EVENTFD;
		return UD_FK_ANON;
	}
	switch (mode & S_IFMT) {
	case S_IFREG:
		return UD_FK_REG;
	case S_IFDIR:
		return UD_FK_DIR;
	case S_IFCHR:
		return UD_FK_CHR;
	case S_IFBLK:
		return UD_FK_BLK;
	case S_IFIFO:
		return UD_FK_FIFO;
	case S_IFSOCK:
		return UD_FK_SOCK;
	case S_IFLNK:
		return UD_FK_LNK;
	}
	return UD_FK_OTHER;
}

/* Has FILE of `f` been written already in this stream (by a kept step, or earlier in this call)? */
static __always_inline bool file_described(__u64 f)
{
	struct seen_val *v = bpf_map_lookup_elem(&seen, &f);
	struct seen_val nv = { gen, cur_seq, call };

	if (v && v->gen == gen && (v->seq_num < cur_seq || v->call == call))
		return true;
	if (!v || v->gen != gen || v->seq_num != cur_seq || v->call != call)
		bpf_map_update_elem(&seen, &f, &nv, BPF_ANY);
	return false;
}

struct path_walk {
	struct seq_file *seq;
	__u32 pid;
	__u64 file_id;
	struct dentry *d;  /* current component */
	struct mount *mnt; /* mount of d */
	struct dentry *mnt_root;
	const unsigned char *name; /* d's name, NULL until loaded */
	__u32 len;
	__u32 off; /* bytes of name already emitted */
	__u16 comp;
	bool deleted;
};

/*
 * One step of the walk from a file's dentry up to the root of the mount
 * tree: cross a mount, or emit one UD_NAME_CHUNK of the current component.
 * One chunk per bpf_loop call keeps the callback small for the verifier.
 */
static long path_step(__u32 i, void *data)
{
	struct path_walk *w = data;
	/* local copies: BPF_CORE_READ relocates every member access it sees */
	struct dentry *d = w->d;
	struct mount *mnt = w->mnt;
	union ud_any *r = scratch(UD_SCR_PATH);

	if (!r)
		return 1;
	__u32 n;

	if (!d)
		return 1;
	if (!w->name) {
		struct dentry *parent = BPF_CORE_READ(d, d_parent);

		if (d == w->mnt_root || d == parent) {
			struct mount *up = BPF_CORE_READ(mnt, mnt_parent);

			if (!up || up == mnt)
				return 1; /* the root of the mount tree */
			w->d = BPF_CORE_READ(mnt, mnt_mountpoint);
			w->mnt = up;
			w->mnt_root = BPF_CORE_READ(up, mnt.mnt_root);
			return 0;
		}
		w->name = BPF_CORE_READ(d, d_name.name);
		w->len = BPF_CORE_READ(d, d_name.len);
		if (w->len > 255)
			w->len = 255;
		w->off = 0;
	}

	n = w->len - w->off;
	if (n > UD_NAME_CHUNK)
		n = UD_NAME_CHUNK;
	rec_init(r, UD_REC_PATH, w->pid);
	r->path.file_id = w->file_id;
	r->path.comp = w->comp;
	r->path.off = w->off / UD_NAME_CHUNK;
	r->path.len = n;
	if (n) {
		/* names are NUL-terminated: never read past the end */
		bpf_probe_read_kernel_str(r->path.name, UD_NAME_CHUNK, w->name + w->off);
		if (n == UD_NAME_CHUNK) /* the _str helper kept the last byte for NUL */
			bpf_probe_read_kernel(&r->path.name[UD_NAME_CHUNK - 1], 1,
					      w->name + w->off + UD_NAME_CHUNK - 1);
	}
	w->off += n;
	if (w->off >= w->len)
		r->h.flags |= UD_PATH_LAST_CHUNK;
	if (w->comp == 0 && w->deleted)
		r->h.flags |= UD_PATH_DELETED;
	if (i + 1 >= MAX_PATH_STEPS)
		r->h.flags |= UD_PATH_TRUNCATED;
	if (emit(w->seq, r, true))
		return 1;
	if (w->off >= w->len) {
		w->comp++;
		w->d = BPF_CORE_READ(d, d_parent);
		w->name = NULL;
	}
	return 0;
}

/* Describe `f` (FILE, and PATH for files with a real path) once per stream. */
static __always_inline void describe_file(struct seq_file *seq, __u32 pid, struct file *f)
{
	struct anon_name name = {};
	union ud_any *r = scratch(UD_SCR_FILE);

	if (!r)
		return;
	__u32 magic;
	__u64 id = mix((__u64)f);

	if (!f || file_described((__u64)f))
		return;
	rec_init(r, UD_REC_FILE, pid);
	r->file.kind = file_kind(f, &name, &magic);
	r->file.magic = magic;
	r->file.file_id = id;
	r->file.mode = BPF_CORE_READ(f, f_inode, i_mode);
	r->file.ino = BPF_CORE_READ(f, f_inode, i_ino);
	r->file.dev = BPF_CORE_READ(f, f_inode, i_sb, s_dev);
	r->file.rdev = BPF_CORE_READ(f, f_inode, i_rdev);
	r->file.f_flags = BPF_CORE_READ(f, f_flags);
	__builtin_memcpy(r->file.anon_name, name.s, sizeof(name.s));
	if (emit(seq, r, true))
		return;

	if (magic == ANON_INODE_FS_MAGIC || magic == PIPEFS_MAGIC || magic == SOCKFS_MAGIC ||
	    magic == NSFS_MAGIC || magic == PIDFS_MAGIC)
		return; /* pseudo files: the reader derives the name */

	struct vfsmount *vm = BPF_CORE_READ(f, f_path.mnt);
	struct path_walk w = {
		.seq = seq,
		.pid = pid,
		.file_id = id,
		.d = BPF_CORE_READ(f, f_path.dentry),
		.mnt = container_of(vm, struct mount, mnt),
		.mnt_root = BPF_CORE_READ(vm, mnt_root),
		.name = (const unsigned char *)opaque(0),
		.len = opaque(0),
		.off = opaque(0),
		.comp = opaque(0),
	};
	/* unlinked: d_hash.pprev is NULL and the dentry is not a root */
	struct dentry *d = w.d;

	w.deleted = !BPF_CORE_READ(d, d_hash.pprev) && BPF_CORE_READ(d, d_parent) != d;
	bpf_loop(MAX_PATH_STEPS, path_step, &w, 0);
}

/* ---- io_uring -------------------------------------------------------------- */

struct table_walk {
	struct seq_file *seq;
	__u32 pid;
	__u64 ring_id;
	void *base;  /* files[] (before 6.13) or nodes[] */
	__u32 first; /* index of the first slot of this walk */
	__u32 count; /* slots done */
};

/* One RFILE record: slot `i` of a ring's file table (fp: file_ptr, 0 = empty). */
static __always_inline int emit_rfile(struct seq_file *seq, __u32 pid, __u64 ring_id, __u32 i,
				      unsigned long fp)
{
	struct file *f = ud_file_ptr_file(fp);
	union ud_any *r = scratch(UD_SCR_ITEM);

	if (!r)
		return -1;

	if (f)
		describe_file(seq, pid, f);
	rec_init(r, UD_REC_RFILE, pid);
	r->rfile.ring_id = ring_id;
	r->rfile.index = i;
	r->rfile.ptr_flags = fp & UD_FILE_PTR_FLAGS;
	if (f)
		r->rfile.file_id = mix((__u64)f);
	else
		r->h.flags |= UD_SLOT_EMPTY;
	return emit(seq, r, true);
}

static long rfile_step(__u32 step, void *data)
{
	struct table_walk *t = data;
	__u32 i = t->first + step;

	if (!room_for_unit(t->seq))
		return 1;
	if (emit_rfile(t->seq, t->pid, t->ring_id, i, ud_file_slot(t->base, i)))
		return 1;
	t->count++;
	return 0;
}

/* One RBUF record: slot `i` of a ring's buffer table (imu NULL: empty). */
static __always_inline int emit_rbuf(struct seq_file *seq, __u32 pid, __u64 ring_id, __u32 i,
				     struct io_mapped_ubuf *imu)
{
	union ud_any *r = scratch(UD_SCR_ITEM);

	if (!r)
		return -1;

	rec_init(r, UD_REC_RBUF, pid);
	r->rbuf.ring_id = ring_id;
	r->rbuf.index = i;
	if (imu)
		r->rbuf.addr = BPF_CORE_READ(imu, ubuf);
	/* empty slots: no node (6.13+) or the dummy buffer whose ubuf is -1 */
	if (!imu || r->rbuf.addr == (__u64)-1) {
		r->h.flags |= UD_SLOT_EMPTY;
		r->rbuf.addr = 0;
	} else {
		r->rbuf.len = ud_imu_len(imu, r->rbuf.addr);
		r->rbuf.nr_bvecs = BPF_CORE_READ(imu, nr_bvecs);
		r->rbuf.acct_pages = ud_imu_acct_pages(imu);
	}
	return emit(seq, r, true);
}

static long rbuf_step(__u32 step, void *data)
{
	struct table_walk *t = data;
	__u32 i = t->first + step;

	if (!room_for_unit(t->seq))
		return 1;
	if (emit_rbuf(t->seq, t->pid, t->ring_id, i, ud_buf_slot(t->base, i)))
		return 1;
	t->count++;
	return 0;
}

static __always_inline int table_end(struct seq_file *seq, __u32 pid, __u64 owner, __u32 table,
				     __u32 count, __u32 expected)
{
	union ud_any *r = scratch(UD_SCR_HDR);

	if (!r)
		return -1;

	rec_init(r, UD_REC_TABLE_END, pid);
	r->tend.owner_id = owner;
	r->tend.table = table;
	r->tend.count = count;
	if (count != expected)
		r->h.flags |= UD_TABLE_INCOMPLETE;
	return emit(seq, r, false);
}

/*
 * Write the RING record of `file` and return where its tables are:
 * files[] (or nodes[]) and buffers, with their sizes.  Returns emit()'s status.
 */
static __always_inline int emit_ring(struct seq_file *seq, __u32 pid, struct file *file,
				     struct io_ring_ctx *ctx, void **files, __u32 *nr_files,
				     void **bufs, __u32 *nr_bufs)
{
	union ud_any *r = scratch(UD_SCR_HDR);

	if (!r)
		return -1;

	*files = ud_ring_files(ctx, nr_files);
	*bufs = ud_ring_bufs(ctx, nr_bufs);
	if (!*files)
		*nr_files = 0;
	if (!*bufs)
		*nr_bufs = 0;

	rec_init(r, UD_REC_RING, pid);
	r->ring.file_id = mix((__u64)file);
	r->ring.setup_flags = BPF_CORE_READ(ctx, flags);
	r->ring.sq_entries = BPF_CORE_READ(ctx, sq_entries);
	r->ring.cq_entries = BPF_CORE_READ(ctx, cq_entries);
	r->ring.nr_files = *nr_files;
	r->ring.nr_bufs = *nr_bufs;
	r->ring.sq_thread_idle = BPF_CORE_READ(ctx, sq_thread_idle);
	r->ring.sq_cpu = -1;

	struct io_sq_data *sqd = BPF_CORE_READ(ctx, sq_data);

	if (sqd) {
		r->h.flags |= UD_RING_HAS_SQ_DATA;
		r->ring.sq_group_id = mix((__u64)sqd);
		/* without SQ_AFF, newer kernels store the cpu the thread last ran on */
		if (r->ring.setup_flags & IORING_SETUP_SQ_AFF)
			r->ring.sq_cpu = BPF_CORE_READ(sqd, sq_cpu);
		r->ring.sq_thread_pid = BPF_CORE_READ(sqd, thread, pid);
	}
	struct io_ev_fd *ev = BPF_CORE_READ(ctx, io_ev_fd);

	if (ev) {
		r->h.flags |= UD_RING_HAS_EVFD;
		r->ring.evfd_id = mix((__u64)BPF_CORE_READ(ev, cq_ev_fd));
		if (BPF_CORE_READ_BITFIELD_PROBED(ev, eventfd_async))
			r->h.flags |= UD_RING_EVFD_ASYNC;
	}
	return emit(seq, r, false);
}

/* The live iterator: a whole ring in one step (what does not fit spills). */
static __always_inline void walk_ring(struct seq_file *seq, __u32 pid, struct file *file)
{
	struct io_ring_ctx *ctx = BPF_CORE_READ(file, private_data);
	struct table_walk t = { .seq = seq,
				.pid = pid,
				.ring_id = mix((__u64)file),
				.first = opaque(0),
				.count = opaque(0) };
	__u32 nr_files, nr_bufs;
	void *files, *bufs;

	if (emit_ring(seq, pid, file, ctx, &files, &nr_files, &bufs, &nr_bufs))
		return;

	t.base = files;
	bpf_loop(nr_files, rfile_step, &t, 0);
	if (table_end(seq, pid, t.ring_id, UD_TABLE_RFILE, t.count, nr_files))
		return;

	t.base = bufs;
	t.count = opaque(0);
	bpf_loop(nr_bufs, rbuf_step, &t, 0);
	table_end(seq, pid, t.ring_id, UD_TABLE_RBUF, t.count, nr_bufs);
}

/* ---- epoll ------------------------------------------------------------------ */

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
 * is one reader, a pin's readers are serialised (pin_readers.bpf.h).
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

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ep_walk);
} ep_walks SEC(".maps");

static __always_inline struct ep_walk *ep_walk_state(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&ep_walks, &zero);
}

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

static __always_inline void walk_epoll(struct seq_file *seq, __u32 pid, struct file *file)
{
	union ud_any *r = scratch(UD_SCR_HDR);
	struct ep_walk *w = ep_walk_state();

	if (!r || !w)
		return;

	rec_init(r, UD_REC_EPOLL, pid);
	r->epoll.file_id = mix((__u64)file);
	if (emit(seq, r, false))
		return;

	ep_walk_begin(w, pid, r->epoll.file_id, BPF_CORE_READ(file, private_data));
	if (!w->done)
		ep_walk_run(seq, w);
	table_end(seq, pid, w->ep_id, UD_TABLE_EPITEM, w->count, w->done ? w->count : w->count + 1);
}

/* UD_REC_STREAM.source: the native programs define UD_SOURCE_NATIVE. */
#ifndef UD_STREAM_SOURCE
#define UD_STREAM_SOURCE UD_SOURCE_TASK_FILE
#endif

static __always_inline void emit_stream(struct seq_file *seq)
{
	union ud_any *r = scratch(UD_SCR_HDR);

	if (!r)
		return;

	rec_init(r, UD_REC_STREAM, 0);
	r->stream.magic = UD_MAGIC;
	r->stream.version = UD_VERSION;
	r->stream.rec_size = UD_REC_SIZE;
	r->stream.layout = ud_has_rsrc_nodes() ? UD_LAYOUT_RSRC_NODE : UD_LAYOUT_FIXED_FILE;
	r->stream.source = UD_STREAM_SOURCE;
	r->stream.run_id = run_id;
	r->stream.hz = hz;
	emit(seq, r, false);
}

#endif /* URINGDUMP_DUMP_BPF_H */
