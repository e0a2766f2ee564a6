/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the flow hash (src/master/flow_hash.c): frames are built
 * by hand in ordinary memory behind an mbuf header, which is all the hash
 * reads, so no EAL is needed.
 */
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "flow_hash.h"

struct frame {
	struct rte_mbuf mbuf;
	uint8_t buf[RTE_PKTMBUF_HEADROOM + 128];
};

struct flow {
	uint8_t proto;
	uint32_t src, dst;	/* host order */
	uint16_t sport, dport;
};

static void
frame_init(struct frame *f, uint16_t len)
{
	memset(f, 0, sizeof(*f));
	f->mbuf.buf_addr = f->buf;
	f->mbuf.data_off = RTE_PKTMBUF_HEADROOM;
	f->mbuf.data_len = len;
	f->mbuf.pkt_len = len;
}

static uint8_t *
frame_data(struct frame *f)
{
	return rte_pktmbuf_mtod(&f->mbuf, uint8_t *);
}

/* An Ethernet + IPv4 frame of flow, with opt_words words of IP options. */
static struct rte_mbuf *
ipv4_frame(struct frame *f, const struct flow *fl, unsigned int opt_words)
{
	unsigned int ihl = 5 + opt_words;
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	uint16_t *ports;

	frame_init(f, sizeof(*eth) + ihl * 4 + 8 + 18);
	eth = (struct rte_ether_hdr *)frame_data(f);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	ip->version_ihl = (uint8_t)(0x40 | ihl);
	ip->time_to_live = 64;
	ip->next_proto_id = fl->proto;
	ip->src_addr = rte_cpu_to_be_32(fl->src);
	ip->dst_addr = rte_cpu_to_be_32(fl->dst);
	ports = (uint16_t *)((uint8_t *)ip + ihl * 4);
	ports[0] = rte_cpu_to_be_16(fl->sport);
	ports[1] = rte_cpu_to_be_16(fl->dport);
	return &f->mbuf;
}

/* The flow hash of a frame of fl with opt_words words of IP options. */
static uint32_t
hash_of(const struct flow *fl, unsigned int opt_words)
{
	struct frame f;

	return mp_flow_hash(ipv4_frame(&f, fl, opt_words));
}

static struct flow
reversed(const struct flow *fl)
{
	return (struct flow){ .proto = fl->proto, .src = fl->dst, .dst = fl->src,
			      .sport = fl->dport, .dport = fl->sport };
}

static const struct flow udp = {
	.proto = IPPROTO_UDP, .src = RTE_IPV4(10, 0, 0, 1),
	.dst = RTE_IPV4(10, 1, 0, 1), .sport = 1024, .dport = 4789,
};

START_TEST(test_fast_path_agrees_with_general_parser_for_udp_and_tcp)
{
	struct frame fu, ft;
	struct flow tcp = udp;
	struct rte_mbuf *mu, *mt;

	tcp.proto = IPPROTO_TCP;
	mu = ipv4_frame(&fu, &udp, 0);
	mt = ipv4_frame(&ft, &tcp, 0);
	ck_assert_uint_eq(mp_flow_hash(mu), mp_flow_hash_general(mu));
	ck_assert_uint_eq(mp_flow_hash(mt), mp_flow_hash_general(mt));
	ck_assert_uint_ne(mp_flow_hash(mt), mp_flow_hash(mu));
}
END_TEST

START_TEST(test_both_directions_of_a_flow_hash_alike)
{
	struct flow back = reversed(&udp);

	ck_assert_uint_eq(hash_of(&back, 0), hash_of(&udp, 0));
}
END_TEST

START_TEST(test_ip_options_do_not_move_a_flow)
{
	ck_assert_uint_eq(hash_of(&udp, 2), hash_of(&udp, 0));
}
END_TEST

START_TEST(test_different_ports_are_different_flows)
{
	struct flow other = udp;

	other.sport++;
	ck_assert_uint_ne(hash_of(&other, 0), hash_of(&udp, 0));
}
END_TEST

/* A first fragment (MF) and a later one (offset) hash alike, without ports. */
START_TEST(test_fragments_hash_by_addresses_only)
{
	const uint16_t frag[] = { RTE_IPV4_HDR_MF_FLAG, 100 };
	struct flow other = udp;
	struct rte_ipv4_hdr *ip;
	struct rte_mbuf *m;
	struct frame f;
	uint32_t h = 0;
	unsigned int i;

	for (i = 0; i < RTE_DIM(frag); i++) {
		m = ipv4_frame(&f, i == 0 ? &udp : &other, 0);
		ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
					     sizeof(struct rte_ether_hdr));
		ip->fragment_offset = rte_cpu_to_be_16(frag[i]);
		if (i == 0)
			h = mp_flow_hash(m);
		else
			ck_assert_uint_eq(mp_flow_hash(m), h);
		ck_assert_uint_eq(mp_flow_hash_general(m), h);
		other.sport++;
	}
}
END_TEST

/* DF is not a fragment: the ports still count, as in the fast path. */
START_TEST(test_dont_fragment_flag_keeps_the_fast_path)
{
	struct rte_ipv4_hdr *ip;
	struct rte_mbuf *m;
	struct frame f;
	uint32_t h;

	h = hash_of(&udp, 0);
	m = ipv4_frame(&f, &udp, 0);
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ck_assert_uint_eq(mp_flow_hash(m), h);
	ck_assert_uint_eq(mp_flow_hash_general(m), h);
}
END_TEST

START_TEST(test_protocols_without_ports_hash_by_addresses)
{
	struct flow a = udp, b = udp;

	a.proto = b.proto = IPPROTO_ICMP;
	b.sport++;
	ck_assert_uint_eq(hash_of(&b, 0), hash_of(&a, 0));
}
END_TEST

START_TEST(test_ipv6_directions_hash_alike)
{
	struct rte_ether_hdr *eth;
	struct rte_ipv6_hdr *ip6;
	struct frame f;
	uint16_t *ports;
	uint32_t h = 0;
	int dir;

	for (dir = 0; dir < 2; dir++) {
		frame_init(&f, sizeof(*eth) + sizeof(*ip6) + 8 + 18);
		eth = (struct rte_ether_hdr *)frame_data(&f);
		eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
		ip6 = (struct rte_ipv6_hdr *)(eth + 1);
		ip6->proto = IPPROTO_TCP;
		memset(dir ? ip6->dst_addr : ip6->src_addr, 0x11, 16);
		memset(dir ? ip6->src_addr : ip6->dst_addr, 0x22, 16);
		ports = (uint16_t *)(ip6 + 1);
		ports[dir] = RTE_BE16(443);
		ports[!dir] = RTE_BE16(50000);
		if (dir == 0)
			h = mp_flow_hash(&f.mbuf);
		else
			ck_assert_uint_eq(mp_flow_hash(&f.mbuf), h);
	}
}
END_TEST

START_TEST(test_runt_frame_hashes_to_zero)
{
	struct frame f;

	frame_init(&f, sizeof(struct rte_ether_hdr) - 1);
	ck_assert_uint_eq(mp_flow_hash(&f.mbuf), 0);
}
END_TEST

/*
 * 4096 flows that differ only in the client's port, as from one host,
 * spread over 2, 3 and 4 workers within 10% of an even share.
 */
START_TEST(test_flows_of_one_host_spread_evenly_over_workers)
{
	unsigned int n, i, count[4], nflows = 4096;
	struct flow fl = udp;

	for (n = 2; n <= 4; n++) {
		memset(count, 0, sizeof(count));
		for (i = 0; i < nflows; i++) {
			fl.sport = (uint16_t)(20000 + i);
			count[mp_flow_index(hash_of(&fl, 0), n)]++;
		}
		for (i = 0; i < n; i++) {
			ck_assert_uint_ge(count[i], nflows / n * 9 / 10);
			ck_assert_uint_le(count[i], nflows / n * 11 / 10);
		}
	}
}
END_TEST

START_TEST(test_index_covers_zero_to_n_minus_one)
{
	ck_assert_uint_eq(mp_flow_index(0, 3), 0);
	ck_assert_uint_eq(mp_flow_index(UINT32_MAX, 3), 2);
	ck_assert_uint_eq(mp_flow_index(UINT32_MAX, 1), 0);
	ck_assert_uint_eq(mp_flow_index(UINT32_MAX, 0), 0);
}
END_TEST

static Suite *
flow_hash_suite(void)
{
	Suite *s = suite_create("flow_hash");
	TCase *tc = tcase_create("hash");

	tcase_add_test(tc, test_fast_path_agrees_with_general_parser_for_udp_and_tcp);
	tcase_add_test(tc, test_both_directions_of_a_flow_hash_alike);
	tcase_add_test(tc, test_ip_options_do_not_move_a_flow);
	tcase_add_test(tc, test_different_ports_are_different_flows);
	tcase_add_test(tc, test_fragments_hash_by_addresses_only);
	tcase_add_test(tc, test_dont_fragment_flag_keeps_the_fast_path);
	tcase_add_test(tc, test_protocols_without_ports_hash_by_addresses);
	tcase_add_test(tc, test_ipv6_directions_hash_alike);
	tcase_add_test(tc, test_runt_frame_hashes_to_zero);
	tcase_add_test(tc, test_flows_of_one_host_spread_evenly_over_workers);
	tcase_add_test(tc, test_index_covers_zero_to_n_minus_one);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(flow_hash_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
