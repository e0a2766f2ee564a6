/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The periodic stats: port and per-worker packet rates and drops every
 * stats.interval_s, shown by view.c as a live table when an operator
 * watches the master's terminal, as one log line otherwise.  The rates
 * are kept for mpctl status too, so they are sampled every second when
 * the periodic line is off.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>

#include "link.h"
#include "supervisor.h"

static double
rate(uint64_t cur, uint64_t prev, uint64_t ms)
{
	return ms == 0 || cur < prev ? 0.0 : (double)(cur - prev) * 1000.0 / ms;
}

/* "name=value ..." of an NF's counters, cut to fit. */
static void
format_counters(const struct mp_nf_counters *nf, char *buf, size_t len)
{
	unsigned int k, nb = RTE_MIN(nf->nb, (uint32_t)MP_NF_COUNTERS);
	size_t used = 0;
	int n;

	buf[0] = '\0';
	for (k = 0; k < nb && used < len; k++) {
		n = snprintf(buf + used, len - used, "%s%.*s=%" PRIu64, k ? " " : "",
			     MP_NF_COUNTER_NAME - 1, nf->name[k], nf->value[k]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

static void
on_stats(uv_timer_t *timer)
{
	struct mp_sup *s = timer->data;
	uint64_t now = mp_now_ms(), ms = now - s->stats_ms;
	struct mp_view v;
	struct rte_eth_stats st;
	struct mp_worker_slot slot;
	struct mp_worker *w;
	struct mp_link link;
	unsigned int i, id;

	memset(&v, 0, sizeof(v));
	v.generation = s->o->shm->generation;
	v.mode = mp_config_dist_mode_name(s->cfg->distributor.mode);
	v.dist_drop_pps = rate(s->o->shm->dist.dropped, s->prev_dist_dropped, ms);
	s->prev_dist_dropped = s->o->shm->dist.dropped;
	for (i = 0; i < s->cfg->nb_ports; i++) {
		if (rte_eth_stats_get(s->cfg->ports[i], &st) != 0)
			memset(&st, 0, sizeof(st));
		v.ports[i].id = s->cfg->ports[i];
		v.ports[i].rx_pps = rate(st.ipackets, s->prev_port_rx[i], ms);
		v.ports[i].tx_pps = rate(st.opackets, s->prev_port_tx[i], ms);
		mp_link_get(s->cfg->ports[i], &link);
		v.ports[i].link_up = link.up;
		v.ports[i].link_speed_mbps = link.speed_mbps;
		v.rx_pps += v.ports[i].rx_pps;
		v.tx_pps += v.ports[i].tx_pps;
		s->prev_port_rx[i] = st.ipackets;
		s->prev_port_tx[i] = st.opackets;
	}
	v.nb_ports = s->cfg->nb_ports;
	for (id = 0; id < MP_MAX_WORKERS; id++) {
		w = &s->w[id];
		if (!w->configured)
			continue;
		mp_sup_worker_snapshot(s->o, id, &slot);
		v.workers[v.nb_workers++] = (struct mp_view_worker){
			.id = id, .state = mp_worker_state_name(slot.state),
			.pid = slot.pid, .lcore = slot.lcore, .cpu = slot.cpu,
			.restarts = slot.restarts,
			.rx_pps = rate(slot.stats.rx, w->prev_rx, ms),
			.tx_pps = rate(slot.stats.tx, w->prev_tx, ms),
			.drop_pps = rate(slot.stats.drops, w->prev_drops, ms),
		};
		format_counters(&slot.nf, v.workers[v.nb_workers - 1].counters,
				sizeof(v.workers[0].counters));
		w->rx_pps = v.workers[v.nb_workers - 1].rx_pps;
		w->tx_pps = v.workers[v.nb_workers - 1].tx_pps;
		w->prev_rx = slot.stats.rx;
		w->prev_tx = slot.stats.tx;
		w->prev_drops = slot.stats.drops;
	}
	s->stats_ms = now;
	if (s->cfg->stats.interval_s != 0)
		mp_view_print(&v, s->tty);
}

void
mp_stats_arm(struct mp_sup *s)
{
	unsigned int ms = s->cfg->stats.interval_s * 1000;

	if (ms == 0)
		ms = 1000;
	s->stats.data = s;
	uv_timer_stop(&s->stats);
	uv_timer_start(&s->stats, on_stats, ms, ms);
}
