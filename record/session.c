// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The recorder's private tracefs instance.  Everything it writes is inside
 * instances/skbtrail-<pidns inode>-<pid>-<start time>/ (tracing_on, trace_clock, buffer_size_kb, events/<sys>/<ev>/
 * enable and filter); top-level files are only read (formats, header_page, printk_formats,
 * saved_cmdlines).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tracefs.h>

#include "skbtrail/session.h"
#include "skbtrail/writer.h"

/* The recorder's view of skbtrail/events.def: what --events core and full enable. */
struct skbt_event_def {
	const char *system;
	const char *name;
	bool core;		/* in the core set (and required); else only in --events full */
	const char *filter;	/* fixed kernel filter, or NULL */
	const char *lean;	/* its filter under --events lean, or NULL */
};

#define CORE true
#define FULL false
static const struct skbt_event_def known_events[] = {
#define SKBT_EVENT(id, sys, name, set, role, payload, skb, len, a, b, c, dev, filter, lean) \
	{ sys, name, set, filter, lean },
#include "skbtrail/events.def"
#undef SKBT_EVENT
};
#undef CORE
#undef FULL

bool skbt_session_known_event(unsigned int i, const char **system, const char **name,
			      bool *core)
{
	const struct skbt_event_def *d;

	if (i >= SKBT_ARRAY_SIZE(known_events))
		return false;
	d = &known_events[i];
	*system = d->system;
	*name = d->name;
	*core = d->core;
	return true;
}

/* A growable comma-separated string list. */
struct strlist {
	char *s;
	size_t len;
};

struct skbt_session {
	struct tracefs_instance *inst;
	char name[64];
	char clock[32];
	unsigned long buffer_kb;
	int ncpus;
	unsigned int page_size;
	struct strlist requested, enabled, missing, systems, filter;
	char *drop_cmd;			/* --trigger drop: the kfree_skb trigger written, or NULL */
};

static int sl_add(struct strlist *l, const char *item)
{
	size_t n = strlen(item);
	char *p = realloc(l->s, l->len + n + 2);

	if (!p)
		return -ENOMEM;
	l->s = p;
	if (l->len)
		p[l->len++] = ',';
	memcpy(p + l->len, item, n + 1);
	l->len += n;
	return 0;
}

static bool sl_has(const struct strlist *l, const char *item)
{
	size_t n = strlen(item);
	const char *p = l->s;

	while (p && *p) {
		const char *e = strchr(p, ',');
		size_t m = e ? (size_t)(e - p) : strlen(p);

		if (m == n && !strncmp(p, item, n))
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

static const char *sl_str(const struct strlist *l)
{
	return l->s ? l->s : "";
}

static bool has_instances(const char *dir)
{
	char buf[4096];
	struct stat st;

	snprintf(buf, sizeof(buf), "%s/instances", dir);
	return stat(buf, &st) == 0 && S_ISDIR(st.st_mode);
}

int skbt_session_tracefs_check(struct skbt_err *err)
{
	const char *path = tracefs_tracing_dir();
	int e = 0;

	if (path && has_instances(path))
		return 0;
	/*
	 * Not mounted (tracefs_tracing_dir_is_mounted() would do this too, but leaks in
	 * libtracefs 1.6): mount it where the kernel expects it, then ask again.
	 */
	if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL) < 0 && errno != EBUSY)
		e = errno;
	path = tracefs_tracing_dir();
	if (path && has_instances(path))
		return 0;
	if (path)
		return skbt_err_set(err, -ENODEV, "tracefs at %s has no instances/", path);
	return skbt_err_set(err, -ENODEV, "tracefs is not mounted and cannot be mounted (%s)",
			    strerror(e ? e : ENODEV));
}

/* True when @pid is a live (not zombie) process whose name is @comm. */
static bool proc_is(int pid, const char *comm)
{
	char path[64], buf[512], *l, *r;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	l = strchr(buf, '(');
	r = strrchr(buf, ')');
	if (!l || !r || r < l || r[1] != ' ')
		return false;
	*r = '\0';
	if (r[2] == 'Z' || r[2] == 'X')
		return false;
	return !strcmp(l + 1, comm);
}

/* True when some process is the guard of recorder @pid. */
static bool guard_alive(int pid)
{
	char comm[32];
	struct dirent *de;
	bool found = false;
	DIR *d;

	snprintf(comm, sizeof(comm), "skbtg-%d", pid);
	d = opendir("/proc");
	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		found = proc_is(atoi(de->d_name), comm);
	}
	closedir(d);
	return found;
}

/*
 * Field 22 (starttime, clock ticks since boot) of /proc/<pid>/stat, or 0 when there is no
 * such live (not zombie) process in our /proc.
 */
static unsigned long long proc_starttime(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	ssize_t n;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');	/* comm may hold spaces and parentheses */
	if (!p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
		return 0;
	p += 2;			/* field 3, state */
	for (field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (p)
		start = strtoull(p, NULL, 10);
	return start;
}

/* Inode of our pid namespace (/proc/self/ns/pid), or 0 when it cannot be read. */
static unsigned long long pidns_inode(void)
{
	struct stat st;

	return stat("/proc/self/ns/pid", &st) == 0 ? (unsigned long long)st.st_ino : 0;
}

/* A run of digits at *p (no sign, no leading garbage); advances *p past it. */
static bool take_number(const char **p, unsigned long long *v)
{
	size_t n = strspn(*p, "0123456789");
	char *end;

	if (!n || n > 20)
		return false;
	errno = 0;
	*v = strtoull(*p, &end, 10);
	if (errno || end != *p + n)
		return false;
	*p = end;
	return true;
}

/*
 * Parse an instance name: "skbtrail-<pidns inode>-<pid>-<starttime>" (this version) -> 2,
 * "skbtrail-<pid>" (older versions) -> 1, anything else -> 0.
 */
static int instance_parse(const char *name, unsigned long long *ns, int *pid,
			  unsigned long long *start)
{
	size_t n = strlen(SKBT_INSTANCE_PREFIX);
	const char *p = name + n;
	unsigned long long a, b, c;

	if (strncmp(name, SKBT_INSTANCE_PREFIX, n) || !take_number(&p, &a))
		return 0;
	if (!*p) {
		if (!a || a > 0x7fffffff)
			return 0;
		*pid = (int)a;
		return 1;
	}
	if (*p++ != '-' || !take_number(&p, &b) || *p++ != '-' || !take_number(&p, &c) || *p)
		return 0;
	if (!b || b > 0x7fffffff)
		return 0;
	*ns = a;
	*pid = (int)b;
	*start = c;
	return 2;
}

/* Append "NAME (WHY)" as one line to @l. */
static void note_kept(struct strlist *l, const char *name, const char *why)
{
	size_t n = strlen(name) + strlen(why) + 4;
	char *p = realloc(l->s, l->len + n + 1);

	if (!p)
		return;
	l->s = p;
	l->len += sprintf(p + l->len, "%s%s (%s)", l->len ? "\n" : "", name, why);
}

int skbt_session_remove_stale(char **removed, char **kept, struct skbt_err *err)
{
	struct strlist gone = { 0 }, left = { 0 };
	const char *top = tracefs_tracing_dir();
	unsigned long long my_ns = pidns_inode();
	struct dirent *de;
	char path[4096];
	int count = 0, ret = 0;
	DIR *d;

	*removed = NULL;
	*kept = NULL;
	if (!top)
		return 0;
	snprintf(path, sizeof(path), "%s/instances", top);
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		unsigned long long ns = 0, start = 0, now;
		struct tracefs_instance *inst;
		int pid = 0, kind = instance_parse(de->d_name, &ns, &pid, &start);

		if (!kind)
			continue;
		if (kind == 1) {
			/* An older recorder's: its pid may be of another pid namespace. */
			if (!proc_is(pid, "skbtrail-record") && !guard_alive(pid))
				note_kept(&left, de->d_name, "old name format, cannot prove it stale");
			continue;
		}
		if (!my_ns || ns != my_ns) {
			/* A recorder in another pid namespace (a container, the host): not ours. */
			note_kept(&left, de->d_name, my_ns ? "of another pid namespace"
							   : "our pid namespace is unknown");
			continue;
		}
		now = proc_starttime(pid);
		if (now && now == start)
			continue;	/* that recorder runs */
		if (guard_alive(pid))
			continue;	/* its guard is finishing the file */
		/* Provably stale: our namespace, and that process is gone (or a new one). */
		inst = tracefs_instance_alloc(NULL, de->d_name);
		if (!inst)
			continue;
		tracefs_instance_file_write(inst, "tracing_on", "0");
		if (tracefs_instance_destroy(inst) < 0) {
			ret = skbt_err_set(err, -errno, "cannot remove stale instance %s: %s",
					   de->d_name, strerror(errno));
		} else {
			count++;
			sl_add(&gone, de->d_name);
		}
		tracefs_instance_free(inst);
	}
	closedir(d);
	*removed = gone.s;
	*kept = left.s;
	return ret ? ret : count;
}

static char *event_file_read(struct tracefs_instance *inst, const char *sys, const char *ev,
			     const char *file, int *len)
{
	return tracefs_event_file_read(inst, sys, ev, file, len);
}

/* Name of the device field of an event ("name" or "dev_name"), or NULL. */
static const char *dev_field(const char *format)
{
	if (!format)
		return NULL;
	if (strstr(format, "char[] dev_name;"))
		return "dev_name";
	if (strstr(format, "char[] name;"))
		return "name";
	return NULL;
}

static int build_filter(const struct skbt_session_config *cfg, const char *field, bool napi,
			const char *fixed, char **out)
{
	size_t cap = 64 + (fixed ? strlen(fixed) : 0);
	char *f;
	int i;

	for (i = 0; i < cfg->ndevs; i++)
		cap += strlen(cfg->devs[i]) + strlen(field ? field : "") + 16;
	if (napi && field)
		cap += 32 + strlen(field);
	f = calloc(1, cap);
	if (!f)
		return -ENOMEM;
	if (field && cfg->ndevs) {
		for (i = 0; i < cfg->ndevs; i++)
			sprintf(f + strlen(f), "%s%s == \"%s\"", i ? " || " : "", field,
				cfg->devs[i]);
		if (napi)
			sprintf(f + strlen(f), " || %s == \"(no_device)\"", field);
	}
	if (fixed) {
		if (*f) {
			char *g = calloc(1, cap + 8);

			if (!g) {
				free(f);
				return -ENOMEM;
			}
			sprintf(g, "(%s) && (%s)", f, fixed);
			free(f);
			f = g;
		} else {
			strcpy(f, fixed);
		}
	}
	*out = f;
	return 0;
}

static int enable_event(struct skbt_session *s, const struct skbt_session_config *cfg,
			const char *sys, const char *ev, const char *fixed, struct skbt_err *err)
{
	char *format, *filter = NULL, full[160];
	const char *field;
	int len, ret;

	snprintf(full, sizeof(full), "%s:%s", sys, ev);
	format = event_file_read(s->inst, sys, ev, "format", &len);
	if (!format)
		return -ENOENT;
	field = cfg->ndevs ? dev_field(format) : NULL;
	free(format);
	ret = build_filter(cfg, field, !strcmp(ev, "napi_poll"), fixed, &filter);
	if (ret)
		return skbt_err_set(err, ret, "out of memory");
	if (*filter) {
		if (tracefs_event_file_write(s->inst, sys, ev, "filter", filter) < 0) {
			ret = skbt_err_set(err, -EINVAL, "kernel refused filter '%s' on %s", filter,
					   full);
			free(filter);
			return ret;
		}
		if (field && !s->filter.len)
			sl_add(&s->filter, filter);
	}
	free(filter);
	if (tracefs_event_enable(s->inst, sys, ev) < 0)
		return skbt_err_set(err, -errno ? -errno : -EIO, "cannot enable %s: %s", full,
				    strerror(errno ? errno : EIO));
	sl_add(&s->enabled, full);
	if (!sl_has(&s->systems, sys))
		sl_add(&s->systems, sys);
	return 0;
}

static int add_event(struct skbt_session *s, const struct skbt_session_config *cfg,
		     const char *sys, const char *ev, bool required, const char *fixed,
		     struct skbt_err *err)
{
	char full[160];
	int ret;

	snprintf(full, sizeof(full), "%s:%s", sys, ev);
	sl_add(&s->requested, full);
	ret = enable_event(s, cfg, sys, ev, fixed, err);
	if (ret == -ENOENT) {
		/* The user named it: a usage error, not a kernel one. */
		if (cfg->set == SKBT_EVENTS_LIST)
			return skbt_err_set(err, -EINVAL, "unknown event %s", full);
		if (required)
			return skbt_err_set(err, -ENOENT, "the kernel has no event %s", full);
		sl_add(&s->missing, full);
		return 0;
	}
	return ret;
}

/* True when the trace_clock text @avail ("[local] global ... mono ...") lists @clock. */
static bool clock_listed(const char *avail, const char *clock)
{
	const char *p = avail;
	size_t n = strlen(clock);

	while (*p) {
		size_t m;

		p += strspn(p, " \n[]");
		m = strcspn(p, " \n[]");
		if (m == n && !strncmp(p, clock, n))
			return true;
		p += m;
	}
	return false;
}

static int set_clock(struct skbt_session *s, const char *want, struct skbt_err *err)
{
	char *avail = tracefs_instance_file_read(s->inst, "trace_clock", NULL);
	const char *cands[] = { want ? want : "mono", want ? NULL : "global" };
	int ret = -EINVAL;
	size_t i;

	if (!avail)
		return skbt_err_set(err, -EIO, "cannot read trace_clock");
	for (i = 0; i < SKBT_ARRAY_SIZE(cands) && ret; i++) {
		if (!cands[i] || !clock_listed(avail, cands[i]))
			continue;
		if (tracefs_instance_file_write(s->inst, "trace_clock", cands[i]) < 0)
			continue;
		snprintf(s->clock, sizeof(s->clock), "%s", cands[i]);
		ret = 0;
	}
	if (ret)
		skbt_err_set(err, -EINVAL, "trace clock '%s' not available (have: %.*s)",
			     want ? want : "mono/global", (int)strcspn(avail, "\n"), avail);
	free(avail);
	return ret;
}

static int arm_drop_trigger(struct skbt_session *s, const char *reasons, struct skbt_err *err);

int skbt_session_open(const struct skbt_session_config *cfg, struct skbt_session **sp,
			struct skbt_err *err)
{
	struct skbt_session *s;
	long long subbuf_kb;
	size_t i;
	int ret;

	s = calloc(1, sizeof(*s));
	if (!s)
		return skbt_err_set(err, -ENOMEM, "out of memory");
	{
		/* Owner that holds across pid namespaces: namespace, pid, start time. */
		unsigned long long ns = pidns_inode(), start = proc_starttime(getpid());

		if (!ns || !start) {
			free(s);
			return skbt_err_set(err, -EIO, "cannot read /proc/self (pid namespace, "
					    "start time) to name the tracefs instance");
		}
		snprintf(s->name, sizeof(s->name), SKBT_INSTANCE_PREFIX "%llu-%d-%llu", ns,
			 (int)getpid(), start);
	}
	s->ncpus = sysconf(_SC_NPROCESSORS_CONF);
	if (s->ncpus < 1)
		s->ncpus = 1;
	if (tracefs_instance_exists(s->name)) {
		/* Cannot be a live one's, but it is not provably ours either: leave it. */
		ret = skbt_err_set(err, -EEXIST, "tracefs instance %s already exists", s->name);
		free(s);
		return ret;
	}
	s->inst = tracefs_instance_create(s->name);
	if (!s->inst) {
		ret = skbt_err_set(err, errno ? -errno : -EIO, "cannot create tracefs instance %s: %s",
				   s->name, strerror(errno ? errno : EIO));
		free(s);
		return ret;
	}
	if (tracefs_instance_file_write(s->inst, "tracing_on", "0") < 0) {
		ret = skbt_err_set(err, -EIO, "cannot write tracing_on of instance %s", s->name);
		goto fail;
	}
	if (tracefs_instance_file_read_number(s->inst, "buffer_subbuf_size_kb", &subbuf_kb) == 0 &&
	    subbuf_kb > 0)
		s->page_size = subbuf_kb * 1024;
	else
		s->page_size = getpagesize();

	ret = set_clock(s, cfg->clock, err);
	if (ret)
		goto fail;
	/*
	 * A new instance starts in overwrite mode today, but flight mode depends on it: say it
	 * rather than rely on the default.
	 */
	if (cfg->overwrite && tracefs_instance_file_write(s->inst, "options/overwrite", "1") < 0) {
		ret = skbt_err_set(err, -EIO, "cannot set options/overwrite of instance %s", s->name);
		goto fail;
	}
	if (cfg->buffer_kb) {
		if (tracefs_instance_set_buffer_size(s->inst, cfg->buffer_kb, -1) < 0) {
			ret = skbt_err_set(err, errno ? -errno : -ENOMEM,
					   "cannot set a %lu KB buffer per CPU: %s", cfg->buffer_kb,
					   strerror(errno ? errno : ENOMEM));
			goto fail;
		}
	}
	{
		ssize_t kb = tracefs_instance_get_buffer_size(s->inst, 0);

		s->buffer_kb = kb > 0 ? (unsigned long)kb : cfg->buffer_kb;
	}

	if (cfg->set == SKBT_EVENTS_LIST) {
		for (i = 0; i < (size_t)cfg->nevents; i++) {
			char sys[64], ev[96];
			const char *e = cfg->events[i];
			const char *colon = strchr(e, ':');
			const char *fixed = NULL;

			if (!colon || colon == e || !colon[1] || (size_t)(colon - e) >= sizeof(sys) ||
			    strlen(colon + 1) >= sizeof(ev) || strchr(colon + 1, ':') ||
			    strchr(e, '/') || strchr(e, '.')) {
				ret = skbt_err_set(err, -EINVAL,
						   "bad event '%s' (want system:event)", e);
				goto fail;
			}
			memcpy(sys, e, colon - e);
			sys[colon - e] = '\0';
			strcpy(ev, colon + 1);
			if (!strcmp(sys, "irq") && !strncmp(ev, "softirq_", 8))
				fixed = SKBT_NET_SOFTIRQ_FILTER;
			ret = add_event(s, cfg, sys, ev, true, fixed, err);
			if (ret)
				goto fail;
		}
	} else {
		/* the core events first (they are required), then the rest of --events full */
		for (int pass = 0; pass < 2; pass++) {
			for (i = 0; i < SKBT_ARRAY_SIZE(known_events); i++) {
				const struct skbt_event_def *d = &known_events[i];
				const char *f = d->filter;
				char both[256];

				if (d->core != !pass || (!d->core && cfg->set != SKBT_EVENTS_FULL))
					continue;
				if (cfg->set == SKBT_EVENTS_LEAN && d->lean) {
					/* both filters hold: the table's own and the lean one */
					if (f && (size_t)snprintf(both, sizeof(both), "(%s) && (%s)",
								  f, d->lean) >= sizeof(both)) {
						ret = skbt_err_set(err, -E2BIG, "%s:%s: filter too "
								   "long", d->system, d->name);
						goto fail;
					}
					f = f ? both : d->lean;
				}
				ret = add_event(s, cfg, d->system, d->name, d->core, f, err);
				if (ret)
					goto fail;
			}
		}
	}
	if (cfg->drop_trigger) {
		if (!sl_has(&s->enabled, "skb:kfree_skb")) {
			ret = add_event(s, cfg, "skb", "kfree_skb", true, NULL, err);
			if (ret)
				goto fail;
		}
		ret = arm_drop_trigger(s, cfg->drop_trigger, err);
		if (ret)
			goto fail;
	}
	*sp = s;
	return 0;
fail:
	skbt_session_close(s);
	return ret;
}

/*
 * The number the kernel prints as @name in an event's print fmt ("{ 3, \"NO_SOCKET\" }" of
 * __print_symbolic), or -1.  Reason numbers change between kernels: never hard-coded.
 */
static long symbolic_value(const char *format, const char *name)
{
	char want[80];
	const char *p;

	snprintf(want, sizeof(want), "\"%s\" }", name);
	for (p = strstr(format, want); p; p = strstr(p + 1, want)) {
		const char *q = p;

		while (q > format && q[-1] != '{')
			q--;
		if (q > format)
			return strtol(q, NULL, 0);
	}
	return -1;
}

/* Arm "traceoff if FILTER" on skb:kfree_skb (enabled by the caller). */
static int arm_drop_trigger(struct skbt_session *s, const char *reasons, struct skbt_err *err)
{
	struct skbt_sbuf f = { 0 };
	char *format, *list, *tok, *save = NULL;
	int len, ret = 0;

	format = event_file_read(s->inst, "skb", "kfree_skb", "format", &len);
	if (!format)
		return skbt_err_set(err, -ENOENT, "--trigger drop: the kernel has no skb:kfree_skb");
	list = strdup(reasons);
	if (!list) {
		free(format);
		return skbt_err_set(err, -ENOMEM, "out of memory");
	}
	skbt_sbuf_str(&f, "traceoff");
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		long v = symbolic_value(format, tok);

		if (v < 0 || !strstr(format, "REC->reason")) {
			ret = skbt_err_set(err, -EINVAL, "--trigger drop: this kernel has no drop "
					   "reason %s (see the print fmt of skb:kfree_skb)", tok);
			goto out;
		}
		skbt_sbuf_printf(&f, "%s reason == %ld", f.len > 8 ? " ||" : " if", v);
	}
	if (!*reasons) {
		long v = symbolic_value(format, "CONSUMED");
		const char *join = " if";

		if (v >= 0) {
			skbt_sbuf_printf(&f, "%s reason != %ld", join, v);
			join = " &&";
		}
		/*
		 * A packet only: an skb with an ethertype.  Netlink, Unix and vsock skbs
		 * (protocol 0) are freed through kfree_skb too, with reasons such as
		 * NOT_SPECIFIED or QUEUE_PURGE, a few times a second on a busy host, and
		 * would fire every flight recorder waiting for a drop.
		 */
		if (strstr(format, " protocol;"))
			skbt_sbuf_printf(&f, "%s protocol != 0", join);
	}
	if (f.failed || !f.p) {
		ret = skbt_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	if (tracefs_event_file_write(s->inst, "skb", "kfree_skb", "trigger", f.p) < 0) {
		ret = skbt_err_set(err, -EINVAL, "kernel refused trigger '%s' on skb:kfree_skb",
				   f.p);
		goto out;
	}
	s->drop_cmd = f.p;
	f.p = NULL;
out:
	free(f.p);
	free(list);
	free(format);
	return ret;
}

int skbt_session_arm_drop(struct skbt_session *s, bool on)
{
	/* the kernel removes a trigger by its command, whatever its filter */
	if (!s->drop_cmd)
		return 0;
	if (tracefs_event_file_write(s->inst, "skb", "kfree_skb", "trigger",
				     on ? s->drop_cmd : "!traceoff") < 0)
		return errno ? -errno : -EIO;
	return 0;
}

bool skbt_session_tripped(struct skbt_session *s)
{
	long long on;

	return tracefs_instance_file_read_number(s->inst, "tracing_on", &on) == 0 && on == 0;
}

static void session_free(struct skbt_session *s)
{
	free(s->requested.s);
	free(s->enabled.s);
	free(s->missing.s);
	free(s->systems.s);
	free(s->filter.s);
	free(s->drop_cmd);
	free(s);
}

void skbt_session_close(struct skbt_session *s)
{
	if (!s)
		return;
	if (s->inst) {
		tracefs_instance_file_write(s->inst, "tracing_on", "0");
		tracefs_instance_destroy(s->inst);
		tracefs_instance_free(s->inst);
	}
	session_free(s);
}

void skbt_session_forget(struct skbt_session *s)
{
	if (!s)
		return;
	tracefs_instance_free(s->inst);
	session_free(s);
}

int skbt_session_start(struct skbt_session *s)
{
	return tracefs_instance_file_write(s->inst, "tracing_on", "1") < 0 ? -EIO : 0;
}

int skbt_session_stop(struct skbt_session *s)
{
	return tracefs_instance_file_write(s->inst, "tracing_on", "0") < 0 ? -EIO : 0;
}

int skbt_session_set_buffer_kb(struct skbt_session *s, unsigned long kb)
{
	ssize_t got;

	if (tracefs_instance_set_buffer_size(s->inst, kb, -1) < 0)
		return errno ? -errno : -ENOMEM;
	got = tracefs_instance_get_buffer_size(s->inst, 0);
	s->buffer_kb = got > 0 ? (unsigned long)got : kb;
	return 0;
}

int skbt_session_clear(struct skbt_session *s)
{
	/* Truncating "trace" empties the ring buffers of every CPU. */
	return tracefs_instance_file_clear(s->inst, "trace") < 0 ? -EIO : 0;
}

struct tracefs_instance *skbt_session_instance(struct skbt_session *s) { return s->inst; }
const char *skbt_session_name(const struct skbt_session *s) { return s->name; }
const char *skbt_session_clock(const struct skbt_session *s) { return s->clock; }
unsigned long skbt_session_buffer_kb(const struct skbt_session *s) { return s->buffer_kb; }
int skbt_session_ncpus(const struct skbt_session *s) { return s->ncpus; }
unsigned int skbt_session_page_size(const struct skbt_session *s) { return s->page_size; }
const char *skbt_session_requested(const struct skbt_session *s) { return sl_str(&s->requested); }
const char *skbt_session_enabled(const struct skbt_session *s) { return sl_str(&s->enabled); }
const char *skbt_session_missing(const struct skbt_session *s) { return sl_str(&s->missing); }
const char *skbt_session_filter(const struct skbt_session *s) { return sl_str(&s->filter); }

void skbt_cpu_stats_parse(const char *text, struct skbt_cpu_stats *st)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{ "entries:", offsetof(struct skbt_cpu_stats, entries) },
		{ "overrun:", offsetof(struct skbt_cpu_stats, overrun) },
		{ "commit overrun:", offsetof(struct skbt_cpu_stats, commit_overrun) },
		{ "bytes:", offsetof(struct skbt_cpu_stats, bytes) },
		{ "dropped events:", offsetof(struct skbt_cpu_stats, dropped_events) },
		{ "read events:", offsetof(struct skbt_cpu_stats, read_events) },
	};
	const char *line = text;

	memset(st, 0, sizeof(*st));
	while (line && *line) {
		size_t i;

		for (i = 0; i < SKBT_ARRAY_SIZE(keys); i++) {
			size_t n = strlen(keys[i].key);

			if (!strncmp(line, keys[i].key, n)) {
				*(uint64_t *)((char *)st + keys[i].off) = strtoull(line + n, NULL, 10);
				break;
			}
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
}

int skbt_session_cpu_stats(struct skbt_session *s, int cpu, char **text,
			   struct skbt_cpu_stats *st)
{
	char path[64], *t;

	snprintf(path, sizeof(path), "per_cpu/cpu%d/stats", cpu);
	t = tracefs_instance_file_read(s->inst, path, NULL);
	if (!t) {
		if (text)
			*text = NULL;
		memset(st, 0, sizeof(*st));
		return -EIO;
	}
	skbt_cpu_stats_parse(t, st);
	if (text)
		*text = t;
	else
		free(t);
	return 0;
}

/* Read a whole file (any size, /proc files included). */
static int read_all(const char *path, char **out, size_t *outlen)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || !buf) {
		int e = fd < 0 ? -errno : -ENOMEM;

		free(buf);
		if (fd >= 0)
			close(fd);
		return e;
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *p = realloc(buf, cap * 2);

			if (!p) {
				free(buf);
				close(fd);
				return -ENOMEM;
			}
			buf = p;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = -errno;

			free(buf);
			close(fd);
			return e;
		}
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	*out = buf;
	*outlen = len;
	return 0;
}

static int add_top_blob(struct skbt_writer *w, enum skbt_writer_blob which, const char *file,
			bool required, struct skbt_err *err)
{
	char *path = tracefs_get_tracing_file(file), *data = NULL;
	size_t len = 0;
	int ret;

	if (!path)
		return skbt_err_set(err, -ENOMEM, "out of memory");
	ret = read_all(path, &data, &len);
	tracefs_put_tracing_file(path);
	if (ret) {
		if (required)
			return skbt_err_set(err, ret, "cannot read %s: %s", file, strerror(-ret));
		return skbt_writer_set_blob(w, which, "", 0);
	}
	ret = skbt_writer_set_blob(w, which, data, len);
	free(data);
	return ret ? skbt_err_set(err, ret, "out of memory") : 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add events/<sys>/<ev>/format of every event of @sys (sorted by name). */
static int add_system(struct skbt_writer *w, const char *sys, bool ftrace, struct skbt_err *err)
{
	char **events = tracefs_system_events(NULL, sys);
	int i, n = 0, ret = 0;

	if (!events)
		return 0;
	while (events[n])
		n++;
	qsort(events, n, sizeof(*events), name_cmp);
	for (i = 0; i < n && !ret; i++) {
		char file[256], *path, *data;
		size_t len;

		snprintf(file, sizeof(file), "events/%s/%s/format", sys, events[i]);
		path = tracefs_get_tracing_file(file);
		if (!path) {
			ret = -ENOMEM;
			break;
		}
		if (read_all(path, &data, &len) == 0) {
			ret = ftrace ? skbt_writer_add_ftrace_format(w, data, len)
				     : skbt_writer_add_event_format(w, sys, data, len);
			free(data);
		}
		tracefs_put_tracing_file(path);
	}
	tracefs_list_free(events);
	return ret ? skbt_err_set(err, ret, "out of memory") : 0;
}

int skbt_session_fill_writer(struct skbt_session *s, struct skbt_writer *w, bool kallsyms,
			     struct skbt_err *err)
{
	const char *p = sl_str(&s->systems);
	int ret;

	ret = add_top_blob(w, SKBT_WB_HEADER_PAGE, "events/header_page", true, err);
	if (!ret)
		ret = add_top_blob(w, SKBT_WB_HEADER_EVENT, "events/header_event", true, err);
	if (!ret)
		ret = add_system(w, "ftrace", true, err);
	while (!ret && *p) {
		char sys[64];
		size_t n = strcspn(p, ",");

		snprintf(sys, sizeof(sys), "%.*s", (int)n, p);
		ret = add_system(w, sys, false, err);
		p += n;
		if (*p == ',')
			p++;
	}
	if (!ret)
		ret = add_top_blob(w, SKBT_WB_PRINTK, "printk_formats", false, err);
	if (!ret)
		ret = skbt_session_update_cmdlines(s, w);
	if (ret)
		return ret;
	if (kallsyms) {
		char *data;
		size_t len;

		if (read_all("/proc/kallsyms", &data, &len) == 0) {
			ret = skbt_writer_set_blob(w, SKBT_WB_KALLSYMS, data, len);
			free(data);
		}
	} else {
		ret = skbt_writer_set_blob(w, SKBT_WB_KALLSYMS, "", 0);
	}
	return ret ? skbt_err_set(err, ret, "out of memory") : 0;
}

int skbt_session_update_cmdlines(struct skbt_session *s, struct skbt_writer *w)
{
	(void)s;
	return add_top_blob(w, SKBT_WB_CMDLINES, "saved_cmdlines", false, NULL);
}
