/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SGNL_STRICT_H
#define SGNL_STRICT_H

#include <stdbool.h>
#include <stddef.h>

/* @text (@len bytes) is one JSON value, no key twice in an object, nothing
 * after it; else false, the place said on stderr */
bool json_strict(const char *file, const char *text, size_t len);

#endif
