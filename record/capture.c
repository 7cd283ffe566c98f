// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Per-CPU readers of trace_pipe_raw.  The hot path is two splice(2) calls per batch of
 * sub-buffers (ring buffer -> pipe -> spool file); nothing is decoded.  A reader waits in
 * poll(2) (the kernel wakes it at the instance's buffer_percent watermark) with a short
 * timeout, so it drains at least every POLL_MS whatever the watermark, and wakes at once
 * through an eventfd when asked to stop.
 *
 * The files are opened through libtracefs (tracefs_instance_file_open), but the splice loop
 * is our own rather than tracefs_cpu_write(): in libtracefs 1.6 that call does one
 * ring-buffer-to-pipe splice per call and, when the pipe-to-file splice is short (disk
 * full), leaves the rest in its private pipe where it is lost at close, and reports every
 * failure as -1.  Here a short write is retried or reported as -ENOSPC with the spool
 * holding exactly what was written, which the disk-full path relies on.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tracefs.h>

#include "skbtrail/capture.h"

#define POLL_MS 50
#define PIPE_BYTES (1024 * 1024)

/* The pipe a splice goes through: empty again whenever drain_full() returns. */
struct xfer {
	int pipe[2];
	size_t pipe_size;
};

struct cpu_reader {
	struct skbt_capture *c;
	int cpu;
	int raw_fd;		/* trace_pipe_raw, O_NONBLOCK */
	int spool_fd;
	struct xfer *x;		/* its thread's pipe */
	char *spool_path;
	_Atomic uint64_t bytes;
	char *buf;		/* one sub-buffer, for read() fallbacks */
};

/*
 * One reader thread polls a contiguous range of CPUs: on a big node a thread per CPU would
 * be hundreds of threads and pipes for buffers that are mostly idle.  Two file descriptors
 * per CPU (trace_pipe_raw, spool) and two per thread (its pipe).
 */
struct reader_thread {
	struct skbt_capture *c;
	int first, count;	/* CPUs first .. first + count - 1 */
	struct xfer x;
	struct pollfd *pfd;	/* count + 1 (the stop eventfd) */
	pthread_t thread;
	bool started;
};

struct skbt_capture {
	struct tracefs_instance *inst;
	int ncpus;
	unsigned int page_size;
	int stop_fd;		/* eventfd */
	atomic_int stop;
	atomic_int error;
	struct cpu_reader *r;
	int *spool_fds;
	unsigned int nthreads;	/* 0 until skbt_capture_set_readers(): one per CPU */
	struct reader_thread *t;
	cpu_set_t *affinity;	/* CPUs the readers may run on, or NULL */
	size_t affinity_size;
};

static void set_error(struct skbt_capture *c, int e)
{
	int zero = 0;

	atomic_compare_exchange_strong(&c->error, &zero, e);
}

int skbt_capture_open(struct tracefs_instance *inst, int ncpus, unsigned int page_size,
		      const char *spool_base, struct skbt_capture **cp, struct skbt_err *err)
{
	struct skbt_capture *c;
	int i, ret;

	c = calloc(1, sizeof(*c));
	if (!c)
		return skbt_err_set(err, -ENOMEM, "out of memory");
	c->inst = inst;
	c->ncpus = ncpus;
	c->page_size = page_size;
	c->stop_fd = -1;
	c->r = calloc(ncpus, sizeof(*c->r));
	c->spool_fds = calloc(ncpus, sizeof(*c->spool_fds));
	if (!c->r || !c->spool_fds) {
		free(c->r);
		free(c->spool_fds);
		free(c);
		return skbt_err_set(err, -ENOMEM, "out of memory");
	}
	for (i = 0; i < ncpus; i++) {
		c->r[i] = (struct cpu_reader){ .c = c, .cpu = i, .raw_fd = -1, .spool_fd = -1 };
		c->spool_fds[i] = -1;
	}
	for (i = 0; i < ncpus; i++) {
		struct cpu_reader *r = &c->r[i];

		if (asprintf(&r->spool_path, "%s.cpu%d.tmp", spool_base, i) < 0) {
			r->spool_path = NULL;
			ret = skbt_err_set(err, -ENOMEM, "out of memory");
			goto fail;
		}
		/* a fresh name in the recorder's private directory: never an existing file */
		r->spool_fd = open(r->spool_path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				   0600);
		if (r->spool_fd < 0) {
			ret = skbt_err_set(err, -errno, "%s: %s", r->spool_path, strerror(errno));
			goto fail;
		}
		c->spool_fds[i] = r->spool_fd;
		r->buf = malloc(page_size);
		if (!r->buf) {
			ret = skbt_err_set(err, -ENOMEM, "out of memory");
			goto fail;
		}
	}
	*cp = c;
	return 0;
fail:
	skbt_capture_close(c, true);
	return ret;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void skbt_capture_close(struct skbt_capture *c, bool remove)
{
	int i;

	if (!c)
		return;
	for (i = 0; i < c->ncpus; i++) {
		struct cpu_reader *r = &c->r[i];

		close_fd(&r->raw_fd);
		close_fd(&r->spool_fd);
		if (remove && r->spool_path)
			unlink(r->spool_path);
		free(r->spool_path);
		free(r->buf);
	}
	close_fd(&c->stop_fd);
	for (unsigned int t = 0; c->t && t < c->nthreads; t++) {
		close_fd(&c->t[t].x.pipe[0]);
		close_fd(&c->t[t].x.pipe[1]);
		free(c->t[t].pfd);
	}
	free(c->t);
	if (c->affinity)
		CPU_FREE(c->affinity);
	free(c->r);
	free(c->spool_fds);
	free(c);
}

static int open_raw(struct cpu_reader *r)
{
	char file[64];

	snprintf(file, sizeof(file), "per_cpu/cpu%d/trace_pipe_raw", r->cpu);
	r->raw_fd = tracefs_instance_file_open(r->c->inst, file, O_RDONLY | O_NONBLOCK);
	if (r->raw_fd >= 0)
		return 0;
	return errno ? -errno : -EIO;
}

static int open_pipe(struct xfer *x, unsigned int page_size)
{
	int sz;

	if (pipe2(x->pipe, O_CLOEXEC) < 0)
		return -errno;
	/* A bigger pipe moves more sub-buffers per splice; fall back to the default. */
	fcntl(x->pipe[1], F_SETPIPE_SZ, PIPE_BYTES);
	sz = fcntl(x->pipe[1], F_GETPIPE_SZ);
	x->pipe_size = sz > 0 ? (size_t)sz : page_size;
	return 0;
}

/* Move @len bytes from the pipe to the spool; on a file system without splice, copy. */
static int pipe_to_spool(struct cpu_reader *r, size_t len)
{
	while (len) {
		ssize_t n = splice(r->x->pipe[0], NULL, r->spool_fd, NULL, len, SPLICE_F_MOVE);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EINVAL) {
			/* No splice to this file: read each sub-buffer and write it. */
			size_t m = len < r->c->page_size ? len : r->c->page_size;
			ssize_t got = read(r->x->pipe[0], r->buf, m);
			int ret;

			if (got <= 0)
				return got < 0 ? -errno : -EIO;
			ret = skbt_write_all(r->spool_fd, r->buf, got);
			if (ret)
				return ret;
			n = got;
		} else if (n < 0) {
			return -errno;
		} else if (n == 0) {
			return -ENOSPC;
		}
		len -= n;
		atomic_fetch_add(&r->bytes, n);
	}
	return 0;
}

/* Splice every full sub-buffer available now.  0 when the ring buffer has no full one. */
static int drain_full(struct cpu_reader *r)
{
	for (;;) {
		ssize_t n = splice(r->raw_fd, NULL, r->x->pipe[1], NULL, r->x->pipe_size,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		int ret;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		ret = pipe_to_spool(r, n);
		if (ret)
			return ret;
	}
}

/* After tracing stopped: read the partially filled sub-buffers with read(2). */
static int drain_partial(struct cpu_reader *r)
{
	for (;;) {
		ssize_t n = read(r->raw_fd, r->buf, r->c->page_size);
		int ret;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		/* The kernel hands whole sub-buffers; keep the file made of whole ones. */
		if ((size_t)n < r->c->page_size)
			memset(r->buf + n, 0, r->c->page_size - n);
		ret = skbt_write_all(r->spool_fd, r->buf, r->c->page_size);
		if (ret)
			return ret;
		atomic_fetch_add(&r->bytes, r->c->page_size);
	}
}

static void *reader_main(void *arg)
{
	struct reader_thread *t = arg;
	struct skbt_capture *c = t->c;

	for (int i = 0; i < t->count; i++)
		t->pfd[i] = (struct pollfd){ .fd = c->r[t->first + i].raw_fd, .events = POLLIN };
	t->pfd[t->count] = (struct pollfd){ .fd = c->stop_fd, .events = POLLIN };
	while (!atomic_load(&c->stop)) {
		for (int i = 0; i < t->count; i++) {
			int ret = drain_full(&c->r[t->first + i]);

			if (ret) {
				set_error(c, ret);
				return NULL;
			}
		}
		poll(t->pfd, t->count + 1, POLL_MS);
	}
	return NULL;
}

int skbt_capture_set_readers(struct skbt_capture *c, unsigned int nthreads,
			     const cpu_set_t *cpus, size_t cpus_size)
{
	if (c->t)
		return -EBUSY;
	c->nthreads = nthreads;
	if (cpus) {
		c->affinity = CPU_ALLOC(CPU_SETSIZE);
		if (!c->affinity)
			return -ENOMEM;
		c->affinity_size = CPU_ALLOC_SIZE(CPU_SETSIZE);
		CPU_ZERO_S(c->affinity_size, c->affinity);
		memcpy(c->affinity, cpus, cpus_size < c->affinity_size ? cpus_size :
		       c->affinity_size);
	}
	return 0;
}

unsigned int skbt_capture_nreaders(const struct skbt_capture *c)
{
	return c->nthreads;
}

int skbt_capture_start(struct skbt_capture *c, struct skbt_err *err)
{
	pthread_attr_t attr;
	unsigned int t;
	int i, ret = 0;

	if (!c->nthreads || c->nthreads > (unsigned int)c->ncpus)
		c->nthreads = c->ncpus;
	c->t = calloc(c->nthreads, sizeof(*c->t));
	if (!c->t)
		return skbt_err_set(err, -ENOMEM, "out of memory");
	for (t = 0; t < c->nthreads; t++) {
		/* contiguous ranges, sizes differing by at most one */
		int first = (int)((uint64_t)c->ncpus * t / c->nthreads);
		int end = (int)((uint64_t)c->ncpus * (t + 1) / c->nthreads);

		c->t[t] = (struct reader_thread){ .c = c, .first = first, .count = end - first,
						  .x = { .pipe = { -1, -1 } } };
		c->t[t].pfd = calloc(end - first + 1, sizeof(*c->t[t].pfd));
		if (!c->t[t].pfd)
			return skbt_err_set(err, -ENOMEM, "out of memory");
		ret = open_pipe(&c->t[t].x, c->page_size);
		if (ret)
			return skbt_err_set(err, ret, "pipe: %s", strerror(-ret));
		for (i = first; i < end; i++)
			c->r[i].x = &c->t[t].x;
	}
	c->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->stop_fd < 0)
		return skbt_err_set(err, -errno, "eventfd: %s", strerror(errno));
	for (i = 0; i < c->ncpus; i++) {
		ret = open_raw(&c->r[i]);
		if (ret)
			return skbt_err_set(err, ret, "cannot open trace_pipe_raw of CPU %d: %s", i,
					    strerror(-ret));
	}
	if (pthread_attr_init(&attr))
		return skbt_err_set(err, -ENOMEM, "out of memory");
	if (c->affinity && pthread_attr_setaffinity_np(&attr, c->affinity_size, c->affinity)) {
		pthread_attr_destroy(&attr);
		return skbt_err_set(err, -EINVAL, "cannot pin the reader threads to --reader-cpus");
	}
	/* Signals go to the main thread only. */
	for (t = 0; t < c->nthreads; t++) {
		ret = skbt_thread_start(&c->t[t].thread, &attr, reader_main, &c->t[t]);
		if (ret)
			break;
		c->t[t].started = true;
	}
	pthread_attr_destroy(&attr);
	if (ret) {
		skbt_capture_stop(c, NULL);
		return skbt_err_set(err, ret, "cannot start reader threads: %s", strerror(-ret));
	}
	return 0;
}

/* Empty one CPU: whole sub-buffers first, then the partial ones. */
static int drain_cpu(struct cpu_reader *r)
{
	int ret;

	if (r->raw_fd < 0 || !r->x)
		return 0;
	ret = drain_full(r);
	if (!ret)
		ret = drain_partial(r);
	return ret;
}

int skbt_capture_stop(struct skbt_capture *c, struct skbt_err *err)
{
	uint64_t one = 1;
	int i, ret;

	atomic_store(&c->stop, 1);
	if (c->stop_fd >= 0 && write(c->stop_fd, &one, sizeof(one)) < 0) {
		/* The threads still see c->stop within POLL_MS. */
	}
	for (unsigned int t = 0; c->t && t < c->nthreads; t++) {
		if (c->t[t].started)
			pthread_join(c->t[t].thread, NULL);
		c->t[t].started = false;
	}
	ret = atomic_load(&c->error);
	for (i = 0; i < c->ncpus && !ret; i++) {
		ret = drain_cpu(&c->r[i]);
		if (ret)
			set_error(c, ret);
	}
	for (i = 0; i < c->ncpus; i++)
		close_fd(&c->r[i].raw_fd);
	ret = atomic_load(&c->error);
	if (ret)
		skbt_err_set(err, ret, "%s", ret == -ENOSPC ? "disk full" : strerror(-ret));
	return ret;
}

int skbt_capture_drain(struct skbt_capture *c, struct skbt_err *err)
{
	struct xfer x = { .pipe = { -1, -1 } };
	int i, ret = 0;

	/* one pipe for all: the guard empties the CPUs one after the other */
	ret = open_pipe(&x, c->page_size);
	if (ret)
		return skbt_err_set(err, ret, "pipe: %s", strerror(-ret));

	for (i = 0; i < c->ncpus; i++) {
		struct cpu_reader *r = &c->r[i];
		struct stat st;
		int e;

		if (fstat(r->spool_fd, &st) == 0) {
			off_t whole = st.st_size / c->page_size * c->page_size;

			if (ftruncate(r->spool_fd, whole) == 0)
				lseek(r->spool_fd, whole, SEEK_SET);
			atomic_store(&r->bytes, whole);
		}
		close_fd(&r->raw_fd);
		r->x = &x;
		e = open_raw(r);
		if (!e)
			e = drain_cpu(r);
		close_fd(&r->raw_fd);
		r->x = NULL;
		if (e && !ret)
			ret = skbt_err_set(err, e, "CPU %d: %s", i, strerror(-e));
	}
	close_fd(&x.pipe[0]);
	close_fd(&x.pipe[1]);
	return ret;
}

int skbt_capture_reset(struct skbt_capture *c)
{
	int i;

	for (i = 0; i < c->ncpus; i++) {
		struct cpu_reader *r = &c->r[i];

		if (ftruncate(r->spool_fd, 0) < 0 || lseek(r->spool_fd, 0, SEEK_SET) < 0)
			return -errno;
		atomic_store(&r->bytes, 0);
	}
	return 0;
}

uint64_t skbt_capture_bytes(const struct skbt_capture *c)
{
	uint64_t sum = 0;
	int i;

	for (i = 0; i < c->ncpus; i++)
		sum += atomic_load(&c->r[i].bytes);
	return sum;
}

uint64_t skbt_capture_cpu_bytes(const struct skbt_capture *c, int cpu)
{
	return cpu >= 0 && cpu < c->ncpus ? atomic_load(&c->r[cpu].bytes) : 0;
}

int skbt_capture_error(const struct skbt_capture *c)
{
	return atomic_load(&((struct skbt_capture *)c)->error);
}

const int *skbt_capture_spool_fds(const struct skbt_capture *c)
{
	return c->spool_fds;
}

const char *skbt_capture_spool_path(const struct skbt_capture *c, int cpu)
{
	return cpu >= 0 && cpu < c->ncpus ? c->r[cpu].spool_path : NULL;
}
