// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * report-compare-html: the comparison of `--compare BASE NEW --html FILE` as one
 * self-contained page (inline CSS and SVG, no script, nothing fetched): per path the stages'
 * numbers of both traces, and for every changed stage (significant, or present on one side
 * only) the two log2 histograms overlaid; drops, NAPI, the backlog and the findings that
 * appeared or went away.  Sections carry ids (summary, stages, drops, napi, findings).  Renders
 * only: every number comes from compare.c; every string goes through skbt_out_html_str().
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "skbtrail/compare.h"
#include "skbtrail/outputs.h"
#include "skbtrail/report.h"

#define BASE_COLOR "#4e79a7"
#define NEW_COLOR "#e15759"

static void esc(FILE *f, const char *s)
{
	skbt_out_html_str(f, s ? s : "");
}

static void head(FILE *f, const struct skbt_compare_info *ci)
{
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
		"<meta name=\"generator\" content=\"skbtrail-analyze " SKBT_VERSION "\">\n"
		"<title>skbtrail comparison: ");
	esc(f, ci->base_file);
	fprintf(f, " &rarr; ");
	esc(f, ci->new_file);
	fprintf(f, "</title>\n<style>\n"
		SKBT_HTML_CSS_HEAD "\n" SKBT_HTML_CSS_TAIL
		".b{color:" BASE_COLOR "}.n{color:" NEW_COLOR "}\n"
		"</style></head><body>\n");
}

static void trace_name(FILE *f, const char *file, const char *node)
{
	fprintf(f, "<code>");
	esc(f, file);
	fprintf(f, "</code> (");
	esc(f, node && *node ? node : "node unknown");
	fprintf(f, ")");
}

static void summary(FILE *f, const struct skbt_compare_info *ci, const struct skbt_comparison *c)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < c->npaths; i++)
		n += c->paths[i].nstages;
	fprintf(f, "<h1>skbtrail comparison</h1>\n<section id=\"summary\"><p><span class=\"b\">"
		"&#9632; base</span> ");
	trace_name(f, ci->base_file, ci->base_node);
	fprintf(f, " &rarr; <span class=\"n\">&#9632; new</span> ");
	trace_name(f, ci->new_file, ci->new_node);
	fprintf(f, "</p>\n<p><b>%u of %u stages changed significantly.</b> Significant: Wilcoxon "
		"rank-sum p &lt; %g (two-sided, %u+ values a side) and |p50 change| &gt; "
		"max(%s, %g%%).</p></section>\n", c->nsignificant, n, c->o.alpha,
		SKBT_COMPARE_MIN_COUNT, SKBT_DUR(c->o.min_change_ns), c->o.min_change_rel * 100);
}

static bool changed(const struct skbt_compare_test *t)
{
	return t->significant || !t->base.count != !t->new.count;
}

/*
 * The two samples' log2 histograms overlaid on one axis: x = power-of-two latency buckets,
 * y = share of that side's values (the sides may differ in size), base and new translucent.
 */
static void hist2_svg(FILE *f, const struct skbt_hist *b, const struct skbt_hist *n)
{
	const struct skbt_hist *hs[2] = { b, n };
	const char *color[2] = { BASE_COLOR, NEW_COLOR };
	const int W = 420, H = 110, bh = 80, x0 = 34;
	int lo = 64, hi = -2, nb;
	double max = 0, bw;

	for (int k = -1; k < 63; k++) {
		for (int s = 0; s < 2; s++) {
			uint64_t v = hs[s] && hs[s]->count ? skbt_hist_log2(hs[s], k) : 0;
			double share = v ? (double)v / hs[s]->count : 0;

			if (!v)
				continue;
			lo = k < lo ? k : lo;
			hi = k > hi ? k : hi;
			max = share > max ? share : max;
		}
	}
	if (hi < lo)
		return;
	nb = hi - lo + 1;
	bw = (double)(W - x0 - 4) / nb;
	fprintf(f, "<svg width=\"%d\" height=\"%d\" role=\"img\"><text x=\"0\" y=\"10\">%.0f%%"
		"</text><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>", W, H,
		max * 100, x0, bh + 4, W - 2, bh + 4);
	for (int k = lo; k <= hi; k++) {
		double x = x0 + (k - lo) * bw;

		for (int s = 0; s < 2; s++) {
			uint64_t v = hs[s] && hs[s]->count ? skbt_hist_log2(hs[s], k) : 0;
			double bar = v ? (double)v / hs[s]->count * bh / max : 0;

			if (!v)
				continue;
			if (bar < 1)
				bar = 1;
			fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
				"fill=\"%s\" fill-opacity=\"0.55\"><title>%s %s..%s: %" PRIu64
				"</title></rect>", x + 1, bh + 4 - bar, bw > 2 ? bw - 2 : bw, bar,
				color[s], s ? "new" : "base", k < 0 ? "0" : SKBT_DUR(1ULL << k),
				k < 0 ? "0" : SKBT_DUR((1ULL << (k + 1)) - 1), v);
		}
		if ((k - lo) % (nb > 12 ? 3 : 1) == 0)
			fprintf(f, "<text x=\"%.1f\" y=\"%d\">%s</text>", x, bh + 18,
				k < 0 ? "0" : SKBT_DUR(1ULL << k));
	}
	fprintf(f, "</svg>");
}

static void side_cells(FILE *f, const struct skbt_compare_side *b,
		       const struct skbt_compare_side *n)
{
	const uint64_t qb[4] = { b->p50_ns, b->p90_ns, b->p99_ns, b->p999_ns };
	const uint64_t qn[4] = { n->p50_ns, n->p90_ns, n->p99_ns, n->p999_ns };

	fprintf(f, "<td>%" PRIu64 " &rarr; %" PRIu64 "</td>", b->count, n->count);
	for (int j = 0; j < 4; j++)
		fprintf(f, "<td>%s &rarr; %s</td>", b->count ? SKBT_DUR(qb[j]) : "-",
			n->count ? SKBT_DUR(qn[j]) : "-");
}

static void stages(FILE *f, const struct skbt_comparison *c)
{
	fprintf(f, "<section id=\"stages\"><h2>Stages</h2>\n<p class=\"small\">Histograms of the "
		"changed stages on a log2 time axis (each bar: one power of two); bar height: share "
		"of that trace's values; <span class=\"b\">base</span> and <span class=\"n\">new"
		"</span> overlaid.</p>\n");
	for (unsigned int i = 0; i < c->npaths; i++) {
		const struct skbt_compare_path *p = &c->paths[i];

		fprintf(f, "<h3>path ");
		esc(f, p->name);
		fprintf(f, " (%" PRIu64 " &rarr; %" PRIu64 " journeys)</h3>\n<table><tr>"
			"<th class=\"l\">stage</th><th class=\"l\">from</th><th class=\"l\">to</th>"
			"<th>count</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>p</th>"
			"<th class=\"l\">verdict</th></tr>\n", p->base_journeys, p->new_journeys);
		for (unsigned int k = 0; k < p->nstages; k++) {
			const struct skbt_compare_stage *s = &p->stages[k];

			fprintf(f, "<tr><td class=\"l\">%s</td><td class=\"l\">", s->name);
			esc(f, s->from);
			fprintf(f, "</td><td class=\"l\">");
			esc(f, s->to);
			fprintf(f, "</td>");
			side_cells(f, &s->t.base, &s->t.new);
			fprintf(f, "<td>%.2g</td><td class=\"l%s\">%s</td></tr>\n", s->t.p_value,
				s->t.significant ? " bad" : "", skbt_compare_verdict(&s->t));
		}
		fprintf(f, "</table>\n");
		for (unsigned int k = 0; k < p->nstages; k++) {
			const struct skbt_compare_stage *s = &p->stages[k];

			if (!changed(&s->t))
				continue;
			fprintf(f, "<div class=\"hist\"><div>%s ", s->name);
			esc(f, s->from);
			fprintf(f, " &rarr; ");
			esc(f, s->to);
			fprintf(f, ": %s</div>", skbt_compare_verdict(&s->t));
			hist2_svg(f, s->base_h, s->new_h);
			fprintf(f, "</div>\n");
		}
	}
	fprintf(f, "</section>\n");
}

static void drops(FILE *f, const struct skbt_comparison *c)
{
	if (!c->ndrops)
		return;
	fprintf(f, "<section id=\"drops\"><h2>Drops by reason</h2>\n<table><tr>"
		"<th class=\"l\">reason</th><th>base</th><th>new</th></tr>\n");
	for (unsigned int i = 0; i < c->ndrops; i++) {
		fprintf(f, "<tr><td class=\"l\">");
		esc(f, c->drops[i].reason);
		fprintf(f, "</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td></tr>\n", c->drops[i].base,
			c->drops[i].new);
	}
	fprintf(f, "</table></section>\n");
}

static void napi(FILE *f, const struct skbt_comparison *c)
{
	if (!c->nnapi && !c->ncpus)
		return;
	fprintf(f, "<section id=\"napi\"><h2>NAPI and the backlog</h2>\n");
	if (c->nnapi)
		fprintf(f, "<table><tr><th class=\"l\">device</th><th>polls</th><th>packets</th>"
			"<th>max work</th><th>budget exhausted</th></tr>\n");
	for (unsigned int i = 0; i < c->nnapi; i++) {
		const struct skbt_compare_napi *n = &c->napi[i];

		fprintf(f, "<tr><td class=\"l\">");
		esc(f, n->dev);
		fprintf(f, "</td><td>%" PRIu64 " &rarr; %" PRIu64 "</td><td>%" PRIu64 " &rarr; %"
			PRIu64 "</td><td>%u &rarr; %u</td><td>%" PRIu64 " &rarr; %" PRIu64
			"</td></tr>\n", n->base.polls, n->new.polls, n->base.packets, n->new.packets,
			n->base.max_work, n->new.max_work, n->base.exhausted, n->new.exhausted);
	}
	if (c->nnapi)
		fprintf(f, "</table>\n");
	if (c->ncpus)
		fprintf(f, "<table><tr><th>cpu</th><th>backlog packets</th><th>backlog drops</th>"
			"<th>max depth</th><th>softnet dropped</th><th>time_squeeze</th></tr>\n");
	for (unsigned int i = 0; i < c->ncpus; i++) {
		const struct skbt_compare_cpu *x = &c->cpus[i];

		fprintf(f, "<tr><td>%u</td><td>%" PRIu64 " &rarr; %" PRIu64 "</td><td>%" PRIu64
			" &rarr; %" PRIu64 "</td><td>%" PRIu64 " &rarr; %" PRIu64 "</td>", x->cpu,
			x->base.packets, x->new.packets, x->base.drops, x->new.drops,
			x->base.max_depth, x->new.max_depth);
		if (x->base.has_softnet || x->new.has_softnet)
			fprintf(f, "<td>%" PRIu64 " &rarr; %" PRIu64 "</td><td>%" PRIu64 " &rarr; %"
				PRIu64 "</td></tr>\n", x->base.softnet_dropped,
				x->new.softnet_dropped, x->base.time_squeeze, x->new.time_squeeze);
		else
			fprintf(f, "<td>-</td><td>-</td></tr>\n");
	}
	if (c->ncpus)
		fprintf(f, "</table>\n");
	fprintf(f, "</section>\n");
}

static void finding_list(FILE *f, const char *title, const struct skbt_compare_finding *x,
			 unsigned int n)
{
	if (!n)
		return;
	fprintf(f, "<h3>%s</h3>\n<ul>\n", title);
	for (unsigned int i = 0; i < n; i++) {
		fprintf(f, "<li>[%s] <b>", skbt_fx_severity_name(x[i].f->severity));
		esc(f, x[i].kind);
		fprintf(f, " ");
		esc(f, x[i].subject);
		fprintf(f, "</b>: ");
		esc(f, x[i].f->text);
		fprintf(f, "</li>\n");
	}
	fprintf(f, "</ul>\n");
}

static void findings(FILE *f, const struct skbt_comparison *c)
{
	if (!c->nappeared && !c->ngone)
		return;
	fprintf(f, "<section id=\"findings\"><h2>Findings</h2>\n");
	finding_list(f, "Appeared (in new, not in base)", c->appeared, c->nappeared);
	finding_list(f, "Went away (in base, not in new)", c->gone, c->ngone);
	fprintf(f, "</section>\n");
}

int skbt_report_compare_html(FILE *out, const struct skbt_compare_info *ci,
			     const struct skbt_comparison *c)
{
	head(out, ci);
	summary(out, ci, c);
	stages(out, c);
	drops(out, c);
	napi(out, c);
	findings(out, c);
	fprintf(out, "</body></html>\n");
	return ferror(out) ? -EIO : 0;
}
