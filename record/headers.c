// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * headers: packet headers captured with libpcap next to the tracepoints (--pcap).
 * See include/skbtrail/headers.h; the stored layout is in docs/file-format.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "skbtrail/headers.h"
#include "skbtrail/netns.h"
#include "skbtrail/sbopt.h"
#include "skbtrail/tracefile.h"
#include "skbtrail/writer.h"

#define MAX_DEVS 64
#define MAX_SYNC 4
#define REC_HDR 20
#define SPOOL_BUF (256 * 1024)

struct sync {
	uint64_t real, mono, boot;
};

struct dev {
	struct skbt_headers *h;
	char name[IF_NAMESIZE];
	const char *enter;	/* namespace to open it in: NULL or "-" the own one, else its name */
	char netns[SKBT_NETNS_NAME_MAX];	/* its /run/netns name, "-" when it has none */
	uint64_t netns_ino;	/* inode of its network namespace, 0 if unknown */
	int ifindex;
	int linktype;
	pcap_t *p;
	int fd;			/* spool */
	char *spool;
	pthread_t thread;
	bool running;
	uint8_t *buf;		/* records not yet written to the spool */
	size_t blen;
	int error;
	_Atomic uint64_t captured, stored, not_stored;
	struct pcap_stat ps;
	bool have_ps;
};

struct skbt_headers {
	struct skbt_headers_config cfg;
	char *filter;
	unsigned int snaplen;
	uint64_t netns;
	char own_name[SKBT_NETNS_NAME_MAX];	/* /run/netns name of the own namespace, or "-" */
	int ndev;
	struct dev dev[MAX_DEVS];
	_Atomic uint64_t stored_bytes;
	atomic_bool stop;
	unsigned int nsync;
	struct sync sync[MAX_SYNC];
};

static uint64_t ns_of(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * One (realtime, monotonic, boottime) point: the realtime read is bracketed by two reads of
 * the other clock, the tightest of a few tries kept.
 */
static void take_sync(struct skbt_headers *h)
{
	struct sync best = { 0 };
	uint64_t best_gap = UINT64_MAX;

	if (h->nsync >= MAX_SYNC)
		return;
	for (int i = 0; i < 8; i++) {
		uint64_t m0 = ns_of(CLOCK_MONOTONIC), b0 = ns_of(CLOCK_BOOTTIME);
		uint64_t r = ns_of(CLOCK_REALTIME);
		uint64_t b1 = ns_of(CLOCK_BOOTTIME), m1 = ns_of(CLOCK_MONOTONIC);

		if (m1 - m0 < best_gap) {
			best_gap = m1 - m0;
			best = (struct sync){ r, m0 + (m1 - m0) / 2, b0 + (b1 - b0) / 2 };
		}
	}
	h->sync[h->nsync++] = best;
}

static int flush_dev(struct dev *d)
{
	size_t off = 0;

	while (off < d->blen) {
		ssize_t n = write(d->fd, d->buf + off, d->blen - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		off += n;
	}
	d->blen = 0;
	return 0;
}

static void on_packet(u_char *arg, const struct pcap_pkthdr *ph, const u_char *data)
{
	struct dev *d = (struct dev *)arg;
	struct skbt_headers *h = d->h;
	/* with PCAP_TSTAMP_PRECISION_NANO, tv_usec holds nanoseconds */
	uint64_t ts = (uint64_t)ph->ts.tv_sec * 1000000000ULL + (uint64_t)ph->ts.tv_usec;
	uint32_t caplen = ph->caplen, len = ph->len;
	uint16_t ifc = d - h->dev, zero = 0;
	size_t need = REC_HDR + caplen;

	atomic_fetch_add(&d->captured, 1);
	if (d->error || (h->cfg.max_bytes &&
			 atomic_fetch_add(&h->stored_bytes, need) + need > h->cfg.max_bytes)) {
		atomic_fetch_add(&d->not_stored, 1);
		return;
	}
	if (d->blen + need > SPOOL_BUF && (d->error = flush_dev(d))) {
		atomic_fetch_add(&d->not_stored, 1);
		return;
	}
	memcpy(d->buf + d->blen, &ts, 8);
	memcpy(d->buf + d->blen + 8, &caplen, 4);
	memcpy(d->buf + d->blen + 12, &len, 4);
	memcpy(d->buf + d->blen + 16, &ifc, 2);
	memcpy(d->buf + d->blen + 18, &zero, 2);
	memcpy(d->buf + d->blen + REC_HDR, data, caplen);
	d->blen += need;
	atomic_fetch_add(&d->stored, 1);
}

static void *reader(void *arg)
{
	struct dev *d = arg;
	struct pollfd pfd = { .fd = pcap_get_selectable_fd(d->p), .events = POLLIN };

	for (;;) {
		bool stopping = atomic_load(&d->h->stop);
		int n;

		/* after stop: one last non-blocking round takes what the kernel still holds */
		if (!stopping && poll(&pfd, 1, 50) < 0 && errno != EINTR)
			break;
		do {
			n = pcap_dispatch(d->p, -1, on_packet, (u_char *)d);
		} while (n > 0);
		if (n == PCAP_ERROR)
			d->error = -EIO;
		if (d->blen && !d->error)
			d->error = flush_dev(d);
		if (stopping || n == PCAP_ERROR)
			break;
	}
	return NULL;
}

/*
 * Create and activate @d's handle inside its namespace: the packet socket is created and
 * bound there and stays so after the thread returns to its own.  Only this part runs in
 * the other namespace (a filter's host names are resolved in the recorder's).
 */
static int activate_in_netns(struct skbt_headers *h, struct dev *d, char *ebuf, int *act,
			     struct skbt_err *err)
{
	struct skbt_err e = { 0 };
	int back, ret;

	*act = 0;
	ret = skbt_netns_enter(d->enter, &back, &e);
	if (ret)
		return skbt_err_set(err, ret, "--pcap: %s: %s", d->name, e.msg);
	d->ifindex = if_nametoindex(d->name);
	if (d->ifindex)
		d->p = pcap_create(d->name, ebuf);
	if (d->p) {
		pcap_set_snaplen(d->p, h->snaplen);
		pcap_set_promisc(d->p, 0);
		pcap_set_immediate_mode(d->p, 1);
		pcap_set_buffer_size(d->p, SKBT_HEADERS_BUFFER_KB * 1024);
		pcap_set_tstamp_precision(d->p, PCAP_TSTAMP_PRECISION_NANO);
		*act = pcap_activate(d->p);
	}
	ret = skbt_netns_leave(back, err);	/* on every path, before anything else */
	if (ret)
		return ret;
	if (!d->ifindex)
		return skbt_err_set(err, -ENODEV, "--pcap: no device '%s' in network namespace %s",
				    d->name, d->netns);
	if (!d->p)
		return skbt_err_set(err, -ENODEV, "--pcap: %s: %s", d->name, ebuf);
	return 0;
}

static int open_dev(struct skbt_headers *h, struct dev *d, struct skbt_err *err)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct bpf_program prog;
	int ret, act;

	ret = activate_in_netns(h, d, ebuf, &act, err);
	if (ret)
		return ret;
	ret = act;
	if (ret < 0)
		return skbt_err_set(err, ret == PCAP_ERROR_PERM_DENIED ? -EPERM : -ENODEV,
				    "--pcap: %s: %s", d->name, pcap_geterr(d->p));
	if (pcap_get_tstamp_precision(d->p) != PCAP_TSTAMP_PRECISION_NANO)
		return skbt_err_set(err, -ENOTSUP, "--pcap: %s: no nanosecond timestamps", d->name);
	/* received packets only: the taps in __netif_receive_skb_core, not transmits */
	if (pcap_setdirection(d->p, PCAP_D_IN) < 0)
		return skbt_err_set(err, -ENOTSUP, "--pcap: %s: %s", d->name, pcap_geterr(d->p));
	if (h->filter) {
		if (pcap_compile(d->p, &prog, h->filter, 1, PCAP_NETMASK_UNKNOWN) < 0)
			return skbt_err_set(err, -EINVAL, "%s", pcap_geterr(d->p));
		ret = pcap_setfilter(d->p, &prog);
		pcap_freecode(&prog);
		if (ret < 0)
			return skbt_err_set(err, -EINVAL, "--pcap: %s: %s", d->name,
					    pcap_geterr(d->p));
	}
	if (pcap_setnonblock(d->p, 1, ebuf) < 0)
		return skbt_err_set(err, -EIO, "--pcap: %s: %s", d->name, ebuf);
	d->linktype = pcap_datalink(d->p);
	if (asprintf(&d->spool, "%s.pcap%d.tmp", h->cfg.spool_base, (int)(d - h->dev)) < 0) {
		d->spool = NULL;
		return skbt_err_set(err, -ENOMEM, "out of memory");
	}
	d->fd = open(d->spool, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (d->fd < 0)
		return skbt_err_set(err, -errno, "%s: %s", d->spool, strerror(errno));
	d->buf = malloc(SPOOL_BUF + REC_HDR + 262144);
	if (!d->buf)
		return skbt_err_set(err, -ENOMEM, "out of memory");
	return 0;
}

/* @ns: its namespace, NULL or "-" for the own one. */
static int add_dev(struct skbt_headers *h, const char *name, const char *ns, struct skbt_err *err)
{
	bool own = !ns || !strcmp(ns, SKBT_NETNS_OWN);
	struct dev *d;

	for (int i = 0; i < h->ndev; i++)
		if (!strcmp(h->dev[i].name, name))
			return 0;
	if (h->ndev == MAX_DEVS)
		return skbt_err_set(err, -E2BIG, "--pcap: more than %d devices", MAX_DEVS);
	if (strlen(name) >= IF_NAMESIZE)
		return skbt_err_set(err, -EINVAL, "--pcap: bad device name '%s'", name);
	d = &h->dev[h->ndev++];
	d->h = h;
	d->fd = -1;
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->enter = own ? NULL : ns;
	snprintf(d->netns, sizeof(d->netns), "%s", own ? h->own_name : ns);
	d->netns_ino = own ? h->netns : skbt_netns_inode(ns);
	return open_dev(h, d, err);
}

int skbt_headers_open(const struct skbt_headers_config *cfg, struct skbt_headers **hp,
		      struct skbt_err *err)
{
	struct skbt_headers *h = calloc(1, sizeof(*h));
	struct stat sb;
	int ret = 0;

	if (!h)
		return skbt_err_set(err, -ENOMEM, "out of memory");
	h->cfg = *cfg;
	h->snaplen = cfg->snaplen ? cfg->snaplen : SKBT_HEADERS_SNAPLEN;
	if (cfg->filter && !(h->filter = strdup(cfg->filter))) {
		free(h);
		return skbt_err_set(err, -ENOMEM, "out of memory");
	}
	h->cfg.filter = h->filter;
	if (stat("/proc/self/ns/net", &sb) == 0)
		h->netns = sb.st_ino;
	skbt_netns_own_name(h->own_name, sizeof(h->own_name));
	if (cfg->ndevs) {
		for (int i = 0; i < cfg->ndevs && !ret; i++)
			ret = add_dev(h, cfg->devs[i], cfg->netns ? cfg->netns[i] : NULL, err);
	} else {
		char ebuf[PCAP_ERRBUF_SIZE] = "";
		pcap_if_t *all = NULL;

		if (pcap_findalldevs(&all, ebuf) < 0) {
			ret = skbt_err_set(err, -EIO, "--pcap: %s", ebuf);
		} else {
			for (pcap_if_t *a = all; a && !ret; a = a->next) {
				/* network interfaces that are up; not "any", usbmon, nflog... */
				if (!(a->flags & PCAP_IF_UP) || !if_nametoindex(a->name))
					continue;
				ret = add_dev(h, a->name, NULL, err);
			}
			pcap_freealldevs(all);
			if (!ret && !h->ndev)
				ret = skbt_err_set(err, -ENODEV, "--pcap: no device is up");
		}
	}
	if (ret) {
		skbt_headers_close(h, true);
		return ret;
	}
	/* the first sync point now: a guard forked later has it too */
	take_sync(h);
	*hp = h;
	return 0;
}

int skbt_headers_start(struct skbt_headers *h, struct skbt_err *err)
{
	for (int i = 0; i < h->ndev; i++) {
		int ret = pthread_create(&h->dev[i].thread, NULL, reader, &h->dev[i]);

		if (ret) {
			skbt_headers_stop(h);
			return skbt_err_set(err, -ret, "--pcap: thread: %s", strerror(ret));
		}
		h->dev[i].running = true;
	}
	return 0;
}

int skbt_headers_stop(struct skbt_headers *h)
{
	int ret = 0;

	atomic_store(&h->stop, true);
	for (int i = 0; i < h->ndev; i++) {
		struct dev *d = &h->dev[i];

		if (d->running) {
			pthread_join(d->thread, NULL);
			d->running = false;
		}
		if (d->p && !d->have_ps && pcap_stats(d->p, &d->ps) == 0)
			d->have_ps = true;
		if (d->error && !ret)
			ret = d->error;
	}
	if (h->nsync == 1)	/* the closing one, once */
		take_sync(h);
	return ret;
}

#define CHUNK_HDR_FMT "kind=" SKBT_SBOPT_NAME_PCAP_RECORDS "\nformat=1\nrecords=%020" PRIu64 "\n\n"
#define CHUNK_HDR_LEN \
	(sizeof("kind=" SKBT_SBOPT_NAME_PCAP_RECORDS "\nformat=1\nrecords=\n\n") - 1 + 20)

/* Fill in the chunk's header (reserved at its front with a fixed width) and store it. */
static int put_chunk(struct skbt_writer *w, struct skbt_sbuf *b, uint64_t nrec)
{
	char hdr[CHUNK_HDR_LEN + 1];
	int ret;

	snprintf(hdr, sizeof(hdr), CHUNK_HDR_FMT, nrec);
	memcpy(b->p, hdr, CHUNK_HDR_LEN);
	ret = skbt_writer_add_option(w, SKBT_OPTION_ID, b->p, (uint32_t)b->len);
	b->len = 0;
	return ret;
}

static int copy_spool(struct dev *d, struct skbt_writer *w, struct skbt_sbuf *b, uint64_t *nrec)
{
	uint8_t rh[REC_HDR];
	off_t off = 0;
	int ret;

	for (;;) {
		uint32_t caplen;
		ssize_t n = pread(d->fd, rh, REC_HDR, off);

		if (n < REC_HDR)	/* end, or a record cut by a kill: stop there */
			return n < 0 ? -errno : 0;
		memcpy(&caplen, rh + 8, 4);
		if (caplen > 262144)
			return -EBADMSG;
		if (*nrec && b->len + REC_HDR + caplen > SKBT_HEADERS_CHUNK) {
			ret = put_chunk(w, b, *nrec);
			if (ret)
				return ret;
			*nrec = 0;
		}
		if (!b->len) {
			if (!skbt_sbuf_reserve(b, CHUNK_HDR_LEN))
				return -ENOMEM;
			b->len = CHUNK_HDR_LEN;
		}
		if (!skbt_sbuf_reserve(b, REC_HDR + caplen))
			return -ENOMEM;
		n = pread(d->fd, b->p + b->len + REC_HDR, caplen, off + REC_HDR);
		if (n < (ssize_t)caplen)	/* a record cut short: stop there */
			return n < 0 ? -errno : 0;
		memcpy(b->p + b->len, rh, REC_HDR);
		b->len += REC_HDR + caplen;
		(*nrec)++;
		off += REC_HDR + caplen;
	}
}

int skbt_headers_add_options(struct skbt_headers *h, struct skbt_writer *w, struct skbt_err *err)
{
	struct skbt_sbuf b = { 0 };
	uint64_t nrec = 0;
	int ret = 0;

	skbt_sbuf_printf(&b, "kind=" SKBT_SBOPT_NAME_PCAP "\nformat=1\nrecorder=skbtrail-record %s\nsnaplen=%u\n"
		  "tstamp=realtime_ns\nfilter=%s\nnetns=%" PRIu64 "\nnetns_name=%s\nsync=%u\n",
		  SKBT_VERSION, h->snaplen, h->filter ? h->filter : "", h->netns, h->own_name,
		  h->nsync);
	for (unsigned int i = 0; i < h->nsync; i++)
		skbt_sbuf_printf(&b, "sync%u.realtime_ns=%" PRIu64 "\nsync%u.monotonic_ns=%" PRIu64 "\n"
			  "sync%u.boottime_ns=%" PRIu64 "\n", i, h->sync[i].real, i,
			  h->sync[i].mono, i, h->sync[i].boot);
	skbt_sbuf_printf(&b, "interfaces=%d\n", h->ndev);
	for (int i = 0; i < h->ndev; i++) {
		struct dev *d = &h->dev[i];

		skbt_sbuf_printf(&b, "if%d.name=%s\nif%d.ifindex=%d\nif%d.netns=%" PRIu64 "\n"
			  "if%d.netns_name=%s\nif%d.linktype=%d\nif%d.snaplen=%u\n"
			  "if%d.captured=%" PRIu64 "\nif%d.not_stored=%" PRIu64 "\n", i, d->name, i,
			  d->ifindex, i, d->netns_ino, i, d->netns, i, d->linktype, i, h->snaplen, i,
			  atomic_load(&d->captured), i, atomic_load(&d->not_stored));
		if (d->have_ps)
			skbt_sbuf_printf(&b, "if%d.ps_recv=%u\nif%d.ps_drop=%u\nif%d.ps_ifdrop=%u\n", i,
				  d->ps.ps_recv, i, d->ps.ps_drop, i, d->ps.ps_ifdrop);
	}
	if (b.failed)
		ret = -ENOMEM;
	else
		ret = skbt_writer_add_option(w, SKBT_OPTION_ID, b.p, (uint32_t)b.len + 1);
	b.len = 0;
	for (int i = 0; i < h->ndev && !ret; i++) {
		if (h->dev[i].fd < 0)
			continue;
		/* in the guard the reader threads are gone: what they buffered is lost */
		ret = copy_spool(&h->dev[i], w, &b, &nrec);
	}
	if (!ret && nrec)
		ret = put_chunk(w, &b, nrec);
	free(b.p);
	if (ret)
		return skbt_err_set(err, ret, "--pcap: storing the captured headers: %s",
				    strerror(-ret));
	return 0;
}

void skbt_headers_counts(const struct skbt_headers *h, uint64_t *captured, uint64_t *stored,
			 uint64_t *dropped)
{
	*captured = *stored = *dropped = 0;
	for (int i = 0; i < h->ndev; i++) {
		const struct dev *d = &h->dev[i];

		*captured += atomic_load(&d->captured);
		*stored += atomic_load(&d->stored);
		if (d->have_ps)
			*dropped += d->ps.ps_drop + d->ps.ps_ifdrop;
	}
}

const char *skbt_headers_dev_netns(const struct skbt_headers *h, int i)
{
	return h->dev[i].netns;
}

int skbt_headers_ndevs(const struct skbt_headers *h)
{
	return h->ndev;
}

const char *skbt_headers_dev(const struct skbt_headers *h, int i, uint64_t *recv,
			     uint64_t *drop, uint64_t *ifdrop)
{
	const struct dev *d = &h->dev[i];

	*recv = d->have_ps ? d->ps.ps_recv : 0;
	*drop = d->have_ps ? d->ps.ps_drop : 0;
	*ifdrop = d->have_ps ? d->ps.ps_ifdrop : 0;
	return d->name;
}

void skbt_headers_close(struct skbt_headers *h, bool remove)
{
	if (!h)
		return;
	skbt_headers_stop(h);
	for (int i = 0; i < h->ndev; i++) {
		struct dev *d = &h->dev[i];

		if (d->p)
			pcap_close(d->p);
		if (d->fd >= 0)
			close(d->fd);
		if (remove && d->spool)
			unlink(d->spool);
		free(d->spool);
		free(d->buf);
	}
	free(h->filter);
	free(h);
}
