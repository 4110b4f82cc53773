/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SGNL_FLOWS_H
#define SGNL_FLOWS_H

#include <stdint.h>
#include <json-c/json.h>

/* a flow ended: its start record with packets, bytes, reply_packets,
 * reply_bytes, start and end (unix seconds) */
typedef void (*flow_end_fn)(json_object *flow, void *arg);

struct flows;

/* listen to conntrack's destroy events; NULL (said on stderr): no ends */
struct flows *flows_open(flow_end_fn end, void *arg);
int flows_fd(struct flows *fl);
/* @flow (its "start" set), of @instance, waits for the end of connection @id */
void flows_start(struct flows *fl, uint32_t id, json_object *flow, const char *instance);
/* read what conntrack said; 0, or a libnl error */
int flows_recv(struct flows *fl);

#endif
