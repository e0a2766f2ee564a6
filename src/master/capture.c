/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet capture for the stock tools.  dpdk-dumpcap and dpdk-pdump ask the
 * primary, over EAL's IPC, to add an RX callback on each captured queue;
 * the callback copies every received packet into a mempool and ring the
 * tool owns.  When the capture ends, librte_pdump removes the callback and
 * answers the tool, which then frees that mempool.  But removing an ethdev
 * callback only unlinks it: the distributor may be inside it at that very
 * moment, and DPDK leaves it to the application to wait for such users
 * before the memory goes away.  DPDK 22.11's pdump does not wait, and the
 * distributor then crashed copying into a freed mempool (about one capture
 * in ten at full rate).
 *
 * mpmaster therefore links librte_pdump statically and has the linker
 * route its rte_eth_remove_rx_callback() calls here (-Wl,--wrap): the
 * callback is unlinked, then the distributor passes a quiescent point,
 * and only then does pdump answer the tool.
 *
 * Adding a callback is wrapped too, for the tool's mempool cache.  The
 * callback allocates its copies from the tool's pool on the distributor's
 * lcore, hence from that lcore's cache of the pool, and the tool frees the
 * copies from its own process on its own lcore.  dpdk-dumpcap takes no
 * EAL lcore options: its lcore id is the first CPU of its affinity, so
 * "taskset -c 1 dpdk-dumpcap" runs on lcore 1, the distributor's by
 * default.  Two threads then used one cache without a lock; the capture
 * pool lost and duplicated mbufs, and dumpcap stopped early on "pcapng
 * file write failed" within a few ten thousand packets.  So before the
 * first callback of a capture is added, the distributor lcore's cache is
 * turned off in every mempool but the packet pool: both sides then go
 * straight to the pool's multi-producer ring, whatever lcore the tool
 * claims.  This is race-free because the tool has not used its pool
 * before it asked for the capture.
 *
 * Only RX is wrapped: the master transmits nothing, so the TX callbacks
 * pdump installs in this process never run.  Workers transmit from their
 * own processes, whose callback lists pdump does not touch.
 */
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mempool.h>
#include <rte_pdump.h>

#include "log.h"
#include "master.h"
#include "pool.h"

/* One distributor iteration is a few microseconds; this is generous. */
#define MP_CAPTURE_QUIESCE_MS 1000

static unsigned int capture_dist_lcore;
static const struct rte_mempool *capture_packet_pool;

const struct rte_eth_rxtx_callback *
__real_rte_eth_add_first_rx_callback(uint16_t port_id, uint16_t queue_id,
				     rte_rx_callback_fn fn, void *user_param);
const struct rte_eth_rxtx_callback *
__wrap_rte_eth_add_first_rx_callback(uint16_t port_id, uint16_t queue_id,
				     rte_rx_callback_fn fn, void *user_param);
int __real_rte_eth_remove_rx_callback(uint16_t port_id, uint16_t queue_id,
				      const struct rte_eth_rxtx_callback *user_cb);
int __wrap_rte_eth_remove_rx_callback(uint16_t port_id, uint16_t queue_id,
				      const struct rte_eth_rxtx_callback *user_cb);

static void
tool_cache_off(struct rte_mempool *mp, void *arg)
{
	(void)arg;
	if (mp != capture_packet_pool && mp->cache_size != 0)
		mp_pool_cache_off(&mp->local_cache[capture_dist_lcore]);
}

const struct rte_eth_rxtx_callback *
__wrap_rte_eth_add_first_rx_callback(uint16_t port_id, uint16_t queue_id,
				     rte_rx_callback_fn fn, void *user_param)
{
	rte_mempool_walk(tool_cache_off, NULL);
	return __real_rte_eth_add_first_rx_callback(port_id, queue_id, fn,
						    user_param);
}

int
__wrap_rte_eth_remove_rx_callback(uint16_t port_id, uint16_t queue_id,
				  const struct rte_eth_rxtx_callback *user_cb)
{
	int rc;

	rc = __real_rte_eth_remove_rx_callback(port_id, queue_id, user_cb);
	if (rc == 0 && mp_dist_quiesce(MP_CAPTURE_QUIESCE_MS) < 0)
		mp_warn("the distributor did not pass a quiescent point within "
			"%u ms after an RX callback of port %u queue %u was "
			"removed: a capture tool may free memory it still uses",
			MP_CAPTURE_QUIESCE_MS, port_id, queue_id);
	return rc;
}

void
mp_capture_init(unsigned int dist_lcore, const struct rte_mempool *packet_pool)
{
	capture_dist_lcore = dist_lcore;
	capture_packet_pool = packet_pool;
	if (rte_pdump_init() < 0)
		mp_warn("rte_pdump_init() failed: %s (dpdk-dumpcap and "
			"dpdk-pdump will not work)", rte_strerror(rte_errno));
}

void
mp_capture_uninit(void)
{
	rte_pdump_uninit();
}
