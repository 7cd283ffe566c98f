/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * flow: which flow a journey belongs to, and the per-flow latency table of the reports.
 *
 * A flow key is either the 5-tuple read from the packet's captured headers (skbtrail-record
 * --pcap, see skbtrail/pcap.h) or, without captured headers, the skb hash that the *_entry
 * tracepoints carry (no addresses known then).  skbt_flow_parse() reads untrusted bytes: every
 * read is bounds-checked, a truncated header gives a partial key, never a crash.
 */
#ifndef SKBTRAIL_FLOW_H
#define SKBTRAIL_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum skbt_flow_kind {
	SKBT_FLOW_NONE,		/* nothing known */
	SKBT_FLOW_HASH,		/* only skb->hash from an *_entry event */
	SKBT_FLOW_TUPLE,	/* from captured headers */
};

struct skbt_flow_key {
	uint8_t kind;		/* enum skbt_flow_kind */
	uint8_t family;		/* 4, 6, or 0 (not IP: ethertype only) */
	uint8_t proto;		/* IPPROTO_*; 0 when not IP */
	uint8_t ports;		/* 1 if sport/dport are known (TCP, UDP, SCTP, UDP-Lite) */
	uint16_t ethertype;	/* from the link header, 0 if none (raw IP) */
	uint16_t sport, dport;	/* host order; ICMP: type and code in sport/dport */
	uint32_t hash;		/* skb->hash (HASH; 0 = not computed by the kernel) */
	uint8_t saddr[16], daddr[16];	/* IPv4 in the first 4 bytes */
};

/* Link types of captured headers (the pcap DLT_ values skbtrail understands). */
#define SKBT_LINKTYPE_EN10MB 1		/* Ethernet */
#define SKBT_LINKTYPE_RAW 101		/* raw IP (LINKTYPE_RAW; DLT_RAW is 12 or 14) */
#define SKBT_LINKTYPE_DLT_RAW 12
#define SKBT_LINKTYPE_DLT_RAW_ALT 14
#define SKBT_LINKTYPE_LINUX_SLL 113

/*
 * Bytes of link header before the network header for @linktype (-1: unknown link type).
 * Receive tracepoints count skb->len from the network header; a tap sees the link header too.
 */
int skbt_flow_link_header(int linktype);

/*
 * Offset of the network header in @caplen bytes of a packet of @linktype (after the link
 * header and up to two VLAN tags), its ethertype in @ethertype (raw IP: from the version);
 * -EINVAL when the link header is cut short or the link type unknown.
 */
int skbt_flow_net_header(const uint8_t *data, size_t caplen, int linktype, uint16_t *ethertype);
/*
 * Read the 5-tuple from @caplen bytes of a packet of @linktype.  Returns 0 with key->kind
 * TUPLE (ports may be unknown when the capture was cut short or the packet is a fragment),
 * or -EINVAL when not even the network protocol could be read (key->kind stays NONE).
 */
int skbt_flow_parse(const uint8_t *data, size_t caplen, int linktype, struct skbt_flow_key *key);

/* "udp 10.0.0.1:5000 > 10.0.0.2:7001", "flow hash 0x1a2b3c4d", "(unknown flow)". */
const char *skbt_flow_name(const struct skbt_flow_key *key, char *buf, size_t len);
/* "udp", "tcp", "icmp", "ipv6-icmp", "proto 47", "arp", "ethertype 0x88cc" */
const char *skbt_flow_proto_name(const struct skbt_flow_key *key, char *buf, size_t len);
/* Address text ("10.0.0.1", "fe80::1"); "" when not IP. */
const char *skbt_flow_addr(const struct skbt_flow_key *key, bool src, char *buf, size_t len);
bool skbt_flow_equal(const struct skbt_flow_key *a, const struct skbt_flow_key *b);

/*
 * Per-flow table: journeys by flow key, each with a compact latency histogram of one metric
 * (a stage, summed over the journey's spans of it, or the whole journey).  Percentiles are
 * within 3 % (16 buckets per power of two).  At most SKBT_FLOWS_MAX flows are kept; journeys
 * of later flows are counted in other_journeys.
 */
#define SKBT_FLOWS_MAX 16384

struct skbt_flow_stats {
	struct skbt_flow_key key;
	uint64_t journeys;	/* selected journeys of this flow */
	uint64_t measured;	/* of them, with the metric measured (complete, stage present) */
	uint64_t min, max;
	long double sum;
	uint32_t *b;		/* histogram buckets */
};

struct skbt_flows;

/* @stage: enum skbt_stage ranked by, or -1 for the whole journey (first to last hop). */
int skbt_flows_new(int stage, struct skbt_flows **fp);
void skbt_flows_free(struct skbt_flows *f);	/* NULL is a no-op */

struct skbt_journey;
/* Count @j under its flow key (journeys with kind NONE are counted as unknown). 0 or -ENOMEM. */
int skbt_flows_add(struct skbt_flows *f, const struct skbt_journey *j);
/* Sort by p99 of the metric, slowest first (then by journeys); call once before reading. */
void skbt_flows_done(struct skbt_flows *f);

int skbt_flows_stage(const struct skbt_flows *f);
unsigned int skbt_flows_count(const struct skbt_flows *f);
const struct skbt_flow_stats *skbt_flows_get(const struct skbt_flows *f, unsigned int i);
/* Journeys with a 5-tuple, with only a hash, with neither, and of flows past the cap. */
uint64_t skbt_flows_by_kind(const struct skbt_flows *f, enum skbt_flow_kind kind);
uint64_t skbt_flows_other(const struct skbt_flows *f);
uint64_t skbt_flow_quantile(const struct skbt_flow_stats *s, double q);

#endif
