/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * journey: rebuild each packet's way through the receive path from the event stream.
 *
 * A journey is one packet: the ordered hops (event, device, CPU, time) that one skb address
 * went through, plus, when the trace allows, a second skb linked to it (an OVS upcall's
 * re-injected packet).  The builder keeps only journeys in flight: a journey is handed to the
 * caller's callback as soon as it ends (freed, its address reused by a new packet, idle, or end
 * of trace) and its memory is reused.  See docs/stages.md for the rules.
 */
#ifndef SKBTRAIL_JOURNEY_H
#define SKBTRAIL_JOURNEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "skbtrail/event.h"
#include "skbtrail/flow.h"

#define SKBT_MAX_HOPS 24	/* hops kept per journey; more set SKBT_JF_HOPS_TRUNCATED */
#define SKBT_MAX_STAGES 16
#define SKBT_MAX_PATH_DEVS 8

enum skbt_stage {
	SKBT_STAGE_GRO,		/* napi_gro_receive_entry -> receive, same CPU */
	SKBT_STAGE_RPS,		/* first-hop entry on CPU x -> netif_receive_skb on CPU y */
	SKBT_STAGE_FORWARD,	/* netif_receive_skb(A) -> hand-off to B (OVS datapath, bridge) */
	SKBT_STAGE_BACKLOG,	/* netif_rx(B) -> netif_receive_skb(B) (per-CPU backlog) */
	SKBT_STAGE_XMIT,	/* net_dev_queue(A) -> net_dev_xmit(A) or the peer's receive */
	SKBT_STAGE_STACK,	/* last receive -> consume_skb / kfree_skb */
	SKBT_STAGE_UPCALL,	/* OVS miss -> re-injected skb from ovs-vswitchd */
	SKBT_STAGE_SOCKET,	/* last receive -> the task copies it out (skb_copy_datagram_iovec) */
	SKBT_STAGE__COUNT
};

const char *skbt_stage_name(enum skbt_stage stage);
/* Can a trace that recorded these event kinds measure @stage at all? */
bool skbt_stage_measurable(enum skbt_stage stage, const bool recorded[SKBT_EV__COUNT]);
/*
 * Should a report list @stage as not measurable with these events?  The receive-path stages,
 * yes; the socket stage, an opt-in beyond the path (its event is new in --events full), only
 * when measured, so traces recorded before it read as they did.
 */
bool skbt_stage_missing(enum skbt_stage stage, const bool recorded[SKBT_EV__COUNT]);
/* The event kinds @stage is measured from (any one suffices); how many. */
unsigned int skbt_stage_needs(enum skbt_stage stage, enum skbt_kind kinds[3]);
/* -1 if @name is not a stage name */
int skbt_stage_from_name(const char *name);

/* How a journey ended. */
enum skbt_jend {
	SKBT_JEND_CONSUMED,	/* consume_skb */
	SKBT_JEND_DROPPED,	/* kfree_skb (reason in drop_reason) */
	SKBT_JEND_REUSED,	/* the address started a new packet (no free event was seen) */
	SKBT_JEND_GRO_MERGED,	/* only napi_gro_receive_entry: merged into another skb by GRO */
	SKBT_JEND_UPCALL,	/* consumed after an OVS upcall, no re-injected skb found */
	SKBT_JEND_IDLE,		/* no event for a long time (see skbt_journeys_config.idle_ns) */
	SKBT_JEND_EOF,		/* still in flight when the trace ended */
	SKBT_JEND__COUNT
};
const char *skbt_jend_name(enum skbt_jend end);

/* Journey flags */
#define SKBT_JF_INCOMPLETE	0x01	/* overlaps a lost-events window: hops may be missing */
#define SKBT_JF_HOPS_TRUNCATED	0x02	/* more than SKBT_MAX_HOPS hops */
#define SKBT_JF_LINKED		0x04	/* an upcall's re-injected skb was linked to it */
#define SKBT_JF_CPU_CHANGE	0x08	/* hops on more than one CPU */
#define SKBT_JF_TX_ONLY		0x10	/* never received: a transmit-side journey */

enum skbt_link_conf { SKBT_LINK_NONE, SKBT_LINK_LOW, SKBT_LINK_MEDIUM, SKBT_LINK_HIGH };
const char *skbt_link_conf_name(enum skbt_link_conf conf);

/*
 * Evidence behind an upcall link (a bit each; docs/stages.md "Upcall links").  A link is made
 * only when the re-injected side has OVS evidence of its own (EVENTS, THREAD, CONTEXT or
 * TRACE); FREED and LENGTH only choose among candidates.
 */
enum skbt_link_ev {
	SKBT_LINK_EV_EVENTS,	/* openvswitch:ovs_dp_upcall and ovs_do_execute_action recorded */
	SKBT_LINK_EV_THREAD,	/* re-injected by an ovs-vswitchd thread (its comm: handlerN) */
	SKBT_LINK_EV_CONTEXT,	/* the node context lists both devices as ports of a datapath */
	SKBT_LINK_EV_TRACE,	/* this trace showed both devices on the OVS fast path */
	SKBT_LINK_EV_FREED,	/* the original was freed in the softirq of its receive */
	SKBT_LINK_EV__COUNT
};
const char *skbt_link_ev_name(enum skbt_link_ev ev);
/* Is @comm (@len bytes) the name of an ovs-vswitchd thread that executes packets? */
bool skbt_ovs_thread_comm(const char *comm, size_t len);

struct skbt_hop {
	uint64_t ts;
	uint64_t skb;		/* address (differs from the first after an upcall link) */
	uint16_t cpu;
	uint16_t kind;		/* enum skbt_kind */
	uint16_t dev;
	uint8_t ctx;
	uint8_t in_chain;	/* 1 if stages are measured from/to it */
	uint32_t len;
	int32_t pid;
	uint32_t aux;		/* kfree_skb reason, OVS action */
	int32_t where;		/* its device's interface in the node context, -1 if not known */
};

struct skbt_stage_span {
	uint8_t stage;		/* enum skbt_stage */
	uint8_t from, to;	/* hop indexes */
	uint64_t ns;
};

/*
 * The fields before @hops are all the journey builder keeps of a journey in flight (with
 * its hops); those after @hops are filled when it ends.  A busy node has hundreds of
 * thousands in flight (docs/performance.md, issue 21): keep the first part small.
 */
struct skbt_journey {
	uint64_t id;		/* 1, 2, ... in order of first hop: stable, no addresses */
	uint64_t skb;		/* first address */
	uint32_t flags;		/* SKBT_JF_* */
	uint8_t end;		/* enum skbt_jend */
	uint8_t link_conf;	/* enum skbt_link_conf when SKBT_JF_LINKED */
	uint8_t link_ev;	/* bits 1 << enum skbt_link_ev when SKBT_JF_LINKED */
	uint16_t nhops;
	uint16_t ndevs;		/* path: devices received on (then transmitted to), in order */
	uint16_t origin_dev;	/* device it was transmitted from before its first receive, or 0 */
	uint16_t devs[SKBT_MAX_PATH_DEVS];
	struct skbt_hop hops[SKBT_MAX_HOPS];
	struct skbt_stage_span stages[SKBT_MAX_STAGES];
	uint16_t nstages;
	uint32_t hash;		/* skb->hash of its first *_entry hop that had one, 0 if none */
	uint32_t drop_reason;
	uint64_t drop_location;
	uint32_t pkt;		/* captured packet matched to it + 1 (skbtrail/pcap.h), 0 if none */
	struct skbt_flow_key flow;	/* its flow: skbt_pcap_attach() fills it (or from @hash) */
};

/* Total time from the first to the last hop. */
static inline uint64_t skbt_journey_duration(const struct skbt_journey *j)
{
	return j->nhops ? j->hops[j->nhops - 1].ts - j->hops[0].ts : 0;
}

/* What the node context says of a device (skbt_journeys_config.dev_ovs). */
enum skbt_ovs_role {
	SKBT_OVS_UNKNOWN,	/* the context lists no datapath (or there is no context) */
	SKBT_OVS_NONE,		/* the context lists datapaths, and not this device */
	SKBT_OVS_PORT,		/* a datapath port: its packets go through OVS (eth0) */
	SKBT_OVS_INTERNAL,	/* an internal port: OVS hands packets to it with netif_rx */
};

/* How a packet passes from one device to another, for dev_link() below. */
enum skbt_pass {
	SKBT_PASS_WIRE,		/* a transmit to a receive: veth peers, bridge and port, one master */
	SKBT_PASS_STACKED,	/* a completion nested in a hand-off: those, or one namespace */
	/*
	 * Received, then handed to another device inside the receive (bridge, routing, tc
	 * redirect): one namespace only, as those look devices up in the skb's namespace
	 * (OVS ports aside); veth peers in two namespaces are not a forward.
	 */
	SKBT_PASS_FORWARD,
};

struct skbt_journeys_config {
	uint64_t idle_ns;	/* end journeys with no event for this long (0: 2 s) */
	uint64_t link_window_ns;/* how long an upcall waits for its re-injected skb (0: 500 ms) */
	bool have_upcall_events;/* the trace recorded openvswitch:ovs_dp_upcall */
	bool have_queue_events;	/* net:net_dev_queue recorded */
	bool have_xmit_events;	/* net:net_dev_xmit recorded */
	bool have_poll_events;	/* napi:napi_poll recorded (poll boundaries known) */
	/*
	 * Open vSwitch runs on this node (OVS events recorded, datapaths in the node context,
	 * or ovs-vswitchd threads among the saved cmdlines).  Without it no upcall is linked,
	 * so a host without OVS never gets one.
	 */
	bool ovs_node;
	/* Optional: role of interned device @dev in the node context (cached per device). */
	enum skbt_ovs_role (*dev_ovs)(unsigned int dev, void *arg);
	/*
	 * Optional: may a packet pass from device @from to device @to (@how: enum
	 * skbt_pass)?  The node context says so when they are one device or ports of the OVS
	 * datapaths, when it does not know one of them, and as enum skbt_pass says.  *where:
	 * in, the context's interface @from is known to be (-1: not known); out, the one @to
	 * is (-1: not known).  @from SKBT_DEV_NONE: only locate @to (cached per device).
	 * Unset (no such facts in the file): any pair may.
	 */
	bool (*dev_link)(unsigned int from, unsigned int to, int how, int *where, void *arg);
	/*
	 * Optional: the device id to name path device @dev by when the journey showed it is
	 * interface @where of the node context (NAME@NAMESPACE when other namespaces have a
	 * NAME too), else @dev.
	 */
	unsigned int (*dev_named)(unsigned int dev, int where, void *arg);
	/* Optional: does the function at kernel address @location free only control-plane skbs
	 * (netlink, Unix sockets), never packets? */
	bool (*control_free)(uint64_t location, void *arg);
	/* Optional: is task @pid an ovs-vswitchd thread that executes packets (cached per pid)? */
	bool (*ovs_thread)(int pid, void *arg);
	void *hint_arg;
};

/* Counters of what the builder saw besides journeys. */
struct skbt_journeys_counters {
	uint64_t journeys;
	uint64_t orphan_frees;		/* consume_skb of an address with no journey */
	uint64_t orphan_drops;		/* kfree_skb of an address with no journey */
	/* frees of a journey's address by control-plane code (counted as orphans too) and
	 * zero-length socket copies (peeks): not joined (docs/stages.md) */
	uint64_t frees_not_joined;
	uint64_t copies_not_joined;
	/* net_dev_xmit of a stacked device (a tunnel) after its lower device's: no packet of
	 * its own, not joined (docs/stages.md, rule 2) */
	uint64_t stacked_xmits;
	uint64_t lost_markers;		/* SKBT_EV_LOST events */
	uint64_t upcalls;		/* journeys with an upcall hop */
	uint64_t upcalls_linked;
	uint64_t links_by_ev[SKBT_LINK_EV__COUNT];	/* links that had each evidence */
	uint64_t peak_live;		/* most journeys in flight at once */
	uint64_t live;
};

typedef void (*skbt_journey_fn)(const struct skbt_journey *j, void *arg);
/* Called for each kfree_skb of an address no journey owns (reason, location, cpu, ts). */
typedef void (*skbt_orphan_drop_fn)(const struct skbt_event *ev, void *arg);
/* Called for every napi_poll with the number of traced receives it contained. */
typedef void (*skbt_poll_fn)(const struct skbt_event *ev, uint32_t traced, void *arg);

struct skbt_journeys;

struct skbt_journeys_cb {
	skbt_journey_fn journey;	/* required */
	skbt_orphan_drop_fn orphan_drop;/* optional */
	skbt_poll_fn poll;		/* optional */
	void *arg;
};

int skbt_journeys_new(const struct skbt_journeys_config *cfg, const struct skbt_journeys_cb *cb,
		      struct skbt_journeys **jbp);
/* Feed the next event (in time order).  0 or -ENOMEM. */
int skbt_journeys_feed(struct skbt_journeys *jb, const struct skbt_event *ev);
/*
 * Time has passed to @now without an event (a live reader read every CPU up to it): end the
 * journeys idle since, as an event at @now would.  No later event may be older than @now.
 */
void skbt_journeys_advance(struct skbt_journeys *jb, uint64_t now);
/* End every journey still in flight (SKBT_JEND_EOF) and hand them over. */
void skbt_journeys_finish(struct skbt_journeys *jb);
const struct skbt_journeys_counters *skbt_journeys_counters(const struct skbt_journeys *jb);
void skbt_journeys_free(struct skbt_journeys *jb);	/* NULL is a no-op */

#endif
