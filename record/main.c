// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * skbtrail-record: record the kernel's network receive-path events into a trace.dat file
 * through a private tracefs instance.  See docs/skbtrail-record.1.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "skbtrail/budget.h"
#include "skbtrail/common.h"
#include "skbtrail/follow.h"
#include "skbtrail/headers.h"
#include "skbtrail/journey.h"
#include "skbtrail/netns.h"
#include "skbtrail/record.h"
#include "skbtrail/session.h"
#include "skbtrail/trigger.h"

#define PROG "skbtrail-record"
/*
 * Default per-CPU ring buffer when the node's budget allows it (skbtrail/budget.h).
 * Measured with bench/record.sh (UDP flood over veth+bridge, ~700k events/s on 2 CPUs): see
 * docs/skbtrail-record.1.
 */
#define DEFAULT_BUFFER_KB SKBT_BUDGET_DEFAULT_KB

/* getopt values of long options without a short one */
#define OPT_FORMAT 0x100
#define OPT_COMPLETE 0x101
#define OPT_READER_CPUS 0x102
#define OPT_FORCE 0x103
#define OPT_DISK_RESERVE 0x104
#define OPT_FLIGHT 0x105
#define OPT_MAX_FILES 0x106
#define OPT_TRIGGER 0x107
#define OPT_AFTER 0x108
/* flight mode: how long the event rate is measured to size the ring buffers */
#define FLIGHT_MEASURE_S 1.0
#define SHORTOPTS "o:d:e:D:b:m:C:hV"
/* flight mode: how often the loop wakes (SIGUSR1, the drop trigger's tracing_on, --after) */
#define FLIGHT_NAP_MS 20
/* flight mode with a latency trigger: how often the buffers are read and journeys built */
#define FOLLOW_MS 100

static volatile sig_atomic_t exiting, usr1;

static void on_signal(int sig)
{
	exiting = sig;
}

static void on_usr1(int sig)
{
	(void)sig;
	usr1 = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " [-o FILE] [-d SECONDS] [--events core|full|lean|LIST]\n"
		"                       [--dev DEV[@NS],...] [--pcap [--filter EXPR]]\n"
		"                       [--buffer-size KB] [--max-size MB] [--clock CLOCK]\n"
		"  -o, --output FILE      trace.dat file to write (default trace.dat)\n"
		"  -d, --duration SECONDS stop after SECONDS (default: at SIGINT/SIGTERM)\n"
		"  -e, --events SET       core (default), full, lean (core, fewer records), or\n"
		"                         system:event,...\n"
		"  -D, --dev DEV[@NS],... keep only events of these devices (list every device of\n"
		"                         a packet's journey: physical port AND internal port);\n"
		"                         @NS: the one in /run/netns/NS (@-: the recorder's own)\n"
		"  -b, --buffer-size KB   ring buffer per CPU (default %d, less on a big node: all\n"
		"                         CPUs together within 1/16 of MemAvailable and 1 GB)\n"
		"      --force            allow a --buffer-size above that budget\n"
		"      --reader-cpus LIST run the readers on these CPUs only (e.g. 0-1), off the\n"
		"                         CPUs that do the network work\n"
		"      --disk-reserve MB  stop while MB are still free where the file is written\n"
		"                         (default 2%% of that file system, at most 1024)\n"
		"  -m, --max-size MB      stop when MB of data have been captured\n"
		"  -C, --clock CLOCK      trace clock (default mono, else global)\n"
		"      --flight DURATION  flight recorder: keep the last DURATION (e.g. 5s, 500ms)\n"
		"                         in the ring buffers, read nothing, and write them to a\n"
		"                         new file in the -o directory on SIGUSR1 (at most one\n"
		"                         file per DURATION); a latency trigger reads them all\n"
		"                         along and keeps the last DURATION in memory instead\n"
		"      --max-files N      with --flight: keep only the N newest files written\n"
		"      --after DURATION   with --flight: on a trigger, record DURATION more before\n"
		"                         writing the file (default 0)\n"
		"      --trigger KIND     with --flight, repeatable: also write a file when\n",
		DEFAULT_BUFFER_KB);
	for (int k = 0; k < SKBT_TRIGGER_NKINDS; k++) {
		const struct skbt_trigger_kind_desc *d = &skbt_trigger_kinds[k];

		char spec[64];

		snprintf(spec, sizeof(spec), "%s%s%s%s%s", d->name, d->arg && !d->arg_required ?
			 "[" : "", d->arg ? ":" : "", d->arg ? d->arg : "",
			 d->arg && !d->arg_required ? "]" : "");
		fprintf(f, "        %-17s", spec);
		for (const char *h = d->help; *h; h++) {
			if (h == d->help && strlen(spec) > 16)
				fprintf(f, "\n%25s", "");
			fputc(*h, f);
			if (*h == '\n')
				fprintf(f, "%25s", "");
		}
		fputc('\n', f);
	}
	fprintf(f, "                         (counters polled every %d ms)\n"
		"      --format v7|v6     trace.dat version: v7, zstd-compressed (default), or v6,\n"
		"                         uncompressed (about 10 times larger)\n"
		"      --pcap             also capture packet headers (%d bytes) on each --dev\n"
		"                         device, in the network namespace it is in (or on every\n"
		"                         device that is up here) into the file\n"
		"      --filter EXPR      with --pcap: only packets matching this pcap-filter\n"
		"      --pcap-max MB      with --pcap: store at most MB of headers (default 256)\n"
		"  -h, --help             this text\n"
		"  -V, --version          print the version\n"
		"Exit status: 0 ok, 1 runtime failure, 2 usage, 4 not root or no tracefs.\n",
		SKBT_TRIGGER_POLL_MS, SKBT_HEADERS_SNAPLEN);
}

/* Split "a,b,c" into a NULL-terminated array (pointers into @s, which is modified). */
static int split_list(char *s, const char ***out, int *n)
{
	const char **v = NULL;
	char *tok, *save = NULL;

	*n = 0;
	for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const char **nv;

		if (!*tok)
			continue;
		nv = realloc(v, (*n + 2) * sizeof(*v));
		if (!nv) {
			free(v);
			return -ENOMEM;
		}
		v = nv;
		v[(*n)++] = tok;
		v[*n] = NULL;
	}
	*out = v;
	return 0;
}

static bool parse_ulong(const char *s, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	return !errno && end != s && !*end && s[0] != '-';
}

static bool dev_name_ok(const char *d)
{
	size_t n = strlen(d);

	/* IFNAMSIZ - 1, and nothing that could break out of the kernel filter's quotes. */
	return n > 0 && n < 16 && !strpbrk(d, "\"\\ \t\n/");
}

/*
 * Where each --dev device is (skbtrail/netns.h): the recorder's own network namespace or a
 * named one (/run/netns).  An X@NS not there, and with --pcap a device in no namespace or in
 * several, are usage errors; without --pcap a device found nowhere is only warned about
 * (tracepoints are global: it may be in an unnamed namespace, or appear later).  Fills
 * where[i].netns, the namespace to capture device i in.
 */
static int resolve_devs(const char *const *devs, const char *const *want, int n, bool pcap,
			struct skbt_netns_dev *where)
{
	struct skbt_err err = { 0 };
	int ret;

	for (int i = 0; i < n; i++)
		where[i] = (struct skbt_netns_dev){ .name = devs[i], .want = want[i] };
	ret = skbt_netns_locate(where, n, &err);
	if (ret) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		return ret == -EIO || ret == -ENOMEM ? SKBT_EXIT_FAIL : SKBT_EXIT_USAGE;
	}
	for (int i = 0; i < n; i++) {
		const struct skbt_netns_dev *w = &where[i];

		if (w->want && !w->nfound) {
			fprintf(stderr, PROG ": --dev %s@%s: no device %s in %s\n", w->name, w->want,
				w->name, strcmp(w->want, SKBT_NETNS_OWN) ?
				"that network namespace" : "the recorder's network namespace");
			return SKBT_EXIT_USAGE;
		}
		if (!w->nfound && pcap) {
			fprintf(stderr, PROG ": --dev %s: no such device in this or any named "
				"network namespace\n", w->name);
			return SKBT_EXIT_USAGE;
		}
		if (!w->nfound) {
			fprintf(stderr, PROG ": warning: --dev %s: no such device in this or any "
				"named network namespace (now); its events are kept if it appears\n",
				w->name);
			continue;
		}
		if (w->nfound > 1 && pcap) {
			bool own = !strncmp(w->where, "(own), ", 7);
			/* "(own), ns2, ..." or "ns1, ns2, ...": suggest the first named one */
			const char *named = own ? w->where + 7 : w->where;

			fprintf(stderr, PROG ": --dev %s: %s is in namespaces: %s; name it as "
				"%s@%.*s%s%s%s\n", w->name, w->name, w->where, w->name,
				(int)strcspn(named, ","), named, own ? " (or " : "",
				own ? w->name : "", own ? "@- for the recorder's own)" : "");
			return SKBT_EXIT_USAGE;
		}
		for (int j = 0; pcap && j < i; j++) {
			/* tracepoints carry the name only: one capture per name */
			if (!strcmp(where[j].name, w->name) &&
			    skbt_netns_inode(where[j].netns) != skbt_netns_inode(w->netns)) {
				fprintf(stderr, PROG ": --dev %s: named in two namespaces (%s, %s); "
					"events carry only the device name, so capture it in one\n",
					w->name, where[j].netns, w->netns);
				return SKBT_EXIT_USAGE;
			}
		}
	}
	for (int i = 0; i < n && pcap; i++) {
		bool again = false;

		for (int j = 0; j < i; j++)
			again |= !strcmp(where[j].name, where[i].name);
		if (!again && strcmp(where[i].netns, SKBT_NETNS_OWN))
			fprintf(stderr, PROG ": --pcap: %s is in network namespace %s: captured "
				"there\n", where[i].name, where[i].netns);
	}
	return SKBT_EXIT_OK;
}

/* "5", "5s", "500ms", "200us", "2m": seconds, > 0. */
/* Flight mode: the names of the files written, oldest first, for --max-files. */
struct flight_files {
	char **name;
	unsigned int n;
};

static void flight_rotate(struct flight_files *f, char *name, unsigned long max_files)
{
	char **nv = realloc(f->name, (f->n + 1) * sizeof(*nv));

	if (!nv) {
		free(name);
		return;
	}
	f->name = nv;
	f->name[f->n++] = name;
	/* only files this recorder wrote are ever removed */
	while (max_files && f->n > max_files) {
		if (unlink(f->name[0]) == 0)
			fprintf(stderr, PROG ": --max-files %lu: removed %s\n", max_files, f->name[0]);
		free(f->name[0]);
		memmove(f->name, f->name + 1, --f->n * sizeof(*f->name));
	}
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void print_summary(const struct skbt_record_summary *s, enum skbt_stop_reason why)
{
	uint64_t lost_total = 0;
	int i;

	for (i = 0; i < s->ncpus; i++) {
		const struct skbt_record_cpu *c = &s->cpu[i];
		uint64_t ev = c->end.read_events - c->start.read_events;
		uint64_t ov = c->end.overrun - c->start.overrun;
		uint64_t dr = c->end.dropped_events - c->start.dropped_events;

		lost_total += ov + dr;
		fprintf(stderr, PROG ": cpu%d: %llu events, %llu bytes, lost %llu (overrun %llu, "
			"commit overrun %llu, dropped %llu)\n", i, (unsigned long long)ev,
			(unsigned long long)c->spool_bytes, (unsigned long long)(ov + dr),
			(unsigned long long)ov,
			(unsigned long long)(c->end.commit_overrun - c->start.commit_overrun),
			(unsigned long long)dr);
	}
	fprintf(stderr, PROG ": %s: %llu bytes written (%llu of event data), %.1f s, clock %s, "
		"%lu KB buffer per CPU, stop: %s, lost events: %llu\n", s->output,
		(unsigned long long)s->file_bytes, (unsigned long long)s->data_bytes, s->seconds,
		s->clock, s->buffer_kb, skbt_stop_reason_name(why),
		(unsigned long long)lost_total);
	if (s->raw_data_bytes != s->data_bytes)
		fprintf(stderr, PROG ": %s: %llu bytes of event data zstd-compressed to %llu "
			"(%.1fx)\n", s->output, (unsigned long long)s->raw_data_bytes,
			(unsigned long long)s->data_bytes,
			s->data_bytes ? (double)s->raw_data_bytes / s->data_bytes : 0.0);
	if (s->headers) {
		uint64_t captured, stored, dropped;

		for (i = 0; i < skbt_headers_ndevs(s->headers); i++) {
			uint64_t recv, drop, ifdrop;
			const char *name = skbt_headers_dev(s->headers, i, &recv, &drop, &ifdrop);

			const char *ns = skbt_headers_dev_netns(s->headers, i);

			fprintf(stderr, PROG ": pcap %s%s%s: received %llu, dropped %llu, "
				"dropped by the interface %llu (pcap_stats)\n", name,
				strcmp(ns, SKBT_NETNS_OWN) ? " in netns " : "",
				strcmp(ns, SKBT_NETNS_OWN) ? ns : "", (unsigned long long)recv,
				(unsigned long long)drop, (unsigned long long)ifdrop);
		}
		skbt_headers_counts(s->headers, &captured, &stored, &dropped);
		fprintf(stderr, PROG ": pcap: %llu packet headers captured, %llu stored, capture "
			"drops: %llu\n", (unsigned long long)captured, (unsigned long long)stored,
			(unsigned long long)dropped);
	}
}

/* The --events sets, by name (a LIST is anything else). */
static const struct {
	const char *name;
	enum skbt_event_set set;
} event_sets[] = {
	{ "core", SKBT_EVENTS_CORE },
	{ "full", SKBT_EVENTS_FULL },
	{ "lean", SKBT_EVENTS_LEAN },
};

static int event_set(const char *name)
{
	for (size_t i = 0; i < SKBT_ARRAY_SIZE(event_sets); i++)
		if (!strcmp(name, event_sets[i].name))
			return event_sets[i].set;
	return -1;
}

/*
 * --version (@what NULL) or --complete WHAT: "options" (every option but this one),
 * "events" (the sets, then the events skbtrail knows) or "triggers" (the --trigger kinds,
 * "KIND:" for one that takes an argument, and "STAGE>" for each stage of the latency kind),
 * one per line.
 */
static int print_info(const char *what, const struct option *longopts)
{
	struct skbt_sbuf sb = { 0 };
	const char *sys, *name;
	bool core;
	int status = SKBT_EXIT_OK;

	if (!what) {
		skbt_version_text(&sb, PROG, SKBT_LIB_TRACEFS | SKBT_LIB_TRACEEVENT | SKBT_LIB_PCAP |
					     SKBT_LIB_ZSTD);
	} else if (!strcmp(what, "options")) {
		skbt_options_text(&sb, longopts, SHORTOPTS, "complete");
	} else if (!strcmp(what, "events")) {
		for (size_t i = 0; i < SKBT_ARRAY_SIZE(event_sets); i++)
			skbt_sbuf_printf(&sb, "%s\n", event_sets[i].name);
		for (unsigned int i = 0; skbt_session_known_event(i, &sys, &name, &core); i++)
			skbt_sbuf_printf(&sb, "%s:%s\n", sys, name);
	} else if (!strcmp(what, "triggers")) {
		for (int k = 0; k < SKBT_TRIGGER_NKINDS; k++) {
			const struct skbt_trigger_kind_desc *d = &skbt_trigger_kinds[k];

			if (k == SKBT_TRIGGER_LATENCY) {
				for (int st = 0; st < SKBT_STAGE__COUNT; st++)
					skbt_sbuf_printf(&sb, "%s>\n", skbt_stage_name(st));
				continue;
			}
			if (!d->arg_required)
				skbt_sbuf_printf(&sb, "%s\n", d->name);
			if (d->arg)
				skbt_sbuf_printf(&sb, "%s:\n", d->name);
		}
	} else {
		fprintf(stderr, PROG ": bad --complete '%s' (options, events or triggers)\n", what);
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
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "duration", required_argument, NULL, 'd' },
		{ "events", required_argument, NULL, 'e' },
		{ "dev", required_argument, NULL, 'D' },
		{ "buffer-size", required_argument, NULL, 'b' },
		{ "max-size", required_argument, NULL, 'm' },
		{ "clock", required_argument, NULL, 'C' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "pcap", no_argument, NULL, 'P' },
		{ "filter", required_argument, NULL, 'F' },
		{ "pcap-max", required_argument, NULL, 'M' },
		{ "reader-cpus", required_argument, NULL, OPT_READER_CPUS },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "disk-reserve", required_argument, NULL, OPT_DISK_RESERVE },
		{ "flight", required_argument, NULL, OPT_FLIGHT },
		{ "max-files", required_argument, NULL, OPT_MAX_FILES },
		{ "trigger", required_argument, NULL, OPT_TRIGGER },
		{ "after", required_argument, NULL, OPT_AFTER },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		/* hidden, for completion/skbtrail.bash: options, events */
		{ "complete", required_argument, NULL, OPT_COMPLETE },
		{ NULL, 0, NULL, 0 },
	};
	struct skbt_record_config cfg = {
		.output = "trace.dat",
		.devs_text = "",
		.events_text = "core",
		.session = { .set = SKBT_EVENTS_CORE },
	};
	struct skbt_buffer_plan plan;
	unsigned long user_kb = 0;
	bool force = false;
	uint64_t reader_set[1024 / 64];
	cpu_set_t *reader_cpus = NULL;
	char plan_text[384];
	uint64_t disk_reserve = 0;
	struct statvfs vfs;
	char *out_dir = NULL;
	unsigned int tick = 0;
	long reserve_mb = -1;		/* --disk-reserve; -1: the default */
	int online;
	struct skbt_record_summary sum = { 0 };
	enum skbt_stop_reason why = SKBT_STOP_SIGNAL;
	struct skbt_recorder *rec = NULL;
	struct skbt_err err = { 0 };
	const char **events = NULL, **devs = NULL, **dev_want = NULL, **dev_netns = NULL;
	struct skbt_netns_dev *where = NULL;
	char *events_buf = NULL, *devs_buf = NULL, *stale = NULL, *kept = NULL;
	double duration = 0, deadline = 0;
	unsigned long max_mb = 0, v, max_files = 0;
	double flight = 0, after = 0;
	struct skbt_trigger_set triggers = { 0 };
	struct skbt_trigger_watch *watch = NULL;
	struct skbt_follow *follow = NULL;
	struct skbt_follow_config follow_cfg = { 0 };
	char follow_text[160] = "";
	bool after_set = false;
	char *flight_dir = NULL, *flight_base = NULL;
	struct flight_files files = { 0 };
	struct sigaction sa;
	int c, i, ret, status = SKBT_EXIT_FAIL;

	while ((c = getopt_long(argc, argv, SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			cfg.output = optarg;
			break;
		case 'd': {
			char *end;

			duration = strtod(optarg, &end);
			if (end == optarg || *end || !(duration > 0)) {
				fprintf(stderr, PROG ": bad duration '%s'\n", optarg);
				status = SKBT_EXIT_USAGE;
				goto cleanup;
			}
			break;
		}
		case 'e':
			cfg.events_text = optarg;
			if (event_set(optarg) >= 0) {
				cfg.session.set = event_set(optarg);
			} else {
				free(events_buf);
				free(events);
				events = NULL;
				events_buf = strdup(optarg);
				if (!events_buf || split_list(events_buf, &events,
							      &cfg.session.nevents) ||
				    !cfg.session.nevents) {
					fprintf(stderr, PROG ": bad --events '%s'\n", optarg);
					status = SKBT_EXIT_USAGE;
					goto cleanup;
				}
				cfg.session.set = SKBT_EVENTS_LIST;
				cfg.session.events = events;
			}
			break;
		case 'D':
			free(devs_buf);
			free(devs);
			free(dev_want);
			devs = dev_want = NULL;
			cfg.devs_text = optarg;
			devs_buf = strdup(optarg);
			if (!devs_buf || split_list(devs_buf, &devs, &cfg.session.ndevs) ||
			    !cfg.session.ndevs) {
				fprintf(stderr, PROG ": bad --dev '%s'\n", optarg);
				status = SKBT_EXIT_USAGE;
				goto cleanup;
			}
			dev_want = calloc(cfg.session.ndevs, sizeof(*dev_want));
			if (!dev_want)
				goto cleanup;
			for (i = 0; i < cfg.session.ndevs; i++) {
				/* DEV@NS: the device of that namespace (the token is in devs_buf) */
				char *at = strrchr((char *)devs[i], '@');

				if (at) {
					*at = 0;
					dev_want[i] = at + 1;
				}
				if (!dev_name_ok(devs[i]) ||
				    (at && !skbt_netns_name_ok(dev_want[i]))) {
					fprintf(stderr, PROG ": bad device name '%s%s%s'\n", devs[i],
						at ? "@" : "", at ? dev_want[i] : "");
					status = SKBT_EXIT_USAGE;
					goto cleanup;
				}
			}
			cfg.session.devs = devs;
			break;
		case 'b':
			if (!parse_ulong(optarg, &v) || v < 4 || v > (64UL << 20)) {
				fprintf(stderr, PROG ": bad --buffer-size '%s' (KB per CPU)\n", optarg);
				status = SKBT_EXIT_USAGE;
				goto cleanup;
			}
			user_kb = v;
			break;
		case OPT_FORCE:
			force = true;
			break;
		case OPT_FLIGHT:
			if (!skbt_parse_duration(optarg, &flight) || flight > 3600) {
				fprintf(stderr, PROG ": bad --flight '%s' (a duration such as 5s or "
					"500ms, at most 1h)\n", optarg);
				status = SKBT_EXIT_USAGE;
				goto cleanup;
			}
			break;
		case OPT_TRIGGER:
			if (skbt_trigger_parse(&triggers, optarg, &err)) {
				fprintf(stderr, PROG ": %s (see --help; SIGUSR1 is always one)\n",
					err.msg);
				status = SKBT_EXIT_USAGE;
				goto cleanup;
			}
			cfg.session.drop_trigger = triggers.drop;
			break;
		case OPT_AFTER:
			after_set = true;
			if (strcmp(optarg, "0") && (!skbt_parse_duration(optarg, &after) || after > 3600)) {
				fprintf(stderr, PROG ": bad --after '%s' (a duration such as 2s or "
					"500ms, at most 1h; 0: none)\n", optarg);
				status = SKBT_EXIT_USAGE;
				goto cleanup;
			}
			break;
		case OPT_MAX_FILES:
			if (!parse_ulong(optarg, &max_files) || !max_files) {
				fprintf(stderr, PROG ": bad --max-files '%s'\n", optarg);
				status = SKBT_EXIT_USAGE;
				goto cleanup;
			}
			break;
		case OPT_DISK_RESERVE:
			if (!parse_ulong(optarg, &v) || v > (1UL << 30)) {
				fprintf(stderr, PROG ": bad --disk-reserve '%s' (MB)\n", optarg);
				status = SKBT_EXIT_USAGE;
				goto cleanup;
			}
			reserve_mb = (long)v;
			break;
		case OPT_READER_CPUS:
			if (skbt_budget_cpulist(optarg, reader_set, 1024)) {
				fprintf(stderr, PROG ": bad --reader-cpus '%s' (a CPU list such as "
					"0-1,4)\n", optarg);
				status = SKBT_EXIT_USAGE;
				goto cleanup;
			}
			if (!reader_cpus)
				reader_cpus = CPU_ALLOC(1024);
			if (!reader_cpus)
				goto cleanup;
			CPU_ZERO_S(CPU_ALLOC_SIZE(1024), reader_cpus);
			for (i = 0; i < 1024; i++)
				if (reader_set[i / 64] & (1ULL << (i % 64)))
					CPU_SET_S(i, CPU_ALLOC_SIZE(1024), reader_cpus);
			cfg.reader_cpus = reader_cpus;
			cfg.reader_cpus_size = CPU_ALLOC_SIZE(1024);
			cfg.reader_cpus_text = optarg;
			break;
		case 'm':
			if (!parse_ulong(optarg, &max_mb) || !max_mb) {
				fprintf(stderr, PROG ": bad --max-size '%s' (MB)\n", optarg);
				status = SKBT_EXIT_USAGE;
				goto cleanup;
			}
			break;
		case 'C':
			cfg.session.clock = optarg;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "v7") && strcmp(optarg, "v6")) {
				fprintf(stderr, PROG ": bad --format '%s' (v7 or v6)\n", optarg);
				status = SKBT_EXIT_USAGE;
				goto cleanup;
			}
			cfg.format_v6 = !strcmp(optarg, "v6");
			break;
		case 'P':
			cfg.pcap = true;
			break;
		case 'F':
			cfg.pcap_filter = optarg;
			break;
		case 'M':
			if (!parse_ulong(optarg, &v) || !v || v > (1UL << 20)) {
				fprintf(stderr, PROG ": bad --pcap-max '%s' (MB)\n", optarg);
				status = SKBT_EXIT_USAGE;
				goto cleanup;
			}
			cfg.pcap_max_bytes = (uint64_t)v << 20;
			break;
		case 'h':
			usage(stdout);
			status = SKBT_EXIT_OK;
			goto cleanup;
		case 'V':
		case OPT_COMPLETE:
			status = print_info(c == 'V' ? NULL : optarg, longopts);
			goto cleanup;
		default:
			usage(stderr);
			status = SKBT_EXIT_USAGE;
			goto cleanup;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		status = SKBT_EXIT_USAGE;
		goto cleanup;
	}

	if (cfg.pcap_filter && !cfg.pcap) {
		fprintf(stderr, PROG ": --filter needs --pcap\n");
		status = SKBT_EXIT_USAGE;
		goto cleanup;
	}
	if (cfg.pcap && !cfg.pcap_max_bytes)
		cfg.pcap_max_bytes = 256ULL << 20;
	if ((max_files || after_set || cfg.session.drop_trigger || triggers.latency[0] ||
	     skbt_trigger_has_counters(&triggers)) && !flight) {
		fprintf(stderr, PROG ": %s needs --flight\n",
			max_files ? "--max-files" : after_set ? "--after" : "--trigger");
		status = SKBT_EXIT_USAGE;
		goto cleanup;
	}
	if (flight && (cfg.pcap || duration > 0 || max_mb)) {
		fprintf(stderr, PROG ": --flight does not go with %s\n",
			cfg.pcap ? "--pcap" : duration > 0 ? "--duration" : "--max-size");
		status = SKBT_EXIT_USAGE;
		goto cleanup;
	}
	if (flight) {
		struct stat st;

		/* -o names the directory the files go to; the temporary one lives there too */
		if (stat(cfg.output, &st) < 0 || !S_ISDIR(st.st_mode)) {
			fprintf(stderr, PROG ": --flight: -o %s must be an existing directory\n",
				cfg.output);
			status = SKBT_EXIT_USAGE;
			goto cleanup;
		}
		flight_dir = strdup(cfg.output);
		if (!flight_dir || asprintf(&flight_base, "%s/.skbtrail-flight", cfg.output) < 0) {
			flight_base = NULL;
			goto cleanup;
		}
		cfg.output = flight_base;
		cfg.flight = true;
		cfg.flight_after_s = after;
	}
	/* the latency trigger decodes up to "now": the trace clock must be CLOCK_MONOTONIC */
	if (triggers.latency[0] && cfg.session.clock && strcmp(cfg.session.clock, "mono")) {
		fprintf(stderr, PROG ": --trigger %s needs the mono clock, not --clock %s\n",
			triggers.latency, cfg.session.clock);
		status = SKBT_EXIT_USAGE;
		goto cleanup;
	}
	/*
	 * An rx-drop device that is not there, or counters this kernel lacks, is a usage error
	 * found before anything starts; rtnetlink failing to answer is not the user's.
	 */
	if (skbt_trigger_has_counters(&triggers) &&
	    skbt_trigger_watch_open(&triggers, &watch, &err)) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		status = err.code == -ENODEV || err.code == -ENOENT ? SKBT_EXIT_USAGE :
								       SKBT_EXIT_FAIL;
		goto cleanup;
	}

	/*
	 * The ring buffers of every online CPU within the node's budget, decided before the
	 * kernel allocates them; the readers a few threads, not one per CPU.
	 */
	online = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (skbt_budget_buffers(online, user_kb, skbt_budget_mem_available(), force, &plan,
				&err)) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		status = SKBT_EXIT_USAGE;
		goto cleanup;
	}
	cfg.session.buffer_kb = plan.per_cpu_kb;
	cfg.buffer_plan = skbt_budget_text(&plan, online, plan_text, sizeof(plan_text));
	cfg.readers = skbt_budget_readers(online, 0);
	if (cfg.reader_cpus) {
		bool any = false;

		for (i = 0; i < online && !any; i++)
			any = CPU_ISSET_S(i, cfg.reader_cpus_size, cfg.reader_cpus);
		if (!any) {
			fprintf(stderr, PROG ": --reader-cpus %s: none of these CPUs is online\n",
				cfg.reader_cpus_text);
			status = SKBT_EXIT_USAGE;
			goto cleanup;
		}
	}

	if (geteuid() != 0) {
		fprintf(stderr, PROG ": must run as root (tracefs instances need it)\n");
		status = SKBT_EXIT_PERM;
		goto cleanup;
	}
	/* A directory, a device or an unwritable directory fails now, not after recording. */
	if (skbt_record_check_output(cfg.output, &err)) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		status = SKBT_EXIT_USAGE;
		goto cleanup;
	}
	if (skbt_session_tracefs_check(&err)) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		status = SKBT_EXIT_PERM;
		goto cleanup;
	}
	ret = skbt_session_remove_stale(&stale, &kept, &err);
	if (ret > 0)
		fprintf(stderr, PROG ": removed stale tracefs instance(s) of a killed run: %s\n",
			stale);
	else if (ret < 0)
		fprintf(stderr, PROG ": warning: %s\n", err.msg);
	for (const char *k = kept; k && *k;) {
		int n = (int)strcspn(k, "\n");

		fprintf(stderr, PROG ": warning: tracefs instance %.*s left alone\n", n, k);
		k += n + (k[n] == '\n');
	}
	if (cfg.session.ndevs) {
		where = calloc(cfg.session.ndevs, sizeof(*where));
		dev_netns = calloc(cfg.session.ndevs, sizeof(*dev_netns));
		if (!where || !dev_netns)
			goto cleanup;
		status = resolve_devs(devs, dev_want, cfg.session.ndevs, cfg.pcap, where);
		if (status != SKBT_EXIT_OK)
			goto cleanup;
		status = SKBT_EXIT_FAIL;
		for (i = 0; i < cfg.session.ndevs; i++)
			dev_netns[i] = where[i].nfound ? where[i].netns : SKBT_NETNS_OWN;
		cfg.dev_netns = dev_netns;
	}
	if (cfg.session.ndevs)
		fprintf(stderr, PROG ": note: --dev filters each event by its own device; a packet "
			"changes device on its way (e.g. eth0 -> br-int), so list every device of its "
			"journey or its later events are lost\n");

	sa = (struct sigaction){ .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (flight) {
		/* before the measurement: an early SIGUSR1 must not kill the recorder */
		struct sigaction su = { .sa_handler = on_usr1 };

		sigemptyset(&su.sa_mask);
		sigaction(SIGUSR1, &su, NULL);
	}

	ret = skbt_recorder_open(&cfg, &rec, &err);
	if (ret) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		status = ret == -EINVAL ? SKBT_EXIT_USAGE : SKBT_EXIT_FAIL;
		goto cleanup;
	}
	if (exiting) {
		skbt_recorder_abort(rec);
		status = SKBT_EXIT_FAIL;
		fprintf(stderr, PROG ": interrupted before recording started\n");
		goto cleanup;
	}
	if (*skbt_recorder_missing(rec))
		fprintf(stderr, PROG ": note: the kernel lacks these events, skipped: %s\n",
			skbt_recorder_missing(rec));
	if (flight) {
		/*
		 * Size the buffers from the measured rate: the busiest CPU's bytes per second
		 * for DURATION and the aftermath (+25%), at least the minimum, at most this
		 * node's budget.
		 */
		unsigned long kb, max_kb = plan.user ? plan.per_cpu_kb :
				  skbt_budget_max_per_cpu_kb(plan.budget_kb, online);
		double rate, hold = flight + after;

		/*
		 * A latency trigger keeps as much again in its window: half each.  It fires when
		 * the journey ends, up to the builder's idle time (2 s) and a read after the
		 * slow stage: the window holds that too.
		 */
		if (triggers.latency[0]) {
			max_kb /= 2;
			hold += SKBT_FOLLOW_END_S;
		}
		if (max_kb < SKBT_BUDGET_MIN_KB)
			max_kb = SKBT_BUDGET_MIN_KB;
		ret = skbt_recorder_flight_size(rec, FLIGHT_MEASURE_S, hold,
						SKBT_BUDGET_MIN_KB,
						max_kb, &kb, &rate, &err);
		if (ret) {
			fprintf(stderr, PROG ": %s\n", err.msg);
			skbt_recorder_abort(rec);
			goto cleanup;
		}
		if (rate > 0)
			snprintf(plan_text, sizeof(plan_text), "flight: measured %.0f KB/s on the "
				 "busiest CPU over %.1f s; %lu KB per CPU holds %s%.1f s at that rate "
				 "(wanted %.3g s; budget %lu KB per CPU)", rate / 1024,
				 FLIGHT_MEASURE_S, kb, kb * 1024.0 / 1.25 / rate < hold ?
				 "only " : "", kb * 1024.0 / 1.25 / rate, hold, max_kb);
		else
			snprintf(plan_text, sizeof(plan_text), "flight: no event in %.1f s of "
				 "measuring; %lu KB per CPU, the minimum (budget %lu KB per CPU)",
				 FLIGHT_MEASURE_S, kb, max_kb);
		if (triggers.latency[0] && kb < (plan.per_cpu_kb < max_kb ? plan.per_cpu_kb :
						 max_kb)) {
			/*
			 * The window holds DURATION; the kernel's ring only bridges two reads,
			 * but a rate measured while idle sized it at the minimum, and a burst
			 * then overran it between reads (1 MB: 10 % of a 240 k events/s flood
			 * lost).  It gets what a recording gets, within its half of the budget.
			 */
			unsigned long ring = plan.per_cpu_kb < max_kb ? plan.per_cpu_kb : max_kb;
			size_t n = strlen(plan_text);

			ret = skbt_recorder_set_buffer_kb(rec, ring);
			if (ret) {
				fprintf(stderr, PROG ": cannot set a %lu KB buffer per CPU: %s\n",
					ring, strerror(-ret));
				skbt_recorder_abort(rec);
				goto cleanup;
			}
			snprintf(plan_text + n, sizeof(plan_text) - n, "; the kernel's ring %lu KB "
				 "per CPU (it only bridges the reads)", ring);
		}
		cfg.buffer_plan = plan_text;
		skbt_recorder_set_plan(rec, plan_text);
		if (triggers.latency[0]) {
			unsigned int ps = skbt_recorder_page_size(rec);
			/* the sized bytes, or a partly filled sub-buffer per read if more */
			unsigned long pages = kb * 1024 / ps,
				      sparse = (unsigned long)(hold * 1000 / FOLLOW_MS *
							       1.25) + 8;
			char *formats = NULL;

			if (pages < sparse)
				pages = sparse < max_kb * 1024 / ps ? sparse : max_kb * 1024 / ps;
			if (strcmp(skbt_recorder_clock(rec), "mono")) {
				fprintf(stderr, PROG ": --trigger %s needs the mono trace clock; this "
					"kernel gave %s\n", triggers.latency, skbt_recorder_clock(rec));
				skbt_recorder_abort(rec);
				goto cleanup;
			}
			if (asprintf(&formats, "%s/formats.dat", skbt_recorder_tmp_dir(rec)) < 0) {
				skbt_recorder_abort(rec);
				goto cleanup;
			}
			ret = skbt_recorder_write_formats(rec, formats, &err);
			if (ret) {
				fprintf(stderr, PROG ": --trigger %s: %s\n", triggers.latency, err.msg);
				unlink(formats);
				free(formats);
				skbt_recorder_abort(rec);
				goto cleanup;
			}
			follow_cfg = (struct skbt_follow_config){
				.inst = skbt_recorder_instance(rec),
				.ncpus = skbt_recorder_ncpus(rec), .page_size = ps,
				.formats = formats, .window_pages = pages,
				.stage = triggers.stage, .stage_ns = triggers.stage_ns };
			snprintf(follow_text, sizeof(follow_text), "a reader follows the buffers "
				 "every %d ms for the latency trigger (the cost of a recording) and "
				 "keeps the last %lu KB per CPU", FOLLOW_MS, pages * ps / 1024);
		}
	}
	ret = skbt_recorder_start(rec, &err);
	/*
	 * The latency trigger's reader once the guard is forked: a guard holding its
	 * trace_pipe_raw files would keep the instance from being removed.  The buffers keep
	 * what comes meanwhile.
	 */
	if (!ret && follow_cfg.formats) {
		ret = skbt_follow_open(&follow_cfg, &follow, &err);
		if (ret)
			snprintf(err.msg + strlen(err.msg), sizeof(err.msg) - strlen(err.msg),
				 " (--trigger %s)", triggers.latency);
	}
	if (follow_cfg.formats) {
		/* the follower holds it open: no file is left behind */
		unlink(follow_cfg.formats);
		free((char *)follow_cfg.formats);
		follow_cfg.formats = NULL;
	}
	if (ret) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		skbt_follow_close(follow);
		follow = NULL;
		skbt_recorder_abort(rec);
		goto cleanup;
	}
	/*
	 * Only now is tracing on: the node snapshot before it can take seconds (namespaces,
	 * ovs-dpctl).  Scripts wait for this line before they send traffic.
	 */
	if (flight) {
		char pending[SKBT_TRIGGER_REASON_MAX] = "", told[SKBT_TRIGGER_REASON_MAX] = "";
		char fname[SKBT_TRIGGER_REASON_MAX + 8], note[64];
		uint64_t latency_ns = 0;
		struct skbt_sbuf what = { 0 };
		uint64_t pending_ns = 0;
		double last = 0;
		unsigned int naps = 0;
		const char *cr;

		if (triggers.drop)
			skbt_sbuf_printf(&what, ", %s", skbt_trigger_kinds[SKBT_TRIGGER_DROP].name);
		if (triggers.softnet_drop)
			skbt_sbuf_printf(&what, ", %s",
					 skbt_trigger_kinds[SKBT_TRIGGER_SOFTNET_DROP].name);
		if (triggers.squeeze)
			skbt_sbuf_printf(&what, ", %s", skbt_trigger_kinds[SKBT_TRIGGER_SQUEEZE].name);
		for (unsigned int k = 0; k < triggers.nrx; k++)
			skbt_sbuf_printf(&what, ", %s:%s", skbt_trigger_kinds[SKBT_TRIGGER_RX_DROP].name,
					 triggers.rx_dev[k]);
		if (triggers.latency[0])
			skbt_sbuf_printf(&what, ", %s", triggers.latency);
		fprintf(stderr, PROG ": %s; %s\n", plan_text, follow ? follow_text : "no reader");
		fprintf(stderr, PROG ": flight recorder: keeping the last %.3g s; SIGUSR1%s%s writes "
			"them%s to %s; Ctrl-C to stop\n", flight, what.p ? " or --trigger " : "",
			what.p ? what.p + 2 : "", after > 0 ? " and what follows for --after" : "",
			flight_dir);
		free(what.p);
		/* the counters rose while the buffers were sized: not a trigger */
		if (watch)
			skbt_trigger_watch_poll(watch, &cr);
		status = SKBT_EXIT_OK;
		for (;;) {
			struct timespec nap = { 0, FLIGHT_NAP_MS * 1000 * 1000 };
			char stamp[32], *name;
			const char *reason = NULL;
			uint64_t t;
			time_t wall;

			if (!*pending && exiting)
				break;
			nanosleep(&nap, NULL);
			/*
			 * The counters every SKBT_TRIGGER_POLL_MS, also during an aftermath and a
			 * rate-limited window: each poll is the next one's baseline.
			 */
			naps++;
			if (watch && !(naps % (SKBT_TRIGGER_POLL_MS / FLIGHT_NAP_MS)) &&
			    skbt_trigger_watch_poll(watch, &cr) > 0)
				reason = cr;
			/* the reader, also in an aftermath (the window takes it in, nothing fires) */
			if (follow && !(naps % (FOLLOW_MS / FLIGHT_NAP_MS))) {
				uint64_t lns = 0;

				ret = skbt_follow_poll(follow, mono_ns(), !*pending && !reason,
						       &latency_ns, &lns);
				if (ret < 0) {
					fprintf(stderr, PROG ": --trigger %s: reading the buffers: %s\n",
						triggers.latency, strerror(-ret));
					status = SKBT_EXIT_FAIL;
					break;
				}
				if (ret > 0) {
					reason = triggers.latency;
					fprintf(stderr, PROG ": trigger %s: a journey's %s stage took "
						"%.3f ms\n", reason, skbt_stage_name(triggers.stage),
						lns / 1e6);
				}
			}
			if (*pending) {
				/* --after: the aftermath runs to its end or to SIGINT/SIGTERM */
				usr1 = 0;
				if (!exiting && mono_ns() < pending_ns + (uint64_t)(after * 1e9))
					continue;
				if (triggers.drop && skbt_recorder_arm_drop(rec, true))
					fprintf(stderr, PROG ": warning: cannot put the drop trigger "
						"back\n");
				goto write;
			}
			/*
			 * The drop trigger is the kernel's: it turned tracing off right after
			 * recording the drop; one read of tracing_on per nap notices it.
			 */
			if (usr1)
				reason = "sigusr1";
			else if (triggers.drop && skbt_recorder_tripped(rec))
				reason = skbt_trigger_kinds[SKBT_TRIGGER_DROP].name;
			else if (!reason)
				continue;
			usr1 = 0;
			/* a latency trigger is timed by the end of the slow stage (trace clock) */
			t = reason == triggers.latency && latency_ns ? latency_ns : mono_ns();
			if (last && t / 1e9 - last < flight) {
				/* once per window and kind: a counter keeps rising in a storm */
				if (strcmp(told, reason))
					fprintf(stderr, PROG ": trigger %s ignored: the last file was "
						"written %.2f s ago (at most one per %.3g s)\n", reason,
						t / 1e9 - last, flight);
				snprintf(told, sizeof(told), "%s", reason);
				if (triggers.drop && skbt_recorder_tripped(rec) &&
				    skbt_recorder_resume(rec)) {
					fprintf(stderr, PROG ": cannot turn tracing back on\n");
					status = SKBT_EXIT_FAIL;
					break;
				}
				continue;
			}
			snprintf(pending, sizeof(pending), "%s", reason);
			pending_ns = t;
			if (after > 0) {
				/*
				 * No drop may stop the aftermath; a drop trigger turned tracing
				 * off at the drop, until this nap noticed it: on again, before
				 * saying it records (what follows the message is in the file).
				 */
				if (triggers.drop && (skbt_recorder_arm_drop(rec, false) ||
						      (skbt_recorder_tripped(rec) &&
						       skbt_recorder_resume(rec)))) {
					fprintf(stderr, PROG ": cannot turn tracing back on\n");
					status = SKBT_EXIT_FAIL;
					break;
				}
				fprintf(stderr, PROG ": trigger %s: recording %.3g s more (--after)\n",
					pending, after);
				continue;
			}
write:
			t = pending_ns;
			wall = time(NULL);
			strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", gmtime(&wall));
			/* "latency:backlog>2ms" names the file latency:backlog-over-2ms */
			snprintf(fname, sizeof(fname), "%.*s%s%s", (int)strcspn(pending, ">"),
				 pending, strchr(pending, '>') ? "-over-" : "",
				 strchr(pending, '>') ? strchr(pending, '>') + 1 : "");
			if (asprintf(&name, "%s/skbtrail-%s-%s.dat", flight_dir, stamp,
				     fname) < 0)
				break;
			/* two files in one second (--flight under 1 s): -2, -3, ... */
			for (int k = 2; !access(name, F_OK) && k < 1000; k++) {
				free(name);
				if (asprintf(&name, "%s/skbtrail-%s-%s-%d.dat", flight_dir, stamp,
					     fname, k) < 0) {
					name = NULL;
					break;
				}
			}
			if (!name)
				break;
			/*
			 * The latency window first (read up to now), then the trigger appends
			 * what the buffers still hold once tracing is off.
			 */
			err.msg[0] = '\0';
			if (follow) {
				ret = skbt_follow_poll(follow, mono_ns(), false, &latency_ns, &t);
				/* what the window let go before its first page: the file says so */
				snprintf(note, sizeof(note), "latency_window_dropped_pages=%llu\n",
					 (unsigned long long)skbt_follow_stats(follow)->window_dropped);
				skbt_recorder_set_note(rec, note);
				if (ret >= 0)
					ret = skbt_follow_flush(follow, skbt_recorder_spool_fds(rec),
								&err);
			}
			if (follow && ret < 0) {
				fprintf(stderr, PROG ": trigger %s: %s\n", pending,
					err.msg[0] ? err.msg : "cannot read the buffers");
				free(name);
				status = SKBT_EXIT_FAIL;
				break;
			}
			t = pending_ns;
			ret = skbt_recorder_trigger(rec, name, pending, t, &sum, &err);
			if (ret) {
				fprintf(stderr, PROG ": trigger %s: %s\n", pending, err.msg);
				free(name);
				status = SKBT_EXIT_FAIL;
				break;
			}
			last = t / 1e9;
			told[0] = '\0';
			fprintf(stderr, PROG ": trigger %s: wrote %s\n", pending, name);
			pending[0] = '\0';
			print_summary(&sum, SKBT_STOP_TRIGGER);
			flight_rotate(&files, name, max_files);
		}
		if (follow) {
			const struct skbt_follow_stats *fs = skbt_follow_stats(follow);

			fprintf(stderr, PROG ": latency trigger: read %llu KB, %llu events (%llu "
				"late), %llu journeys; longest %s stage %.3f ms\n",
				(unsigned long long)fs->bytes / 1024, (unsigned long long)fs->events,
				(unsigned long long)fs->late, (unsigned long long)fs->journeys,
				skbt_stage_name(triggers.stage), fs->stage_max_ns / 1e6);
			/* its open trace_pipe_raw files would keep the instance from going */
			skbt_follow_close(follow);
			follow = NULL;
		}
		skbt_recorder_abort(rec);
		goto cleanup;
	}
	fprintf(stderr, PROG ": %s; %u reader thread(s)%s%s\n", plan_text, cfg.readers,
		cfg.reader_cpus_text ? " on CPUs " : "",
		cfg.reader_cpus_text ? cfg.reader_cpus_text : "");
	/* the spools grow next to the output: stop while the disk still has its reserve */
	out_dir = strdup(cfg.output);
	if (out_dir) {
		char *slash = strrchr(out_dir, '/');

		if (slash)
			*(slash == out_dir ? slash + 1 : slash) = '\0';
		else
			strcpy(out_dir, ".");
		if (reserve_mb >= 0)
			disk_reserve = (uint64_t)reserve_mb << 20;
		else if (statvfs(out_dir, &vfs) == 0)
			disk_reserve = skbt_budget_disk_reserve((uint64_t)vfs.f_blocks * vfs.f_frsize);
	}
	fprintf(stderr, PROG ": recording to %s; Ctrl-C to stop\n", cfg.output);
	if (duration > 0)
		deadline = now_s() + duration;
	for (;;) {
		struct timespec nap = { 0, 20 * 1000 * 1000 };
		int cerr;

		if (exiting) {
			why = SKBT_STOP_SIGNAL;
			break;
		}
		if (deadline && now_s() >= deadline) {
			why = SKBT_STOP_DURATION;
			break;
		}
		if (max_mb && skbt_recorder_bytes(rec) >= (uint64_t)max_mb << 20) {
			why = SKBT_STOP_MAX_SIZE;
			break;
		}
		/* every 250 ms: the free space left where the spools grow */
		if (disk_reserve && !(++tick % 12) && statvfs(out_dir, &vfs) == 0 &&
		    (uint64_t)vfs.f_bavail * vfs.f_frsize < disk_reserve) {
			why = SKBT_STOP_DISK_RESERVE;
			fprintf(stderr, PROG ": free space on %s fell below the reserve of %.1f MB: "
				"stopping\n", out_dir, disk_reserve / 1048576.0);
			break;
		}
		cerr = skbt_recorder_error(rec);
		if (cerr) {
			why = cerr == -ENOSPC ? SKBT_STOP_DISK_FULL : SKBT_STOP_ERROR;
			break;
		}
		nanosleep(&nap, NULL);
	}
	ret = skbt_recorder_finish(rec, why, &sum, &err);
	if (sum.ncpus)
		print_summary(&sum, why);
	if (ret == -ENOSPC) {
		fprintf(stderr, PROG ": %s: disk full; the file holds what fit\n", cfg.output);
		status = SKBT_EXIT_FAIL;
	} else if (ret) {
		fprintf(stderr, PROG ": %s: %s\n", cfg.output, err.msg);
		status = SKBT_EXIT_FAIL;
	} else if (why == SKBT_STOP_ERROR) {
		status = SKBT_EXIT_FAIL;
	} else {
		status = SKBT_EXIT_OK;
	}
cleanup:
	skbt_follow_close(follow);	/* first: its open files would keep the instance */
	if (follow_cfg.formats) {
		unlink(follow_cfg.formats);
		free((char *)follow_cfg.formats);
	}
	skbt_recorder_close(rec);
	for (unsigned int k = 0; k < files.n; k++)
		free(files.name[k]);
	free(files.name);
	free(flight_dir);
	free(flight_base);
	skbt_trigger_watch_close(watch);
	free(out_dir);
	if (reader_cpus)
		CPU_FREE(reader_cpus);
	free(stale);
	free(kept);
	free(events);
	free(events_buf);
	free(devs);
	free(dev_want);
	free(dev_netns);
	free(where);
	free(devs_buf);
	return status;
}
