/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "reload.h"

static bool
str_differs(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

static bool
strv_differs(const struct mp_strv *a, const struct mp_strv *b)
{
	unsigned int i;

	if (a->n != b->n)
		return true;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return true;
	return false;
}

/* Replace *dst with a copy of src.  Returns 0 or -ENOMEM. */
static int
str_keep(char **dst, const char *src)
{
	char *copy = src ? strdup(src) : NULL;

	if (src != NULL && copy == NULL)
		return -ENOMEM;
	free(*dst);
	*dst = copy;
	return 0;
}

static int
strv_keep(struct mp_strv *dst, const struct mp_strv *src)
{
	struct mp_strv copy = { calloc(src->n + 1, sizeof(char *)), 0 };
	unsigned int i;

	if (copy.v == NULL)
		return -ENOMEM;
	for (; copy.n < src->n; copy.n++) {
		copy.v[copy.n] = strdup(src->v[copy.n]);
		if (copy.v[copy.n] == NULL)
			goto fail;
	}
	for (i = 0; i < dst->n; i++)
		free(dst->v[i]);
	free(dst->v);
	*dst = copy;
	return 0;

fail:
	for (i = 0; i < copy.n; i++)
		free(copy.v[i]);
	free(copy.v);
	return -ENOMEM;
}

/*
 * Would instance a of cur and b of next run differently?  What counts is
 * what each runs: its own program and args, or the workers' ones.
 */
static bool
instance_differs(const struct mp_config *cur, const struct mp_worker_conf *a,
		 const struct mp_config *next, const struct mp_worker_conf *b)
{
	const char *pa = a->program != NULL ? a->program : cur->workers.program;
	const char *pb = b->program != NULL ? b->program : next->workers.program;
	const struct mp_strv *va = a->has_args ? &a->args : &cur->workers.args;
	const struct mp_strv *vb = b->has_args ? &b->args : &next->workers.args;

	return a->lcore != b->lcore || a->cpu != b->cpu ||
	       cur->workers.poll != next->workers.poll ||
	       str_differs(pa, pb) || strv_differs(va, vb);
}

static void
note(struct mp_reload_plan *plan, const char *key)
{
	if (plan->nb_needs_restart < MP_RELOAD_MAX_NOTES)
		plan->needs_restart[plan->nb_needs_restart++] = key;
}

/* Keep a scalar setting that only a restart can change. */
#define KEEP(field, key)						\
	do {								\
		if (next->field != cur->field) {			\
			note(plan, key);				\
			next->field = cur->field;			\
		}							\
	} while (0)

int
mp_reload_plan(const struct mp_config *cur, struct mp_config *next,
	       struct mp_reload_plan *plan)
{
	const struct mp_worker_conf *a, *b;
	unsigned int id;

	memset(plan, 0, sizeof(*plan));
	if (str_differs(cur->eal.file_prefix, next->eal.file_prefix)) {
		note(plan, "eal.file_prefix");
		if (str_keep(&next->eal.file_prefix, cur->eal.file_prefix) < 0)
			return -ENOMEM;
	}
	KEEP(eal.main_lcore, "eal.main_lcore");
	KEEP(eal.main_cpu, "eal.main_cpu");
	KEEP(eal.memory_mb, "eal.memory_mb");
	if (strv_differs(&cur->eal.args, &next->eal.args)) {
		note(plan, "eal.args");
		if (strv_keep(&next->eal.args, &cur->eal.args) < 0)
			return -ENOMEM;
	}
	if (str_differs(cur->log_file, next->log_file)) {
		note(plan, "log_file");
		if (str_keep(&next->log_file, cur->log_file) < 0)
			return -ENOMEM;
	}
	if (str_differs(cur->pid_file, next->pid_file)) {
		note(plan, "pid_file");
		if (str_keep(&next->pid_file, cur->pid_file) < 0)
			return -ENOMEM;
	}
	if (str_differs(cur->control.socket, next->control.socket)) {
		note(plan, "control.socket");
		if (str_keep(&next->control.socket, cur->control.socket) < 0)
			return -ENOMEM;
	}
	if (str_differs(cur->control.group, next->control.group)) {
		note(plan, "control.group");
		if (str_keep(&next->control.group, cur->control.group) < 0)
			return -ENOMEM;
	}
	if (str_differs(cur->metrics.listen, next->metrics.listen)) {
		note(plan, "metrics.listen");
		if (str_keep(&next->metrics.listen, cur->metrics.listen) < 0)
			return -ENOMEM;
		next->metrics.addr = cur->metrics.addr;
		next->metrics.addr_len = cur->metrics.addr_len;
	}
	if (cur->nb_ports != next->nb_ports ||
	    memcmp(cur->ports, next->ports, sizeof(cur->ports)) != 0 ||
	    memcmp(cur->port_conf, next->port_conf, sizeof(cur->port_conf)) != 0) {
		note(plan, "ports");
		next->nb_ports = cur->nb_ports;
		memcpy(next->ports, cur->ports, sizeof(next->ports));
		memcpy(next->port_conf, cur->port_conf, sizeof(next->port_conf));
	}
	KEEP(mempool.mbufs, "mempool.mbufs");
	KEEP(mempool.cache, "mempool.cache");
	KEEP(distributor.lcore, "distributor.lcore");
	KEEP(distributor.cpu, "distributor.cpu");
	KEEP(distributor.burst, "distributor.burst");
	KEEP(transmitter.lcore, "transmitter.lcore");
	KEEP(transmitter.cpu, "transmitter.cpu");
	KEEP(workers.ring_size, "workers.ring_size");

	plan->live_changes =
		cur->distributor.mode != next->distributor.mode ||
		memcmp(&cur->workers.restart, &next->workers.restart,
		       sizeof(cur->workers.restart)) != 0 ||
		cur->workers.stop_timeout_ms != next->workers.stop_timeout_ms ||
		cur->workers.heartbeat_timeout_ms != next->workers.heartbeat_timeout_ms ||
		cur->stats.interval_s != next->stats.interval_s ||
		str_differs(cur->hooks.on_state_change, next->hooks.on_state_change);

	for (id = 0; id < MP_MAX_WORKERS; id++) {
		a = id < cur->workers.nb_instances ? &cur->workers.instances[id] : NULL;
		b = id < next->workers.nb_instances ? &next->workers.instances[id] : NULL;
		if (a == NULL && b != NULL)
			plan->added |= UINT64_C(1) << id;
		else if (a != NULL && b == NULL)
			plan->removed |= UINT64_C(1) << id;
		else if (a != NULL && instance_differs(cur, a, next, b))
			plan->restarted |= UINT64_C(1) << id;
	}
	return 0;
}
