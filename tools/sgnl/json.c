// SPDX-License-Identifier: GPL-2.0
/* Reading sgnl's JSON: a member as a string, an element found by a key. */
#include <string.h>

#include "sgnl.h"

const char *jstr(json_object *o, const char *k)
{
	json_object *v = json_object_object_get(o, k);

	return v ? json_object_get_string(v) : NULL;
}

/* The element of array @arr whose member @k is the string @v (its index
 * in @at if not NULL), or NULL */
json_object *jfind(json_object *arr, const char *k, const char *v, size_t *at)
{
	size_t i;

	for (i = 0; arr && i < json_object_array_length(arr); i++) {
		json_object *o = json_object_array_get_idx(arr, i);
		const char *s = jstr(o, k);

		if (s && !strcmp(s, v)) {
			if (at)
				*at = i;
			return o;
		}
	}
	return NULL;
}
