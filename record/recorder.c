// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One recording, and its guard.
 *
 * The guard is forked before tracing starts and holds the read end of a pipe whose write
 * end only the recorder has.  The recorder writes 'F' once the file is renamed into place,
 * or 'A' when it gives up before tracing.  When the pipe reaches end of file without
 * either (the recorder died, even by SIGKILL), the guard turns tracing off in the
 * instance, drains the ring buffers into the spools, assembles the file, and removes the
 * instance.  The guard calls itself "skbtg-<recorder pid>" so that skbt_session_remove_stale()
 * leaves the instance alone while it works.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <tracefs.h>

#include "skbtrail/capture.h"
#include "skbtrail/headers.h"
#include "skbtrail/context.h"
#include "skbtrail/record.h"
#include "skbtrail/sbopt.h"
#include "skbtrail/session.h"
#include "skbtrail/tracefile.h"
#include "skbtrail/writer.h"

/* Room kept for cmdlines growth and for the first copied chunks when the disk is full. */
#define RESERVE_SLACK (1024 * 1024)

struct skbt_recorder {
	struct skbt_record_config cfg;
	char *output;
	char *tmp_dir;		/* private directory "OUT.tmp.XXXXXX" (0700) next to OUT */
	char *tmp_path;		/* TMPDIR/file.tmp, renamed to OUT at the end */
	char *spool_base;	/* TMPDIR/file: spools TMPDIR/file.cpuN.tmp, .pcapN.tmp */
	int out_fd;
	struct skbt_session *session;
	struct skbt_capture *capture;
	struct skbt_writer *writer;
	int ncpus;
	struct skbt_record_cpu *cpu;
	char **start_text;	/* per-CPU stats text at start */
	bool kallsyms;
	const char *kallsyms_note;
	struct timespec t_start, t_end;
	time_t wall_start;
	pid_t guard;
	int guard_fd;		/* write end of the guard's pipe */
	bool started;
	char sum_instance[64], sum_clock[32];
	char *sum_missing, *sum_filter;
	struct skbt_headers *headers;	/* --pcap */
	/* node context (docs/file-format.md): kind=context-static, -start, -stop texts */
	struct skbt_snapshot_config snap;
	char *ctx_static, *ctx_start, *ctx_stop;
	/*
	 * The recorder's own tasks (process, threads, guard) while tracing is on: their
	 * events are the recorder's activity, not the node's (kind=record recorder_pids).
	 */
	char own_pids[512];
	/* flight mode: the trigger of the file being written (kind=record trigger=...) */
	const char *trigger;
	uint64_t trigger_ns;
	const char *note;	/* more key=value lines of the next file (skbt_recorder_set_note) */
};

const char *skbt_stop_reason_name(enum skbt_stop_reason r)
{
	switch (r) {
	case SKBT_STOP_SIGNAL: return "signal";
	case SKBT_STOP_DURATION: return "duration";
	case SKBT_STOP_MAX_SIZE: return "max-size";
	case SKBT_STOP_DISK_FULL: return "disk-full";
	case SKBT_STOP_ERROR: return "error";
	case SKBT_STOP_GUARD: return "recorder-died";
	case SKBT_STOP_DISK_RESERVE: return "disk-reserve";
	case SKBT_STOP_TRIGGER: return "trigger";
	}
	return "unknown";
}

static const char *skbt_file_kind(mode_t m)
{
	if (S_ISDIR(m)) return "a directory";
	if (S_ISCHR(m)) return "a character device";
	if (S_ISBLK(m)) return "a block device";
	if (S_ISFIFO(m)) return "a fifo";
	if (S_ISSOCK(m)) return "a socket";
	if (S_ISLNK(m)) return "a symlink";
	return "not a regular file";
}

int skbt_record_check_output(const char *path, struct skbt_err *err)
{
	struct stat st;
	char *dir, *slash;
	int ret = 0;

	if (!*path)
		return skbt_err_set(err, -EINVAL, "-o: empty path");
	if (stat(path, &st) == 0) {
		/* stat follows a symlink: a link to a device is refused like the device */
		if (!S_ISREG(st.st_mode))
			return skbt_err_set(err, -EINVAL, "%s is %s, not a regular file: refusing "
					    "to replace it", path, skbt_file_kind(st.st_mode));
	} else if (errno != ENOENT) {
		return skbt_err_set(err, -EINVAL, "%s: %s", path, strerror(errno));
	} else if (path[strlen(path) - 1] == '/') {
		return skbt_err_set(err, -EINVAL, "%s: names a directory, not a file", path);
	}
	dir = strdup(path);
	if (!dir)
		return skbt_err_set(err, -ENOMEM, "out of memory");
	slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (stat(dir, &st) < 0)
		ret = skbt_err_set(err, -EINVAL, "%s: directory %s: %s", path, dir, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		ret = skbt_err_set(err, -EINVAL, "%s: %s is not a directory", path, dir);
	else if (access(dir, W_OK | X_OK) < 0)
		ret = skbt_err_set(err, -EINVAL, "%s: directory %s is not writable: %s", path, dir,
				   strerror(errno));
	free(dir);
	return ret;
}

static int reserve(struct skbt_recorder *r, struct skbt_err *err)
{
	uint64_t need = skbt_writer_header_size(r->writer, r->ncpus) + RESERVE_SLACK;

	if (fallocate(r->out_fd, 0, 0, need) == 0)
		return 0;
	if (errno == EOPNOTSUPP || errno == ENOSYS)
		return 0;
	return -errno;
}

int skbt_recorder_open(const struct skbt_record_config *cfg, struct skbt_recorder **rp,
		       struct skbt_err *err)
{
	struct skbt_recorder *r;
	int i, ret;

	r = calloc(1, sizeof(*r));
	if (!r)
		return skbt_err_set(err, -ENOMEM, "out of memory");
	r->cfg = *cfg;
	r->out_fd = -1;
	r->guard_fd = -1;
	r->guard = -1;
	r->output = strdup(cfg->output);
	if (!r->output || asprintf(&r->tmp_dir, "%s.tmp.XXXXXX", cfg->output) < 0) {
		r->tmp_dir = NULL;
		ret = skbt_err_set(err, -ENOMEM, "out of memory");
		goto fail;
	}
	/*
	 * The output first: an unwritable path fails before the kernel is touched.  Every
	 * temporary file lives in a fresh directory only root can write to (mkdtemp: 0700,
	 * never an existing one), so no planted symlink or file is ever opened, followed or
	 * truncated; the names inside it are created with O_EXCL|O_NOFOLLOW all the same.
	 */
	if (!mkdtemp(r->tmp_dir)) {
		ret = skbt_err_set(err, -errno, "%s: cannot create a temporary directory %s: %s",
				   r->output, r->tmp_dir, strerror(errno));
		free(r->tmp_dir);
		r->tmp_dir = NULL;
		goto fail;
	}
	if (asprintf(&r->tmp_path, "%s/file.tmp", r->tmp_dir) < 0)
		r->tmp_path = NULL;
	if (asprintf(&r->spool_base, "%s/file", r->tmp_dir) < 0)
		r->spool_base = NULL;
	if (!r->tmp_path || !r->spool_base) {
		ret = skbt_err_set(err, -ENOMEM, "out of memory");
		goto fail;
	}
	r->out_fd = open(r->tmp_path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (r->out_fd < 0) {
		ret = skbt_err_set(err, -errno, "%s: cannot create: %s", r->tmp_path, strerror(errno));
		goto fail;
	}
	if (cfg->pcap) {
		/* Before the kernel is touched: a bad filter or device fails here. */
		ret = skbt_headers_open(&(struct skbt_headers_config){
			.devs = cfg->session.devs, .netns = cfg->dev_netns,
			.ndevs = cfg->session.ndevs,
			.filter = cfg->pcap_filter, .max_bytes = cfg->pcap_max_bytes,
			.spool_base = r->spool_base }, &r->headers, err);
		if (ret)
			goto fail;
	}
	{
		struct skbt_session_config sc = cfg->session;

		sc.overwrite = cfg->flight;
		ret = skbt_session_open(&sc, &r->session, err);
	}
	if (ret)
		goto fail;
	r->ncpus = skbt_session_ncpus(r->session);
	r->cpu = calloc(r->ncpus, sizeof(*r->cpu));
	r->start_text = calloc(r->ncpus, sizeof(*r->start_text));
	if (!r->cpu || !r->start_text) {
		ret = skbt_err_set(err, -ENOMEM, "out of memory");
		goto fail;
	}
	ret = skbt_capture_open(skbt_session_instance(r->session), r->ncpus,
				skbt_session_page_size(r->session), r->spool_base, &r->capture, err);
	if (ret) {
		char msg[sizeof(err->msg)];

		snprintf(msg, sizeof(msg), "%s", err ? err->msg : "");
		skbt_err_set(err, ret, "%s: cannot create spool file: %s", r->output, msg);
		goto fail;
	}
	ret = skbt_capture_set_readers(r->capture, cfg->readers, cfg->reader_cpus,
				       cfg->reader_cpus_size);
	if (ret) {
		skbt_err_set(err, ret, "out of memory");
		goto fail;
	}
	ret = skbt_writer_new(skbt_session_page_size(r->session), &r->writer);
	if (!ret && !cfg->format_v6)
		ret = skbt_writer_set_format(r->writer, SKBT_WF_V7_ZSTD, 0);
	if (ret) {
		skbt_err_set(err, ret, "out of memory");
		goto fail;
	}
	r->kallsyms = true;
	r->kallsyms_note = "included";
	ret = skbt_session_fill_writer(r->session, r->writer, true, err);
	if (ret)
		goto fail;
	if (access("/proc/kallsyms", R_OK) != 0)
		r->kallsyms_note = "unreadable";
	ret = reserve(r, err);
	if (ret == -ENOSPC) {
		/* kallsyms is megabytes: drop it rather than record nothing. */
		skbt_writer_set_blob(r->writer, SKBT_WB_KALLSYMS, "", 0);
		r->kallsyms = false;
		r->kallsyms_note = "omitted (disk space)";
		ret = reserve(r, err);
	}
	if (ret) {
		skbt_err_set(err, ret, "%s: %s", r->output,
			     ret == -ENOSPC ? "disk full (no room for the file header)" : strerror(-ret));
		goto fail;
	}
	for (i = 0; i < r->ncpus; i++)
		skbt_session_cpu_stats(r->session, i, &r->start_text[i], &r->cpu[i].start);
	/* The slow part (namespaces, ovs-dpctl) before tracing starts; failure is not fatal. */
	r->snap = (struct skbt_snapshot_config){ .devs = cfg->session.devs,
						 .ndevs = cfg->session.ndevs };
	skbt_snapshot_static(&r->snap, &r->ctx_static);
	*rp = r;
	return 0;
fail:
	skbt_recorder_abort(r);
	skbt_recorder_close(r);
	return ret;
}

static void guard_main(struct skbt_recorder *r, int rfd);

/*
 * Every task of ours that runs while tracing is on: the threads of this process (readers,
 * capture) and the guard.  Anything it frees or copies is the recorder's activity, and the
 * analyzer leaves it out (docs/file-format.md, kind=record recorder_pids).
 */
static void note_own_pids(struct skbt_recorder *r)
{
	size_t len = 0, cap = sizeof(r->own_pids);
	struct dirent *d;
	DIR *dir;

	len += snprintf(r->own_pids, cap, "%d", (int)getpid());
	if (r->guard > 0)
		len += snprintf(r->own_pids + len, cap - len, ",%d", (int)r->guard);
	dir = opendir("/proc/self/task");
	if (!dir)
		return;
	while ((d = readdir(dir)) && len + 12 < cap) {
		char *end;
		long tid = strtol(d->d_name, &end, 10);

		if (*end || tid <= 0 || tid == getpid())
			continue;
		len += snprintf(r->own_pids + len, cap - len, ",%ld", tid);
	}
	closedir(dir);
}

int skbt_recorder_start(struct skbt_recorder *r, struct skbt_err *err)
{
	int p[2], ret;

	/* Counters just before tracing on, and before the guard forks so that it has them. */
	skbt_snapshot_counters(&r->snap, SKBT_SBOPT_NAME_CONTEXT_START, &r->ctx_start);
	if (pipe2(p, O_CLOEXEC) < 0)
		return skbt_err_set(err, -errno, "pipe: %s", strerror(errno));
	fflush(NULL);
	r->guard = fork();
	if (r->guard < 0) {
		ret = -errno;
		close(p[0]);
		close(p[1]);
		return skbt_err_set(err, ret, "fork: %s", strerror(-ret));
	}
	if (r->guard == 0) {
		close(p[1]);
		guard_main(r, p[0]);
		_exit(0);
	}
	close(p[0]);
	r->guard_fd = p[1];

	clock_gettime(CLOCK_MONOTONIC, &r->t_start);
	r->wall_start = time(NULL);
	/* flight mode reads nothing while it waits: the buffers keep the last events */
	ret = r->cfg.flight ? 0 : skbt_capture_start(r->capture, err);
	if (ret)
		return ret;
	if (r->headers) {
		ret = skbt_headers_start(r->headers, err);
		if (ret)
			return ret;
	}
	ret = skbt_session_start(r->session);
	if (ret)
		return skbt_err_set(err, ret, "cannot turn tracing on in instance %s",
				    skbt_session_name(r->session));
	r->started = true;
	note_own_pids(r);
	return 0;
}

const char *skbt_recorder_missing(const struct skbt_recorder *r)
{
	return r->session ? skbt_session_missing(r->session) : "";
}

uint64_t skbt_recorder_bytes(const struct skbt_recorder *r)
{
	return skbt_capture_bytes(r->capture);
}

int skbt_recorder_error(const struct skbt_recorder *r)
{
	return skbt_capture_error(r->capture);
}

/* printf into a growable string; on ENOMEM the string stays as it was. */
static void sb_stats(struct skbt_sbuf *b, int cpu, const char *when, const struct skbt_cpu_stats *s)
{
	skbt_sbuf_printf(b, "cpu%d.%s.entries=%llu\ncpu%d.%s.overrun=%llu\n"
		  "cpu%d.%s.commit_overrun=%llu\ncpu%d.%s.bytes=%llu\n"
		  "cpu%d.%s.dropped_events=%llu\ncpu%d.%s.read_events=%llu\n",
		  cpu, when, (unsigned long long)s->entries, cpu, when,
		  (unsigned long long)s->overrun, cpu, when, (unsigned long long)s->commit_overrun,
		  cpu, when, (unsigned long long)s->bytes, cpu, when,
		  (unsigned long long)s->dropped_events, cpu, when,
		  (unsigned long long)s->read_events);
}

static uint64_t delta(uint64_t end, uint64_t start)
{
	return end >= start ? end - start : 0;
}

/* The options of the file: trace-cmd's, then skbtrail's (docs/file-format.md). */
static int add_options(struct skbt_recorder *r, enum skbt_stop_reason why,
		       const char *finalised_by, char **end_text)
{
	struct skbt_writer *w = r->writer;
	struct tracefs_instance *inst = skbt_session_instance(r->session);
	struct skbt_sbuf sb = { 0 };
	struct utsname u;
	uint32_t ncpus = r->ncpus;
	char *clock;
	int i, ret = 0;
	double secs = (r->t_end.tv_sec - r->t_start.tv_sec) +
		      (r->t_end.tv_nsec - r->t_start.tv_nsec) / 1e9;

	static const uint16_t ids[] = { SKBT_TDAT_OPT_TRACECLOCK, SKBT_TDAT_OPT_UNAME,
					SKBT_TDAT_OPT_VERSION, SKBT_TDAT_OPT_CPUSTAT,
					SKBT_TDAT_OPT_CPUCOUNT, SKBT_OPTION_ID };

	for (i = 0; i < (int)SKBT_ARRAY_SIZE(ids); i++)
		skbt_writer_del_option(w, ids[i]);
	clock = tracefs_instance_file_read(inst, "trace_clock", NULL);
	if (clock) {
		ret |= skbt_writer_add_option(w, SKBT_TDAT_OPT_TRACECLOCK, clock, strlen(clock) + 1);
		free(clock);
	}
	if (uname(&u) == 0) {
		skbt_sbuf_printf(&sb, "%s %s %s %s", u.sysname, u.nodename, u.release, u.machine);
		if (sb.p)
			ret |= skbt_writer_add_option(w, SKBT_TDAT_OPT_UNAME, sb.p, sb.len + 1);
		free(sb.p);
		sb = (struct skbt_sbuf){ 0 };
	}
	skbt_sbuf_printf(&sb, "skbtrail-record %s", SKBT_VERSION);
	if (sb.p)
		ret |= skbt_writer_add_option(w, SKBT_TDAT_OPT_VERSION, sb.p, sb.len + 1);
	free(sb.p);
	sb = (struct skbt_sbuf){ 0 };
	for (i = 0; i < r->ncpus; i++) {
		skbt_sbuf_printf(&sb, "CPU: %d\n%s", i, end_text[i] ? end_text[i] : "");
		if (sb.p)
			ret |= skbt_writer_add_option(w, SKBT_TDAT_OPT_CPUSTAT, sb.p, sb.len + 1);
		free(sb.p);
		sb = (struct skbt_sbuf){ 0 };
	}
	ret |= skbt_writer_add_option(w, SKBT_TDAT_OPT_CPUCOUNT, &ncpus, 4);

	skbt_sbuf_printf(&sb, "kind=" SKBT_SBOPT_NAME_RECORD "\nformat=1\nrecorder=skbtrail-record %s\n",
			 SKBT_VERSION);
	skbt_sbuf_printf(&sb, "instance=%s\nclock=%s\nbuffer_kb=%lu\npage_size=%u\nncpus=%d\n",
		  skbt_session_name(r->session), skbt_session_clock(r->session),
		  skbt_session_buffer_kb(r->session), skbt_session_page_size(r->session),
		  r->ncpus);
	skbt_sbuf_printf(&sb, "events_option=%s\nevents_requested=%s\nevents_enabled=%s\n"
		  "events_missing=%s\n", r->cfg.events_text ? r->cfg.events_text : "core",
		  skbt_session_requested(r->session), skbt_session_enabled(r->session),
		  skbt_session_missing(r->session));
	skbt_sbuf_printf(&sb, "dev=%s\ndev_filter=%s\n", r->cfg.devs_text ? r->cfg.devs_text : "",
		  skbt_session_filter(r->session));
	if (r->own_pids[0])
		skbt_sbuf_printf(&sb, "recorder_pids=%s\n", r->own_pids);
	skbt_sbuf_printf(&sb, "readers=%u\nreader_cpus=%s\n", skbt_capture_nreaders(r->capture),
			 r->cfg.reader_cpus_text ? r->cfg.reader_cpus_text : "");
	if (r->cfg.buffer_plan)
		skbt_sbuf_printf(&sb, "buffer_plan=%s\n", r->cfg.buffer_plan);
	skbt_sbuf_printf(&sb, "start_time=%lld\nstart_monotonic_ns=%lld\nduration_s=%.6f\n",
		  (long long)r->wall_start,
		  (long long)r->t_start.tv_sec * 1000000000LL + r->t_start.tv_nsec, secs);
	skbt_sbuf_printf(&sb, "stop_reason=%s\nfinalised_by=%s\nkallsyms=%s\n", skbt_stop_reason_name(why),
		  finalised_by, r->kallsyms_note);
	if (r->trigger)
		skbt_sbuf_printf(&sb, "trigger=%s\ntrigger_time_ns=%llu\ntrigger_after_s=%.3f\n",
				 r->trigger, (unsigned long long)r->trigger_ns, r->cfg.flight_after_s);
	if (r->trigger && r->note)
		skbt_sbuf_str(&sb, r->note);
	for (i = 0; i < r->ncpus; i++) {
		const struct skbt_record_cpu *c = &r->cpu[i];

		sb_stats(&sb, i, "start", &c->start);
		sb_stats(&sb, i, "end", &c->end);
		skbt_sbuf_printf(&sb, "cpu%d.lost=%llu\ncpu%d.spool_bytes=%llu\n", i,
			  (unsigned long long)(delta(c->end.overrun, c->start.overrun) +
					       delta(c->end.dropped_events, c->start.dropped_events)),
			  i, (unsigned long long)c->spool_bytes);
	}
	if (!sb.p)
		return -ENOMEM;
	ret |= skbt_writer_add_option(w, SKBT_OPTION_ID, sb.p, sb.len + 1);
	free(sb.p);
	{
		const char *ctx[] = { r->ctx_static, r->ctx_start, r->ctx_stop };

		for (i = 0; i < 3; i++)
			if (ctx[i])
				ret |= skbt_writer_add_option(w, SKBT_OPTION_ID, ctx[i],
							      strlen(ctx[i]) + 1);
	}
	return ret ? -ENOMEM : 0;
}

/*
 * Rename the finished file over OUT, but never over anything but a regular file (or a
 * symlink, which rename replaces without following): OUT may have been replaced by a
 * device, fifo or directory since the check at start.  When OUT does not exist,
 * RENAME_NOREPLACE closes the window between the lstat and the rename.  On refusal the
 * file stays in the temporary directory, named in the error.
 */
static int place_output(struct skbt_recorder *r, struct skbt_err *err)
{
	struct stat st;
	int ret;

	if (lstat(r->output, &st) == 0) {
		if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
			return skbt_err_set(err, -EEXIST, "%s is now %s, not a regular file: not "
					    "replaced; the recording is in %s", r->output,
					    skbt_file_kind(st.st_mode), r->tmp_path);
		ret = rename(r->tmp_path, r->output);
	} else if (errno == ENOENT) {
		ret = renameat2(AT_FDCWD, r->tmp_path, AT_FDCWD, r->output, RENAME_NOREPLACE);
		if (ret < 0 && (errno == EINVAL || errno == ENOSYS))	/* fs without it */
			ret = rename(r->tmp_path, r->output);
		if (ret < 0 && errno == EEXIST)
			return skbt_err_set(err, -EEXIST, "%s appeared while recording: not "
					    "replaced; the recording is in %s", r->output,
					    r->tmp_path);
	} else {
		ret = -1;
	}
	if (ret < 0) {
		ret = -errno;
		return skbt_err_set(err, ret, "cannot rename %s to %s: %s", r->tmp_path,
				    r->output, strerror(-ret));
	}
	return 0;
}

/* Everything after the ring buffers are drained: stats, options, file, rename. */
static int assemble(struct skbt_recorder *r, enum skbt_stop_reason why, const char *by,
		    struct skbt_writer_stats *ws, struct skbt_err *err)
{
	char **end_text = calloc(r->ncpus, sizeof(*end_text));
	bool punch = why == SKBT_STOP_DISK_FULL;
	int i, ret;

	if (!end_text)
		return skbt_err_set(err, -ENOMEM, "out of memory");
	clock_gettime(CLOCK_MONOTONIC, &r->t_end);
	for (i = 0; i < r->ncpus; i++) {
		skbt_session_cpu_stats(r->session, i, &end_text[i], &r->cpu[i].end);
		r->cpu[i].spool_bytes = skbt_capture_cpu_bytes(r->capture, i);
	}
	skbt_session_update_cmdlines(r->session, r->writer);
	/* Counters right after tracing off (the capture threads are joined: fork is safe). */
	if (!r->ctx_stop)
		skbt_snapshot_counters(&r->snap, SKBT_SBOPT_NAME_CONTEXT_STOP, &r->ctx_stop);
	ret = add_options(r, why, by, end_text);
	if (ret) {
		skbt_err_set(err, ret, "out of memory");
		goto out;
	}
	if (r->headers) {
		ret = skbt_headers_add_options(r->headers, r->writer, err);
		if (ret)
			goto out;
	}
	ret = skbt_writer_write(r->writer, r->out_fd, r->ncpus, skbt_capture_spool_fds(r->capture),
				punch, ws, err);
	if (ret == -ENOSPC && ws->header_bytes == 0) {
		/* Not even the header fit (cmdlines grew past the reserve): drop kallsyms. */
		skbt_writer_set_blob(r->writer, SKBT_WB_KALLSYMS, "", 0);
		r->kallsyms = false;
		r->kallsyms_note = "omitted (disk space)";
		if (add_options(r, why, by, end_text) == 0 &&
		    (!r->headers || skbt_headers_add_options(r->headers, r->writer, err) == 0))
			ret = skbt_writer_write(r->writer, r->out_fd, r->ncpus,
						skbt_capture_spool_fds(r->capture), true, ws, err);
	}
	if ((ret && ret != -ENOSPC) || ws->header_bytes == 0)
		goto out;
	if (fsync(r->out_fd) < 0 && errno == ENOSPC && !ret)
		ret = skbt_err_set(err, -ENOSPC, "disk full");
	{
		int rret = place_output(r, err);

		if (rret)
			ret = rret;
	}
out:
	for (i = 0; i < r->ncpus; i++)
		free(end_text[i]);
	free(end_text);
	return ret;
}

static void fill_summary(struct skbt_recorder *r, const struct skbt_writer_stats *ws,
			 struct skbt_record_summary *sum)
{
	if (!sum)
		return;
	*sum = (struct skbt_record_summary){
		.ncpus = r->ncpus,
		.cpu = r->cpu,
		.file_bytes = ws->file_bytes,
		.data_bytes = ws->data_bytes,
		.raw_data_bytes = ws->raw_data_bytes,
		.seconds = (r->t_end.tv_sec - r->t_start.tv_sec) +
			   (r->t_end.tv_nsec - r->t_start.tv_nsec) / 1e9,
		.kallsyms = r->kallsyms,
		.truncated_cpus = ws->truncated_cpus,
		.output = r->output,
		.buffer_kb = skbt_session_buffer_kb(r->session),
	};
	snprintf(r->sum_instance, sizeof(r->sum_instance), "%s", skbt_session_name(r->session));
	snprintf(r->sum_clock, sizeof(r->sum_clock), "%s", skbt_session_clock(r->session));
	free(r->sum_missing);
	free(r->sum_filter);
	r->sum_missing = strdup(skbt_session_missing(r->session));
	r->sum_filter = strdup(skbt_session_filter(r->session));
	sum->instance = r->sum_instance;
	sum->clock = r->sum_clock;
	sum->missing = r->sum_missing ? r->sum_missing : "";
	sum->filter = r->sum_filter ? r->sum_filter : "";
	sum->headers = r->headers;
}

static void guard_tell(struct skbt_recorder *r, char what)
{
	if (r->guard_fd >= 0) {
		if (write(r->guard_fd, &what, 1) < 0) {
			/* The guard is gone: nothing to tell. */
		}
		close(r->guard_fd);
		r->guard_fd = -1;
	}
	if (r->guard > 0) {
		while (waitpid(r->guard, NULL, 0) < 0 && errno == EINTR)
			;
		r->guard = -1;
	}
}

int skbt_recorder_finish(struct skbt_recorder *r, enum skbt_stop_reason why,
			 struct skbt_record_summary *sum, struct skbt_err *err)
{
	struct skbt_writer_stats ws = { 0 };
	struct skbt_err cerr = { 0 };
	int ret, cret;

	skbt_session_stop(r->session);
	cret = skbt_capture_stop(r->capture, &cerr);
	if (r->headers)
		skbt_headers_stop(r->headers);
	if (cret == -ENOSPC)
		why = SKBT_STOP_DISK_FULL;
	ret = assemble(r, why, "recorder", &ws, err);
	fill_summary(r, &ws, sum);
	if (!ret && cret)
		ret = skbt_err_set(err, cret, "%s", cerr.msg);
	if (ws.header_bytes) {
		skbt_capture_close(r->capture, true);
		r->capture = NULL;
		close(r->out_fd);
		r->out_fd = -1;
	}
	skbt_session_close(r->session);
	r->session = NULL;
	/* The file is in place (or cannot be): the guard has nothing left to do. */
	guard_tell(r, 'F');
	return ret;
}

/* Per-CPU stats, counters and times at the start of what the next file will hold. */
static void mark_start(struct skbt_recorder *r)
{
	int i;

	for (i = 0; i < r->ncpus; i++) {
		free(r->start_text[i]);
		r->start_text[i] = NULL;
		skbt_session_cpu_stats(r->session, i, &r->start_text[i], &r->cpu[i].start);
	}
	free(r->ctx_start);
	r->ctx_start = NULL;
	skbt_snapshot_counters(&r->snap, SKBT_SBOPT_NAME_CONTEXT_START, &r->ctx_start);
	clock_gettime(CLOCK_MONOTONIC, &r->t_start);
	r->wall_start = time(NULL);
}

int skbt_recorder_trigger(struct skbt_recorder *r, const char *output, const char *reason,
			  uint64_t time_ns, struct skbt_record_summary *sum, struct skbt_err *err)
{
	struct skbt_writer_stats ws = { 0 };
	char *out = strdup(output);
	int ret, e;

	if (!out)
		return skbt_err_set(err, -ENOMEM, "out of memory");
	skbt_session_stop(r->session);
	ret = skbt_capture_drain(r->capture, err);
	if (ret) {
		free(out);
		skbt_session_start(r->session);
		return ret;
	}
	free(r->output);
	r->output = out;
	r->trigger = reason;
	r->trigger_ns = time_ns;
	/* the node's counters at the trigger, not at the start */
	free(r->ctx_stop);
	r->ctx_stop = NULL;
	ret = assemble(r, SKBT_STOP_TRIGGER, "recorder", &ws, err);
	fill_summary(r, &ws, sum);
	r->trigger = NULL;
	/* A fresh temporary file and empty spools and buffers for the next trigger. */
	close(r->out_fd);
	r->out_fd = -1;
	if (ret) {
		/* the file could not be placed: it stays in the temporary directory */
		char *kept;

		if (asprintf(&kept, "%s.failed-%llu", r->tmp_path, (unsigned long long)time_ns) >= 0) {
			if (rename(r->tmp_path, kept) < 0)
				unlink(r->tmp_path);
			free(kept);
		}
	}
	r->out_fd = open(r->tmp_path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (r->out_fd < 0)
		return ret ? ret : skbt_err_set(err, -errno, "%s: cannot create: %s", r->tmp_path,
						strerror(errno));
	e = reserve(r, NULL);
	if (!e)
		e = skbt_capture_reset(r->capture);
	if (!e)
		e = skbt_session_clear(r->session);
	if (e)
		return ret ? ret : skbt_err_set(err, e, "cannot reset for the next trigger: %s",
						strerror(-e));
	mark_start(r);
	e = skbt_session_start(r->session);
	if (e && !ret)
		ret = skbt_err_set(err, e, "cannot turn tracing on in instance %s",
				   skbt_session_name(r->session));
	return ret;
}

int skbt_recorder_flight_size(struct skbt_recorder *r, double seconds, double hold_s,
			      unsigned long min_kb, unsigned long max_kb, unsigned long *kb,
			      double *rate, struct skbt_err *err)
{
	struct timespec nap = { (time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9) };
	double best = 0, need;
	int i, ret;

	ret = skbt_session_start(r->session);
	if (ret)
		return skbt_err_set(err, ret, "cannot turn tracing on in instance %s",
				    skbt_session_name(r->session));
	while (nanosleep(&nap, &nap) < 0 && errno == EINTR)
		;
	skbt_session_stop(r->session);
	for (i = 0; i < r->ncpus; i++) {
		struct skbt_cpu_stats st = { 0 };
		char *text = NULL;
		double b;

		skbt_session_cpu_stats(r->session, i, &text, &st);
		free(text);
		/* bytes still held, plus what was overwritten at the same mean event size */
		b = (double)st.bytes;
		if (st.entries && st.overrun)
			b += (double)st.overrun * st.bytes / st.entries;
		if (b / seconds > best)
			best = b / seconds;
	}
	*rate = best;
	need = best * hold_s * 1.25 / 1024;
	*kb = need < min_kb ? min_kb : need > max_kb ? max_kb : (unsigned long)need + 1;
	ret = skbt_session_set_buffer_kb(r->session, *kb);
	if (!ret)
		ret = skbt_session_clear(r->session);
	if (ret)
		return skbt_err_set(err, ret, "cannot set a %lu KB buffer per CPU: %s", *kb,
				    strerror(-ret));
	*kb = skbt_session_buffer_kb(r->session);
	for (i = 0; i < r->ncpus; i++) {
		free(r->start_text[i]);
		r->start_text[i] = NULL;
		skbt_session_cpu_stats(r->session, i, &r->start_text[i], &r->cpu[i].start);
	}
	return 0;
}

bool skbt_recorder_tripped(struct skbt_recorder *r)
{
	return r->started && skbt_session_tripped(r->session);
}

int skbt_recorder_resume(struct skbt_recorder *r)
{
	return skbt_session_start(r->session);
}

int skbt_recorder_arm_drop(struct skbt_recorder *r, bool on)
{
	return skbt_session_arm_drop(r->session, on);
}

struct tracefs_instance *skbt_recorder_instance(struct skbt_recorder *r)
{
	return skbt_session_instance(r->session);
}

unsigned int skbt_recorder_page_size(const struct skbt_recorder *r)
{
	return skbt_session_page_size(r->session);
}

int skbt_recorder_ncpus(const struct skbt_recorder *r)
{
	return r->ncpus;
}

const int *skbt_recorder_spool_fds(const struct skbt_recorder *r)
{
	return skbt_capture_spool_fds(r->capture);
}

const char *skbt_recorder_clock(const struct skbt_recorder *r)
{
	return skbt_session_clock(r->session);
}

const char *skbt_recorder_tmp_dir(const struct skbt_recorder *r)
{
	return r->tmp_dir;
}

int skbt_recorder_write_formats(struct skbt_recorder *r, const char *path, struct skbt_err *err)
{
	struct skbt_writer_stats ws = { 0 };
	struct skbt_sbuf sb = { 0 };
	int *none = malloc(r->ncpus * sizeof(*none));
	int fd, ret;

	if (!none)
		return skbt_err_set(err, -ENOMEM, "out of memory");
	for (int i = 0; i < r->ncpus; i++)
		none[i] = -1;
	/* only what a decoder reads of the file's own option (docs/file-format.md) */
	skbt_sbuf_printf(&sb, "kind=" SKBT_SBOPT_NAME_RECORD "\nformat=1\nevents_enabled=%s\n",
			 skbt_session_enabled(r->session));
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (!sb.p || fd < 0) {
		ret = skbt_err_set(err, fd < 0 ? -errno : -ENOMEM, "%s: %s", path,
				   fd < 0 ? strerror(errno) : "out of memory");
		goto out;
	}
	skbt_writer_del_option(r->writer, SKBT_OPTION_ID);
	ret = skbt_writer_add_option(r->writer, SKBT_OPTION_ID, sb.p, sb.len + 1);
	if (ret)
		skbt_err_set(err, ret, "out of memory");
	else
		ret = skbt_writer_write(r->writer, fd, r->ncpus, none, false, &ws, err);
	/* the files written later get their options from add_options() */
	skbt_writer_del_option(r->writer, SKBT_OPTION_ID);
out:
	if (fd >= 0)
		close(fd);
	free(sb.p);
	free(none);
	return ret;
}

int skbt_recorder_set_buffer_kb(struct skbt_recorder *r, unsigned long kb)
{
	int ret = skbt_session_set_buffer_kb(r->session, kb);

	for (int i = 0; !ret && i < r->ncpus; i++) {
		free(r->start_text[i]);
		r->start_text[i] = NULL;
		skbt_session_cpu_stats(r->session, i, &r->start_text[i], &r->cpu[i].start);
	}
	return ret;
}

void skbt_recorder_set_note(struct skbt_recorder *r, const char *note)
{
	r->note = note;
}

void skbt_recorder_set_plan(struct skbt_recorder *r, const char *plan)
{
	r->cfg.buffer_plan = plan;
}

/* The temporary directory, once empty (a file kept after a failed rename stays). */
static void remove_tmp_dir(struct skbt_recorder *r)
{
	if (r->tmp_dir && rmdir(r->tmp_dir) == 0) {
		free(r->tmp_dir);
		r->tmp_dir = NULL;
	}
}

void skbt_recorder_abort(struct skbt_recorder *r)
{
	if (!r)
		return;
	if (r->session)
		skbt_session_stop(r->session);
	if (r->capture) {
		skbt_capture_stop(r->capture, NULL);
		skbt_capture_close(r->capture, true);
		r->capture = NULL;
	}
	skbt_session_close(r->session);
	r->session = NULL;
	guard_tell(r, 'A');
	skbt_headers_close(r->headers, true);
	r->headers = NULL;
	if (r->out_fd >= 0) {
		close(r->out_fd);
		r->out_fd = -1;
		if (r->tmp_path)
			unlink(r->tmp_path);
	}
	remove_tmp_dir(r);
}

void skbt_recorder_close(struct skbt_recorder *r)
{
	int i;

	if (!r)
		return;
	if (r->guard_fd >= 0 || r->capture || r->session)
		skbt_recorder_abort(r);
	skbt_writer_free(r->writer);
	skbt_headers_close(r->headers, true);
	r->headers = NULL;
	remove_tmp_dir(r);
	for (i = 0; r->start_text && i < r->ncpus; i++)
		free(r->start_text[i]);
	free(r->start_text);
	free(r->cpu);
	free(r->output);
	free(r->tmp_path);
	free(r->tmp_dir);
	free(r->spool_base);
	free(r->sum_missing);
	free(r->sum_filter);
	free(r->ctx_static);
	free(r->ctx_start);
	free(r->ctx_stop);
	free(r);
}

/* The guard: wait for the recorder; finish its file if it dies without saying so. */
static void guard_main(struct skbt_recorder *r, int rfd)
{
	struct skbt_writer_stats ws = { 0 };
	struct skbt_err err = { 0 };
	char name[16], c, last = 0;
	ssize_t n;

	snprintf(name, sizeof(name), "skbtg-%d", (int)getppid());
	prctl(PR_SET_NAME, name, 0, 0, 0);
	/* Ctrl-C reaches the whole process group: the recorder handles it, not us. */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	/* Leave the recorder's stdout/stderr: the test harness may wait for them to close. */
	{
		int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (devnull >= 0) {
			dup2(devnull, STDIN_FILENO);
			dup2(devnull, STDOUT_FILENO);
			dup2(devnull, STDERR_FILENO);
			close(devnull);
		}
	}
	while ((n = read(rfd, &c, 1)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		last = c;
	}
	close(rfd);
	if (last == 'F' || last == 'A' || !r->session || r->cfg.flight) {
		if (r->session && r->cfg.flight && last != 'F' && last != 'A') {
			/* A killed flight recorder: no trigger, no file; leave no instance. */
			skbt_session_close(r->session);
			skbt_capture_close(r->capture, true);
			if (r->tmp_path)
				unlink(r->tmp_path);
			if (r->tmp_dir)
				rmdir(r->tmp_dir);
			_exit(0);
		}
		if (r->session)
			skbt_session_forget(r->session);
		_exit(0);
	}
	/* The recorder died.  Turn tracing off and keep everything it had not read yet. */
	skbt_session_stop(r->session);
	skbt_capture_drain(r->capture, &err);
	if (r->headers)		/* forked before the reader threads started: none to join */
		skbt_headers_stop(r->headers);
	assemble(r, SKBT_STOP_GUARD, "guard", &ws, &err);
	if (ws.header_bytes) {
		skbt_capture_close(r->capture, true);
		skbt_headers_close(r->headers, true);
		if (r->tmp_dir)
			rmdir(r->tmp_dir);
	}
	skbt_session_close(r->session);
	_exit(0);
}
