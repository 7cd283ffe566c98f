/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcapng: a sink (skbtrail/sink.h) that writes the captured headers of the selected journeys
 * as a pcapng file: one interface description block per captured device, one enhanced
 * packet block per journey with a captured packet, in capture time order, each with a
 * comment "skbtrail journey #ID path PATH total D: STAGE D, ..." that Wireshark shows
 * (frame.comment / pkt_comment).
 */
#ifndef SKBTRAIL_PCAPNG_H
#define SKBTRAIL_PCAPNG_H

#include "skbtrail/common.h"
#include "skbtrail/pcap.h"
#include "skbtrail/sink.h"
#include "skbtrail/stats.h"

/*
 * Create @path now (so that a bad path fails before the trace is read) and fill @sink.
 * @pc must outlive the sink, and what @names (device names in the interface blocks and the
 * packet comments; copied) points to, and @ipmap: with it (--redact-ips) the packets' IP
 * addresses are rewritten (skbtrail/redact.h).  The sink's destroy() frees it.
 */
struct skbt_ipmap;
int skbt_pcapng_sink(const char *path, const struct skbt_pcap *pc,
		     const struct skbt_names *names, struct skbt_ipmap *ipmap,
		     struct skbt_sink *sink, struct skbt_err *err);

#endif
