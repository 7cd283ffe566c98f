/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcap: the packet headers that skbtrail-record --pcap captured next to the tracepoints
 * (stored in the trace file as skbtrail options kind=pcap and kind=pcap-records, see
 * docs/file-format.md), their alignment with the trace clock, and their correlation with the
 * receive events: each captured packet is matched to the net:netif_receive_skb event of the
 * same device (AF_PACKET taps run right after that tracepoint in __netif_receive_skb_core),
 * with the length (plus the link header), in order, within a time window.  A matched journey
 * gets the packet's 5-tuple (skbtrail/flow.h).
 *
 * The option payloads are untrusted: every read is bounds-checked; a bad payload gives
 * -EBADMSG and a message, never a crash.  Records point into the payloads, which must stay
 * valid (the tracefile open) while the skbt_pcap lives.
 */
#ifndef SKBTRAIL_PCAP_H
#define SKBTRAIL_PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "skbtrail/common.h"
#include "skbtrail/event.h"
#include "skbtrail/journey.h"

/* A captured packet is matched to a receive event at most this far apart (either way). */
#define SKBT_PCAP_WINDOW_NS 10000000ULL
/* Size of a record header in a kind=pcap-records payload (docs/file-format.md). */
#define SKBT_PCAP_REC_HDR 20

struct skbt_tracefile;
struct skbt_pcap;

struct skbt_pcap_iface {
	char name[32];
	int ifindex;
	uint64_t netns;		/* inode of the namespace it was captured in, 0 if unknown */
	int linktype;		/* DLT_ */
	uint32_t snaplen;
	/* from the recorder (pcap_stats at the end, and its own count) */
	uint64_t ps_recv, ps_drop, ps_ifdrop;
	uint64_t not_stored;	/* captured but not stored (the recorder's --pcap-max cap) */
	/* from the analysis */
	uint64_t packets;	/* records in the file */
	uint64_t matched;	/* records matched to a receive event */
	uint64_t rx_events;	/* net:netif_receive_skb events on a device of this name */
	uint64_t rx_matched;	/* of them, matched to a record */
};

struct skbt_pcap_record {
	uint64_t ts;		/* trace clock, ns (after skbt_pcap_prepare()) */
	uint64_t ts_real;	/* CLOCK_REALTIME ns, as captured */
	const uint8_t *data;
	uint32_t caplen, origlen;
	uint16_t iface;
	uint8_t matched;
};

int skbt_pcap_new(struct skbt_pcap **pp);
void skbt_pcap_free(struct skbt_pcap *pc);	/* NULL is a no-op */

/*
 * Feed one skbtrail option payload (id SKBT_OPTION_ID).  Payloads of other kinds are ignored
 * (returns 0).  -EBADMSG when a kind=pcap or kind=pcap-records payload is malformed.
 */
int skbt_pcap_add_option(struct skbt_pcap *pc, const void *data, size_t size,
			 struct skbt_err *err);
/* Every skbtrail option of @tf.  *pp is NULL (and 0 returned) when the file has no headers. */
int skbt_pcap_read(struct skbt_tracefile *tf, struct skbt_pcap **pp, struct skbt_err *err);

/*
 * After the options: convert timestamps to @trace_clock ("mono" or "boot": the recorder
 * stored (realtime, monotonic, boottime) pairs) and sort.  -ENOTSUP (err says why) when
 * the clocks cannot be aligned: records stay usable for --pcapng, nothing is matched.
 */
int skbt_pcap_prepare(struct skbt_pcap *pc, const char *trace_clock, struct skbt_err *err);
bool skbt_pcap_aligned(const struct skbt_pcap *pc);

/* Feed every event in time order (after prepare).  @devname: the event's device name. */
int skbt_pcap_on_event(struct skbt_pcap *pc, const struct skbt_event *ev, const char *devname);
/*
 * Give @j the packet matched to one of its receive hops (first hop first): j->pkt and
 * j->flow (5-tuple).  Journeys with no match keep what they had (the skb hash).
 */
void skbt_pcap_attach(struct skbt_pcap *pc, struct skbt_journey *j);

/*
 * Compile a pcap-filter expression for every link type in the file (and Ethernet).
 * -EINVAL with pcap's own error text in @err.
 */
int skbt_pcap_filter_set(struct skbt_pcap *pc, const char *expr, struct skbt_err *err);
/* Check @expr alone (for the command line, before any file is read). */
int skbt_pcap_filter_check(const char *expr, struct skbt_err *err);
/* Does @j's captured packet pass the filter?  false when it has none. */
bool skbt_pcap_filter_match(const struct skbt_pcap *pc, const struct skbt_journey *j);

unsigned int skbt_pcap_niface(const struct skbt_pcap *pc);
const struct skbt_pcap_iface *skbt_pcap_iface(const struct skbt_pcap *pc, unsigned int i);
size_t skbt_pcap_nrecords(const struct skbt_pcap *pc);
const struct skbt_pcap_record *skbt_pcap_record(const struct skbt_pcap *pc, size_t i);
/* The filter the recorder used ("" if none), its snaplen. */
const char *skbt_pcap_capture_filter(const struct skbt_pcap *pc);

/* Totals for the reports. */
struct skbt_pcap_summary {
	bool present;		/* the file had captured headers */
	bool aligned;		/* clocks aligned: matching was possible */
	const char *why_not;	/* when !aligned */
	unsigned int niface;
	uint64_t packets, matched, rx_events, rx_matched;
	uint64_t ps_recv, ps_drop, ps_ifdrop, not_stored;
	const char *filter;	/* --filter of the analyzer, NULL if none */
	uint64_t selected;	/* journeys the --filter selected */
	const struct skbt_pcap *pc;
};
void skbt_pcap_summarize(const struct skbt_pcap *pc, struct skbt_pcap_summary *s);

#endif
