// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * netns: where a --dev device lives, and entering its network namespace for a moment.
 * See include/skbtrail/netns.h.
 *
 * A device is looked up with if_nametoindex(), which asks through a socket it creates: after
 * setns() that socket, and so the answer, belongs to the namespace entered.  /sys/class/net
 * would not do: it shows the namespace of whoever mounted sysfs (record/context.c).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "skbtrail/netns.h"

/* /run/netns/NAME for any directory entry (names we visit are shorter) */
#define NS_PATH_MAX (sizeof(SKBT_NETNS_DIR) + 256 + 1)

/* The calling thread's namespace (setns changes one thread; /proc/self is the main one). */
static const char *self_path(void)
{
	return access("/proc/thread-self/ns/net", F_OK) == 0 ? "/proc/thread-self/ns/net" :
							       "/proc/self/ns/net";
}

bool skbt_netns_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!strcmp(s, SKBT_NETNS_OWN))
		return true;
	return n > 0 && n < SKBT_NETNS_NAME_MAX && strcmp(s, ".") && strcmp(s, "..") &&
	       !strpbrk(s, "/\n\r");
}

static bool same_ns(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

int skbt_netns_enter(const char *ns, int *back, struct skbt_err *err)
{
	char path[NS_PATH_MAX];
	int fd, ret;

	*back = -1;
	if (!ns || !strcmp(ns, SKBT_NETNS_OWN))
		return 0;
	if (!skbt_netns_name_ok(ns))
		return skbt_err_set(err, -EINVAL, "bad network namespace name '%s'", ns);
	snprintf(path, sizeof(path), SKBT_NETNS_DIR "/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		return skbt_err_set(err, ret, ret == -ENOENT ? "no network namespace '%s' (%s)" :
				    "network namespace '%s': %s: %s", ns, path, strerror(-ret));
	}
	*back = open(self_path(), O_RDONLY | O_CLOEXEC);
	if (*back < 0) {
		ret = -errno;
		close(fd);
		return skbt_err_set(err, ret, "%s: %s", self_path(), strerror(-ret));
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		ret = -errno;
		close(fd);
		close(*back);
		*back = -1;
		return skbt_err_set(err, ret, "cannot enter network namespace '%s': %s", ns,
				    strerror(-ret));
	}
	close(fd);
	return 0;
}

int skbt_netns_leave(int back, struct skbt_err *err)
{
	int ret = 0;

	if (back < 0)
		return 0;
	if (setns(back, CLONE_NEWNET) < 0)
		ret = skbt_err_set(err, -EIO, "cannot return to the recorder's network namespace: "
				   "%s", strerror(errno));
	close(back);
	return ret;
}

uint64_t skbt_netns_inode(const char *ns)
{
	char path[NS_PATH_MAX];
	struct stat sb;

	if (!ns || !strcmp(ns, SKBT_NETNS_OWN))
		snprintf(path, sizeof(path), "%s", self_path());
	else
		snprintf(path, sizeof(path), SKBT_NETNS_DIR "/%s", ns);
	return stat(path, &sb) == 0 ? (uint64_t)sb.st_ino : 0;
}

/* Names under /run/netns we visit: not hidden, short enough, nothing that breaks a line. */
static int visit_filter(const struct dirent *d)
{
	return d->d_name[0] != '.' && skbt_netns_name_ok(d->d_name) &&
	       strcmp(d->d_name, SKBT_NETNS_OWN);
}

void skbt_netns_own_name(char *buf, size_t len)
{
	struct dirent **names = NULL;
	struct stat own, sb;
	int count;

	snprintf(buf, len, "%s", SKBT_NETNS_OWN);
	if (stat(self_path(), &own) < 0)
		return;
	count = scandir(SKBT_NETNS_DIR, &names, visit_filter, alphasort);
	for (int i = 0; i < count; i++) {
		char path[NS_PATH_MAX];

		snprintf(path, sizeof(path), SKBT_NETNS_DIR "/%s", names[i]->d_name);
		if (!strcmp(buf, SKBT_NETNS_OWN) && stat(path, &sb) == 0 && same_ns(&sb, &own))
			snprintf(buf, len, "%s", names[i]->d_name);
		free(names[i]);
	}
	free(names);
}

static void found(struct skbt_netns_dev *d, const char *ns)
{
	size_t n = strlen(d->where);

	if (!d->nfound++)
		snprintf(d->netns, sizeof(d->netns), "%s", ns);
	snprintf(d->where + n, sizeof(d->where) - n, "%s%s", n ? ", " : "",
		 strcmp(ns, SKBT_NETNS_OWN) ? ns : "(own)");
}

/*
 * In the namespace the thread is in, look for the devices asked for in @want (NULL: those
 * asked for anywhere); a device found is noted as in @ns.
 */
static void check_here(struct skbt_netns_dev *devs, int n, const char *want, const char *ns)
{
	for (int i = 0; i < n; i++) {
		if (want ? !devs[i].want || strcmp(devs[i].want, want) : devs[i].want != NULL)
			continue;
		if (if_nametoindex(devs[i].name))
			found(&devs[i], ns);
	}
}

int skbt_netns_locate(struct skbt_netns_dev *devs, int n, struct skbt_err *err)
{
	struct dirent **names = NULL;
	struct stat own, *seen = NULL;
	int count, nseen = 0, ret = 0, back;
	bool any = false, oom;

	if (stat(self_path(), &own) < 0)
		return skbt_err_set(err, -errno, "%s: %s", self_path(), strerror(errno));
	for (int i = 0; i < n; i++) {
		devs[i].nfound = 0;
		devs[i].where[0] = devs[i].netns[0] = 0;
		any |= !devs[i].want;
	}
	/* X@NS: that namespace only (each named one entered once for all its devices) */
	for (int i = 0; i < n; i++) {
		const char *w = devs[i].want;
		bool done = false;

		if (!w)
			continue;
		for (int j = 0; j < i; j++)
			done |= devs[j].want && !strcmp(devs[j].want, w);
		if (done)
			continue;
		ret = skbt_netns_enter(w, &back, err);
		if (ret) {
			char msg[sizeof(err->msg)];

			snprintf(msg, sizeof(msg), "%s", err->msg);
			return skbt_err_set(err, ret, "--dev %s@%s: %s", devs[i].name, w, msg);
		}
		check_here(devs, n, w, w);
		ret = skbt_netns_leave(back, err);
		if (ret)
			return ret;
	}
	if (!any)
		return 0;
	/* the others: the own namespace, then every named one, each namespace once */
	check_here(devs, n, NULL, SKBT_NETNS_OWN);
	count = scandir(SKBT_NETNS_DIR, &names, visit_filter, alphasort);
	if (count > 0)
		seen = calloc(count, sizeof(*seen));
	oom = count > 0 && !seen;
	for (int i = 0; i < count; i++) {
		char path[NS_PATH_MAX];
		const char *nm = names[i]->d_name;
		bool dup = false;
		struct stat sb;

		snprintf(path, sizeof(path), SKBT_NETNS_DIR "/%s", nm);
		if (!ret && seen && stat(path, &sb) == 0 && !same_ns(&sb, &own)) {
			for (int j = 0; j < nseen; j++)
				dup |= same_ns(&sb, &seen[j]);
			/* one we cannot enter (a stale name, no permission) is passed over */
			if (!dup && skbt_netns_enter(nm, &back, NULL) == 0) {
				seen[nseen++] = sb;
				check_here(devs, n, NULL, nm);
				ret = skbt_netns_leave(back, err);
			}
		}
		free(names[i]);
	}
	free(names);
	free(seen);
	if (!ret && oom)
		ret = skbt_err_set(err, -ENOMEM, "out of memory");
	return ret;
}
