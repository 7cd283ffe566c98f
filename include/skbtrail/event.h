/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * event: the boundary between the trace file and everything after it.
 *
 * skbt_events merges the per-CPU streams of one buffer by timestamp and decodes each record
 * into a struct skbt_event with field offsets looked up once per event type.  Journey,
 * statistics and report code use only this header: they never see libtraceevent.
 */
#ifndef SKBTRAIL_EVENT_H
#define SKBTRAIL_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "skbtrail/common.h"

struct skbt_tracefile;

/* One kind per row of skbtrail/events.def, in its order, then the synthetic ones. */
enum skbt_kind {
#define SKBT_EVENT(id, sys, name, set, role, payload, skb, len, a, b, c, dev, filter, lean) \
	SKBT_EV_##id,
#include "skbtrail/events.def"
#undef SKBT_EVENT
	/* synthetic: the kernel lost events on this CPU just before @ts (ring buffer overrun) */
	SKBT_EV_LOST,
	/* any other event type present in the file (counted, not decoded) */
	SKBT_EV_OTHER,
	SKBT_EV__COUNT
};

/* "system:name" of each kind, e.g. "net:netif_rx"; "lost" and "other" for the synthetic ones. */
const char *skbt_kind_name(enum skbt_kind kind);
/* Short name used in reports: "netif_rx", "napi_gro_receive_entry", ... */
const char *skbt_kind_short(enum skbt_kind kind);
/* Does the event name the device it ran on?  Frees and socket copies do not. */
bool skbt_kind_has_dev(enum skbt_kind kind);

/*
 * Execution context of an event, from the trace entry's common_flags (kernel
 * include/linux/trace_events.h: TRACE_FLAG_HARDIRQ 0x08, TRACE_FLAG_SOFTIRQ 0x10,
 * TRACE_FLAG_NMI 0x40).  An OVS upcall's packet comes back from ovs-vswitchd's handler
 * thread in process context, where the fast path runs in softirq: the journey builder
 * uses this to tell them apart.
 */
#define SKBT_CTX_HARDIRQ 0x01
#define SKBT_CTX_SOFTIRQ 0x02
#define SKBT_CTX_NMI 0x04

#define SKBT_DEV_NONE 0		/* no device, or the backlog's "(no_device)" */

struct skbt_event {
	uint64_t ts;		/* ns in the trace clock */
	uint64_t skb;		/* skbaddr; napi pointer for napi_poll; 0 if none */
	uint16_t cpu;
	uint8_t ctx;		/* SKBT_CTX_* from common_flags: where the CPU was */
	uint8_t reserved;
	uint16_t kind;		/* enum skbt_kind */
	uint16_t dev;		/* interned device id (skbt_events_dev_name), SKBT_DEV_NONE if none */
	uint32_t len;		/* skb->len as the event reports it */
	int32_t pid;		/* common_pid: the task the CPU ran (0 = idle/softirq on idle) */
	union {
		struct { int32_t work, budget; } napi;			/* NAPI_POLL */
		struct {					/* KFREE_SKB */
			uint32_t reason;	/* skbt_events_drop_reason() names it */
			uint16_t protocol;	/* skb->protocol, host order of the field */
			uint64_t location;	/* skbt_events_symbol() names it */
		} drop;
		struct { uint32_t vec; } softirq;			/* SOFTIRQ_* */
		struct { uint32_t action; uint32_t truesize; } ovs;	/* OVS_* */
		struct { int32_t rc; } ret;				/* NETIF_RX_EXIT, NET_DEV_XMIT */
		struct { uint32_t hash; uint32_t truesize; } entry;	/* *_ENTRY events */
		struct { uint64_t count; } lost;	/* LOST: UINT64_MAX = unknown count */
	} u;
};

struct skbt_events;

/*
 * Open the merged event stream of the buffer of @tf that holds the receive-path events
 * (@buffer NULL: the first buffer, top or instance, whose formats and data contain
 * net:netif_receive_skb; else the named one).  @tf must outlive the stream.
 */
int skbt_events_open(struct skbt_tracefile *tf, const char *buffer, struct skbt_events **evp,
		     struct skbt_err *err);
void skbt_events_close(struct skbt_events *ev);	/* NULL is a no-op */

/*
 * A live stream of @ncpus CPUs: the formats come from @tf (a file without data, its options
 * saying which events are enabled), the sub-buffers from skbt_events_push() as a reader gets
 * them (the flight recorder's latency trigger).  Decoding is the same as for a file.
 */
int skbt_events_open_live(struct skbt_tracefile *tf, int ncpus, struct skbt_events **evp,
			  struct skbt_err *err);
/*
 * Hand @len bytes of whole sub-buffers of @cpu to a live stream (@len 0: none), and let
 * skbt_events_next() deliver records up to @hold: every CPU has been read up to that time,
 * so no earlier record can come later.  Past it, skbt_events_next() returns 0 until the next
 * push.  0, -EINVAL or -ENOMEM.
 */
int skbt_events_push(struct skbt_events *ev, int cpu, const void *pages, size_t len,
		     uint64_t hold);

/*
 * 1: *out filled with the next event in timestamp order (ties: lower CPU first);
 * 0: end; <0: error (err says what).  Records whose timestamp goes backwards on their
 * CPU are counted (skbt_events_backwards) and delivered with the last good timestamp.
 */
int skbt_events_next(struct skbt_events *ev, struct skbt_event *out, struct skbt_err *err);

/* Name of the buffer being read ("" = top). */
const char *skbt_events_buffer(const struct skbt_events *ev);
int skbt_events_ncpus(const struct skbt_events *ev);
const char *skbt_events_clock(const struct skbt_events *ev);

/*
 * Read the file as if the events of @list ("net:net_dev_queue,skb:*") had not been recorded:
 * their records count as "other" and skbt_events_has() is false for them.  Call before the
 * first skbt_events_next().  -EINVAL (err names it) for a name skbtrail does not know.
 */
int skbt_events_without(struct skbt_events *ev, const char *list, struct skbt_err *err);

/* Did the file define this event's format (was it recorded)? */
bool skbt_events_has(const struct skbt_events *ev, enum skbt_kind kind);
/* Records delivered so far, per kind, and in total for SKBT_EV__COUNT. */
uint64_t skbt_events_count(const struct skbt_events *ev, enum skbt_kind kind);
uint64_t skbt_events_backwards(const struct skbt_events *ev);

/* Device names: ids are dense from 1; SKBT_DEV_NONE gives "(no_device)". */
const char *skbt_events_dev_name(const struct skbt_events *ev, unsigned int dev);
unsigned int skbt_events_ndevs(const struct skbt_events *ev);
/* Id of device name @name, interned if new (names made up by the analyzer, "vethB@ns2");
 * SKBT_DEV_NONE when the table is full or out of memory. */
unsigned int skbt_events_dev_id(struct skbt_events *ev, const char *name);
/* Drop reason name of kfree_skb ("NO_SOCKET"), or NULL if the file has no table. */
const char *skbt_events_drop_reason(const struct skbt_events *ev, uint32_t reason);
/* Function symbol of a kfree_skb location ("__udp4_lib_rcv"), or NULL. */
const char *skbt_events_symbol(const struct skbt_events *ev, uint64_t addr);
/* @want(skbt_events_symbol()), without the names where it can (skbt_tracefile_symbol_in()) */
bool skbt_events_symbol_in(const struct skbt_events *ev, uint64_t addr,
			   bool (*want)(const char *name));
/* Task name of @pid from the file's saved cmdlines, "<idle>" for 0, "<...>" if unknown. */
const char *skbt_events_comm(const struct skbt_events *ev, int pid);
/* OVS action name of ovs_do_execute_action's action_type ("OUTPUT"), or NULL. */
const char *skbt_events_ovs_action(const struct skbt_events *ev, uint32_t action);

#endif
