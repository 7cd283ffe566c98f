// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * follow: the latency trigger's reader.  See skbtrail/follow.h.
 *
 * read(2) rather than splice: each sub-buffer is copied once into the window anyway, and a
 * read also returns the partly filled sub-buffer, which is what lets every CPU be read up
 * to a known time.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tracefs.h>

#include "skbtrail/event.h"
#include "skbtrail/follow.h"
#include "skbtrail/journey.h"
#include "skbtrail/tracefile.h"

/* Sub-buffers read from one CPU per poll at most: a poll ends even under a storm. */
#define MAX_READ_PAGES 4096

struct window {
	int fd;			/* trace_pipe_raw, O_NONBLOCK */
	uint8_t *pages;		/* window_pages sub-buffers, a ring */
	unsigned long head;	/* next slot to write */
	unsigned long count;	/* slots in use */
	unsigned long dropped;	/* pages let go since the last flush */
};

struct skbt_follow {
	struct skbt_follow_config cfg;
	struct skbt_tracefile *tf;
	struct skbt_events *ev;
	struct skbt_journeys *jb;
	struct window *w;
	uint8_t *fresh;		/* the pages one poll read from one CPU */
	size_t fresh_cap;
	uint64_t hold;		/* records up to here have been decoded */
	uint64_t last_ts;	/* of the last record fed to the journeys */
	/* the trigger, once a journey showed it (cleared when reported) */
	bool fired;
	uint64_t fired_ts, fired_ns;
	struct skbt_follow_stats st;
};

static void on_journey(const struct skbt_journey *j, void *arg)
{
	struct skbt_follow *f = arg;

	f->st.journeys++;
	for (unsigned int i = 0; i < j->nstages; i++) {
		const struct skbt_stage_span *s = &j->stages[i];

		if (s->stage != f->cfg.stage)
			continue;
		if (s->ns > f->st.stage_max_ns)
			f->st.stage_max_ns = s->ns;
		if (s->ns > f->cfg.stage_ns && !f->fired) {
			f->fired = true;
			f->fired_ts = j->hops[s->to].ts;
			f->fired_ns = s->ns;
		}
	}
}

/* A fresh decoder and journey builder (at open, and after each file). */
static int restart(struct skbt_follow *f, struct skbt_err *err)
{
	struct skbt_journeys_config jc = { 0 };
	int ret;

	skbt_journeys_free(f->jb);
	f->jb = NULL;
	skbt_events_close(f->ev);
	f->ev = NULL;
	ret = skbt_events_open_live(f->tf, f->cfg.ncpus, &f->ev, err);
	if (ret)
		return ret;
	/* as the analyzer sets it up, without the node context's hints (OVS links) */
	jc.have_upcall_events = skbt_events_has(f->ev, SKBT_EV_OVS_DP_UPCALL);
	jc.have_queue_events = skbt_events_has(f->ev, SKBT_EV_NET_DEV_QUEUE);
	jc.have_xmit_events = skbt_events_has(f->ev, SKBT_EV_NET_DEV_XMIT);
	jc.have_poll_events = skbt_events_has(f->ev, SKBT_EV_NAPI_POLL);
	jc.ovs_node = skbt_events_has(f->ev, SKBT_EV_OVS_DP_UPCALL) ||
		      skbt_events_has(f->ev, SKBT_EV_OVS_DO_EXECUTE_ACTION);
	if (skbt_journeys_new(&jc, &(struct skbt_journeys_cb){ .journey = on_journey, .arg = f },
			      &f->jb))
		return skbt_err_set(err, -ENOMEM, "out of memory");
	f->hold = 0;
	f->last_ts = 0;
	return 0;
}

int skbt_follow_open(const struct skbt_follow_config *cfg, struct skbt_follow **fp,
		     struct skbt_err *err)
{
	struct skbt_follow *f = calloc(1, sizeof(*f));
	int ret;

	*fp = NULL;
	if (!f)
		return skbt_err_set(err, -ENOMEM, "out of memory");
	f->cfg = *cfg;
	if (!cfg->window_pages || cfg->ncpus <= 0) {
		free(f);
		return skbt_err_set(err, -EINVAL, "empty latency window");
	}
	f->w = calloc(cfg->ncpus, sizeof(*f->w));
	if (!f->w) {
		ret = skbt_err_set(err, -ENOMEM, "out of memory");
		goto fail;
	}
	for (int i = 0; i < cfg->ncpus; i++)
		f->w[i].fd = -1;
	ret = skbt_tracefile_open(cfg->formats, &f->tf, err);
	if (ret)
		goto fail;
	ret = restart(f, err);
	if (ret)
		goto fail;
	for (int i = 0; i < cfg->ncpus; i++) {
		char file[64];

		f->w[i].pages = malloc(cfg->window_pages * cfg->page_size);
		if (!f->w[i].pages) {
			ret = skbt_err_set(err, -ENOMEM, "out of memory (latency window of %lu "
					   "KB per CPU)", cfg->window_pages * cfg->page_size / 1024);
			goto fail;
		}
		snprintf(file, sizeof(file), "per_cpu/cpu%d/trace_pipe_raw", i);
		f->w[i].fd = tracefs_instance_file_open(cfg->inst, file, O_RDONLY | O_NONBLOCK);
		if (f->w[i].fd < 0) {
			ret = skbt_err_set(err, errno ? -errno : -EIO, "cannot open trace_pipe_raw "
					   "of CPU %d: %s", i, strerror(errno ? errno : EIO));
			goto fail;
		}
	}
	*fp = f;
	return 0;
fail:
	skbt_follow_close(f);
	return ret;
}

/* Keep one page in @w's ring, the oldest giving way. */
static void keep(struct skbt_follow *f, struct window *w, const uint8_t *page)
{
	memcpy(w->pages + w->head * f->cfg.page_size, page, f->cfg.page_size);
	w->head = (w->head + 1) % f->cfg.window_pages;
	if (w->count < f->cfg.window_pages) {
		w->count++;
	} else {
		f->st.dropped_pages++;
		f->st.window_dropped++;
		w->dropped++;
	}
}

/*
 * Flag a sub-buffer as coming after missed events, as the kernel flags the first one a reader
 * gets after the ring overwrote others (RB_MISSED_EVENTS, bit 31 of the header's commit word,
 * a long after the 8-byte timestamp: kernel/trace/ring_buffer.c).  Readers then know the
 * CPU's older events are gone, and the analyzer marks the journeys cut there incomplete.
 */
static void mark_missed(uint8_t *page)
{
	if (sizeof(long) == 8) {
		uint64_t c;

		memcpy(&c, page + 8, sizeof(c));
		c |= 1ULL << 31;
		memcpy(page + 8, &c, sizeof(c));
	} else {
		uint32_t c;

		memcpy(&c, page + 8, sizeof(c));
		c |= 1U << 31;
		memcpy(page + 8, &c, sizeof(c));
	}
}

/* Read @cpu to its end into f->fresh: 1 read to the end, 0 stopped at the cap, <0 error. */
static int read_cpu(struct skbt_follow *f, int cpu, size_t *len)
{
	unsigned int ps = f->cfg.page_size;
	struct window *w = &f->w[cpu];

	*len = 0;
	for (int n = 0; n < MAX_READ_PAGES; n++) {
		ssize_t got;

		if (*len + ps > f->fresh_cap) {
			size_t cap = f->fresh_cap ? f->fresh_cap * 2 : 64 * (size_t)ps;
			uint8_t *p = realloc(f->fresh, cap);

			if (!p)
				return -ENOMEM;
			f->fresh = p;
			f->fresh_cap = cap;
		}
		got = read(w->fd, f->fresh + *len, ps);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 && errno == EAGAIN)
			return 1;
		if (got < 0)
			return -errno;
		if (got == 0)
			return 1;
		/* a partly filled sub-buffer comes short: the file keeps whole ones */
		if ((size_t)got < ps)
			memset(f->fresh + *len + got, 0, ps - got);
		keep(f, w, f->fresh + *len);
		*len += ps;
		f->st.pages++;
		f->st.bytes += ps;
	}
	return 0;
}

int skbt_follow_poll(struct skbt_follow *f, uint64_t now_ns, bool armed, uint64_t *ts,
		     uint64_t *ns)
{
	uint64_t hold = now_ns > SKBT_FOLLOW_MARGIN_NS ? now_ns - SKBT_FOLLOW_MARGIN_NS : 0;
	struct skbt_event e;
	int ret;

	for (int cpu = 0; cpu < f->cfg.ncpus; cpu++) {
		size_t len;

		ret = read_cpu(f, cpu, &len);
		if (ret < 0)
			return ret;
		/* a CPU not read to its end may hold earlier records: decode no further */
		if (ret == 0)
			hold = f->hold;
		ret = skbt_events_push(f->ev, cpu, f->fresh, len, f->hold);
		if (ret)
			return ret;
	}
	if (hold < f->hold)
		hold = f->hold;
	f->hold = hold;
	ret = skbt_events_push(f->ev, 0, NULL, 0, hold);
	if (ret)
		return ret;
	while ((ret = skbt_events_next(f->ev, &e, NULL)) == 1) {
		f->st.events++;
		/*
		 * A record committed more than the margin after its time stamp (a vCPU stalled
		 * between reserve and commit) comes after later ones of other CPUs: fed at the
		 * last time, it never makes a stage negative.
		 */
		if (e.ts < f->last_ts) {
			e.ts = f->last_ts;
			f->st.late++;
		}
		f->last_ts = e.ts;
		if (skbt_journeys_feed(f->jb, &e))
			return -ENOMEM;
	}
	if (ret < 0)
		return ret;
	/* a quiet node still ends the journeys that went idle (no free traced, say) */
	if (hold)
		skbt_journeys_advance(f->jb, hold);
	if (!f->fired)
		return 0;
	f->fired = false;
	if (!armed)
		return 0;
	*ts = f->fired_ts;
	*ns = f->fired_ns;
	return 1;
}

int skbt_follow_flush(struct skbt_follow *f, const int *fds, struct skbt_err *err)
{
	unsigned long np = f->cfg.window_pages;
	unsigned int ps = f->cfg.page_size;
	int ret = 0;

	for (int cpu = 0; cpu < f->cfg.ncpus; cpu++) {
		struct window *w = &f->w[cpu];
		unsigned long first = (w->head + np - w->count) % np;
		/* the ring in two runs: from the oldest page to the end, then from the start */
		unsigned long run1 = first + w->count > np ? np - first : w->count;

		if (w->dropped && w->count)
			mark_missed(w->pages + first * ps);

		if (!ret && fds[cpu] >= 0)
			ret = skbt_write_all(fds[cpu], w->pages + first * ps, run1 * ps);
		if (!ret && fds[cpu] >= 0)
			ret = skbt_write_all(fds[cpu], w->pages, (w->count - run1) * ps);
		w->head = w->count = w->dropped = 0;
	}
	f->st.window_dropped = 0;
	if (ret)
		return skbt_err_set(err, ret, "cannot write the latency window: %s",
				    strerror(-ret));
	return restart(f, err);
}

const struct skbt_follow_stats *skbt_follow_stats(const struct skbt_follow *f)
{
	return &f->st;
}

void skbt_follow_close(struct skbt_follow *f)
{
	if (!f)
		return;
	for (int i = 0; f->w && i < f->cfg.ncpus; i++) {
		if (f->w[i].fd >= 0)
			close(f->w[i].fd);
		free(f->w[i].pages);
	}
	free(f->w);
	free(f->fresh);
	skbt_journeys_free(f->jb);
	skbt_events_close(f->ev);
	skbt_tracefile_close(f->tf);
	free(f);
}
