/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * trigger: what makes a flight recorder (skbtrail-record --flight) write its ring buffers to
 * a file.  SIGUSR1 always does; --trigger KIND[:ARG] adds the kinds of skbt_trigger_kinds[]
 * (the one list: the usage text, the parser and the man page follow it).
 *
 * The drop trigger is the kernel's own (a traceoff trigger on skb:kfree_skb, session.h).
 * The counter triggers are polled here every SKBT_TRIGGER_POLL_MS from counters the kernel
 * already keeps (/proc/net/softnet_stat; a device's rtnetlink statistics, in the recorder's
 * network namespace): no ring buffer is read while the recorder waits.  The latency trigger
 * is the one that reads the ring buffers (skbtrail/follow.h): a journey must be built to
 * see a stage's time.
 */
#ifndef SKBTRAIL_TRIGGER_H
#define SKBTRAIL_TRIGGER_H

#include <stdbool.h>
#include <stdint.h>

#include "skbtrail/common.h"

#define SKBT_TRIGGER_POLL_MS 100	/* the counter triggers' polling period */
#define SKBT_TRIGGER_MAX_DEVS 16	/* rx-drop:DEV devices */
#define SKBT_TRIGGER_REASON_MAX 48	/* "rx-drop:" + IFNAMSIZ, "latency:STAGE>DURATION" */

enum skbt_trigger_kind {
	SKBT_TRIGGER_DROP,		/* drop[:REASON,...]: a traced kfree_skb with a reason */
	SKBT_TRIGGER_SOFTNET_DROP,	/* softnet_stat "dropped" rose on some CPU */
	SKBT_TRIGGER_SQUEEZE,		/* softnet_stat "time_squeeze" rose on some CPU */
	SKBT_TRIGGER_RX_DROP,		/* rx_dropped or rx_missed of DEV rose */
	SKBT_TRIGGER_LATENCY,		/* [latency:]STAGE>DURATION: a journey's stage took longer */
	SKBT_TRIGGER_NKINDS
};

struct skbt_trigger_kind_desc {
	const char *name;		/* before the ':', and the reason a file is named by */
	const char *arg;		/* what follows the ':' (usage text), NULL: nothing */
	bool arg_required;		/* "KIND" alone is refused */
	const char *help;		/* lines of at most 50 characters */
};

extern const struct skbt_trigger_kind_desc skbt_trigger_kinds[SKBT_TRIGGER_NKINDS];

/* Every --trigger of a command line. */
struct skbt_trigger_set {
	const char *drop;		/* drop: NULL off, "" a packet, any reason
					 * but CONSUMED; else "A,B" */
	bool softnet_drop, squeeze;
	unsigned int nrx;
	const char *rx_dev[SKBT_TRIGGER_MAX_DEVS];
	/* latency: the reason ("latency:backlog>2ms"; "" off), the stage and its threshold */
	char latency[SKBT_TRIGGER_REASON_MAX];
	int stage;			/* enum skbt_stage */
	uint64_t stage_ns;
};

/*
 * Add one --trigger argument (@spec, kept by pointer) to @set.  -EINVAL with @err naming the
 * problem (unknown kind, missing or unwanted argument, bad device or reason name, too many
 * devices, unknown stage, bad duration).  "STAGE>DURATION" alone is the latency kind.
 */
int skbt_trigger_parse(struct skbt_trigger_set *set, const char *spec, struct skbt_err *err);
/* Some counter trigger is set: the recorder must poll skbt_trigger_watch_poll(). */
bool skbt_trigger_has_counters(const struct skbt_trigger_set *set);

struct skbt_trigger_watch;

/*
 * Read the counters of @set's counter triggers once, as the baseline.  -ENODEV (@err: which
 * device) when an rx-drop device is not in the recorder's network namespace, another
 * negative errno when rtnetlink cannot give its counters; -ENOENT when softnet triggers are
 * asked for and /proc/net/softnet_stat lacks the column; -ENOMEM.  @set must
 * outlive the watch.  Release with skbt_trigger_watch_close().
 */
int skbt_trigger_watch_open(const struct skbt_trigger_set *set, struct skbt_trigger_watch **wp,
			    struct skbt_err *err);
/*
 * Read the counters again: 1 with *@reason ("softnet-drop", "squeeze", "rx-drop:DEV"; owned by
 * the watch, valid until the next call) when one rose since the last call, else 0.  The new
 * values become the baseline either way.  A counter that cannot be read this time (a CPU gone,
 * a device removed) counts as unchanged.
 */
int skbt_trigger_watch_poll(struct skbt_trigger_watch *w, const char **reason);
void skbt_trigger_watch_close(struct skbt_trigger_watch *w);

#endif
