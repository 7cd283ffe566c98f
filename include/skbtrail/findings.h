/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * findings: the numbers behind the latencies, computed once and rendered by the report
 * writers.
 *
 *  - counter reconciliation: the node's counters (context-start/stop options) beside what the
 *    trace saw, per device and per CPU, each mismatch explained where the cause is known;
 *  - NAPI and softirq: NET_RX softirq time per CPU, backlog depth (from enqueue and dequeue
 *    order), how long packets waited behind earlier packets of the same poll;
 *  - findings: short statements, each with the numbers that back it.
 *
 * Fed the same event stream as the statistics (skbt_findings_add_event), then
 * skbt_findings_done() once the statistics are done.  See docs/counters.md.
 */
#ifndef SKBTRAIL_FINDINGS_H
#define SKBTRAIL_FINDINGS_H

#include <stdbool.h>
#include <stdint.h>

#include "skbtrail/context.h"
#include "skbtrail/event.h"
#include "skbtrail/stats.h"
#include "skbtrail/traceinfo.h"

struct skbt_trace_info;

#define SKBT_FX_MAX_FINDINGS 24
#define SKBT_FX_MAX_EVIDENCE 12
#define SKBT_FX_BACKLOG_RING 4096	/* dequeues remembered per CPU for the depth */

enum skbt_fx_severity { SKBT_FX_INFO, SKBT_FX_NOTICE, SKBT_FX_WARNING };
const char *skbt_fx_severity_name(enum skbt_fx_severity s);

struct skbt_fx_evidence {
	const char *key;		/* static string */
	bool is_num;
	uint64_t num;
	char str[64];
};

struct skbt_finding {
	char id[40];			/* "backlog-drops-cpu1" */
	uint8_t severity;		/* enum skbt_fx_severity */
	char text[480];
	unsigned int nev;
	struct skbt_fx_evidence ev[SKBT_FX_MAX_EVIDENCE];
};

/* Verdict of one comparison of a counter with the trace. */
enum skbt_fx_verdict {
	SKBT_FXV_NA,			/* nothing to compare (not traced, no counter) */
	SKBT_FXV_MATCH,			/* equal within the window edges */
	SKBT_FXV_EXPLAINED,		/* differ, cause known (explain says which) */
	SKBT_FXV_UNEXPLAINED,		/* differ, cause unknown: flagged */
};
const char *skbt_fx_verdict_name(enum skbt_fx_verdict v);

struct skbt_fx_dev {
	char name[16];			/* real name (matches the context) */
	char shown[24];			/* name in reports (an alias with --redact-devs) */
	uint16_t dev;			/* id in the trace, 0 if the trace never named it */
	/* trace */
	uint64_t rx, gro, netif_rx, xmit, drops;
	uint64_t backlog_deq, steered;	/* receives after a netif_rx; of them on another CPU */
	struct skbt_hist wait;		/* ns behind the first receive of the same poll */
	/* counters (sums over the namespaces that have a device of this name) */
	bool has_counters;
	unsigned int nscopes;
	uint64_t d_rx_packets, d_rx_drop, d_rx_fifo, d_tx_packets, d_nic_missed;
	bool gro_on, gro_known;
	uint16_t lower;			/* index of the device it is stacked on (VLAN, macvlan), 0 */
	uint8_t verdict;		/* enum skbt_fx_verdict, rx_packets vs receives */
	char explain[320];
};

struct skbt_fx_cpu {
	/* trace */
	uint64_t rx;			/* netif_receive_skb events */
	uint64_t backlog_kfree;		/* kfree_skb reason CPU_BACKLOG (on the enqueuing CPU) */
	uint64_t netif_rx_fail;		/* netif_rx_exit ret != NET_RX_SUCCESS */
	uint64_t softirqs, softirq_ns, softirq_max_ns, softirq_budget_runs;
	uint64_t polls, polls_full;	/* napi_poll; of them work >= weight */
	uint64_t backlog_deq, steered_in, max_depth;
	/* counters */
	bool has_softnet;
	uint64_t d_processed, d_dropped, d_time_squeeze, d_received_rps, d_flow_limit;
	uint8_t v_processed, v_dropped, v_squeeze;	/* enum skbt_fx_verdict */
	char x_processed[240], x_dropped[240], x_squeeze[240];
	/* internal */
	uint64_t sirq_start, sirq_work, first_rx_ts, last_rx_skb;
	bool in_sirq;
	uint64_t *ring;			/* recent dequeue timestamps */
	uint64_t ring_n;
	uint16_t steer_dev;		/* device most steered here, and how many */
	uint64_t steer_dev_n;
};

struct skbt_fx_pending {
	uint64_t skb, ts;
	uint16_t cpu, dev;
	uint16_t slot;		/* its slot in the direct-mapped table (findings.c slot()) */
};

struct skbt_findings {
	const struct skbt_context *ctx;	/* may be NULL */
	struct skbt_names names;
	bool has_counters, softirq_recorded, dev_filtered, drop_events_recorded;
	uint64_t netdev_budget, netdev_budget_usecs, max_backlog, dev_weight;
	unsigned int ndevs, devs_cap;	/* devs_cap: allocated (doubling) */
	struct skbt_fx_dev *devs;	/* index = trace dev id, then counter-only devices */
	unsigned int ncpus;
	struct skbt_fx_cpu *cpus;
	unsigned int nfindings;
	struct skbt_finding f[SKBT_FX_MAX_FINDINGS];
	/* internal */
	uint8_t *reason_backlog;	/* per kfree reason: 0 unknown, 1 no, 2 CPU_BACKLOG */
	unsigned int nreasons;
	/* netif_rx'ed skbs not yet received (findings.c pending_find()) */
	struct skbt_fx_pending pend0;	/* slot 0 */
	struct skbt_fx_pending *pend;	/* the other slots holding an skb; skb 0: empty */
	uint32_t pend_cap, pend_count;	/* pend_cap a power of two, at most half full */
	uint64_t *steer_matrix;		/* [dev id * ncpus_cap + cpu] */
	unsigned int steer_devs;	/* rows allocated (doubling), zeroed past the devices seen */
};

/* @ctx (may be NULL or empty) must outlive @fx.  -ENOMEM. */
int skbt_findings_init(struct skbt_findings *fx, const struct skbt_context *ctx,
		       const struct skbt_names *names);
int skbt_findings_add_event(struct skbt_findings *fx, const struct skbt_event *ev);
/* Reconcile and write the findings; @st must be done (skbt_stats_done). -ENOMEM. */
int skbt_findings_done(struct skbt_findings *fx, const struct skbt_trace_info *ti,
		       const struct skbt_stats *st);
void skbt_findings_release(struct skbt_findings *fx);

/* Rendered by render/report-findings.c (declared in skbtrail/report.h). */

#endif
