// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of model/events.c: merge order and decoded fields.
 *
 * Expected values were read off `trace-cmd report -t FILE` (trace-cmd 3.1.6) for the same
 * sample: timestamps, CPUs, devices, addresses, lengths, reasons, locations.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "skbtrail/event.h"
#include "skbtrail/tracefile.h"

#include "bytes.h"

const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libtraceevent.so\n";
}

static const char *path_of(const char *rel)
{
	static char buf[4][4096];
	static int i;
	const char *r = getenv("SKBT_ROOT");
	char *p = buf[i++ % 4];

	snprintf(p, sizeof(buf[0]), "%s/%s", r && *r ? r : ".", rel);
	return p;
}

struct fixture {
	struct skbt_tracefile *tf;
	struct skbt_events *ev;
};

static void open_events(struct fixture *f, const char *file, const char *buffer)
{
	struct skbt_err err = { 0 };

	if (skbt_tracefile_open(path_of(file), &f->tf, &err))
		fail_msg("%s: %s", file, err.msg);
	if (skbt_events_open(f->tf, buffer, &f->ev, &err))
		fail_msg("%s: %s", file, err.msg);
}

static void close_events(struct fixture *f)
{
	skbt_events_close(f->ev);
	skbt_tracefile_close(f->tf);
}

static void next(struct fixture *f, struct skbt_event *e)
{
	struct skbt_err err = { 0 };

	assert_int_equal(skbt_events_next(f->ev, e, &err), 1);
}

/* samples/ovs-fastpath.dat: the first events of `trace-cmd report -t` */
static void test_ovs_fastpath_fields(void **state)
{
	struct fixture f;
	struct skbt_event e;

	open_events(&f, "samples/ovs-fastpath.dat", NULL);
	assert_string_equal(skbt_events_buffer(f.ev), "");
	assert_int_equal(skbt_events_ncpus(f.ev), 2);
	assert_string_equal(skbt_events_clock(f.ev), "local");
	assert_true(skbt_events_has(f.ev, SKBT_EV_NETIF_RECEIVE_SKB));
	assert_true(skbt_events_has(f.ev, SKBT_EV_NAPI_POLL));
	assert_false(skbt_events_has(f.ev, SKBT_EV_KFREE_SKB));
	assert_false(skbt_events_has(f.ev, SKBT_EV_OVS_DP_UPCALL));

	/* [000] 28.749524131: netif_receive_skb: dev=eth0 skbaddr=0xff2e1787b29aa600 len=228 */
	next(&f, &e);
	assert_int_equal(e.kind, SKBT_EV_NETIF_RECEIVE_SKB);
	assert_int_equal(e.ts, 28749524131ULL);
	assert_int_equal(e.cpu, 0);
	assert_string_equal(skbt_events_dev_name(f.ev, e.dev), "eth0");
	assert_int_equal(e.skb, 0xff2e1787b29aa600ULL);
	assert_int_equal(e.len, 228);
	assert_int_equal(e.pid, 0);
	assert_string_equal(skbt_events_comm(f.ev, e.pid), "<idle>");

	/* 28.750438586: netif_rx: dev=br-int skbaddr=0xff2e1787b29aa600 len=228 */
	next(&f, &e);
	assert_int_equal(e.kind, SKBT_EV_NETIF_RX);
	assert_int_equal(e.ts, 28750438586ULL);
	assert_string_equal(skbt_events_dev_name(f.ev, e.dev), "br-int");
	assert_int_equal(e.skb, 0xff2e1787b29aa600ULL);

	/* 28.750597602: napi_poll: napi struct 0xff2e1787fe61b008 device eth0 work 1 budget 64 */
	next(&f, &e);
	assert_int_equal(e.kind, SKBT_EV_NAPI_POLL);
	assert_int_equal(e.skb, 0xff2e1787fe61b008ULL);
	assert_string_equal(skbt_events_dev_name(f.ev, e.dev), "eth0");
	assert_int_equal(e.u.napi.work, 1);
	assert_int_equal(e.u.napi.budget, 64);

	/* 28.750700915: netif_receive_skb: dev=br-int (process_backlog) */
	next(&f, &e);
	assert_int_equal(e.kind, SKBT_EV_NETIF_RECEIVE_SKB);
	assert_string_equal(skbt_events_dev_name(f.ev, e.dev), "br-int");

	/* 28.751198793: napi_poll: device (no_device) work 1 budget 64: the backlog */
	next(&f, &e);
	assert_int_equal(e.kind, SKBT_EV_NAPI_POLL);
	assert_int_equal(e.dev, SKBT_DEV_NONE);
	assert_string_equal(skbt_events_dev_name(f.ev, e.dev), "(no_device)");

	/* 28.754420329: python3-264 net_dev_queue: dev=br-int len=78 */
	next(&f, &e);
	assert_int_equal(e.kind, SKBT_EV_NET_DEV_QUEUE);
	assert_int_equal(e.ts, 28754420329ULL);
	assert_int_equal(e.pid, 264);
	assert_string_equal(skbt_events_comm(f.ev, e.pid), "python3");
	assert_int_equal(e.len, 78);

	/* two device names seen so far, interned once */
	assert_int_equal(skbt_events_ndevs(f.ev), 2);
	assert_int_equal(skbt_events_count(f.ev, SKBT_EV_NETIF_RECEIVE_SKB), 2);
	assert_int_equal(skbt_events_count(f.ev, SKBT_EV__COUNT), 6);
	assert_null(skbt_events_ovs_action(f.ev, 0));
	close_events(&f);
}

/* Whole-file counts per kind: `trace-cmd report FILE | awk '{print $4}' | sort | uniq -c` */
static void test_ovs_fastpath_counts(void **state)
{
	struct fixture f;
	struct skbt_event e;
	struct skbt_err err = { 0 };
	uint64_t prev_ts = 0, n = 0;
	unsigned int prev_cpu = 0;
	int ret;

	open_events(&f, "samples/ovs-fastpath.dat", NULL);
	while ((ret = skbt_events_next(f.ev, &e, &err)) == 1) {
		/* merged order: by time, ties by CPU */
		assert_true(e.ts > prev_ts || (e.ts == prev_ts && e.cpu >= prev_cpu));
		prev_ts = e.ts;
		prev_cpu = e.cpu;
		n++;
	}
	assert_int_equal(ret, 0);
	assert_int_equal(n, 114);
	assert_int_equal(skbt_events_count(f.ev, SKBT_EV_NAPI_POLL), 42);
	assert_int_equal(skbt_events_count(f.ev, SKBT_EV_NET_DEV_QUEUE), 24);
	assert_int_equal(skbt_events_count(f.ev, SKBT_EV_NETIF_RECEIVE_SKB), 32);
	assert_int_equal(skbt_events_count(f.ev, SKBT_EV_NETIF_RX), 16);
	assert_int_equal(skbt_events_count(f.ev, SKBT_EV_LOST), 0);
	assert_int_equal(skbt_events_backwards(f.ev), 0);
	/* the end stays the end */
	assert_int_equal(skbt_events_next(f.ev, &e, &err), 0);
	close_events(&f);
}

/* native samples: the events are in instance "pn"; the top buffer is empty */
static void test_instance_choice(void **state)
{
	struct fixture f;
	struct skbt_event e;
	struct skbt_err err = { 0 };

	open_events(&f, "samples/native-a_udp.dat", NULL);
	assert_string_equal(skbt_events_buffer(f.ev), "pn");
	/* pn: <idle>-0 [001] 371.298570197: softirq_entry: vec=4 [action=BLOCK] */
	next(&f, &e);
	assert_int_equal(e.kind, SKBT_EV_SOFTIRQ_ENTRY);
	assert_int_equal(e.cpu, 1);
	assert_int_equal(e.ts, 371298570197ULL);
	assert_int_equal(e.u.softirq.vec, 4);
	close_events(&f);

	/* asking for the top buffer by name gives its (empty) stream */
	open_events(&f, "samples/native-a_udp.dat", "");
	assert_string_equal(skbt_events_buffer(f.ev), "");
	assert_int_equal(skbt_events_next(f.ev, &e, &err), 0);
	close_events(&f);

	assert_int_equal(skbt_tracefile_open(path_of("samples/native-a_udp.dat"), &f.tf, &err), 0);
	assert_int_equal(skbt_events_open(f.tf, "nope", &f.ev, &err), -ENOENT);
	assert_null(f.ev);
	skbt_tracefile_close(f.tf);
}

/*
 * samples/native-h_drops.dat: four kfree_skb, `trace-cmd report`:
 *   602.392793 skbaddr=0xffff88811427d100 protocol=2048 location=__udp4_lib_rcv+0x4bc reason: NO_SOCKET
 *   602.443007 ... __udp4_lib_rcv+0x4bc NO_SOCKET, then twice nft_do_chain+0x3e8 NETFILTER_DROP
 */
static void test_drop_reasons(void **state)
{
	static const char *const want_reason[] = {
		"NO_SOCKET", "NO_SOCKET", "NETFILTER_DROP", "NETFILTER_DROP",
	};
	static const char *const want_sym[] = {
		"__udp4_lib_rcv", "__udp4_lib_rcv", "nft_do_chain", "nft_do_chain",
	};
	struct fixture f;
	struct skbt_event e;
	struct skbt_err err = { 0 };
	int n = 0, ret;

	open_events(&f, "samples/native-h_drops.dat", NULL);
	assert_true(skbt_events_has(f.ev, SKBT_EV_KFREE_SKB));
	/* kernel 6.18 numbers them from 2: __print_symbolic(REC->reason, { 2, "NOT_SPECIFIED" }, ... */
	assert_string_equal(skbt_events_drop_reason(f.ev, 3), "NO_SOCKET");
	assert_string_equal(skbt_events_drop_reason(f.ev, 2), "NOT_SPECIFIED");
	assert_null(skbt_events_drop_reason(f.ev, 0));
	assert_null(skbt_events_drop_reason(f.ev, 100000));
	while ((ret = skbt_events_next(f.ev, &e, &err)) == 1) {
		if (e.kind != SKBT_EV_KFREE_SKB)
			continue;
		assert_true(n < 4);
		assert_string_equal(skbt_events_drop_reason(f.ev, e.u.drop.reason), want_reason[n]);
		assert_non_null(skbt_events_symbol(f.ev, e.u.drop.location));
		assert_string_equal(skbt_events_symbol(f.ev, e.u.drop.location), want_sym[n]);
		assert_int_equal(e.u.drop.protocol, 2048);
		if (n == 0) {
			assert_int_equal(e.ts, 602392792614ULL);
			assert_int_equal(e.skb, 0xffff88811427d100ULL);
			assert_int_equal(e.cpu, 1);
			assert_string_equal(skbt_events_comm(f.ev, e.pid), "python3");
		}
		n++;
	}
	assert_int_equal(ret, 0);
	assert_int_equal(n, 4);
	assert_int_equal(skbt_events_count(f.ev, SKBT_EV_KFREE_SKB), 4);
	close_events(&f);
}

/* samples/ovs-upcall.dat: the upcall and the re-injected packet */
static void test_ovs_upcall(void **state)
{
	struct fixture f;
	struct skbt_event e;
	struct skbt_err err = { 0 };
	int seen = 0;

	open_events(&f, "samples/ovs-upcall.dat", NULL);
	while (skbt_events_next(f.ev, &e, &err) == 1) {
		/* ksoftirqd/0-14 [000] 78.354505649: ovs_dp_upcall: dev=eth0
		 * skbaddr=0xff2e1787b29aaa00 len=242 truesize=1792 */
		if (e.ts == 78354505649ULL) {
			assert_int_equal(e.kind, SKBT_EV_OVS_DP_UPCALL);
			assert_string_equal(skbt_events_dev_name(f.ev, e.dev), "eth0");
			assert_int_equal(e.skb, 0xff2e1787b29aaa00ULL);
			assert_int_equal(e.len, 242);
			assert_int_equal(e.u.ovs.truesize, 1792);
			assert_string_equal(skbt_events_comm(f.ev, e.pid), "ksoftirqd/0");
			seen++;
		}
		/* handler1-250 [001] 78.357429649: ovs_do_execute_action: dev=eth0
		 * skbaddr=0xff2e1787fff93f00 len=242 truesize=1280 action_type=1 */
		if (e.ts == 78357429649ULL) {
			assert_int_equal(e.kind, SKBT_EV_OVS_DO_EXECUTE_ACTION);
			assert_int_equal(e.cpu, 1);
			assert_int_equal(e.skb, 0xff2e1787fff93f00ULL);
			assert_int_equal(e.u.ovs.truesize, 1280);
			assert_int_equal(e.u.ovs.action, 1);
			/* printed with %u in this kernel: no names */
			assert_null(skbt_events_ovs_action(f.ev, e.u.ovs.action));
			assert_string_equal(skbt_events_comm(f.ev, e.pid), "handler1");
			seen++;
		}
	}
	assert_int_equal(seen, 2);
	close_events(&f);
}

/* samples/ovs-fastpath-full.dat: the --events full kinds */
static void test_full_events(void **state)
{
	struct fixture f;
	struct skbt_event e;
	struct skbt_err err = { 0 };
	bool entry = false, xmit = false, rx_exit = false;

	open_events(&f, "samples/ovs-fastpath-full.dat", NULL);
	while (skbt_events_next(f.ev, &e, &err) == 1) {
		switch (e.kind) {
		case SKBT_EV_NAPI_GRO_RECEIVE_ENTRY:
			if (!entry) {
				assert_string_equal(skbt_events_dev_name(f.ev, e.dev), "eth0");
				assert_true(e.len > 0);
				assert_true(e.u.entry.truesize > 0);
				entry = true;
			}
			break;
		case SKBT_EV_NET_DEV_XMIT:
			assert_int_equal(e.u.ret.rc, 0);
			xmit = true;
			break;
		case SKBT_EV_NETIF_RX_EXIT:
			rx_exit = true;
			break;
		default:
			break;
		}
	}
	assert_true(entry && xmit && rx_exit);
	/* `trace-cmd report FILE | grep -c consume_skb` */
	assert_int_equal(skbt_events_count(f.ev, SKBT_EV_CONSUME_SKB), 127);
	assert_int_equal(skbt_events_count(f.ev, SKBT_EV_NETIF_RX_ENTRY), 16);
	assert_int_equal(skbt_events_count(f.ev, SKBT_EV__COUNT), 665 + 90);
	close_events(&f);
}

/*
 * native-h_drops-slim-v6.dat with CPU 0 of buffer "pn" edited: its second page says events
 * were lost (count not stored), its third has base time 0 (its records go back in time).
 */
static uint8_t *lost_and_backwards(size_t *len)
{
	uint8_t *buf = bytes_of(path_of("tests/data/native-h_drops-slim-v6.dat"), len);
	struct skbt_tracefile *tf;
	struct skbt_err err = { 0 };
	uint64_t off, size, commit, zero = 0;
	int pn;

	assert_int_equal(skbt_tracefile_open_mem(buf, *len, &tf, &err), 0);
	pn = skbt_tracefile_buffer_find(tf, "pn");
	assert_int_equal(skbt_tracefile_cpu_data(tf, pn, 0, &off, &size), 0);
	assert_true(size >= 3 * 4096);
	skbt_tracefile_close(tf);

	memcpy(&commit, buf + off + 4096 + 8, 8);
	commit |= 1ULL << 31;		/* RB_MISSED_EVENTS, count not stored */
	memcpy(buf + off + 4096 + 8, &commit, 8);
	memcpy(buf + off + 2 * 4096, &zero, 8);	/* third page: base time 0 */
	return buf;
}

/* Lost events and clocks going backwards, made by editing sub-buffer headers of a v6 copy. */
static void test_lost_and_backwards(void **state)
{
	struct skbt_tracefile *tf;
	struct skbt_events *ev;
	struct skbt_event e;
	struct skbt_err err = { 0 };
	uint64_t n = 0, lost = 0, prev = 0, lost_ts = 0;
	size_t len;
	uint8_t *buf = lost_and_backwards(&len);

	(void)state;
	assert_int_equal(skbt_tracefile_open_mem(buf, len, &tf, &err), 0);
	assert_int_equal(skbt_events_open(tf, "pn", &ev, &err), 0);
	while (skbt_events_next(ev, &e, &err) == 1) {
		assert_true(e.ts >= prev || e.cpu != 0);
		if (e.cpu == 0)
			prev = e.ts;
		if (e.kind == SKBT_EV_LOST) {
			assert_int_equal(e.cpu, 0);
			assert_int_equal(e.u.lost.count, UINT64_MAX);
			lost_ts = e.ts;
			lost++;
			/* the record it precedes comes next, at the same time */
			assert_int_equal(skbt_events_next(ev, &e, &err), 1);
			assert_int_equal(e.cpu, 0);
			assert_int_equal(e.ts, lost_ts);
			assert_int_not_equal(e.kind, SKBT_EV_LOST);
			prev = e.ts;
			n++;
		}
		n++;
	}
	assert_int_equal(lost, 1);
	assert_int_equal(n, 2808 + 1);
	assert_true(skbt_events_backwards(ev) > 0);
	assert_int_equal(skbt_events_count(ev, SKBT_EV_LOST), 1);
	skbt_events_close(ev);
	skbt_tracefile_close(tf);
	free(buf);
}

/*
 * A live stream (the flight recorder's latency trigger) decodes the sub-buffers it is handed
 * exactly as the file is decoded: the v6 sample's raw pages pushed all at once, then one page
 * per CPU at a time with records held back past what every CPU has been read up to.
 */
static void test_live(void **state)
{
	const char *file = path_of("tests/data/native-h_drops-slim-v6.dat");
	struct skbt_tracefile *tf = NULL;
	struct skbt_events *ev = NULL, *live = NULL;
	struct skbt_err err = { 0 };
	struct skbt_event *want = NULL, e;
	size_t nwant = 0, cap = 0;
	uint8_t *data[64] = { NULL };
	uint64_t size[64] = { 0 };
	unsigned int ps;
	int ncpus, buf;
	FILE *fp;

	(void)state;
	assert_int_equal(skbt_tracefile_open(file, &tf, &err), 0);
	assert_int_equal(skbt_events_open(tf, NULL, &ev, &err), 0);
	while (skbt_events_next(ev, &e, &err) == 1) {
		if (nwant == cap) {
			cap = cap ? 2 * cap : 1024;
			want = realloc(want, cap * sizeof(*want));
			assert_non_null(want);
		}
		want[nwant++] = e;
	}
	assert_true(nwant > 100);
	ps = skbt_tracefile_page_size(tf);
	buf = skbt_tracefile_buffer_find(tf, skbt_events_buffer(ev));
	assert_true(buf >= 0);
	ncpus = skbt_tracefile_buffer_ncpus(tf, buf);
	assert_true(ncpus > 0 && ncpus <= 64);
	fp = fopen(file, "rb");
	assert_non_null(fp);
	for (int c = 0; c < ncpus; c++) {
		uint64_t off;

		if (skbt_tracefile_cpu_data(tf, buf, c, &off, &size[c]))
			continue;
		size[c] -= size[c] % ps;
		data[c] = malloc(size[c] ? size[c] : 1);
		assert_non_null(data[c]);
		assert_int_equal(fseek(fp, (long)off, SEEK_SET), 0);
		assert_int_equal(fread(data[c], 1, size[c], fp), size[c]);
	}
	fclose(fp);

	for (int pass = 0; pass < 2; pass++) {
		uint64_t pos[64] = { 0 };
		size_t got = 0;
		bool more = true;

		assert_int_equal(skbt_events_open_live(tf, ncpus, &live, &err), 0);
		while (more) {
			uint64_t hold = UINT64_MAX;

			more = false;
			for (int c = 0; c < ncpus; c++) {
				/* pass 0: everything; pass 1: a page per CPU per round */
				uint64_t n = pass ? (pos[c] < size[c] ? ps : 0) : size[c];

				assert_int_equal(skbt_events_push(live, c, data[c] + pos[c], n, 0), 0);
				pos[c] += n;
				if (pos[c] < size[c]) {
					uint64_t ts;

					/* the next page starts at its header's time: nothing before */
					memcpy(&ts, data[c] + pos[c], 8);
					if (ts - 1 < hold)
						hold = ts - 1;
					more = true;
				}
			}
			assert_int_equal(skbt_events_push(live, 0, NULL, 0, hold), 0);
			while (skbt_events_next(live, &e, &err) == 1) {
				assert_true(got < nwant);
				assert_true(e.ts <= hold);
				assert_memory_equal(&e, &want[got], sizeof(e));
				got++;
			}
		}
		assert_int_equal(got, nwant);
		skbt_events_close(live);
	}
	for (int c = 0; c < ncpus; c++)
		free(data[c]);
	free(want);
	skbt_events_close(ev);
	skbt_tracefile_close(tf);
}

static void test_kind_names(void **state)
{
	assert_string_equal(skbt_kind_name(SKBT_EV_NETIF_RECEIVE_SKB), "net:netif_receive_skb");
	assert_string_equal(skbt_kind_name(SKBT_EV_NAPI_POLL), "napi:napi_poll");
	assert_string_equal(skbt_kind_name(SKBT_EV_KFREE_SKB), "skb:kfree_skb");
	assert_string_equal(skbt_kind_short(SKBT_EV_OVS_DO_EXECUTE_ACTION),
			    "ovs_do_execute_action");
	assert_string_equal(skbt_kind_short(SKBT_EV_LOST), "lost");
	assert_string_equal(skbt_kind_name(SKBT_EV_OTHER), "other");
	for (int k = 0; k < SKBT_EV__COUNT; k++) {
		assert_non_null(skbt_kind_name(k));
		assert_non_null(skbt_kind_short(k));
	}
}

/*
 * A file on disk is decoded ahead by a thread (model/events.c "Decoding ahead"), the same
 * bytes in memory by the merge itself: every event, its device's name, the end (an error on
 * a cut file) and the counts must be the same.  Files with LOST records and timestamps that
 * go back, every sample of several CPUs, and each cut at 23 places in its data.
 */
struct stream_sum {
	uint64_t n, hash, lost, backwards;
	int ret;
	char msg[sizeof(((struct skbt_err *)0)->msg)];
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ULL;
	return h;
}

static void sum_events(struct skbt_tracefile *tf, struct stream_sum *s)
{
	struct skbt_events *ev;
	struct skbt_err err = { 0 };
	struct skbt_event e;

	memset(s, 0, sizeof(*s));
	s->hash = 1469598103934665603ULL;
	s->ret = skbt_events_open(tf, NULL, &ev, &err);
	if (s->ret) {
		snprintf(s->msg, sizeof(s->msg), "%s", err.msg);
		return;
	}
	while ((s->ret = skbt_events_next(ev, &e, &err)) == 1) {
		const char *dev = skbt_events_dev_name(ev, e.dev);

		s->hash = fnv(s->hash, &e.ts, sizeof(e.ts));
		s->hash = fnv(s->hash, &e.skb, sizeof(e.skb));
		s->hash = fnv(s->hash, &e.cpu, sizeof(e.cpu));
		s->hash = fnv(s->hash, &e.ctx, sizeof(e.ctx));
		s->hash = fnv(s->hash, &e.kind, sizeof(e.kind));
		s->hash = fnv(s->hash, &e.dev, sizeof(e.dev));
		s->hash = fnv(s->hash, &e.len, sizeof(e.len));
		s->hash = fnv(s->hash, &e.pid, sizeof(e.pid));
		s->hash = fnv(s->hash, &e.u, sizeof(e.u));
		s->hash = fnv(s->hash, dev, strlen(dev));
		s->n++;
	}
	if (s->ret < 0)
		snprintf(s->msg, sizeof(s->msg), "%s", err.msg);
	s->lost = skbt_events_count(ev, SKBT_EV_LOST);
	s->backwards = skbt_events_backwards(ev);
	assert_int_equal(skbt_events_count(ev, SKBT_EV__COUNT), s->n);
	skbt_events_close(ev);
}

static void check_decode_ahead(const uint8_t *buf, size_t len, uint64_t *events,
			       struct stream_sum *out)
{
	struct skbt_tracefile *tf;
	struct skbt_err err = { 0 };
	struct stream_sum inl, thr;
	int rm, rf;

	rm = skbt_tracefile_open_mem(buf, len, &tf, &err);
	if (rm == 0) {
		assert_false(skbt_tracefile_threads_ok(tf));
		sum_events(tf, &inl);
		skbt_tracefile_close(tf);
	}
	rf = bytes_open_file(buf, len, &tf, &err);
	assert_int_equal(rf, rm);
	if (rf)
		return;
	sum_events(tf, &thr);
	skbt_tracefile_close(tf);
	assert_int_equal(thr.ret, inl.ret);
	assert_string_equal(thr.msg, inl.msg);
	assert_int_equal(thr.n, inl.n);
	assert_true(thr.hash == inl.hash);
	assert_int_equal(thr.lost, inl.lost);
	assert_int_equal(thr.backwards, inl.backwards);
	*events += thr.n;
	if (out)
		*out = thr;
}

static void test_decode_ahead(void **state)
{
	static const char *const files[] = {
		"samples/ovs-vm-tc-core4-upcall.dat",	/* trace-cmd v7, zstd, 4 CPUs */
		"samples/ovs-vm-rps.dat",
		"samples/native-e_tcp.dat",
		"samples/native-h_drops.dat",
		"samples/perf-bridge-mono.data",
		"tests/data/native-h_drops-slim-v6.dat",	/* v6, not compressed */
		"tests/data/ovs-upcall-slim-raw.dat",
	};
	struct stream_sum sum;
	uint64_t events = 0;
	size_t len;
	uint8_t *buf;

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		buf = bytes_of(path_of(files[i]), &len);
		check_decode_ahead(buf, len, &events, NULL);
		for (size_t k = 1; k < 24; k++)
			check_decode_ahead(buf, len / 24 * k + k * 37 % 4096, &events, NULL);
		free(buf);
	}
	/* a LOST record and timestamps going back */
	buf = lost_and_backwards(&len);
	check_decode_ahead(buf, len, &events, &sum);
	free(buf);
	assert_int_equal(sum.lost, 1);
	assert_true(sum.backwards > 0);
	assert_true(events > 10000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ovs_fastpath_fields),
		cmocka_unit_test(test_ovs_fastpath_counts),
		cmocka_unit_test(test_instance_choice),
		cmocka_unit_test(test_drop_reasons),
		cmocka_unit_test(test_ovs_upcall),
		cmocka_unit_test(test_full_events),
		cmocka_unit_test(test_lost_and_backwards),
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_live),
		cmocka_unit_test(test_decode_ahead),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
