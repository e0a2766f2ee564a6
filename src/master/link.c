/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The link state of the ports, a loop component.  A port whose PMD raises
 * link status change interrupts (RTE_ETH_DEV_INTR_LSC: net_tap, most
 * NICs) gets them (mp_link_conf()); their callback runs on EAL's interrupt
 * thread and only records and wakes the loop (uv_async_send() is the one
 * thread-safe libuv call).  The loop reads the link, logs a change in one
 * line and publishes it for the readers on other threads (telemetry).
 * Every port is also polled every MP_LINK_POLL_MS: the only way to see a
 * PMD without LSC (net_memif, net_null), and a backstop for an interrupt
 * that came before the callback was registered or was never passed on:
 * net_tap of DPDK 22.11 has the LSC flag and updates its link on the
 * kernel's netlink news, but never calls the application's callbacks, so
 * its changes are seen by the poll (which for an LSC port reads the link
 * the PMD keeps, a copy).  Nothing waits for a link:
 * the master starts and forwards whatever the links are, and a port that
 * comes up later simply starts receiving.
 */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include <rte_ethdev.h>

#include "link.h"
#include "log.h"
#include "supervisor.h"

/*
 * A port's link, packed into one word so that readers on other threads
 * see it whole: flags in the high bits, the speed in Mbps in the low 32.
 */
#define LINK_KNOWN (UINT64_C(1) << 63)
#define LINK_UP (UINT64_C(1) << 62)
#define LINK_FDX (UINT64_C(1) << 61)

static _Atomic uint64_t link_word[RTE_MAX_ETHPORTS];

/* Set by the LSC callback for its port, cleared by the loop as it reads. */
static atomic_bool lsc_pending[RTE_MAX_ETHPORTS];

static struct {
	uv_async_t async;
	uv_timer_t poll;
	bool lsc_conf[RTE_MAX_ETHPORTS];	/* configured with LSC */
	bool lsc[RTE_MAX_ETHPORTS];		/* our callback is registered */
	bool started;
} lk;

void
mp_link_conf(uint16_t port, struct rte_eth_conf *conf)
{
	struct rte_eth_dev_info info;

	if (port >= RTE_MAX_ETHPORTS || rte_eth_dev_info_get(port, &info) != 0 ||
	    info.dev_flags == NULL || !(*info.dev_flags & RTE_ETH_DEV_INTR_LSC))
		return;
	conf->intr_conf.lsc = 1;
	lk.lsc_conf[port] = true;
}

void
mp_link_get(uint16_t port, struct mp_link *l)
{
	uint64_t w = port < RTE_MAX_ETHPORTS ?
		atomic_load_explicit(&link_word[port], memory_order_relaxed) : 0;

	l->known = (w & LINK_KNOWN) != 0;
	l->up = (w & LINK_UP) != 0;
	l->full_duplex = (w & LINK_FDX) != 0;
	l->speed_mbps = (uint32_t)w;
}

static uint64_t
pack(const struct rte_eth_link *link)
{
	uint64_t w = LINK_KNOWN;

	if (link->link_status == RTE_ETH_LINK_UP) {
		w |= LINK_UP;
		if (link->link_duplex == RTE_ETH_LINK_FULL_DUPLEX)
			w |= LINK_FDX;
		if (link->link_speed != RTE_ETH_SPEED_NUM_UNKNOWN)
			w |= link->link_speed;
	}
	return w;
}

/*
 * Read port's link without waiting and log it if it changed (or always,
 * at start): "port 0 (net_tap0): link up, 10 Gbps full-duplex".  Down is
 * a warning: traffic of that port stops.  (rte_eth_link_speed_to_str()
 * is still experimental in DPDK 22.11, hence the speed by hand.)
 */
static void
link_check(uint16_t port, bool initial)
{
	struct rte_eth_link link;
	char name[RTE_ETH_NAME_MAX_LEN];
	uint64_t w, old;
	int rc;

	rc = rte_eth_link_get_nowait(port, &link);
	if (rc < 0) {
		if (initial)
			mp_warn("rte_eth_link_get_nowait() failed for port %u: %s",
				port, strerror(-rc));
		return;
	}
	w = pack(&link);
	old = atomic_exchange_explicit(&link_word[port], w, memory_order_relaxed);
	if (w == old && !initial)
		return;
	if (rte_eth_dev_get_name_by_port(port, name) != 0)
		strcpy(name, "?");
	if (!(w & LINK_UP))
		mp_warn("port %u (%s): link down%s", port, name,
			initial ? " (the port forwards once it comes up)" : "");
	else if (link.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ||
		 link.link_speed == RTE_ETH_SPEED_NUM_NONE)
		mp_info("port %u (%s): link up, speed unknown, %s", port, name,
			(w & LINK_FDX) ? "full-duplex" : "half-duplex");
	else if (link.link_speed % 1000 != 0)
		mp_info("port %u (%s): link up, %u Mbps %s", port, name,
			link.link_speed, (w & LINK_FDX) ? "full-duplex" : "half-duplex");
	else
		mp_info("port %u (%s): link up, %u Gbps %s", port, name,
			link.link_speed / 1000,
			(w & LINK_FDX) ? "full-duplex" : "half-duplex");
}

static void
check_all(struct mp_sup *s, bool initial)
{
	const struct mp_shm *shm = s->o->shm;
	unsigned int i;

	for (i = 0; i < shm->nb_ports && i < MP_MAX_PORTS; i++)
		link_check(shm->ports[i], initial);
}

/*
 * EAL's interrupt thread: record and wake the loop, nothing else (the
 * PMD has updated the link it reports before it calls us).
 */
static int
on_lsc(uint16_t port, enum rte_eth_event_type event, void *arg, void *ret)
{
	if (port < RTE_MAX_ETHPORTS)
		atomic_store(&lsc_pending[port], true);
	uv_async_send(&lk.async);
	return 0;
}

/* Wakes once for any number of sends: read every port that had one. */
static void
on_async(uv_async_t *h)
{
	const struct mp_shm *shm = ((struct mp_sup *)h->data)->o->shm;
	unsigned int i;

	for (i = 0; i < shm->nb_ports && i < MP_MAX_PORTS; i++)
		if (atomic_exchange(&lsc_pending[shm->ports[i]], false))
			link_check(shm->ports[i], false);
}

static void
on_poll(uv_timer_t *t)
{
	check_all(t->data, false);
}

void
mp_link_start(struct mp_sup *s)
{
	const struct mp_shm *shm = s->o->shm;
	unsigned int i;
	uint16_t port;
	int rc;

	uv_async_init(&s->loop, &lk.async, on_async);
	lk.async.data = s;
	uv_timer_init(&s->loop, &lk.poll);
	lk.poll.data = s;
	lk.started = true;
	for (i = 0; i < shm->nb_ports && i < MP_MAX_PORTS; i++) {
		port = shm->ports[i];
		if (!lk.lsc_conf[port])
			continue;
		rc = rte_eth_dev_callback_register(port, RTE_ETH_EVENT_INTR_LSC,
						   on_lsc, NULL);
		if (rc < 0)
			mp_warn("rte_eth_dev_callback_register() failed for port %u: %s; "
				"polling its link every %u ms", port, strerror(-rc),
				MP_LINK_POLL_MS);
		else
			lk.lsc[port] = true;
	}
	/* After the registration: a change from here on is seen. */
	check_all(s, true);
	uv_timer_start(&lk.poll, on_poll, MP_LINK_POLL_MS, MP_LINK_POLL_MS);
}

/*
 * The callbacks go first, so that none can wake a closed async handle:
 * the unregistration refuses (-EAGAIN) while the callback runs, and then
 * is tried again.  Should one stay registered, its async handle is only
 * unreferenced, never closed (the loop is never closed either).
 */
void
mp_link_close(struct mp_sup *s)
{
	bool keep_async = false;
	unsigned int port;
	int rc;

	if (!lk.started)
		return;
	for (port = 0; port < RTE_MAX_ETHPORTS; port++) {
		if (!lk.lsc[port])
			continue;
		while ((rc = rte_eth_dev_callback_unregister((uint16_t)port,
							     RTE_ETH_EVENT_INTR_LSC,
							     on_lsc, NULL)) == -EAGAIN)
			usleep(100);
		if (rc < 0) {
			mp_warn("rte_eth_dev_callback_unregister() failed for port %u: %s",
				port, strerror(-rc));
			keep_async = true;
		}
		lk.lsc[port] = false;
	}
	if (keep_async)
		uv_unref((uv_handle_t *)&lk.async);
	else
		uv_close((uv_handle_t *)&lk.async, NULL);
	uv_close((uv_handle_t *)&lk.poll, NULL);
	lk.started = false;
}
