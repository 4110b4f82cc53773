// SPDX-License-Identifier: GPL-2.0
/*
 * Strict JSON for apply.  json-c, which holds the configuration, keeps the
 * last of two equal keys, so {"groups": [...], "groups": []} would delete
 * every group; and it stops at the end of the first value, so trailing
 * data would pass.  jansson, told to, rejects both and says where: every
 * file is read by it first.  (Its own header, apart: the two libraries
 * share names.)
 */
#include <stdio.h>
#include <jansson.h>

#include "strict.h"

bool json_strict(const char *file, const char *text, size_t len)
{
	json_error_t e;
	json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);

	if (j) {
		json_decref(j);
		return true;
	}
	fprintf(stderr, "sgnl: apply: %s:%d:%d: %s\n", file, e.line, e.column, e.text);
	return false;
}
