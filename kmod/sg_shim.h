/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel facilities the classifier uses, so that classifier.c builds
 * unchanged in the module and in userspace tests (tests/).
 */
#ifndef _SG_SHIM_H
#define _SG_SHIM_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/slab.h>
#include <linux/sort.h>

#define sgc_calloc(n, size)	kvcalloc(n, size, GFP_KERNEL_ACCOUNT)
#define sgc_release(ptr)	kvfree(ptr)
#define sgc_sort(base, n, size, cmp) sort(base, n, size, cmp, NULL)

#else /* userspace */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef int32_t s32;
typedef uint64_t u64;

/* tests may make the Nth allocation fail */
void *sgc_test_calloc(size_t n, size_t size);
#define sgc_calloc(n, size)	sgc_test_calloc(n, size)
#define sgc_release(ptr)	free(ptr)
#define sgc_sort(base, n, size, cmp) qsort(base, n, size, cmp)
#endif

#endif
