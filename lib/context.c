// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * context: key=value text, /proc/net/dev and softnet_stat parsers, and a file's node context.
 * Shared by the recorder (which turns /proc text into keys) and the analyzer (which reads
 * them back): one parser for both sides.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "skbtrail/context.h"
#include "skbtrail/sbopt.h"
#include "skbtrail/tracefile.h"
#include "skbtrail/tdat.h"

const char *const skbt_netdev_fields[SKBT_NETDEV_NFIELDS] = {
	"rx_bytes", "rx_packets", "rx_errs", "rx_drop", "rx_fifo", "rx_frame", "rx_compressed",
	"rx_multicast", "tx_bytes", "tx_packets", "tx_errs", "tx_drop", "tx_fifo", "tx_colls",
	"tx_carrier", "tx_compressed",
};

const char *const skbt_softnet_fields[SKBT_SOFTNET_NFIELDS] = {
	"processed", "dropped", "time_squeeze", "zero3", "zero4", "zero5", "zero6", "zero7",
	"cpu_collision", "received_rps", "flow_limit_count", "backlog_len", "cpu", "input_qlen",
	"process_qlen",
};

/* qsort_r() comparator of indexes into @ctx, a struct skbt_kvlist, by key */
static int byname_cmp(const void *a, const void *b, void *ctx)
{
	const struct skbt_kvlist *l = ctx;
	unsigned int i = *(const unsigned int *)a, j = *(const unsigned int *)b;
	int r = strcmp(l->v[i].key, l->v[j].key);

	/* Ties in text order, so the first line with a key comes first. */
	return r ? r : (i > j) - (i < j);
}

int skbt_kvlist_parse(const char *text, size_t len, struct skbt_kvlist *l)
{
	return skbt_kvlist_parse_max(text, len, UINT64_MAX, l);
}

int skbt_kvlist_parse_max(const char *text, size_t len, uint64_t max, struct skbt_kvlist *l)
{
	const char *p = text, *end, *k, *v;
	unsigned int cap = 0;
	size_t kl, vl;
	bool eq;

	*l = (struct skbt_kvlist){ 0 };
	end = memchr(text, 0, len);
	if (!end)
		end = text + len;
	while (p < end) {
		struct skbt_kv kv;

		if (!skbt_sbopt_next(&p, end, &k, &kl, &v, &vl, &eq)) {
			p++;	/* an empty line: the lists go on after it */
			continue;
		}
		if (!eq || !kl)
			continue;
		if (l->n >= max) {
			skbt_kvlist_release(l);
			return -E2BIG;
		}
		if (l->n == cap) {
			unsigned int nc = cap ? cap * 2 : 64;
			struct skbt_kv *nv = realloc(l->v, nc * sizeof(*nv));

			if (!nv)
				goto oom;
			l->v = nv;
			cap = nc;
		}
		kv.key = strndup(k, kl);
		kv.val = strndup(v, vl);
		if (!kv.key || !kv.val) {
			free(kv.key);
			free(kv.val);
			goto oom;
		}
		l->v[l->n++] = kv;
	}
	/* Lookups are per key (reports, findings): a sorted index keeps them O(log n). */
	if (l->n) {
		l->byname = malloc(l->n * sizeof(*l->byname));
		if (!l->byname)
			goto oom;
		for (unsigned int i = 0; i < l->n; i++)
			l->byname[i] = i;
		qsort_r(l->byname, l->n, sizeof(*l->byname), byname_cmp, l);
	}
	return 0;
oom:
	skbt_kvlist_release(l);
	return -ENOMEM;
}

const char *skbt_kvlist_get(const struct skbt_kvlist *l, const char *key)
{
	unsigned int lo = 0, hi = l->n;

	/* Lower bound: the first index whose key is not below @key. */
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (strcmp(l->v[l->byname[mid]].key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < l->n && !strcmp(l->v[l->byname[lo]].key, key))
		return l->v[l->byname[lo]].val;
	return NULL;
}

bool skbt_kvlist_u64(const struct skbt_kvlist *l, const char *key, uint64_t *v)
{
	const char *s = skbt_kvlist_get(l, key);
	char *end;

	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return !errno && !*end;
}

void skbt_kvlist_release(struct skbt_kvlist *l)
{
	for (unsigned int i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].val);
	}
	free(l->v);
	free(l->byname);
	*l = (struct skbt_kvlist){ 0 };
}

/* Next line of @p into [*ls, *le); returns the start of the following line. */
static const char *next_line(const char *p, const char **le)
{
	const char *nl = strchr(p, '\n');

	*le = nl ? nl : p + strlen(p);
	return nl ? nl + 1 : *le;
}

int skbt_netdev_parse(const char *text, struct skbt_netdev_row **rows, unsigned int *n)
{
	struct skbt_netdev_row *v = NULL;
	unsigned int cnt = 0, cap = 0;
	const char *p = text;

	while (*p) {
		const char *le, *ls = p, *colon;
		struct skbt_netdev_row r = { 0 };
		char line[512];
		size_t ll;
		int k = 0;

		p = next_line(p, &le);
		ll = le - ls;
		if (ll >= sizeof(line))
			continue;
		memcpy(line, ls, ll);
		line[ll] = 0;
		/* Header lines contain '|'; a device line is "  name: n n n ..." */
		colon = strchr(line, ':');
		if (!colon || strchr(line, '|'))
			continue;
		{
			const char *s = line;
			size_t nl;

			while (*s == ' ')
				s++;
			nl = colon - s;
			if (!nl || nl >= sizeof(r.name))
				continue;
			memcpy(r.name, s, nl);
		}
		{
			const char *s = colon + 1;
			char *end;

			for (k = 0; k < SKBT_NETDEV_NFIELDS; k++) {
				r.v[k] = strtoull(s, &end, 10);
				if (end == s)
					break;
				s = end;
			}
		}
		if (k != SKBT_NETDEV_NFIELDS)
			continue;
		if (cnt == cap) {
			unsigned int nc = cap ? cap * 2 : 16;
			struct skbt_netdev_row *nv = realloc(v, nc * sizeof(*nv));

			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
			cap = nc;
		}
		v[cnt++] = r;
	}
	*rows = v;
	*n = cnt;
	return 0;
}

int skbt_softnet_parse(const char *text, struct skbt_softnet_row **rows, unsigned int *n)
{
	struct skbt_softnet_row *v = NULL;
	unsigned int cnt = 0, cap = 0, idx = 0;
	const char *p = text;

	while (*p) {
		const char *le, *s = p;
		struct skbt_softnet_row r = { 0 };

		p = next_line(p, &le);
		while (s < le && r.ncols < SKBT_SOFTNET_NFIELDS) {
			char *end;
			uint64_t x;

			while (s < le && *s == ' ')
				s++;
			if (s >= le)
				break;
			x = strtoull(s, &end, 16);
			if (end == s || end > le)
				break;
			r.v[r.ncols++] = x;
			s = end;
		}
		if (r.ncols < 3)
			continue;
		/* Column 13 is the CPU index since Linux 5.10 (softnet_seq_show) */
		r.cpu = r.ncols > 12 ? (int)r.v[12] : (int)idx;
		idx++;
		if (cnt == cap) {
			unsigned int nc = cap ? cap * 2 : 8;
			struct skbt_softnet_row *nv = realloc(v, nc * sizeof(*nv));

			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
			cap = nc;
		}
		v[cnt++] = r;
	}
	*rows = v;
	*n = cnt;
	return 0;
}

/* The second word of the UNAME option; anything but printable ASCII becomes '?'. */
static void load_node(struct skbt_tracefile *tf, struct skbt_context *c)
{
	const char *p, *end;
	const void *data;
	uint32_t size;
	size_t n = 0;

	if (skbt_tracefile_option(tf, SKBT_TDAT_OPT_UNAME, 0, &data, &size) || !size)
		return;
	p = data;
	end = p + size;
	while (p < end && *p && *p != ' ')
		p++;
	while (p < end && *p == ' ')
		p++;
	for (; p < end && *p && *p != ' ' && n < sizeof(c->node) - 1; p++)
		c->node[n++] = *p > ' ' && *p < 0x7f ? *p : '?';
	c->node[n] = '\0';
}

static void load_own_pids(struct skbt_context *c)
{
	const char *s = skbt_kvlist_get(&c->record, "recorder_pids");

	while (s && *s && c->nown < SKBT_MAX_OWN_PIDS) {
		char *end;
		long v = strtol(s, &end, 10);

		if (end == s)
			break;
		if (v > 0 && v <= INT32_MAX)
			c->own_pids[c->nown++] = (int32_t)v;
		s = *end == ',' ? end + 1 : end;
		if (*end != ',')
			break;
	}
}

int skbt_context_load(struct skbt_tracefile *tf, struct skbt_context *c, struct skbt_err *err)
{
	uint64_t fsize = skbt_tracefile_size(tf), used = 0;
	const void *data;
	uint32_t size;
	int ret;

	*c = (struct skbt_context){ 0 };
	for (int i = 0; skbt_tracefile_option(tf, SKBT_OPTION_ID, i, &data, &size) == 0; i++) {
		static const enum skbt_sbopt_kind kinds[] = { SKBT_SBOPT_CONTEXT_STATIC,
							      SKBT_SBOPT_CONTEXT_START,
							      SKBT_SBOPT_CONTEXT_STOP,
							      SKBT_SBOPT_RECORD };
		struct skbt_kvlist *lists[] = { &c->stat, &c->start, &c->stop, &c->record };
		bool *has[] = { &c->has_static, &c->has_start, &c->has_stop, &c->has_record };
		enum skbt_sbopt_kind kind = skbt_sbopt_kind(data, size);

		for (int k = 0; k < 4; k++) {
			if (kind != kinds[k] || *has[k])
				continue;
			ret = skbt_kvlist_parse_max(data, size, skbt_limit(SKBT_LIM_KEYS, fsize) - used,
						    lists[k]);
			if (!ret)
				ret = skbt_limit_charge(SKBT_LIM_KEYS, fsize, &used, lists[k]->n, err);
			if (ret == -E2BIG)	/* the message counts the keys of every kind */
				skbt_limit_charge(SKBT_LIM_KEYS, fsize, &used, UINT64_MAX, err);
			if (ret) {
				skbt_context_release(c);
				return ret;
			}
			*has[k] = true;
		}
	}
	load_node(tf, c);
	load_own_pids(c);
	return 0;
}

bool skbt_context_is_own(const struct skbt_context *c, int32_t pid)
{
	for (unsigned int i = 0; i < c->nown; i++)
		if (c->own_pids[i] == pid)
			return true;
	return false;
}

void skbt_context_release(struct skbt_context *c)
{
	skbt_kvlist_release(&c->stat);
	skbt_kvlist_release(&c->start);
	skbt_kvlist_release(&c->stop);
	skbt_kvlist_release(&c->record);
	*c = (struct skbt_context){ 0 };
}

int skbt_context_ovs_ports(const struct skbt_context *c, struct skbt_ovs_port **ports,
			   unsigned int *n)
{
	struct skbt_ovs_port *v = NULL;
	unsigned int cnt = 0, cap = 0;

	*ports = NULL;
	*n = 0;
	for (unsigned int i = 0; i < c->stat.n && cnt < SKBT_MAX_OVS_PORTS; i++) {
		const char *k = c->stat.v[i].key, *val = c->stat.v[i].val, *name, *end;
		struct skbt_ovs_port p = { 0 };

		/* "  port 2: eth0", "  port 1: br-int (internal)" (dpif_show() in lib/dpctl.c) */
		if (strncmp(k, "ovs:dpctl:", 10))
			continue;
		while (*val == ' ')
			val++;
		if (strncmp(val, "port ", 5) || !(name = strstr(val, ": ")))
			continue;
		name += 2;
		end = strchrnul(name, ' ');
		if (end == name || (size_t)(end - name) >= sizeof(p.name))
			continue;
		memcpy(p.name, name, end - name);
		p.internal = !strncmp(end, " (internal", 10);
		if (cnt == cap) {
			unsigned int nc = cap ? cap * 2 : 8;
			struct skbt_ovs_port *nv = realloc(v, nc * sizeof(*nv));

			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
			cap = nc;
		}
		v[cnt++] = p;
	}
	*ports = v;
	*n = cnt;
	return 0;
}

static int iface_cmp(const void *a, const void *b)
{
	const struct skbt_iface *x = a, *y = b;
	int d = strcmp(x->name, y->name);

	return d ? d : strcmp(x->scope, y->scope);
}

/* "iface:SCOPE:DEV:FIELD": split into its parts; false if it is not such a key. */
static bool iface_key(const char *k, struct skbt_iface *f, const char **field)
{
	const char *s, *d, *e;

	if (strncmp(k, "iface:", 6))
		return false;
	s = k + 6;
	d = strchr(s, ':');
	if (!d || (size_t)(d - s) >= sizeof(f->scope))
		return false;
	e = strchr(d + 1, ':');
	if (!e || e == d + 1 || (size_t)(e - d - 1) >= sizeof(f->name))
		return false;
	memset(f, 0, sizeof(*f));
	memcpy(f->scope, s, d - s);
	memcpy(f->name, d + 1, e - d - 1);
	*field = e + 1;
	return true;
}

int skbt_context_ifaces(const struct skbt_context *c, struct skbt_iface **ifaces,
			unsigned int *n)
{
	struct skbt_iface *v = NULL, f;
	unsigned int cnt = 0, cap = 0;
	bool links = false;
	const char *field;

	*ifaces = NULL;
	*n = 0;
	for (unsigned int i = 0; i < c->stat.n; i++) {
		const char *val = c->stat.v[i].val;
		unsigned long long x;
		unsigned int k;

		if (!iface_key(c->stat.v[i].key, &f, &field))
			continue;
		/* the snapshot writes an interface's keys together, ifindex first */
		k = cnt && !strcmp(v[cnt - 1].name, f.name) && !strcmp(v[cnt - 1].scope, f.scope) ?
		    cnt : 0;
		if (!strcmp(field, "ifindex")) {
			if (cnt >= SKBT_MAX_IFACES || sscanf(val, "%llu", &x) != 1 || x > UINT32_MAX)
				continue;
			if (cnt == cap) {
				unsigned int nc = cap ? cap * 2 : 16;
				struct skbt_iface *nv = realloc(v, nc * sizeof(*nv));

				if (!nv) {
					free(v);
					return -ENOMEM;
				}
				v = nv;
				cap = nc;
			}
			f.ifindex = x;
			f.peer = -1;
			v[cnt++] = f;
		} else if (k && !strcmp(field, "iflink")) {
			if (sscanf(val, "%llu", &x) == 1 && x <= UINT32_MAX)
				v[k - 1].iflink = x;
			links = true;
		} else if (k && !strcmp(field, "link_netns")) {
			snprintf(v[k - 1].link_netns, sizeof(v[k - 1].link_netns), "%s", val);
		} else if (k && !strcmp(field, "master")) {
			snprintf(v[k - 1].master, sizeof(v[k - 1].master), "%s", val);
			links = true;
		}
	}
	if (!links) {
		free(v);
		return 0;
	}
	if (cnt)
		qsort(v, cnt, sizeof(*v), iface_cmp);
	/* bounded: SKBT_MAX_IFACES squared compares at worst, once per file */
	for (unsigned int i = 0; i < cnt; i++) {
		int found = -1, nfound = 0;

		if (!v[i].iflink)
			continue;
		for (unsigned int k = 0; k < cnt; k++)
			if (k != i && v[k].ifindex == v[i].iflink && v[k].iflink == v[i].ifindex &&
			    (!v[i].link_netns[0] || !strcmp(v[i].link_netns, v[k].scope)) &&
			    (!v[k].link_netns[0] || !strcmp(v[k].link_netns, v[i].scope))) {
				found = k;
				nfound++;
			}
		v[i].peer = nfound == 1 ? found : -1;
	}
	*ifaces = v;
	*n = cnt;
	return 0;
}

bool skbt_context_delta(const struct skbt_context *c, const char *key, uint64_t *d)
{
	uint64_t a, b;

	if (!skbt_kvlist_u64(&c->start, key, &a) || !skbt_kvlist_u64(&c->stop, key, &b))
		return false;
	/* softnet_stat columns are 32-bit (unsigned int in struct softnet_data) */
	*d = b >= a ? b - a : (b + (1ULL << 32) - a) & 0xffffffffULL;
	return true;
}
