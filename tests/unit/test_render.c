// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of every renderer on one small model built here: four journeys (three on eth0,
 * one dropped on a device whose name is hostile to every format), their events, statistics
 * and findings.  Each renderer is driven through its public entry point the way the command
 * does (skbt_report_text; the registry's "json" row; the sinks of outputs.h), and each test
 * checks the numbers fed in come out and the hostile name is escaped for that format.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "skbtrail/findings.h"
#include "skbtrail/outputs.h"
#include "skbtrail/registry.h"
#include "skbtrail/report.h"
#include "skbtrail/sink.h"
#include "skbtrail/stats.h"

enum { ETH0 = 1, EVIL };

/* a device name with a formula start, markup, an ampersand and a quote */
#define EVIL_NAME "-v<&\"x"
#define R_NO_SOCKET 2
#define LOC_TCP 0x1000
#define T0 1000000000ULL
#define NJ 4

static const char *t_dev(void *ctx, unsigned int dev)
{
	(void)ctx;
	return dev == ETH0 ? "eth0" : dev == EVIL ? EVIL_NAME : "(none)";
}

static const char *t_reason(void *ctx, uint32_t reason)
{
	(void)ctx;
	return reason == R_NO_SOCKET ? "NO_SOCKET" : NULL;
}

static const char *t_symbol(void *ctx, uint64_t addr)
{
	(void)ctx;
	return addr == LOC_TCP ? "tcp_v4_rcv" : NULL;
}

static const char *t_comm(void *ctx, int pid)
{
	(void)ctx;
	return pid == 42 ? "=cmd" : "<idle>";
}

static const struct skbt_names names = { .dev = t_dev, .reason = t_reason,
					 .symbol = t_symbol, .comm = t_comm };

static const uint64_t gro_ns[3] = { 40, 80, 120 };
static const uint64_t stack_ns[3] = { 5000, 6000, 7000 };
#define EVIL_STACK_NS 3000

struct model {
	struct skbt_journey j[NJ];
	struct skbt_event ev[4 * NJ];
	unsigned int nev;
	struct skbt_stats st;
	struct skbt_findings fx;
	struct skbt_trace_info ti;
	char dir[64];
};

static void add_ev(struct model *m, const struct skbt_hop *h, enum skbt_kind kind)
{
	struct skbt_event *e = &m->ev[m->nev++];

	*e = (struct skbt_event){ .ts = h->ts, .skb = h->skb, .cpu = h->cpu, .kind = kind,
				  .dev = h->dev, .len = h->len, .pid = h->pid,
				  .ctx = SKBT_CTX_SOFTIRQ };
	if (kind == SKBT_EV_KFREE_SKB) {
		e->u.drop.reason = R_NO_SOCKET;
		e->u.drop.location = LOC_TCP;
		e->u.drop.protocol = 0x0800;
	}
}

static struct model *model_new(void)
{
	struct model *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	/* eth0: GRO entry, receive, consume on CPU 0 */
	for (unsigned int i = 0; i < 3; i++) {
		struct skbt_journey *j = &m->j[i];
		uint64_t t = T0 + 10000 * (i + 1), skb = 0xffff888012340000ULL + i * 256;

		*j = (struct skbt_journey){ .id = i + 1, .skb = skb, .end = SKBT_JEND_CONSUMED,
					    .nhops = 3, .nstages = 2, .ndevs = 1 };
		j->devs[0] = ETH0;
		j->hops[0] = (struct skbt_hop){ .ts = t, .skb = skb, .dev = ETH0, .len = 1500,
			.kind = SKBT_EV_NAPI_GRO_RECEIVE_ENTRY, .in_chain = 1, .where = -1 };
		j->hops[1] = (struct skbt_hop){ .ts = t + gro_ns[i], .skb = skb, .dev = ETH0,
			.len = 1500, .kind = SKBT_EV_NETIF_RECEIVE_SKB, .in_chain = 1, .where = -1 };
		j->hops[2] = (struct skbt_hop){ .ts = t + gro_ns[i] + stack_ns[i], .skb = skb,
			.kind = SKBT_EV_CONSUME_SKB, .in_chain = 1, .pid = 42, .where = -1 };
		j->stages[0] = (struct skbt_stage_span){ SKBT_STAGE_GRO, 0, 1, gro_ns[i] };
		j->stages[1] = (struct skbt_stage_span){ SKBT_STAGE_STACK, 1, 2, stack_ns[i] };
	}
	/* the hostile device: receive, then kfree_skb NO_SOCKET at tcp_v4_rcv on CPU 1 */
	{
		struct skbt_journey *j = &m->j[3];
		uint64_t t = T0 + 40000, skb = 0xffff888012350000ULL;

		*j = (struct skbt_journey){ .id = 4, .skb = skb, .end = SKBT_JEND_DROPPED,
					    .nhops = 2, .nstages = 1, .ndevs = 1,
					    .drop_reason = R_NO_SOCKET, .drop_location = LOC_TCP };
		j->devs[0] = EVIL;
		j->hops[0] = (struct skbt_hop){ .ts = t, .skb = skb, .cpu = 1, .dev = EVIL,
			.len = 60, .kind = SKBT_EV_NETIF_RECEIVE_SKB, .in_chain = 1, .where = -1 };
		j->hops[1] = (struct skbt_hop){ .ts = t + EVIL_STACK_NS, .skb = skb, .cpu = 1,
			.kind = SKBT_EV_KFREE_SKB, .in_chain = 1, .aux = R_NO_SOCKET, .where = -1 };
		j->stages[0] = (struct skbt_stage_span){ SKBT_STAGE_STACK, 0, 1, EVIL_STACK_NS };
	}
	for (unsigned int i = 0; i < NJ; i++)
		for (unsigned int h = 0; h < m->j[i].nhops; h++)
			add_ev(m, &m->j[i].hops[h], m->j[i].hops[h].kind);

	m->ti = (struct skbt_trace_info){ .file = "run<1>&\"x.dat", .node = "node-a",
		.version = 7, .compression = "zstd", .buffer = "", .clock = "mono", .ncpus = 2,
		.first_ts = T0 + 10000, .last_ts = T0 + 50000, .overrun_total = -1,
		.events_total = m->nev };
	for (unsigned int i = 0; i < m->nev; i++) {
		m->ti.events[m->ev[i].kind]++;
		m->ti.recorded[m->ev[i].kind] = true;
	}
	m->ti.recorded[SKBT_EV_NETIF_RX] = m->ti.recorded[SKBT_EV_NAPI_POLL] = true;
	m->ti.recorded[SKBT_EV_NET_DEV_QUEUE] = true;

	assert_int_equal(skbt_stats_init(&m->st, NULL, &names, 3), 0);	/* --top 3 */
	assert_int_equal(skbt_findings_init(&m->fx, NULL, &names), 0);
	for (unsigned int i = 0; i < m->nev; i++) {
		assert_int_equal(skbt_stats_add_event(&m->st, &m->ev[i]), 0);
		assert_int_equal(skbt_findings_add_event(&m->fx, &m->ev[i]), 0);
	}
	for (unsigned int i = 0; i < NJ; i++)
		assert_int_equal(skbt_stats_add_journey(&m->st, &m->j[i]), 0);
	skbt_stats_done(&m->st);
	assert_int_equal(skbt_findings_done(&m->fx, &m->ti, &m->st), 0);
	m->ti.fx = &m->fx;

	snprintf(m->dir, sizeof(m->dir), "/tmp/skbt-render-XXXXXX");
	assert_non_null(mkdtemp(m->dir));
	return m;
}

static void model_free(struct model *m)
{
	rmdir(m->dir);
	skbt_findings_release(&m->fx);
	skbt_stats_release(&m->st);
	free(m);
}

/* Drive a sink as the analysis does: events, journeys, polls, then finish. */
static void run_sink(struct model *m, struct skbt_sink *s)
{
	struct skbt_err err = { 0 };
	unsigned int e = 0;

	for (unsigned int i = 0; i < NJ; i++) {
		const struct skbt_journey *j = &m->j[i];

		/* a journey ends after its last event */
		for (; e < m->nev && m->ev[e].ts <= j->hops[j->nhops - 1].ts; e++)
			if (s->on_event)
				assert_int_equal(s->on_event(s->priv, &m->ev[e]), 0);
		if (s->on_journey)
			assert_int_equal(s->on_journey(s->priv, j), 0);
	}
	if (s->on_poll) {
		struct skbt_event poll = { .ts = T0 + 40000, .cpu = 0, .kind = SKBT_EV_NAPI_POLL,
					   .dev = ETH0, .u.napi = { 3, 64 } };

		assert_int_equal(s->on_poll(s->priv, &poll, 3), 0);
	}
	if (s->finish)
		assert_int_equal(s->finish(s->priv, &m->ti, &m->st, &err), 0);
	if (s->destroy)
		s->destroy(s->priv);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	assert_non_null(f);
	do {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
	} while (r);
	buf[n] = 0;
	fclose(f);
	assert_int_equal(unlink(path), 0);
	return buf;
}

static void path_in(const struct model *m, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", m->dir, name);
}

static void assert_has(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("missing \"%s\"", needle);
}

static void assert_lacks(const char *hay, const char *needle)
{
	if (strstr(hay, needle))
		fail_msg("unexpected \"%s\"", needle);
}

/* No report leaks a kernel address unless asked to (the model's are 0xffff8880...). */
static void assert_no_addr(const char *s)
{
	assert_lacks(s, "ffff888");
}

static unsigned int count(const char *hay, const char *needle)
{
	unsigned int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no key %s", key);
	return v;
}

static int64_t get_int(json_object *o, const char *key)
{
	return json_object_get_int64(get(o, key));
}

/* ---- text ---- */

static void test_text(void **state)
{
	struct model *m = model_new();
	struct skbt_report_opts o = { .top = 2, .hist = true };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	assert_int_equal(skbt_report_text(f, &m->ti, &m->st, &o), 0);
	assert_int_equal(fclose(f), 0);
	assert_has(buf, "skbtrail report: run<1>&\"x.dat, node node-a");
	assert_has(buf, "eth0");
	assert_has(buf, EVIL_NAME);
	/* the stage numbers: GRO 40/80/120 ns exact, the stack's max 7 us */
	assert_has(buf, SKBT_DUR(120));
	assert_has(buf, SKBT_DUR(40));
	assert_has(buf, SKBT_DUR(7000));
	assert_has(buf, "NO_SOCKET");
	assert_has(buf, "tcp_v4_rcv");
	/* the findings' drop statement, as the findings wrote it */
	assert_string_equal(m->fx.f[0].id, "drops-1");
	assert_has(buf, m->fx.f[0].text);
	assert_no_addr(buf);
	free(buf);

	/* colour only when asked, and never in the names */
	o.color = true;
	buf = NULL;
	f = open_memstream(&buf, &len);
	assert_int_equal(skbt_report_text(f, &m->ti, &m->st, &o), 0);
	assert_int_equal(fclose(f), 0);
	assert_has(buf, EVIL_NAME);
	free(buf);
	model_free(m);
}

/* ---- JSON, through the registry's row as the command opens it ---- */

static const struct skbt_output *output(const char *name)
{
	for (unsigned int i = 0; i < skbt_noutputs; i++)
		if (!strcmp(skbt_outputs[i].name, name))
			return &skbt_outputs[i];
	fail_msg("no output %s in the registry", name);
	return NULL;
}

static json_object *find_path(json_object *paths, const char *name)
{
	for (size_t i = 0; i < json_object_array_length(paths); i++) {
		json_object *p = json_object_array_get_idx(paths, i);

		if (!strcmp(json_object_get_string(get(p, "name")), name))
			return p;
	}
	fail_msg("no path %s", name);
	return NULL;
}

static json_object *find_stage(json_object *path, const char *name)
{
	json_object *stages = get(path, "stages");

	for (size_t i = 0; i < json_object_array_length(stages); i++) {
		json_object *s = json_object_array_get_idx(stages, i);

		if (!strcmp(json_object_get_string(get(s, "name")), name))
			return s;
	}
	fail_msg("no stage %s", name);
	return NULL;
}

static void test_json(void **state)
{
	struct model *m = model_new();
	struct skbt_report_opts o = { .top = 3 };
	struct skbt_err err = { 0 };
	struct skbt_sink s = { 0 };
	char path[128], *buf;
	json_object *root, *p, *st, *d, *fd;

	(void)state;
	path_in(m, "report.json", path, sizeof(path));
	assert_int_equal(output("json")->open(&(struct skbt_output_args){ .path = path,
		.std = stdout, .ropt = &o }, &s, &err), 0);
	run_sink(m, &s);
	buf = slurp(path);
	root = json_tokener_parse(buf);
	if (!root)
		fail_msg("the JSON report does not parse");
	assert_int_equal(get_int(root, "schema_version"), SKBT_REPORT_SCHEMA_VERSION);
	assert_string_equal(json_object_get_string(get(get(root, "trace"), "file")),
			    "run<1>&\"x.dat");
	assert_int_equal(get_int(get(root, "trace"), "events_total"), m->nev);

	p = find_path(get(root, "paths"), "eth0");
	assert_int_equal(get_int(p, "journeys"), 3);
	st = find_stage(p, "gro");
	assert_int_equal(get_int(st, "count"), 3);
	assert_int_equal(get_int(st, "min_ns"), 40);
	assert_int_equal(get_int(st, "p50_ns"), 80);
	assert_int_equal(get_int(st, "max_ns"), 120);
	st = find_stage(p, "stack");
	assert_int_equal(get_int(st, "count"), 3);
	assert_int_equal(get_int(st, "min_ns"), 5000);
	assert_int_equal(get_int(st, "max_ns"), 7000);
	assert_int_equal(get_int(st, "mean_ns"), 6000);

	p = find_path(get(root, "paths"), EVIL_NAME);	/* parsed back: the quote survived */
	assert_int_equal(get_int(p, "journeys"), 1);
	assert_int_equal(get_int(find_stage(p, "stack"), "max_ns"), EVIL_STACK_NS);

	d = get(root, "drops");
	assert_int_equal(json_object_array_length(d), 1);
	d = json_object_array_get_idx(d, 0);
	assert_string_equal(json_object_get_string(get(d, "reason")), "NO_SOCKET");
	assert_string_equal(json_object_get_string(get(d, "location")), "tcp_v4_rcv");
	assert_string_equal(json_object_get_string(get(d, "dev")), EVIL_NAME);
	assert_string_equal(json_object_get_string(get(d, "stage")), "stack");
	assert_int_equal(get_int(d, "count"), 1);

	fd = json_object_array_get_idx(get(root, "findings"), 0);
	assert_non_null(fd);
	assert_string_equal(json_object_get_string(get(fd, "id")), "drops-1");
	assert_string_equal(json_object_get_string(get(fd, "severity")), "notice");
	assert_int_equal(get_int(get(fd, "evidence"), "count"), 1);

	/* the slowest first: journey 3 (120 ns + 7 us), then 2 */
	d = get(root, "slowest");
	assert_int_equal(json_object_array_length(d), 3);
	assert_int_equal(get_int(json_object_array_get_idx(d, 0), "id"), 3);
	assert_int_equal(get_int(json_object_array_get_idx(d, 0), "duration_ns"), 7120);
	assert_int_equal(get_int(json_object_array_get_idx(d, 1), "id"), 2);

	d = get(root, "cpus");
	assert_int_equal(json_object_array_length(d), 2);
	assert_int_equal(get_int(json_object_array_get_idx(d, 0), "events"), 9);
	assert_int_equal(get_int(json_object_array_get_idx(d, 0), "journeys"), 3);
	assert_int_equal(get_int(json_object_array_get_idx(d, 1), "events"), 2);
	assert_no_addr(buf);
	json_object_put(root);
	free(buf);
	model_free(m);
}

/* ---- JSON Lines and CSV ---- */

static void run_table(struct model *m, enum skbt_table_format fmt, const char *node,
		      char **out)
{
	struct skbt_table_opts o = { .format = fmt, .source = "+file.dat", .node = node };
	struct skbt_err err = { 0 };
	struct skbt_sink s = { 0 };
	char path[128];

	path_in(m, fmt == SKBT_TABLE_CSV ? "j.csv" : "j.jsonl", path, sizeof(path));
	assert_int_equal(skbt_table_sink_new(path, &names, &o, &s, &err), 0);
	run_sink(m, &s);
	*out = slurp(path);
}

static void test_jsonl(void **state)
{
	struct model *m = model_new();
	char *buf, *line, *save = NULL;
	unsigned int n = 0;

	(void)state;
	run_table(m, SKBT_TABLE_JSONL, "node-a", &buf);
	assert_no_addr(buf);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++) {
		json_object *o = json_tokener_parse(line), *hops;
		const struct skbt_journey *j = &m->j[n];

		if (!o)
			fail_msg("line %u does not parse: %s", n + 1, line);
		assert_int_equal(get_int(o, "id"), j->id);
		assert_string_equal(json_object_get_string(get(o, "node")), "node-a");
		assert_string_equal(json_object_get_string(get(o, "file")), "+file.dat");
		/* t_ns counts from the first event */
		assert_int_equal(get_int(o, "t_ns"), j->hops[0].ts - m->ev[0].ts);
		assert_int_equal(get_int(o, "duration_ns"), skbt_journey_duration(j));
		assert_string_equal(json_object_get_string(get(o, "path")),
				    n < 3 ? "eth0" : EVIL_NAME);
		assert_int_equal(get_int(get(o, "stage_ns"), "stack"),
				 n < 3 ? stack_ns[n] : EVIL_STACK_NS);
		hops = get(o, "hops");
		assert_int_equal(json_object_array_length(hops), j->nhops);
		if (n < 3) {
			assert_int_equal(get_int(get(o, "stage_ns"), "gro"), gro_ns[n]);
			assert_string_equal(json_object_get_string(get(o, "end")), "consumed");
			assert_true(json_object_get_type(get(o, "drop_reason")) == json_type_null);
			assert_string_equal(json_object_get_string(
				get(json_object_array_get_idx(hops, 2), "comm")), "=cmd");
		} else {
			assert_string_equal(json_object_get_string(get(o, "end")), "dropped");
			assert_string_equal(json_object_get_string(get(o, "drop_reason")),
					    "NO_SOCKET");
			assert_string_equal(json_object_get_string(get(o, "drop_location")),
					    "tcp_v4_rcv");
			assert_int_equal(get_int(o, "first_cpu"), 1);
		}
		json_object_put(o);
	}
	assert_int_equal(n, NJ);
	free(buf);
	model_free(m);
}

static void test_csv(void **state)
{
	struct model *m = model_new();
	char *buf, *line, *save = NULL, want[256];
	unsigned int n = 0;

	(void)state;
	run_table(m, SKBT_TABLE_CSV, "=node", &buf);
	assert_no_addr(buf);
	line = strtok_r(buf, "\n", &save);
	assert_non_null(line);
	assert_true(!strncmp(line, "node,file,id,t_ns,duration_ns,path,", 35));
	for (line = strtok_r(NULL, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++) {
		const struct skbt_journey *j = &m->j[n];

		/* formula starts neutralised: the node, the file, a device name */
		snprintf(want, sizeof(want), "\"'=node\",\"'+file.dat\",%llu,%llu,%llu,",
			 (unsigned long long)j->id,
			 (unsigned long long)(j->hops[0].ts - m->ev[0].ts),
			 (unsigned long long)skbt_journey_duration(j));
		if (strncmp(line, want, strlen(want)))
			fail_msg("row %u: %s, wanted it to start %s", n + 1, line, want);
		if (n < 3) {
			assert_has(line, ",eth0,,false,consumed,true,");
		} else {
			/* the name as one quoted cell: ' first, the quote doubled */
			assert_has(line, ",\"'-v<&\"\"x\",,false,dropped,true,");
			assert_has(line, ",NO_SOCKET,tcp_v4_rcv,");
			assert_has(line, ",stack:0-1=3000");
		}
		/* every row has the header's 32 cells: 31 commas outside quotes */
		{
			unsigned int commas = 0;
			bool q = false;

			for (const char *p = line; *p; p++) {
				if (*p == '"')
					q = !q;
				else if (*p == ',' && !q)
					commas++;
			}
			assert_int_equal(commas, 31);
		}
	}
	assert_int_equal(n, NJ);
	free(buf);
	model_free(m);
}

/* ---- HTML ---- */

static void test_html(void **state)
{
	struct model *m = model_new();
	struct skbt_err err = { 0 };
	struct skbt_sink s = { 0 };
	char path[128], *buf;

	(void)state;
	path_in(m, "r.html", path, sizeof(path));
	assert_int_equal(skbt_html_sink_new(path, &names, &(struct skbt_html_opts){ 0 }, &s,
					    &err), 0);
	run_sink(m, &s);
	buf = slurp(path);
	assert_true(!strncmp(buf, "<!DOCTYPE html>", 15));
	assert_has(buf, "</html>");
	/* the file name and the device name escaped, never raw */
	assert_has(buf, "<title>skbtrail report: run&lt;1&gt;&amp;&quot;x.dat, node node-a");
	assert_has(buf, "-v&lt;&amp;&quot;x");
	assert_lacks(buf, "run<1>");
	assert_lacks(buf, "v<&");
	/* the summary's numbers and the drop row */
	assert_has(buf, "4 selected of 4; incomplete 0; consumed 3; dropped 1");
	assert_has(buf, "<tr><td class=\"l\">eth0</td><td>3</td><td>0</td><td>0</td>");
	assert_int_equal(count(buf, "<tr class=\"drop\">"), 1);
	assert_has(buf, "<tr class=\"drop\"><td>1</td><td class=\"l\">NO_SOCKET</td>"
		   "<td class=\"l\">tcp_v4_rcv</td><td class=\"l\">-v&lt;&amp;&quot;x</td>"
		   "<td class=\"l\">stack</td></tr>");
	assert_has(buf, "data-id=\"drops-1\"");
	assert_int_equal(count(buf, "<section"), count(buf, "</section>"));
	assert_no_addr(buf);
	free(buf);
	model_free(m);
}

/* ---- Perfetto ---- */

static void test_perfetto(void **state)
{
	struct model *m = model_new();
	struct skbt_err err = { 0 };
	struct skbt_sink s = { 0 };
	char path[128], *buf;
	json_object *root, *other, *evs;
	unsigned int stage_slices = 0, journey_ids = 0;

	(void)state;
	path_in(m, "p.json", path, sizeof(path));
	assert_int_equal(skbt_perfetto_sink_new(path, &names, &(struct skbt_perfetto_opts){ 0 },
						&s, &err), 0);
	run_sink(m, &s);
	buf = slurp(path);
	root = json_tokener_parse(buf);
	if (!root)
		fail_msg("the Perfetto file does not parse");
	other = get(root, "otherData");
	assert_string_equal(json_object_get_string(get(other, "file")), "run<1>&\"x.dat");
	assert_int_equal(get_int(other, "journeys"), NJ);
	assert_int_equal(get_int(other, "journeys_written"), NJ);
	evs = get(root, "traceEvents");
	for (size_t i = 0; i < json_object_array_length(evs); i++) {
		json_object *e = json_object_array_get_idx(evs, i), *v, *args;
		const char *name;
		int64_t jid;

		if (!json_object_object_get_ex(e, "cat", &v) ||
		    strcmp(json_object_get_string(v), "journey") ||
		    strcmp(json_object_get_string(get(e, "ph")), "X"))
			continue;
		args = get(e, "args");
		jid = get_int(args, "journey");
		assert_true(jid >= 1 && jid <= NJ);
		name = json_object_get_string(get(e, "name"));
		/* a stage slice lasts its stage: dur in us */
		if (!strncmp(name, "stack ", 6)) {
			double want = (jid <= 3 ? stack_ns[jid - 1] : EVIL_STACK_NS) / 1000.0;

			assert_true(json_object_get_double(get(e, "dur")) == want);
			stage_slices++;
		} else if (!strncmp(name, "gro ", 4)) {
			assert_true(json_object_get_double(get(e, "dur")) ==
				    gro_ns[jid - 1] / 1000.0);
			stage_slices++;
		}
		if (jid == 4) {
			assert_string_equal(json_object_get_string(get(args, "path")), EVIL_NAME);
			assert_string_equal(json_object_get_string(get(args, "end")), "dropped");
			journey_ids++;
		}
	}
	assert_int_equal(stage_slices, 3 * 2 + 1);
	assert_int_equal(journey_ids, 1);
	assert_has(buf, "napi_poll eth0");
	assert_no_addr(buf);
	json_object_put(root);
	free(buf);
	model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_jsonl),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_perfetto),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
