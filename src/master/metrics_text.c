/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The text of GET /metrics: the Prometheus text exposition format, version
 * 0.0.4, one HELP and one TYPE line per family.  Rendered on the loop
 * thread, per request, from what the supervisor knows (the worker records
 * and their shared-memory slots) and from the readings telemetry.c shares,
 * so that /metrics and the /mp/ telemetry commands never tell two stories.
 *
 * Everything a label carries that a program other than the master chose
 * (an NF's counter names, a worker program's file name) is escaped as the
 * format requires and made valid UTF-8, so a scraper never refuses the
 * whole page for one odd name.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_version.h>

#include "link.h"
#include "supervisor.h"

/* Far above the largest page: 32 workers with 16 counters, 32 ports. */
#define MP_METRICS_MAX_TEXT (4u << 20)

/* What the families read of one configured worker, read once per page. */
struct metrics_worker {
	unsigned int id;
	uint32_t state;
	uint32_t restarts;
	struct mp_worker_stats stats;
	uint64_t heartbeat_age_ms;
	unsigned int ring_count, ring_size;
	char program[sizeof(((struct mp_worker_slot *)0)->program)];
	uint32_t nb_counters;
	char counter_name[MP_NF_COUNTERS][MP_NF_COUNTER_NAME];
	uint64_t counter_value[MP_NF_COUNTERS];
};

static int
reserve(struct mp_metrics_buf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->len + more + 1 <= b->cap)
		return 0;
	if (b->len + more + 1 > MP_METRICS_MAX_TEXT)
		return -E2BIG;
	cap = b->cap ? b->cap : 64 * 1024;
	while (cap < b->len + more + 1)
		cap *= 2;
	if (cap > MP_METRICS_MAX_TEXT)
		cap = MP_METRICS_MAX_TEXT;
	p = realloc(b->p, cap);
	if (p == NULL)
		return -ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

/* Append; the first failure sticks in b->err and later calls do nothing. */
static void __attribute__((format(printf, 2, 3)))
put(struct mp_metrics_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->err != 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->err = -EINVAL;
		return;
	}
	if ((size_t)n >= b->cap - b->len) {
		b->err = reserve(b, (size_t)n);
		if (b->err != 0)
			return;
		va_start(ap, fmt);
		vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

static void
put_bytes(struct mp_metrics_buf *b, const char *s, size_t n)
{
	if (b->err != 0)
		return;
	b->err = reserve(b, n);
	if (b->err != 0)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/*
 * Length of the valid UTF-8 sequence at s (at most n bytes), 0 if it is
 * not one: overlong forms, surrogates and code points past U+10FFFF
 * included.
 */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/*
 * A label value, quoted: backslash, double quote and line feed escaped
 * (the format's only escapes), invalid UTF-8 replaced by U+FFFD.  Reads
 * at most max bytes of v, which need not be NUL-terminated.
 */
static void
put_label_value(struct mp_metrics_buf *b, const char *v, size_t max)
{
	const unsigned char *s = (const unsigned char *)v;
	size_t n = strnlen(v, max), i = 0, len;

	put_bytes(b, "\"", 1);
	while (i < n) {
		len = utf8_len(s + i, n - i);
		if (s[i] == '\\')
			put_bytes(b, "\\\\", 2);
		else if (s[i] == '"')
			put_bytes(b, "\\\"", 2);
		else if (s[i] == '\n')
			put_bytes(b, "\\n", 2);
		else if (len != 0)
			put_bytes(b, v + i, len);
		else
			put_bytes(b, "\xef\xbf\xbd", 3);	/* U+FFFD */
		i += len != 0 ? len : 1;
	}
	put_bytes(b, "\"", 1);
}

static void
family(struct mp_metrics_buf *b, const char *name, const char *type,
       const char *help)
{
	put(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A family of one unlabelled sample. */
static void
single(struct mp_metrics_buf *b, const char *name, const char *type,
       const char *help, uint64_t value)
{
	family(b, name, type, help);
	put(b, "%s %" PRIu64 "\n", name, value);
}

/* The families of one number per worker, labelled {id}. */
static void
per_worker(struct mp_metrics_buf *b, const struct metrics_worker *w,
	   unsigned int nb, const char *name, const char *type,
	   const char *help, size_t offset)
{
	unsigned int i;

	family(b, name, type, help);
	for (i = 0; i < nb; i++)
		put(b, "%s{id=\"%u\"} %" PRIu64 "\n", name, w[i].id,
		    *(const uint64_t *)((const char *)&w[i] + offset));
}

static void
read_workers(const struct mp_sup *s, struct metrics_worker *out,
	     unsigned int *nb)
{
	struct mp_worker_slot slot;
	struct metrics_worker *w;
	unsigned int id;

	*nb = 0;
	for (id = 0; id < MP_MAX_WORKERS; id++) {
		if (!s->w[id].configured)
			continue;
		mp_sup_worker_snapshot(s->o, id, &slot);
		w = &out[(*nb)++];
		w->id = id;
		w->state = slot.state;
		w->restarts = slot.restarts;
		w->stats = slot.stats;
		w->heartbeat_age_ms = mp_telemetry_heartbeat_age_ms(s->o, &slot);
		mp_telemetry_ring_use(s->o, id, &w->ring_count, &w->ring_size);
		memcpy(w->program, slot.program, sizeof(w->program));
		w->nb_counters = RTE_MIN(slot.nf.nb, (uint32_t)MP_NF_COUNTERS);
		memcpy(w->counter_name, slot.nf.name, sizeof(w->counter_name));
		memcpy(w->counter_value, slot.nf.value, sizeof(w->counter_value));
	}
}

/*
 * mp_worker_state has a line for every state name.  Two states share the
 * name "starting" (shm.h), so the names come from mp_worker_state_name()
 * itself, each once.
 */
static void
put_states(struct mp_metrics_buf *b, const struct metrics_worker *w,
	   unsigned int nb)
{
	const char *name, *cur;
	unsigned int i, st, prev;

	family(b, "mp_worker_state", "gauge",
	       "The worker's state: 1 for the state it is in, 0 for the others.");
	for (i = 0; i < nb; i++) {
		cur = mp_worker_state_name(w[i].state);
		for (st = 0; st < MP_W_STATE_MAX; st++) {
			name = mp_worker_state_name(st);
			for (prev = 0; prev < st; prev++)
				if (strcmp(mp_worker_state_name(prev), name) == 0)
					break;
			if (prev < st)
				continue;
			put(b, "mp_worker_state{id=\"%u\",state=\"%s\"} %d\n", w[i].id,
			    name, strcmp(name, cur) == 0);
		}
	}
}

static void
put_workers(struct mp_metrics_buf *b, const struct metrics_worker *w,
	    unsigned int nb)
{
	unsigned int i, k;

	family(b, "mp_worker_up", "gauge",
	       "1 if the worker is running (attached, fed by the distributor), else 0.");
	for (i = 0; i < nb; i++) {
		put(b, "mp_worker_up{id=\"%u\",program=", w[i].id);
		put_label_value(b, w[i].program, sizeof(w[i].program));
		put(b, "} %d\n", w[i].state == MP_W_RUNNING);
	}
	put_states(b, w, nb);
	family(b, "mp_worker_restarts_total", "counter",
	       "Restarts of the worker since it joined the config.");
	for (i = 0; i < nb; i++)
		put(b, "mp_worker_restarts_total{id=\"%u\"} %" PRIu32 "\n", w[i].id,
		    w[i].restarts);
	per_worker(b, w, nb, "mp_worker_rx_packets_total", "counter",
		   "Packets the worker took from its ring.",
		   offsetof(struct metrics_worker, stats.rx));
	per_worker(b, w, nb, "mp_worker_tx_packets_total", "counter",
		   "Packets of the worker the ports accepted.",
		   offsetof(struct metrics_worker, stats.tx));
	per_worker(b, w, nb, "mp_worker_drops_total", "counter",
		   "Packets of the worker refused by a port, dropped by its NF, or lost in its crashes.",
		   offsetof(struct metrics_worker, stats.drops));
	family(b, "mp_worker_heartbeat_age_seconds", "gauge",
	       "Time since the worker's last heartbeat; 0 without a process.");
	for (i = 0; i < nb; i++)
		put(b, "mp_worker_heartbeat_age_seconds{id=\"%u\"} %" PRIu64 ".%03u\n",
		    w[i].id, w[i].heartbeat_age_ms / 1000,
		    (unsigned int)(w[i].heartbeat_age_ms % 1000));
	family(b, "mp_worker_ring_count", "gauge",
	       "Packets queued on the worker's ring.");
	for (i = 0; i < nb; i++)
		put(b, "mp_worker_ring_count{id=\"%u\"} %u\n", w[i].id, w[i].ring_count);
	family(b, "mp_worker_ring_capacity", "gauge",
	       "Packets the worker's ring holds at most.");
	for (i = 0; i < nb; i++)
		put(b, "mp_worker_ring_capacity{id=\"%u\"} %u\n", w[i].id, w[i].ring_size);
	family(b, "mp_worker_nf_counter_total", "counter",
	       "The counters the worker's network function declared, by name.");
	for (i = 0; i < nb; i++)
		for (k = 0; k < w[i].nb_counters; k++) {
			put(b, "mp_worker_nf_counter_total{id=\"%u\",name=", w[i].id);
			put_label_value(b, w[i].counter_name[k], MP_NF_COUNTER_NAME);
			put(b, "} %" PRIu64 "\n", w[i].counter_value[k]);
		}
}

static void
put_ports(struct mp_metrics_buf *b, const struct mp_shm *shm)
{
	static const struct {
		const char *name;
		const char *help;
		size_t offset;
	} fams[] = {
		{ "mp_port_rx_packets_total", "Packets the port received.",
		  offsetof(struct rte_eth_stats, ipackets) },
		{ "mp_port_tx_packets_total", "Packets the port transmitted.",
		  offsetof(struct rte_eth_stats, opackets) },
		{ "mp_port_missed_packets_total",
		  "Packets the port dropped for want of room in its RX queue.",
		  offsetof(struct rte_eth_stats, imissed) },
	};
	struct rte_eth_stats st[MP_MAX_PORTS];
	struct mp_link link[MP_MAX_PORTS];
	unsigned int i, f, nb = RTE_MIN(shm->nb_ports, (uint32_t)MP_MAX_PORTS);

	for (i = 0; i < nb; i++)
		mp_telemetry_port_stats(shm->ports[i], &st[i]);
	for (f = 0; f < RTE_DIM(fams); f++) {
		family(b, fams[f].name, "counter", fams[f].help);
		for (i = 0; i < nb; i++)
			put(b, "%s{port=\"%u\"} %" PRIu64 "\n", fams[f].name, shm->ports[i],
			    *(const uint64_t *)((const char *)&st[i] + fams[f].offset));
	}
	family(b, "mp_port_errors_total", "counter",
	       "Packets the port failed to receive or to transmit.");
	for (i = 0; i < nb; i++)
		put(b, "mp_port_errors_total{port=\"%u\",direction=\"rx\"} %" PRIu64 "\n"
		    "mp_port_errors_total{port=\"%u\",direction=\"tx\"} %" PRIu64 "\n",
		    shm->ports[i], st[i].ierrors, shm->ports[i], st[i].oerrors);
	for (i = 0; i < nb; i++)
		mp_link_get(shm->ports[i], &link[i]);
	family(b, "mp_port_link_up", "gauge", "1 if the port's link is up, 0 if it is down.");
	for (i = 0; i < nb; i++)
		put(b, "mp_port_link_up{port=\"%u\"} %u\n", shm->ports[i], link[i].up ? 1 : 0);
	family(b, "mp_port_link_speed_bps", "gauge",
	       "The port's link speed in bits per second; 0 if down or unknown.");
	for (i = 0; i < nb; i++)
		put(b, "mp_port_link_speed_bps{port=\"%u\"} %" PRIu64 "\n", shm->ports[i],
		    (uint64_t)link[i].speed_mbps * 1000000);
}

static void
put_totals(struct mp_metrics_buf *b, const struct mp_sup *s)
{
	const struct mp_dist_stats *d = &s->o->shm->dist;
	const char *dpdk = rte_version();
	struct mp_pool_use pool;

	single(b, "mp_distributor_rx_packets_total", "counter",
	       "Packets the distributor received from the ports.",
	       d->rx);
	single(b, "mp_distributor_enqueued_total", "counter",
	       "Packets the distributor handed to a worker's ring.",
	       d->enqueued);
	single(b, "mp_distributor_dropped_total", "counter",
	       "Packets the distributor dropped: rings full or no worker running.",
	       d->dropped);
	single(b, "mp_distributor_redistributed_total", "counter",
	       "Packets taken back from the ring of a worker that stopped and handed to running ones.",
	       d->redistributed);
	single(b, "mp_transmitter_sent_total", "counter",
	       "Packets the master's transmitter sent for workers on ports with tx: primary.",
	       s->o->shm->tx.sent);
	single(b, "mp_transmitter_dropped_total", "counter",
	       "Packets the master's transmitter freed because a port refused them.",
	       s->o->shm->tx.dropped);

	mp_telemetry_pool_use(s->o, &pool);
	single(b, "mp_mempool_in_use", "gauge",
	       "Mbufs of the packet pool out of it: on rings, in bursts, with the ports.",
	       pool.in_use);
	single(b, "mp_mempool_free", "gauge",
	       "Mbufs of the packet pool in it or in its caches.",
	       pool.free);
	single(b, "mp_mempool_size", "gauge",
	       "Mbufs of the packet pool.",
	       pool.size);

	single(b, "mp_config_generation", "gauge",
	       "The config generation: 1 at start, +1 per applied reload.",
	       s->o->shm->generation);
	family(b, "mp_build_info", "gauge",
	       "Always 1: the mpmaster and DPDK versions as labels.");
	if (strncmp(dpdk, "DPDK ", 5) == 0)
		dpdk += 5;
	put(b, "mp_build_info{version=");
	put_label_value(b, PACKAGE_VERSION, sizeof(PACKAGE_VERSION));
	put(b, ",dpdk=");
	put_label_value(b, dpdk, 64);
	put(b, "} 1\n");
}

int
mp_metrics_render(const struct mp_sup *s, struct mp_metrics_buf *b)
{
	struct metrics_worker w[MP_MAX_WORKERS];
	unsigned int nb;

	memset(b, 0, sizeof(*b));
	b->err = reserve(b, 0);
	if (b->err != 0)
		return b->err;
	b->p[0] = '\0';
	read_workers(s, w, &nb);
	put_workers(b, w, nb);
	put_ports(b, s->o->shm);
	put_totals(b, s);
	if (b->err != 0) {
		free(b->p);
		b->p = NULL;
		b->len = 0;
	}
	return b->err;
}
