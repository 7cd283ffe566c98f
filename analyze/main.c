// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * skbtrail-analyze: read a trace.dat file (from skbtrail-record or trace-cmd record), rebuild
 * every skb's journey through the receive path and report where the time went.
 *
 * The command layer: options, wiring of the pipeline
 *   tracefile -> events -> journeys -> stats -> report writers,
 * messages and exit codes.  No root, no tracefs.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "skbtrail/common.h"
#include "skbtrail/context.h"
#include "skbtrail/event.h"
#include "skbtrail/flow.h"
#include "skbtrail/pcap.h"
#include "skbtrail/pcapng.h"
#include "skbtrail/redact.h"
#include "skbtrail/findings.h"
#include "skbtrail/journey.h"
#include "skbtrail/outputs.h"
#include "skbtrail/report.h"
#include "skbtrail/sink.h"
#include "skbtrail/stats.h"
#include "skbtrail/tracefile.h"

static const char *prog = "skbtrail-analyze";

/*
 * Every message to standard error: what it quotes may come from the file (an event or buffer
 * name, a device) or from the command line, so it goes through the escaping policy too.
 */
__attribute__((format(printf, 1, 2)))
static void say(const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))	/* cut: still one line */
		n = snprintf(buf + sizeof(buf) - 5, 5, "...\n") + (int)sizeof(buf) - 5;
	skbt_out_text(stderr, buf, (size_t)n, false);
}

static void usage(FILE *out)
{
	fprintf(out,
"Usage: %s [OPTIONS] FILE\n"
"Rebuild each packet's journey through the Linux receive path from a trace.dat FILE\n"
"(skbtrail-record or trace-cmd record, v6 or v7) and report each stage's latency.\n"
"\n"
"Output:\n"
"  --json FILE         write the JSON report to FILE ('-' = stdout, then no text report)\n"
"  -q, --quiet         no text report\n"
"  --top N             list the N slowest journeys (default 10, 0 = none)\n"
"  --no-hist           no log2 histograms in the text report\n"
"  --show-addrs        show kernel skb addresses (hidden by default: reports get attached\n"
"                      to tickets)\n"
"  --redact-devs       name devices dev1, dev2, ... (by first appearance; lo stays) in\n"
"                      every output\n"
"  --redact-ips        replace IP addresses by 198.18.0.1, ... and 2001:db8::1, ... (by\n"
"                      first appearance) in the flows, journeys and pcapng\n"
"  --perfetto FILE     Chrome trace-event JSON for ui.perfetto.dev / chrome://tracing\n"
"  --perfetto-limit N  at most N journeys in it (default 20000): the slowest half, a\n"
"                      sample of the rest\n"
"  --html FILE         one self-contained HTML page (summary, findings, charts)\n"
"  --journeys FILE     one JSON line per selected journey (JSON Lines)\n"
"  --csv FILE          the same as CSV with a header line\n"
"Selection (always of whole journeys, never of single events):\n"
"  --dev DEV[,DEV...]  journeys that visited (or came from) one of these devices\n"
"  --path PATH         journeys on this path, e.g. eth0>br-int\n"
"  --cpu N             journeys with a hop on CPU N\n"
"  --from T, --to T    journeys starting in this window (time since the first event:\n"
"                      1.5s, 200ms, ...)\n"
"  --min-latency D     journeys slower than D (e.g. 500us), or whose --stage took D\n"
"  --stage NAME        with --min-latency and --top: gro rps forward backlog xmit stack upcall\n"
"                      (also ranks the per-flow table; default: the whole journey)\n"
"  --filter EXPR       journeys whose captured headers match this pcap-filter expression\n"
"                      (needs a trace recorded with skbtrail-record --pcap)\n"
"Flows:\n"
"  --flows N           list the N slowest flows by p99 (default 10, 0 = none)\n"
"  --pcapng FILE       write the selected journeys' captured headers as pcapng, each\n"
"                      packet commented with its journey id, path and stage latencies\n"
"Input:\n"
"  --buffer NAME       read this instance of the file (default: the one with the events)\n"
"  --without EVENTS    analyze as if these events (system:name or system:*, comma-separated)\n"
"                      had not been recorded: what a smaller event set would have shown\n"
"  --context           print the node context stored by skbtrail-record (counters,\n"
"                      tunables, devices) and exit; with --json - as JSON\n"
"  -h, --help, -V, --version\n"
"\n"
"Exit status: 0 report written (it says when it is incomplete), 1 runtime failure,\n"
"2 usage error, 3 FILE is not a usable trace file.\n", prog);
}

/*
 * Every numeric option: decimal digits only (no sign, no blank, not empty), within
 * [@min, @max].  0 or -1 (the message printed).
 */
static int parse_count(const char *opt, const char *s, unsigned long min, unsigned long max,
		       unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = *s >= '0' && *s <= '9' ? strtoul(s, &end, 10) : 0;
	if (*s < '0' || *s > '9' || *end || errno || v < min || v > max) {
		say("%s: --%s: not a number in %lu..%lu: '%s'\n", prog, opt, min, max,
			s);
		return -1;
	}
	*out = v;
	return 0;
}

/*
 * No output may be the input, nor two outputs one file: compared by device and inode (so
 * symlinks and hard links count), and for files not there yet by their resolved directory
 * and name.  Checked before anything is opened for writing.  0 or -1 (message printed).
 */
struct out_path {
	const char *opt, *path;
};

static bool same_new_file(const char *a, const char *b)
{
	char *ca = strdup(a), *cb = strdup(b), *da = NULL, *db = NULL;
	bool same = false;

	if (ca && cb) {
		char *sa = strrchr(ca, '/'), *sb = strrchr(cb, '/');

		da = realpath(sa ? (sa == ca ? "/" : (*sa = 0, ca)) : ".", NULL);
		db = realpath(sb ? (sb == cb ? "/" : (*sb = 0, cb)) : ".", NULL);
		same = da && db && !strcmp(da, db) &&
		       !strcmp(sa ? sa + 1 : ca, sb ? sb + 1 : cb);
	}
	free(ca);
	free(cb);
	free(da);
	free(db);
	return same;
}

static int check_out_paths(const char *file, const struct out_path *o, unsigned int n)
{
	struct stat in, a, b, so;
	bool have_in = !stat(file, &in);

	if (have_in && !fstat(STDOUT_FILENO, &so) && S_ISREG(so.st_mode) &&
	    so.st_dev == in.st_dev && so.st_ino == in.st_ino) {
		say("%s: %s: standard output is the input file\n", prog, file);
		return -1;
	}
	for (unsigned int i = 0; i < n; i++) {
		bool ea;

		if (!o[i].path || !strcmp(o[i].path, "-"))
			continue;
		ea = !stat(o[i].path, &a);
		if (have_in && ea && a.st_dev == in.st_dev && a.st_ino == in.st_ino) {
			say("%s: --%s %s: is the input file %s; refusing to overwrite "
				"it\n", prog, o[i].opt, o[i].path, file);
			return -1;
		}
		for (unsigned int k = 0; k < i; k++) {
			if (!o[k].path || !strcmp(o[k].path, "-"))
				continue;
			bool same = ea && !stat(o[k].path, &b) ?
				    a.st_dev == b.st_dev && a.st_ino == b.st_ino :
				    same_new_file(o[i].path, o[k].path);

			if (same) {
				say("%s: --%s %s and --%s %s name the same file\n", prog,
					o[k].opt, o[k].path, o[i].opt, o[i].path);
				return -1;
			}
		}
	}
	return 0;
}

/* "1.5ms", "200us", "3s", "42ns", "42" (ns) -> ns; -1 on error */
static int64_t parse_duration(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	double mul = 1;

	if (end == s || v < 0 || !isfinite(v))
		return -1;
	if (!*end || !strcmp(end, "ns"))
		mul = 1;
	else if (!strcmp(end, "us"))
		mul = 1e3;
	else if (!strcmp(end, "ms"))
		mul = 1e6;
	else if (!strcmp(end, "s"))
		mul = 1e9;
	else
		return -1;
	if (v * mul > 9e18)
		return -1;
	return (int64_t)(v * mul + 0.5);
}

static const char *name_dev(void *ctx, unsigned int dev)
{
	return skbt_events_dev_name(ctx, dev);
}

static const char *name_reason(void *ctx, uint32_t reason)
{
	return skbt_events_drop_reason(ctx, reason);
}

static const char *name_symbol(void *ctx, uint64_t addr)
{
	return skbt_events_symbol(ctx, addr);
}

static const char *name_comm(void *ctx, int pid)
{
	return skbt_events_comm(ctx, pid);
}

/*
 * --redact-devs: devices are named dev1, dev2, ... in the order they first appear in the
 * event stream, so the same trace always gets the same aliases; loopback keeps its name.
 * Selections (--dev, --path) still match the real names: the aliases replace them only in
 * what is written.
 */
struct dev_aliases {
	struct skbt_events *ev;
	char (*name)[16];	/* by device id; "" = not seen yet */
	unsigned int n, next;
	/* devices known only by name (capture interfaces, the node context), after those */
	struct { char *real; char alias[16]; } *by_name;
	unsigned int nby_name;
};

static int alias_note(struct dev_aliases *a, unsigned int dev)
{
	if (dev == SKBT_DEV_NONE)
		return 0;
	if (dev >= a->n) {
		unsigned int n = dev + 64;
		char (*p)[16] = realloc(a->name, n * sizeof(*p));

		if (!p)
			return -ENOMEM;
		memset(p + a->n, 0, (n - a->n) * sizeof(*p));
		a->name = p;
		a->n = n;
	}
	if (!a->name[dev][0]) {
		if (!strcmp(skbt_events_dev_name(a->ev, dev), "lo"))
			strcpy(a->name[dev], "lo");
		else
			snprintf(a->name[dev], sizeof(a->name[dev]), "dev%u", ++a->next);
	}
	return 0;
}

static const char *name_dev_alias(void *ctx, unsigned int dev)
{
	struct dev_aliases *a = ctx;

	if (dev == SKBT_DEV_NONE)
		return skbt_events_dev_name(a->ev, dev);
	if (alias_note(a, dev))
		return "dev?";
	return a->name[dev];
}

/* A name no event carried: the alias of the traced device of that name, or the next one */
static const char *name_iface_alias(void *ctx, const char *name)
{
	struct dev_aliases *a = ctx;
	void *p;

	if (!strcmp(name, "lo") || !strcmp(name, "any"))
		return name;
	for (unsigned int d = 0; d < a->n; d++)
		if (a->name[d][0] && !strcmp(skbt_events_dev_name(a->ev, d), name))
			return a->name[d];
	for (unsigned int i = 0; i < a->nby_name; i++)
		if (!strcmp(a->by_name[i].real, name))
			return a->by_name[i].alias;
	p = realloc(a->by_name, (a->nby_name + 1) * sizeof(*a->by_name));
	if (!p)
		return "dev?";
	a->by_name = p;
	if (!(a->by_name[a->nby_name].real = strdup(name)))
		return "dev?";
	snprintf(a->by_name[a->nby_name].alias, sizeof(a->by_name[0].alias), "dev%u", ++a->next);
	return a->by_name[a->nby_name++].alias;
}

/*
 * --context --redact-devs: the aliases the report of the same file would use, so the events
 * are read once for the order the devices appear in (a file without usable events: the
 * context's own order).  -ENOMEM.
 */
static int aliases_of_file(struct dev_aliases *a, struct skbt_tracefile *tf, const char *buffer,
			   struct skbt_events **ev)
{
	struct skbt_err err = { 0 };
	struct skbt_event e;

	if (skbt_events_open(tf, buffer, ev, &err))
		return 0;
	a->ev = *ev;
	while (skbt_events_next(*ev, &e, &err) > 0)
		if (alias_note(a, e.dev))
			return -ENOMEM;
	return 0;
}

static const char *name_reason_alias(void *ctx, uint32_t reason)
{
	return skbt_events_drop_reason(((struct dev_aliases *)ctx)->ev, reason);
}

static const char *name_symbol_alias(void *ctx, uint64_t addr)
{
	return skbt_events_symbol(((struct dev_aliases *)ctx)->ev, addr);
}

static const char *name_comm_alias(void *ctx, int pid)
{
	return skbt_events_comm(((struct dev_aliases *)ctx)->ev, pid);
}

/*
 * Progress on stderr while a long analysis runs, only when stderr is a terminal: bytes read
 * of the file, events per second, time left.  Quiet for the first second, then at most four
 * times a second; progress_end() erases the line.
 */
struct progress {
	bool on, shown;
	struct timespec start, last;
};

static double since(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) + (b->tv_nsec - a->tv_nsec) / 1e9;
}

static void progress_show(struct progress *pg, struct skbt_tracefile *tf, uint64_t events)
{
	uint64_t done = skbt_tracefile_bytes_read(tf), size = skbt_tracefile_size(tf);
	struct timespec now;
	double el, frac;

	clock_gettime(CLOCK_MONOTONIC, &now);
	el = since(&pg->start, &now);
	if (el < 1 || since(&pg->last, &now) < 0.25)
		return;
	pg->last = now;
	pg->shown = true;
	frac = size ? (double)(done > size ? size : done) / size : 0;
	fprintf(stderr, "\r%s: %.0f of %.0f MB (%.0f%%), %.2f M events/s", prog, done / 1e6,
		size / 1e6, frac * 100, events / el / 1e6);
	if (frac > 0.01)
		fprintf(stderr, ", ETA %.0fs", el / frac - el);
	fprintf(stderr, "\033[K");
}

static void progress_end(struct progress *pg)
{
	if (pg->shown)
		fprintf(stderr, "\r\033[K");
	pg->shown = false;
}

/*
 * The text report and --context go to a terminal: they are rendered into memory, then written
 * through the escaping policy (outputs.c), so nothing from the file (device and comm names,
 * symbols, context text, the file name) reaches the terminal as a control sequence.
 */
struct text_out {
	FILE *m;
	char *buf;
	size_t len;
};

static FILE *text_begin(struct text_out *t)
{
	*t = (struct text_out){ 0 };
	t->m = open_memstream(&t->buf, &t->len);
	return t->m;
}

/* @ret: the renderer's result; 0 or a negative errno */
static int text_end(struct text_out *t, int ret, bool color)
{
	if (fclose(t->m) && !ret)
		ret = -ENOMEM;
	if (!ret && skbt_out_text(stdout, t->buf, t->len, color))
		ret = -EIO;
	free(t->buf);
	return ret;
}

#define MAX_SINKS 8

struct run {
	struct skbt_stats st;
	int err;
	const char *err_sink;		/* sink that failed, NULL: the statistics */
	unsigned int nsinks;
	struct skbt_sink sinks[MAX_SINKS];
	struct skbt_pcap *pc;		/* captured headers of the file, or NULL */
	struct skbt_flows *flows;
	struct skbt_ipmap *ipmap;	/* --redact-ips, or NULL */
};

/* What the file says of Open vSwitch beyond the events: for the upcall linker. */
struct ovs_hints {
	struct skbt_events *ev;
	struct skbt_ovs_port *ports;	/* from the node context */
	unsigned int nports;
};

static enum skbt_ovs_role hint_dev_ovs(unsigned int dev, void *arg)
{
	const struct ovs_hints *h = arg;
	const char *name = skbt_events_dev_name(h->ev, dev);

	if (!h->nports)
		return SKBT_OVS_UNKNOWN;
	for (unsigned int i = 0; i < h->nports; i++)
		if (!strcmp(h->ports[i].name, name))
			return h->ports[i].internal ? SKBT_OVS_INTERNAL : SKBT_OVS_PORT;
	return SKBT_OVS_NONE;
}

static bool hint_ovs_thread(int pid, void *arg)
{
	const struct ovs_hints *h = arg;
	const char *comm = skbt_events_comm(h->ev, pid);

	return comm && skbt_ovs_thread_comm(comm, strlen(comm));
}

static int comm_is_ovs(int pid, const char *comm, size_t len, void *arg)
{
	return skbt_ovs_thread_comm(comm, len);
}

/* Does OVS run on the recorded node?  Its events, its datapaths, or its threads say so. */
static bool ovs_node(struct skbt_tracefile *tf, struct skbt_events *ev,
		     const struct ovs_hints *h)
{
	return skbt_events_has(ev, SKBT_EV_OVS_DP_UPCALL) ||
	       skbt_events_has(ev, SKBT_EV_OVS_DO_EXECUTE_ACTION) || h->nports ||
	       skbt_tracefile_foreach_comm(tf, comm_is_ovs, NULL) > 0;
}

static void fail(struct run *r, int ret, const char *sink)
{
	if (ret && !r->err) {
		r->err = ret;
		r->err_sink = sink;
	}
}

static void on_journey(const struct skbt_journey *j, void *arg)
{
	struct run *r = arg;
	struct skbt_journey withflow;

	if (r->pc) {	/* the captured packet's 5-tuple, before any selection looks at it */
		withflow = *j;
		skbt_pcap_attach(r->pc, &withflow);
		/* before anything sees it: every output shows the aliases */
		if (r->ipmap)
			fail(r, skbt_ipmap_key(r->ipmap, &withflow.flow), NULL);
		j = &withflow;
	}

	fail(r, skbt_stats_add_journey(&r->st, j), NULL);
	if (!skbt_stats_selects(&r->st, j))
		return;
	for (unsigned int i = 0; i < r->nsinks; i++)
		if (r->sinks[i].on_journey)
			fail(r, r->sinks[i].on_journey(r->sinks[i].priv, j), r->sinks[i].name);
}

static void on_orphan_drop(const struct skbt_event *ev, void *arg)
{
	struct run *r = arg;

	fail(r, skbt_stats_add_orphan_drop(&r->st, ev), NULL);
}

static void on_poll(const struct skbt_event *ev, uint32_t traced, void *arg)
{
	struct run *r = arg;

	fail(r, skbt_stats_add_poll(&r->st, ev, traced), NULL);
	for (unsigned int i = 0; i < r->nsinks; i++)
		if (r->sinks[i].on_poll)
			fail(r, r->sinks[i].on_poll(r->sinks[i].priv, ev, traced), r->sinks[i].name);
}

/* Each event goes to the statistics, the sinks, then the journey builder. */
static int feed(struct run *r, struct skbt_journeys *jb, const struct skbt_event *e)
{
	int ret = skbt_stats_add_event(&r->st, e);

	if (ret)
		return ret;
	for (unsigned int i = 0; i < r->nsinks; i++) {
		if (!r->sinks[i].on_event)
			continue;
		ret = r->sinks[i].on_event(r->sinks[i].priv, e);
		if (ret) {
			fail(r, ret, r->sinks[i].name);
			return ret;
		}
	}
	if (r->pc && e->kind == SKBT_EV_NETIF_RECEIVE_SKB) {
		ret = skbt_pcap_on_event(r->pc, e, r->st.names.dev(r->st.names.ctx, e->dev));
		if (ret)
			return ret;
	}
	return skbt_journeys_feed(jb, e);
}

static bool select_pcap(void *ctx, const struct skbt_journey *j)
{
	return skbt_pcap_filter_match(ctx, j);
}

/* Sum of "overrun: N" over the CPUSTAT texts of @buf; -1 if the file has none. */
static int64_t file_overrun(struct skbt_tracefile *tf, int buf, int ncpus)
{
	int64_t total = -1;

	for (int c = 0; c < ncpus; c++) {
		const char *s = skbt_tracefile_cpustat(tf, buf, c);
		const char *o = s ? strstr(s, "overrun:") : NULL;

		if (!o)
			continue;
		if (total < 0)
			total = 0;
		total += strtoll(o + 8, NULL, 10);
	}
	return total;
}

static int buffer_index(struct skbt_tracefile *tf, const char *name)
{
	for (int i = 0; i < skbt_tracefile_nbuffers(tf); i++)
		if (!strcmp(skbt_tracefile_buffer_name(tf, i), name))
			return i;
	return -1;
}

enum {
	OPT_JSON = 256, OPT_TOP, OPT_NO_HIST, OPT_SHOW_ADDRS, OPT_DEV, OPT_PATH, OPT_CPU,
	OPT_FROM, OPT_TO, OPT_MIN_LAT, OPT_STAGE, OPT_BUFFER, OPT_WITHOUT,
	OPT_FILTER, OPT_FLOWS, OPT_PCAPNG,
	OPT_PERFETTO, OPT_PERFETTO_LIMIT, OPT_HTML, OPT_JOURNEYS, OPT_CSV, OPT_REDACT_DEVS,
	OPT_CONTEXT, OPT_COMPLETE, OPT_REDACT_IPS,
};
#define SHORTOPTS "qhV"

/*
 * --version (@what NULL) or --complete WHAT: "options" (every option but this one), "events"
 * (the events it knows, for --without) or "stages" (the --stage names), one per line.
 */
static int print_info(const char *what, const struct option *opts)
{
	struct skbt_sbuf sb = { 0 };
	int status = SKBT_EXIT_OK;

	if (!what) {
		skbt_version_text(&sb, prog, SKBT_LIB_TRACEEVENT | SKBT_LIB_PCAP | SKBT_LIB_JSONC |
					     SKBT_LIB_ZSTD);
	} else if (!strcmp(what, "options")) {
		skbt_options_text(&sb, opts, SHORTOPTS, "complete");
	} else if (!strcmp(what, "events")) {
		for (int k = 0; k < SKBT_EV_LOST; k++)
			skbt_sbuf_printf(&sb, "%s\n", skbt_kind_name(k));
	} else if (!strcmp(what, "stages")) {
		for (int i = 0; i < SKBT_STAGE__COUNT; i++)
			skbt_sbuf_printf(&sb, "%s\n", skbt_stage_name(i));
	} else {
		say("%s: bad --complete '%s' (options, events or stages)\n", prog, what);
		return SKBT_EXIT_USAGE;
	}
	if (sb.failed)
		status = SKBT_EXIT_FAIL;
	else if (sb.p)
		fputs(sb.p, stdout);
	free(sb.p);
	return status;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", required_argument, NULL, OPT_JSON },
		{ "quiet", no_argument, NULL, 'q' },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "no-hist", no_argument, NULL, OPT_NO_HIST },
		{ "show-addrs", no_argument, NULL, OPT_SHOW_ADDRS },
		{ "dev", required_argument, NULL, OPT_DEV },
		{ "path", required_argument, NULL, OPT_PATH },
		{ "cpu", required_argument, NULL, OPT_CPU },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "to", required_argument, NULL, OPT_TO },
		{ "min-latency", required_argument, NULL, OPT_MIN_LAT },
		{ "stage", required_argument, NULL, OPT_STAGE },
		{ "buffer", required_argument, NULL, OPT_BUFFER },
		{ "without", required_argument, NULL, OPT_WITHOUT },
		{ "filter", required_argument, NULL, OPT_FILTER },
		{ "flows", required_argument, NULL, OPT_FLOWS },
		{ "pcapng", required_argument, NULL, OPT_PCAPNG },
		{ "context", no_argument, NULL, OPT_CONTEXT },
		{ "perfetto", required_argument, NULL, OPT_PERFETTO },
		{ "perfetto-limit", required_argument, NULL, OPT_PERFETTO_LIMIT },
		{ "html", required_argument, NULL, OPT_HTML },
		{ "journeys", required_argument, NULL, OPT_JOURNEYS },
		{ "csv", required_argument, NULL, OPT_CSV },
		{ "redact-devs", no_argument, NULL, OPT_REDACT_DEVS },
		{ "redact-ips", no_argument, NULL, OPT_REDACT_IPS },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		/* hidden, for completion/skbtrail.bash: options, events, stages */
		{ "complete", required_argument, NULL, OPT_COMPLETE },
		{ NULL, 0, NULL, 0 },
	};
	struct skbt_report_opts ropt = { .top = 10, .hist = true, .flows = 10 };
	struct skbt_filter filter = { .cpu = -1, .stage = -1 };
	struct skbt_journeys_config jcfg = { 0 };
	struct ovs_hints hints = { 0 };
	struct skbt_trace_info ti = { 0 };
	struct skbt_tracefile *tf = NULL;
	struct skbt_events *ev = NULL;
	struct skbt_journeys *jb = NULL;
	struct skbt_err err = { 0 };
	struct skbt_event e;
	struct run run = { 0 };
	const char *pcap_filter = NULL, *pcapng_path = NULL;
	struct skbt_pcap_summary capsum = { 0 };
	char warn_pcap[600];
	struct skbt_context nctx = { 0 };
	struct skbt_findings fx = { 0 };
	bool context_only = false, fx_ready = false;
	const char *json_path = NULL, *buffer = NULL, *without = NULL, *file;
	char *devlist = NULL;
	const char *devs[64];
	int64_t from_rel = -1, to_rel = -1;
	bool quiet = false, stats_ready = false, have_first = false;
	int status = SKBT_EXIT_FAIL, c, ret;
	char warn_buf[2][600];
	const char *perfetto_path = NULL, *html_path = NULL, *jsonl_path = NULL, *csv_path = NULL;
	struct skbt_perfetto_opts pfopt = { 0 };
	struct dev_aliases aliases = { 0 };
	struct skbt_names out_names;
	bool redact_devs = false, redact_ips = false;
	struct progress progress = { .on = isatty(STDERR_FILENO) };
	uint64_t nevents = 0;
	const char *no_color = getenv("NO_COLOR");

	while ((c = getopt_long(argc, argv, SHORTOPTS, opts, NULL)) != -1) {
		unsigned long num;
		int64_t d;

		switch (c) {
		case OPT_JSON:
			json_path = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case OPT_TOP:
			if (parse_count("top", optarg, 0, 100000, &num))
				return SKBT_EXIT_USAGE;
			ropt.top = num;
			break;
		case OPT_NO_HIST:
			ropt.hist = false;
			break;
		case OPT_SHOW_ADDRS:
			ropt.show_addrs = true;
			break;
		case OPT_DEV:
			free(devlist);
			devlist = strdup(optarg);
			if (!devlist)
				return SKBT_EXIT_FAIL;
			filter.ndevs = 0;
			for (char *t = strtok(devlist, ","); t; t = strtok(NULL, ","))
				if (filter.ndevs < SKBT_ARRAY_SIZE(devs))
					devs[filter.ndevs++] = t;
			filter.devs = devs;
			break;
		case OPT_PATH:
			filter.path = optarg;
			break;
		case OPT_CPU:
			if (parse_count("cpu", optarg, 0, 65535, &num))
				return SKBT_EXIT_USAGE;
			filter.cpu = num;
			break;
		case OPT_FROM:
		case OPT_TO:
		case OPT_MIN_LAT:
			d = parse_duration(optarg);
			if (d < 0) {
				say("%s: %s: not a duration (e.g. 250us, 1.5ms, 2s): %s\n",
					prog, c == OPT_FROM ? "--from" : c == OPT_TO ? "--to" :
					"--min-latency", optarg);
				return SKBT_EXIT_USAGE;
			}
			if (c == OPT_FROM)
				from_rel = d;
			else if (c == OPT_TO)
				to_rel = d;
			else
				filter.min_latency_ns = d ? d : 1;
			break;
		case OPT_STAGE:
			filter.stage = skbt_stage_from_name(optarg);
			if (filter.stage < 0) {
				say("%s: --stage: unknown stage '%s' (gro rps forward backlog "
					"xmit stack upcall)\n", prog, optarg);
				return SKBT_EXIT_USAGE;
			}
			break;
		case OPT_BUFFER:
			buffer = optarg;
			break;
		case OPT_WITHOUT:
			without = optarg;
			break;
		case OPT_FILTER:
			pcap_filter = optarg;
			break;
		case OPT_PCAPNG:
			pcapng_path = optarg;
			break;
		case OPT_FLOWS:
			if (parse_count("flows", optarg, 0, 100000, &num))
				return SKBT_EXIT_USAGE;
			ropt.flows = num;
			break;
		case OPT_CONTEXT:
			context_only = true;
			break;
		case OPT_PERFETTO:
			perfetto_path = optarg;
			break;
		case OPT_PERFETTO_LIMIT:
			if (parse_count("perfetto-limit", optarg, 1, 10000000, &num))
				return SKBT_EXIT_USAGE;
			pfopt.limit = num;
			break;
		case OPT_HTML:
			html_path = optarg;
			break;
		case OPT_JOURNEYS:
			jsonl_path = optarg;
			break;
		case OPT_CSV:
			csv_path = optarg;
			break;
		case OPT_REDACT_DEVS:
			redact_devs = true;
			break;
		case OPT_REDACT_IPS:
			redact_ips = true;
			break;
		case 'h':
			usage(stdout);
			return SKBT_EXIT_OK;
		case 'V':
		case OPT_COMPLETE:
			return print_info(c == 'V' ? NULL : optarg, opts);
		default:
			usage(stderr);
			return SKBT_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		say("%s: expected one trace file (see --help)\n", prog);
		return SKBT_EXIT_USAGE;
	}
	file = argv[optind];
	if (check_out_paths(file, (const struct out_path[]){
		{ "json", json_path }, { "perfetto", perfetto_path }, { "html", html_path },
		{ "journeys", jsonl_path }, { "csv", csv_path }, { "pcapng", pcapng_path } }, 6))
		return SKBT_EXIT_USAGE;
	/* a filter that does not compile is a usage error, with pcap's own words */
	if (pcap_filter && skbt_pcap_filter_check(pcap_filter, &err)) {
		say("%s: --filter: %s\n", prog, err.msg);
		return SKBT_EXIT_USAGE;
	}
	/* colour only on a terminal, never with NO_COLOR set (https://no-color.org) */
	ropt.color = isatty(STDOUT_FILENO) && !(no_color && *no_color);
	if (json_path && !strcmp(json_path, "-"))
		quiet = true;

	ret = skbt_tracefile_open(file, &tf, &err);
	if (ret) {
		say("%s: %s: %s\n", prog, file, err.msg[0] ? err.msg : strerror(-ret));
		status = ret == -EINVAL || ret == -EBADMSG || ret == -EPROTONOSUPPORT ||
			ret == -ENOMSG || ret == -ENODATA ? SKBT_EXIT_BADFILE : SKBT_EXIT_FAIL;
		goto cleanup;
	}
	if (skbt_context_load(tf, &nctx))
		goto oom;
	if (context_only) {
		struct skbt_names cn = { .iface = name_iface_alias, .ctx = &aliases };
		const struct skbt_names *shown = redact_devs ? &cn : NULL;
		struct text_out t;

		if (redact_devs && aliases_of_file(&aliases, tf, buffer, &ev))
			goto oom;
		if (json_path)
			ret = skbt_context_print_json(stdout, basename(file), &nctx, shown);
		else if (!text_begin(&t))
			ret = -ENOMEM;
		else
			ret = text_end(&t, skbt_context_print_text(t.m, basename(file), &nctx,
								  shown), false);
		if (ret || fflush(stdout))
			say("%s: writing the context: %s\n", prog, strerror(EIO));
		else
			status = SKBT_EXIT_OK;
		goto cleanup;
	}
	ret = skbt_events_open(tf, buffer, &ev, &err);
	if (ret) {
		say("%s: %s: %s\n", prog, file, err.msg[0] ? err.msg : strerror(-ret));
		status = ret == -ENOMEM ? SKBT_EXIT_FAIL : SKBT_EXIT_BADFILE;
		goto cleanup;
	}
	if (without && skbt_events_without(ev, without, &err)) {
		say("%s: --without: %s\n", prog, err.msg);
		status = SKBT_EXIT_USAGE;
		goto cleanup;
	}

	ret = skbt_pcap_open(tf, &run.pc, &err);
	if (!ret && run.pc) {
		ret = skbt_pcap_prepare(run.pc, skbt_events_clock(ev), &err);
		if (ret == -ENOTSUP) {	/* no alignment: nothing to match, said in the report */
			snprintf(warn_pcap, sizeof(warn_pcap), "captured headers not matched to "
				 "events: %s", err.msg);
			ret = 0;
		}
	}
	if (ret) {
		say("%s: %s: %s\n", prog, file, err.msg[0] ? err.msg : strerror(-ret));
		status = ret == -ENOMEM ? SKBT_EXIT_FAIL : SKBT_EXIT_BADFILE;
		goto cleanup;
	}
	if ((pcap_filter || pcapng_path) && !run.pc) {
		say("%s: %s: %s needs captured packet headers and this trace has none "
			"(record it with skbtrail-record --pcap)\n", prog, file,
			pcap_filter ? "--filter" : "--pcapng");
		status = SKBT_EXIT_USAGE;
		goto cleanup;
	}
	if (pcap_filter) {
		ret = skbt_pcap_filter_set(run.pc, pcap_filter, &err);
		if (ret) {
			say("%s: --filter: %s\n", prog, err.msg);
			status = ret == -EINVAL ? SKBT_EXIT_USAGE : SKBT_EXIT_FAIL;
			goto cleanup;
		}
		filter.select = select_pcap;
		filter.select_ctx = run.pc;
	}
	ret = skbt_stats_init(&run.st, &filter, &(struct skbt_names){
		.dev = name_dev, .reason = name_reason, .symbol = name_symbol,
		.comm = name_comm, .ctx = ev }, ropt.top);
	if (ret)
		goto oom;
	stats_ready = true;
	if (skbt_flows_new(filter.stage, &run.flows))
		goto oom;
	if (redact_ips && skbt_ipmap_new(&run.ipmap))
		goto oom;
	run.st.flows = run.flows;
	if (skbt_findings_init(&fx, &nctx, &run.st.names))
		goto oom;
	fx_ready = true;
	aliases.ev = ev;
	out_names = redact_devs ? (struct skbt_names){ .dev = name_dev_alias,
		.reason = name_reason_alias, .symbol = name_symbol_alias, .comm = name_comm_alias,
		.iface = name_iface_alias, .ctx = &aliases } : run.st.names;
	pfopt.show_addrs = ropt.show_addrs;
	if (perfetto_path)
		ret = skbt_perfetto_sink_new(perfetto_path, &out_names, &pfopt,
					     &run.sinks[run.nsinks++], &err);
	if (!ret && html_path)
		ret = skbt_html_sink_new(html_path, &out_names, &(struct skbt_html_opts){
			.show_addrs = ropt.show_addrs }, &run.sinks[run.nsinks++], &err);
	if (!ret && jsonl_path)
		ret = skbt_table_sink_new(jsonl_path, &out_names, &(struct skbt_table_opts){
			.format = SKBT_TABLE_JSONL, .source = basename(file),
			.show_addrs = ropt.show_addrs }, &run.sinks[run.nsinks++], &err);
	if (!ret && csv_path)
		ret = skbt_table_sink_new(csv_path, &out_names, &(struct skbt_table_opts){
			.format = SKBT_TABLE_CSV, .source = basename(file),
			.show_addrs = ropt.show_addrs }, &run.sinks[run.nsinks++], &err);
	if (ret) {
		run.nsinks--;	/* the failed constructor left nothing to destroy */
		say("%s: %s\n", prog, err.msg[0] ? err.msg : strerror(-ret));
		goto cleanup;
	}
	if (pcapng_path) {
		ret = skbt_pcapng_sink(pcapng_path, run.pc, &out_names, run.ipmap,
				       &run.sinks[run.nsinks], &err);
		if (ret) {
			say("%s: --pcapng: %s\n", prog, err.msg);
			goto cleanup;
		}
		run.nsinks++;
	}
	hints.ev = ev;
	if (skbt_context_ovs_ports(&nctx, &hints.ports, &hints.nports))
		goto oom;
	jcfg.have_upcall_events = skbt_events_has(ev, SKBT_EV_OVS_DP_UPCALL);
	jcfg.have_queue_events = skbt_events_has(ev, SKBT_EV_NET_DEV_QUEUE);
	jcfg.have_xmit_events = skbt_events_has(ev, SKBT_EV_NET_DEV_XMIT);
	jcfg.have_poll_events = skbt_events_has(ev, SKBT_EV_NAPI_POLL);
	jcfg.ovs_node = ovs_node(tf, ev, &hints);
	jcfg.dev_ovs = hint_dev_ovs;
	jcfg.ovs_thread = hint_ovs_thread;
	jcfg.hint_arg = &hints;
	ret = skbt_journeys_new(&jcfg, &(struct skbt_journeys_cb){
		.journey = on_journey, .orphan_drop = on_orphan_drop, .poll = on_poll,
		.arg = &run }, &jb);
	if (ret)
		goto oom;

	clock_gettime(CLOCK_MONOTONIC, &progress.start);
	for (;;) {
		if (progress.on && !(++nevents & 0xffff))
			progress_show(&progress, tf, nevents);
		ret = skbt_events_next(ev, &e, &err);
		if (ret <= 0)
			break;
		if (!have_first) {
			have_first = true;
			ti.first_ts = e.ts;
			if (from_rel >= 0)
				run.st.filter.from_ns = e.ts + from_rel;
			if (to_rel >= 0)
				run.st.filter.to_ns = e.ts + to_rel;
		}
		ti.last_ts = e.ts;
		if (redact_devs && alias_note(&aliases, e.dev))
			goto oom;
		if (e.kind == SKBT_EV_LOST) {
			if (e.u.lost.count == UINT64_MAX)
				ti.lost_unknown = true;
			else
				ti.lost_events += e.u.lost.count;
		}
		if (feed(&run, jb, &e) || run.err)
			goto failed;
		if (skbt_findings_add_event(&fx, &e))
			goto oom;
	}
	progress_end(&progress);
	if (ret < 0) {
		/* the data ends in the middle: report what came before, marked incomplete */
		say("%s: %s: %s; the report covers the events before it\n", prog, file,
			err.msg[0] ? err.msg : strerror(-ret));
		snprintf(warn_buf[0], sizeof(warn_buf[0]), "reading stopped early: %s", err.msg);
		ti.warnings[ti.nwarnings++] = warn_buf[0];
		ti.truncated = true;
	}
	skbt_journeys_finish(jb);
	if (run.err)
		goto failed;
	skbt_stats_done(&run.st);
	run.st.names = out_names;	/* selections matched real names; outputs show these */

	ti.file = basename(file);	/* never the directory: reports get attached to tickets */
	ti.version = skbt_tracefile_version(tf);
	ti.compression = skbt_tracefile_compression(tf);
	ti.buffer = skbt_events_buffer(ev);
	ti.clock = skbt_events_clock(ev);
	ti.ncpus = skbt_events_ncpus(ev);
	for (int k = 0; k < SKBT_EV__COUNT; k++) {
		ti.events[k] = skbt_events_count(ev, k);
		ti.recorded[k] = skbt_events_has(ev, k);
		ti.events_total += k == SKBT_EV_LOST ? 0 : ti.events[k];
	}
	ti.lost_markers = ti.events[SKBT_EV_LOST];
	ti.truncated = ti.truncated || skbt_tracefile_truncated(tf);
	ti.backwards = skbt_events_backwards(ev);
	ti.jc = skbt_journeys_counters(jb);
	capsum.filter = pcap_filter;
	capsum.selected = run.st.journeys_selected;
	skbt_pcap_summarize(run.pc, &capsum);
	ti.capture = &capsum;
	if (run.pc && !capsum.aligned && ti.nwarnings < SKBT_MAX_WARNINGS)
		ti.warnings[ti.nwarnings++] = warn_pcap;
	{
		int bi = buffer_index(tf, ti.buffer);

		ti.overrun_total = bi >= 0 ? file_overrun(tf, bi, ti.ncpus) : -1;
	}
	if (skbt_findings_done(&fx, &ti, &run.st))
		goto oom;
	ti.fx = &fx;
	if (!strcmp(ti.clock, "local") && ti.ncpus > 1 && ti.nwarnings < SKBT_MAX_WARNINGS)
		ti.warnings[ti.nwarnings++] = "trace clock 'local' is per CPU: stages that change "
			"CPU may be off by the clocks' skew (record with mono or global)";
	if (ti.backwards && ti.nwarnings < SKBT_MAX_WARNINGS) {
		snprintf(warn_buf[1], sizeof(warn_buf[1]), "%" PRIu64 " events had timestamps going "
			 "backwards on their CPU (taken as the previous timestamp)", ti.backwards);
		ti.warnings[ti.nwarnings++] = warn_buf[1];
	}

	if (!quiet) {
		struct text_out t;

		ret = text_begin(&t) ? text_end(&t, skbt_report_text(t.m, &ti, &run.st, &ropt),
						ropt.color) : -ENOMEM;
		if (ret) {
			say("%s: writing the report: %s\n", prog, strerror(-ret));
			goto cleanup;
		}
	}
	if (json_path) {
		FILE *out = strcmp(json_path, "-") ? fopen(json_path, "w") : stdout;

		if (!out) {
			say("%s: %s: %s\n", prog, json_path, strerror(errno));
			goto cleanup;
		}
		ret = skbt_report_json(out, &ti, &run.st, &ropt);
		if (out != stdout && fclose(out))
			ret = -errno;
		if (ret) {
			say("%s: %s: writing the JSON report: %s\n", prog, json_path,
				strerror(-ret));
			goto cleanup;
		}
	}
	if (fflush(stdout)) {
		say("%s: writing the report: %s\n", prog, strerror(errno));
		goto cleanup;
	}
	for (unsigned int i = 0; i < run.nsinks; i++) {
		struct skbt_sink *sk = &run.sinks[i];

		if (!sk->finish)
			continue;
		err.msg[0] = 0;
		ret = sk->finish(sk->priv, &ti, &run.st, &err);
		if (ret) {
			say("%s: %s: %s\n", prog, sk->name,
				err.msg[0] ? err.msg : strerror(-ret));
			goto cleanup;
		}
	}
	status = SKBT_EXIT_OK;
	goto cleanup;
failed:
	progress_end(&progress);
	if (!run.err)
		run.err = -ENOMEM;
	say("%s: %s: %s%s%s\n", prog, file, run.err_sink ? run.err_sink : "",
		run.err_sink ? ": " : "", strerror(-run.err));
	goto cleanup;
oom:
	say("%s: %s: out of memory\n", prog, file);
cleanup:
	for (unsigned int i = 0; i < run.nsinks; i++)
		if (run.sinks[i].destroy)
			run.sinks[i].destroy(run.sinks[i].priv);
	skbt_journeys_free(jb);
	free(hints.ports);
	skbt_flows_free(run.flows);
	skbt_ipmap_free(run.ipmap);
	skbt_pcap_free(run.pc);
	if (stats_ready)
		skbt_stats_release(&run.st);
	skbt_events_close(ev);
	if (fx_ready)
		skbt_findings_release(&fx);
	skbt_context_release(&nctx);
	skbt_tracefile_close(tf);
	free(devlist);
	free(aliases.name);
	for (unsigned int i = 0; i < aliases.nby_name; i++)
		free(aliases.by_name[i].real);
	free(aliases.by_name);
	return status;
}
