// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * trigger: the --trigger kinds of a flight recorder and the polling of its counter triggers.
 * See skbtrail/trigger.h.
 *
 * rx-drop:DEV asks rtnetlink (RTM_GETSTATS, the counters of `ip -s link show DEV`) through a
 * socket made at start: a socket answers for the network namespace it was made in, the
 * recorder's.  /sys/class/net would not do: it shows the namespace of whoever mounted sysfs
 * (record/context.c), the host's under `nsenter --net`, where DEV would be missing or, worse,
 * the host's device of that name.
 */
#include <errno.h>
#include <net/if.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "skbtrail/context.h"
#include "skbtrail/journey.h"
#include "skbtrail/trigger.h"

const struct skbt_trigger_kind_desc skbt_trigger_kinds[SKBT_TRIGGER_NKINDS] = {
	[SKBT_TRIGGER_DROP] = { "drop", "REASON,...", false,
		"skb:kfree_skb drops a packet for one of these\nreasons (default: a packet, "
		"protocol set, for\nany reason but CONSUMED)" },
	[SKBT_TRIGGER_SOFTNET_DROP] = { "softnet-drop", NULL, false,
		"dropped of /proc/net/softnet_stat rises on a\nCPU (a backlog queue was full)" },
	[SKBT_TRIGGER_SQUEEZE] = { "squeeze", NULL, false,
		"time_squeeze of /proc/net/softnet_stat rises\non a CPU (NAPI ran out of budget)" },
	[SKBT_TRIGGER_RX_DROP] = { "rx-drop", "DEV", true,
		"rx_dropped or rx_missed_errors of DEV rises\n"
		"(in the recorder's network namespace)" },
	[SKBT_TRIGGER_LATENCY] = { "latency", "STAGE>DURATION", true,
		"a journey's STAGE (a stage of the analyzer:\nbacklog, stack, ...) lasts more than "
		"DURATION\n(e.g. 'backlog>2ms'; 'latency:' may be left out);\nreads the buffers "
		"all along: costs what a\nrecording costs" },
};

/* softnet_stat columns (skbt_softnet_fields) of the softnet triggers */
#define COL_DROPPED 1
#define COL_SQUEEZE 2
/* /proc/net/softnet_stat is one line of about 150 bytes per CPU */
#define SOFTNET_MAX (4 << 20)

static bool dev_ok(const char *d)
{
	size_t n = strlen(d);

	/* IFNAMSIZ - 1; dev_valid_name() refuses '/', ':' and white space */
	return n > 0 && n < 16 && strcmp(d, ".") && strcmp(d, "..") && !strpbrk(d, "/: \t\n");
}

static bool reasons_ok(const char *r)
{
	return *r && strspn(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_,") == strlen(r);
}

/* "STAGE>DURATION" of the latency trigger */
static int parse_latency(struct skbt_trigger_set *set, const char *arg, struct skbt_err *err)
{
	const char *gt = strchr(arg, '>');
	char stage[32];
	double s;
	int st;

	if (strlen(skbt_trigger_kinds[SKBT_TRIGGER_LATENCY].name) + 1 + strlen(arg) >=
	    sizeof(set->latency))
		return skbt_err_set(err, -EINVAL, "--trigger '%.60s...': too long", arg);
	if (!gt || (size_t)(gt - arg) >= sizeof(stage))
		return skbt_err_set(err, -EINVAL, "bad --trigger '%s' (a latency trigger is "
				    "STAGE>DURATION, e.g. backlog>2ms)", arg);
	memcpy(stage, arg, gt - arg);
	stage[gt - arg] = '\0';
	st = skbt_stage_from_name(stage);
	if (st < 0) {
		char names[128] = "";

		for (int i = 0; i < SKBT_STAGE__COUNT; i++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
				 i ? ", " : "", skbt_stage_name(i));
		return skbt_err_set(err, -EINVAL, "--trigger '%s': no stage '%s' (stages: %s)",
				    arg, stage, names);
	}
	if (!skbt_parse_duration(gt + 1, &s) || s > 3600)
		return skbt_err_set(err, -EINVAL, "--trigger '%s': bad duration '%s' (e.g. 2ms, "
				    "500us, 1s)", arg, gt + 1);
	if (set->latency[0])
		return skbt_err_set(err, -EINVAL, "only one latency --trigger");
	set->stage = st;
	set->stage_ns = (uint64_t)(s * 1e9 + 0.5);
	snprintf(set->latency, sizeof(set->latency), "%s:%s",
		 skbt_trigger_kinds[SKBT_TRIGGER_LATENCY].name, arg);
	return 0;
}

int skbt_trigger_parse(struct skbt_trigger_set *set, const char *spec, struct skbt_err *err)
{
	size_t len = strcspn(spec, ":>");
	const char *arg = spec[len] ? spec + len + 1 : NULL;
	int k;

	/* "STAGE>DURATION": the latency kind without its name */
	if (spec[len] == '>')
		return parse_latency(set, spec, err);
	for (k = 0; k < SKBT_TRIGGER_NKINDS; k++)
		if (strlen(skbt_trigger_kinds[k].name) == len &&
		    !strncmp(spec, skbt_trigger_kinds[k].name, len))
			break;
	if (k == SKBT_TRIGGER_NKINDS)
		return skbt_err_set(err, -EINVAL, "unknown --trigger '%s'", spec);
	if (arg && !skbt_trigger_kinds[k].arg)
		return skbt_err_set(err, -EINVAL, "--trigger %s takes no argument",
				    skbt_trigger_kinds[k].name);
	if (!arg && skbt_trigger_kinds[k].arg_required)
		return skbt_err_set(err, -EINVAL, "--trigger %s needs :%s",
				    skbt_trigger_kinds[k].name, skbt_trigger_kinds[k].arg);
	switch (k) {
	case SKBT_TRIGGER_DROP:
		if (arg && !reasons_ok(arg))
			return skbt_err_set(err, -EINVAL, "bad --trigger '%s' (drop reasons are "
					    "upper-case names such as NO_SOCKET)", spec);
		if (set->drop)
			return skbt_err_set(err, -EINVAL, "--trigger drop given twice (list the "
					    "reasons in one: drop:A,B)");
		set->drop = arg ? arg : "";
		break;
	case SKBT_TRIGGER_SOFTNET_DROP:
		set->softnet_drop = true;
		break;
	case SKBT_TRIGGER_SQUEEZE:
		set->squeeze = true;
		break;
	case SKBT_TRIGGER_RX_DROP:
		if (!dev_ok(arg))
			return skbt_err_set(err, -EINVAL, "bad device name in --trigger '%s'", spec);
		if (set->nrx == SKBT_TRIGGER_MAX_DEVS)
			return skbt_err_set(err, -EINVAL, "more than %d --trigger rx-drop devices",
					    SKBT_TRIGGER_MAX_DEVS);
		set->rx_dev[set->nrx++] = arg;
		break;
	case SKBT_TRIGGER_LATENCY:
		return parse_latency(set, arg, err);
	}
	return 0;
}

bool skbt_trigger_has_counters(const struct skbt_trigger_set *set)
{
	return set->softnet_drop || set->squeeze || set->nrx;
}

struct skbt_trigger_watch {
	const struct skbt_trigger_set *set;
	/* softnet: the last values by CPU number; seen[cpu] once a row gave them */
	unsigned int ncpu;
	uint64_t *dropped, *squeeze;
	bool *seen;
	/* rx-drop: the last rx_dropped + rx_missed of each device, asked through @nl */
	uint64_t rx[SKBT_TRIGGER_MAX_DEVS];
	int nl;
	uint32_t seq;
	char reason[SKBT_TRIGGER_REASON_MAX];
};

static int got_reason(const struct skbt_trigger_watch *w)
{
	return w->reason[0] != '\0';
}

/* The reply to one RTM_GETSTATS: if_stats_msg and one struct rtnl_link_stats64 */
#define NL_REPLY_MAX 1024

/*
 * rx_dropped + rx_missed_errors of @dev (looked up by name at each call: a device made again
 * is followed); -ENODEV when there is no such device, else a negative errno.
 */
static int read_rx(struct skbt_trigger_watch *w, const char *dev, uint64_t *v)
{
	struct {
		struct nlmsghdr nh;
		struct if_stats_msg sm;
	} req = { 0 };
	union {
		struct nlmsghdr nh;
		char b[NL_REPLY_MAX];
	} rep;
	struct ifreq ifr = { 0 };
	struct rtnl_link_stats64 st = { 0 };
	const size_t need = offsetof(struct rtnl_link_stats64, rx_missed_errors) +
			    sizeof(st.rx_missed_errors);
	struct rtattr *a;
	ssize_t n;
	int len;

	/* any socket answers SIOCGIFINDEX for its own namespace (dev_ioctl()) */
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(w->nl, SIOCGIFINDEX, &ifr) < 0)
		return errno == ENODEV ? -ENODEV : -errno;
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = RTM_GETSTATS;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.nh.nlmsg_seq = ++w->seq;
	req.sm.ifindex = (uint32_t)ifr.ifr_ifindex;
	req.sm.filter_mask = IFLA_STATS_FILTER_BIT(IFLA_STATS_LINK_64);
	if (send(w->nl, &req, sizeof(req), 0) < 0)
		return -errno;
	do {	/* a reply to an earlier request that timed out is passed over */
		n = recv(w->nl, &rep, sizeof(rep), 0);
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		if (!NLMSG_OK(&rep.nh, (size_t)n))
			return -EIO;
	} while (rep.nh.nlmsg_seq != w->seq);
	if (rep.nh.nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(&rep.nh);

		return rep.nh.nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) && e->error ? e->error : -EIO;
	}
	if (rep.nh.nlmsg_type != RTM_NEWSTATS ||
	    rep.nh.nlmsg_len < NLMSG_LENGTH(sizeof(struct if_stats_msg)))
		return -EIO;
	len = (int)(rep.nh.nlmsg_len - NLMSG_SPACE(sizeof(struct if_stats_msg)));
	a = (struct rtattr *)((char *)NLMSG_DATA(&rep.nh) +
			      NLMSG_ALIGN(sizeof(struct if_stats_msg)));
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		/* the kernel's struct may be older (shorter) or newer (longer) than ours */
		if (a->rta_type != IFLA_STATS_LINK_64 || RTA_PAYLOAD(a) < need)
			continue;
		memcpy(&st, RTA_DATA(a), RTA_PAYLOAD(a) < sizeof(st) ? RTA_PAYLOAD(a) : sizeof(st));
		*v = st.rx_dropped + st.rx_missed_errors;
		return 0;
	}
	return -EIO;
}

/*
 * Read softnet_stat; 1 with @w->reason when a watched column changed on a CPU that had a
 * baseline, else 0; -ENOENT when the file or the columns are not there, -ENOMEM.
 */
static int poll_softnet(struct skbt_trigger_watch *w)
{
	struct skbt_softnet_row *rows = NULL;
	unsigned int n = 0, need = w->set->squeeze ? COL_SQUEEZE + 1 : COL_DROPPED + 1;
	char *text = skbt_snapshot_read_text("/proc/net/softnet_stat", SOFTNET_MAX);
	int ret = 0, got = 0;

	if (!text)
		return -ENOENT;
	if (skbt_softnet_parse(text, &rows, &n)) {
		free(text);
		return -ENOMEM;
	}
	free(text);
	for (unsigned int i = 0; i < n; i++) {
		const struct skbt_softnet_row *r = &rows[i];
		unsigned int cpu = (unsigned int)r->cpu;

		if (r->cpu < 0 || cpu >= 65536 || r->ncols < need)
			continue;
		if (cpu >= w->ncpu) {
			unsigned int nn = cpu + 1;
			uint64_t *d = realloc(w->dropped, nn * sizeof(*d));
			uint64_t *s = d ? realloc(w->squeeze, nn * sizeof(*s)) : NULL;
			bool *seen = s ? realloc(w->seen, nn * sizeof(*seen)) : NULL;

			if (d)
				w->dropped = d;
			if (s)
				w->squeeze = s;
			if (!seen) {
				ret = -ENOMEM;
				break;
			}
			w->seen = seen;
			memset(seen + w->ncpu, 0, (nn - w->ncpu) * sizeof(*seen));
			w->ncpu = nn;
		}
		got++;
		/* the columns are 32-bit: any change is a rise (a wrap included) */
		if (w->seen[cpu] && !got_reason(w) && w->set->softnet_drop &&
		    r->v[COL_DROPPED] != w->dropped[cpu])
			snprintf(w->reason, sizeof(w->reason), "%s",
				 skbt_trigger_kinds[SKBT_TRIGGER_SOFTNET_DROP].name);
		if (w->seen[cpu] && !got_reason(w) && w->set->squeeze &&
		    r->v[COL_SQUEEZE] != w->squeeze[cpu])
			snprintf(w->reason, sizeof(w->reason), "%s",
				 skbt_trigger_kinds[SKBT_TRIGGER_SQUEEZE].name);
		w->dropped[cpu] = r->v[COL_DROPPED];
		w->squeeze[cpu] = r->v[COL_SQUEEZE];
		w->seen[cpu] = true;
	}
	free(rows);
	if (ret)
		return ret;
	return got ? got_reason(w) : -ENOENT;
}

int skbt_trigger_watch_open(const struct skbt_trigger_set *set, struct skbt_trigger_watch **wp,
			    struct skbt_err *err)
{
	struct skbt_trigger_watch *w = calloc(1, sizeof(*w));
	int ret;

	*wp = NULL;
	if (!w)
		return skbt_err_set(err, -ENOMEM, "out of memory");
	w->set = set;
	w->nl = -1;
	if (set->nrx) {
		/* bounded: a poll never waits more than a second for the kernel's answer */
		struct timeval tmo = { 1, 0 };

		w->nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
		if (w->nl < 0 || setsockopt(w->nl, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo))) {
			ret = -errno;
			skbt_trigger_watch_close(w);
			return skbt_err_set(err, ret, "--trigger rx-drop: rtnetlink socket: %s",
					    strerror(-ret));
		}
	}
	for (unsigned int i = 0; i < set->nrx; i++) {
		ret = read_rx(w, set->rx_dev[i], &w->rx[i]);
		if (ret) {
			skbt_trigger_watch_close(w);
			if (ret == -ENODEV)
				return skbt_err_set(err, ret, "--trigger rx-drop:%s: no device %s "
						    "in the recorder's network namespace",
						    set->rx_dev[i], set->rx_dev[i]);
			return skbt_err_set(err, ret, "--trigger rx-drop:%s: its counters cannot "
					    "be read (RTM_GETSTATS): %s", set->rx_dev[i],
					    strerror(-ret));
		}
	}
	if (set->softnet_drop || set->squeeze) {
		ret = poll_softnet(w);
		if (ret < 0) {
			skbt_trigger_watch_close(w);
			return skbt_err_set(err, ret, ret == -ENOMEM ? "out of memory" :
					    "--trigger %s: /proc/net/softnet_stat cannot be read "
					    "or lacks that column", set->squeeze ? "squeeze" :
					    "softnet-drop");
		}
	}
	*wp = w;
	return 0;
}

int skbt_trigger_watch_poll(struct skbt_trigger_watch *w, const char **reason)
{
	w->reason[0] = '\0';
	if (w->set->softnet_drop || w->set->squeeze)
		poll_softnet(w);
	for (unsigned int i = 0; i < w->set->nrx; i++) {
		uint64_t v;

		if (read_rx(w, w->set->rx_dev[i], &v))
			continue;
		if (v > w->rx[i] && !got_reason(w))
			snprintf(w->reason, sizeof(w->reason), "%s:%s",
				 skbt_trigger_kinds[SKBT_TRIGGER_RX_DROP].name, w->set->rx_dev[i]);
		w->rx[i] = v;
	}
	*reason = w->reason;
	return got_reason(w);
}

void skbt_trigger_watch_close(struct skbt_trigger_watch *w)
{
	if (!w)
		return;
	free(w->dropped);
	free(w->squeeze);
	free(w->seen);
	if (w->nl >= 0)
		close(w->nl);
	free(w);
}
