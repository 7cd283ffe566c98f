// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * report-compare: render a struct skbt_comparison (compare.h) as the comparison JSON document
 * (docs/compare-schema.json) or as text (report-compare-html.c: as a page).  Renders only: every number comes from compare.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "skbtrail/compare.h"
#include "skbtrail/report.h"

static json_object *u64(uint64_t v)
{
	return json_object_new_int64(v > INT64_MAX ? INT64_MAX : (int64_t)v);
}

static json_object *str(const char *s)
{
	return json_object_new_string(s ? s : "");
}

/* A double with six significant digits, so the document does not depend on the last bit. */
static json_object *num(double v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%.6g", v);
	return json_object_new_double_s(v, buf);
}

static void put(json_object *o, const char *k, json_object *v)
{
	json_object_object_add(o, k, v);
}

static json_object *trace_obj(const char *file, const char *node)
{
	json_object *o = json_object_new_object();

	put(o, "file", str(file));
	put(o, "node", str(node));
	return o;
}

static json_object *side_obj(const struct skbt_compare_side *s)
{
	json_object *o = json_object_new_object();

	put(o, "count", u64(s->count));
	put(o, "p50_ns", u64(s->p50_ns));
	put(o, "p90_ns", u64(s->p90_ns));
	put(o, "p99_ns", u64(s->p99_ns));
	put(o, "p999_ns", u64(s->p999_ns));
	return o;
}

static json_object *stage_obj(const struct skbt_compare_stage *s)
{
	const struct skbt_compare_test *t = &s->t;
	json_object *o = json_object_new_object();

	put(o, "name", str(s->name));
	put(o, "from", str(s->from));
	put(o, "to", str(s->to));
	put(o, "base", side_obj(&t->base));
	put(o, "new", side_obj(&t->new));
	put(o, "p50_change_ns", json_object_new_int64(t->p50_change_ns));
	put(o, "p50_change_rel", num(t->p50_change_rel));
	put(o, "threshold_ns", u64(t->threshold_ns));
	put(o, "tested", json_object_new_boolean(t->tested));
	put(o, "u", num(t->u));
	put(o, "z", num(t->z));
	put(o, "p_value", num(t->p_value));
	put(o, "statistically_significant", json_object_new_boolean(t->stat_significant));
	put(o, "practically_significant", json_object_new_boolean(t->practical));
	put(o, "significant", json_object_new_boolean(t->significant));
	return o;
}

static json_object *napi_side_obj(const struct skbt_compare_napi_side *s)
{
	json_object *o = json_object_new_object();

	put(o, "polls", u64(s->polls));
	put(o, "packets", u64(s->packets));
	put(o, "max_work", u64(s->max_work));
	put(o, "budget", u64(s->budget));
	put(o, "budget_exhausted", u64(s->exhausted));
	return o;
}

/* softnet numbers are null when that file has no softnet counters */
static json_object *cpu_side_obj(const struct skbt_compare_cpu_side *s)
{
	json_object *o = json_object_new_object();

	put(o, "backlog_polls", u64(s->polls));
	put(o, "backlog_packets", u64(s->packets));
	put(o, "backlog_drops", u64(s->drops));
	put(o, "max_depth", u64(s->max_depth));
	put(o, "softnet_dropped", s->has_softnet ? u64(s->softnet_dropped) : NULL);
	put(o, "time_squeeze", s->has_softnet ? u64(s->time_squeeze) : NULL);
	return o;
}

static json_object *napi_obj(const struct skbt_comparison *c)
{
	json_object *o = json_object_new_object(), *devs = json_object_new_array();
	json_object *cpus = json_object_new_array();

	for (unsigned int i = 0; i < c->nnapi; i++) {
		json_object *d = json_object_new_object();

		put(d, "dev", str(c->napi[i].dev));
		put(d, "base", napi_side_obj(&c->napi[i].base));
		put(d, "new", napi_side_obj(&c->napi[i].new));
		json_object_array_add(devs, d);
	}
	for (unsigned int i = 0; i < c->ncpus; i++) {
		json_object *d = json_object_new_object();

		put(d, "cpu", json_object_new_int((int)c->cpus[i].cpu));
		put(d, "base", cpu_side_obj(&c->cpus[i].base));
		put(d, "new", cpu_side_obj(&c->cpus[i].new));
		json_object_array_add(cpus, d);
	}
	put(o, "devices", devs);
	put(o, "cpus", cpus);
	return o;
}

static json_object *findings_arr(const struct skbt_compare_finding *f, unsigned int n)
{
	json_object *a = json_object_new_array();

	for (unsigned int i = 0; i < n; i++) {
		json_object *o = json_object_new_object();

		put(o, "id", str(f[i].f->id));
		put(o, "kind", str(f[i].kind));
		put(o, "subject", str(f[i].subject));
		put(o, "severity", str(skbt_fx_severity_name(f[i].f->severity)));
		put(o, "text", str(f[i].f->text));
		json_object_array_add(a, o);
	}
	return a;
}

static json_object *findings_obj(const struct skbt_comparison *c)
{
	json_object *o = json_object_new_object();

	put(o, "compared", json_object_new_boolean(c->has_findings));
	put(o, "appeared", findings_arr(c->appeared, c->nappeared));
	put(o, "gone", findings_arr(c->gone, c->ngone));
	put(o, "in_both", u64(c->nkept));
	return o;
}

int skbt_report_compare_json(FILE *out, const struct skbt_compare_info *ci,
			     const struct skbt_comparison *c)
{
	json_object *root = json_object_new_object(), *cmp = json_object_new_object();
	json_object *prac = json_object_new_object(), *paths = json_object_new_array();
	const char *s;
	int ret = 0;

	put(root, "schema_version", json_object_new_int(SKBT_REPORT_SCHEMA_VERSION));
	put(root, "tool", str("skbtrail-analyze " SKBT_VERSION));
	put(root, "base", trace_obj(ci->base_file, ci->base_node));
	put(root, "new", trace_obj(ci->new_file, ci->new_node));
	put(cmp, "test", str(SKBT_COMPARE_TEST_NAME));
	put(cmp, "alpha", num(c->o.alpha));
	put(cmp, "min_count", u64(SKBT_COMPARE_MIN_COUNT));
	put(prac, "min_change_ns", u64(c->o.min_change_ns));
	put(prac, "min_change_rel", num(c->o.min_change_rel));
	put(cmp, "practical", prac);
	put(cmp, "significant_stages", u64(c->nsignificant));
	for (unsigned int i = 0; i < c->npaths; i++) {
		const struct skbt_compare_path *p = &c->paths[i];
		json_object *po = json_object_new_object(), *stages = json_object_new_array();

		put(po, "name", str(p->name));
		put(po, "base_journeys", u64(p->base_journeys));
		put(po, "new_journeys", u64(p->new_journeys));
		for (unsigned int k = 0; k < p->nstages; k++)
			json_object_array_add(stages, stage_obj(&p->stages[k]));
		put(po, "stages", stages);
		json_object_array_add(paths, po);
	}
	put(cmp, "paths", paths);
	paths = json_object_new_array();
	for (unsigned int i = 0; i < c->ndrops; i++) {
		json_object *d = json_object_new_object();

		put(d, "reason", str(c->drops[i].reason));
		put(d, "base", u64(c->drops[i].base));
		put(d, "new", u64(c->drops[i].new));
		json_object_array_add(paths, d);
	}
	put(cmp, "drops", paths);
	put(cmp, "napi", napi_obj(c));
	put(cmp, "findings", findings_obj(c));
	put(root, "comparison", cmp);
	s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
					   JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (fputs(s, out) < 0 || fputc('\n', out) < 0 || ferror(out))
		ret = -EIO;
	json_object_put(root);
	return ret;
}

const char *skbt_compare_verdict(const struct skbt_compare_test *t)
{
	if (!t->base.count)
		return "only in new";
	if (!t->new.count)
		return "only in base";
	if (t->significant)
		return "SIGNIFICANT";
	if (!t->tested)
		return "too few to test";
	return t->stat_significant ? "too small to matter" : "no change";
}

static const char *signed_dur(int64_t ns, char *buf, size_t len)
{
	char d[24];

	snprintf(buf, len, "%s%s", ns < 0 ? "-" : "+",
		 skbt_fmt_duration(ns < 0 ? -(uint64_t)ns : (uint64_t)ns, d, sizeof(d)));
	return buf;
}

static bool napi_differs(const struct skbt_compare_napi_side *a,
			 const struct skbt_compare_napi_side *b)
{
	return !a->polls != !b->polls || a->max_work != b->max_work ||
	       a->exhausted != b->exhausted || a->budget != b->budget;
}

/* NAPI per device: only the devices whose polling changed in kind (not in poll count) */
static void print_napi(FILE *out, const struct skbt_comparison *c)
{
	bool any = false;

	for (unsigned int i = 0; i < c->nnapi; i++) {
		const struct skbt_compare_napi *n = &c->napi[i];

		if (!napi_differs(&n->base, &n->new))
			continue;
		if (!any)
			fprintf(out, "\nNAPI per device (base -> new):\n  %-16s %21s %21s %15s "
				"%15s\n", "device", "polls", "packets", "max-work", "exhausted");
		any = true;
		fprintf(out, "  %-16s %9" PRIu64 " -> %-9" PRIu64 " %9" PRIu64 " -> %-9" PRIu64
			" %5u -> %-5u %5" PRIu64 " -> %" PRIu64 "\n", n->dev, n->base.polls,
			n->new.polls, n->base.packets, n->new.packets, n->base.max_work,
			n->new.max_work, n->base.exhausted, n->new.exhausted);
	}
}

static bool cpu_worth(const struct skbt_compare_cpu *x)
{
	return x->base.drops || x->new.drops || x->base.softnet_dropped || x->new.softnet_dropped ||
	       x->base.time_squeeze || x->new.time_squeeze || !x->base.polls != !x->new.polls;
}

static const char *softnet(const struct skbt_compare_cpu_side *s, uint64_t v, char *buf,
			   size_t len)
{
	if (!s->has_softnet)
		return "-";
	snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

/* the per-CPU backlog: only CPUs with drops, squeezes, or a backlog on one side only */
static void print_cpus(FILE *out, const struct skbt_comparison *c)
{
	bool any = false;

	for (unsigned int i = 0; i < c->ncpus; i++) {
		const struct skbt_compare_cpu *x = &c->cpus[i];
		char b[4][24];

		if (!cpu_worth(x))
			continue;
		if (!any)
			fprintf(out, "\nBacklog per CPU (base -> new; softnet counters \"-\" when the "
				"file has none):\n  %4s %21s %15s %15s %21s %15s\n", "cpu",
				"backlog packets", "drops", "max-depth", "softnet dropped",
				"time_squeeze");
		any = true;
		fprintf(out, "  %4u %9" PRIu64 " -> %-9" PRIu64 " %5" PRIu64 " -> %-5" PRIu64 " %5"
			PRIu64 " -> %-5" PRIu64 " %9s -> %-9s %5s -> %s\n", x->cpu,
			x->base.packets, x->new.packets, x->base.drops, x->new.drops,
			x->base.max_depth, x->new.max_depth,
			softnet(&x->base, x->base.softnet_dropped, b[0], sizeof(b[0])),
			softnet(&x->new, x->new.softnet_dropped, b[1], sizeof(b[1])),
			softnet(&x->base, x->base.time_squeeze, b[2], sizeof(b[2])),
			softnet(&x->new, x->new.time_squeeze, b[3], sizeof(b[3])));
	}
}

static void print_finding_list(FILE *out, const char *title,
			       const struct skbt_compare_finding *f, unsigned int n)
{
	if (!n)
		return;
	fprintf(out, "\nFindings %s:\n", title);
	for (unsigned int i = 0; i < n; i++)
		fprintf(out, "  [%s] %s %s: %s\n", skbt_fx_severity_name(f[i].f->severity),
			f[i].kind, f[i].subject, f[i].f->text);
}

static void print_findings(FILE *out, const struct skbt_comparison *c)
{
	print_finding_list(out, "that appeared (in new, not in base)", c->appeared, c->nappeared);
	print_finding_list(out, "that went away (in base, not in new)", c->gone, c->ngone);
}

int skbt_report_compare_text(FILE *out, const struct skbt_compare_info *ci,
			     const struct skbt_comparison *c)
{
	unsigned int nstages = 0;

	fprintf(out, "Comparison: %s (%s) -> %s (%s)\n", ci->base_file ? ci->base_file : "",
		ci->base_node && *ci->base_node ? ci->base_node : "node unknown",
		ci->new_file ? ci->new_file : "",
		ci->new_node && *ci->new_node ? ci->new_node : "node unknown");
	fprintf(out, "Significant: Wilcoxon rank-sum p < %g (two-sided, %u+ values a side) and "
		"|p50 change| > max(%s, %g%%)\n", c->o.alpha, SKBT_COMPARE_MIN_COUNT,
		SKBT_DUR(c->o.min_change_ns), c->o.min_change_rel * 100);
	for (unsigned int i = 0; i < c->npaths; i++) {
		const struct skbt_compare_path *p = &c->paths[i];

		fprintf(out, "\nPath %s: %" PRIu64 " -> %" PRIu64 " journeys\n", p->name,
			p->base_journeys, p->new_journeys);
		fprintf(out, "  %-8s %15s %21s %21s %21s %21s %9s  %s\n", "stage", "count",
			"p50", "p90", "p99", "p99.9", "p", "verdict");
		for (unsigned int k = 0; k < p->nstages; k++) {
			const struct skbt_compare_stage *s = &p->stages[k];
			const struct skbt_compare_test *t = &s->t;
			char cnt[40], q[4][48], chg[32];
			const uint64_t b[4] = { t->base.p50_ns, t->base.p90_ns, t->base.p99_ns,
						t->base.p999_ns };
			const uint64_t n[4] = { t->new.p50_ns, t->new.p90_ns, t->new.p99_ns,
						t->new.p999_ns };

			nstages++;
			snprintf(cnt, sizeof(cnt), "%" PRIu64 " -> %" PRIu64, t->base.count,
				 t->new.count);
			for (int j = 0; j < 4; j++)	/* "-": the stage is absent on that side */
				snprintf(q[j], sizeof(q[j]), "%s -> %s",
					 t->base.count ? SKBT_DUR(b[j]) : "-",
					 t->new.count ? SKBT_DUR(n[j]) : "-");
			fprintf(out, "  %-8s %15s %21s %21s %21s %21s %9.2g  %s", s->name, cnt, q[0],
				q[1], q[2], q[3], t->p_value, skbt_compare_verdict(t));
			if (t->base.count && t->new.count)
				fprintf(out, " (p50 %s)", signed_dur(t->p50_change_ns, chg,
								    sizeof(chg)));
			fprintf(out, "\n  %-8s %s -> %s\n", "", s->from, s->to);
		}
	}
	if (c->ndrops)
		fprintf(out, "\nDrops by reason (base -> new):\n");
	for (unsigned int i = 0; i < c->ndrops; i++)
		fprintf(out, "  %-28s %" PRIu64 " -> %" PRIu64 "\n", c->drops[i].reason,
			c->drops[i].base, c->drops[i].new);
	print_napi(out, c);
	print_cpus(out, c);
	print_findings(out, c);
	fprintf(out, "\n%u of %u stages changed significantly\n", c->nsignificant, nstages);
	return ferror(out) ? -EIO : 0;
}
