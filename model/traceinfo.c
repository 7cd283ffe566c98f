// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * traceinfo: facts about the whole trace, for the findings and the renderers alike (here, not
 * in a renderer, so that the model never depends on one).
 */
#include "skbtrail/traceinfo.h"

bool skbt_trace_incomplete(const struct skbt_trace_info *ti)
{
	/* a flight file's overrun is the overwrite mode's, before its first event */
	return ti->lost_markers || ti->truncated || (ti->overrun_total > 0 && !ti->trigger);
}
