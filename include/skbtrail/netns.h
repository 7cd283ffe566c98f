/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * netns: where a --dev device lives.  Tracepoints are global and carry only a device name,
 * but a libpcap handle (--pcap) sees only the network namespace it was opened in.  The
 * recorder looks each --dev name up in its own namespace and in every named namespace
 * (/run/netns/NAME, as `ip netns` makes them), and opens the capture of a device inside the
 * namespace that holds it: a packet socket stays bound to the namespace it was created in.
 *
 * setns(2) with CLONE_NEWNET changes the calling thread only (unlike a mount namespace it
 * does not require a single-threaded process); every function here returns to the
 * namespace it started in before it returns, on every path.
 */
#ifndef SKBTRAIL_NETNS_H
#define SKBTRAIL_NETNS_H

#include <stdbool.h>
#include <stdint.h>

#include "skbtrail/common.h"

#define SKBT_NETNS_DIR "/run/netns"
#define SKBT_NETNS_OWN "-"		/* the recorder's own namespace in X@NS and in messages */
#define SKBT_NETNS_NAME_MAX 64		/* longest /run/netns name we visit (longer: skipped) */

/* Is @s a name we accept after '@' in --dev X@NS: "-", or a plain /run/netns file name. */
bool skbt_netns_name_ok(const char *s);

/* One --dev device to look up. */
struct skbt_netns_dev {
	const char *name;		/* in: device name */
	const char *want;		/* in: the namespace given as X@NS ("-": own); NULL: any */
	int nfound;			/* out: namespaces that hold it (only @want's when given) */
	char where[256];		/* out: them, ", "-separated; the own one first, "(own)" */
	char netns[SKBT_NETNS_NAME_MAX];	/* out: the first: "-" for own, else its name */
};

/*
 * Look up every device of @devs: with @want in that namespace only, else in the recorder's
 * own and in each named namespace (the own one and names of one namespace counted once).
 * Namespaces that cannot be entered are passed over.  -ENOENT (err says which) when a @want
 * namespace does not exist; -EIO when the recorder could not return to its own namespace.
 */
int skbt_netns_locate(struct skbt_netns_dev *devs, int n, struct skbt_err *err);

/*
 * Enter named namespace @ns for a moment.  @ns NULL or "-": stay (*back = -1).  Else *back
 * holds the current namespace for skbt_netns_leave(), which must follow on every path.
 */
int skbt_netns_enter(const char *ns, int *back, struct skbt_err *err);
/* Return to @back and close it (-1: nothing to do).  -EIO (err says so) if that failed. */
int skbt_netns_leave(int back, struct skbt_err *err);

/* The /run/netns name of the recorder's own namespace ("-" when it has none). */
void skbt_netns_own_name(char *buf, size_t len);

/* Inode of the namespace named @ns ("-" or NULL: the own one); 0 if unknown. */
uint64_t skbt_netns_inode(const char *ns);

#endif
