/* SPDX-License-Identifier: BSD-3-Clause */
/* The general flow hash; see flow_hash.h for the fast path and the contract. */
#include <netinet/in.h>

#include "flow_hash.h"

const bool mp_flow_l4_has_ports[256] = {
	[IPPROTO_TCP] = true, [IPPROTO_UDP] = true, [IPPROTO_SCTP] = true,
};

/*
 * XOR of source and destination (addresses, ports) is what makes the hash
 * symmetric.  The protocol and, where the first fragment alone carries
 * them, the ports are XORed in, then mixed as in the fast path, so that
 * both paths agree on every packet the fast path takes.
 */
uint32_t
mp_flow_hash_general(const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth;
	uint32_t len = rte_pktmbuf_data_len(m);
	uint32_t h, off, l4 = 0;
	uint8_t proto = 0;

	if (len < sizeof(*eth))
		return 0;
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	off = sizeof(*eth);
	if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4) &&
	    len >= off + sizeof(struct rte_ipv4_hdr)) {
		const struct rte_ipv4_hdr *ip =
			rte_pktmbuf_mtod_offset(m, const void *, off);

		h = ip->src_addr ^ ip->dst_addr;
		proto = ip->next_proto_id;
		if ((ip->fragment_offset & RTE_BE16(MP_FLOW_IPV4_FRAGMENT)) == 0)
			l4 = off + rte_ipv4_hdr_len(ip);
	} else if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV6) &&
		   len >= off + sizeof(struct rte_ipv6_hdr)) {
		const struct rte_ipv6_hdr *ip6 =
			rte_pktmbuf_mtod_offset(m, const void *, off);
		uint32_t w[8];
		unsigned int i;

		/* Addresses are 2-byte aligned behind the Ethernet header. */
		memcpy(w, ip6->src_addr, sizeof(w));	/* src and dst are contiguous */
		h = 0;
		for (i = 0; i < 8; i++)
			h ^= w[i];
		proto = ip6->proto;
		l4 = off + sizeof(*ip6);
	} else {
		const uint16_t *mac = (const uint16_t *)eth;

		h = (uint32_t)(mac[0] ^ mac[3]) << 16 | (mac[1] ^ mac[4]);
		h ^= (uint32_t)(mac[2] ^ mac[5]);
	}
	if (l4 != 0 && mp_flow_l4_has_ports[proto] && len >= l4 + 4) {
		const uint16_t *ports = rte_pktmbuf_mtod_offset(m, const void *, l4);

		h ^= (uint32_t)(ports[0] ^ ports[1]);
	}
	return mp_flow_mix(h ^ proto);
}
