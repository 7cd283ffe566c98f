// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * budget: the recorder's memory, disk and thread budget (budget.h).  Pure functions but for
 * skbt_budget_mem_available(), so that the sizing rules have unit tests.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "skbtrail/budget.h"

static const char *size_text(unsigned long kb, char *buf, size_t len)
{
	if (kb >= 10UL * 1024 * 1024)
		snprintf(buf, len, "%.0f GB", kb / 1048576.0);
	else if (kb >= 1024UL * 1024)
		snprintf(buf, len, "%.1f GB", kb / 1048576.0);
	else if (kb >= 1024)
		snprintf(buf, len, "%lu MB", (kb + 512) / 1024);
	else
		snprintf(buf, len, "%lu KB", kb);
	return buf;
}

unsigned long skbt_budget_pages_kb(unsigned long per_cpu_kb)
{
	unsigned long pages = (per_cpu_kb * 1024 + SKBT_BUDGET_PAGE_DATA - 1) /
			      SKBT_BUDGET_PAGE_DATA;

	return (pages + 1) * SKBT_BUDGET_PAGE_KB;
}

unsigned long skbt_budget_max_per_cpu_kb(unsigned long budget_kb, int ncpus)
{
	unsigned long pages, kb;

	if (ncpus < 1)
		ncpus = 1;
	pages = budget_kb / (unsigned long)ncpus / SKBT_BUDGET_PAGE_KB;
	if (pages < 2)
		return 0;
	/* the events of pages - 1 pages (one is the spare), in whole 4 KB */
	kb = ((pages - 1) * SKBT_BUDGET_PAGE_DATA / 1024) & ~3UL;
	while (kb && skbt_budget_pages_kb(kb) * (unsigned long)ncpus > budget_kb)
		kb -= 4;
	return kb;
}

int skbt_budget_buffers(int ncpus, unsigned long user_kb, unsigned long mem_available_kb,
			bool force, struct skbt_buffer_plan *plan, struct skbt_err *err)
{
	unsigned long budget = SKBT_BUDGET_CAP_KB;
	char a[32], b[32];

	if (ncpus < 1)
		ncpus = 1;
	if (mem_available_kb && mem_available_kb / SKBT_BUDGET_MEM_SHARE < budget)
		budget = mem_available_kb / SKBT_BUDGET_MEM_SHARE;
	*plan = (struct skbt_buffer_plan){ .budget_kb = budget,
					   .mem_available_kb = mem_available_kb,
					   .user = user_kb != 0 };
	if (user_kb) {
		plan->per_cpu_kb = user_kb;
		plan->total_kb = skbt_budget_pages_kb(user_kb) * (unsigned long)ncpus;
		if (plan->total_kb > budget) {
			if (!force)
				return skbt_err_set(err, -E2BIG, "--buffer-size %lu KB on %d CPUs is "
					"%s of kernel memory, above the budget of %s (1/%d of "
					"MemAvailable, at most %s): lower it, or add --force",
					user_kb, ncpus, size_text(plan->total_kb, a, sizeof(a)),
					size_text(budget, b, sizeof(b)), SKBT_BUDGET_MEM_SHARE,
					"1 GB");
			plan->over = true;
		}
		return 0;
	}
	plan->per_cpu_kb = SKBT_BUDGET_DEFAULT_KB;
	if (skbt_budget_pages_kb(plan->per_cpu_kb) * (unsigned long)ncpus > budget) {
		plan->per_cpu_kb = skbt_budget_max_per_cpu_kb(budget, ncpus);
		/* not below the floor: a tiny buffer loses bursts */
		if (plan->per_cpu_kb < SKBT_BUDGET_MIN_KB)
			plan->per_cpu_kb = SKBT_BUDGET_MIN_KB;
		plan->reduced = true;
	}
	plan->total_kb = skbt_budget_pages_kb(plan->per_cpu_kb) * (unsigned long)ncpus;
	plan->over = plan->total_kb > budget;
	return 0;
}

const char *skbt_budget_text(const struct skbt_buffer_plan *p, int ncpus, char *buf,
			     size_t len)
{
	char t[32], bu[32], m[32];

	snprintf(buf, len, "ring buffers: %lu KB per CPU x %d CPUs = %s of kernel pages (budget %s: 1/%d of "
		 "MemAvailable %s, at most 1 GB)%s", p->per_cpu_kb, ncpus,
		 size_text(p->total_kb, t, sizeof(t)), size_text(p->budget_kb, bu, sizeof(bu)),
		 SKBT_BUDGET_MEM_SHARE,
		 p->mem_available_kb ? size_text(p->mem_available_kb, m, sizeof(m)) : "unknown",
		 p->user ? (p->over ? "; -b above the budget, with --force" : "; -b as given") :
		 p->reduced ? (p->over ? "; the default lowered to the 1 MB floor, above the "
			       "budget" : "; the default lowered to fit the budget") : "");
	return buf;
}

unsigned long skbt_budget_mem_available(void)
{
	FILE *f = fopen("/proc/meminfo", "re");
	char line[128];
	unsigned long kb = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %lu kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

unsigned int skbt_budget_readers(int ncpus, unsigned int user)
{
	unsigned int n;

	if (ncpus < 1)
		ncpus = 1;
	if (user)
		return user > (unsigned int)ncpus ? (unsigned int)ncpus : user;
	n = (ncpus + SKBT_BUDGET_CPUS_PER_READER - 1) / SKBT_BUDGET_CPUS_PER_READER;
	return n ? n : 1;
}

uint64_t skbt_budget_disk_reserve(uint64_t fs_bytes)
{
	uint64_t pct = fs_bytes / 100 * SKBT_BUDGET_DISK_RESERVE_PCT;

	return pct < SKBT_BUDGET_DISK_RESERVE_MAX ? pct : SKBT_BUDGET_DISK_RESERVE_MAX;
}

int skbt_budget_cpulist(const char *s, uint64_t *set, unsigned int nbits)
{
	memset(set, 0, (nbits + 63) / 64 * sizeof(*set));
	if (!s || !*s)
		return -EINVAL;
	while (*s) {
		char *end;
		unsigned long a, b;

		if (*s < '0' || *s > '9')
			return -EINVAL;
		a = strtoul(s, &end, 10);
		b = a;
		if (*end == '-') {
			s = end + 1;
			if (*s < '0' || *s > '9')
				return -EINVAL;
			b = strtoul(s, &end, 10);
		}
		if (a > b || b >= nbits)
			return -EINVAL;
		for (unsigned long i = a; i <= b; i++)
			set[i / 64] |= 1ULL << (i % 64);
		if (*end == ',' && end[1])
			end++;
		else if (*end)
			return -EINVAL;
		s = end;
	}
	return 0;
}
