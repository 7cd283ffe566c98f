/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * context: the node's state around a recording (counters, tunables, devices), stored in the
 * trace file as skbtrail options (id SKBT_OPTION_ID) of kind context-static, context-start
 * and context-stop.  Keys are described in docs/file-format.md ("Node context").
 *
 * Two halves:
 *  - lib/context.c (libskbtrail, linked into both programs): the key=value model, the
 *    parsers of /proc/net/dev and /proc/net/softnet_stat text, and the reader of a file's
 *    context.  No I/O besides what the caller hands over.
 *  - record/context.c (the recorder only): snapshots of the live node into key=value text.
 */
#ifndef SKBTRAIL_CONTEXT_H
#define SKBTRAIL_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "skbtrail/common.h"

struct skbt_tracefile;

/* ---------- key=value text ---------- */

struct skbt_kv {
	char *key, *val;
};

struct skbt_kvlist {
	unsigned int n;
	struct skbt_kv *v;		/* in text order */
	unsigned int *byname;		/* indexes of v sorted by key, then text order */
};

/*
 * Parse @len bytes of "key=value\n" lines (a NUL ends the text early; lines without '='
 * are ignored).  On success @l owns copies of the strings: skbt_kvlist_release().
 * -ENOMEM.
 */
int skbt_kvlist_parse(const char *text, size_t len, struct skbt_kvlist *l);
/* The same, stopping with -E2BIG past @max keys. */
int skbt_kvlist_parse_max(const char *text, size_t len, uint64_t max, struct skbt_kvlist *l);
/* Value of the first line with @key, or NULL (a binary search: a file may hold many keys). */
const char *skbt_kvlist_get(const struct skbt_kvlist *l, const char *key);
/* The same as an unsigned number; false when absent or not a number. */
bool skbt_kvlist_u64(const struct skbt_kvlist *l, const char *key, uint64_t *v);
void skbt_kvlist_release(struct skbt_kvlist *l);

/* ---------- /proc/net/dev ---------- */

#define SKBT_NETDEV_NFIELDS 16
/* rx_bytes rx_packets rx_errs rx_drop rx_fifo rx_frame rx_compressed rx_multicast, tx_... */
extern const char *const skbt_netdev_fields[SKBT_NETDEV_NFIELDS];

struct skbt_netdev_row {
	char name[16];			/* IFNAMSIZ */
	uint64_t v[SKBT_NETDEV_NFIELDS];
};

/*
 * Parse the text of /proc/net/dev (dev_seq_show() in the kernel's net/core/net-procfs.c:
 * two header lines, then "name: 16 numbers").  *rows is malloc'ed (free()), *n rows.
 * Malformed lines are skipped.  -ENOMEM.
 */
int skbt_netdev_parse(const char *text, struct skbt_netdev_row **rows, unsigned int *n);

/* ---------- /proc/net/softnet_stat ---------- */

#define SKBT_SOFTNET_NFIELDS 15
/*
 * Columns of softnet_seq_show() (net/core/net-procfs.c), all hex: processed, dropped,
 * time_squeeze, four zeroes (were fastroute), cpu_collision (0), received_rps,
 * flow_limit_count, backlog_len, cpu (index), input_qlen, process_qlen.  Older kernels
 * print fewer columns; the row index is then the CPU (only online CPUs are printed since
 * 5.x kernels also print the index).
 */
extern const char *const skbt_softnet_fields[SKBT_SOFTNET_NFIELDS];

struct skbt_softnet_row {
	int cpu;
	unsigned int ncols;
	uint64_t v[SKBT_SOFTNET_NFIELDS];
};

int skbt_softnet_parse(const char *text, struct skbt_softnet_row **rows, unsigned int *n);

/* ---------- a file's context ---------- */

#define SKBT_MAX_OWN_PIDS 64

struct skbt_context {
	bool has_static, has_start, has_stop, has_record;
	struct skbt_kvlist stat, start, stop;
	struct skbt_kvlist record;	/* kind=record (skbtrail-record's own option) */
	/*
	 * The node: the host name of the UNAME option (trace-cmd and skbtrail-record both
	 * write it: "sysname nodename release machine"), "" if absent.  Printable ASCII only.
	 */
	char node[65];
	/* The recorder's own tasks (kind=record recorder_pids): their activity is not the node's. */
	unsigned int nown;
	int32_t own_pids[SKBT_MAX_OWN_PIDS];
};

/*
 * Load the context options of @tf into @c (zeroed first).  0 also when the file has none
 * (every has_* false); -ENOMEM; -E2BIG (@err says which budget) when the keys of all kinds
 * exceed SKBT_LIM_KEYS.  Release with skbt_context_release().
 */
int skbt_context_load(struct skbt_tracefile *tf, struct skbt_context *c, struct skbt_err *err);
void skbt_context_release(struct skbt_context *c);
/* @pid is one of the recorder's own tasks (skbt_context.own_pids). */
bool skbt_context_is_own(const struct skbt_context *c, int32_t pid);
/* Counters were captured at both ends of the recording. */
static inline bool skbt_context_has_counters(const struct skbt_context *c)
{
	return c->has_start && c->has_stop;
}
/*
 * stop - start of counter @key; false when either end lacks it.  A counter that went
 * backwards (32-bit wrap of a softnet column) is taken modulo 2^32.
 */
bool skbt_context_delta(const struct skbt_context *c, const char *key, uint64_t *d);

/* A port of an Open vSwitch datapath, from the stored `ovs-dpctl show` (ovs:dpctl:N). */
#define SKBT_MAX_OVS_PORTS 4096
struct skbt_ovs_port {
	char name[16];			/* IFNAMSIZ */
	bool internal;			/* "(internal)": OVS hands it packets with netif_rx */
};
/* Every datapath port listed (at most SKBT_MAX_OVS_PORTS); *ports malloc'ed.  -ENOMEM. */
int skbt_context_ovs_ports(const struct skbt_context *c, struct skbt_ovs_port **ports,
			   unsigned int *n);

/*
 * An interface of the static snapshot with what connects it (iface:SCOPE:DEV:ifindex,
 * :iflink, :link_netns, :master).  @peer is the veth peer: the one interface whose ifindex is
 * this one's iflink and whose iflink is this one's ifindex, in the scope @link_netns names
 * (any scope when not stored, if the other does not name another); -1 if none or several.
 */
#define SKBT_MAX_IFACES 4096
struct skbt_iface {
	char scope[64];			/* "-" or the /run/netns name (longer ones are left out) */
	char name[16];			/* IFNAMSIZ */
	char master[16];		/* "" if none */
	char link_netns[64];		/* scope of its link, "" if not known */
	unsigned int ifindex, iflink;	/* iflink 0: its own (no link) */
	int peer;
};
/*
 * The snapshot's interfaces sorted by name, then scope; *n = 0 when the file predates the
 * iflink/master keys (nothing is known of links then).  *ifaces malloc'ed.  -ENOMEM.
 */
int skbt_context_ifaces(const struct skbt_context *c, struct skbt_iface **ifaces,
			unsigned int *n);

/* Rendered by render/report-context.c (skbt_context_print_*, declared in skbtrail/report.h). */

/* ---------- snapshots of the live node (record/context.c, recorder only) ---------- */

struct skbt_snapshot_config {
	const char *const *devs;	/* --dev list; NULL/0: every interface that is up */
	int ndevs;
	int max_namespaces;		/* named namespaces (/run/netns) visited; 0: 32 */
	int timeout_ms;			/* per namespace and per external command; 0: 2000 */
};

/*
 * "kind=context-static\n..." (once per recording) and "kind=context-start|stop\n..."
 * (counters) into *text, malloc'ed.  They never fail because one source is missing: what
 * cannot be read is left out (and "errors=" lists why).  -ENOMEM only.
 */
int skbt_snapshot_static(const struct skbt_snapshot_config *cfg, char **text);
int skbt_snapshot_counters(const struct skbt_snapshot_config *cfg, const char *kind, char **text);
/*
 * A whole /proc or /sys file (at most @max bytes; a read error ends it), malloc'ed and
 * NUL-terminated; NULL when it cannot be opened or on -ENOMEM.  Also the flight recorder's
 * counter triggers (record/trigger.c) read through it.
 */
char *skbt_snapshot_read_text(const char *path, size_t max);

#endif
