// SPDX-License-Identifier: GPL-2.0-only
/*
 * ring_state: rings caught with work in them.
 *   queued    3 SQEs queued (the SQ tail moved) but never submitted
 *   unreaped  5 CQEs posted, none reaped
 *   overflow  a 2-entry CQ driven past its size: CQEs wait on the overflow list
 *   single    IORING_SETUP_SINGLE_ISSUER: the submitter is this task
 *   sqpoll    an SQPOLL thread gone idle: IORING_SQ_NEED_WAKEUP
 *   restricted  created disabled, restrictions registered, left disabled, with
 *             a buffer ring 1 (2 entries, one buffer added: registering works
 *             on a disabled ring whatever the restrictions say)
 *   limits    io-wq worker limits set, the io-wq of this thread bound to CPU 0
 *             (IORING_REGISTER_IOWQ_AFF), an eventfd registered whose counter is 7,
 *             and two personalities: this process's credentials, and the same
 *             with egid 1234 and supplementary groups 5 and 6
 *   groups    provided buffers: legacy groups 3 (8 buffers, one used) and 100
 *             (2), a buffer ring 5 in user memory (16 entries, 10 added, one
 *             used), a buffer ring 7 in kernel memory (IOU_PBUF_RING_MMAP,
 *             6.4+, mapped here, 4 added), an incremental ring 9
 *             (IOU_PBUF_RING_INC, 6.12+) and a ring 11 of 4 entries whose
 *             head went round it (8 added, 6 used: head 6, tail 8)
 *   tagged    files and buffers registered with tags, and NAPI busy polling
 *             (IORING_REGISTER_NAPI, 6.9+: 50 us, preferred)
 *   inflight  requests that wait: a POLL_ADD on an empty pipe, a RECV on an
 *             empty socket (an internal poll), a TIMEOUT of an hour, a READ of
 *             an empty pipe linked to a LINK_TIMEOUT of an hour
 *   iowq      one io-wq worker at most (IORING_REGISTER_IOWQ_MAX_WORKERS 1, 1)
 *             and two OPENATs of a FIFO nobody writes (TRUTH.fifo): one runs
 *             in the worker, blocked until a writer comes, the other waits in
 *             the io-wq queue (a read of a pipe would wait on a poll instead)
 * With uringdump --requests, the CQEs of unreaped and overflow are listed too.
 * The truth holds what the workload expects and what it reads itself from
 * the memory it shares with the kernel (head, tail, flags, counters).
 * Usage: ring_state TRUTH.json
 */
#include <errno.h>
#include <liburing.h>
#include <stdatomic.h>
#include <string.h>
#include <grp.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ring_common.h"
#include "wl.h"

struct state_ring {
	struct wl_ring w;
	unsigned sq_pending, cq_pending, overflow;
	unsigned need_flags; /* IORING_SQ_* bits that must be set */
	int submitter;       /* expected tid, 0: none */
	const char *note;    /* how the kernel behaved, when it matters */
	/* registrations */
	bool restricted;
	unsigned long long register_ops, sqe_ops; /* allowed opcodes, bit N = opcode N */
	unsigned sqe_flags_allowed, sqe_flags_required;
	unsigned iowq[2];
	long long evfd_count; /* -1: no eventfd */
	int npers;
	struct {
		int id;
		unsigned uid, gid, euid, egid, ngroups;
	} pers[2];
	/* provided buffers */
	int ngroups;
	struct {
		unsigned bgid;
		bool ring, kernel_mem, inc;
		unsigned entries, head, tail, count;
		unsigned long long mapped_at;
	} grp[6];
	/* tags (0: none) */
	int nftags, nbtags;
	unsigned long long ftag[4], btag[4];
	/* NAPI */
	bool napi;
	unsigned napi_us;
	bool napi_prefer;
	const char *notes[4];
	int nnotes;
	/* what --requests lists: user_data of CQEs, overflowed CQEs; requests */
	int ncqes, noverflow, ninflight;
	unsigned long long cqe_ud[8], overflow_ud[8];
	struct {
		const char *kind;
		unsigned opcode;
		unsigned long long user_data;
	} inflight[8];
	int iowq_running_max; /* io-wq works that may run at once, 0: not checked */
};

/* Not in liburing 2.3's headers. */
#ifndef IORING_REGISTER_NAPI
#define IORING_REGISTER_NAPI 27
#endif
#define WL_PBUF_RING_MMAP 1u
#define WL_PBUF_RING_INC 2u
struct wl_napi {
	__u32 busy_poll_to;
	__u8 prefer_busy_poll;
	__u8 opcode; /* 6.13+: IO_URING_NAPI_REGISTER_OP 0; before: padding */
	__u8 pad[2];
	__u32 op_param; /* 6.13+: IO_URING_NAPI_TRACKING_DYNAMIC 0 */
	__u32 resv;
};
struct wl_buf_reg {
	__u64 ring_addr;
	__u32 ring_entries;
	__u16 bgid;
	__u16 flags;
	__u64 resv[3];
};

/*
 * A buffer ring of `entries` in zeroed, page-aligned user memory registered
 * as group bgid of ring fd with flags; NULL (errno set) when the kernel
 * refuses it.
 */
static struct io_uring_buf_ring *user_buf_ring(int fd, unsigned entries, __u16 bgid, __u16 flags)
{
	struct io_uring_buf_ring *br = NULL;

	if (posix_memalign((void **)&br, 4096, 4096))
		wl_die("posix_memalign");
	memset(br, 0, 4096);
	struct wl_buf_reg reg = {.ring_addr = (unsigned long)br, .ring_entries = entries,
				 .bgid = bgid, .flags = flags};
	if (syscall(__NR_io_uring_register, fd, IORING_REGISTER_PBUF_RING, &reg, 1) < 0)
		return NULL;
	return br;
}

static void note(struct state_ring *s, const char *what)
{
	if (s->nnotes < 4)
		s->notes[s->nnotes++] = what;
}

static void nops(struct io_uring *r, unsigned n, unsigned long long base)
{
	for (unsigned i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(r);

		if (!sqe)
			wl_die("io_uring_get_sqe");
		io_uring_prep_nop(sqe);
		sqe->user_data = base + i;
	}
}

static void jw_state_ring(struct jw *w, const struct state_ring *s)
{
	const struct io_uring *r = &s->w.r;

	jw_obj(w, NULL);
	jw_str(w, "name", s->w.name);
	jw_int(w, "fd", s->w.fd);
	jw_int(w, "sq_pending", s->sq_pending);
	jw_int(w, "cq_pending", s->cq_pending);
	jw_int(w, "overflow_list", s->overflow);
	jw_int(w, "need_sq_flags", s->need_flags);
	if (s->submitter)
		jw_int(w, "submitter_tid", s->submitter);
	else
		jw_null(w, "submitter_tid");
	if (s->note)
		jw_str(w, "note", s->note);
	if (s->restricted) {
		jw_obj(w, "restrictions");
		jw_u64(w, "register_ops", s->register_ops);
		jw_u64(w, "sqe_ops", s->sqe_ops);
		jw_int(w, "sqe_flags_allowed", s->sqe_flags_allowed);
		jw_int(w, "sqe_flags_required", s->sqe_flags_required);
		jw_end_obj(w);
	} else {
		jw_null(w, "restrictions");
	}
	jw_int(w, "iowq_bounded", s->iowq[0]);
	jw_int(w, "iowq_unbounded", s->iowq[1]);
	if (s->evfd_count >= 0)
		jw_int(w, "eventfd_count", s->evfd_count);
	else
		jw_null(w, "eventfd_count");
	jw_arr(w, "personalities");
	for (int i = 0; i < s->npers; i++) {
		jw_obj(w, NULL);
		jw_int(w, "id", s->pers[i].id);
		jw_int(w, "uid", s->pers[i].uid);
		jw_int(w, "gid", s->pers[i].gid);
		jw_int(w, "euid", s->pers[i].euid);
		jw_int(w, "egid", s->pers[i].egid);
		jw_int(w, "ngroups", s->pers[i].ngroups);
		jw_end_obj(w);
	}
	jw_end_arr(w);
	jw_arr(w, "buffer_groups");
	for (int i = 0; i < s->ngroups; i++) {
		jw_obj(w, NULL);
		jw_int(w, "bgid", s->grp[i].bgid);
		jw_str(w, "kind", s->grp[i].ring ? "ring" : "legacy");
		if (s->grp[i].ring) {
			jw_int(w, "entries", s->grp[i].entries);
			jw_int(w, "head", s->grp[i].head);
			jw_int(w, "tail", s->grp[i].tail);
			jw_str(w, "memory", s->grp[i].kernel_mem ? "kernel" : "user");
			jw_bool(w, "incremental", s->grp[i].inc);
			if (s->grp[i].mapped_at)
				jw_u64(w, "mapped_at", s->grp[i].mapped_at);
			jw_int(w, "available", s->grp[i].count);
		} else {
			jw_int(w, "count", s->grp[i].count);
		}
		jw_end_obj(w);
	}
	jw_end_arr(w);
	if (s->nftags) {
		jw_arr(w, "file_tags");
		for (int i = 0; i < s->nftags; i++)
			jw_u64(w, NULL, s->ftag[i]);
		jw_end_arr(w);
	}
	if (s->nbtags) {
		jw_arr(w, "buf_tags");
		for (int i = 0; i < s->nbtags; i++)
			jw_u64(w, NULL, s->btag[i]);
		jw_end_arr(w);
	}
	if (s->napi) {
		jw_obj(w, "napi");
		jw_int(w, "busy_poll_us", s->napi_us);
		jw_bool(w, "prefer_busy_poll", s->napi_prefer);
		jw_str(w, "tracking", "dynamic");
		jw_end_obj(w);
	} else {
		jw_null(w, "napi");
	}
	jw_obj(w, "requests");
	jw_arr(w, "cqes");
	for (int i = 0; i < s->ncqes; i++)
		jw_u64(w, NULL, s->cqe_ud[i]);
	jw_end_arr(w);
	jw_arr(w, "overflow");
	for (int i = 0; i < s->noverflow; i++)
		jw_u64(w, NULL, s->overflow_ud[i]);
	jw_end_arr(w);
	jw_arr(w, "in_flight");
	for (int i = 0; i < s->ninflight; i++) {
		jw_obj(w, NULL);
		jw_str(w, "kind", s->inflight[i].kind);
		jw_int(w, "opcode", s->inflight[i].opcode);
		jw_u64(w, "user_data", s->inflight[i].user_data);
		jw_end_obj(w);
	}
	jw_end_arr(w);
	if (s->iowq_running_max > 0)
		jw_int(w, "iowq_running_max", s->iowq_running_max);
	jw_end_obj(w);
	jw_arr(w, "notes");
	for (int i = 0; i < s->nnotes; i++)
		jw_str(w, NULL, s->notes[i]);
	jw_end_arr(w);
	/* the shared memory, as the workload reads it */
	jw_obj(w, "own");
	jw_int(w, "sq_head", atomic_load((_Atomic unsigned *)r->sq.khead));
	jw_int(w, "sq_tail", atomic_load((_Atomic unsigned *)r->sq.ktail));
	jw_int(w, "cq_head", atomic_load((_Atomic unsigned *)r->cq.khead));
	jw_int(w, "cq_tail", atomic_load((_Atomic unsigned *)r->cq.ktail));
	jw_int(w, "sq_dropped", *r->sq.kdropped);
	jw_int(w, "cq_overflow", *r->cq.koverflow);
	jw_end_obj(w);
	jw_end_obj(w);
}

int main(int argc, char **argv)
{
	static struct state_ring queued, unreaped, overflow, single, sqpoll;
	struct io_uring_params p;
	const char *truth = wl_init(argc, argv, "ring_state");
	int ret;

	/* queued: the SQ tail moved, io_uring_enter never called */
	memset(&p, 0, sizeof(p));
	wlr_init(&queued.w, "queued", 4, &p);
	nops(&queued.w.r, 3, 100);
	atomic_store((_Atomic unsigned *)queued.w.r.sq.ktail, queued.w.r.sq.sqe_tail);
	queued.sq_pending = 3;

	/* unreaped: 5 completions nobody reaps */
	memset(&p, 0, sizeof(p));
	wlr_init(&unreaped.w, "unreaped", 8, &p);
	nops(&unreaped.w.r, 5, 200);
	ret = io_uring_submit_and_wait(&unreaped.w.r, 5);
	if (ret != 5)
		wl_check_ret(ret < 0 ? ret : -EIO, "submit unreaped");
	unreaped.cq_pending = 5;
	unreaped.ncqes = 5;
	for (int i = 0; i < 5; i++)
		unreaped.cqe_ud[i] = 200 + i;

	/* overflow: CQ of 2, 5 completions, none reaped */
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_CQSIZE;
	p.cq_entries = 2;
	wlr_init(&overflow.w, "overflow", 2, &p);
	unsigned posted = 0;
	for (int batch = 0; batch < 3; batch++) {
		unsigned n = batch == 2 ? 1 : 2;

		nops(&overflow.w.r, n, 300 + posted);
		ret = io_uring_submit(&overflow.w.r);
		if (ret < 0) {
			/* a kernel that refuses submissions while its CQ overflows */
			overflow.note = "submission refused while the CQ overflowed";
			fprintf(stderr, "ring_state: overflow: submit: %s\n", strerror(-ret));
			break;
		}
		posted += (unsigned)ret;
	}
	overflow.cq_pending = posted < 2 ? posted : 2;
	overflow.overflow = posted > 2 ? posted - 2 : 0;
	for (unsigned i = 0; i < posted && i < 8; i++) {
		if (i < 2)
			overflow.cqe_ud[overflow.ncqes++] = 300 + i;
		else
			overflow.overflow_ud[overflow.noverflow++] = 300 + i;
	}
	if (overflow.overflow)
		overflow.need_flags = IORING_SQ_CQ_OVERFLOW;

	/* single: SINGLE_ISSUER (6.0+) */
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SINGLE_ISSUER;
	wlr_init(&single.w, "single", 16, &p);
	single.submitter = (int)syscall(SYS_gettid);

	/* sqpoll: its thread idles after 20 ms and asks to be woken */
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQPOLL;
	p.sq_thread_idle = 20;
	wlr_init(&sqpoll.w, "sqpoll", 32, &p);
	nops(&sqpoll.w.r, 1, 500);
	ret = io_uring_submit_and_wait(&sqpoll.w.r, 1);
	if (ret < 0)
		wl_check_ret(ret, "submit sqpoll");
	struct io_uring_cqe *cqe;
	wl_check_ret(io_uring_wait_cqe(&sqpoll.w.r, &cqe), "wait sqpoll");
	io_uring_cqe_seen(&sqpoll.w.r, cqe);
	for (int i = 0; i < 200 && !(atomic_load((_Atomic unsigned *)sqpoll.w.r.sq.kflags) & IORING_SQ_NEED_WAKEUP); i++) {
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	sqpoll.need_flags = IORING_SQ_NEED_WAKEUP;

	/* restricted: left disabled with restrictions (register: 0 and 2; SQE: NOP
	 * and READV; IOSQE_FIXED_FILE allowed and required) */
	static struct state_ring restricted, limits;
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_R_DISABLED;
	wlr_init(&restricted.w, "restricted", 64, &p);
	struct io_uring_restriction res[5];
	memset(res, 0, sizeof(res));
	res[0].opcode = IORING_RESTRICTION_REGISTER_OP;
	res[0].register_op = IORING_REGISTER_BUFFERS;
	res[1].opcode = IORING_RESTRICTION_REGISTER_OP;
	res[1].register_op = IORING_REGISTER_FILES;
	res[2].opcode = IORING_RESTRICTION_SQE_OP;
	res[2].sqe_op = IORING_OP_NOP;
	res[3].opcode = IORING_RESTRICTION_SQE_OP;
	res[3].sqe_op = IORING_OP_READV;
	res[4].opcode = IORING_RESTRICTION_SQE_FLAGS_REQUIRED;
	res[4].sqe_flags = IOSQE_FIXED_FILE;
	/* the syscall: liburing 2.3 does not export io_uring_register_restrictions */
	WL_CHECK(syscall(__NR_io_uring_register, restricted.w.fd, IORING_REGISTER_RESTRICTIONS, res, 5));
	restricted.restricted = true;
	restricted.register_ops = (1ull << IORING_REGISTER_BUFFERS) | (1ull << IORING_REGISTER_FILES);
	restricted.sqe_ops = (1ull << IORING_OP_NOP) | (1ull << IORING_OP_READV);
	restricted.sqe_flags_required = IOSQE_FIXED_FILE;
	restricted.sqe_flags_allowed = 0;
	restricted.evfd_count = -1;
	static char restricted_buf[64];
	struct io_uring_buf_ring *br1 = user_buf_ring(restricted.w.fd, 2, 1, 0);
	if (!br1)
		wl_die("IORING_REGISTER_PBUF_RING on the restricted ring");
	io_uring_buf_ring_add(br1, restricted_buf, 64, 0, 1, 0);
	io_uring_buf_ring_advance(br1, 1);
	restricted.grp[0].bgid = 1;
	restricted.grp[0].ring = true;
	restricted.grp[0].entries = 2;
	restricted.grp[0].tail = 1;
	restricted.grp[0].count = 1;
	restricted.ngroups = 1;

	/* limits: io-wq limits and an eventfd with a counter */
	memset(&p, 0, sizeof(p));
	wlr_init(&limits.w, "limits", 128, &p);
	unsigned vals[2] = {3, 7};
	wl_check_ret(io_uring_register_iowq_max_workers(&limits.w.r, vals), "iowq_max_workers");
	limits.iowq[0] = 3;
	limits.iowq[1] = 7;
	cpu_set_t cpu0;
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	wl_check_ret(io_uring_register_iowq_aff(&limits.w.r, sizeof(cpu0), &cpu0), "iowq_aff");
	int ev = eventfd(7, 0);
	WL_CHECK(ev);
	wl_track("ev_limits", ev);
	wlr_register_eventfd(&limits.w, "ev_limits", false);
	limits.evfd_count = 7;
	/* personalities: as we are, then with another egid and two groups */
	for (int i = 0; i < 2; i++) {
		gid_t groups[2] = {5, 6};

		if (i == 1) {
			WL_CHECK(setgroups(2, groups));
			WL_CHECK(setegid(1234));
		}
		int id = io_uring_register_personality(&limits.w.r);
		wl_check_ret(id, "register_personality");
		limits.pers[i].id = id;
		limits.pers[i].uid = getuid();
		limits.pers[i].gid = getgid();
		limits.pers[i].euid = geteuid();
		limits.pers[i].egid = getegid();
		limits.pers[i].ngroups = (unsigned)getgroups(0, NULL);
		if (i == 1) {
			WL_CHECK(setegid(getgid()));
			WL_CHECK(setgroups(0, NULL));
		}
	}
	limits.npers = 2;

	/* groups: provided buffers of every kind the kernel has */
	static struct state_ring groups, tagged;
	static char legacy_mem[10][64], ring_mem[16][64];
	memset(&p, 0, sizeof(p));
	wlr_init(&groups.w, "groups", 16, &p);
	groups.evfd_count = -1;
	int zero = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	WL_CHECK(zero);
	wl_track("zero", zero);
	/* legacy 3: 8 buffers; legacy 100: 2 (6.1 keeps groups >= 64 in an xarray) */
	struct io_uring_sqe *sqe = io_uring_get_sqe(&groups.w.r);
	io_uring_prep_provide_buffers(sqe, legacy_mem[0], 64, 8, 3, 0);
	sqe = io_uring_get_sqe(&groups.w.r);
	io_uring_prep_provide_buffers(sqe, legacy_mem[8], 64, 2, 100, 0);
	wl_check_ret(io_uring_submit_and_wait(&groups.w.r, 2), "provide_buffers");
	for (int i = 0; i < 2; i++) {
		wl_check_ret(io_uring_wait_cqe(&groups.w.r, &cqe), "wait provide");
		wl_check_ret(cqe->res, "provide_buffers result");
		io_uring_cqe_seen(&groups.w.r, cqe);
	}
	/* ring 5 in user memory: 16 entries, buffers 0-9 added */
	struct io_uring_buf_ring *br5 = user_buf_ring(groups.w.fd, 16, 5, 0);
	if (!br5)
		wl_die("IORING_REGISTER_PBUF_RING 5");
	for (int i = 0; i < 10; i++)
		io_uring_buf_ring_add(br5, ring_mem[i], 64, (unsigned short)i, 15, i);
	io_uring_buf_ring_advance(br5, 10);
	/* one read from each of groups 3 and 5 uses one buffer of each */
	const unsigned read_from[2] = {3, 5};
	for (int i = 0; i < 2; i++) {
		sqe = io_uring_get_sqe(&groups.w.r);
		io_uring_prep_read(sqe, zero, NULL, 64, 0);
		sqe->flags |= IOSQE_BUFFER_SELECT;
		sqe->buf_group = (unsigned short)read_from[i];
	}
	wl_check_ret(io_uring_submit_and_wait(&groups.w.r, 2), "read with buffer select");
	for (int i = 0; i < 2; i++) {
		wl_check_ret(io_uring_wait_cqe(&groups.w.r, &cqe), "wait read");
		wl_check_ret(cqe->res, "read with buffer select result");
		io_uring_cqe_seen(&groups.w.r, cqe);
	}
	groups.grp[groups.ngroups].bgid = 3;
	groups.grp[groups.ngroups++].count = 7;
	groups.grp[groups.ngroups].bgid = 5;
	groups.grp[groups.ngroups].ring = true;
	groups.grp[groups.ngroups].entries = 16;
	groups.grp[groups.ngroups].head = 1;
	groups.grp[groups.ngroups].tail = 10;
	groups.grp[groups.ngroups++].count = 9;
	/* ring 7 in kernel memory (6.4+), mapped here, buffers 0-3 added */
	struct wl_buf_reg reg7 = {.ring_entries = 8, .bgid = 7, .flags = WL_PBUF_RING_MMAP};
	if (syscall(__NR_io_uring_register, groups.w.fd, IORING_REGISTER_PBUF_RING, &reg7, 1) < 0) {
		fprintf(stderr, "ring_state: groups: IOU_PBUF_RING_MMAP: %s\n", strerror(errno));
		note(&groups, "no IOU_PBUF_RING_MMAP");
	} else {
		void *m = mmap(NULL, 8 * sizeof(struct io_uring_buf), PROT_READ | PROT_WRITE, MAP_SHARED,
			       groups.w.fd, 0x80000000ULL | (7ULL << 16));
		if (m == MAP_FAILED)
			wl_die("mmap buffer ring 7");
		struct io_uring_buf_ring *br7 = m;
		for (int i = 0; i < 4; i++)
			io_uring_buf_ring_add(br7, ring_mem[10 + i], 64, (unsigned short)i, 7, i);
		io_uring_buf_ring_advance(br7, 4);
		groups.grp[groups.ngroups].bgid = 7;
		groups.grp[groups.ngroups].ring = true;
		groups.grp[groups.ngroups].kernel_mem = true;
		groups.grp[groups.ngroups].entries = 8;
		groups.grp[groups.ngroups].tail = 4;
		groups.grp[groups.ngroups].mapped_at = (unsigned long)m;
		groups.grp[groups.ngroups++].count = 4;
	}
	/* ring 9, incremental (6.12+), empty */
	if (!user_buf_ring(groups.w.fd, 4, 9, WL_PBUF_RING_INC)) {
		fprintf(stderr, "ring_state: groups: IOU_PBUF_RING_INC: %s\n", strerror(errno));
		note(&groups, "no IOU_PBUF_RING_INC");
	} else {
		groups.grp[groups.ngroups].bgid = 9;
		groups.grp[groups.ngroups].ring = true;
		groups.grp[groups.ngroups].inc = true;
		groups.grp[groups.ngroups++].entries = 4;
	}
	/* ring 11: 4 entries, buffers 0-3 added, all used, 4-7 added, two used */
	struct io_uring_buf_ring *br11 = user_buf_ring(groups.w.fd, 4, 11, 0);
	if (!br11)
		wl_die("IORING_REGISTER_PBUF_RING 11");
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 4; i++)
			io_uring_buf_ring_add(br11, ring_mem[i], 64, (unsigned short)(round * 4 + i),
					      3, i);
		io_uring_buf_ring_advance(br11, 4);
		const int uses = round == 0 ? 4 : 2;
		for (int i = 0; i < uses; i++) {
			sqe = io_uring_get_sqe(&groups.w.r);
			io_uring_prep_read(sqe, zero, NULL, 64, 0);
			sqe->flags |= IOSQE_BUFFER_SELECT;
			sqe->buf_group = 11;
		}
		wl_check_ret(io_uring_submit_and_wait(&groups.w.r, uses), "read from ring 11");
		for (int i = 0; i < uses; i++) {
			wl_check_ret(io_uring_wait_cqe(&groups.w.r, &cqe), "wait read 11");
			wl_check_ret(cqe->res, "read from ring 11 result");
			io_uring_cqe_seen(&groups.w.r, cqe);
		}
	}
	groups.grp[groups.ngroups].bgid = 11;
	groups.grp[groups.ngroups].ring = true;
	groups.grp[groups.ngroups].entries = 4;
	groups.grp[groups.ngroups].head = 6;
	groups.grp[groups.ngroups].tail = 8;
	groups.grp[groups.ngroups++].count = 2;
	groups.grp[groups.ngroups].bgid = 100;
	groups.grp[groups.ngroups++].count = 2;

	/* inflight: five requests that wait */
	static struct state_ring inflight;
	static char recv_buf[16], read_buf[16];
	memset(&p, 0, sizeof(p));
	wlr_init(&inflight.w, "inflight", 8, &p);
	inflight.evfd_count = -1;
	int p1[2], p2[2], sv[2];
	WL_CHECK(pipe(p1));
	WL_CHECK(pipe(p2));
	WL_CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	struct __kernel_timespec hour = {.tv_sec = 3600};
	sqe = io_uring_get_sqe(&inflight.w.r);
	io_uring_prep_poll_add(sqe, p1[0], POLLIN);
	sqe->user_data = 0x701;
	sqe = io_uring_get_sqe(&inflight.w.r);
	io_uring_prep_recv(sqe, sv[0], recv_buf, sizeof(recv_buf), 0);
	sqe->user_data = 0x702;
	sqe = io_uring_get_sqe(&inflight.w.r);
	io_uring_prep_timeout(sqe, &hour, 0, 0);
	sqe->user_data = 0x703;
	sqe = io_uring_get_sqe(&inflight.w.r);
	io_uring_prep_read(sqe, p2[0], read_buf, sizeof(read_buf), 0);
	sqe->flags |= IOSQE_IO_LINK;
	sqe->user_data = 0x704;
	sqe = io_uring_get_sqe(&inflight.w.r);
	io_uring_prep_link_timeout(sqe, &hour, 0);
	sqe->user_data = 0x705;
	ret = io_uring_submit(&inflight.w.r);
	if (ret != 5)
		wl_check_ret(ret < 0 ? ret : -EIO, "submit inflight");
	const struct {
		const char *kind;
		unsigned opcode;
		unsigned long long ud;
	} waiting[5] = {
		{"poll", IORING_OP_POLL_ADD, 0x701},	 {"apoll", IORING_OP_RECV, 0x702},
		{"timeout", IORING_OP_TIMEOUT, 0x703},	 {"apoll", IORING_OP_READ, 0x704},
		{"link_timeout", IORING_OP_LINK_TIMEOUT, 0x705},
	};
	for (int i = 0; i < 5; i++) {
		inflight.inflight[i].kind = waiting[i].kind;
		inflight.inflight[i].opcode = waiting[i].opcode;
		inflight.inflight[i].user_data = waiting[i].ud;
	}
	inflight.ninflight = 5;

	/* iowq: one worker, two blocking reads forced to io-wq */
	static struct state_ring iowq;
	static char fifo[4096];
	memset(&p, 0, sizeof(p));
	wlr_init(&iowq.w, "iowq", 8, &p);
	iowq.evfd_count = -1;
	unsigned one[2] = {1, 1};
	wl_check_ret(io_uring_register_iowq_max_workers(&iowq.w.r, one), "iowq_max_workers 1");
	iowq.iowq[0] = iowq.iowq[1] = 1;
	snprintf(fifo, sizeof(fifo), "%s.fifo", truth);
	unlink(fifo);
	WL_CHECK(mkfifo(fifo, 0600));
	for (int i = 0; i < 2; i++) {
		sqe = io_uring_get_sqe(&iowq.w.r);
		io_uring_prep_openat(sqe, AT_FDCWD, fifo, O_RDONLY, 0);
		/* inline, the open is tried with O_NONBLOCK and succeeds at once */
		sqe->flags |= IOSQE_ASYNC;
		sqe->user_data = 0x801 + i;
		iowq.inflight[i].kind = "iowq_queued"; /* or running: the judge takes either */
		iowq.inflight[i].opcode = IORING_OP_OPENAT;
		iowq.inflight[i].user_data = 0x801 + i;
	}
	iowq.ninflight = 2;
	iowq.iowq_running_max = 1;
	ret = io_uring_submit(&iowq.w.r);
	if (ret != 2)
		wl_check_ret(ret < 0 ? ret : -EIO, "submit iowq");

	/* tagged: files and buffers with tags (slot 1 of each untagged), NAPI */
	memset(&p, 0, sizeof(p));
	wlr_init(&tagged.w, "tagged", 8, &p);
	tagged.evfd_count = -1;
	int tfds[3] = {zero, zero, zero};
	__u64 ftags[3] = {11, 0, 1ULL << 40};
	wl_check_ret(io_uring_register_files_tags(&tagged.w.r, tfds, ftags, 3), "register_files_tags");
	tagged.nftags = 3;
	memcpy(tagged.ftag, ftags, sizeof(ftags));
	/* anonymous pages: 6.1.y refuses a buffer spanning two mappings, as a
	 * static array may (the last page of .data and .bss) */
	void *tbuf = NULL;
	if (posix_memalign(&tbuf, 4096, 2 * 4096))
		wl_die("posix_memalign");
	struct iovec tiov[2] = {{tbuf, 4096}, {(char *)tbuf + 4096, 4096}};
	__u64 btags[2] = {21, 0};
	ret = io_uring_register_buffers_tags(&tagged.w.r, tiov, btags, 2);
	if (ret < 0) {
		fprintf(stderr, "ring_state: tagged: register_buffers_tags: %s\n", strerror(-ret));
		note(&tagged, "IORING_REGISTER_BUFFERS2 with tags refused");
	} else {
		tagged.nbtags = 2;
		memcpy(tagged.btag, btags, sizeof(btags));
	}
	struct wl_napi napi = {.busy_poll_to = 50, .prefer_busy_poll = 1};
	if (syscall(__NR_io_uring_register, tagged.w.fd, IORING_REGISTER_NAPI, &napi, 1) < 0) {
		fprintf(stderr, "ring_state: tagged: IORING_REGISTER_NAPI: %s\n", strerror(errno));
		note(&tagged, "no IORING_REGISTER_NAPI");
	} else {
		tagged.napi = true;
		tagged.napi_us = 50;
		tagged.napi_prefer = true;
	}
	for (struct state_ring *x = &queued; x; x = x == &queued ? &unreaped : x == &unreaped ? &overflow : x == &overflow ? &single : x == &single ? &sqpoll : NULL)
		x->evfd_count = -1;

	struct jw w;
	jw_open(&w, truth);
	jw_obj(&w, NULL);
	jw_str(&w, "workload", "ring_state");
	jw_int(&w, "pid", getpid());
	jw_str(&w, "comm", "ring_state");
	jw_obj(&w, "state");
	/* IORING_REGISTER_IOWQ_AFF binds the io-wq of the calling thread */
	jw_obj(&w, "iowq");
	jw_int(&w, "tid", (int)syscall(SYS_gettid));
	jw_str(&w, "cpus", "0");
	jw_end_obj(&w);
	jw_arr(&w, "rings");
	jw_state_ring(&w, &queued);
	jw_state_ring(&w, &unreaped);
	jw_state_ring(&w, &overflow);
	jw_state_ring(&w, &single);
	jw_state_ring(&w, &sqpoll);
	jw_state_ring(&w, &restricted);
	jw_state_ring(&w, &limits);
	jw_state_ring(&w, &groups);
	jw_state_ring(&w, &tagged);
	jw_state_ring(&w, &inflight);
	jw_state_ring(&w, &iowq);
	jw_end_arr(&w);
	jw_end_obj(&w);
	jw_end_obj(&w);
	jw_close(&w);

	return wl_ready_and_wait();
}
