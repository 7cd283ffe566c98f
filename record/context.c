// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * context: snapshots of the node around a recording, as key=value text for the trace file
 * (docs/file-format.md, "Node context").  What cannot be read is left out and named in
 * "errors="; a snapshot never fails the recording.
 *
 * Tracepoints carry no network namespace (observed.md: other namespaces' traffic is in every
 * trace), so counters are read in the recorder's namespace (scope "-") and in every named
 * namespace under /run/netns, each in a forked child that enters it the way `ip netns exec`
 * does: a private mount namespace with sysfs remounted, since /sys/class/net shows the
 * namespace of whoever mounted sysfs (fs/sysfs/mount.c tags the mount with the netns).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/ethtool.h>
#include <linux/sockios.h>

#include "skbtrail/common.h"
#include "skbtrail/context.h"
#include "skbtrail/sbopt.h"

#define MAX_DEVS_PER_SCOPE 32
#define MAX_IFACES_PER_SCOPE 64
#define MAX_STATS 1024
#define MAX_IRQS 64
#define MAX_RXQ 64
#define MAX_CMD_LINES 200

/* Keys and values never hold '=' (keys) or a newline (both): make a string safe for them. */
static void clean(char *s, bool key)
{
	for (; *s; s++)
		if (*s == '\n' || *s == '\r' || (key && (*s == '=' || *s == ' ')))
			*s = '_';
}

char *skbt_snapshot_read_text(const char *path, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0, cap = 4096;
	char *buf;
	ssize_t n;

	if (fd < 0)
		return NULL;
	buf = malloc(cap);
	while (buf) {
		if (len + 1 >= cap) {
			char *q = cap < max ? realloc(buf, cap * 2) : NULL;

			if (!q)
				break;
			buf = q;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	close(fd);
	if (buf)
		buf[len] = 0;
	return buf;
}

/* First line of a small file, trimmed; false if unreadable. */
static bool read_line(const char *path, char *out, size_t len)
{
	char *t = skbt_snapshot_read_text(path, 4096);
	size_t n;

	if (!t)
		return false;
	n = strcspn(t, "\n");
	t[n] = 0;
	snprintf(out, len, "%s", t);
	free(t);
	clean(out, false);
	return true;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * Append what child @pid writes to @fd to @out until EOF; after @timeout_ms kill it.
 * False on the timeout.  A namespace visit or ovs-dpctl can hang: the recording must not.
 */
static bool read_child(int fd, pid_t pid, int timeout_ms, struct skbt_sbuf *out)
{
	uint64_t deadline = mono_ns() + (uint64_t)timeout_ms * 1000000ULL;
	char buf[8192];

	for (;;) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		uint64_t now = mono_ns();
		ssize_t n;

		if (now >= deadline) {
			kill(pid, SIGKILL);
			return false;
		}
		if (poll(&pf, 1, (int)((deadline - now) / 1000000) + 1) <= 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return true;
		skbt_sbuf_add(out, buf, n);
	}
}

static bool cmd_output(const struct skbt_snapshot_config *cfg, char *const argv[],
		       struct skbt_sbuf *out, struct skbt_sbuf *errs);

/* ---------- one namespace ---------- */

struct scope {
	const char *name;		/* "-" or the /run/netns name */
	const struct skbt_snapshot_config *cfg;
	struct skbt_sbuf *b;
	struct skbt_sbuf *errs;
	int sock;			/* AF_INET datagram socket for the ioctls */
	struct skbt_netdev_row *rows;
	unsigned int nrows;
};

static bool traced(const struct scope *s, const char *dev)
{
	if (s->cfg->ndevs) {
		for (int i = 0; i < s->cfg->ndevs; i++)
			if (!strcmp(s->cfg->devs[i], dev))
				return true;
		return false;
	}
	{
		struct ifreq ifr = { 0 };

		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
		return s->sock >= 0 && ioctl(s->sock, SIOCGIFFLAGS, &ifr) == 0 &&
		       (ifr.ifr_flags & IFF_UP);
	}
}

static int ethtool(const struct scope *s, const char *dev, void *data)
{
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ifr.ifr_data = data;
	return ioctl(s->sock, SIOCETHTOOL, &ifr) < 0 ? -errno : 0;
}

/* Driver statistics (ethtool -S): ETHTOOL_GSSET_INFO, ETHTOOL_GSTRINGS, ETHTOOL_GSTATS. */
static void ethtool_stats(struct scope *s, const char *dev)
{
	/* struct ethtool_sset_info ends in data[]: one u32 per set asked for */
	struct ethtool_sset_info *sset = calloc(1, sizeof(*sset) + sizeof(uint32_t));
	struct ethtool_gstrings *strs = NULL;
	struct ethtool_stats *st = NULL;
	uint32_t n, total;

	if (!sset)
		return;
	sset->cmd = ETHTOOL_GSSET_INFO;
	sset->sset_mask = 1ULL << ETH_SS_STATS;
	if (s->sock < 0 || ethtool(s, dev, sset) || !(sset->sset_mask & (1ULL << ETH_SS_STATS)))
		goto out;	/* the driver offers none (lo, bridges...) */
	total = n = sset->data[0];
	if (!n || n > 65536)
		goto out;
	if (n > MAX_STATS)
		n = MAX_STATS;
	strs = calloc(1, sizeof(*strs) + (size_t)total * ETH_GSTRING_LEN);
	st = calloc(1, sizeof(*st) + (size_t)total * sizeof(uint64_t));
	if (!strs || !st)
		goto out;
	strs->cmd = ETHTOOL_GSTRINGS;
	strs->string_set = ETH_SS_STATS;
	strs->len = total;
	st->cmd = ETHTOOL_GSTATS;
	st->n_stats = total;
	if (ethtool(s, dev, strs) || ethtool(s, dev, st)) {
		skbt_sbuf_printf(s->errs, "%sethtool -S %s/%s", s->errs->len ? "; " : "", s->name, dev);
		goto out;
	}
	for (uint32_t i = 0; i < n && i < st->n_stats; i++) {
		char name[ETH_GSTRING_LEN + 1];

		memcpy(name, strs->data + (size_t)i * ETH_GSTRING_LEN, ETH_GSTRING_LEN);
		name[ETH_GSTRING_LEN] = 0;
		if (!name[0])
			continue;
		clean(name, true);
		skbt_sbuf_printf(s->b, "ethtool:%s:%s:%s=%llu\n", s->name, dev, name,
			  (unsigned long long)st->data[i]);
	}
out:
	free(sset);
	free(strs);
	free(st);
}

/* IRQs of a device: /proc/interrupts lines naming the device or its bus device. */
static void dev_irqs(struct scope *s, const char *dev)
{
	char path[128], link[256], *bus = NULL, *text, *p;
	ssize_t n;
	int count = 0;

	snprintf(path, sizeof(path), "/sys/class/net/%s/device", dev);
	n = readlink(path, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = 0;
		bus = strrchr(link, '/');
		bus = bus ? bus + 1 : link;
	}
	if (!bus)
		return;		/* virtual device: no IRQ of its own */
	text = skbt_snapshot_read_text("/proc/interrupts", 1 << 20);
	for (p = text; p && *p && count < MAX_IRQS;) {
		char *le = strchr(p, '\n'), *name, *colon;
		size_t bl = strlen(bus), dl = strlen(dev);
		unsigned int irq;

		if (le)
			*le = 0;
		name = strrchr(p, ' ');
		name = name ? name + 1 : p;
		colon = strchr(p, ':');
		if (colon && sscanf(p, " %u:", &irq) == 1 &&
		    ((!strncmp(name, bus, bl) && (name[bl] == '-' || name[bl] == '@' || !name[bl])) ||
		     (!strncmp(name, dev, dl) && (name[dl] == '-' || name[dl] == '@')) ||
		     strstr(p, bus))) {
			char aff[256] = "";

			snprintf(path, sizeof(path), "/proc/irq/%u/smp_affinity_list", irq);
			read_line(path, aff, sizeof(aff));
			clean(name, false);
			skbt_sbuf_printf(s->b, "irq:%s:%s:%u=%s %s\n", s->name, dev, irq, aff, name);
			count++;
		}
		p = le ? le + 1 : p + strlen(p);
	}
	free(text);
}

static void dev_static(struct scope *s, const char *dev)
{
	struct ethtool_drvinfo di = { .cmd = ETHTOOL_GDRVINFO };
	struct ethtool_value gro = { .cmd = ETHTOOL_GGRO };
	struct ethtool_ringparam ring = { .cmd = ETHTOOL_GRINGPARAM };
	char path[160], val[256];
	DIR *d;

	if (s->sock >= 0 && !ethtool(s, dev, &di)) {
		clean(di.driver, false);
		skbt_sbuf_printf(s->b, "dev:%s:%s:driver=%.32s\n", s->name, dev, di.driver);
	}
	/* GRO is a feature flag (NETIF_F_GRO); ETHTOOL_GGRO reads it on every kernel */
	if (s->sock >= 0 && !ethtool(s, dev, &gro))
		skbt_sbuf_printf(s->b, "dev:%s:%s:gro=%s\n", s->name, dev, gro.data ? "on" : "off");
	if (s->sock >= 0 && !ethtool(s, dev, &ring))
		skbt_sbuf_printf(s->b, "dev:%s:%s:rx_ring=%u\ndev:%s:%s:rx_ring_max=%u\n"
			  "dev:%s:%s:tx_ring=%u\ndev:%s:%s:tx_ring_max=%u\n", s->name, dev,
			  ring.rx_pending, s->name, dev, ring.rx_max_pending, s->name, dev,
			  ring.tx_pending, s->name, dev, ring.tx_max_pending);
	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", dev);
	d = opendir(path);
	if (d) {
		struct dirent *de;
		int nq = 0;

		while ((de = readdir(d)) && nq < MAX_RXQ) {
			unsigned int q;

			if (sscanf(de->d_name, "rx-%u", &q) != 1)
				continue;
			nq++;
			snprintf(path, sizeof(path), "/sys/class/net/%s/queues/rx-%u/rps_cpus", dev, q);
			if (read_line(path, val, sizeof(val)))
				skbt_sbuf_printf(s->b, "rxq:%s:%s:%u:rps_cpus=%s\n", s->name, dev, q, val);
			snprintf(path, sizeof(path), "/sys/class/net/%s/queues/rx-%u/rps_flow_cnt",
				 dev, q);
			if (read_line(path, val, sizeof(val)))
				skbt_sbuf_printf(s->b, "rxq:%s:%s:%u:rps_flow_cnt=%s\n", s->name, dev, q, val);
		}
		closedir(d);
		skbt_sbuf_printf(s->b, "dev:%s:%s:rx_queues=%d\n", s->name, dev, nq);
	}
	dev_irqs(s, dev);
}

/*
 * The namespace of @dev's link (a veth's peer) from `ip -o link show` in this scope
 * (@links): "N: DEV@PEER: ... link-netns NAME", "link-netnsid N" for a namespace without a
 * name, neither when the peer is in this scope.  NULL when unknown or @dev has no link.
 */
static const char *link_netns(const struct scope *s, const char *links, const char *dev,
			      char *out, size_t len)
{
	size_t dl = strlen(dev);

	for (const char *l = links; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *e = strchrnul(l, '\n'), *nm = strstr(l, ": "), *ns;

		if (!nm || nm > e || strncmp(nm + 2, dev, dl) || nm[2 + dl] != '@')
			continue;
		ns = strstr(nm, " link-netns ");
		if (ns && ns < e) {
			size_t n;

			ns += 12;
			n = strcspn(ns, " \n");
			if (!n || n >= len)
				return NULL;
			memcpy(out, ns, n);
			out[n] = '\0';
			return out;
		}
		ns = strstr(nm, " link-netnsid ");
		if (ns && ns < e)
			return NULL;	/* a namespace not under /run/netns */
		snprintf(out, len, "%s", s->name);
		return out;
	}
	return NULL;
}

/*
 * What connects @dev to others, for the analyzer to refuse joins between devices nothing
 * connects: its master (bridge, OVS datapath) and its link (a veth's peer, a VLAN's lower
 * device): the iflink, and the link's namespace when `ip` tells it.  Ifindexes repeat across
 * namespaces, so the analyzer pairs veths by ifindex, iflink and namespace.
 */
static void iface_links(struct scope *s, const char *links, const char *dev)
{
	char path[160], val[64], target[256], ns[64];
	unsigned int idx = if_nametoindex(dev), link;
	const char *lns = link_netns(s, links, dev, ns, sizeof(ns));
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/net/%s/iflink", dev);
	if (read_line(path, val, sizeof(val)) && sscanf(val, "%u", &link) == 1 && link &&
	    (link != idx || lns)) {
		skbt_sbuf_printf(s->b, "iface:%s:%s:iflink=%u\n", s->name, dev, link);
		if (lns && !strchr(lns, ':') && !strchr(lns, '='))
			skbt_sbuf_printf(s->b, "iface:%s:%s:link_netns=%s\n", s->name, dev, lns);
	}
	snprintf(path, sizeof(path), "/sys/class/net/%s/master", dev);
	n = readlink(path, target, sizeof(target) - 1);
	if (n > 0) {
		const char *base;

		target[n] = '\0';
		base = strrchr(target, '/');
		base = base ? base + 1 : target;
		if (*base && !strchr(base, ':') && !strchr(base, '=') && !strchr(base, '\n'))
			skbt_sbuf_printf(s->b, "iface:%s:%s:master=%s\n", s->name, dev, base);
	}
}

static void scope_collect(struct scope *s, bool is_static)
{
	char *text = skbt_snapshot_read_text("/proc/net/dev", 1 << 20);
	struct skbt_sbuf links = { 0 };	/* `ip -o link show`: the links' namespaces */
	int ntraced = 0;

	s->sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (!text || skbt_netdev_parse(text, &s->rows, &s->nrows)) {
		skbt_sbuf_printf(s->errs, "%s/proc/net/dev in %s", s->errs->len ? "; " : "", s->name);
		s->nrows = 0;
	}
	free(text);
	if (is_static) {
		static char *const ip[] = { "/usr/sbin/ip", "-o", "link", "show", NULL };
		static char *const sbin_ip[] = { "/sbin/ip", "-o", "link", "show", NULL };

		if (!cmd_output(s->cfg, ip, &links, s->errs))
			cmd_output(s->cfg, sbin_ip, &links, s->errs);
	}
	if (s->nrows > MAX_IFACES_PER_SCOPE)
		s->nrows = MAX_IFACES_PER_SCOPE;
	for (unsigned int i = 0; i < s->nrows; i++) {
		const struct skbt_netdev_row *r = &s->rows[i];
		bool t = ntraced < MAX_DEVS_PER_SCOPE && traced(s, r->name);

		ntraced += t;
		if (is_static) {
			struct ifreq ifr = { 0 };

			snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", r->name);
			skbt_sbuf_printf(s->b, "iface:%s:%s:ifindex=%u\n", s->name, r->name,
				  if_nametoindex(r->name));
			if (s->sock >= 0 && ioctl(s->sock, SIOCGIFFLAGS, &ifr) == 0)
				skbt_sbuf_printf(s->b, "iface:%s:%s:up=%d\n", s->name, r->name,
					  !!(ifr.ifr_flags & IFF_UP));
			if (s->sock >= 0 && ioctl(s->sock, SIOCGIFMTU, &ifr) == 0)
				skbt_sbuf_printf(s->b, "iface:%s:%s:mtu=%d\n", s->name, r->name, ifr.ifr_mtu);
			skbt_sbuf_printf(s->b, "iface:%s:%s:traced=%d\n", s->name, r->name, t);
			iface_links(s, links.p, r->name);
			if (t)
				dev_static(s, r->name);
		} else {
			for (int k = 0; k < SKBT_NETDEV_NFIELDS; k++)
				skbt_sbuf_printf(s->b, "netdev:%s:%s:%s=%llu\n", s->name, r->name,
					  skbt_netdev_fields[k], (unsigned long long)r->v[k]);
			if (t)
				ethtool_stats(s, r->name);
		}
	}
	free(links.p);
	free(s->rows);
	s->rows = NULL;
	if (s->sock >= 0)
		close(s->sock);
	s->sock = -1;
}

/*
 * Collect @name's part in a child that enters the namespace; its text comes back through a
 * pipe.  The child is killed after the timeout (a hung sysfs read must not hang the stop).
 */
static void scope_in_child(const struct skbt_snapshot_config *cfg, const char *name,
			   bool is_static, struct skbt_sbuf *b, struct skbt_sbuf *errs)
{
	int p[2], status, to = cfg->timeout_ms > 0 ? cfg->timeout_ms : 2000;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return;
	}
	if (pid == 0) {
		struct skbt_sbuf cb = { 0 }, ce = { 0 };
		struct scope s = { .name = name, .cfg = cfg, .b = &cb, .errs = &ce, .sock = -1 };
		char path[300];
		int fd;
		size_t off = 0;

		close(p[0]);
		snprintf(path, sizeof(path), "/run/netns/%s", name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0 || setns(fd, CLONE_NEWNET) < 0)
			_exit(1);
		umount2("/sys", MNT_DETACH);
		if (mount("sysfs", "/sys", "sysfs", 0, NULL) < 0)
			skbt_sbuf_printf(&ce, "sysfs in %s", name);
		scope_collect(&s, is_static);
		if (ce.len)
			skbt_sbuf_printf(&cb, "\x01%s", ce.p);	/* errors after a marker byte */
		while (cb.p && off < cb.len) {
			ssize_t n = write(p[1], cb.p + off, cb.len - off);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			off += n;
		}
		_exit(0);
	}
	close(p[1]);
	{
		struct skbt_sbuf cb = { 0 };

		if (!read_child(p[0], pid, to, &cb))
			skbt_sbuf_printf(errs, "%stimeout in %s", errs->len ? "; " : "", name);
		if (cb.p) {
			char *e = strchr(cb.p, '\x01');

			if (e) {
				*e = 0;
				skbt_sbuf_printf(errs, "%s%s", errs->len ? "; " : "", e + 1);
			}
			skbt_sbuf_printf(b, "%s", cb.p);
		}
		free(cb.p);
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

/* Named namespaces; names with ':' are skipped (':' separates the parts of a key). */
static void each_scope(const struct skbt_snapshot_config *cfg, bool is_static, struct skbt_sbuf *b,
		       struct skbt_sbuf *errs)
{
	struct scope own = { .name = "-", .cfg = cfg, .b = b, .errs = errs, .sock = -1 };
	int max = cfg->max_namespaces > 0 ? cfg->max_namespaces : 32, n = 0;
	struct dirent **names = NULL;
	int count;

	scope_collect(&own, is_static);
	count = scandir("/run/netns", &names, NULL, alphasort);
	for (int i = 0; i < count; i++) {
		const char *nm = names[i]->d_name;

		if (nm[0] != '.' && !strchr(nm, ':') && !strchr(nm, '\n') && !strchr(nm, '=')) {
			if (n < max) {
				if (is_static)
					skbt_sbuf_printf(b, "netns:%s=1\n", nm);
				scope_in_child(cfg, nm, is_static, b, errs);
			}
			n++;
		}
		free(names[i]);
	}
	free(names);
	if (n > max)
		skbt_sbuf_printf(errs, "%sonly %d of %d namespaces", errs->len ? "; " : "", max, n);
}

/* Output of an external command, one key per line, if the binary exists. */
/* @argv's standard output (at most the timeout's worth) into @out; false if not installed. */
static bool cmd_output(const struct skbt_snapshot_config *cfg, char *const argv[],
		       struct skbt_sbuf *out, struct skbt_sbuf *errs)
{
	int p[2], to = cfg->timeout_ms > 0 ? cfg->timeout_ms : 2000, status;
	pid_t pid;

	if (access(argv[0], X_OK) != 0 || pipe2(p, O_CLOEXEC) < 0)
		return false;	/* not installed: nothing to say */
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return false;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR);

		dup2(p[1], STDOUT_FILENO);
		if (nul >= 0) {
			dup2(nul, STDIN_FILENO);
			dup2(nul, STDERR_FILENO);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	if (!read_child(p[0], pid, to, out))
		skbt_sbuf_printf(errs, "%s%s: timeout", errs->len ? "; " : "", argv[0]);
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return true;
}

static void run_cmd(const struct skbt_snapshot_config *cfg, const char *key, char *const argv[],
		    struct skbt_sbuf *b, struct skbt_sbuf *errs)
{
	struct skbt_sbuf out = { 0 };
	int lines = 0;

	cmd_output(cfg, argv, &out, errs);
	if (out.p) {
		char *save = NULL;

		for (char *l = strtok_r(out.p, "\n", &save); l && lines < MAX_CMD_LINES;
		     l = strtok_r(NULL, "\n", &save))
			skbt_sbuf_printf(b, "%s:%d=%s\n", key, ++lines, l);
	}
	free(out.p);
}

static int finish(struct skbt_sbuf *b, struct skbt_sbuf *errs, char **text)
{
	if (errs->failed)
		b->failed = true;
	if (errs->len)
		skbt_sbuf_printf(b, "errors=%s\n", errs->p);
	free(errs->p);
	if (b->failed) {
		free(b->p);
		return -ENOMEM;
	}
	*text = b->p;
	return 0;
}

int skbt_snapshot_static(const struct skbt_snapshot_config *cfg, char **text)
{
	/* The net.core sysctls that shape the receive path (background: rx-path.md section 6) */
	static const char *const sysctls[] = {
		"netdev_budget", "netdev_budget_usecs", "netdev_max_backlog", "dev_weight",
		"dev_weight_rx_bias", "gro_normal_batch", "rps_sock_flow_entries",
		"flow_limit_table_len",
	};
	static char *const dpctl[] = { "/usr/bin/ovs-dpctl", "show", NULL };
	static char *const vsctl[] = { "/usr/bin/ovs-vsctl", "show", NULL };
	struct skbt_sbuf b = { 0 }, errs = { 0 };
	struct utsname u;
	char path[128], val[256];

	skbt_sbuf_printf(&b, "kind=" SKBT_SBOPT_NAME_CONTEXT_STATIC "\nformat=1\ntime_mono_ns=%llu\n",
		  (unsigned long long)mono_ns());
	if (uname(&u) == 0) {
		clean(u.release, false);
		clean(u.version, false);
		skbt_sbuf_printf(&b, "kernel=%s\nkernel_version=%s\nmachine=%s\n", u.release, u.version,
			  u.machine);
	}
	skbt_sbuf_printf(&b, "ncpus_online=%ld\nncpus_configured=%ld\n", sysconf(_SC_NPROCESSORS_ONLN),
		  sysconf(_SC_NPROCESSORS_CONF));
	for (size_t i = 0; i < sizeof(sysctls) / sizeof(sysctls[0]); i++) {
		snprintf(path, sizeof(path), "/proc/sys/net/core/%s", sysctls[i]);
		if (read_line(path, val, sizeof(val)))
			skbt_sbuf_printf(&b, "sysctl:net.core.%s=%s\n", sysctls[i], val);
	}
	if (cfg->ndevs) {
		skbt_sbuf_printf(&b, "traced_devs=");
		for (int i = 0; i < cfg->ndevs; i++)
			skbt_sbuf_printf(&b, "%s%s", i ? "," : "", cfg->devs[i]);
		skbt_sbuf_printf(&b, "\n");
	} else {
		skbt_sbuf_printf(&b, "traced_devs=(up)\n");
	}
	each_scope(cfg, true, &b, &errs);
	run_cmd(cfg, "ovs:dpctl", dpctl, &b, &errs);
	run_cmd(cfg, "ovs:vsctl", vsctl, &b, &errs);
	return finish(&b, &errs, text);
}

int skbt_snapshot_counters(const struct skbt_snapshot_config *cfg, const char *kind, char **text)
{
	struct skbt_sbuf b = { 0 }, errs = { 0 };
	struct skbt_softnet_row *rows = NULL;
	unsigned int n = 0;
	char *sn;

	skbt_sbuf_printf(&b, "kind=%s\nformat=1\ntime_mono_ns=%llu\n", kind,
		  (unsigned long long)mono_ns());
	/* softnet_data is per CPU, not per namespace: read it once */
	sn = skbt_snapshot_read_text("/proc/net/softnet_stat", 1 << 20);
	if (sn && !skbt_softnet_parse(sn, &rows, &n)) {
		for (unsigned int i = 0; i < n; i++)
			for (unsigned int k = 0; k < rows[i].ncols; k++)
				skbt_sbuf_printf(&b, "softnet:%d:%s=%llu\n", rows[i].cpu,
					  skbt_softnet_fields[k], (unsigned long long)rows[i].v[k]);
	} else {
		skbt_sbuf_printf(&errs, "/proc/net/softnet_stat");
	}
	free(sn);
	free(rows);
	each_scope(cfg, false, &b, &errs);
	skbt_sbuf_printf(&b, "time_mono_end_ns=%llu\n", (unsigned long long)mono_ns());
	return finish(&b, &errs, text);
}
