// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the captured-headers options (model/pcap.c) and the header parser
 * (model/flows.c).  Input: a sequence of skbtrail option payloads, each prefixed by its
 * length as a little-endian u32 (cut to what is left).  Then: alignment, matching of one
 * synthetic receive event per record, attach to a one-hop journey, flow names, and the raw
 * input parsed as a packet of every link type.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "skbtrail/flow.h"
#include "skbtrail/pcap.h"

static void parse_all(const uint8_t *data, size_t size)
{
	static const int lts[] = { SKBT_LINKTYPE_EN10MB, SKBT_LINKTYPE_RAW,
				   SKBT_LINKTYPE_LINUX_SLL, 9999 };
	struct skbt_flow_key k;
	char buf[160];

	for (unsigned int i = 0; i < sizeof(lts) / sizeof(lts[0]); i++) {
		if (skbt_flow_parse(data, size, lts[i], &k) == 0)
			skbt_flow_name(&k, buf, sizeof(buf));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct skbt_pcap *pc;
	struct skbt_err err;
	size_t off = 0;
	int ret = 0;

	parse_all(data, size);
	if (skbt_pcap_new(&pc))
		return 0;
	while (off + 4 <= size && !ret) {
		uint32_t n;

		memcpy(&n, data + off, 4);
		off += 4;
		if (n > size - off)
			n = size - off;
		ret = skbt_pcap_add_option(pc, data + off, n, &err);
		off += n;
	}
	if (!ret && skbt_pcap_prepare(pc, (size & 1) ? "mono" : "boot", &err) == 0) {
		const struct skbt_pcap_iface *f = skbt_pcap_iface(pc, 0);

		for (size_t i = 0; f && i < skbt_pcap_nrecords(pc); i++) {
			const struct skbt_pcap_record *r = skbt_pcap_record(pc, i);
			struct skbt_event ev = { .ts = r->ts, .skb = 0x1000 + i, .dev = 1,
						 .kind = SKBT_EV_NETIF_RECEIVE_SKB,
						 .len = r->origlen > 14 ? r->origlen - 14 : 0 };
			static struct skbt_journey j;
			char buf[160];

			if (skbt_pcap_on_event(pc, &ev, f->name))
				break;
			memset(&j, 0, sizeof(j));
			j.nhops = 1;
			j.hops[0] = (struct skbt_hop){ .ts = ev.ts, .skb = ev.skb, .dev = 1,
						       .kind = SKBT_EV_NETIF_RECEIVE_SKB };
			skbt_pcap_attach(pc, &j);
			skbt_flow_name(&j.flow, buf, sizeof(buf));
			skbt_pcap_filter_match(pc, &j);
		}
	}
	skbt_pcap_free(pc);
	return 0;
}
