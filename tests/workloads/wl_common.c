// SPDX-License-Identifier: GPL-2.0-only
/* Shared helpers of the e2e workloads: see wl.h. */
#include "wl.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static const char *g_truth;
static const char *g_name;
static char g_dir[4096];
static char *g_files[256];
static int g_nfiles;
static int g_hb_fd = -1;

void wl_die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", g_name ? g_name : "workload", what, strerror(errno));
	exit(1);
}

void wl_check_ret(int ret, const char *what)
{
	if (ret < 0) {
		errno = -ret;
		wl_die(what);
	}
}

/* ---------------- JSON writer ---------------- */

void jw_open(struct jw *w, const char *path)
{
	memset(w, 0, sizeof(*w));
	w->f = fopen(path, "w");
	if (!w->f)
		wl_die(path);
}

void jw_close(struct jw *w)
{
	fputc('\n', w->f);
	if (fflush(w->f) != 0 || fsync(fileno(w->f)) != 0 || fclose(w->f) != 0)
		wl_die("writing the truth file");
	w->f = NULL;
}

static void jw_str_raw(struct jw *w, const char *s)
{
	fputc('"', w->f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(w->f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(w->f, "\\u%04x", *p);
		else
			fputc(*p, w->f);
	}
	fputc('"', w->f);
}

static void jw_key(struct jw *w, const char *key)
{
	if (w->need_comma[w->depth])
		fputc(',', w->f);
	w->need_comma[w->depth] = true;
	if (w->depth <= 2)
		fprintf(w->f, "\n%*s", 2 * w->depth, "");
	if (key) {
		jw_str_raw(w, key);
		fputc(':', w->f);
	}
}

static void jw_push(struct jw *w, const char *key, char c)
{
	jw_key(w, key);
	fputc(c, w->f);
	if (++w->depth >= 64) {
		errno = EOVERFLOW;
		wl_die("json nesting");
	}
	w->need_comma[w->depth] = false;
}

void jw_obj(struct jw *w, const char *key) { jw_push(w, key, '{'); }
void jw_arr(struct jw *w, const char *key) { jw_push(w, key, '['); }
void jw_end_obj(struct jw *w) { w->depth--; fputc('}', w->f); }
void jw_end_arr(struct jw *w) { w->depth--; fputc(']', w->f); }

void jw_int(struct jw *w, const char *key, long long v)
{
	jw_key(w, key);
	fprintf(w->f, "%lld", v);
}

void jw_u64(struct jw *w, const char *key, unsigned long long v)
{
	jw_key(w, key);
	fprintf(w->f, "%llu", v);
}

void jw_str(struct jw *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_str_raw(w, s);
}

void jw_bool(struct jw *w, const char *key, bool v)
{
	jw_key(w, key);
	fputs(v ? "true" : "false", w->f);
}

void jw_null(struct jw *w, const char *key)
{
	jw_key(w, key);
	fputs("null", w->f);
}

void jw_int_list(struct jw *w, const char *key, const int *v, int n)
{
	jw_key(w, key);
	fputc('[', w->f);
	for (int i = 0; i < n; i++)
		fprintf(w->f, i ? ",%d" : "%d", v[i]);
	fputc(']', w->f);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

void jw_fds(struct jw *w, const char *key, int *fds, int n)
{
	qsort(fds, (size_t)n, sizeof(int), cmp_int);
	jw_int_list(w, key, fds, n);
}

/* ---------------- file identity ---------------- */

void wl_finfo(int fd, struct wl_finfo *out)
{
	char link[64];
	struct stat st;
	ssize_t n;

	memset(out, 0, sizeof(*out));
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, out->path, sizeof(out->path) - 1);
	if (n < 0)
		wl_die(link);
	out->path[n] = '\0';
	if (fstat(fd, &st) < 0)
		wl_die("fstat");
	out->ino = (unsigned long long)st.st_ino;
	snprintf(out->dev, sizeof(out->dev), "%u:%u", major(st.st_dev), minor(st.st_dev));

	const char *t = "other";
	if (strncmp(out->path, "anon_inode:", 11) == 0) {
		const char *an = out->path + 11;
		if (strcmp(an, "[eventfd]") == 0)
			t = "eventfd";
		else if (strcmp(an, "[io_uring]") == 0)
			t = "io_uring";
		else if (strcmp(an, "[eventpoll]") == 0)
			t = "epoll";
		else
			t = "anon";
	} else if (S_ISREG(st.st_mode)) {
		t = "regular";
	} else if (S_ISDIR(st.st_mode)) {
		t = "directory";
	} else if (S_ISCHR(st.st_mode)) {
		t = "chardev";
	} else if (S_ISBLK(st.st_mode)) {
		t = "blockdev";
	} else if (S_ISFIFO(st.st_mode)) {
		t = "fifo";
	} else if (S_ISSOCK(st.st_mode)) {
		t = "socket";
	} else if (S_ISLNK(st.st_mode)) {
		t = "symlink";
	}
	snprintf(out->type, sizeof(out->type), "%s", t);
}

void jw_finfo(struct jw *w, const struct wl_finfo *fi, const char *label)
{
	jw_str(w, "file", label);
	jw_str(w, "type", fi->type);
	jw_str(w, "path", fi->path);
	jw_u64(w, "inode", fi->ino);
	jw_str(w, "dev", fi->dev);
}

int wl_threads_named(const char *prefix, int *tids, int max)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	int n = 0;

	if (!d)
		wl_die("/proc/self/task");
	while ((de = readdir(d)) != NULL) {
		char path[300], comm[64] = "";
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", de->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = '\0';
		fclose(f);
		if (strncmp(comm, prefix, strlen(prefix)) == 0 && n < max)
			tids[n++] = atoi(de->d_name);
	}
	closedir(d);
	qsort(tids, (size_t)n, sizeof(int), cmp_int);
	return n;
}

/* ---------------- file registry ---------------- */

static struct wl_file g_reg[256];
static int g_nreg;

struct wl_file *wl_by_fd(int fd)
{
	for (int i = 0; i < g_nreg; i++)
		for (int j = 0; j < g_reg[i].nfds; j++)
			if (g_reg[i].fds[j] == fd)
				return &g_reg[i];
	return NULL;
}

struct wl_file *wl_by_label(const char *label)
{
	for (int i = 0; i < g_nreg; i++)
		if (strcmp(g_reg[i].label, label) == 0)
			return &g_reg[i];
	return NULL;
}

static void drop_fd(int fd)
{
	struct wl_file *f = wl_by_fd(fd);
	if (!f)
		return;
	for (int j = 0; j < f->nfds; j++)
		if (f->fds[j] == fd) {
			f->fds[j] = f->fds[--f->nfds];
			break;
		}
}

static void add_fd(struct wl_file *f, int fd)
{
	if (f->nfds >= (int)(sizeof(f->fds) / sizeof(f->fds[0]))) {
		errno = ENOSPC;
		wl_die("too many fds for one tracked file");
	}
	f->fds[f->nfds++] = fd;
}

struct wl_file *wl_track(const char *label, int fd)
{
	struct wl_file *f;
	if (fd < 0)
		wl_die(label);
	if (g_nreg >= (int)(sizeof(g_reg) / sizeof(g_reg[0])) || wl_by_label(label)) {
		errno = EEXIST;
		wl_die(label);
	}
	drop_fd(fd); /* a recycled number */
	f = &g_reg[g_nreg++];
	memset(f, 0, sizeof(*f));
	snprintf(f->label, sizeof(f->label), "%s", label);
	wl_finfo(fd, &f->fi);
	add_fd(f, fd);
	return f;
}

int wl_dup(int fd, int min)
{
	struct wl_file *f = wl_by_fd(fd);
	int nfd = min > 0 ? fcntl(fd, F_DUPFD, min) : dup(fd);
	if (nfd < 0)
		wl_die("dup");
	if (f)
		add_fd(f, nfd);
	return nfd;
}

int wl_dup2(int fd, int newfd)
{
	struct wl_file *f = wl_by_fd(fd);
	if (dup2(fd, newfd) < 0)
		wl_die("dup2");
	drop_fd(newfd);
	if (f)
		add_fd(f, newfd);
	return newfd;
}

void wl_close(int fd)
{
	if (close(fd) < 0)
		wl_die("close");
	drop_fd(fd);
}

void jw_file(struct jw *w, const struct wl_file *f)
{
	int fds[32];
	memcpy(fds, f->fds, sizeof(int) * (size_t)f->nfds);
	jw_finfo(w, &f->fi, f->label);
	jw_fds(w, "fds", fds, f->nfds);
}

/* ---------------- epoll bookkeeping ---------------- */

/* Does the kernel keep EPOLLWAKEUP?  It drops it silently without
 * CAP_BLOCK_SUSPEND or without CONFIG_PM_SLEEP: probe a scratch epoll. */
static bool epollwakeup_kept(void)
{
	static int kept = -1;
	if (kept < 0) {
		int ep = epoll_create1(EPOLL_CLOEXEC);
		int fd = eventfd(0, EFD_CLOEXEC);
		struct epoll_event ev = {.events = EPOLLIN | EPOLLWAKEUP};
		char path[64], line[256];
		unsigned events = 0;
		if (ep < 0 || fd < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
			wl_die("EPOLLWAKEUP probe");
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", ep);
		FILE *f = fopen(path, "r");
		if (!f)
			wl_die(path);
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "tfd: %*d events: %x", &events) == 1)
				break;
		fclose(f);
		close(fd);
		close(ep);
		kept = (events & EPOLLWAKEUP) != 0;
	}
	return kept;
}

uint32_t wle_expected_events(uint32_t req)
{
	/* epoll_ctl ADD/MOD always add EPOLLERR|EPOLLHUP */
	uint32_t ev = req | EPOLLERR | EPOLLHUP;
	if ((ev & EPOLLWAKEUP) && !epollwakeup_kept())
		ev &= ~(uint32_t)EPOLLWAKEUP;
	return ev;
}

void wle_init(struct wl_epoll *e, const char *name, int flags)
{
	memset(e, 0, sizeof(*e));
	e->name = name;
	e->fd = epoll_create1(flags);
	wl_track(name, e->fd);
}

void wle_add(struct wl_epoll *e, int tfd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = {.events = events, .data.u64 = data};
	struct wl_file *f = wl_by_fd(tfd);

	if (!f || e->nitems >= WLE_MAX_ITEMS) {
		errno = EINVAL;
		wl_die("wle_add: untracked target");
	}
	if (epoll_ctl(e->fd, EPOLL_CTL_ADD, tfd, &ev) < 0)
		wl_die("EPOLL_CTL_ADD");
	e->items[e->nitems++] = (struct wl_epitem){f->label, tfd, wle_expected_events(events), data};
}

void wle_mod(struct wl_epoll *e, int tfd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = {.events = events, .data.u64 = data};

	if (epoll_ctl(e->fd, EPOLL_CTL_MOD, tfd, &ev) < 0)
		wl_die("EPOLL_CTL_MOD");
	for (int i = 0; i < e->nitems; i++)
		if (e->items[i].tfd == tfd && wl_by_fd(tfd) == wl_by_label(e->items[i].target)) {
			e->items[i].events = wle_expected_events(events);
			e->items[i].data = data;
			return;
		}
	errno = ENOENT;
	wl_die("wle_mod: unknown item");
}

void jw_epoll(struct jw *w, const struct wl_epoll *e)
{
	jw_obj(w, NULL);
	jw_str(w, "name", e->name);
	jw_file(w, wl_by_label(e->name));
	jw_int(w, "fd", e->fd);
	jw_arr(w, "items");
	for (int i = 0; i < e->nitems; i++) {
		const struct wl_epitem *it = &e->items[i];
		const struct wl_file *f = wl_by_label(it->target);
		bool stale = true;
		for (int j = 0; j < f->nfds; j++)
			stale &= f->fds[j] != it->tfd;
		jw_obj(w, NULL);
		jw_int(w, "tfd", it->tfd);
		jw_u64(w, "events", it->events);
		jw_u64(w, "data", it->data);
		jw_bool(w, "tfd_stale", stale);
		jw_file(w, f);
		if (strcmp(f->fi.type, "io_uring") == 0)
			jw_str(w, "io_uring", f->label);
		if (strcmp(f->fi.type, "epoll") == 0)
			jw_str(w, "epoll", f->label);
		jw_end_obj(w);
	}
	jw_end_arr(w);
	jw_end_obj(w);
}

/* ---------------- lifecycle ---------------- */

const char *wl_truth_path(void) { return g_truth; }

const char *wl_init(int argc, char **argv, const char *name)
{
	sigset_t set;

	g_name = name;
	if (argc < 2) {
		fprintf(stderr, "usage: %s TRUTH.json [ARGS]\n"
				"Builds io_uring/epoll state, writes TRUTH.json and TRUTH.json.ready,\n"
				"then waits for SIGTERM.\n", name);
		exit(2);
	}
	g_truth = argv[1];
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		wl_die("sigprocmask");
	if (strcmp(g_truth, "-") != 0) {
		char hb[4200];
		snprintf(hb, sizeof(hb), "%s.hb", g_truth);
		g_hb_fd = open(hb, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (g_hb_fd < 0)
			wl_die(hb);
	}
	return g_truth;
}

const char *wl_dir(void)
{
	if (g_dir[0])
		return g_dir;
	if (strcmp(g_truth, "-") == 0) {
		snprintf(g_dir, sizeof(g_dir), "/tmp/uringdump-%s.XXXXXX", g_name);
		if (!mkdtemp(g_dir))
			wl_die("mkdtemp");
	} else {
		snprintf(g_dir, sizeof(g_dir), "%s.d", g_truth);
		if (mkdir(g_dir, 0755) < 0 && errno != EEXIST)
			wl_die(g_dir);
	}
	return g_dir;
}

void wl_cleanup_file(const char *path)
{
	if (g_nfiles < (int)(sizeof(g_files) / sizeof(g_files[0])))
		g_files[g_nfiles++] = strdup(path);
}

static void *heartbeat(void *arg)
{
	unsigned long long n = 0;
	(void)arg;
	for (;;) {
		char buf[32];
		struct timespec ts = {0, 20 * 1000 * 1000};
		int len = snprintf(buf, sizeof(buf), "%20llu\n", ++n);
		if (g_hb_fd >= 0 && pwrite(g_hb_fd, buf, (size_t)len, 0) != len)
			break;
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static void announce(void)
{
	pthread_t t;
	int err = pthread_create(&t, NULL, heartbeat, NULL);
	if (err) {
		errno = err;
		wl_die("pthread_create");
	}
	pthread_setname_np(t, "wl-heartbeat");
	if (strcmp(g_truth, "-") == 0) {
		printf("%s: pid %d ready (Ctrl-C or SIGTERM to stop)\n", g_name, (int)getpid());
		fflush(stdout);
		return;
	}
	char ready[4200];
	snprintf(ready, sizeof(ready), "%s.ready", g_truth);
	int fd = open(ready, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		wl_die(ready);
	close(fd);
}

static int finish(void)
{
	for (int i = 0; i < g_nfiles; i++) {
		unlink(g_files[i]);
		free(g_files[i]);
	}
	if (g_dir[0])
		rmdir(g_dir);
	return 0;
}

void wl_become_child(const char *truth, const char *comm)
{
	char hb[4200];

	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || prctl(PR_SET_NAME, comm) < 0)
		wl_die("prctl");
	g_truth = strdup(truth);
	g_name = comm;
	g_nfiles = 0;   /* the parent owns the files and the directory */
	g_dir[0] = '\0';
	if (g_hb_fd >= 0)
		close(g_hb_fd);
	snprintf(hb, sizeof(hb), "%s.hb", g_truth);
	g_hb_fd = open(hb, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (g_hb_fd < 0)
		wl_die(hb);
}

void wl_wait_for_file(const char *path)
{
	for (int i = 0; i < 3000; i++) {
		if (access(path, F_OK) == 0)
			return;
		usleep(10000);
	}
	errno = ETIMEDOUT;
	wl_die(path);
}

int wl_ready_and_wait(void)
{
	sigset_t set;
	int sig;

	announce();
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	while (sigwait(&set, &sig) != 0)
		;
	return finish();
}

int wl_ready_and_loop(void (*step)(void *), void *arg)
{
	sigset_t pending;

	announce();
	for (;;) {
		sigpending(&pending);
		if (sigismember(&pending, SIGTERM) || sigismember(&pending, SIGINT) ||
		    sigismember(&pending, SIGHUP))
			break;
		step(arg);
	}
	return finish();
}

int wl_last_allowed_cpu(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return 0;
	for (int cpu = CPU_SETSIZE - 1; cpu >= 0; cpu--)
		if (CPU_ISSET(cpu, &set))
			return cpu;
	return 0;
}

/* ---- registered buffers: pages, folios, bio_vecs ---- */

#define KPF_COMPOUND_HEAD (1ULL << 15)
#define KPF_COMPOUND_TAIL (1ULL << 16)
#define PM_PRESENT (1ULL << 63)
#define PM_PFN_MASK ((1ULL << 55) - 1)
#define FOLIO_MAX_PAGES (1UL << 18) /* 1 GiB of 4 KiB pages */

/* major * 1000 + minor of the running kernel */
static int kernel_version(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	if (uname(&u) == 0 && sscanf(u.release, "%d.%d", &major, &minor) != 2)
		major = minor = 0;
	return major * 1000 + minor;
}

/* /proc/kpageflags of pfn; 0 with *ok = false when it cannot be read */
static uint64_t kpf(int fd, uint64_t pfn, bool *ok)
{
	uint64_t v = 0;

	if (pread(fd, &v, sizeof(v), (off_t)(pfn * sizeof(v))) != (ssize_t)sizeof(v))
		*ok = false;
	return v;
}

/* The folio of pfn: its first pfn and its number of pages. */
static bool folio_of(int fd, uint64_t pfn, uint64_t *head, uint64_t *nr)
{
	bool ok = true;
	uint64_t f = kpf(fd, pfn, &ok), h = pfn, n = 1;

	if (!(f & (KPF_COMPOUND_HEAD | KPF_COMPOUND_TAIL))) {
		*head = pfn;
		*nr = 1;
		return ok;
	}
	while ((f & KPF_COMPOUND_TAIL) && h > 0 && pfn - h < FOLIO_MAX_PAGES && ok)
		f = kpf(fd, --h, &ok);
	if (!ok || !(f & KPF_COMPOUND_HEAD))
		return false;
	while (n < FOLIO_MAX_PAGES && (kpf(fd, h + n, &ok) & KPF_COMPOUND_TAIL) && ok)
		n++;
	*head = h;
	*nr = n;
	return ok;
}

void wl_buffer_bvecs(const void *addr, size_t len, struct wl_bvecs *out)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uintptr_t a = (uintptr_t)addr;
	uintptr_t first = a / page, last = (a + (len ? len : 1) - 1) / page;
	unsigned long n = (unsigned long)(last - first + 1);
	int version = kernel_version();

	out->pages = n;
	out->nr_bvecs = -1;
	out->large = 0;
	if (n == 1) {
		out->nr_bvecs = 1;
		out->rule = "one page";
		return;
	}
	if (version < 6004) {
		out->nr_bvecs = (long)n;
		out->rule = "one per page (no coalescing before 6.4)";
		return;
	}
	if (access("/sys/kernel/mm/transparent_hugepage", F_OK) != 0 && errno == ENOENT) {
		/* no THP in this kernel: anonymous memory is in order-0 folios */
		out->nr_bvecs = (long)n;
		out->rule = "one per page (no transparent huge pages in this kernel)";
		return;
	}
	uint64_t *pm = calloc(n, sizeof(*pm));
	uint64_t *head = calloc(n, sizeof(*head));
	uint64_t *nr = calloc(n, sizeof(*nr));
	int pmfd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	int kfd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	out->rule = "unknown: /proc/self/pagemap or /proc/kpageflags unreadable (needs root)";
	if (!pm || !head || !nr || pmfd < 0 || kfd < 0 ||
	    pread(pmfd, pm, n * sizeof(*pm), (off_t)(first * sizeof(*pm))) != (ssize_t)(n * sizeof(*pm)))
		goto out;
	for (unsigned long i = 0; i < n; i++) {
		if (!(pm[i] & PM_PRESENT) || !(pm[i] & PM_PFN_MASK)) {
			out->rule = "unknown: a page has no PFN in /proc/self/pagemap (not present, or not root)";
			goto out;
		}
		pm[i] &= PM_PFN_MASK;
		if (!folio_of(kfd, pm[i], &head[i], &nr[i])) {
			out->rule = "unknown: /proc/kpageflags does not name the folio of a page";
			goto out;
		}
		if (nr[i] > 1)
			out->large++;
	}
	if (version < 6011) {
		/* io_sqe_buffer_register of 6.4-6.10: consecutive pages of one folio */
		bool one = true;
		for (unsigned long i = 1; i < n && one; i++)
			one = head[i] == head[0] && pm[i] == pm[i - 1] + 1;
		out->nr_bvecs = one ? 1 : (long)n;
		out->rule = one ? "one folio" : "one per page (not within one folio)";
		goto out;
	}
	/* io_check_coalesce_buffer: the first folio ends where the next begins,
	 * the middle ones are whole, all have the first folio's size. */
	uint64_t mid = nr[0], count = 1, folios = 1;
	bool ok = mid > 1;
	for (unsigned long i = 1; i < n && ok; i++) {
		if (head[i] == head[i - 1] && pm[i] == pm[i - 1] + 1) {
			count++;
			continue;
		}
		if (folios == 1)
			ok = pm[i - 1] - head[i - 1] == mid - 1;
		else
			ok = count == mid;
		ok = ok && nr[i] == mid && pm[i] == head[i];
		count = 1;
		folios++;
	}
	out->nr_bvecs = ok ? (long)folios : (long)n;
	out->rule = ok ? "one per folio (coalesced, 6.11+)" : "one per page (not coalescable)";
out:
	free(pm);
	free(head);
	free(nr);
	if (pmfd >= 0)
		close(pmfd);
	if (kfd >= 0)
		close(kfd);
}

void jw_bvecs(struct jw *w, const void *addr, size_t len)
{
	struct wl_bvecs b;

	wl_buffer_bvecs(addr, len, &b);
	jw_u64(w, "pages", b.pages);
	if (b.nr_bvecs < 0)
		jw_null(w, "nr_bvecs");
	else
		jw_int(w, "nr_bvecs", b.nr_bvecs);
	jw_u64(w, "large_folio_pages", b.large);
	jw_str(w, "bvecs_rule", b.rule);
}
