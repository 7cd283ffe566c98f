// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * redact: --redact-ips, a stable mapping of real IP addresses to documentation ones.  See
 * include/skbtrail/redact.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "skbtrail/redact.h"

#define V4_ALIASES 131070u	/* 198.18.0.1 .. 198.19.255.254 */

struct slot {
	bool used;
	uint8_t family;
	uint8_t real[16], fake[16];
};

struct skbt_ipmap {
	struct slot *t;
	size_t cap, n;		/* open addressing, cap a power of two, n < cap / 2 */
	uint32_t n4, n6;	/* aliases given */
};

int skbt_ipmap_new(struct skbt_ipmap **m)
{
	*m = calloc(1, sizeof(**m));
	return *m ? 0 : -ENOMEM;
}

void skbt_ipmap_free(struct skbt_ipmap *m)
{
	if (!m)
		return;
	free(m->t);
	free(m);
}

static size_t hash(uint8_t family, const uint8_t *a)
{
	size_t h = 1469598103934665603ull ^ family;	/* FNV-1a */

	for (int i = 0; i < 16; i++)
		h = (h ^ a[i]) * 1099511628211ull;
	return h;
}

static struct slot *find(struct skbt_ipmap *m, uint8_t family, const uint8_t *a)
{
	size_t i = hash(family, a) & (m->cap - 1);

	while (m->t[i].used && (m->t[i].family != family || memcmp(m->t[i].real, a, 16)))
		i = (i + 1) & (m->cap - 1);
	return &m->t[i];
}

static int grow(struct skbt_ipmap *m)
{
	struct skbt_ipmap bigger = { .cap = m->cap ? m->cap * 2 : 64 };

	bigger.t = calloc(bigger.cap, sizeof(*bigger.t));
	if (!bigger.t)
		return -ENOMEM;
	for (size_t i = 0; i < m->cap; i++)
		if (m->t[i].used)
			*find(&bigger, m->t[i].family, m->t[i].real) = m->t[i];
	free(m->t);
	m->t = bigger.t;
	m->cap = bigger.cap;
	return 0;
}

/* The alias of @len (4 or 16) bytes at @addr, written over them. */
static int map(struct skbt_ipmap *m, uint8_t *addr, size_t len)
{
	uint8_t family = len == 4 ? 4 : 6, key[16] = { 0 };
	struct slot *s;

	memcpy(key, addr, len);
	if ((m->n + 1) * 2 > m->cap && grow(m))
		return -ENOMEM;
	s = find(m, family, key);
	if (!s->used) {
		uint32_t n;

		*s = (struct slot){ .used = true, .family = family };
		memcpy(s->real, key, 16);
		if (family == 4) {
			n = ++m->n4 > V4_ALIASES ? V4_ALIASES + 1 : m->n4;
			n += 198u << 24 | 18u << 16;
			s->fake[0] = n >> 24;
			s->fake[1] = n >> 16;
			s->fake[2] = n >> 8;
			s->fake[3] = n;
		} else {
			n = ++m->n6;
			memcpy(s->fake, (const uint8_t[]){ 0x20, 0x01, 0x0d, 0xb8 }, 4);
			s->fake[12] = n >> 24;
			s->fake[13] = n >> 16;
			s->fake[14] = n >> 8;
			s->fake[15] = n;
		}
		m->n++;
	}
	memcpy(addr, s->fake, len);
	return 0;
}

int skbt_ipmap_key(struct skbt_ipmap *m, struct skbt_flow_key *key)
{
	size_t len = key->family == 4 ? 4 : 16;

	if (key->kind != SKBT_FLOW_TUPLE || (key->family != 4 && key->family != 6))
		return 0;
	return map(m, key->saddr, len) ? -ENOMEM : map(m, key->daddr, len);
}

/* RFC 1624: the 16-bit one's complement checksum at @c updated for @old -> @new (@n even) */
static void csum_update(uint8_t *c, const uint8_t *old, const uint8_t *new, size_t n, bool udp)
{
	uint32_t sum = (uint16_t)~(c[0] << 8 | c[1]);

	if (udp && !c[0] && !c[1])
		return;		/* UDP over IPv4 without a checksum */
	for (size_t i = 0; i < n; i += 2) {
		sum += (uint16_t)~(old[i] << 8 | old[i + 1]);
		sum += (uint16_t)(new[i] << 8 | new[i + 1]);
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = (uint16_t)~sum;
	if (udp && !sum)
		sum = 0xffff;
	c[0] = sum >> 8;
	c[1] = sum;
}

/* The transport checksum covering the pseudo-header, if captured: its offset, else 0 */
static size_t l4_csum(uint8_t proto, size_t l4, size_t caplen)
{
	size_t at = proto == 6 ? l4 + 16 : proto == 17 ? l4 + 6 : proto == 58 ? l4 + 2 : 0;

	return at && at + 2 <= caplen ? at : 0;
}

int skbt_ipmap_packet(struct skbt_ipmap *m, uint8_t *p, size_t caplen, int linktype)
{
	uint16_t et;
	int o = skbt_flow_net_header(p, caplen, linktype, &et);
	uint8_t old[32];
	size_t off, alen, at, l4;
	int ret;

	if (o < 0)
		return 0;
	off = (size_t)o;
	if (et == 0x0806) {	/* ARP for IPv4 over Ethernet: sender at 14, target at 24 */
		if (off + 28 > caplen || p[off + 4] != 6 || p[off + 5] != 4)
			return 0;
		return map(m, p + off + 14, 4) ? -ENOMEM : map(m, p + off + 24, 4);
	}
	if (et == 0x0800 && off + 20 <= caplen && p[off] >> 4 == 4) {
		memcpy(old, p + off + 12, 8);
		ret = map(m, p + off + 12, 4) ? -ENOMEM : map(m, p + off + 16, 4);
		if (ret)
			return ret;
		csum_update(p + off + 10, old, p + off + 12, 8, false);
		l4 = off + (size_t)(p[off] & 0x0f) * 4;
		/* a non-first fragment has no transport header */
		at = (p[off + 6] & 0x1f) || p[off + 7] ? 0 : l4_csum(p[off + 9], l4, caplen);
		if (at && p[off + 9] != 58)
			csum_update(p + at, old, p + off + 12, 8, p[off + 9] == 17);
		return 0;
	}
	if (et == 0x86dd && off + 40 <= caplen && p[off] >> 4 == 6) {
		alen = 16;
		memcpy(old, p + off + 8, 2 * alen);
		ret = map(m, p + off + 8, alen) ? -ENOMEM : map(m, p + off + 24, alen);
		if (ret)
			return ret;
		/* only a transport header right after the fixed header (no extension headers) */
		at = l4_csum(p[off + 6], off + 40, caplen);
		if (at)
			csum_update(p + at, old, p + off + 8, 32, false);
	}
	return 0;
}
