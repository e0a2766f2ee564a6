/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MP_LINK_H
#define MP_LINK_H

/*
 * The link state of the ports (link.c): watched from the supervisor's
 * loop, through the PMD's link status interrupt (LSC) where it has one and
 * by polling every MP_LINK_POLL_MS otherwise (and as a backstop), logged
 * on every change and kept for telemetry, /metrics, mpctl status and the
 * live view.
 */

#include <stdbool.h>
#include <stdint.h>

struct mp_sup;
struct rte_eth_conf;

#define MP_LINK_POLL_MS 250

/* A port's link as last read on the loop. */
struct mp_link {
	bool known;		/* read at least once */
	bool up;
	bool full_duplex;
	uint32_t speed_mbps;	/* 0 if down or unknown */
};

/*
 * ports.c, before rte_eth_dev_configure(): ask for LSC interrupts if the
 * device has them.
 */
void mp_link_conf(uint16_t port, struct rte_eth_conf *conf);

/*
 * Read and log each port's initial state, register the LSC callbacks and
 * start the poll timer on s's loop.  Never fails: a port whose callback
 * cannot be registered is polled (logged).
 */
void mp_link_start(struct mp_sup *s);

/* Unregister the callbacks, then close the handles (shutdown). */
void mp_link_close(struct mp_sup *s);

/* Port's link as last read; any thread.  All zero if never read. */
void mp_link_get(uint16_t port, struct mp_link *l);

#endif /* MP_LINK_H */
