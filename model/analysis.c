// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * analysis: the pipeline of one trace file (analysis.h), taken out of the command layer so
 * that main only parses options and writes outputs.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "skbtrail/analysis.h"
#include "skbtrail/event.h"
#include "skbtrail/findings.h"
#include "skbtrail/flow.h"
#include "skbtrail/journey.h"
#include "skbtrail/pcap.h"
#include "skbtrail/redact.h"
#include "skbtrail/tracefile.h"

/*
 * --redact-devs: devices are named dev1, dev2, ... in the order they first appear in the
 * event stream, so the same trace always gets the same aliases; loopback keeps its name.
 * Selections (--dev, --path) still match the real names: the aliases replace them only in
 * what is written.
 */
struct dev_aliases {
	struct skbt_events *ev;
	char (*name)[16];	/* by device id; "" = not seen yet */
	unsigned int n, next;
	/* devices known only by name (capture interfaces, the node context), after those */
	struct { char *real; char alias[16]; } *by_name;
	unsigned int nby_name;
};

/* What the file says of Open vSwitch beyond the events: for the upcall linker. */
#define LOC_CACHE 64
#define LINK_CACHE 64

struct ovs_hints {
	struct skbt_events *ev;
	struct skbt_ovs_port *ports;	/* from the node context */
	unsigned int nports;
	/* the node context's interfaces (sorted by name) and what connects them */
	struct skbt_iface *ifaces;
	unsigned int nifaces;
	/* by device id: its interfaces are ifaces[first, first + count), count + 1 (0: not asked) */
	struct { uint32_t first, count1; } *bydev;
	unsigned int nbydev;
	unsigned int *named;		/* by interface: its NAME@NAMESPACE device id, 0 if not yet */
	/* free locations asked about: a handful of functions, asked once per free */
	struct { uint64_t loc; bool control; } locs[LOC_CACHE];
	/*
	 * hint_dev_link()'s answers between two devices: asked at nearly every hand-off, and
	 * a function of its arguments alone (the context does not change during a run)
	 */
	struct link_memo {
		uint32_t from1, to;	/* from + 1; 0: empty */
		int32_t where_in, where;
		int how;
		bool linked;
	} links[LINK_CACHE];
};

struct skbt_analysis {
	struct skbt_analysis_config cfg;
	const char *source;		/* basename of the file: never its directory */
	struct skbt_tracefile *tf;
	bool names_ahead;		/* a kfree_skb came: drop sites are named in the report */
	struct skbt_context ctx;
	struct skbt_events *ev;
	struct skbt_journeys *jb;
	struct skbt_journeys_config jcfg;
	struct ovs_hints hints;
	struct skbt_stats st;
	bool stats_ready, fx_ready;
	struct skbt_findings fx;
	struct skbt_flows *flows;
	uint8_t *cpu_seen;		/* flight files: CPUs that had a record already */
	struct skbt_pcap *pc;		/* captured headers of the file, or NULL */
	struct skbt_ipmap *ipmap;	/* --redact-ips, or NULL */
	struct skbt_names ctx_names;	/* --context --redact-devs: the report's aliases */
	struct skbt_pcap_summary capsum;
	struct dev_aliases aliases;
	struct skbt_names out_names;
	struct skbt_trace_info ti;
	char warn_pcap[600];
	char warn_buf[3][600];
	/* the last task asked about in own_task() and the answer */
	int32_t own_pid;
	bool own_asked, own;
	/* the first failure while feeding: its errno and the sink's name (NULL: statistics) */
	int err;
	const char *err_sink;
	unsigned int nsinks;
	struct skbt_sink sinks[SKBT_ANALYSIS_MAX_SINKS];
};

static const char *name_dev(void *ctx, unsigned int dev)
{
	return skbt_events_dev_name(ctx, dev);
}

static const char *name_reason(void *ctx, uint32_t reason)
{
	return skbt_events_drop_reason(ctx, reason);
}

static const char *name_symbol(void *ctx, uint64_t addr)
{
	return skbt_events_symbol(ctx, addr);
}

static bool name_control(void *ctx, uint64_t addr)
{
	return skbt_events_symbol_in(ctx, addr, skbt_control_plane_location);
}

static const char *name_comm(void *ctx, int pid)
{
	return skbt_events_comm(ctx, pid);
}

static int alias_note(struct dev_aliases *a, unsigned int dev)
{
	if (dev == SKBT_DEV_NONE)
		return 0;
	if (dev >= a->n) {
		unsigned int n = dev + 64;
		char (*p)[16] = realloc(a->name, n * sizeof(*p));

		if (!p)
			return -ENOMEM;
		memset(p + a->n, 0, (n - a->n) * sizeof(*p));
		a->name = p;
		a->n = n;
	}
	if (!a->name[dev][0]) {
		if (!strcmp(skbt_events_dev_name(a->ev, dev), "lo"))
			strcpy(a->name[dev], "lo");
		else
			snprintf(a->name[dev], sizeof(a->name[dev]), "dev%u", ++a->next);
	}
	return 0;
}

static const char *name_dev_alias(void *ctx, unsigned int dev)
{
	struct dev_aliases *a = ctx;

	if (dev == SKBT_DEV_NONE)
		return skbt_events_dev_name(a->ev, dev);
	if (alias_note(a, dev))
		return "dev?";
	return a->name[dev];
}

/* A name no event carried: the alias of the traced device of that name, or the next one */
static const char *name_iface_alias(void *ctx, const char *name)
{
	struct dev_aliases *a = ctx;
	void *p;

	if (!strcmp(name, "lo") || !strcmp(name, "any"))
		return name;
	for (unsigned int d = 0; d < a->n; d++)
		if (a->name[d][0] && !strcmp(skbt_events_dev_name(a->ev, d), name))
			return a->name[d];
	for (unsigned int i = 0; i < a->nby_name; i++)
		if (!strcmp(a->by_name[i].real, name))
			return a->by_name[i].alias;
	p = realloc(a->by_name, (a->nby_name + 1) * sizeof(*a->by_name));
	if (!p)
		return "dev?";
	a->by_name = p;
	if (!(a->by_name[a->nby_name].real = strdup(name)))
		return "dev?";
	snprintf(a->by_name[a->nby_name].alias, sizeof(a->by_name[0].alias), "dev%u", ++a->next);
	return a->by_name[a->nby_name++].alias;
}

/*
 * --context --redact-devs: the aliases the report of the same file would use, so the events
 * are read once for the order the devices appear in (a file without usable events: the
 * context's own order).  -ENOMEM.
 */
static int aliases_of_file(struct skbt_analysis *a)
{
	struct skbt_err err = { 0 };
	struct skbt_event e;

	if (skbt_events_open(a->tf, a->cfg.buffer, &a->ev, &err))
		return 0;
	a->aliases.ev = a->ev;
	while (skbt_events_next(a->ev, &e, &err) > 0)
		if (alias_note(&a->aliases, e.dev))
			return -ENOMEM;
	return 0;
}

static const char *name_reason_alias(void *ctx, uint32_t reason)
{
	return skbt_events_drop_reason(((struct dev_aliases *)ctx)->ev, reason);
}

static const char *name_symbol_alias(void *ctx, uint64_t addr)
{
	return skbt_events_symbol(((struct dev_aliases *)ctx)->ev, addr);
}

static bool name_control_alias(void *ctx, uint64_t addr)
{
	return name_control(((struct dev_aliases *)ctx)->ev, addr);
}

static const char *name_comm_alias(void *ctx, int pid)
{
	return skbt_events_comm(((struct dev_aliases *)ctx)->ev, pid);
}

static enum skbt_ovs_role hint_dev_ovs(unsigned int dev, void *arg)
{
	const struct ovs_hints *h = arg;
	const char *name = skbt_events_dev_name(h->ev, dev);

	if (!h->nports)
		return SKBT_OVS_UNKNOWN;
	for (unsigned int i = 0; i < h->nports; i++)
		if (!strcmp(h->ports[i].name, name))
			return h->ports[i].internal ? SKBT_OVS_INTERNAL : SKBT_OVS_PORT;
	return SKBT_OVS_NONE;
}

static bool ovs_port(const struct ovs_hints *h, const char *name)
{
	for (unsigned int i = 0; i < h->nports; i++)
		if (!strcmp(h->ports[i].name, name))
			return true;
	return false;
}

/* dev_ifaces() for a device not asked about before; false when out of memory. */
static bool dev_ifaces_fill(struct ovs_hints *h, unsigned int dev)
{
	const char *name;
	uint32_t lo = 0, hi = h->nifaces;

	if (dev >= h->nbydev) {
		unsigned int n = dev + 1 > 2 * h->nbydev ? dev + 1 : 2 * h->nbydev;
		void *v = realloc(h->bydev, n * sizeof(*h->bydev));

		if (!v)
			return false;
		h->bydev = v;
		memset(h->bydev + h->nbydev, 0, (n - h->nbydev) * sizeof(*h->bydev));
		h->nbydev = n;
	}
	name = skbt_events_dev_name(h->ev, dev);
	while (lo < hi) {	/* the first of its name */
		uint32_t mid = lo + (hi - lo) / 2;

		if (strcmp(h->ifaces[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (hi = lo; hi < h->nifaces && !strcmp(h->ifaces[hi].name, name); hi++)
		;
	h->bydev[dev].first = lo;
	h->bydev[dev].count1 = hi - lo + 1;
	return true;
}

/*
 * The interfaces named like device @dev (cached per device: asked per hop, the common case
 * is two loads); false when out of memory.
 */
static inline bool dev_ifaces(struct ovs_hints *h, unsigned int dev, uint32_t *first,
			      uint32_t *count)
{
	if ((dev >= h->nbydev || !h->bydev[dev].count1) && !dev_ifaces_fill(h, dev))
		return false;
	*first = h->bydev[dev].first;
	*count = h->bydev[dev].count1 - 1;
	return true;
}

/* A veth whose peer the context does not show (another namespace), a VLAN, a macvlan. */
static bool iface_unknown(const struct skbt_iface *x)
{
	return x->iflink && x->peer < 0;
}

static bool ifaces_linked(const struct ovs_hints *h, int a, int b, int how)
{
	const struct skbt_iface *x = &h->ifaces[a], *y = &h->ifaces[b];

	if (a == b || iface_unknown(x) || iface_unknown(y))
		return true;
	if (how != SKBT_PASS_FORWARD && (x->peer == b || y->peer == a))
		return true;
	if (ovs_port(h, x->name) && ovs_port(h, y->name))
		return true;
	if (strcmp(x->scope, y->scope))
		return false;
	return how != SKBT_PASS_WIRE || !strcmp(x->master, y->name) ||
	       !strcmp(y->master, x->name) || (x->master[0] && !strcmp(x->master, y->master));
}

static bool dev_link(struct ovs_hints *h, unsigned int from, unsigned int to, int how,
		     int *where)
{
	uint32_t af, an, bf, bn;
	int found = -1, nfound = 0;

	if (!dev_ifaces(h, to, &bf, &bn)) {
		*where = -1;
		return true;
	}
	if (from == SKBT_DEV_NONE) {
		*where = bn == 1 ? (int)bf : -1;
		return true;
	}
	if (!dev_ifaces(h, from, &af, &an) || !an || !bn) {
		/* a device the context does not list: nothing known */
		*where = bn == 1 ? (int)bf : -1;
		return true;
	}
	if (*where >= (int)af && *where < (int)(af + an)) {
		af = *where;	/* the journey already showed which one it is */
		an = 1;
	}
	for (uint32_t b = bf; b < bf + bn; b++)
		for (uint32_t a = af; a < af + an; a++)
			if (ifaces_linked(h, a, b, how)) {
				if (found != (int)b)
					nfound++;
				found = b;
				break;
			}
	*where = nfound == 1 ? found : -1;
	return nfound > 0;
}

static bool hint_dev_link(unsigned int from, unsigned int to, int how, int *where, void *arg)
{
	struct ovs_hints *h = arg;
	struct link_memo *m;

	if (from == SKBT_DEV_NONE)	/* the journey's first device: two loads */
		return dev_link(h, from, to, how, where);
	m = &h->links[(from * 31u + to * 7u + (unsigned int)*where * 3u + (unsigned int)how) %
		      LINK_CACHE];
	if (m->from1 != from + 1 || m->to != to || m->where_in != *where || m->how != how) {
		m->from1 = from + 1;
		m->to = to;
		m->where_in = *where;
		m->how = how;
		m->linked = dev_link(h, from, to, how, where);
		m->where = *where;
	}
	*where = m->where;
	return m->linked;
}

/*
 * A path device the journey placed: NAME@NAMESPACE when other namespaces have a NAME too
 * (the recorder's own namespace keeps the bare name).
 */
static unsigned int hint_dev_named(unsigned int dev, int where, void *arg)
{
	struct ovs_hints *h = arg;
	const struct skbt_iface *f;
	uint32_t first, count;
	char name[sizeof(f->name) + sizeof(f->scope) + 1];
	unsigned int id;

	if (!dev_ifaces(h, dev, &first, &count) || count < 2 || where < (int)first ||
	    where >= (int)(first + count))
		return dev;
	f = &h->ifaces[where];
	if (!strcmp(f->scope, "-"))
		return dev;
	if (!h->named && !(h->named = calloc(h->nifaces, sizeof(*h->named))))
		return dev;
	if (!h->named[where]) {
		snprintf(name, sizeof(name), "%s@%s", f->name, f->scope);
		id = skbt_events_dev_id(h->ev, name);
		h->named[where] = id == SKBT_DEV_NONE ? dev : id;
	}
	return h->named[where];
}

static bool hint_ovs_thread(int pid, void *arg)
{
	const struct ovs_hints *h = arg;
	const char *comm = skbt_events_comm(h->ev, pid);

	return comm && skbt_ovs_thread_comm(comm, strlen(comm));
}

static bool hint_control_free(uint64_t location, void *arg)
{
	struct ovs_hints *h = arg;
	unsigned int k = (unsigned int)(location ^ location >> 12) % LOC_CACHE;

	if (h->locs[k].loc != location) {
		h->locs[k].loc = location;
		h->locs[k].control = name_control(h->ev, location);
	}
	return h->locs[k].control;
}

static int comm_is_ovs(int pid, const char *comm, size_t len, void *arg)
{
	(void)pid;
	(void)arg;
	return skbt_ovs_thread_comm(comm, len);
}

/* Does OVS run on the recorded node?  Its events, its datapaths, or its threads say so. */
static bool ovs_node(struct skbt_tracefile *tf, struct skbt_events *ev,
		     const struct ovs_hints *h)
{
	return skbt_events_has(ev, SKBT_EV_OVS_DP_UPCALL) ||
	       skbt_events_has(ev, SKBT_EV_OVS_DO_EXECUTE_ACTION) || h->nports ||
	       skbt_tracefile_foreach_comm(tf, comm_is_ovs, NULL) > 0;
}

static void fail(struct skbt_analysis *a, int ret, const char *sink)
{
	if (ret && !a->err) {
		a->err = ret;
		a->err_sink = sink;
	}
}

static void on_journey(const struct skbt_journey *j, void *arg)
{
	struct skbt_analysis *a = arg;
	uint64_t selected = a->st.journeys_selected;
	struct skbt_journey withflow;

	if (a->pc) {	/* the captured packet's 5-tuple, before any selection looks at it */
		withflow = *j;
		skbt_pcap_attach(a->pc, &withflow);
		/* before anything sees it: every output shows the aliases */
		if (a->ipmap)
			fail(a, skbt_ipmap_key(a->ipmap, &withflow.flow), NULL);
		j = &withflow;
	}

	/* the statistics count what their filter selects: the sinks get the same journeys */
	fail(a, skbt_stats_add_journey(&a->st, j), NULL);
	if (a->st.journeys_selected == selected)
		return;
	for (unsigned int i = 0; i < a->nsinks; i++)
		if (a->sinks[i].on_journey)
			fail(a, a->sinks[i].on_journey(a->sinks[i].priv, j), a->sinks[i].name);
}

static void on_orphan_drop(const struct skbt_event *ev, void *arg)
{
	struct skbt_analysis *a = arg;

	fail(a, skbt_stats_add_orphan_drop(&a->st, ev), NULL);
}

static void on_poll(const struct skbt_event *ev, uint32_t traced, void *arg)
{
	struct skbt_analysis *a = arg;

	fail(a, skbt_stats_add_poll(&a->st, ev, traced), NULL);
	for (unsigned int i = 0; i < a->nsinks; i++)
		if (a->sinks[i].on_poll)
			fail(a, a->sinks[i].on_poll(a->sinks[i].priv, ev, traced),
			     a->sinks[i].name);
}

/* Each event goes to the statistics, the sinks, then the journey builder. */
static int feed(struct skbt_analysis *a, const struct skbt_event *e)
{
	int ret = skbt_stats_add_event(&a->st, e);

	if (ret)
		return ret;
	for (unsigned int i = 0; i < a->nsinks; i++) {
		if (!a->sinks[i].on_event)
			continue;
		ret = a->sinks[i].on_event(a->sinks[i].priv, e);
		if (ret) {
			fail(a, ret, a->sinks[i].name);
			return ret;
		}
	}
	if (a->pc && e->kind == SKBT_EV_NETIF_RECEIVE_SKB) {
		ret = skbt_pcap_on_event(a->pc, e, a->st.names.dev(a->st.names.ctx, e->dev));
		if (ret)
			return ret;
	}
	return skbt_journeys_feed(a->jb, e);
}

/* skbt_context_is_own(), asked of the same task by most records in a row */
static bool own_task(struct skbt_analysis *a, int32_t pid)
{
	if (!a->own_asked || a->own_pid != pid) {
		a->own_asked = true;
		a->own_pid = pid;
		a->own = skbt_context_is_own(&a->ctx, pid);
	}
	return a->own;
}

static bool select_pcap(void *ctx, const struct skbt_journey *j)
{
	return skbt_pcap_filter_match(ctx, j);
}

/* Sum of "overrun: N" over the CPUSTAT texts of @buf; -1 if the file has none. */
static int64_t file_overrun(struct skbt_tracefile *tf, int buf, int ncpus)
{
	int64_t total = -1;

	for (int c = 0; c < ncpus; c++) {
		const char *s = skbt_tracefile_cpustat(tf, buf, c);
		const char *o = s ? strstr(s, "overrun:") : NULL;

		if (!o)
			continue;
		if (total < 0)
			total = 0;
		total += strtoll(o + 8, NULL, 10);
	}
	return total;
}

static int buffer_index(struct skbt_tracefile *tf, const char *name)
{
	for (int i = 0; i < skbt_tracefile_nbuffers(tf); i++)
		if (!strcmp(skbt_tracefile_buffer_name(tf, i), name))
			return i;
	return -1;
}

static int failed(struct skbt_err *err, enum skbt_analysis_fail *kind,
		  enum skbt_analysis_fail k, int ret)
{
	if (kind)
		*kind = k;
	return ret;
}

/* "FILE: what the module said", the way every file error is worded. */
static int file_err(struct skbt_err *err, const char *path, int ret)
{
	char msg[sizeof(err->msg)];

	snprintf(msg, sizeof(msg), "%s", err->msg[0] ? err->msg : strerror(-ret));
	return skbt_err_set(err, ret, "%s: %s", path, msg);
}

static int oom(struct skbt_err *err, enum skbt_analysis_fail *kind, const char *path)
{
	skbt_err_set(err, -ENOMEM, "%s: out of memory", path);
	return failed(err, kind, SKBT_ANALYSIS_FAIL_RUNTIME, -ENOMEM);
}

static int open_pipeline(struct skbt_analysis *a, struct skbt_err *err,
			 enum skbt_analysis_fail *kind)
{
	const struct skbt_analysis_config *cfg = &a->cfg;
	const char *path = cfg->path;
	int ret;

	ret = skbt_events_open(a->tf, cfg->buffer, &a->ev, err);
	if (ret)
		return failed(err, kind, ret == -ENOMEM ? SKBT_ANALYSIS_FAIL_RUNTIME :
			      SKBT_ANALYSIS_FAIL_BADFILE, file_err(err, path, ret));
	if (cfg->without && (ret = skbt_events_without(a->ev, cfg->without, err))) {
		char msg[sizeof(err->msg)];

		snprintf(msg, sizeof(msg), "%s", err->msg);
		skbt_err_set(err, ret, "--without: %s", msg);
		return failed(err, kind, SKBT_ANALYSIS_FAIL_USAGE, ret);
	}
	/*
	 * Free events are looked up by location: is it a control-plane function (from the
	 * first free on), and the name of a drop site (from the first kfree_skb on, to be ready
	 * for the report: skbt_analysis_run()).  A flood with consume_skb only needs no names.
	 */
	if (skbt_events_has(a->ev, SKBT_EV_KFREE_SKB) || skbt_events_has(a->ev, SKBT_EV_CONSUME_SKB))
		skbt_tracefile_symbols_ahead(a->tf, skbt_control_plane_location);

	ret = skbt_pcap_read(a->tf, &a->pc, err);
	if (!ret && a->pc) {
		ret = skbt_pcap_prepare(a->pc, skbt_events_clock(a->ev), err);
		if (ret == -ENOTSUP) {	/* no alignment: nothing to match, said in the report */
			snprintf(a->warn_pcap, sizeof(a->warn_pcap), "captured headers not matched "
				 "to events: %s", err->msg);
			ret = 0;
		}
	}
	if (ret)
		return failed(err, kind, ret == -ENOMEM ? SKBT_ANALYSIS_FAIL_RUNTIME :
			      SKBT_ANALYSIS_FAIL_BADFILE, file_err(err, path, ret));
	if ((cfg->pcap_filter || cfg->need_pcap) && !a->pc) {
		skbt_err_set(err, -ENODATA, "%s: --%s needs captured packet headers and this trace "
			     "has none (record it with skbtrail-record --pcap)", path,
			     cfg->pcap_filter ? "filter" : cfg->need_pcap);
		return failed(err, kind, SKBT_ANALYSIS_FAIL_USAGE, -ENODATA);
	}
	if (cfg->pcap_filter) {
		ret = skbt_pcap_filter_set(a->pc, cfg->pcap_filter, err);
		if (ret) {
			char msg[sizeof(err->msg)];

			snprintf(msg, sizeof(msg), "%s", err->msg);
			skbt_err_set(err, ret, "--filter: %s", msg);
			return failed(err, kind, ret == -EINVAL ? SKBT_ANALYSIS_FAIL_USAGE :
				      SKBT_ANALYSIS_FAIL_RUNTIME, ret);
		}
		a->cfg.filter.select = select_pcap;
		a->cfg.filter.select_ctx = a->pc;
	}
	if (skbt_stats_init(&a->st, &a->cfg.filter, &(struct skbt_names){
		.dev = name_dev, .reason = name_reason, .symbol = name_symbol, .control = name_control,
		.comm = name_comm, .ctx = a->ev }, cfg->top))
		return oom(err, kind, path);
	a->stats_ready = true;
	a->st.fsize = skbt_tracefile_size(a->tf);
	if (skbt_flows_new(cfg->filter.stage, &a->flows))
		return oom(err, kind, path);
	if (cfg->redact_ips && skbt_ipmap_new(&a->ipmap))
		return oom(err, kind, path);
	a->st.flows = a->flows;
	if (skbt_findings_init(&a->fx, &a->ctx, &a->st.names))
		return oom(err, kind, path);
	a->fx_ready = true;
	a->aliases.ev = a->ev;
	a->out_names = cfg->redact_devs ? (struct skbt_names){ .dev = name_dev_alias,
		.reason = name_reason_alias, .symbol = name_symbol_alias, .control = name_control_alias,
		.comm = name_comm_alias, .iface = name_iface_alias, .ctx = &a->aliases } :
		a->st.names;

	a->hints.ev = a->ev;
	if (skbt_context_ovs_ports(&a->ctx, &a->hints.ports, &a->hints.nports))
		return oom(err, kind, path);
	if (skbt_context_ifaces(&a->ctx, &a->hints.ifaces, &a->hints.nifaces))
		return oom(err, kind, path);
	a->jcfg.have_upcall_events = skbt_events_has(a->ev, SKBT_EV_OVS_DP_UPCALL);
	a->jcfg.have_queue_events = skbt_events_has(a->ev, SKBT_EV_NET_DEV_QUEUE);
	a->jcfg.have_xmit_events = skbt_events_has(a->ev, SKBT_EV_NET_DEV_XMIT);
	a->jcfg.have_poll_events = skbt_events_has(a->ev, SKBT_EV_NAPI_POLL);
	a->jcfg.ovs_node = ovs_node(a->tf, a->ev, &a->hints);
	a->jcfg.dev_ovs = hint_dev_ovs;
	a->jcfg.ovs_thread = hint_ovs_thread;
	a->jcfg.control_free = hint_control_free;
	a->jcfg.hint_arg = &a->hints;
	/* files without the iflink/master keys link as before */
	a->jcfg.dev_link = a->hints.nifaces ? hint_dev_link : NULL;
	a->jcfg.dev_named = a->hints.nifaces ? hint_dev_named : NULL;
	if (skbt_journeys_new(&a->jcfg, &(struct skbt_journeys_cb){
		.journey = on_journey, .orphan_drop = on_orphan_drop, .poll = on_poll,
		.arg = a }, &a->jb))
		return oom(err, kind, path);
	return 0;
}

int skbt_analysis_open(const struct skbt_analysis_config *cfg, struct skbt_analysis **ap,
		       struct skbt_err *err, enum skbt_analysis_fail *kind)
{
	struct skbt_analysis *a = calloc(1, sizeof(*a));
	int ret;

	*ap = NULL;
	if (!a)
		return oom(err, kind, cfg->path);
	a->cfg = *cfg;
	a->source = strrchr(cfg->path, '/') ? strrchr(cfg->path, '/') + 1 : cfg->path;
	ret = skbt_tracefile_open(cfg->path, &a->tf, err);
	if (ret) {
		failed(err, kind, ret == -EINVAL || ret == -EBADMSG || ret == -EPROTONOSUPPORT ||
		       ret == -ENOMSG || ret == -ENODATA || ret == -E2BIG ?
		       SKBT_ANALYSIS_FAIL_BADFILE :
		       SKBT_ANALYSIS_FAIL_RUNTIME, file_err(err, cfg->path, ret));
		goto fail;
	}
	ret = skbt_context_load(a->tf, &a->ctx, err);
	if (ret == -E2BIG) {	/* a budget of the whole file (docs/file-format.md, Limits) */
		failed(err, kind, SKBT_ANALYSIS_FAIL_BADFILE, file_err(err, cfg->path, ret));
		goto fail;
	}
	if (ret) {
		ret = oom(err, kind, cfg->path);
		goto fail;
	}
	if (!cfg->context_only) {
		ret = open_pipeline(a, err, kind);
		if (ret)
			goto fail;
	} else if (cfg->redact_devs) {
		if (aliases_of_file(a)) {
			ret = oom(err, kind, cfg->path);
			goto fail;
		}
		a->ctx_names = (struct skbt_names){ .iface = name_iface_alias, .ctx = &a->aliases };
	}
	*ap = a;
	return 0;
fail:
	skbt_analysis_close(a);
	return ret;
}

const struct skbt_names *skbt_analysis_names(const struct skbt_analysis *a)
{
	return &a->out_names;
}

struct skbt_pcap *skbt_analysis_pcap(const struct skbt_analysis *a)
{
	return a->pc;
}

const char *skbt_analysis_source(const struct skbt_analysis *a)
{
	return a->source;
}

const struct skbt_context *skbt_analysis_context(const struct skbt_analysis *a)
{
	return &a->ctx;
}

const struct skbt_names *skbt_analysis_context_names(const struct skbt_analysis *a)
{
	return a->ctx_names.iface ? &a->ctx_names : NULL;
}

struct skbt_ipmap *skbt_analysis_ipmap(const struct skbt_analysis *a)
{
	return a->ipmap;
}

const char *skbt_analysis_node(const struct skbt_analysis *a)
{
	return a->cfg.node ? a->cfg.node : a->ctx.node;
}

int skbt_analysis_add_sink(struct skbt_analysis *a, const struct skbt_sink *sk)
{
	if (a->nsinks >= SKBT_ANALYSIS_MAX_SINKS)
		return -ENOSPC;
	a->sinks[a->nsinks++] = *sk;
	return 0;
}
/* The kernel filters of events.def's lean column: what --events lean kept of each event. */
static const char *const lean_filter[SKBT_EV__COUNT] = {
#define SKBT_EVENT(id, sys, name, set, role, payload, skb, len, a, b, c, dev, filter, lean) \
	[SKBT_EV_##id] = lean,
#include "skbtrail/events.def"
#undef SKBT_EVENT
};

/* A file of `skbtrail-record --events lean`: which events hold only what their filter kept. */
static bool lean_warning(const struct skbt_analysis *a, char *buf, size_t size)
{
	const char *set = skbt_kvlist_get(&a->ctx.record, "events_option");
	size_t off;

	if (!set || strcmp(set, "lean"))
		return false;
	off = (size_t)snprintf(buf, size, "recorded with --events lean: kept in the kernel only");
	for (int k = 0; k < SKBT_EV__COUNT && off < size; k++)
		if (lean_filter[k])
			off += (size_t)snprintf(buf + off, size - off, " %s where %s,",
						skbt_kind_name(k), lean_filter[k]);
	if (off < size)
		snprintf(buf + off - 1, size - off + 1, " (their counts count those only)");
	return true;
}


/* The trace as the reports describe it, once every event is read. */
static int finish_model(struct skbt_analysis *a)
{
	struct skbt_trace_info *ti = &a->ti;

	skbt_stats_done(&a->st);
	a->st.names = a->out_names;	/* selections matched real names; outputs show these */

	ti->file = a->source;		/* never the directory: reports get attached to tickets */
	ti->node = skbt_analysis_node(a);
	ti->own_known = a->ctx.nown > 0;
	ti->version = skbt_tracefile_version(a->tf);
	ti->compression = skbt_tracefile_compression(a->tf);
	ti->buffer = skbt_events_buffer(a->ev);
	ti->clock = skbt_events_clock(a->ev);
	ti->ncpus = skbt_events_ncpus(a->ev);
	for (int k = 0; k < SKBT_EV__COUNT; k++) {
		ti->events[k] = skbt_events_count(a->ev, k);
		ti->recorded[k] = skbt_events_has(a->ev, k);
		ti->events_total += k == SKBT_EV_LOST ? 0 : ti->events[k];
	}
	ti->lost_markers = ti->events[SKBT_EV_LOST] - ti->overwritten_markers;
	ti->truncated = ti->truncated || skbt_tracefile_truncated(a->tf);
	ti->backwards = skbt_events_backwards(a->ev);
	ti->jc = skbt_journeys_counters(a->jb);
	a->capsum.filter = a->cfg.pcap_filter;
	a->capsum.selected = a->st.journeys_selected;
	skbt_pcap_summarize(a->pc, &a->capsum);
	ti->capture = &a->capsum;
	if (a->pc && !a->capsum.aligned && ti->nwarnings < SKBT_MAX_WARNINGS)
		ti->warnings[ti->nwarnings++] = a->warn_pcap;
	{
		int bi = buffer_index(a->tf, ti->buffer);

		ti->overrun_total = bi >= 0 ? file_overrun(a->tf, bi, ti->ncpus) : -1;
	}
	/*
	 * In overwrite mode the buffers lose only their oldest events, and the recorder resets
	 * them after each file: their overrun is the exact count of what came before this one.
	 * Not with a latency trigger's window, which let older sub-buffers go uncounted.
	 */
	if (ti->overwritten_at_least && ti->overrun_total >= 0 && !ti->lost_unknown &&
	    !skbt_kvlist_get(&a->ctx.record, "latency_window_dropped_pages") &&
	    (uint64_t)ti->overrun_total >= ti->overwritten_events + ti->lost_events) {
		/* what the markers later in the file counted is in the overrun too */
		ti->overwritten_events = ti->overrun_total - ti->lost_events;
		ti->overwritten_at_least = false;
	}
	if (skbt_findings_done(&a->fx, ti, &a->st))
		return -ENOMEM;
	ti->fx = &a->fx;
	if (lean_warning(a, a->warn_buf[2], sizeof(a->warn_buf[2]))) {
		a->st.empty_polls_unknown = lean_filter[SKBT_EV_NAPI_POLL] != NULL;
		if (ti->nwarnings < SKBT_MAX_WARNINGS)
			ti->warnings[ti->nwarnings++] = a->warn_buf[2];
	}
	if (!strcmp(ti->clock, "local") && ti->ncpus > 1 && ti->nwarnings < SKBT_MAX_WARNINGS)
		ti->warnings[ti->nwarnings++] = "trace clock 'local' is per CPU: stages that "
			"change CPU may be off by the clocks' skew (record with mono or global)";
	if (ti->backwards && ti->nwarnings < SKBT_MAX_WARNINGS) {
		snprintf(a->warn_buf[1], sizeof(a->warn_buf[1]), "%" PRIu64 " events had "
			 "timestamps going backwards on their CPU (taken as the previous "
			 "timestamp)", ti->backwards);
		ti->warnings[ti->nwarnings++] = a->warn_buf[1];
	}
	return 0;
}

int skbt_analysis_run(struct skbt_analysis *a, struct skbt_err *err)
{
	struct skbt_trace_info *ti = &a->ti;
	const struct skbt_context *ctx = &a->ctx;
	bool have_first = false, early = false, first_on_cpu;
	uint64_t nevents = 0;
	struct skbt_event e;
	int ret;

	{
		/*
		 * from the file: shown only when it is a plain word ("sigusr1", "rx-drop:eth0",
		 * "latency:backlog>2ms"; every output escapes the '>' its own way)
		 */
		const char *t = skbt_kvlist_get(&a->ctx.record, "trigger");
		const char *tn = skbt_kvlist_get(&a->ctx.record, "trigger_time_ns");

		if (t && *t && strlen(t) < 64 &&
		    strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:,.->") ==
		    strlen(t)) {
			ti->trigger = t;
			ti->trigger_ns = tn ? strtoull(tn, NULL, 10) : 0;
			/* rx-drop:DEV names a device: --redact-devs keeps only the kind */
			if (a->cfg.redact_devs && !strncmp(t, "rx-drop:", 8))
				ti->trigger = "rx-drop";
		}
	}
	if (ti->trigger) {
		int n = skbt_events_ncpus(a->ev);

		a->cpu_seen = calloc(n > 0 ? n : 1, 1);
		/* the reports list the journeys around the trigger, as many as the slowest */
		if (!a->cpu_seen || (ti->trigger_ns && skbt_stats_near(&a->st, ti->trigger_ns,
								       a->cfg.top)))
			return skbt_err_set(err, -ENOMEM, "out of memory");
	}
	for (;;) {
		if (a->cfg.progress && !(++nevents & 0xffff))
			a->cfg.progress(a->cfg.progress_arg, a->tf, nevents);
		ret = skbt_events_next(a->ev, &e, err);
		if (ret <= 0)
			break;
		if (!have_first) {
			have_first = true;
			ti->first_ts = e.ts;
			if (a->cfg.from_rel >= 0)
				a->st.filter.from_ns = e.ts + a->cfg.from_rel;
			if (a->cfg.to_rel >= 0)
				a->st.filter.to_ns = e.ts + a->cfg.to_rel;
		}
		ti->last_ts = e.ts;
		if (a->cfg.redact_devs && alias_note(&a->aliases, e.dev))
			goto nomem;
		/*
		 * The recorder's own tasks in process context: whatever they free or copy is its
		 * activity (a capture socket, a snapshot), not the node's.  In softirq the pid is
		 * only whoever the CPU interrupted, so those events stay.
		 */
		if (ctx->nown && !(e.ctx & (SKBT_CTX_HARDIRQ | SKBT_CTX_SOFTIRQ | SKBT_CTX_NMI)) &&
		    e.kind != SKBT_EV_LOST && own_task(a, e.pid)) {
			ti->own_events++;
			continue;
		}
		first_on_cpu = a->cpu_seen && e.cpu < skbt_events_ncpus(a->ev) &&
			       !a->cpu_seen[e.cpu];
		if (first_on_cpu)
			a->cpu_seen[e.cpu] = 1;
		if (first_on_cpu && e.kind == SKBT_EV_LOST) {
			/*
			 * A flight file: a CPU's first record saying events were missed is the
			 * ring buffer having overwritten older ones (overwrite mode, by design),
			 * not a gap in what the file holds.  Journeys still see it: the ones cut
			 * at the file's start are marked incomplete.
			 */
			ti->overwritten_markers++;
			if (e.u.lost.count != UINT64_MAX)
				ti->overwritten_events += e.u.lost.count;
			else
				ti->overwritten_at_least = true;
		} else if (e.kind == SKBT_EV_LOST) {
			if (e.u.lost.count == UINT64_MAX)
				ti->lost_unknown = true;
			else
				ti->lost_events += e.u.lost.count;
		}
		if (e.kind == SKBT_EV_KFREE_SKB && !a->names_ahead) {
			a->names_ahead = true;
			skbt_tracefile_symbols_ahead(a->tf, NULL);
		}
		if (feed(a, &e) || a->err)
			goto feed_failed;
		if (skbt_findings_add_event(&a->fx, &e))
			goto nomem;
	}
	if (ret < 0) {
		/* the data ends in the middle: report what came before, marked incomplete */
		char msg[sizeof(err->msg)];

		snprintf(msg, sizeof(msg), "%s", err->msg[0] ? err->msg : strerror(-ret));
		snprintf(a->warn_buf[0], sizeof(a->warn_buf[0]), "reading stopped early: %s",
			 err->msg);
		ti->warnings[ti->nwarnings++] = a->warn_buf[0];
		ti->truncated = true;
		skbt_err_set(err, ret, "%s: %s", a->cfg.path, msg);
		early = true;
	}
	skbt_journeys_finish(a->jb);
	if (a->err)
		goto feed_failed;
	if (finish_model(a))
		goto nomem;
	return early ? 1 : 0;
feed_failed:
	if (!a->err)
		a->err = -ENOMEM;
	if (a->err == -E2BIG && !a->err_sink)	/* a budget of the statistics: paths, histograms */
		return skbt_err_set(err, -E2BIG, "%s: %s", a->cfg.path, a->st.limit.msg);
	return skbt_err_set(err, a->err, "%s: %s%s%s", a->cfg.path,
			    a->err_sink ? a->err_sink : "", a->err_sink ? ": " : "",
			    strerror(-a->err));
nomem:
	return skbt_err_set(err, -ENOMEM, "%s: out of memory", a->cfg.path);
}

const struct skbt_trace_info *skbt_analysis_trace(const struct skbt_analysis *a)
{
	return &a->ti;
}

const struct skbt_stats *skbt_analysis_stats(const struct skbt_analysis *a)
{
	return &a->st;
}

int skbt_analysis_finish_sinks(struct skbt_analysis *a, struct skbt_err *err)
{
	for (unsigned int i = 0; i < a->nsinks; i++) {
		struct skbt_sink *sk = &a->sinks[i];
		int ret;

		if (!sk->finish)
			continue;
		err->msg[0] = 0;
		ret = sk->finish(sk->priv, &a->ti, &a->st, err);
		if (ret) {
			char msg[sizeof(err->msg)];

			snprintf(msg, sizeof(msg), "%s", err->msg[0] ? err->msg : strerror(-ret));
			return skbt_err_set(err, ret, "%s: %s", sk->name, msg);
		}
	}
	return 0;
}

void skbt_analysis_close(struct skbt_analysis *a)
{
	if (!a)
		return;
	for (unsigned int i = 0; i < a->nsinks; i++)
		if (a->sinks[i].destroy)
			a->sinks[i].destroy(a->sinks[i].priv);
	skbt_journeys_free(a->jb);
	free(a->hints.ports);
	free(a->hints.ifaces);
	free(a->hints.bydev);
	free(a->hints.named);
	skbt_flows_free(a->flows);
	free(a->cpu_seen);
	skbt_ipmap_free(a->ipmap);
	skbt_pcap_free(a->pc);
	if (a->stats_ready)
		skbt_stats_release(&a->st);
	skbt_events_close(a->ev);
	if (a->fx_ready)
		skbt_findings_release(&a->fx);
	skbt_context_release(&a->ctx);
	skbt_tracefile_close(a->tf);
	free(a->aliases.name);
	for (unsigned int i = 0; i < a->aliases.nby_name; i++)
		free(a->aliases.by_name[i].real);
	free(a->aliases.by_name);
	free(a);
}
