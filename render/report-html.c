// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * report-html: one self-contained HTML page (inline CSS and SVG, no script, nothing fetched)
 * with the summary, the findings, per-stage latency histograms on a log2 time axis, a per-CPU
 * heat strip of events over time and the slowest journeys' timelines.  Sections carry ids
 * (summary, findings, stages, cpus, slowest) that tests and links can find.
 *
 * The heat strip counts events per CPU in 1 ms buckets while the trace streams; when a CPU's
 * array would pass HEAT_MAX_BUCKETS, every CPU's buckets are merged by two (the width doubles),
 * so memory stays bounded whatever the trace's length.  At the end the buckets are summed into
 * heat_columns columns.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "skbtrail/findings.h"
#include "skbtrail/outputs.h"

#define HEAT_MAX_BUCKETS 65536
#define HEAT_MAX_CPUS 4096

struct heat_cpu {
	uint32_t *b;
	uint32_t n, cap;
};

struct html {
	FILE *f;
	struct skbt_names names;
	struct skbt_html_opts o;
	bool have_t0;
	uint64_t t0, last;
	uint64_t bucket_ns;
	struct heat_cpu *cpus;
	unsigned int ncpus;
};

static const char *const stage_colors[] = {
	"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
};

static const char *stage_color(unsigned int s)
{
	return stage_colors[s % SKBT_ARRAY_SIZE(stage_colors)];
}

static const char *dev_name(const struct html *h, unsigned int dev)
{
	const char *s = h->names.dev ? h->names.dev(h->names.ctx, dev) : NULL;

	return s ? s : "?";
}


static void esc(struct html *h, const char *s)
{
	skbt_out_html_str(h->f, s);
}

/* Halve the resolution of every CPU's buckets. */
static void heat_merge(struct html *h)
{
	for (unsigned int c = 0; c < h->ncpus; c++) {
		struct heat_cpu *hc = &h->cpus[c];

		for (uint32_t i = 0; i < hc->n; i++)
			hc->b[i / 2] = (i % 2 ? hc->b[i / 2] : 0) + hc->b[i];
		if (hc->n)
			hc->n = (hc->n + 1) / 2;
	}
	h->bucket_ns *= 2;
}

static int html_event(void *priv, const struct skbt_event *ev)
{
	struct html *h = priv;
	struct heat_cpu *hc;
	uint64_t idx;

	if (!h->have_t0) {
		h->have_t0 = true;
		h->t0 = ev->ts;
	}
	if (ev->ts > h->last)
		h->last = ev->ts;
	if (ev->cpu >= HEAT_MAX_CPUS)
		return 0;
	if (ev->cpu >= h->ncpus) {
		unsigned int n = ev->cpu + 1;
		struct heat_cpu *a = realloc(h->cpus, n * sizeof(*a));

		if (!a)
			return -ENOMEM;
		memset(a + h->ncpus, 0, (n - h->ncpus) * sizeof(*a));
		h->cpus = a;
		h->ncpus = n;
	}
	hc = &h->cpus[ev->cpu];
	if (ev->ts < h->t0)
		return 0;
	idx = (ev->ts - h->t0) / h->bucket_ns;
	while (idx >= HEAT_MAX_BUCKETS) {
		heat_merge(h);
		idx = (ev->ts - h->t0) / h->bucket_ns;
	}
	if (idx >= hc->cap) {
		uint32_t cap = hc->cap ? hc->cap : 1024;
		uint32_t *b;

		while (cap <= idx)
			cap *= 2;
		if (cap > HEAT_MAX_BUCKETS)
			cap = HEAT_MAX_BUCKETS;
		b = realloc(hc->b, cap * sizeof(*b));
		if (!b)
			return -ENOMEM;
		memset(b + hc->cap, 0, (cap - hc->cap) * sizeof(*b));
		hc->b = b;
		hc->cap = cap;
	}
	if (idx >= hc->n)
		hc->n = idx + 1;
	hc->b[idx]++;
	return 0;
}

static void head(struct html *h, const struct skbt_trace_info *ti)
{
	fprintf(h->f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
		"<meta name=\"generator\" content=\"skbtrail-analyze " SKBT_VERSION "\">\n"
		"<title>skbtrail report: ");
	esc(h, ti->file);
	if (ti->node && *ti->node) {
		fprintf(h->f, ", node ");
		esc(h, ti->node);
	}
	fprintf(h->f, "</title>\n<style>\n"
		SKBT_HTML_CSS_HEAD ".ok{color:#070}\n" SKBT_HTML_CSS_TAIL
		"</style></head><body>\n");
}

static void summary(struct html *h, const struct skbt_trace_info *ti, const struct skbt_stats *st)
{
	uint64_t span = ti->last_ts > ti->first_ts ? ti->last_ts - ti->first_ts : 0;
	FILE *f = h->f;

	fprintf(f, "<h1>skbtrail report: ");
	esc(h, ti->file);
	if (ti->node && *ti->node) {
		fprintf(f, ", node ");
		esc(h, ti->node);
	}
	fprintf(f, "</h1>\n<section id=\"summary\"><h2>Summary</h2>\n<table>\n");
	if (ti->trigger) {
		fprintf(f, "<tr><th class=\"l\">trigger</th><td class=\"l\">");
		esc(h, ti->trigger);
		fprintf(f, " at %" PRIu64 ".%06" PRIu64 " s (flight recorder: the events before it; "
			"%s%" PRIu64 " older ones overwritten)</td></tr>\n",
			ti->trigger_ns / 1000000000, ti->trigger_ns % 1000000000 / 1000,
			ti->overwritten_at_least ? "at least " : "", ti->overwritten_events);
	}
	fprintf(f, "<tr><th class=\"l\">trace</th><td class=\"l\">trace.dat v%d (", ti->version);
	esc(h, ti->compression);
	fprintf(f, "), buffer ");
	esc(h, *ti->buffer ? ti->buffer : "top");
	fprintf(f, ", clock ");
	esc(h, ti->clock);
	fprintf(f, "</td></tr>\n<tr><th class=\"l\">span</th><td class=\"l\">%s on %d CPUs, "
		"%" PRIu64 " events</td></tr>\n", SKBT_DUR(span), ti->ncpus, ti->events_total);
	fprintf(f, "<tr><th class=\"l\">completeness</th><td class=\"l\">");
	if (skbt_trace_incomplete(ti))
		fprintf(f, "<span class=\"bad\">INCOMPLETE</span>: the kernel lost events %" PRIu64
			" time(s)%s; journeys near the gaps are not measured", ti->lost_markers,
			ti->truncated ? ", the file ends early" : "");
	else
		fprintf(f, "<span class=\"ok\">no lost events seen</span>");
	fprintf(f, "</td></tr>\n<tr><th class=\"l\">journeys</th><td class=\"l\">%" PRIu64
		" selected of %" PRIu64 "; incomplete %" PRIu64, st->journeys_selected,
		st->journeys_seen, st->incomplete);
	for (int e = 0; e < SKBT_JEND__COUNT; e++)
		if (st->ends[e])
			fprintf(f, "; %s %" PRIu64, skbt_jend_name(e), st->ends[e]);
	fprintf(f, "</td></tr>\n");
	if (st->gro_merged)
		fprintf(f, "<tr><th class=\"l\">GRO</th><td class=\"l\">%" PRIu64 " packets merged "
			"into other skbs</td></tr>\n", st->gro_merged);
	fprintf(f, "</table>\n<table><tr><th class=\"l\">path</th><th>journeys</th>"
		"<th>incomplete</th><th>changed CPU</th><th>p50</th><th>p99</th><th>max</th></tr>\n");
	for (unsigned int i = 0; i < st->npaths; i++) {
		const struct skbt_path_stats *p = &st->paths[i];
		char name[256];

		skbt_stats_path_name(st, p->devs, p->ndevs, p->tx_only, name, sizeof(name));
		fprintf(f, "<tr><td class=\"l\">");
		esc(h, name);
		fprintf(f, "</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td>"
			"<td>%s</td><td>%s</td><td>%s</td></tr>\n", p->journeys, p->incomplete,
			p->cpu_change, p->total.count ? SKBT_DUR(skbt_hist_quantile(&p->total, 0.5)) : "-",
			p->total.count ? SKBT_DUR(skbt_hist_quantile(&p->total, 0.99)) : "-",
			p->total.count ? SKBT_DUR(p->total.max) : "-");
	}
	fprintf(f, "</table></section>\n");
}

static void findings(struct html *h, const struct skbt_trace_info *ti)
{
	const struct skbt_findings *fx = ti->fx;
	FILE *f = h->f;
	unsigned int n = 0;

	/* the same computed findings as the text and JSON reports (struct skbt_findings) */
	fprintf(f, "<section id=\"findings\"><h2>Findings</h2>\n<ul>\n");
	if (skbt_trace_incomplete(ti)) {
		fprintf(f, "<li class=\"bad\">INCOMPLETE: ");
		if (ti->lost_markers)
			fprintf(f, "the kernel lost events %" PRIu64 " time(s) (%s%" PRIu64
				" known lost); ", ti->lost_markers, ti->lost_unknown ? "at least " : "",
				ti->lost_events);
		if (ti->overrun_total > 0)
			fprintf(f, "ring buffer overrun %" PRId64 " events; ", ti->overrun_total);
		if (ti->truncated)
			fprintf(f, "the file ends early or has corrupt data; ");
		fprintf(f, "journeys near the gaps are marked incomplete and not measured</li>\n");
		n++;
	}
	for (unsigned int i = 0; fx && i < fx->nfindings; i++, n++) {
		const struct skbt_finding *fd = &fx->f[i];

		fprintf(f, "<li class=\"finding\" data-id=\"");
		esc(h, fd->id);
		fprintf(f, "\"%s>[%s] ", fd->severity == SKBT_FX_WARNING ? " style=\"color:#b00\"" :
			"", skbt_fx_severity_name(fd->severity));
		esc(h, fd->text);
		fprintf(f, "<br><span class=\"small\">evidence:");
		for (unsigned int k = 0; k < fd->nev; k++) {
			fprintf(f, " ");
			esc(h, fd->ev[k].key);
			if (fd->ev[k].is_num)
				fprintf(f, "=%" PRIu64, fd->ev[k].num);
			else {
				fprintf(f, "=");
				esc(h, *fd->ev[k].str ? fd->ev[k].str : "-");
			}
		}
		fprintf(f, "</span></li>\n");
	}
	for (unsigned int i = 0; i < ti->nwarnings; i++, n++) {
		fprintf(f, "<li>warning: ");
		esc(h, ti->warnings[i]);
		fprintf(f, "</li>\n");
	}
	if (!n)
		fprintf(f, "<li>nothing to report</li>\n");
	fprintf(f, "</ul></section>\n");
}

/* Drops by reason, location, device and stage: the text report's and JSON's drops table. */
static void drops(struct html *h, const struct skbt_stats *st)
{
	FILE *f = h->f;

	fprintf(f, "<section id=\"drops\"><h2>Drops</h2>\n");
	if (!st->ndrops) {
		fprintf(f, "<p>none traced</p>\n");
	} else {
		fprintf(f, "<table><tr><th>count</th><th class=\"l\">reason</th>"
			"<th class=\"l\">location</th><th class=\"l\">device</th>"
			"<th class=\"l\">stage</th></tr>\n");
		for (unsigned int i = 0; i < st->ndrops; i++) {
			const struct skbt_drop_stats *d = &st->drops[i];
			char rb[24];
			const char *r = skbt_stats_drop_reason(st, d->reason, rb, sizeof(rb));
			const char *sym = skbt_stats_drop_location(st, d->location);

			fprintf(f, "<tr class=\"drop\"><td>%" PRIu64 "</td><td class=\"l\">",
				d->count);
			esc(h, r);
			fprintf(f, "</td><td class=\"l\">");
			esc(h, sym ? sym : "-");
			fprintf(f, "</td><td class=\"l\">");
			esc(h, d->dev ? dev_name(h, d->dev) : "(no journey)");
			fprintf(f, "</td><td class=\"l\">%s</td></tr>\n",
				d->stage >= 0 ? skbt_stage_name(d->stage) : "-");
		}
		fprintf(f, "</table>\n");
	}
	if (st->control_plane_frees) {
		fprintf(f, "<p id=\"control-plane\">control-plane frees: %" PRIu64 ", not packets "
			"(kfree_skb of a protocol 0 skb by netlink, genetlink, OVS command or socket "
			"code)</p>\n<table><tr><th>count</th><th class=\"l\">reason</th>"
			"<th class=\"l\">location</th></tr>\n", st->control_plane_frees);
		for (unsigned int i = 0; i < st->ncp_frees; i++) {
			const struct skbt_drop_stats *d = &st->cp_frees[i];
			char rb[24];
			const char *r = skbt_stats_drop_reason(st, d->reason, rb, sizeof(rb));
			const char *sym = skbt_stats_drop_location(st, d->location);

			fprintf(f, "<tr class=\"cpfree\"><td>%" PRIu64 "</td><td class=\"l\">",
				d->count);
			esc(h, r);
			fprintf(f, "</td><td class=\"l\">");
			esc(h, sym ? sym : "-");
			fprintf(f, "</td></tr>\n");
		}
		fprintf(f, "</table>\n");
	}
	fprintf(f, "</section>\n");
}

/* One stage's log2 histogram: x = power-of-two latency buckets (log scale), y = journeys. */
static void hist_svg(struct html *h, const struct skbt_hist *hs, const char *color)
{
	FILE *f = h->f;
	int lo = 64, hi = -2;
	uint64_t max = 0;
	const int W = 360, H = 110, bh = 80, x0 = 30;

	for (int k = -1; k < 63; k++) {
		uint64_t n = skbt_hist_log2(hs, k);

		if (!n)
			continue;
		lo = k < lo ? k : lo;
		hi = k;
		max = n > max ? n : max;
	}
	if (hi < lo)
		return;
	fprintf(f, "<svg width=\"%d\" height=\"%d\" role=\"img\">", W, H);
	fprintf(f, "<text x=\"0\" y=\"10\">%" PRIu64 "</text><line x1=\"%d\" y1=\"%d\" x2=\"%d\" "
		"y2=\"%d\" stroke=\"#999\"/>", max, x0, bh + 4, W - 2, bh + 4);
	{
		int nb = hi - lo + 1;
		double bw = (double)(W - x0 - 4) / nb;

		for (int k = lo; k <= hi; k++) {
			uint64_t n = skbt_hist_log2(hs, k);
			double bar = max ? (double)n * bh / max : 0;
			double x = x0 + (k - lo) * bw;

			if (n && bar < 1)
				bar = 1;
			fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
				"fill=\"%s\"><title>%s..%s: %" PRIu64 "</title></rect>", x + 1,
				bh + 4 - bar, bw > 2 ? bw - 2 : bw, bar, color,
				k < 0 ? "0" : SKBT_DUR(1ULL << k), k < 0 ? "0" : SKBT_DUR((1ULL << (k + 1)) - 1),
				n);
			if ((k - lo) % (nb > 12 ? 3 : 1) == 0)
				fprintf(f, "<text x=\"%.1f\" y=\"%d\">%s</text>", x, bh + 18,
					k < 0 ? "0" : SKBT_DUR(1ULL << k));
		}
	}
	fprintf(f, "</svg>");
}

static void stages(struct html *h, const struct skbt_stats *st)
{
	FILE *f = h->f;

	fprintf(f, "<section id=\"stages\"><h2>Stage latency</h2>\n<p class=\"small\">Histograms "
		"on a log2 time axis (each bar: one power of two); bar height: journeys.</p>\n");
	for (unsigned int i = 0; i < st->npaths; i++) {
		const struct skbt_path_stats *p = &st->paths[i];
		char name[256];

		if (!p->nstages)
			continue;
		skbt_stats_path_name(st, p->devs, p->ndevs, p->tx_only, name, sizeof(name));
		fprintf(f, "<h3>path ");
		esc(h, name);
		fprintf(f, " (%" PRIu64 " journeys)</h3>\n<table><tr><th class=\"l\">stage</th>"
			"<th class=\"l\">from</th><th class=\"l\">to</th><th>count</th><th>min</th>"
			"<th>p50</th><th>p90</th><th>p99</th><th>max</th></tr>\n", p->journeys);
		for (unsigned int k = 0; k < p->nstages; k++) {
			const struct skbt_stage_stats *s = &p->stages[k];

			fprintf(f, "<tr><td class=\"l\" style=\"color:%s\">%s</td><td class=\"l\">%s@",
				stage_color(s->stage), skbt_stage_name(s->stage),
				skbt_kind_short(s->from_kind));
			esc(h, dev_name(h, s->from_dev));
			fprintf(f, "</td><td class=\"l\">%s@", skbt_kind_short(s->to_kind));
			esc(h, dev_name(h, s->to_dev));
			fprintf(f, "</td><td>%" PRIu64 "</td><td>%s</td><td>%s</td><td>%s</td>"
				"<td>%s</td><td>%s</td></tr>\n", s->h.count, SKBT_DUR(s->h.min),
				SKBT_DUR(skbt_hist_quantile(&s->h, 0.5)), SKBT_DUR(skbt_hist_quantile(&s->h, 0.9)),
				SKBT_DUR(skbt_hist_quantile(&s->h, 0.99)), SKBT_DUR(s->h.max));
		}
		fprintf(f, "</table>\n");
		for (unsigned int k = 0; k < p->nstages; k++) {
			const struct skbt_stage_stats *s = &p->stages[k];

			fprintf(f, "<div class=\"hist\"><div>%s %s@", skbt_stage_name(s->stage),
				skbt_kind_short(s->from_kind));
			esc(h, dev_name(h, s->from_dev));
			fprintf(f, " &rarr; %s@", skbt_kind_short(s->to_kind));
			esc(h, dev_name(h, s->to_dev));
			fprintf(f, "</div>");
			hist_svg(h, &s->h, stage_color(s->stage));
			fprintf(f, "</div>\n");
		}
	}
	fprintf(f, "</section>\n");
}

static void heat(struct html *h)
{
	FILE *f = h->f;
	unsigned int cols = h->o.heat_columns ? h->o.heat_columns : 240;
	uint64_t span = h->last > h->t0 ? h->last - h->t0 + 1 : 1;
	uint64_t *sum = calloc(cols, sizeof(*sum)), max = 0;
	const int cw = 4, rh = 18, x0 = 60;
	unsigned int rows = 0;

	fprintf(f, "<section id=\"cpus\"><h2>Per-CPU activity</h2>\n<p class=\"small\">Traced "
		"events per CPU over the trace (%s per column; darker: more events, log "
		"scale).</p>\n", SKBT_DUR((span + cols - 1) / cols));
	if (!sum) {
		fprintf(f, "<p>(out of memory)</p></section>\n");
		return;
	}
	for (unsigned int c = 0; c < h->ncpus; c++)
		rows += h->cpus[c].n > 0;
	fprintf(f, "<svg width=\"%u\" height=\"%u\" role=\"img\">", x0 + cols * cw + 4,
		rows * rh + 20);
	for (unsigned int c = 0; c < h->ncpus; c++) {	/* the darkest cell, over all CPUs */
		const struct heat_cpu *hc = &h->cpus[c];

		memset(sum, 0, cols * sizeof(*sum));
		for (uint32_t i = 0; i < hc->n; i++) {
			uint64_t col = (uint64_t)i * h->bucket_ns * cols / span;

			sum[col < cols ? col : cols - 1] += hc->b[i];
		}
		for (unsigned int i = 0; i < cols; i++)
			max = sum[i] > max ? sum[i] : max;
	}
	for (unsigned int c = 0, r = 0; c < h->ncpus; c++) {
		const struct heat_cpu *hc = &h->cpus[c];

		if (!hc->n)
			continue;
		memset(sum, 0, cols * sizeof(*sum));
		for (uint32_t i = 0; i < hc->n; i++) {
			uint64_t col = (uint64_t)i * h->bucket_ns * cols / span;

			sum[col < cols ? col : cols - 1] += hc->b[i];
		}
		fprintf(f, "<text x=\"0\" y=\"%u\">CPU %u</text>", r * rh + 13, c);
		for (unsigned int i = 0; i < cols; i++) {
			double v = sum[i] && max ? log1p((double)sum[i]) / log1p((double)max) : 0;
			int shade = 245 - (int)(v * 200);

			fprintf(f, "<rect x=\"%u\" y=\"%u\" width=\"%d\" height=\"%d\" "
				"fill=\"rgb(%d,%d,255)\"><title>%" PRIu64 "</title></rect>",
				x0 + i * cw, r * rh, cw, rh - 3, shade, shade, sum[i]);
		}
		r++;
	}
	fprintf(f, "<text x=\"%d\" y=\"%u\">0</text><text x=\"%u\" y=\"%u\" "
		"text-anchor=\"end\">%s</text></svg></section>\n", x0, rows * rh + 14,
		x0 + cols * cw, rows * rh + 14, SKBT_DUR(span - 1));
	free(sum);
}

static void timeline(struct html *h, const struct skbt_stats *st, const struct skbt_journey *j)
{
	FILE *f = h->f;
	uint64_t d = skbt_journey_duration(j), t0 = j->nhops ? j->hops[0].ts : 0;
	/* bars in [x0, x0 + TW], each stage's label in the column right of them */
	const int W = 1060, x0 = 10, TW = 560, lx = x0 + TW + 16, lane = 22, top = 34;
	double scale = d ? (double)TW / d : 0;
	unsigned int height = top + (j->nstages + 1) * lane + 6;
	char name[256];

	skbt_stats_path_name(st, j->devs, j->ndevs, j->flags & SKBT_JF_TX_ONLY, name, sizeof(name));
	fprintf(f, "<h3>journey #%" PRIu64 " ", j->id);
	esc(h, name);
	fprintf(f, ": %s, ended %s%s%s</h3>\n", SKBT_DUR(d), skbt_jend_name(j->end),
		j->flags & SKBT_JF_INCOMPLETE ? ", <span class=\"bad\">INCOMPLETE</span>" : "",
		j->flags & SKBT_JF_CPU_CHANGE ? ", changed CPU" : "");
	fprintf(f, "<svg width=\"%d\" height=\"%u\" role=\"img\">", W, height);
	/* hops: ticks on the axis, labelled on hover and along the top */
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>", x0, top - 6,
		x0 + TW, top - 6);
	for (unsigned int i = 0; i < j->nhops; i++) {
		const struct skbt_hop *hp = &j->hops[i];
		double x = x0 + (hp->ts - t0) * scale;
		bool devless = !skbt_kind_has_dev(hp->kind);

		fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%u\" stroke=\"#bbb\" "
			"stroke-dasharray=\"2,2\"><title>+%s %s%s", x, top - 12, x, height - 4,
			SKBT_DUR(hp->ts - t0), skbt_kind_short(hp->kind), devless ? "" : "@");
		if (!devless)
			esc(h, dev_name(h, hp->dev));
		fprintf(f, " cpu%u</title></line>", hp->cpu);
		if (!i || hp->cpu != j->hops[i - 1].cpu)	/* label where the CPU changes */
			fprintf(f, "<text x=\"%.1f\" y=\"%d\" fill=\"#555\">cpu%u</text>", x + 2,
				top - 14, hp->cpu);
	}
	for (unsigned int k = 0; k < j->nstages; k++) {
		const struct skbt_stage_span *s = &j->stages[k];
		const struct skbt_hop *a = &j->hops[s->from], *b = &j->hops[s->to];
		double x = x0 + (a->ts - t0) * scale;
		double w = b->ts > a->ts ? (b->ts - a->ts) * scale : 0;
		unsigned int y = top + k * lane;

		fprintf(f, "<rect x=\"%.1f\" y=\"%u\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>", x, y,
			w < 1 ? 1 : w, lane - 6, stage_color(s->stage));
		fprintf(f, "<text x=\"%d\" y=\"%u\">%s %s (%s@", lx, y + 12,
			skbt_stage_name(s->stage), SKBT_DUR(s->ns), skbt_kind_short(a->kind));
		esc(h, dev_name(h, a->dev));
		fprintf(f, " cpu%u &rarr; %s", a->cpu, skbt_kind_short(b->kind));
		if (skbt_kind_has_dev(b->kind)) {
			fputc('@', f);
			esc(h, dev_name(h, b->dev));
		}
		fprintf(f, " cpu%u)</text>", b->cpu);
	}
	if (!j->nstages)
		fprintf(f, "<text x=\"%d\" y=\"%d\">no stage measured%s</text>", x0, top + 12,
			j->flags & SKBT_JF_INCOMPLETE ? " (lost events nearby)" : "");
	fprintf(f, "</svg>\n");
}

static void slowest(struct html *h, const struct skbt_stats *st)
{
	fprintf(h->f, "<section id=\"slowest\"><h2>Slowest journeys</h2>\n");
	if (!st->ntop)
		fprintf(h->f, "<p>none selected (see --top)</p>\n");
	for (unsigned int i = 0; i < st->ntop; i++)
		timeline(h, st, &st->top[i]);
	fprintf(h->f, "</section>\n");
}

static int html_finish(void *priv, const struct skbt_trace_info *ti, const struct skbt_stats *st,
		       struct skbt_err *err)
{
	struct html *h = priv;
	int ret;

	head(h, ti);
	summary(h, ti, st);
	findings(h, ti);
	drops(h, st);
	stages(h, st);
	heat(h);
	slowest(h, st);
	fprintf(h->f, "<p class=\"small\">skbtrail-analyze " SKBT_VERSION "</p>\n</body></html>\n");
	ret = fflush(h->f) || ferror(h->f) ? -EIO : 0;
	if (fclose(h->f) && !ret)
		ret = -errno;
	h->f = NULL;
	if (ret)
		return skbt_err_set(err, ret, "writing the page: %s", strerror(-ret));
	return 0;
}

static void html_destroy(void *priv)
{
	struct html *h = priv;

	if (!h)
		return;
	if (h->f)
		fclose(h->f);
	for (unsigned int c = 0; c < h->ncpus; c++)
		free(h->cpus[c].b);
	free(h->cpus);
	free(h);
}

int skbt_html_sink_new(const char *path, const struct skbt_names *names,
		       const struct skbt_html_opts *o, struct skbt_sink *out, struct skbt_err *err)
{
	struct html *h = calloc(1, sizeof(*h));

	if (!h)
		return skbt_err_set(err, -ENOMEM, "out of memory");
	h->names = *names;
	h->o = *o;
	h->bucket_ns = 1000000;
	h->f = fopen(path, "w");
	if (!h->f) {
		int ret = skbt_err_set(err, -errno, "%s: %s", path, strerror(errno));

		html_destroy(h);
		return ret;
	}
	*out = (struct skbt_sink){
		.name = "html",
		.priv = h,
		.on_event = html_event,
		.finish = html_finish,
		.destroy = html_destroy,
	};
	return 0;
}
