// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Programs for the native io_uring_file, io_uring_buf and epoll iterator
 * targets of the BPF iterator proposal for io_uring and epoll (not in
 * mainline Linux; see kernel-patch/).  They emit the same records as the
 * CO-RE iterators, so `bpftool iter pin uringdump_native.bpf.o PATH
 * io_uring_fd N` (or `uringdump pin` on a kernel with the targets) gives a
 * pin that `uringdump read` renders.  The kernel visits one slot or item
 * per step and calls the program once more at the end with a NULL
 * file/buffer/item, which closes the table and the stream.
 *
 * On a stock kernel these programs cannot load: libbpf finds no
 * bpf_iter_io_uring_file (etc.) in the kernel's BTF.
 *
 * `bpftool iter pin` pins an object's first program, so the build also makes
 * one object per target from this file: UD_NATIVE_ONLY=1 keeps only
 * io_uring_file, 2 only io_uring_buf, 3 only epoll (build/native/).
 *
 * The producers are in lib/; this program owns the maps and globals they
 * need (listed at the top of each lib header).
 */
#ifndef UD_NATIVE_ONLY
#define UD_NATIVE_ONLY 0
#endif
#define UD_NATIVE_WANT(n) (UD_NATIVE_ONLY == 0 || UD_NATIVE_ONLY == (n))
#define UD_PIN_MODE 1 /* each step is one slot: no spill, no side channel */
#define UD_STREAM_SOURCE UD_SOURCE_NATIVE
#include "lib/state.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* ---- configuration, set by the loader before load --------------------- */
const volatile __u64 id_key0 = 0;
const volatile __u64 id_key1 = 1;  /* odd */
const volatile __u32 req_max = 0;  /* no requests: lib/requests.bpf.h is not used here */
const volatile __u32 list_max = 0; /* no lists (checkpoints only) */
const volatile __u64 vmemmap_at = 0;
const volatile __u64 run_id = 0;
const volatile __u32 seq_budget = 384; /* unused: these streams never spill */
const volatile __s32 target_fd = -1;   /* unused: the kernel picks the ring or epoll */
const volatile __u32 hz = 0;           /* CONFIG_HZ, when the loader knows it */
/* set by `uringdump pin`; 0 when pinned by bpftool (records then have pid 0) */
const volatile __u32 target_pid = 0;

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

/*
 * The contexts, as the proposal's UAPI defines them.  Stock kernels'
 * vmlinux.h lacks them, and a patched kernel's has them under the kernel's
 * names: ours are private names with the same layout (the verifier checks
 * the context against the target's own BTF, not against these names).
 */
struct ud_iter_io_uring_file {
	union {
		struct bpf_iter_meta *meta;
	};
	union {
		struct io_ring_ctx *ctx;
	};
	union {
		struct file *file;
	};
	__u64 index;
};

struct ud_iter_io_uring_buf {
	union {
		struct bpf_iter_meta *meta;
	};
	union {
		struct io_ring_ctx *ctx;
	};
	union {
		struct io_mapped_ubuf *ubuf;
	};
	__u64 index;
};

struct ud_iter_epoll {
	union {
		struct bpf_iter_meta *meta;
	};
	union {
		struct eventpoll *ep;
	};
	union {
		struct epitem *epi;
	};
};

#if UD_NATIVE_WANT(1) || UD_NATIVE_WANT(2)
/*
 * The ring's io_ring_ctx as a plain value: it->ctx is a trusted BTF pointer,
 * on which the verifier refuses arithmetic (the id mixes its bits); what
 * the walks do with it are probe reads anyway.
 */
static __always_inline struct io_ring_ctx *ctx_of(struct io_ring_ctx **field)
{
	struct io_ring_ctx *ctx = NULL;

	bpf_probe_read_kernel(&ctx, sizeof(ctx), field);
	return ctx;
}

/* The ring's id: these targets give the io_ring_ctx, not the ring's file. */
static __always_inline __u64 ring_id_of(struct io_ring_ctx *ctx)
{
	return mix((__u64)ctx);
}

/* First step of a ring stream: STREAM and RING; returns the table sizes. */
static __always_inline void begin_ring_stream(struct seq_file *seq, struct io_ring_ctx *ctx,
					      __u32 *nr_files, __u32 *nr_bufs)
{
	void *files, *bufs;

	emit_stream(seq);
	emit_ring(seq, target_pid, (struct file *)ctx, ctx, &files, nr_files, &bufs, nr_bufs);
}

#endif

/*
 * Stream state in globals, like every uringdump iterator, shared by every
 * reader of this object's links: the newest reader owns it, an overtaken
 * one gets a lone UD_END_CONCURRENT (pin_readers.bpf.h).
 */
static __u64 stream_session; /* meta->session_id of the stream begun last */

enum stream_call {
	STREAM_FIRST,     /* the first call of a reader: STREAM and the header */
	STREAM_NEXT,      /* a later call of the reader that owns the state */
	STREAM_OVERTAKEN, /* a newer reader has started: write nothing more */
};

/*
 * What this call is to its reader's stream (one open() of the link or
 * pin), decided under enter().  Not simply seq_num 0 for the first call:
 * the final call (NULL slot or item) comes with the seq_num of the last
 * object, so the calls of a table of one slot both have seq_num 0.  The
 * kernel numbers sessions in increasing order (meta->session_id): a newer
 * reader has a larger one.  A call the kernel re-runs (its output
 * overflowed the buffer) is never the first one, which fails the read with
 * E2BIG instead.
 */
static __always_inline enum stream_call stream_call(struct bpf_iter_meta *meta)
{
	__u64 sid = meta->session_id;

	if (sid == stream_session)
		return STREAM_NEXT;
	if (sid < stream_session)
		return STREAM_OVERTAKEN;
	stream_session = sid;
	return STREAM_FIRST;
}

/*
 * Starts a call: false when it must write nothing more (it could not get
 * in, or its reader was overtaken: the reader's lone END is written here).
 * On true, *first tells a reader's first call, and leave() must follow.
 */
static __always_inline bool call_begin(struct bpf_iter_meta *meta, bool *first)
{
	struct seq_file *seq = meta->seq;
	__u64 sid = meta->session_id;
	enum stream_call c;

	if (!enter(sid)) {
		end_overtaken(seq, sid);
		return false;
	}
	c = stream_call(meta);
	if (c == STREAM_OVERTAKEN) {
		end_overtaken(seq, sid);
		leave();
		return false;
	}
	*first = c == STREAM_FIRST;
	step_begin(*first ? 0 : 1);
	return true;
}

static __always_inline void call_end(void)
{
	step_end();
	leave();
}

#if UD_NATIVE_WANT(1) || UD_NATIVE_WANT(2)
static __u32 nr_slots; /* table size of the ring being iterated */
#endif
static __u32 slots_seen; /* slots visited in this stream */

#if UD_NATIVE_WANT(1) || UD_NATIVE_WANT(2)
/*
 * One call of a ring table target (table: UD_TABLE_RFILE or UD_TABLE_RBUF,
 * a constant at each call site): the stream's STREAM and RING on its first
 * call, then the slot at index; the final call (no slot, an index past the
 * table) closes the table and the stream.  slot: the file or io_mapped_ubuf
 * pointer, read as a value.
 */
static __always_inline void ring_table_step(struct bpf_iter_meta *meta, struct io_ring_ctx *ctx,
					    __u32 table, __u64 index, __u64 slot)
{
	struct seq_file *seq = meta->seq;
	__u32 nr_files = 0, nr_bufs = 0;
	bool first;
	int err;

	if (!call_begin(meta, &first))
		return;
	if (first) {
		begin_ring_stream(seq, ctx, &nr_files, &nr_bufs);
		nr_slots = table == UD_TABLE_RFILE ? nr_files : nr_bufs;
		slots_seen = 0;
	}
	if (!slot && index >= nr_slots) {
		table_end(seq, target_pid, ring_id_of(ctx), table, slots_seen, nr_slots);
		emit_end(seq, 0);
	} else {
		if (table == UD_TABLE_RFILE)
			err = emit_rfile(seq, target_pid, ring_id_of(ctx), (__u32)index, slot,
					 ud_slot_tag(ctx, true, (__u32)index));
		else
			err = emit_rbuf(seq, target_pid, ring_id_of(ctx), (__u32)index,
					(struct io_mapped_ubuf *)slot,
					ud_slot_tag(ctx, false, (__u32)index));
		if (!err)
			slots_seen++;
	}
	call_end();
}
#endif

#if UD_NATIVE_WANT(1)
SEC("iter/io_uring_file")
int dump_io_uring_file(struct ud_iter_io_uring_file *it)
{
	__u64 fp = 0;

	bpf_probe_read_kernel(&fp, sizeof(fp), &it->file);
	ring_table_step(it->meta, ctx_of(&it->ctx), UD_TABLE_RFILE, it->index, fp);
	return 0;
}
#endif

#if UD_NATIVE_WANT(2)
SEC("iter/io_uring_buf")
int dump_io_uring_buf(struct ud_iter_io_uring_buf *it)
{
	__u64 imu = 0;

	bpf_probe_read_kernel(&imu, sizeof(imu), &it->ubuf);
	ring_table_step(it->meta, ctx_of(&it->ctx), UD_TABLE_RBUF, it->index, imu);
	return 0;
}
#endif

#if UD_NATIVE_WANT(3)
SEC("iter/epoll")
int dump_epoll(struct ud_iter_epoll *it)
{
	struct seq_file *seq = it->meta->seq;
	struct eventpoll *ep = it->ep;
	struct file *epfile = BPF_CORE_READ(ep, file);
	__u64 ep_id = mix((__u64)epfile);
	struct epitem *epi = NULL;
	bool first;

	if (!call_begin(it->meta, &first))
		return 0; /* iterator programs must return 0 or 1 */
	if (first) {
		emit_stream(seq);
		describe_file(seq, target_pid, epfile);
		emit_epoll(seq, target_pid, ep_id);
		slots_seen = 0;
	}
	bpf_probe_read_kernel(&epi, sizeof(epi), &it->epi);
	if (!epi) {
		table_end(seq, target_pid, ep_id, UD_TABLE_EPITEM, slots_seen, slots_seen);
		emit_end(seq, 0);
	} else if (!emit_epitem(seq, target_pid, ep_id, slots_seen, epi,
				BPF_CORE_READ(epi, ffd.file), BPF_CORE_READ(epi, ffd.fd))) {
		slots_seen++;
	}
	call_end();
	return 0;
}
#endif
