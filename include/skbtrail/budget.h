/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * budget: what a recording may take from the node, decided before anything is allocated.
 *
 * Ring buffers are unswappable kernel memory allocated for every CPU when the instance is
 * sized (kernel/trace/ring_buffer.c allocates each CPU's pages up front), so on a big node
 * a per-CPU default is a node-wide cost: 8 MB x 192 CPUs is 1.5 GB.  The default per-CPU size
 * therefore comes from a budget for the whole node, and a -b that exceeds it needs --force.
 * The same for the disk: the recording stops, with a readable file, while a reserve of free
 * space is left.  Readers: a few threads each polling several CPUs' buffers, not one per CPU.
 */
#ifndef SKBTRAIL_BUDGET_H
#define SKBTRAIL_BUDGET_H

#include <stdbool.h>
#include <stdint.h>

#include "skbtrail/common.h"

#define SKBT_BUDGET_DEFAULT_KB	8192		/* per CPU, when the budget allows it */
#define SKBT_BUDGET_MIN_KB	1024		/* per CPU: below it bursts overflow at once */
#define SKBT_BUDGET_CAP_KB	(1024UL * 1024)	/* all CPUs together, 1 GiB */
#define SKBT_BUDGET_MEM_SHARE	16		/* at most 1/16 of MemAvailable */
#define SKBT_BUDGET_CPUS_PER_READER 8		/* CPUs one reader thread polls */
/*
 * A ring buffer page is a 4 KB page whose first 16 bytes are its header (events/header_page:
 * "data" at offset 16, size 4080): a buffer of N KB takes ceil(N * 1024 / 4080) pages, and
 * each CPU has one more, the reader's spare page.  The budget counts pages, not N.
 */
#define SKBT_BUDGET_PAGE_KB	4
#define SKBT_BUDGET_PAGE_DATA	4080
#define SKBT_BUDGET_DISK_RESERVE_MAX (1ULL << 30)	/* free bytes left on the disk, */
#define SKBT_BUDGET_DISK_RESERVE_PCT 2		/* this share of the file system at most */

struct skbt_buffer_plan {
	unsigned long per_cpu_kb;	/* what to ask the kernel for */
	unsigned long total_kb;		/* the pages of per_cpu_kb x ncpus (skbt_budget_pages_kb) */
	unsigned long budget_kb;	/* min(cap, MemAvailable / share) */
	unsigned long mem_available_kb;	/* 0: unknown (then the cap alone) */
	bool user;			/* -b given */
	bool reduced;			/* the default was lowered to fit the budget */
	bool over;			/* above the budget (only with force) */
};

/*
 * Size the ring buffers of @ncpus CPUs: @user_kb from -b (0: the default) and
 * @mem_available_kb from /proc/meminfo (0: unknown).  -E2BIG with @err saying why when -b
 * exceeds the budget and @force is false.
 */
int skbt_budget_buffers(int ncpus, unsigned long user_kb, unsigned long mem_available_kb,
			bool force, struct skbt_buffer_plan *plan, struct skbt_err *err);

/* Kernel memory in KB of one CPU's ring buffer of @per_cpu_kb KB: its pages and the spare. */
unsigned long skbt_budget_pages_kb(unsigned long per_cpu_kb);

/* The largest per-CPU size (a multiple of 4 KB) whose pages on @ncpus CPUs fit @budget_kb. */
unsigned long skbt_budget_max_per_cpu_kb(unsigned long budget_kb, int ncpus);

/* One line saying what was chosen and why, into @buf. */
const char *skbt_budget_text(const struct skbt_buffer_plan *plan, int ncpus, char *buf,
			     size_t len);

/* MemAvailable of /proc/meminfo in KB, 0 if it cannot be read. */
unsigned long skbt_budget_mem_available(void);

/* Reader threads for @ncpus CPUs: @user if not 0, else one per SKBT_BUDGET_CPUS_PER_READER. */
unsigned int skbt_budget_readers(int ncpus, unsigned int user);

/* Free bytes to leave on a file system of @fs_bytes: the recording stops before. */
uint64_t skbt_budget_disk_reserve(uint64_t fs_bytes);

/*
 * Parse a CPU list "0-3,8,10-11" into @set (bit i = CPU i, @nbits bits).  -EINVAL on a
 * malformed list or a CPU >= @nbits.
 */
int skbt_budget_cpulist(const char *s, uint64_t *set, unsigned int nbits);

#endif
