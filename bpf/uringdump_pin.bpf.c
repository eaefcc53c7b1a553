// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * uringdump_pin: the iterator that `uringdump pin` pins in bpffs.  Every
 * read of the pin (`cat`, `uringdump read`) is a fresh dump of one process
 * (or one of its fds), as the same records as the live iterator, with no
 * side channel: everything is in the seq file, whatever the table sizes.
 *
 * The seq buffer holds 32 KiB per iterator step, so the dump is cut into
 * resumable steps.  The steps are borrowed from the ksym iterator (one per
 * kernel symbol: over 100,000 on every supported kernel, since 6.0): the
 * symbols themselves are ignored, each one is a "tick".
 * Each tick continues a state machine (find the task, walk its fd table,
 * walk a ring's file and buffer tables, walk an epoll tree) from where the
 * previous tick stopped, and stops before the buffer could overflow.  A tick
 * that starts with too little room forces an overflow before writing
 * anything: the kernel then hands out the buffer and shows that tick again,
 * empty-handed, which is safe because nothing changed.
 *
 * The task is found by walking the task list from the reader's own task, so
 * this works without bpf_task_from_pid (6.1 lacks it); the pin remembers the
 * process's start time, so a recycled pid is reported as gone.
 *
 * The producers are in lib/; this program owns the maps and globals they
 * need (listed at the top of each lib header).
 */
#define UD_PIN_MODE 1
#include "lib/state.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define MAX_TASKS (1U << 22)
#define NSEC_PER_USER_TICK 10000000ULL /* /proc/PID/stat counts USER_HZ=100 */

/* ---- configuration, set by the loader before load --------------------- */
const volatile __u64 id_key0 = 0;
const volatile __u64 id_key1 = 1; /* odd */
const volatile __u64 run_id = 0;
const volatile __u32 seq_budget = 384; /* unused: a pinned stream never spills */
const volatile __s32 target_fd = -1;   /* tables of this fd only (-1: all) */
const volatile __u32 hz = 0;           /* CONFIG_HZ, when the loader knows it */
const volatile __u32 target_pid = 0;
const volatile __u64 target_start = 0; /* starttime of /proc/PID/stat, 0: unchecked */
const volatile __u32 req_max = 0;      /* requests are listed by live dumps only */
const volatile __u32 list_max = 0;     /* and checkpoints' lists */
const volatile __u64 vmemmap_at = 0;

/* ---- output state (one stream at a time) ------------------------------ */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20); /* never written; the loader shrinks it */
} spill SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, UD_SCR_NR);
	__type(key, __u32);
	__type(value, union ud_any);
} scratch_recs SEC(".maps");

/* struct file already described in this stream: addr -> when */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1 << 18);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, struct seen_val);
} seen SEC(".maps");

/* lib/emit.bpf.h's and lib/file.bpf.h's maps */
static __always_inline void *ud_spill_map(void)
{
	return &spill;
}

static __always_inline void *ud_seen_map(void)
{
	return &seen;
}

/* the stream's bookkeeping (lib/emit.bpf.h) */
__u64 gen;
__u64 tot_records, tot_spilled, tot_dropped;
__u64 call;
__u64 cur_seq;
__u64 step_records, step_spilled, step_dropped;
__u32 step_spillable;
bool step_overflow;
__u64 opaque_zero; /* always 0: see opaque() */

/* readers of the pin (lib/pin_readers.bpf.h) */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u8);
} overtaken SEC(".maps");

static __u64 busy;

#include "lib/epoll.bpf.h"
#include "lib/pin_readers.bpf.h"
#include "lib/ring.bpf.h"

/* the epoll walk's state (lib/epoll.bpf.h) */
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

enum phase { PH_FIND, PH_FDS, PH_RFILES, PH_RBUFS, PH_EPITEMS, PH_DONE, PH_GONE, PH_CLOSED };

/* walk state of the current stream */
static __u32 phase;
static __u64 session; /* meta->session_id of the reader that owns the state */
static struct fdt_walk {
	struct seq_file *seq;
	__u32 pid;
	struct file **fd; /* fdt->fd */
	__u32 max_fds;
	__u32 next; /* next fd to visit */
} fw;
static struct table_walk tw;
static __u64 tw_ctx; /* the ring whose tables tw walks */
static __u32 tw_nr;  /* slots of the table being walked */
static void *bufs;   /* the ring's buffer table, walked after its files */
static __u32 nr_bufs;

static __always_inline void force_overflow(struct seq_file *seq)
{
	union ud_any *r = scratch(UD_SCR_HDR);

	if (!r)
		return;
	/* fill the buffer: the kernel discards this step and shows it again */
	for (int i = 0; i < (32 << 10) / UD_REC_SIZE + 1; i++)
		if (bpf_seq_write(seq, r, UD_REC_SIZE))
			break;
}

struct find_ctx {
	struct task_struct *head;
	struct task_struct *cur;
	struct task_struct *found;
};

static long find_step(__u32 i, void *data)
{
	struct find_ctx *c = data;
	struct task_struct *t = c->cur;
	struct list_head *next = BPF_CORE_READ(t, tasks.next);

	if (BPF_CORE_READ(t, tgid) == target_pid) {
		c->found = t;
		return 1;
	}
	t = container_of(next, struct task_struct, tasks);
	if (!next || t == c->head)
		return 1;
	c->cur = t;
	return 0;
}

/* PH_FIND: locate the process, check it is the one that was pinned. */
static __always_inline void find_task(struct seq_file *seq)
{
	struct task_struct *me = (struct task_struct *)bpf_get_current_task();
	struct find_ctx c = { .head = me, .cur = me };
	union ud_any *r = scratch(UD_SCR_HDR);

	if (!r)
		return;

	bpf_loop(MAX_TASKS, find_step, &c, 0);
	if (!c.found) {
		phase = PH_GONE;
		return;
	}
	struct task_struct *t = c.found;

	if (target_start && BPF_CORE_READ(t, start_boottime) / NSEC_PER_USER_TICK != target_start) {
		phase = PH_GONE; /* the pid now belongs to another process */
		return;
	}
	struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);

	rec_init(r, UD_REC_TASK, target_pid);
	r->task.tid = target_pid;
	r->task.ppid = BPF_CORE_READ(t, real_parent, tgid);
	BPF_CORE_READ_STR_INTO(&r->task.comm, t, comm);
	if (emit(seq, r, false))
		return;
	fw.pid = target_pid;
	fw.fd = BPF_CORE_READ(fdt, fd);
	fw.max_fds = fdt ? BPF_CORE_READ(fdt, max_fds) : 0;
	fw.next = 0;
	phase = PH_FDS;
}

/* Start a ring's tables at fd `file`: RING record, then PH_RFILES. */
static __always_inline void begin_ring(struct seq_file *seq, __u32 pid, struct file *file)
{
	struct io_ring_ctx *ctx = BPF_CORE_READ(file, private_data);
	void *files;

	tw.pid = pid;
	tw.ring_id = mix((__u64)file);
	tw.first = 0;
	tw.count = 0;
	if (emit_ring(seq, pid, file, ctx, &files, &tw_nr, &bufs, &nr_bufs))
		return;
	walk_ring_regs(seq, pid, tw.ring_id, ctx, false);
	tw.base = files;
	tw.tags = ud_table_tags(ctx, true);
	tw_ctx = (__u64)ctx;
	phase = PH_RFILES;
}

static __always_inline void begin_epoll(struct seq_file *seq, __u32 pid, struct file *file)
{
	struct eventpoll *ep = BPF_CORE_READ(file, private_data);
	struct ep_walk *w = ep_walk_state();
	__u64 ep_id = mix((__u64)file);

	if (!w || emit_epoll(seq, pid, ep_id))
		return;
	ep_walk_begin(w, pid, ep_id, ep);
	phase = PH_EPITEMS;
}

/* PH_FDS: one fd per call; returns 1 to end the loop (phase change or no room). */
static long fd_step(__u32 i, void *data)
{
	struct fdt_walk *w = data;
	struct file *file = NULL;
	union ud_any *r = scratch(UD_SCR_HDR);
	__u32 kind, fd = w->next;

	if (!r)
		return 1;

	if (fd >= w->max_fds) {
		phase = PH_DONE;
		return 1;
	}
	if (!room_for_unit(w->seq))
		return 1;
	bpf_probe_read_kernel(&file, sizeof(file), w->fd + fd);
	w->next = fd + 1;
	if (!file)
		return 0;

	if (emit_fd(w->seq, r, w->pid, fd, file, &kind, 0, 0))
		return 1;
	if (target_fd >= 0 && fd != (__u32)target_fd)
		return 0;
	describe_target_file(w->seq, w->pid, file, kind);
	if (kind == UD_FK_IO_URING) {
		begin_ring(w->seq, w->pid, file);
		return 1;
	}
	if (kind == UD_FK_EPOLL) {
		begin_epoll(w->seq, w->pid, file);
		return 1;
	}
	return 0;
}

/*
 * One tick: continue the current phase until it changes or room runs out.
 * bpf_loop wants its context on the stack: the walk state is copied there
 * and back (the seq pointer is valid for this call only).
 */
static __always_inline void tick(struct seq_file *seq)
{
	switch (phase) {
	case PH_FIND:
		find_task(seq);
		break;
	case PH_FDS: {
		struct fdt_walk w = fw;

		w.seq = seq;
		bpf_loop(MAX_LOOP, fd_step, &w, 0);
		fw.next = w.next;
		break;
	}
	case PH_RFILES:
	case PH_RBUFS: {
		struct table_walk t = tw;
		bool files = phase == PH_RFILES;

		t.seq = seq;
		t.count = 0;
		if (files)
			bpf_loop(tw_nr - t.first, rfile_step, &t, 0);
		else
			bpf_loop(tw_nr - t.first, rbuf_step, &t, 0);
		tw.first = t.first + t.count;
		if (tw.first < tw_nr ||
		    table_end(seq, tw.pid, tw.ring_id, files ? UD_TABLE_RFILE : UD_TABLE_RBUF,
			      tw_nr, tw_nr))
			break;
		if (files) {
			tw.base = bufs;
			tw.tags = ud_table_tags((struct io_ring_ctx *)tw_ctx, false);
			tw.first = 0;
			tw_nr = nr_bufs;
			phase = PH_RBUFS;
		} else {
			phase = PH_FDS;
		}
		break;
	}
	case PH_EPITEMS: {
		struct ep_walk *w = ep_walk_state();

		if (!w)
			break;
		if (!w->done)
			ep_walk_run(seq, w);
		/* done, or stopped early (incomplete); else out of room: resume */
		if ((w->done || w->broken) && !table_end(seq, w->pid, w->ep_id, UD_TABLE_EPITEM,
							 w->count, w->count + w->broken))
			phase = PH_FDS;
		break;
	}
	}
}

/*
 * The ksym iterator makes no final call, so the stream is closed by the
 * tick that finishes the walk (or finds the process gone).  A reader that
 * gets no END knows the dump is incomplete.
 */
static __always_inline void close_stream(struct seq_file *seq)
{
	if (!emit_end(seq, phase == PH_GONE ? UD_END_TARGET_GONE : 0))
		phase = PH_CLOSED;
}

static __always_inline void pinned_step(struct bpf_iter__ksym *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	__u64 seq_num = ctx->meta->seq_num;

	/* another reader of the same pin started after us and took the state */
	if (seq_num != 0 && ctx->meta->session_id != session) {
		end_overtaken(seq, ctx->meta->session_id);
		return;
	}
	if (seq_num == 0) {
		phase = PH_FIND; /* a new reader: start over */
		session = ctx->meta->session_id;
	}
	if (phase == PH_CLOSED)
		return;
	if (!room_for_unit(seq)) {
		force_overflow(seq);
		return;
	}
	step_begin(seq_num);
	if (seq_num == 0)
		emit_stream(seq);
	if (phase < PH_DONE)
		tick(seq);
	if (phase == PH_DONE || phase == PH_GONE)
		close_stream(seq);
	step_end();
}

SEC("iter/ksym")
int dump_pinned(struct bpf_iter__ksym *ctx)
{
	__u64 sid = ctx->meta->session_id;

	if (!ctx->ksym)
		return 0;
	if (!enter(sid)) {
		end_overtaken(ctx->meta->seq, sid);
		return 0;
	}
	pinned_step(ctx);
	leave();
	return 0;
}
