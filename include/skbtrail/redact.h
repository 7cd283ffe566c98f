/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * redact: skbtrail-analyze --redact-ips.  Each real IP address is replaced by a documentation
 * address in the order addresses first appear (the journeys' flow keys as journeys end, then
 * the pcapng packets): IPv4 by 198.18.0.1, 198.18.0.2, ... (198.18.0.0/15, RFC 2544), IPv6 by
 * 2001:db8::1, 2001:db8::2, ... (RFC 3849), so one real address has one alias in every output
 * of a run and flows stay apart.  Past 131070 IPv4 addresses the rest share 198.19.255.255.
 */
#ifndef SKBTRAIL_REDACT_H
#define SKBTRAIL_REDACT_H

#include <stddef.h>
#include <stdint.h>

#include "skbtrail/flow.h"

struct skbt_ipmap;

int skbt_ipmap_new(struct skbt_ipmap **m);	/* -ENOMEM */
void skbt_ipmap_free(struct skbt_ipmap *m);	/* NULL is a no-op */

/* @key's addresses (an IPv4 or IPv6 5-tuple) replaced by their aliases.  0 or -ENOMEM. */
int skbt_ipmap_key(struct skbt_ipmap *m, struct skbt_flow_key *key);

/*
 * The addresses in @caplen bytes of a packet of @linktype, rewritten in place: the IPv4 or
 * IPv6 header's source and destination (the IPv4 header checksum and a TCP, UDP or ICMPv6
 * checksum in the capture updated for the change, RFC 1624), ARP's sender and target.
 * Addresses quoted inside ICMP errors are not rewritten.  0 or -ENOMEM.
 */
int skbt_ipmap_packet(struct skbt_ipmap *m, uint8_t *data, size_t caplen, int linktype);

#endif
