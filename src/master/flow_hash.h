/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow hash behind distributor.mode: flow-hash.  Symmetric: both
 * directions of a connection hash alike, so they reach the same worker.
 *
 * The distributor hashes every packet it receives, so the common case
 * (TCP, UDP or SCTP over IPv4 without options, not fragmented) is inline
 * here and takes one branch and two loads of the headers; the rest goes to
 * mp_flow_hash_general(), which computes the same value for that case too.
 */
#ifndef MP_FLOW_HASH_H
#define MP_FLOW_HASH_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_branch_prediction.h>
#include <rte_ether.h>
#include <rte_hash_crc.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

/* True for the IP protocols whose header starts with 16-bit ports. */
extern const bool mp_flow_l4_has_ports[256];

/*
 * The last step of every flow hash: spread the XOR of a flow's fields over
 * all 32 bits, which mp_flow_index() needs.  One CRC32C instruction where
 * the CPU has it; rte_hash_crc chooses at start-up.
 */
static inline uint32_t
mp_flow_mix(uint32_t h)
{
	return rte_hash_crc_4byte(h, 0);
}

/**
 * The flow hash of any frame: IPv4 and IPv6 by addresses, protocol and,
 * for TCP, UDP and SCTP (IPv4: unfragmented), ports; anything else by its
 * MAC addresses.
 *
 * @return the hash; 0 for a frame shorter than an Ethernet header.
 */
uint32_t mp_flow_hash_general(const struct rte_mbuf *m);

/**
 * The flow hash of m's first segment; the same value as
 * mp_flow_hash_general(m), faster for the common case.
 */
static inline uint32_t
mp_flow_hash(const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const void *);
	const struct rte_ipv4_hdr *ip = (const void *)(eth + 1);
	uint64_t addrs;
	uint32_t ports;

	if (unlikely(rte_pktmbuf_data_len(m) < sizeof(*eth) + sizeof(*ip) + 4))
		return mp_flow_hash_general(m);
	/* One branch for four tests: they are almost always all true. */
	if (unlikely((eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4)) |
		     (ip->version_ihl != RTE_IPV4_VHL_DEF) |
		     ((ip->fragment_offset &
		       RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK | RTE_IPV4_HDR_MF_FLAG)) != 0) |
		     !mp_flow_l4_has_ports[ip->next_proto_id]))
		return mp_flow_hash_general(m);
	memcpy(&addrs, &ip->src_addr, sizeof(addrs));	/* dst_addr follows */
	memcpy(&ports, ip + 1, sizeof(ports));
	return mp_flow_mix((uint32_t)(addrs ^ (addrs >> 32)) ^
			   (uint16_t)(ports ^ (ports >> 16)) ^ ip->next_proto_id);
}

/**
 * Map a hash onto 0..n-1 by its high bits: a multiply, not a divide.
 *
 * @return an index below n, or 0 when n is 0.
 */
static inline unsigned int
mp_flow_index(uint32_t h, unsigned int n)
{
	return (unsigned int)(((uint64_t)h * n) >> 32);
}

#endif /* MP_FLOW_HASH_H */
