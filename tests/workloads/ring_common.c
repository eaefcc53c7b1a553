// SPDX-License-Identifier: GPL-2.0-only
#include "ring_common.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void wlr_init(struct wl_ring *r, const char *name, unsigned entries, struct io_uring_params *p)
{
	memset(r, 0, sizeof(*r));
	r->name = name;
	r->p = *p;
	wl_check_ret(io_uring_queue_init_params(entries, &r->r, &r->p), name);
	r->fd = r->r.ring_fd;
	r->sq_cpu = (p->flags & IORING_SETUP_SQ_AFF) ? (int)p->sq_thread_cpu : -1;
	r->idle_ms = p->sq_thread_idle;
	wl_track(name, r->fd);
}

void wlr_register_files(struct wl_ring *r, int n, const char *const *labels)
{
	int fds[WLR_MAX_SLOTS];

	if (n > WLR_MAX_SLOTS) {
		errno = E2BIG;
		wl_die("wlr_register_files");
	}
	for (int i = 0; i < n; i++) {
		r->slot[i] = labels[i];
		if (!labels[i]) {
			fds[i] = -1;
		} else {
			struct wl_file *f = wl_by_label(labels[i]);
			if (!f || f->nfds == 0) {
				errno = ENOENT;
				wl_die(labels[i]);
			}
			fds[i] = f->fds[0];
		}
		r->slot_reg_fd[i] = fds[i];
	}
	r->nfiles = n;
	wl_check_ret(io_uring_register_files(&r->r, fds, (unsigned)n), "io_uring_register_files");
}

bool wlr_register_buffers(struct wl_ring *r, int n, const struct iovec *iov, const bool *used)
{
	bool sparse = false;
	int ret;

	for (int i = 0; i < n; i++)
		sparse |= !used[i];
	if (!sparse) {
		wl_check_ret(io_uring_register_buffers(&r->r, iov, (unsigned)n),
			     "io_uring_register_buffers");
	} else {
		ret = io_uring_register_buffers_sparse(&r->r, (unsigned)n);
		if (ret == -EINVAL || ret == -EOPNOTSUPP)
			return false;
		wl_check_ret(ret, "io_uring_register_buffers_sparse");
		for (int i = 0; i < n; i++) {
			__u64 tag = 0;
			if (!used[i])
				continue;
			ret = io_uring_register_buffers_update_tag(&r->r, (unsigned)i, &iov[i], &tag, 1);
			if (ret < 0)
				wl_check_ret(ret, "io_uring_register_buffers_update_tag");
		}
	}
	r->nbufs = n;
	for (int i = 0; i < n; i++) {
		r->buf_used[i] = used[i];
		r->buf[i] = iov[i];
	}
	return true;
}

void wlr_register_eventfd(struct wl_ring *r, const char *label, bool async)
{
	struct wl_file *f = wl_by_label(label);
	if (!f)
		wl_die(label);
	wl_check_ret(async ? io_uring_register_eventfd_async(&r->r, f->fds[0])
			   : io_uring_register_eventfd(&r->r, f->fds[0]),
		     "io_uring_register_eventfd");
	r->ev_label = label;
	r->ev_async = async;
}

void wlr_find_sq_thread(struct wl_ring *r, const int *known, int nknown)
{
	/* The new iou-sqp thread, once it has run and named itself: polled for
	 * up to 60 s (the fdinfo's SqThread names the ring's creator until the
	 * thread has run). */
	for (int tries = 0; tries < 6000; tries++) {
		int tids[64];
		int n = wl_threads_named("iou-sqp-", tids, 64);
		for (int i = 0; i < n; i++) {
			bool old = false;
			for (int j = 0; j < nknown; j++)
				old |= tids[i] == known[j];
			if (!old) {
				r->sq_tid = tids[i];
				return;
			}
		}
		usleep(10000);
	}
	errno = ESRCH;
	wl_die("no new iou-sqp thread after 60 s");
}

void jw_ring(struct jw *w, const struct wl_ring *r)
{
	jw_obj(w, NULL);
	jw_str(w, "name", r->name);
	jw_file(w, wl_by_label(r->name));
	jw_int(w, "fd", r->fd);
	jw_u64(w, "setup_flags", r->p.flags);
	jw_u64(w, "sq_entries", r->p.sq_entries);
	jw_u64(w, "cq_entries", r->p.cq_entries);
	if (r->p.flags & IORING_SETUP_SQPOLL) {
		jw_obj(w, "sqpoll");
		jw_int(w, "cpu", r->sq_cpu);
		jw_u64(w, "idle_ms", r->idle_ms);
		jw_int(w, "thread_pid", r->sq_tid);
		jw_str(w, "group", r->group ? r->group : r->name);
		jw_end_obj(w);
	} else {
		jw_null(w, "sqpoll");
	}
	if (r->ev_label) {
		const struct wl_file *ef = wl_by_label(r->ev_label);
		jw_obj(w, "eventfd");
		jw_file(w, ef);
		jw_bool(w, "async", r->ev_async);
		/* no fd holds the eventfd any more: the file is gone, the ring
		 * still signals its eventfd context */
		jw_bool(w, "closed", ef->nfds == 0);
		jw_end_obj(w);
	} else {
		jw_null(w, "eventfd");
	}
	jw_obj(w, "registered_files");
	jw_int(w, "nr", r->nfiles);
	jw_arr(w, "slots");
	for (int i = 0; i < r->nfiles; i++) {
		if (!r->slot[i]) {
			jw_null(w, NULL);
			continue;
		}
		const struct wl_file *f = wl_by_label(r->slot[i]);
		jw_obj(w, NULL);
		jw_int(w, "index", i);
		jw_int(w, "reg_fd", r->slot_reg_fd[i]);
		/* did the registration fd stop holding this file? */
		bool held = false;
		for (int j = 0; j < f->nfds; j++)
			held |= f->fds[j] == r->slot_reg_fd[i];
		jw_bool(w, "reg_fd_closed", !held);
		jw_bool(w, "duped", f->nfds > 1 || (f->nfds == 1 && !held));
		jw_file(w, f);
		jw_end_obj(w);
	}
	jw_end_arr(w);
	jw_end_obj(w);
	jw_obj(w, "registered_buffers");
	jw_int(w, "nr", r->nbufs);
	jw_arr(w, "slots");
	for (int i = 0; i < r->nbufs; i++) {
		if (!r->buf_used[i]) {
			jw_null(w, NULL);
			continue;
		}
		jw_obj(w, NULL);
		jw_int(w, "index", i);
		jw_u64(w, "addr", (unsigned long long)(uintptr_t)r->buf[i].iov_base);
		jw_u64(w, "len", r->buf[i].iov_len);
		jw_bvecs(w, r->buf[i].iov_base, r->buf[i].iov_len);
		jw_end_obj(w);
	}
	jw_end_arr(w);
	jw_end_obj(w);
	jw_end_obj(w);
}
