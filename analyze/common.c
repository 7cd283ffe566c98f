// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>

#include "skbtrail/common.h"

int skbt_err_set(struct skbt_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}
