/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * headers: skbtrail-record --pcap.  Alongside the tracepoints, capture the first bytes
 * (snaplen) of every packet received on each traced device with libpcap (one handle per
 * device: nanosecond timestamps, immediate mode, a large kernel buffer, incoming packets
 * only, an optional pcap-filter expression), one thread per handle spooling records to
 * "<base>.pcapN.tmp".  At the end the spools become skbtrail options in the trace file
 * (kind=pcap with the interfaces, pcap_stats and clock sync points; kind=pcap-records with
 * the records: docs/file-format.md), so one file still carries everything.
 *
 * Each device is opened in the network namespace it lives in (the recorder finds it there
 * first: skbtrail/netns.h); the handle stays bound to it.  Without devices, every device
 * that is up in the recorder's own namespace.  Tracepoints are global either way.
 */
#ifndef SKBTRAIL_HEADERS_H
#define SKBTRAIL_HEADERS_H

#include <stdbool.h>
#include <stdint.h>

#include "skbtrail/common.h"

#define SKBT_HEADERS_SNAPLEN 128
#define SKBT_HEADERS_BUFFER_KB 16384		/* kernel buffer per device */
#define SKBT_HEADERS_CHUNK (16u << 20)		/* payload bytes per kind=pcap-records option */

struct skbt_writer;
struct skbt_headers;

struct skbt_headers_config {
	const char *const *devs;	/* devices; NULL/0: every device that is up */
	const char *const *netns;	/* per device its namespace: a /run/netns name, or "-"
					 * (or NULL, or a NULL array) for the recorder's own */
	int ndevs;
	const char *filter;		/* pcap-filter expression, NULL: none */
	unsigned int snaplen;		/* 0: SKBT_HEADERS_SNAPLEN */
	uint64_t max_bytes;		/* record bytes stored at most (0: no cap) */
	const char *spool_base;		/* spools "<spool_base>.pcapN.tmp" */
};

/*
 * Open and activate every handle (each in its device's namespace) and set the filter;
 * nothing is read yet.  -EINVAL with pcap's text for a filter that does not compile;
 * -ENODEV when a device is not in its namespace, or no device is up; -EPERM; -EIO when the
 * recorder could not return to its own namespace.  On success *hp owns everything:
 * skbt_headers_close().
 */
int skbt_headers_open(const struct skbt_headers_config *cfg, struct skbt_headers **hp,
		      struct skbt_err *err);
/* Take a clock sync point and start one reader thread per device. */
int skbt_headers_start(struct skbt_headers *h, struct skbt_err *err);
/* Stop the threads, read pcap_stats, take the closing sync point. */
int skbt_headers_stop(struct skbt_headers *h);
/* Add the kind=pcap and kind=pcap-records options from the spools (after kind=record). */
int skbt_headers_add_options(struct skbt_headers *h, struct skbt_writer *w, struct skbt_err *err);
/* Packets captured, stored, and dropped (pcap_stats ps_drop + ps_ifdrop) so far. */
void skbt_headers_counts(const struct skbt_headers *h, uint64_t *captured, uint64_t *stored,
			 uint64_t *dropped);
int skbt_headers_ndevs(const struct skbt_headers *h);
/* The /run/netns name of device @i's network namespace, "-" when it has none. */
const char *skbt_headers_dev_netns(const struct skbt_headers *h, int i);
/* Device name, pcap_stats received/dropped/ifdropped of device @i (after stop). */
const char *skbt_headers_dev(const struct skbt_headers *h, int i, uint64_t *recv,
			     uint64_t *drop, uint64_t *ifdrop);
/* Close handles; with @remove unlink the spools.  NULL is a no-op; stops threads first. */
void skbt_headers_close(struct skbt_headers *h, bool remove);

#endif
