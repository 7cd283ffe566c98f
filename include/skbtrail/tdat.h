/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tdat: the numbers of the trace.dat format, once, for its reader (lib/tracefile.c) and
 * its writer (lib/writer.c), as libtracecmd's trace-input.c and trace-output.c share
 * trace-cmd's enum tracecmd_option.  Values from trace-cmd.dat.v7(5); docs/file-format.md.
 */
#ifndef SKBTRAIL_TDAT_H
#define SKBTRAIL_TDAT_H

/* Option ids (v6 options list and v7 options sections carry the same numbers). */
enum skbt_tdat_option {
	SKBT_TDAT_OPT_DONE = 0,		/* end of an options list */
	SKBT_TDAT_OPT_DATE = 1,
	SKBT_TDAT_OPT_CPUSTAT = 2,
	SKBT_TDAT_OPT_BUFFER = 3,
	SKBT_TDAT_OPT_TRACECLOCK = 4,
	SKBT_TDAT_OPT_UNAME = 5,
	SKBT_TDAT_OPT_CPUCOUNT = 8,
	SKBT_TDAT_OPT_VERSION = 9,
	/* v7: where the metadata sections are (the option's payload is the section offset) */
	SKBT_TDAT_OPT_HEADER_INFO = 16,
	SKBT_TDAT_OPT_FTRACE_EVENTS = 17,
	SKBT_TDAT_OPT_EVENT_FORMATS = 18,
	SKBT_TDAT_OPT_KALLSYMS = 19,
	SKBT_TDAT_OPT_PRINTK = 20,
	SKBT_TDAT_OPT_CMDLINES = 21,
	/* skbtrail's own data (node context, pcap, ...): docs/file-format.md */
	SKBT_TDAT_OPT_SKBTRAIL = 0x5342,	/* "SB" */
};

/* v7 section ids: a section's id is the option id of what it holds. */
enum skbt_tdat_section {
	SKBT_TDAT_SEC_OPTIONS = SKBT_TDAT_OPT_DONE,
	SKBT_TDAT_SEC_FLYRECORD = SKBT_TDAT_OPT_BUFFER,
	SKBT_TDAT_SEC_STRINGS = 15,
	SKBT_TDAT_SEC_HEADER_INFO = SKBT_TDAT_OPT_HEADER_INFO,	/* then the other metadata */
	SKBT_TDAT_SEC_FTRACE_EVENTS = SKBT_TDAT_OPT_FTRACE_EVENTS,
	SKBT_TDAT_SEC_EVENT_FORMATS = SKBT_TDAT_OPT_EVENT_FORMATS,
	SKBT_TDAT_SEC_KALLSYMS = SKBT_TDAT_OPT_KALLSYMS,
	SKBT_TDAT_SEC_PRINTK = SKBT_TDAT_OPT_PRINTK,
	SKBT_TDAT_SEC_CMDLINES = SKBT_TDAT_OPT_CMDLINES,
};

#endif
