/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow hash behind distributor.mode: flow-hash.  Symmetric: both
 * directions of a connection hash alike, so they reach the same worker.
 *
 * The distributor hashes every packet it receives, so the common case
 * (TCP, UDP or SCTP over IPv4 without options, not fragmented) is inline
 * here: one test of the headers, two loads of the addresses and ports.
 * The rest goes to mp_flow_hash_general(), which computes the same value
 * for that case too.
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
#include <rte_vect.h>

/* The bits of fragment_offset that mark a fragment (DF does not). */
#define MP_FLOW_IPV4_FRAGMENT (RTE_IPV4_HDR_OFFSET_MASK | RTE_IPV4_HDR_MF_FLAG)

/* True for the IP protocols whose header starts with 16-bit ports. */
extern const bool mp_flow_l4_has_ports[256];

/*
 * The last step of every flow hash: spread the XOR of a flow's fields over
 * all 32 bits, which mp_flow_index() needs.  One CRC32C instruction where
 * the build targets SSE 4.2 (DPDK's flags do); elsewhere rte_hash_crc,
 * which picks its implementation at start-up.
 */
static inline uint32_t
mp_flow_mix(uint32_t h)
{
#ifdef __SSE4_2__
	return _mm_crc32_u32(0, h);
#else
	return rte_hash_crc_4byte(h, 0);
#endif
}

/*
 * Whether the frame is the fast path's case: IPv4 without options, not
 * fragmented, carrying TCP, UDP or SCTP.  On x86 the Ethernet type, the
 * version and header length and the fragment bits (in bytes 12 to 21 of
 * the frame) are compared in one 16-byte vector, half the instructions of
 * comparing them field by field: the distributor alone went from 0.81 to
 * 0.86 of its round-robin rate with it (bench/distributor.py).
 */
static inline bool
mp_flow_is_fast_case(const struct rte_ether_hdr *eth, const struct rte_ipv4_hdr *ip)
{
#ifdef RTE_ARCH_X86
	const __m128i bytes = _mm_loadu_si128((const void *)&eth->ether_type);
	const __m128i mask = _mm_setr_epi8(-1, -1, -1, 0, 0, 0, 0, 0,
					   (char)(MP_FLOW_IPV4_FRAGMENT >> 8),
					   (char)(MP_FLOW_IPV4_FRAGMENT & 0xff),
					   0, 0, 0, 0, 0, 0);
	const __m128i want = _mm_setr_epi8(RTE_ETHER_TYPE_IPV4 >> 8,
					   RTE_ETHER_TYPE_IPV4 & 0xff,
					   RTE_IPV4_VHL_DEF, 0, 0, 0, 0, 0,
					   0, 0, 0, 0, 0, 0, 0, 0);

	return (_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_and_si128(bytes, mask), want)) == 0xffff) &
	       mp_flow_l4_has_ports[ip->next_proto_id];
#else
	return (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4)) &
	       (ip->version_ihl == RTE_IPV4_VHL_DEF) &
	       ((ip->fragment_offset & RTE_BE16(MP_FLOW_IPV4_FRAGMENT)) == 0) &
	       mp_flow_l4_has_ports[ip->next_proto_id];
#endif
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
	if (unlikely(!mp_flow_is_fast_case(eth, ip)))
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
