// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * report-jsonl: one line per selected journey, as JSON Lines or CSV, so that reports of many
 * nodes load straight into DuckDB, ClickHouse or Spark: every row names its node and its file.
 * Columns: docs/outputs.md.
 * Lines are written as journeys end (not in id order); memory is one line.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "skbtrail/outputs.h"

struct table {
	FILE *f;
	struct skbt_names names;
	struct skbt_table_opts o;
	char *source, *node;
	bool have_t0;
	uint64_t t0;		/* first event of the trace: t_ns counts from it */
	uint64_t rows;
};

static const char *const csv_cols[] = {
	"node", "file", "id", "t_ns", "duration_ns", "path", "origin", "tx_only", "end", "complete",
	"hops_truncated", "linked", "link_conf", "cpu_changes", "cpus", "first_cpu", "last_cpu",
	"devs", "nhops", "nstages", "gro_ns", "rps_ns", "forward_ns", "backlog_ns", "xmit_ns",
	"stack_ns", "upcall_ns", "socket_ns", "drop_reason", "drop_location", "hops", "stages",
};

static const char *dev_name(const struct table *t, unsigned int dev)
{
	const char *s = t->names.dev ? t->names.dev(t->names.ctx, dev) : NULL;

	return s ? s : "";
}

static const char *comm(const struct table *t, int pid)
{
	const char *s = t->names.comm ? t->names.comm(t->names.ctx, pid) : NULL;

	return s ? s : "";
}

/* CSV field: RFC 4180 and formula neutralisation, outputs.c */
static void csv_str(FILE *f, const char *s)
{
	skbt_out_csv_str(f, s);
}

static void path_name(const struct table *t, const struct skbt_journey *j, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
	if (j->flags & SKBT_JF_TX_ONLY)
		n += snprintf(buf, len, "tx:");
	for (unsigned int i = 0; i < j->ndevs && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%s", i ? ">" : "", dev_name(t, j->devs[i]));
}

static unsigned int cpu_changes(const struct skbt_journey *j)
{
	unsigned int n = 0;

	for (unsigned int i = 1; i < j->nhops; i++)
		n += j->hops[i].cpu != j->hops[i - 1].cpu;
	return n;
}

/* Distinct CPUs in the order visited, "0;1" (CSV) or "0,1" (inside a JSON array). */
static void cpu_list(const struct skbt_journey *j, char sep, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
	for (unsigned int i = 0; i < j->nhops && n < len; i++) {
		bool seen = false;

		for (unsigned int k = 0; k < i && !seen; k++)
			seen = j->hops[k].cpu == j->hops[i].cpu;
		if (!seen)
			n += snprintf(buf + n, len - n, "%s%u", n ? (char[2]){ sep, 0 } : "",
				      j->hops[i].cpu);
	}
}

/* Sum of each stage's spans in this journey; false if the stage does not occur. */
static bool stage_sum(const struct skbt_journey *j, unsigned int stage, uint64_t *ns)
{
	bool any = false;

	*ns = 0;
	for (unsigned int k = 0; k < j->nstages; k++) {
		if (j->stages[k].stage == stage) {
			*ns += j->stages[k].ns;
			any = true;
		}
	}
	return any;
}

static const char *drop_reason(const struct table *t, const struct skbt_journey *j, char *buf,
			       size_t len)
{
	const char *r;

	if (j->end != SKBT_JEND_DROPPED)
		return "";
	r = t->names.reason ? t->names.reason(t->names.ctx, j->drop_reason) : NULL;
	if (r)
		return r;
	snprintf(buf, len, "%u", j->drop_reason);
	return buf;
}

static const char *drop_location(const struct table *t, const struct skbt_journey *j, char *buf,
				 size_t len)
{
	const char *s;

	if (j->end != SKBT_JEND_DROPPED || !j->drop_location)
		return "";
	s = t->names.symbol ? t->names.symbol(t->names.ctx, j->drop_location) : NULL;
	if (s)
		return s;
	if (!t->o.show_addrs)
		return "";
	snprintf(buf, len, "0x%" PRIx64, j->drop_location);
	return buf;
}

static bool hop_has_dev(const struct skbt_hop *h)
{
	return skbt_kind_has_dev(h->kind);
}

static void write_csv(struct table *t, const struct skbt_journey *j)
{
	FILE *f = t->f;
	char path[512], cpus[128], rb[32], lb[32];
	uint64_t first = j->nhops ? j->hops[0].ts : 0;

	path_name(t, j, path, sizeof(path));
	cpu_list(j, ';', cpus, sizeof(cpus));
	csv_str(f, t->node);
	fputc(',', f);
	csv_str(f, t->source);
	fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",", j->id, first - t->t0,
		skbt_journey_duration(j));
	csv_str(f, path);
	fputc(',', f);
	csv_str(f, j->origin_dev ? dev_name(t, j->origin_dev) : "");
	fprintf(f, ",%s,%s,%s,%s,%s,%s,%u,%s,%u,%u,",
		j->flags & SKBT_JF_TX_ONLY ? "true" : "false", skbt_jend_name(j->end),
		j->flags & SKBT_JF_INCOMPLETE ? "false" : "true",
		j->flags & SKBT_JF_HOPS_TRUNCATED ? "true" : "false",
		j->flags & SKBT_JF_LINKED ? "true" : "false",
		j->flags & SKBT_JF_LINKED ? skbt_link_conf_name(j->link_conf) : "",
		cpu_changes(j), cpus, j->nhops ? j->hops[0].cpu : 0,
		j->nhops ? j->hops[j->nhops - 1].cpu : 0);
	{	/* one cell: the names joined with ';', then quoted as a whole if needed */
		char devs[SKBT_MAX_PATH_DEVS * 64];
		size_t n = 0;

		devs[0] = 0;
		for (unsigned int i = 0; i < j->ndevs && n < sizeof(devs); i++)
			n += snprintf(devs + n, sizeof(devs) - n, "%s%s", i ? ";" : "",
				      dev_name(t, j->devs[i]));
		csv_str(f, devs);
	}
	fprintf(f, ",%u,%u", j->nhops, j->nstages);
	for (unsigned int s = 0; s < SKBT_STAGE__COUNT; s++) {
		uint64_t ns;

		if (stage_sum(j, s, &ns))
			fprintf(f, ",%" PRIu64, ns);
		else
			fputc(',', f);
	}
	fputc(',', f);
	csv_str(f, drop_reason(t, j, rb, sizeof(rb)));
	fputc(',', f);
	csv_str(f, drop_location(t, j, lb, sizeof(lb)));
	/* hops: "event@dev/cpu+ns;..." with ns since the journey's first hop */
	fputc(',', f);
	{
		char hops[SKBT_MAX_HOPS * 80];
		size_t n = 0;

		hops[0] = 0;
		for (unsigned int i = 0; i < j->nhops && n < sizeof(hops); i++) {
			const struct skbt_hop *h = &j->hops[i];

			n += snprintf(hops + n, sizeof(hops) - n, "%s%s%s%s/%u+%" PRIu64,
				      i ? ";" : "", skbt_kind_short(h->kind), hop_has_dev(h) ? "@" : "",
				      hop_has_dev(h) ? dev_name(t, h->dev) : "", h->cpu, h->ts - first);
		}
		csv_str(f, hops);
	}
	/* stages: "stage:from-to=ns;..." (hop indexes) */
	fputc(',', f);
	for (unsigned int k = 0; k < j->nstages; k++)
		fprintf(f, "%s%s:%u-%u=%" PRIu64, k ? ";" : "", skbt_stage_name(j->stages[k].stage),
			j->stages[k].from, j->stages[k].to, j->stages[k].ns);
	fputc('\n', f);
}

static void json_kv_str(FILE *f, const char *key, const char *v, bool comma)
{
	fprintf(f, "%s\"%s\":\"", comma ? "," : "", key);
	skbt_out_json_str(f, v);
	fputc('"', f);
}

static void write_jsonl(struct table *t, const struct skbt_journey *j)
{
	FILE *f = t->f;
	char path[512], cpus[128], rb[32], lb[32];
	uint64_t first = j->nhops ? j->hops[0].ts : 0;

	path_name(t, j, path, sizeof(path));
	cpu_list(j, ',', cpus, sizeof(cpus));
	fputc('{', f);
	json_kv_str(f, "node", t->node, false);
	json_kv_str(f, "file", t->source, true);
	fprintf(f, ",\"id\":%" PRIu64 ",\"t_ns\":%" PRIu64 ",\"duration_ns\":%" PRIu64, j->id,
		first - t->t0, skbt_journey_duration(j));
	json_kv_str(f, "path", path, true);
	if (j->origin_dev)
		json_kv_str(f, "origin", dev_name(t, j->origin_dev), true);
	else
		fprintf(f, ",\"origin\":null");
	fprintf(f, ",\"tx_only\":%s,\"end\":\"%s\",\"complete\":%s,\"hops_truncated\":%s,"
		"\"linked\":%s", j->flags & SKBT_JF_TX_ONLY ? "true" : "false",
		skbt_jend_name(j->end), j->flags & SKBT_JF_INCOMPLETE ? "false" : "true",
		j->flags & SKBT_JF_HOPS_TRUNCATED ? "true" : "false",
		j->flags & SKBT_JF_LINKED ? "true" : "false");
	if (j->flags & SKBT_JF_LINKED)
		fprintf(f, ",\"link_conf\":\"%s\"", skbt_link_conf_name(j->link_conf));
	else
		fprintf(f, ",\"link_conf\":null");
	fprintf(f, ",\"cpu_changes\":%u,\"cpus\":[%s],\"first_cpu\":%u,\"last_cpu\":%u,\"devs\":[",
		cpu_changes(j), cpus, j->nhops ? j->hops[0].cpu : 0,
		j->nhops ? j->hops[j->nhops - 1].cpu : 0);
	for (unsigned int i = 0; i < j->ndevs; i++) {
		fprintf(f, "%s\"", i ? "," : "");
		skbt_out_json_str(f, dev_name(t, j->devs[i]));
		fputc('"', f);
	}
	fprintf(f, "],\"nhops\":%u,\"nstages\":%u,\"stage_ns\":{", j->nhops, j->nstages);
	for (unsigned int s = 0, n = 0; s < SKBT_STAGE__COUNT; s++) {
		uint64_t ns;

		if (stage_sum(j, s, &ns))
			fprintf(f, "%s\"%s\":%" PRIu64, n++ ? "," : "", skbt_stage_name(s), ns);
	}
	fputc('}', f);
	if (j->end == SKBT_JEND_DROPPED) {
		json_kv_str(f, "drop_reason", drop_reason(t, j, rb, sizeof(rb)), true);
		json_kv_str(f, "drop_location", drop_location(t, j, lb, sizeof(lb)), true);
	} else {
		fprintf(f, ",\"drop_reason\":null,\"drop_location\":null");
	}
	if (t->o.show_addrs)
		fprintf(f, ",\"skb\":\"0x%" PRIx64 "\"", j->skb);
	fprintf(f, ",\"hops\":[");
	for (unsigned int i = 0; i < j->nhops; i++) {
		const struct skbt_hop *h = &j->hops[i];

		fprintf(f, "%s{\"t_ns\":%" PRIu64 ",\"cpu\":%u,\"event\":\"%s\"", i ? "," : "",
			h->ts - first, h->cpu, skbt_kind_short(h->kind));
		if (hop_has_dev(h))
			json_kv_str(f, "dev", dev_name(t, h->dev), true);
		else
			fprintf(f, ",\"dev\":null");
		fprintf(f, ",\"len\":%u", h->len);
		json_kv_str(f, "comm", comm(t, h->pid), true);
		if (t->o.show_addrs)
			fprintf(f, ",\"skb\":\"0x%" PRIx64 "\"", h->skb);
		fputc('}', f);
	}
	fprintf(f, "],\"stages\":[");
	for (unsigned int k = 0; k < j->nstages; k++) {
		const struct skbt_stage_span *s = &j->stages[k];

		fprintf(f, "%s{\"stage\":\"%s\",\"from_hop\":%u,\"to_hop\":%u,\"ns\":%" PRIu64 "}",
			k ? "," : "", skbt_stage_name(s->stage), s->from, s->to, s->ns);
	}
	fprintf(f, "]}\n");
}

static int table_event(void *priv, const struct skbt_event *ev)
{
	struct table *t = priv;

	if (!t->have_t0) {
		t->have_t0 = true;
		t->t0 = ev->ts;
	}
	return 0;
}

static int table_journey(void *priv, const struct skbt_journey *j)
{
	struct table *t = priv;

	if (t->o.format == SKBT_TABLE_CSV)
		write_csv(t, j);
	else
		write_jsonl(t, j);
	t->rows++;
	return ferror(t->f) ? -EIO : 0;
}

static int table_finish(void *priv, const struct skbt_trace_info *ti, const struct skbt_stats *st,
			struct skbt_err *err)
{
	struct table *t = priv;
	int ret = fflush(t->f) || ferror(t->f) ? -errno : 0;

	if (fclose(t->f) && !ret)
		ret = -errno;
	t->f = NULL;
	if (ret)
		return skbt_err_set(err, ret < 0 ? ret : -EIO, "writing the journeys: %s",
				    strerror(ret < 0 ? -ret : EIO));
	return 0;
}

static void table_destroy(void *priv)
{
	struct table *t = priv;

	if (!t)
		return;
	if (t->f)
		fclose(t->f);
	free(t->source);
	free(t->node);
	free(t);
}

int skbt_table_sink_new(const char *path, const struct skbt_names *names,
			const struct skbt_table_opts *o, struct skbt_sink *out,
			struct skbt_err *err)
{
	struct table *t = calloc(1, sizeof(*t));
	int ret;

	if (!t)
		return skbt_err_set(err, -ENOMEM, "out of memory");
	t->names = *names;
	t->o = *o;
	t->source = strdup(o->source ? o->source : "");
	t->node = strdup(o->node ? o->node : "");
	if (!t->source || !t->node) {
		ret = skbt_err_set(err, -ENOMEM, "out of memory");
		goto fail;
	}
	t->o.source = t->source;
	t->o.node = t->node;
	t->f = fopen(path, o->append ? "a" : "w");
	if (!t->f) {
		ret = skbt_err_set(err, -errno, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (o->format == SKBT_TABLE_CSV && !o->append) {
		for (unsigned int i = 0; i < SKBT_ARRAY_SIZE(csv_cols); i++)
			fprintf(t->f, "%s%s", i ? "," : "", csv_cols[i]);
		fputc('\n', t->f);
	}
	*out = (struct skbt_sink){
		.name = o->format == SKBT_TABLE_CSV ? "csv" : "journeys",
		.priv = t,
		.on_event = table_event,
		.on_journey = table_journey,
		.finish = table_finish,
		.destroy = table_destroy,
	};
	return 0;
fail:
	table_destroy(t);
	return ret;
}
