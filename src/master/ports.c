/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port set-up.  As in DPDK's client_server_mp, the distributor polls a
 * port's RX queues, and each worker transmits on a TX queue of its own,
 * so workers transmit without locks: worker id N always uses TX queue N.
 * Some PMDs cannot transmit from a secondary process (their sockets and
 * mappings exist only in the primary): on those ports workers hand their
 * packets to the master's transmitter (transmitter.c), which sends on TX
 * queue 0.
 */
#include <errno.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "link.h"
#include "log.h"
#include "master.h"

#define MP_RX_DESC 1024
#define MP_TX_DESC 1024

/*
 * What the master must know of a PMD, read in its sources (DPDK 22.11).
 *
 *  frees_in_tx: it copies each packet out (to nowhere, the kernel, a file)
 *	and frees it inside rte_eth_tx_burst(); hardware PMDs keep packets
 *	in their TX ring until a later call.
 *  tx_primary_only: its transmit works only in the process that probed
 *	the device.  AF_PACKET's socket and TX ring mapping, AF_XDP's socket
 *	and UMEM, vhost's device state live in the primary's memory alone; a
 *	secondary calling their tx_burst dereferences nothing or the
 *	primary's file descriptors.  memif maps a connection's regions into
 *	a secondary once, at its first transmit, and unmaps them only when
 *	that process reads the link down: after the peer reconnects, a
 *	worker writes into the old connection's memory and packets vanish.
 *  rx_queues_fixed: its device arguments make its RX queues and all of
 *	them receive: AF_PACKET fans a socket's packets out over its qpairs
 *	sockets, so every one of its queues must be polled.
 *  queue_pairs: it pairs each of our queues with a ring of its peer.  A
 *	memif peer with fewer rings than we have queues refuses the
 *	connection ("Invalid ring index", memif_socket.c), and as a server a
 *	queue the peer did not ask for reads or writes the peer's first
 *	ring.  So such a port gets as many TX as RX queues, rx_queues of its
 *	entry in ports, which must be the peer's count (the transmitter uses
 *	queue 0 only).
 */
struct driver_traits {
	const char *name;
	bool frees_in_tx;
	bool tx_primary_only;
	bool rx_queues_fixed;
	bool queue_pairs;
};

static const struct driver_traits driver_traits[] = {
	{ .name = "net_null", .frees_in_tx = true },
	{ .name = "net_tap", .frees_in_tx = true },
	{ .name = "net_pcap", .frees_in_tx = true },
	{ .name = "net_af_packet", .tx_primary_only = true, .rx_queues_fixed = true },
	{ .name = "net_af_xdp", .tx_primary_only = true },
	{ .name = "net_vhost", .tx_primary_only = true },
	{ .name = "net_memif", .tx_primary_only = true, .queue_pairs = true },
};

/* A driver not in the table has none of the traits. */
static const struct driver_traits *
traits_of(const char *driver)
{
	static const struct driver_traits none = { .name = NULL };
	unsigned int i;

	for (i = 0; i < RTE_DIM(driver_traits); i++)
		if (driver != NULL && strcmp(driver, driver_traits[i].name) == 0)
			return &driver_traits[i];
	return &none;
}

/*
 * The Toeplitz key made of one repeated 16-bit pattern hashes (a, b) and
 * (b, a) alike (Woo and Park, "Scalable TCP Session Monitoring with
 * Symmetric Receive-side Scaling", 2012), so both directions of a
 * connection get the same hash, as flow_hash() in the distributor does.
 */
static uint8_t symmetric_rss_key[52] = {
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d,
	0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d,
	0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
};

/*
 * Where the NIC can compute an RSS hash over the 5-tuple and deliver it in
 * the mbuf, ask for it with the symmetric key: the distributor's flow-hash
 * mode then uses it instead of reading the headers.  Virtual ports mostly
 * cannot; they keep the plain configuration.
 */
static void
port_conf_rss(uint16_t port, struct rte_eth_conf *conf)
{
	const uint64_t want = RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP;
	struct rte_eth_dev_info info;

	if (rte_eth_dev_info_get(port, &info) < 0 ||
	    (info.flow_type_rss_offloads & want) == 0 ||
	    !(info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_RSS_HASH) ||
	    info.hash_key_size > sizeof(symmetric_rss_key))
		return;
	conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	conf->rxmode.offloads |= RTE_ETH_RX_OFFLOAD_RSS_HASH;
	conf->rx_adv_conf.rss_conf.rss_key = symmetric_rss_key;
	conf->rx_adv_conf.rss_conf.rss_key_len =
		info.hash_key_size != 0 ? info.hash_key_size : 40;
	conf->rx_adv_conf.rss_conf.rss_hf = info.flow_type_rss_offloads & want;
}

/*
 * Configure and start one port with nb_rxq RX queues; logs the failing
 * ethdev call.  Some devices (net_tap) insist on as many RX as TX queues:
 * then the port gets min_txq of each (every RX queue holds mbufs, so not
 * the full worker range) and the distributor polls them all.  Sets
 * *nb_txq to what the port got.  Returns the number of RX queues or a
 * negative errno.
 */
static int
port_start(uint16_t port, uint16_t nb_rxq, uint16_t *nb_txq, uint16_t min_txq,
	   struct rte_mempool *pool)
{
	struct rte_eth_conf conf;
	uint16_t nb_rxd = nb_rxq > 1 ? MP_RX_DESC / 4 : MP_RX_DESC, nb_txd = MP_TX_DESC;
	uint16_t q;
	int rc;

	memset(&conf, 0, sizeof(conf));
	port_conf_rss(port, &conf);
	mp_link_conf(port, &conf);
	rc = rte_eth_dev_configure(port, nb_rxq, *nb_txq, &conf);
	if (rc < 0 && *nb_txq != nb_rxq) {
		*nb_txq = RTE_MIN(*nb_txq, min_txq);
		*nb_txq = RTE_MAX(*nb_txq, nb_rxq);
		nb_rxq = *nb_txq;
		nb_rxd = MP_RX_DESC / 4;
		rc = rte_eth_dev_configure(port, nb_rxq, *nb_txq, &conf);
	}
	if (rc < 0) {
		mp_err("rte_eth_dev_configure() failed for port %u with %u RX and %u TX "
		       "queues: %s", port, nb_rxq, *nb_txq, strerror(-rc));
		return rc;
	}
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd);
	if (rc < 0) {
		mp_err("rte_eth_dev_adjust_nb_rx_tx_desc() failed for port %u: %s",
		       port, strerror(-rc));
		return rc;
	}
	for (q = 0; q < nb_rxq; q++) {
		rc = rte_eth_rx_queue_setup(port, q, nb_rxd,
					    rte_eth_dev_socket_id(port), NULL, pool);
		if (rc < 0) {
			mp_err("rte_eth_rx_queue_setup() failed for port %u queue %u: %s",
			       port, q, strerror(-rc));
			return rc;
		}
	}
	for (q = 0; q < *nb_txq; q++) {
		rc = rte_eth_tx_queue_setup(port, q, nb_txd,
					    rte_eth_dev_socket_id(port), NULL);
		if (rc < 0) {
			mp_err("rte_eth_tx_queue_setup() failed for port %u queue %u: %s",
			       port, q, strerror(-rc));
			return rc;
		}
	}
	/* Virtual ports and some NICs cannot do this; forwarding still works. */
	rte_eth_promiscuous_enable(port);
	rc = rte_eth_dev_start(port);
	if (rc < 0) {
		mp_err("rte_eth_dev_start() failed for port %u: %s", port,
		       strerror(-rc));
		return rc;
	}
	return nb_rxq;
}

/*
 * How port i transmits and how many RX queues it gets, from its config and
 * its driver; one line naming the port and driver if it cannot work.
 * nb_workers TX queues are what direct transmission needs.
 */
static int
port_plan(const struct mp_config *cfg, unsigned int i,
	  const struct rte_eth_dev_info *info, const struct driver_traits *traits,
	  bool *primary, uint16_t *nb_rxq)
{
	const struct mp_port_conf *pc = &cfg->port_conf[i];
	uint16_t port = cfg->ports[i];
	const char *why = NULL;

	if (info->max_tx_queues == 0 || info->max_rx_queues == 0) {
		mp_err("port %u (%s) has no %s queue: it cannot be one of the ports",
		       port, info->driver_name, info->max_tx_queues == 0 ? "TX" : "RX");
		return -ENOTSUP;
	}
	if (traits->tx_primary_only)
		why = "its PMD cannot transmit from a worker's process";
	else if (info->max_tx_queues < cfg->workers.nb_instances)
		why = "it has fewer TX queues than there are workers";
	switch (pc->tx) {
	case MP_PORT_TX_AUTO:
		*primary = why != NULL;
		break;
	case MP_PORT_TX_DIRECT:
		if (why != NULL) {
			mp_err("port %u (%s) cannot use tx: direct: %s (%u TX queues, "
			       "%u workers); use tx: primary or auto", port,
			       info->driver_name, why, info->max_tx_queues,
			       cfg->workers.nb_instances);
			return -ENOTSUP;
		}
		*primary = false;
		break;
	case MP_PORT_TX_PRIMARY:
		*primary = true;
		break;
	}
	if (pc->rx_queues != 0)
		*nb_rxq = (uint16_t)pc->rx_queues;
	else if (traits->rx_queues_fixed)
		*nb_rxq = info->max_rx_queues;
	else
		*nb_rxq = 1;
	if (*nb_rxq > info->max_rx_queues || *nb_rxq > MP_MAX_RX_QUEUES) {
		mp_err("port %u (%s) has %u RX queues, not the %u asked for in ports",
		       port, info->driver_name, info->max_rx_queues, *nb_rxq);
		return -EINVAL;
	}
	return 0;
}

/*
 * Direct ports get a TX queue for every worker id the config allows,
 * capped by what the device offers, so that a reload adding workers
 * needs no port restart; ports that transmit through the primary get
 * the transmitter's one.
 */
int
mp_ports_start(const struct mp_config *cfg, struct rte_mempool *pool,
	       struct mp_shm *shm)
{
	struct rte_eth_dev_info info;
	uint16_t nb_txq = MP_MAX_WORKERS, port_txq, min_txq;
	uint16_t nb_rxq[MP_MAX_PORTS];
	const struct driver_traits *traits[MP_MAX_PORTS];
	const char *driver[MP_MAX_PORTS];	/* the driver's own, static name */
	bool primary = false;
	unsigned int i;
	uint16_t port;
	int rc;

	for (i = 0; i < cfg->nb_ports; i++) {
		port = cfg->ports[i];
		if (!rte_eth_dev_is_valid_port(port)) {
			mp_err("port %u does not exist: %u port(s) were probed "
			       "(add devices with --vdev or -a in eal.args)",
			       port, rte_eth_dev_count_avail());
			return -ENODEV;
		}
		rc = rte_eth_dev_info_get(port, &info);
		if (rc < 0) {
			mp_err("rte_eth_dev_info_get() failed for port %u: %s",
			       port, strerror(-rc));
			return rc;
		}
		traits[i] = traits_of(info.driver_name);
		rc = port_plan(cfg, i, &info, traits[i], &primary, &nb_rxq[i]);
		if (rc < 0)
			return rc;
		shm->port_tx_primary[port] = primary;
		driver[i] = info.driver_name;
		shm->port_frees_in_tx[port] = traits[i]->frees_in_tx;
		if (!primary && info.max_tx_queues < nb_txq)
			nb_txq = info.max_tx_queues;
	}

	for (i = 0; i < RTE_MAX_ETHPORTS; i++)
		shm->peer_port[i] = MP_PORT_NONE;
	/* Room for a few more workers than configured, for reloads. */
	min_txq = RTE_MAX((uint16_t)cfg->workers.nb_instances, (uint16_t)4);
	shm->nb_ports = cfg->nb_ports;
	shm->nb_tx_queues = nb_txq;
	for (i = 0; i < cfg->nb_ports; i++) {
		port = cfg->ports[i];
		shm->ports[i] = port;
		/* Pairs forward to each other; an odd last port echoes back. */
		if ((i ^ 1) < cfg->nb_ports)
			shm->peer_port[port] = cfg->ports[i ^ 1];
		else
			shm->peer_port[port] = port;
		port_txq = traits[i]->queue_pairs ? nb_rxq[i] : shm->port_tx_primary[port] ? 1 : nb_txq;
		rc = port_start(port, nb_rxq[i], &port_txq, min_txq, pool);
		if (rc < 0)
			goto fail;
		shm->port_nb_rxq[i] = (uint16_t)rc;
		mp_info("port %u (%s): %u RX queue(s), transmits %s", port,
			driver[i], shm->port_nb_rxq[i],
			shm->port_tx_primary[port] ? "through the primary (transmitter)" :
						     "directly from the workers");
		if (!shm->port_tx_primary[port])
			shm->nb_tx_queues = RTE_MIN(shm->nb_tx_queues, port_txq);
	}
	return 0;

fail:
	while (i-- > 0)
		rte_eth_dev_stop(cfg->ports[i]);
	return rc;
}

/* Does any configured port transmit through the primary? */
bool
mp_ports_any_primary(const struct mp_config *cfg, const struct mp_shm *shm)
{
	unsigned int i;

	for (i = 0; i < cfg->nb_ports; i++)
		if (shm->port_tx_primary[cfg->ports[i]])
			return true;
	return false;
}

void
mp_ports_stop(const struct mp_config *cfg)
{
	unsigned int i;

	for (i = 0; i < cfg->nb_ports; i++) {
		rte_eth_dev_stop(cfg->ports[i]);
		rte_eth_dev_close(cfg->ports[i]);
	}
}
