// SPDX-License-Identifier: GPL-2.0-only
/*
 * forked: one ring and one epoll shared by two processes through fork().
 * The child moves the ring to fd 300, closes its copy of a registered pipe
 * end (which is also an epoll target) and dups the eventfd; the parent keeps
 * its fds.  Each process writes its own truth: TRUTH.json (parent, with
 * "child_pid") and TRUTH.json.child.json.  TRUTH.json.ready appears when both
 * are ready.  The child dies with its parent.  Usage: forked TRUTH.json
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include "ring_common.h"
#include "wl.h"

static void write_truth(const char *path, const char *comm, int child, struct wl_ring *r,
			struct wl_epoll *e)
{
	struct jw w;
	jw_open(&w, path);
	jw_obj(&w, NULL);
	jw_str(&w, "workload", "forked");
	jw_int(&w, "pid", getpid());
	jw_str(&w, "comm", comm);
	if (child > 0)
		jw_int(&w, "child_pid", child);
	jw_arr(&w, "rings");
	jw_ring(&w, r);
	jw_end_arr(&w);
	jw_arr(&w, "epolls");
	jw_epoll(&w, e);
	jw_end_arr(&w);
	jw_end_obj(&w);
	jw_close(&w);
}

int main(int argc, char **argv)
{
	static struct wl_ring ring;
	static struct wl_epoll ep;
	struct io_uring_params p;
	int pfd[2];
	char path[4600], child_truth[4400];
	const char *truth = wl_init(argc, argv, "forked");

	snprintf(path, sizeof(path), "%s/shared.txt", wl_dir());
	int reg = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	wl_track("shared_txt", reg);
	wl_cleanup_file(path);
	WL_CHECK(pipe(pfd));
	wl_track("pipe_r", pfd[0]);
	wl_track("pipe_w", pfd[1]);
	wl_track("evfd", eventfd(0, 0));

	memset(&p, 0, sizeof(p));
	wlr_init(&ring, "ring", 4, &p);
	const char *slots[3] = {"pipe_r", "shared_txt", NULL};
	wlr_register_files(&ring, 3, slots);
	wlr_register_eventfd(&ring, "evfd", false);
	wle_init(&ep, "ep", 0);
	wle_add(&ep, pfd[0], EPOLLIN, 0x1111);
	wle_add(&ep, wl_by_label("evfd")->fds[0], EPOLLIN | EPOLLET, 0x2222);
	wle_add(&ep, ring.fd, EPOLLIN, 0x3333);

	snprintf(child_truth, sizeof(child_truth), "%s.child.json", truth);
	fflush(NULL);
	pid_t child = fork();
	if (child < 0)
		wl_die("fork");
	if (child == 0) {
		wl_become_child(child_truth, "forked_child");
		int old = ring.fd;
		ring.fd = wl_dup2(old, 300);
		wl_close(old);
		wl_close(pfd[0]);
		wl_dup(wl_by_label("evfd")->fds[0], 301);
		write_truth(child_truth, "forked_child", 0, &ring, &ep);
		return wl_ready_and_wait();
	}
	snprintf(path, sizeof(path), "%s.ready", child_truth);
	wl_wait_for_file(path);
	write_truth(truth, "forked", child, &ring, &ep);
	int ret = wl_ready_and_wait();
	kill(child, SIGTERM);
	waitpid(child, NULL, 0);
	return ret;
}
