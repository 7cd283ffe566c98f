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
#include <limits.h>
#include <malloc.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "skbtrail/analysis.h"
#include "skbtrail/common.h"
#include "skbtrail/compare.h"
#include "skbtrail/context.h"
#include "skbtrail/event.h"
#include "skbtrail/journey.h"
#include "skbtrail/merge.h"
#include "skbtrail/pcap.h"
#include "skbtrail/registry.h"
#include "skbtrail/report.h"
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
		say("%s: --%s: not a number in %lu..%lu: '%s'\n", prog, opt, min, max, s);
		return -1;
	}
	*out = v;
	return 0;
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

static void usage(FILE *out)
{
	fprintf(out,
"Usage: %s [OPTIONS] FILE [FILE...]\n"
"       %s --compare [--map OLD=NEW ...] [--json FILE] [--html FILE] BASE NEW\n"
"Rebuild each packet's journey through the Linux receive path from a trace.dat FILE\n"
"(skbtrail-record or trace-cmd record, v6 or v7) and report each stage's latency.\n"
"Several FILEs: each file's report, then their statistics merged by name (--json: one\n"
"document; --journeys/--csv: one table); not with --html, --perfetto, --pcapng, --context,\n"
"--redact-devs, --redact-ips.\n"
"\n"
"Output:\n"
"  -q, --quiet         no text report\n"
"  --top N             list the N slowest journeys (default 10, 0 = none)\n"
"  --no-hist           no log2 histograms in the text report\n"
"  --show-addrs        show kernel skb addresses (hidden by default: reports get attached\n"
"                      to tickets)\n"
"  --redact-devs       name devices dev1, dev2, ... (by first appearance; lo stays) in\n"
"                      every output\n"
"  --redact-ips        replace IP addresses by 198.18.0.1, ... and 2001:db8::1, ... (by\n"
"                      first appearance) in the flows, journeys and pcapng\n"
"  --node NAME         call the node NAME in every output instead of the host name the\n"
"                      file stores (to hide it in a report attached to a ticket)\n"
"  --perfetto-limit N  at most N journeys in --perfetto (default 20000): the slowest half,\n"
"                      a sample of the rest\n"
"  --flows N           list the N slowest flows by p99 (default 10, 0 = none)\n"
"Output files (each FILE must differ from the trace file and from the others):\n", prog, prog);
	for (unsigned int i = 0; i < skbt_noutputs; i++) {
		const struct skbt_output *o = &skbt_outputs[i];
		const char *h = o->help;
		int w = fprintf(out, "  --%s FILE", o->name);

		/* the help text in the second column, its lines aligned */
		while (*h) {
			size_t n = strcspn(h, "\n");

			fprintf(out, "%*s%.*s\n", w < 22 ? 22 - w : 1, "", (int)n, h);
			w = 0;
			h += n + (h[n] == '\n');
		}
	}
	fprintf(out,
"Selection (always of whole journeys, never of single events):\n"
"  --dev DEV[,DEV...]  journeys that visited (or came from) one of these devices\n"
"  --path PATH         journeys on this path, e.g. eth0>br-int\n"
"  --cpu N             journeys with a hop on CPU N\n"
"  --from T, --to T    journeys starting in this window (time since the first event:\n"
"                      1.5s, 200ms, ...)\n"
"  --min-latency D     journeys slower than D (e.g. 500us), or whose --stage took D\n"
"  --stage NAME        with --min-latency and --top: gro rps forward backlog xmit stack upcall\n"
"                      socket\n"
"                      (also ranks the per-flow table; default: the whole journey)\n"
"  --filter EXPR       journeys whose captured headers match this pcap-filter expression\n"
"                      (needs a trace recorded with skbtrail-record --pcap)\n"
"Input:\n"
"  --buffer NAME       read this instance of the file (default: the one with the events)\n"
"  --without EVENTS    analyze as if these events (system:name or system:*, comma-separated)\n"
"                      had not been recorded: what a smaller event set would have shown\n"
"  --context           print the node context stored by skbtrail-record (counters,\n"
"                      tunables, devices) and exit; with --json - as JSON\n"
"  -h, --help, -V, --version\n"
"\n"
"Exit status: 0 report written (it says when it is incomplete), 1 runtime failure,\n"
"2 usage error, 3 FILE is not a usable trace file.\n"
"Comparison:\n"
"  --compare BASE NEW  per path and stage, counts and p50/p90/p99/p99.9 of two traces side\n"
"                      by side, each change tested (Wilcoxon rank-sum, alpha 0.01) and\n"
"                      weighed (p50 moved more than 1 us and 10%%); drops by reason,\n"
"                      NAPI and the backlog, findings that appeared or went away.\n"
"                      Text on stdout; --json FILE: the comparison document\n"
"                      (docs/compare-schema.json); --html FILE: a page with the changed\n"
"                      stages' histograms overlaid. Selections apply to both.\n"
"  --map OLD=NEW       BASE's device OLD is NEW's device NEW (repeatable)\n");
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

static void progress_show(void *arg, const struct skbt_tracefile *tf, uint64_t events)
{
	struct progress *pg = arg;
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
	say("\r%s: %.0f of %.0f MB (%.0f%%), %.2f M events/s", prog, done / 1e6,
		size / 1e6, frac * 100, events / el / 1e6);
	if (frac > 0.01)
		say(", ETA %.0fs", el / frac - el);
	say("\033[K");
}

static void progress_end(struct progress *pg)
{
	if (pg->shown)
		say("\r\033[K");
	pg->shown = false;
}

enum {
	OPT_TOP = 256, OPT_NO_HIST, OPT_SHOW_ADDRS, OPT_DEV, OPT_PATH, OPT_CPU,
	OPT_FROM, OPT_TO, OPT_MIN_LAT, OPT_STAGE, OPT_BUFFER, OPT_WITHOUT,
	OPT_FILTER, OPT_FLOWS, OPT_PERFETTO_LIMIT, OPT_REDACT_DEVS,
	OPT_CONTEXT, OPT_COMPLETE, OPT_NODE, OPT_COMPARE, OPT_MAP, OPT_REDACT_IPS,
	OPT_OUTPUT = 512,	/* + index in skbt_outputs[] */
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

/*
 * No output may overwrite the trace or another output: a path naming the same file as the
 * input (the same name, a symlink or a hard link: same device and inode) or as an earlier
 * output is a usage error, found before anything is written.
 */
/* @p as an absolute name without symlinks, also when the file does not exist yet. */
static void canonical(const char *p, char *out, size_t len)
{
	char dir[PATH_MAX], *slash, *r;

	r = realpath(p, NULL);
	if (r) {
		snprintf(out, len, "%s", r);
		free(r);
		return;
	}
	snprintf(dir, sizeof(dir), "%s", p);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	r = realpath(slash ? (dir[0] ? dir : "/") : ".", NULL);
	snprintf(out, len, "%s/%s", r ? r : dir, slash ? slash + 1 : p);
	free(r);
}

static bool same_file(const char *p, const struct stat *st_p, bool have_p, const char *q)
{
	char cp[PATH_MAX + 256], cq[PATH_MAX + 256];
	struct stat st_q;

	if (have_p && stat(q, &st_q) == 0)
		return st_p->st_dev == st_q.st_dev && st_p->st_ino == st_q.st_ino;
	canonical(p, cp, sizeof(cp));
	canonical(q, cq, sizeof(cq));
	return !strcmp(cp, cq);
}

/* --compare --json/--html FILE must not be either trace. */
static int check_out_paths_2(const char *opt, const char *out, const char *base,
			     const char *new)
{
	struct stat st;
	bool have = stat(out, &st) == 0;

	if (same_file(out, &st, have, base) || same_file(out, &st, have, new)) {
		say("%s: --%s %s: that is one of the trace files; nothing written\n",
			prog, opt, out);
		return -EINVAL;
	}
	return 0;
}

static int check_out_paths(const char *input, const char *const *out_path)
{
	struct stat in, so;

	/* "skbtrail-analyze t.dat >>t.dat" would write the report into the trace */
	if (!stat(input, &in) && !fstat(STDOUT_FILENO, &so) && S_ISREG(so.st_mode) &&
	    so.st_dev == in.st_dev && so.st_ino == in.st_ino) {
		say("%s: %s: standard output is the trace file itself; nothing written\n", prog,
		    input);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < skbt_noutputs; i++) {
		const char *p = out_path[i];
		struct stat st;
		bool have;

		if (!p || !strcmp(p, "-"))
			continue;
		have = stat(p, &st) == 0;
		if (same_file(p, &st, have, input)) {
			say("%s: --%s %s: that is the trace file itself; nothing written\n",
				prog, skbt_outputs[i].name, p);
			return -EINVAL;
		}
		for (unsigned int k = 0; k < i; k++) {
			if (out_path[k] && strcmp(out_path[k], "-") &&
			    same_file(p, &st, have, out_path[k])) {
				say("%s: --%s %s: the same file as --%s %s\n", prog,
					skbt_outputs[i].name, p, skbt_outputs[k].name, out_path[k]);
				return -EINVAL;
			}
		}
	}
	return 0;
}

static int exit_of(enum skbt_analysis_fail kind)
{
	return kind == SKBT_ANALYSIS_FAIL_USAGE ? SKBT_EXIT_USAGE :
	       kind == SKBT_ANALYSIS_FAIL_BADFILE ? SKBT_EXIT_BADFILE : SKBT_EXIT_FAIL;
}

/* Write one rendering of the comparison to @path ("-": stdout).  0 or a negative errno. */
static int compare_write(const char *path, int (*render)(FILE *, const struct skbt_compare_info *,
							 const struct skbt_comparison *),
			 const struct skbt_compare_info *ci, const struct skbt_comparison *c)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;
	int ret;

	if (!f)
		return -errno;
	ret = render(f, ci, c);
	if (f != stdout && fclose(f) && !ret)
		ret = -errno;
	return ret;
}

/*
 * --compare BASE NEW: two analyses with the same selections, then the comparison of their
 * statistics (skbtrail/compare.h) as text on stdout, or the JSON document in @json and/or the
 * page in @html.
 */
static int run_compare(const struct skbt_analysis_config *base_cfg, const char *base,
		       const char *new, const char *json, const char *html,
		       const struct skbt_compare_map *map, unsigned int nmap)
{
	struct skbt_analysis_config cfg[2] = { *base_cfg, *base_cfg };
	struct skbt_analysis *a[2] = { NULL, NULL };
	enum skbt_analysis_fail kind = SKBT_ANALYSIS_FAIL_RUNTIME;
	struct skbt_comparison cmp = { 0 };
	struct skbt_compare_opts copt = { 0 };
	struct skbt_compare_info ci;
	struct skbt_err err = { 0 };
	int status = SKBT_EXIT_FAIL, ret = 0;
	bool built = false;

	if ((json && strcmp(json, "-") && check_out_paths_2("json", json, base, new)) ||
	    (html && check_out_paths_2("html", html, base, new)))
		return SKBT_EXIT_USAGE;
	cfg[0].path = base;
	cfg[1].path = new;
	for (int i = 0; i < 2; i++) {
		ret = skbt_analysis_open(&cfg[i], &a[i], &err, &kind);
		if (!ret) {
			ret = skbt_analysis_run(a[i], &err);
			kind = ret == -E2BIG ? SKBT_ANALYSIS_FAIL_BADFILE : SKBT_ANALYSIS_FAIL_RUNTIME;
			if (ret > 0) {
				say("%s: %s; the comparison covers the events before it\n",
					prog, err.msg);
				ret = 0;
			}
		}
		if (ret) {
			say("%s: %s\n", prog, err.msg[0] ? err.msg : strerror(-ret));
			status = exit_of(kind);
			goto out;
		}
	}
	skbt_compare_opts_fill(&copt);
	if (skbt_compare_build(skbt_analysis_stats(a[0]), skbt_analysis_trace(a[0])->fx,
			       skbt_analysis_stats(a[1]), skbt_analysis_trace(a[1])->fx, map, nmap,
			       &copt, &cmp)) {
		say("%s: out of memory\n", prog);
		goto out;
	}
	built = true;
	ci = (struct skbt_compare_info){
		.base_file = skbt_analysis_source(a[0]), .base_node = skbt_analysis_node(a[0]),
		.new_file = skbt_analysis_source(a[1]), .new_node = skbt_analysis_node(a[1]) };
	if (json || html) {
		const char *bad = json;

		ret = json ? compare_write(json, skbt_report_compare_json, &ci, &cmp) : 0;
		if (!ret && html) {
			bad = html;
			ret = compare_write(html, skbt_report_compare_html, &ci, &cmp);
		}
		if (ret) {
			say("%s: %s: %s\n", prog, bad, strerror(-ret));
			goto out;
		}
	} else {
		struct text_out t;

		ret = text_begin(&t) ? text_end(&t, skbt_report_compare_text(t.m, &ci, &cmp),
						false) : -ENOMEM;
	}
	if (ret || fflush(stdout)) {
		say("%s: writing the comparison: %s\n", prog,
			strerror(ret ? -ret : errno));
		goto out;
	}
	status = SKBT_EXIT_OK;
out:
	if (built)
		skbt_comparison_release(&cmp);
	skbt_analysis_close(a[0]);
	skbt_analysis_close(a[1]);
	return status;
}

/*
 * What several trace files do not go with (a usage error, nothing read): --context; the
 * outputs of one trace's timeline or packets (--perfetto, --html, --pcapng: one file each);
 * --redact-devs and --redact-ips, whose aliases are each file's own, so the merge would join
 * different devices that got the same alias; and the same file twice.
 */
static int multi_usage(const struct skbt_analysis_config *cfg, char *const *files,
		       unsigned int n, const char *const *out_path)
{
	if (cfg->context_only || cfg->redact_devs || cfg->redact_ips) {
		say("%s: several trace files do not go with --%s\n", prog, cfg->context_only ?
		    "context" : cfg->redact_devs ? "redact-devs" : "redact-ips");
		return -EINVAL;
	}
	for (unsigned int i = 0; i < skbt_noutputs; i++) {
		const char *o = skbt_outputs[i].name;

		if (out_path[i] && strcmp(o, "json") && strcmp(o, "journeys") && strcmp(o, "csv")) {
			say("%s: several trace files write text, --json, --journeys and --csv, "
			    "not --%s (run once per file)\n", prog, o);
			return -EINVAL;
		}
	}
	for (unsigned int i = 1; i < n; i++) {
		struct stat st;
		bool have = stat(files[i], &st) == 0;

		for (unsigned int k = 0; k < i; k++) {
			if (same_file(files[i], &st, have, files[k])) {
				say("%s: %s: the same file as %s (given twice)\n", prog, files[i],
				    files[k]);
				return -EINVAL;
			}
		}
	}
	return 0;
}

/*
 * Several trace files (FILE FILE...): each analysed in turn, its report written and its
 * analysis closed before the next one opens, so memory is one file's analysis plus the merged
 * statistics (merge.h) and, with --json, each file's report tree.  Text: each file's report
 * under a "==== FILE (i of n) ====" line, then the merged one.  --json: one document, each
 * file's report in "files" and the merge in "merged" (schema_version 2).  --journeys/--csv:
 * one table, every row naming its node and file.  The run stops at the first file that
 * cannot be analysed (its message, its exit status); a file that ends early is reported
 * and merged like one that does not.
 */
static int run_files(struct skbt_analysis_config *cfg, char *const *files, unsigned int n,
		     const char *const *out_path, const struct skbt_report_opts *ropt,
		     const struct skbt_perfetto_opts *pfopt, bool quiet, struct progress *pg)
{
	enum skbt_analysis_fail kind = SKBT_ANALYSIS_FAIL_RUNTIME;
	struct json_object **trees = NULL;
	const char **names = NULL, **nodes = NULL;
	struct skbt_merge m;
	struct skbt_err err = { 0 };
	int status = SKBT_EXIT_FAIL, ret;
	const char *json = out_path[0];	/* skbt_outputs[0] is "json" */

	/*
	 * glibc raises its mmap threshold to the size of each large block freed, so the second
	 * file's 256 KB blocks come from the heap, where the first file's pages stay resident:
	 * the default threshold, fixed, keeps each file's large blocks mapped and unmapped
	 * with it (docs/performance.md, "Several files").
	 */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	/* every file readable before anything is written */
	for (unsigned int i = 0; i < n; i++) {
		FILE *f = fopen(files[i], "r");

		if (!f) {
			say("%s: %s: %s\n", prog, files[i], strerror(errno));
			return SKBT_EXIT_FAIL;
		}
		fclose(f);
	}
	trees = calloc(n, sizeof(*trees));
	names = calloc(n, sizeof(*names));
	nodes = calloc(n, sizeof(*nodes));
	if (!trees || !names || !nodes || skbt_merge_init(&m, &cfg->filter)) {
		say("%s: out of memory\n", prog);
		free(trees);
		free(names);
		free(nodes);
		return SKBT_EXIT_FAIL;
	}
	for (unsigned int i = 0; i < n; i++) {
		struct skbt_analysis *a = NULL;
		const struct skbt_trace_info *ti;

		cfg->path = files[i];
		ret = skbt_analysis_open(cfg, &a, &err, &kind);
		for (unsigned int k = 1; !ret && k < skbt_noutputs; k++) {
			struct skbt_sink sk = { 0 };

			if (!out_path[k])
				continue;
			ret = skbt_outputs[k].open(&(struct skbt_output_args){ .path = out_path[k],
				.std = stdout, .a = a, .ropt = ropt, .pfopt = pfopt,
				.append = i > 0 }, &sk, &err);
			if (!ret && skbt_analysis_add_sink(a, &sk)) {
				if (sk.destroy)
					sk.destroy(sk.priv);
				ret = skbt_err_set(&err, -ENOSPC, "too many outputs");
			}
			kind = SKBT_ANALYSIS_FAIL_RUNTIME;
		}
		if (!ret) {
			clock_gettime(CLOCK_MONOTONIC, &pg->start);
			ret = skbt_analysis_run(a, &err);
			progress_end(pg);
			kind = ret == -E2BIG ? SKBT_ANALYSIS_FAIL_BADFILE : SKBT_ANALYSIS_FAIL_RUNTIME;
			if (ret > 0) {
				say("%s: %s; the report covers the events before it\n", prog,
				    err.msg);
				ret = 0;
			}
		}
		if (!ret)
			ret = skbt_analysis_finish_sinks(a, &err);
		if (ret) {
			say("%s: %s\n", prog, err.msg[0] ? err.msg : strerror(-ret));
			status = exit_of(kind);
			skbt_analysis_close(a);
			goto out;
		}
		ti = skbt_analysis_trace(a);
		names[i] = strdup(ti->file ? ti->file : "");
		nodes[i] = strdup(ti->node ? ti->node : "");
		if (!quiet) {
			struct text_out t;

			if (text_begin(&t)) {
				fprintf(t.m, "%s==== %s (file %u of %u) ====\n", i ? "\n" : "",
					names[i] ? names[i] : "", i + 1, n);
				ret = text_end(&t, skbt_report_text(t.m, ti, skbt_analysis_stats(a),
								    ropt), ropt->color);
			} else {
				ret = -ENOMEM;
			}
		}
		if (!ret && json) {
			trees[i] = skbt_report_json_tree(ti, skbt_analysis_stats(a), ropt);
			ret = trees[i] ? 0 : -ENOMEM;
		}
		if (!ret)
			ret = skbt_merge_add(&m, skbt_analysis_stats(a));
		skbt_analysis_close(a);
		/*
		 * The analysis is freed, but glibc keeps the pages of its small blocks (the
		 * 400,000 kallsyms names among them) below any block still live: give them back
		 * before the next file (with the fixed threshold above, 3 files of 193 MB peak at
		 * 31 MB against 29 MB for one; without either, 37 MB and 4 MB more a file).
		 */
		malloc_trim(0);
		if (ret || !names[i] || !nodes[i] || fflush(stdout)) {
			say("%s: writing the report of %s: %s\n", prog, files[i],
			    strerror(ret ? -ret : errno ? errno : ENOMEM));
			goto out;
		}
	}
	skbt_merge_done(&m);
	ret = 0;
	{
		struct skbt_merge_info mi = { .nfiles = n, .files = names, .nodes = nodes };

		if (!quiet) {
			struct text_out t;

			if (text_begin(&t)) {
				fprintf(t.m, "\n==== merged ====\n");
				ret = text_end(&t, skbt_report_merged_text(t.m, &mi, &m.st, ropt),
					       ropt->color);
			} else {
				ret = -ENOMEM;
			}
		}
		if (!ret && json) {
			FILE *f = strcmp(json, "-") ? fopen(json, "w") : stdout;

			ret = f ? skbt_report_multi_json(f, trees, &mi, &m.st, ropt) : -errno;
			if (f && f != stdout && fclose(f) && !ret)
				ret = -errno;
			if (ret) {
				say("%s: %s: writing the JSON report: %s\n", prog, json,
				    strerror(-ret));
				goto out;
			}
		}
	}
	if (ret || fflush(stdout)) {
		say("%s: writing the merged report: %s\n", prog, strerror(ret ? -ret : errno));
		goto out;
	}
	status = SKBT_EXIT_OK;
out:
	for (unsigned int i = 0; i < n; i++) {
		skbt_report_json_tree_free(trees[i]);
		free((char *)names[i]);
		free((char *)nodes[i]);
	}
	free(trees);
	free(names);
	free(nodes);
	skbt_merge_release(&m);
	return status;
}

/* The options that are not outputs; the registry's outputs are added after them. */
static const struct option base_opts[] = {
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
	{ "context", no_argument, NULL, OPT_CONTEXT },
	{ "perfetto-limit", required_argument, NULL, OPT_PERFETTO_LIMIT },
	{ "redact-devs", no_argument, NULL, OPT_REDACT_DEVS },
	{ "redact-ips", no_argument, NULL, OPT_REDACT_IPS },
	{ "node", required_argument, NULL, OPT_NODE },
	{ "compare", no_argument, NULL, OPT_COMPARE },
	{ "map", required_argument, NULL, OPT_MAP },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	/* hidden, for completion/skbtrail.bash: options, events, stages */
	{ "complete", required_argument, NULL, OPT_COMPLETE },
};

#define NBASE (sizeof(base_opts) / sizeof(base_opts[0]))
#define MAX_OUTPUTS 16

int main(int argc, char **argv)
{
	struct option opts[NBASE + MAX_OUTPUTS + 1];
	const char *out_path[MAX_OUTPUTS] = { 0 };
	struct skbt_report_opts ropt = { .top = 10, .hist = true, .flows = 10 };
	struct skbt_analysis_config cfg = { .filter = { .cpu = -1, .stage = -1 },
					    .from_rel = -1, .to_rel = -1 };
	struct skbt_perfetto_opts pfopt = { 0 };
	struct progress progress = { .on = isatty(STDERR_FILENO) };
	enum skbt_analysis_fail kind = SKBT_ANALYSIS_FAIL_RUNTIME;
	struct skbt_analysis *a = NULL;
	struct skbt_err err = { 0 };
	const char *no_color = getenv("NO_COLOR");
	bool quiet = false, json_stdout = false, compare = false;
	const char *html = NULL;	/* --compare --html FILE */
	struct skbt_compare_map map[32];
	unsigned int nmap = 0;
	int status = SKBT_EXIT_FAIL, c, ret;
	char *devlist = NULL;
	const char *devs[64];

	if (skbt_noutputs > MAX_OUTPUTS)
		return SKBT_EXIT_FAIL;	/* a build with more outputs than MAX_OUTPUTS */
	memcpy(opts, base_opts, sizeof(base_opts));
	for (unsigned int i = 0; i < skbt_noutputs; i++)
		opts[NBASE + i] = (struct option){ skbt_outputs[i].name, required_argument, NULL,
						   OPT_OUTPUT + i };
	opts[NBASE + skbt_noutputs] = (struct option){ NULL, 0, NULL, 0 };

	while ((c = getopt_long(argc, argv, SHORTOPTS, opts, NULL)) != -1) {
		unsigned long num;
		int64_t d;

		if (c >= OPT_OUTPUT && c < OPT_OUTPUT + (int)skbt_noutputs) {
			out_path[c - OPT_OUTPUT] = optarg;
			continue;
		}
		switch (c) {
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
			cfg.filter.ndevs = 0;
			for (char *t = strtok(devlist, ","); t; t = strtok(NULL, ","))
				if (cfg.filter.ndevs < SKBT_ARRAY_SIZE(devs))
					devs[cfg.filter.ndevs++] = t;
			cfg.filter.devs = devs;
			break;
		case OPT_PATH:
			cfg.filter.path = optarg;
			break;
		case OPT_CPU:
			if (parse_count("cpu", optarg, 0, 65535, &num))
				return SKBT_EXIT_USAGE;
			cfg.filter.cpu = num;
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
				cfg.from_rel = d;
			else if (c == OPT_TO)
				cfg.to_rel = d;
			else
				cfg.filter.min_latency_ns = d ? d : 1;
			break;
		case OPT_STAGE:
			cfg.filter.stage = skbt_stage_from_name(optarg);
			if (cfg.filter.stage < 0) {
				say("%s: --stage: unknown stage '%s' (gro rps forward backlog "
					"xmit stack upcall socket)\n", prog, optarg);
				return SKBT_EXIT_USAGE;
			}
			break;
		case OPT_BUFFER:
			cfg.buffer = optarg;
			break;
		case OPT_WITHOUT:
			cfg.without = optarg;
			break;
		case OPT_FILTER:
			cfg.pcap_filter = optarg;
			break;
		case OPT_FLOWS:
			if (parse_count("flows", optarg, 0, 100000, &num))
				return SKBT_EXIT_USAGE;
			ropt.flows = num;
			break;
		case OPT_CONTEXT:
			cfg.context_only = true;
			break;
		case OPT_PERFETTO_LIMIT:
			if (parse_count("perfetto-limit", optarg, 1, 10000000, &num))
				return SKBT_EXIT_USAGE;
			pfopt.limit = num;
			break;
		case OPT_REDACT_DEVS:
			cfg.redact_devs = true;
			break;
		case OPT_REDACT_IPS:
			cfg.redact_ips = true;
			break;
		case OPT_NODE:
			cfg.node = optarg;
			break;
		case OPT_COMPARE:
			compare = true;
			break;
		case OPT_MAP:
			if (nmap == SKBT_ARRAY_SIZE(map) ||
			    skbt_compare_map_parse(optarg, &map[nmap])) {
				say("%s: --map: want OLD=NEW (device names), at most %zu: "
					"%s\n", prog, SKBT_ARRAY_SIZE(map), optarg);
				return SKBT_EXIT_USAGE;
			}
			nmap++;
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
	if (compare || nmap) {
		if (!compare || optind != argc - 2) {
			say("%s: --compare takes two trace files, BASE and NEW (see "
				"--help)\n", prog);
			return SKBT_EXIT_USAGE;
		}
		for (unsigned int i = 1; i < skbt_noutputs; i++) {
			if (!out_path[i])
				continue;
			if (!strcmp(skbt_outputs[i].name, "html") && strcmp(out_path[i], "-")) {
				html = out_path[i];
				continue;
			}
			say("%s: --compare writes text, --json or --html FILE, not --%s%s\n",
				prog, skbt_outputs[i].name,
				strcmp(out_path[i], "-") ? "" : " -");
			return SKBT_EXIT_USAGE;
		}
		if (cfg.context_only || cfg.pcap_filter) {
			say("%s: --compare does not go with --%s\n", prog,
				cfg.context_only ? "context" : "filter");
			return SKBT_EXIT_USAGE;
		}
		cfg.top = ropt.top;
		return run_compare(&cfg, argv[optind], argv[optind + 1], out_path[0], html, map,
				   nmap);
	}
	if (optind >= argc) {
		say("%s: expected a trace file (see --help)\n", prog);
		return SKBT_EXIT_USAGE;
	}
	cfg.path = argv[optind];
	if (optind < argc - 1 && multi_usage(&cfg, argv + optind, argc - optind, out_path))
		return SKBT_EXIT_USAGE;
	for (unsigned int i = 0; i < skbt_noutputs; i++) {
		if (!out_path[i] || strcmp(out_path[i], "-"))
			continue;
		if (!skbt_outputs[i].stdout_ok) {
			say("%s: --%s: '-' (standard output) is not possible for this "
				"output\n", prog, skbt_outputs[i].name);
			return SKBT_EXIT_USAGE;
		}
		json_stdout = true;
	}
	for (unsigned int i = 0; i < skbt_noutputs && !cfg.need_pcap; i++)
		if (out_path[i] && skbt_outputs[i].needs_pcap)
			cfg.need_pcap = skbt_outputs[i].name;
	for (int i = optind; i < argc; i++)
		if (check_out_paths(argv[i], out_path))
			return SKBT_EXIT_USAGE;
	/* a filter that does not compile is a usage error, with pcap's own words */
	if (cfg.pcap_filter && skbt_pcap_filter_check(cfg.pcap_filter, &err)) {
		say("%s: --filter: %s\n", prog, err.msg);
		return SKBT_EXIT_USAGE;
	}
	/* colour only on a terminal, never with NO_COLOR set (https://no-color.org) */
	ropt.color = isatty(STDOUT_FILENO) && !(no_color && *no_color);
	if (json_stdout)
		quiet = true;
	pfopt.show_addrs = ropt.show_addrs;
	cfg.top = ropt.top;
	if (progress.on) {
		cfg.progress = progress_show;
		cfg.progress_arg = &progress;
	}

	if (optind < argc - 1) {
		status = run_files(&cfg, argv + optind, argc - optind, out_path, &ropt, &pfopt,
				   quiet, &progress);
		goto cleanup;
	}
	ret = skbt_analysis_open(&cfg, &a, &err, &kind);
	if (ret)
		goto failed;
	if (cfg.context_only) {
		const char *src = skbt_analysis_source(a);
		const struct skbt_context *ctx = skbt_analysis_context(a);
		const char *json = out_path[0];	/* skbt_outputs[0] is "json" */

		const struct skbt_names *shown = skbt_analysis_context_names(a);
		struct text_out t;

		if (json)
			ret = skbt_context_print_json(stdout, src, ctx, shown);
		else if (!text_begin(&t))
			ret = -ENOMEM;
		else
			ret = text_end(&t, skbt_context_print_text(t.m, src, ctx, shown), false);
		if (ret || fflush(stdout))
			say("%s: writing the context: %s\n", prog, strerror(EIO));
		else
			status = SKBT_EXIT_OK;
		goto cleanup;
	}
	for (unsigned int i = 0; i < skbt_noutputs; i++) {
		struct skbt_sink sk = { 0 };

		if (!out_path[i])
			continue;
		ret = skbt_outputs[i].open(&(struct skbt_output_args){ .path = out_path[i],
			.std = stdout, .a = a, .ropt = &ropt, .pfopt = &pfopt }, &sk, &err);
		if (!ret && skbt_analysis_add_sink(a, &sk)) {
			if (sk.destroy)
				sk.destroy(sk.priv);
			ret = skbt_err_set(&err, -ENOSPC, "too many outputs");
		}
		if (ret) {
			say("%s: %s\n", prog, err.msg[0] ? err.msg : strerror(-ret));
			goto cleanup;
		}
	}

	clock_gettime(CLOCK_MONOTONIC, &progress.start);
	ret = skbt_analysis_run(a, &err);
	progress_end(&progress);
	if (ret == -E2BIG)	/* the file asks more than its budget (statistics) */
		kind = SKBT_ANALYSIS_FAIL_BADFILE;
	if (ret < 0)
		goto failed;
	if (ret > 0)
		say("%s: %s; the report covers the events before it\n", prog, err.msg);

	if (!quiet) {
		struct text_out t;

		ret = text_begin(&t) ? text_end(&t, skbt_report_text(t.m, skbt_analysis_trace(a),
						skbt_analysis_stats(a), &ropt), ropt.color) : -ENOMEM;
		if (ret) {
			say("%s: writing the report: %s\n", prog, strerror(-ret));
			goto cleanup;
		}
	}
	if (fflush(stdout)) {
		say("%s: writing the report: %s\n", prog, strerror(errno));
		goto cleanup;
	}
	ret = skbt_analysis_finish_sinks(a, &err);
	if (ret) {
		say("%s: %s\n", prog, err.msg);
		goto cleanup;
	}
	if (fflush(stdout)) {
		say("%s: writing the report: %s\n", prog, strerror(errno));
		goto cleanup;
	}
	status = SKBT_EXIT_OK;
	goto cleanup;
failed:
	say("%s: %s\n", prog, err.msg[0] ? err.msg : strerror(-ret));
	status = kind == SKBT_ANALYSIS_FAIL_USAGE ? SKBT_EXIT_USAGE :
		 kind == SKBT_ANALYSIS_FAIL_BADFILE ? SKBT_EXIT_BADFILE : SKBT_EXIT_FAIL;
cleanup:
	skbt_analysis_close(a);
	free(devlist);
	return status;
}
