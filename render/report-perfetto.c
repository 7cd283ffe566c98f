// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * report-perfetto: a Chrome trace-event JSON file (the "JSON Array/Object" format that
 * ui.perfetto.dev and chrome://tracing open).  Layout (docs/outputs.md):
 *
 *   one process "skbtrail", per CPU n:
 *     thread n*1000       "CPU n": softirqs ([softirq_entry, softirq_exit]) and NAPI polls
 *     thread n*1000+1+k   "CPU n stages k": journey stage slices ending on CPU n, packed
 *                         into lanes so that slices of one lane never overlap
 *   flow arrows ("s"/"f") from each stage of a journey to its next one, across CPUs and devices
 *
 * A napi_poll event fires after the poll returned, so a poll's start is not traced: it is the
 * NET_RX softirq_entry (or the end of the previous poll in the same softirq) when softirqs were
 * recorded, else the first traced receive of the poll on that CPU, else the poll is a 0-length
 * slice.  Memory: CPU slices go to a temporary file as they come (at most 10 * limit); journeys
 * are kept up to the limit, the slowest half always, the rest a uniform sample.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "skbtrail/outputs.h"

#define NET_RX_SOFTIRQ 3
#define MAX_LANES 64		/* stage lanes per CPU; slices past them are left out (counted) */
#define MAX_CPUS 4096

struct cpu_state {
	uint64_t first_rx;	/* first traced receive in softirq since the last poll */
	uint64_t sirq_entry, last_poll_end;
	uint32_t sirq_vec;
	bool have_rx, in_sirq, used;
	unsigned int lanes;	/* stage lanes used */
};

struct perfetto {
	FILE *f, *tmp;
	struct skbt_names names;
	struct skbt_perfetto_opts o;
	bool have_t0;
	uint64_t t0;
	struct cpu_state *cpus;
	unsigned int ncpus;
	uint64_t cpu_slices, cpu_slices_dropped;
	/* kept journeys: min-heap of the slowest, plus a reservoir sample of the others */
	struct skbt_journey *slow;
	unsigned int nslow, slow_max;
	struct skbt_journey *sample;
	unsigned int nsample, sample_max;
	uint64_t offered, journeys;
	uint64_t rng;
};

static const char *const softirq_names[] = {
	"HI", "TIMER", "NET_TX", "NET_RX", "BLOCK", "IRQ_POLL", "TASKLET", "SCHED", "HRTIMER", "RCU",
};

static const char *dev_name(const struct perfetto *p, unsigned int dev)
{
	const char *s = p->names.dev ? p->names.dev(p->names.ctx, dev) : NULL;

	return s ? s : "?";
}

/* Trace-event timestamps are microseconds: print ns since the first event as "us.nnn". */
static void put_us(FILE *f, uint64_t ns)
{
	fprintf(f, "%" PRIu64 ".%03u", ns / 1000, (unsigned int)(ns % 1000));
}

static uint64_t rel(const struct perfetto *p, uint64_t ts)
{
	return ts > p->t0 ? ts - p->t0 : 0;
}

static struct cpu_state *cpu(struct perfetto *p, unsigned int c)
{
	if (c >= MAX_CPUS)
		return NULL;
	if (c >= p->ncpus) {
		unsigned int n = c + 1 > 2 * p->ncpus ? c + 1 : 2 * p->ncpus;
		struct cpu_state *a = realloc(p->cpus, n * sizeof(*a));

		if (!a)
			return NULL;
		memset(a + p->ncpus, 0, (n - p->ncpus) * sizeof(*a));
		p->cpus = a;
		p->ncpus = n;
	}
	p->cpus[c].used = true;
	return &p->cpus[c];
}

static bool cpu_slice_room(struct perfetto *p)
{
	if (p->cpu_slices >= 10ULL * p->o.limit) {
		p->cpu_slices_dropped++;
		return false;
	}
	p->cpu_slices++;
	return true;
}

static void cpu_slice(struct perfetto *p, unsigned int c, uint64_t start, uint64_t end,
		      const char *cat, const char *name)
{
	FILE *f = p->tmp;

	fprintf(f, ",\n{\"ph\":\"X\",\"pid\":1,\"tid\":%u,\"ts\":", c * 1000);
	put_us(f, rel(p, start));
	fprintf(f, ",\"dur\":");
	put_us(f, end > start ? end - start : 0);
	fprintf(f, ",\"cat\":\"%s\",\"name\":\"", cat);
	skbt_out_json_str(f, name);
	fprintf(f, "\"");
}

static int pf_event(void *priv, const struct skbt_event *ev)
{
	struct perfetto *p = priv;
	struct cpu_state *cs;

	if (!p->have_t0) {
		p->have_t0 = true;
		p->t0 = ev->ts;
	}
	cs = cpu(p, ev->cpu);
	if (!cs)
		return ev->cpu >= MAX_CPUS ? 0 : -ENOMEM;
	switch (ev->kind) {
	case SKBT_EV_NETIF_RECEIVE_SKB:
	case SKBT_EV_NAPI_GRO_RECEIVE_ENTRY:
	case SKBT_EV_NETIF_RECEIVE_SKB_ENTRY:
	case SKBT_EV_NETIF_RECEIVE_SKB_LIST_ENTRY:
		if ((ev->ctx & SKBT_CTX_SOFTIRQ) && !cs->have_rx) {
			cs->have_rx = true;
			cs->first_rx = ev->ts;
		}
		break;
	case SKBT_EV_SOFTIRQ_ENTRY:
		cs->in_sirq = true;
		cs->sirq_entry = ev->ts;
		cs->sirq_vec = ev->u.softirq.vec;
		break;
	case SKBT_EV_SOFTIRQ_EXIT:
		if (cs->in_sirq && cpu_slice_room(p)) {
			char name[48];
			unsigned int v = cs->sirq_vec;

			snprintf(name, sizeof(name), "softirq %s", v < SKBT_ARRAY_SIZE(softirq_names) ?
				 softirq_names[v] : "?");
			cpu_slice(p, ev->cpu, cs->sirq_entry, ev->ts, "softirq", name);
			fprintf(p->tmp, ",\"args\":{\"vec\":%u}}", v);
		}
		cs->in_sirq = false;
		break;
	case SKBT_EV_LOST:
		fprintf(p->tmp, ",\n{\"ph\":\"i\",\"s\":\"t\",\"pid\":1,\"tid\":%u,\"ts\":",
			ev->cpu * 1000);
		put_us(p->tmp, rel(p, ev->ts));
		fprintf(p->tmp, ",\"cat\":\"lost\",\"name\":\"events lost\"}");
		break;
	default:
		break;
	}
	return ferror(p->tmp) ? -EIO : 0;
}

static int pf_poll(void *priv, const struct skbt_event *ev, uint32_t traced)
{
	struct perfetto *p = priv;
	struct cpu_state *cs = cpu(p, ev->cpu);
	const char *from = "unknown";
	uint64_t start = ev->ts;
	char name[80];

	if (!cs)
		return ev->cpu >= MAX_CPUS ? 0 : -ENOMEM;
	if (cs->in_sirq && cs->sirq_vec == NET_RX_SOFTIRQ) {
		start = cs->sirq_entry;
		from = "softirq_entry";
		if (cs->last_poll_end > start && cs->last_poll_end <= ev->ts) {
			start = cs->last_poll_end;
			from = "previous_poll";
		}
	} else if (cs->have_rx && cs->first_rx <= ev->ts) {
		start = cs->first_rx;
		from = "first_receive";
	}
	cs->have_rx = false;
	cs->last_poll_end = ev->ts;
	if (!cpu_slice_room(p))
		return 0;
	snprintf(name, sizeof(name), "napi_poll %s", ev->dev == SKBT_DEV_NONE ? "(backlog)" :
		 dev_name(p, ev->dev));
	cpu_slice(p, ev->cpu, start, ev->ts, "napi", name);
	fprintf(p->tmp, ",\"args\":{\"work\":%d,\"budget\":%d,\"traced\":%u,\"start\":\"%s\"}}",
		ev->u.napi.work, ev->u.napi.budget, traced, from);
	return ferror(p->tmp) ? -EIO : 0;
}

/* Heap order: the fastest kept journey at the root. */
static bool faster(const struct skbt_journey *a, const struct skbt_journey *b)
{
	uint64_t da = skbt_journey_duration(a), db = skbt_journey_duration(b);

	return da != db ? da < db : a->id > b->id;
}

static void swap_j(struct skbt_journey *a, struct skbt_journey *b)
{
	struct skbt_journey t = *a;

	*a = *b;
	*b = t;
}

static void heap_down(struct skbt_journey *h, unsigned int n, unsigned int i)
{
	for (;;) {
		unsigned int l = 2 * i + 1, r = l + 1, m = i;

		if (l < n && faster(&h[l], &h[m]))
			m = l;
		if (r < n && faster(&h[r], &h[m]))
			m = r;
		if (m == i)
			return;
		swap_j(&h[i], &h[m]);
		i = m;
	}
}

static void heap_up(struct skbt_journey *h, unsigned int i)
{
	while (i && faster(&h[i], &h[(i - 1) / 2])) {
		swap_j(&h[i], &h[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
}

static uint64_t next_rand(struct perfetto *p)
{
	/* xorshift64*: a fixed seed, so the same trace gives the same file */
	p->rng ^= p->rng >> 12;
	p->rng ^= p->rng << 25;
	p->rng ^= p->rng >> 27;
	return p->rng * 2685821657736338717ULL;
}

static void offer_sample(struct perfetto *p, const struct skbt_journey *j)
{
	if (p->nsample < p->sample_max) {
		p->sample[p->nsample++] = *j;
	} else if (p->sample_max) {
		uint64_t r = next_rand(p) % (p->offered + 1);

		if (r < p->sample_max)
			p->sample[r] = *j;
	}
	p->offered++;
}

static int pf_journey(void *priv, const struct skbt_journey *j)
{
	struct perfetto *p = priv;

	p->journeys++;
	if (p->nslow < p->slow_max) {
		p->slow[p->nslow] = *j;
		heap_up(p->slow, p->nslow++);
	} else if (faster(&p->slow[0], j)) {
		struct skbt_journey out = p->slow[0];

		p->slow[0] = *j;
		heap_down(p->slow, p->nslow, 0);
		offer_sample(p, &out);
	} else {
		offer_sample(p, j);
	}
	return 0;
}

struct slice {
	const struct skbt_journey *j;
	int stage;		/* index into j->stages, -1: the whole journey (no stage measured) */
	uint16_t cpu;
	int16_t lane;		/* -1: no lane free, left out */
	uint64_t start, end;
};

static int by_cpu_start(const void *a, const void *b)
{
	const struct slice *x = a, *y = b;

	if (x->cpu != y->cpu)
		return x->cpu < y->cpu ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->j->id != y->j->id)
		return x->j->id < y->j->id ? -1 : 1;
	return x->stage - y->stage;
}

static int by_journey(const void *a, const void *b)
{
	const struct slice *x = a, *y = b;

	if (x->j->id != y->j->id)
		return x->j->id < y->j->id ? -1 : 1;
	return x->start != y->start ? (x->start < y->start ? -1 : 1) : x->stage - y->stage;
}

static void path_name(const struct perfetto *p, const struct skbt_journey *j, char *buf,
		      size_t len)
{
	size_t n = snprintf(buf, len, "%s", j->flags & SKBT_JF_TX_ONLY ? "tx:" : "");

	for (unsigned int i = 0; i < j->ndevs && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%s", i ? ">" : "", dev_name(p, j->devs[i]));
}

static void hop_desc(FILE *f, const struct perfetto *p, const struct skbt_hop *h)
{
	fprintf(f, "\"%s", skbt_kind_short(h->kind));
	if (h->kind != SKBT_EV_CONSUME_SKB && h->kind != SKBT_EV_KFREE_SKB) {
		fputc('@', f);
		skbt_out_json_str(f, dev_name(p, h->dev));
	}
	fprintf(f, " cpu%u\"", h->cpu);
}

static void write_slice(struct perfetto *p, const struct slice *s)
{
	const struct skbt_journey *j = s->j;
	FILE *f = p->f;
	char path[512], name[160];
	const struct skbt_hop *from, *to;

	path_name(p, j, path, sizeof(path));
	if (s->stage >= 0) {
		const struct skbt_stage_span *sp = &j->stages[s->stage];

		from = &j->hops[sp->from];
		to = &j->hops[sp->to];
		snprintf(name, sizeof(name), "%s %s", skbt_stage_name(sp->stage),
			 to->kind == SKBT_EV_CONSUME_SKB || to->kind == SKBT_EV_KFREE_SKB ?
			 skbt_kind_short(to->kind) : dev_name(p, to->dev));
	} else {
		from = &j->hops[0];
		to = &j->hops[j->nhops - 1];
		snprintf(name, sizeof(name), "journey #%" PRIu64 "%s", j->id,
			 j->flags & SKBT_JF_INCOMPLETE ? " (incomplete)" : "");
	}
	fprintf(f, ",\n{\"ph\":\"X\",\"pid\":1,\"tid\":%u,\"ts\":", s->cpu * 1000 + 1 + s->lane);
	put_us(f, rel(p, s->start));
	fprintf(f, ",\"dur\":");
	put_us(f, s->end - s->start);
	fprintf(f, ",\"cat\":\"journey\",\"name\":\"");
	skbt_out_json_str(f, name);
	fprintf(f, "\",\"args\":{\"journey\":%" PRIu64 ",\"path\":\"", j->id);
	skbt_out_json_str(f, path);
	fprintf(f, "\",\"from\":");
	hop_desc(f, p, from);
	fprintf(f, ",\"to\":");
	hop_desc(f, p, to);
	fprintf(f, ",\"end\":\"%s\",\"complete\":%s", skbt_jend_name(j->end),
		j->flags & SKBT_JF_INCOMPLETE ? "false" : "true");
	if (p->o.show_addrs)
		fprintf(f, ",\"skb\":\"0x%" PRIx64 "\"", j->skb);
	fprintf(f, "}}");
}

/* A flow arrow from slice @a to slice @b (both kept, @a at least 2 ns long). */
static void write_flow(struct perfetto *p, const struct slice *a, const struct slice *b,
		       uint64_t id)
{
	FILE *f = p->f;

	fprintf(f, ",\n{\"ph\":\"s\",\"id\":%" PRIu64 ",\"pid\":1,\"tid\":%u,\"ts\":", id,
		a->cpu * 1000 + 1 + a->lane);
	put_us(f, rel(p, a->start + (a->end - a->start) / 2));
	fprintf(f, ",\"cat\":\"journey\",\"name\":\"journey #%" PRIu64 "\"}", a->j->id);
	fprintf(f, ",\n{\"ph\":\"f\",\"id\":%" PRIu64 ",\"pid\":1,\"tid\":%u,\"ts\":", id,
		b->cpu * 1000 + 1 + b->lane);
	if (b->end - b->start >= 2) {
		put_us(f, rel(p, b->start + (b->end - b->start) / 2));
		fprintf(f, ",\"bp\":\"e\"");
	} else {
		put_us(f, rel(p, b->start));	/* binds to the next slice on that track: @b */
	}
	fprintf(f, ",\"cat\":\"journey\",\"name\":\"journey #%" PRIu64 "\"}", a->j->id);
}

static int write_journeys(struct perfetto *p, uint64_t *left_out)
{
	unsigned int nj = p->nslow + p->nsample, n = 0;
	struct slice *sl = calloc((size_t)nj * (SKBT_MAX_STAGES + 1) + 1, sizeof(*sl));
	uint64_t lane_end[MAX_LANES], flow = 1;

	if (!sl)
		return -ENOMEM;
	for (unsigned int i = 0; i < nj; i++) {
		const struct skbt_journey *j = i < p->nslow ? &p->slow[i] : &p->sample[i - p->nslow];

		if (!j->nhops)
			continue;
		for (unsigned int k = 0; k < j->nstages; k++) {
			const struct skbt_stage_span *sp = &j->stages[k];
			uint64_t a = j->hops[sp->from].ts, b = j->hops[sp->to].ts;

			sl[n++] = (struct slice){ .j = j, .stage = k, .cpu = j->hops[sp->to].cpu,
						  .start = a, .end = b > a ? b : a };
		}
		if (!j->nstages)
			sl[n++] = (struct slice){ .j = j, .stage = -1, .cpu = j->hops[0].cpu,
						  .start = j->hops[0].ts,
						  .end = j->hops[j->nhops - 1].ts };
	}
	qsort(sl, n, sizeof(*sl), by_cpu_start);
	for (unsigned int i = 0, nl = 0; i < n; i++) {
		struct cpu_state *cs = cpu(p, sl[i].cpu);
		unsigned int l;

		if (i == 0 || sl[i].cpu != sl[i - 1].cpu)
			nl = 0;		/* a new CPU: its lanes start empty */
		for (l = 0; l < nl && lane_end[l] > sl[i].start; l++)
			;
		if (l == nl && nl < MAX_LANES)
			nl++;
		sl[i].lane = l < nl && cs ? (int16_t)l : -1;
		if (sl[i].lane < 0) {
			(*left_out)++;
			continue;
		}
		lane_end[l] = sl[i].end;
		if (cs->lanes < nl)
			cs->lanes = nl;
		write_slice(p, &sl[i]);
	}
	qsort(sl, n, sizeof(*sl), by_journey);
	for (unsigned int i = 0; i + 1 < n; i++) {
		if (sl[i].j != sl[i + 1].j || sl[i].lane < 0 || sl[i + 1].lane < 0 ||
		    sl[i].end - sl[i].start < 2)
			continue;
		write_flow(p, &sl[i], &sl[i + 1], flow++);
	}
	free(sl);
	return 0;
}

static int copy_tmp(struct perfetto *p)
{
	char buf[65536];
	size_t n;

	if (fflush(p->tmp) || fseek(p->tmp, 0, SEEK_SET))
		return -errno;
	while ((n = fread(buf, 1, sizeof(buf), p->tmp)) > 0)
		if (fwrite(buf, 1, n, p->f) != n)
			return -EIO;
	return ferror(p->tmp) ? -EIO : 0;
}

static void meta(FILE *f, const char *what, unsigned int tid, const char *key, const char *val,
		 bool first)
{
	fprintf(f, "%s{\"ph\":\"M\",\"pid\":1,\"tid\":%u,\"name\":\"%s\",\"args\":{\"%s\":",
		first ? "" : ",\n", tid, what, key);
	if (val) {
		fputc('"', f);
		skbt_out_json_str(f, val);
		fprintf(f, "\"}}");
	} else {
		fprintf(f, "%u}}", tid);
	}
}

static int pf_finish(void *priv, const struct skbt_trace_info *ti, const struct skbt_stats *st,
		     struct skbt_err *err)
{
	struct perfetto *p = priv;
	uint64_t left_out = 0;
	FILE *f = p->f;
	int ret;

	fprintf(f, "{\"displayTimeUnit\":\"ns\",\n\"otherData\":{\"generator\":\"skbtrail-analyze "
		SKBT_VERSION "\",\"file\":\"");
	skbt_out_json_str(f, ti->file);
	if (ti->node && *ti->node) {
		fprintf(f, "\",\"node\":\"");
		skbt_out_json_str(f, ti->node);
	}
	fprintf(f, "\",\"clock\":\"");
	skbt_out_json_str(f, ti->clock);
	fprintf(f, "\",\"journeys\":%" PRIu64 ",\"journeys_written\":%u,\"limit\":%u,"
		"\"cpu_slices\":%" PRIu64 ",\"cpu_slices_left_out\":%" PRIu64 ",\"incomplete\":%s},\n"
		"\"traceEvents\":[\n", p->journeys, p->nslow + p->nsample, p->o.limit,
		p->cpu_slices, p->cpu_slices_dropped, skbt_trace_incomplete(ti) ? "true" : "false");
	meta(f, "process_name", 0, "name", "skbtrail", true);
	for (unsigned int c = 0; c < p->ncpus; c++) {
		char name[64];

		if (!p->cpus[c].used)
			continue;
		snprintf(name, sizeof(name), "CPU %u", c);
		meta(f, "thread_name", c * 1000, "name", name, false);
		meta(f, "thread_sort_index", c * 1000, "sort_index", NULL, false);
	}
	ret = copy_tmp(p);
	if (ret)
		goto fail;
	ret = write_journeys(p, &left_out);
	if (ret)
		goto fail;
	for (unsigned int c = 0; c < p->ncpus; c++) {
		for (unsigned int l = 0; l < p->cpus[c].lanes; l++) {
			char name[64];

			snprintf(name, sizeof(name), "CPU %u stages %u", c, l);
			meta(f, "thread_name", c * 1000 + 1 + l, "name", name, false);
			meta(f, "thread_sort_index", c * 1000 + 1 + l, "sort_index", NULL, false);
		}
	}
	/* a flight file's trigger: a global marker where the recorder acted on it */
	if (ti->trigger) {
		fprintf(f, ",\n{\"ph\":\"i\",\"s\":\"g\",\"pid\":1,\"tid\":0,\"ts\":");
		put_us(f, rel(p, ti->trigger_ns));
		fprintf(f, ",\"cat\":\"trigger\",\"name\":\"trigger: ");
		skbt_out_json_str(f, ti->trigger);
		fprintf(f, "\"}");
	}
	/* the stage slices left out for want of a lane, if any, go in an instant on CPU 0 */
	if (left_out)
		fprintf(f, ",\n{\"ph\":\"i\",\"s\":\"g\",\"pid\":1,\"tid\":0,\"ts\":0,\"cat\":\"note\","
			"\"name\":\"%" PRIu64 " stage slices left out (more than %d overlapping on "
			"one CPU)\"}", left_out, MAX_LANES);
	fprintf(f, "\n]}\n");
	if (fflush(f) || ferror(f)) {
		ret = -EIO;
		goto fail;
	}
	ret = fclose(p->f) ? -errno : 0;
	p->f = NULL;
	if (ret)
		goto fail;
	return 0;
fail:
	return skbt_err_set(err, ret, "writing the trace: %s", strerror(-ret));
}

static void pf_destroy(void *priv)
{
	struct perfetto *p = priv;

	if (!p)
		return;
	if (p->f)
		fclose(p->f);
	if (p->tmp)
		fclose(p->tmp);
	free(p->cpus);
	free(p->slow);
	free(p->sample);
	free(p);
}

int skbt_perfetto_sink_new(const char *path, const struct skbt_names *names,
			   const struct skbt_perfetto_opts *o, struct skbt_sink *out,
			   struct skbt_err *err)
{
	struct perfetto *p = calloc(1, sizeof(*p));
	int ret;

	if (!p)
		return skbt_err_set(err, -ENOMEM, "out of memory");
	p->names = *names;
	p->o = *o;
	if (!p->o.limit)
		p->o.limit = SKBT_PERFETTO_LIMIT_DEFAULT;
	p->slow_max = (p->o.limit + 1) / 2;
	p->sample_max = p->o.limit - p->slow_max;
	p->rng = 0x5342ac1d5eed0001ULL;
	p->slow = calloc(p->slow_max, sizeof(*p->slow));
	p->sample = p->sample_max ? calloc(p->sample_max, sizeof(*p->sample)) : NULL;
	if (!p->slow || (p->sample_max && !p->sample)) {
		ret = skbt_err_set(err, -ENOMEM, "out of memory for %u journeys", p->o.limit);
		goto fail;
	}
	p->tmp = tmpfile();
	if (!p->tmp) {
		ret = skbt_err_set(err, -errno, "temporary file: %s", strerror(errno));
		goto fail;
	}
	p->f = fopen(path, "w");
	if (!p->f) {
		ret = skbt_err_set(err, -errno, "%s: %s", path, strerror(errno));
		goto fail;
	}
	*out = (struct skbt_sink){
		.name = "perfetto",
		.priv = p,
		.on_event = pf_event,
		.on_journey = pf_journey,
		.on_poll = pf_poll,
		.finish = pf_finish,
		.destroy = pf_destroy,
	};
	return 0;
fail:
	pf_destroy(p);
	return ret;
}
