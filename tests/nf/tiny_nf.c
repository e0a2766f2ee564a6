/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tests' own network function, written from SPEC.md and mpworker.h
 * only, built against the installed library with pkg-config
 * (tests/nf_library.sh).  It counts what it sees, drops one packet in 8
 * (MPW_DROP), sends another one in 8 to a port that does not exist (which
 * the runtime must drop and count), and lets the rest go the default way.
 *   tiny_nf [EAL args] -- -n ID [--fail-init]
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <mpworker.h>

struct tiny {
	int seen, dropped, misrouted;
	uint64_t n;
};

static struct tiny tiny;

static int
tiny_init(struct mpw_ctx *ctx, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--fail-init") == 0) {
			fprintf(stderr, "tiny_nf: asked to fail in init\n");
			return -ECANCELED;
		}
		fprintf(stderr, "tiny_nf: unknown argument \"%s\"\n", argv[i]);
		return -EINVAL;
	}
	tiny.seen = mpw_counter(ctx, "seen");
	tiny.dropped = mpw_counter(ctx, "dropped");
	tiny.misrouted = mpw_counter(ctx, "misrouted");
	if (tiny.seen < 0 || tiny.dropped < 0 || tiny.misrouted < 0)
		return -EINVAL;
	if (mpw_counter(ctx, "seen") != -EEXIST || mpw_counter(ctx, "bad name") != -EINVAL)
		return -EPROTO;
	mpw_set_state(ctx, &tiny);
	return 0;
}

static void
tiny_burst(struct mpw_ctx *ctx, struct rte_mbuf **pkts, uint16_t *out, uint16_t n)
{
	struct tiny *t = mpw_state(ctx);
	uint16_t i;

	for (i = 0; i < n; i++, t->n++) {
		if (t->n % 8 == 7) {
			out[i] = 99;
			mpw_count(ctx, t->misrouted, 1);
		} else if (t->n % 4 == 3) {
			out[i] = MPW_DROP;
			mpw_count(ctx, t->dropped, 1);
		}
	}
	mpw_count(ctx, t->seen, n);
}

static const struct mpw_nf tiny_nf = {
	.abi = MPW_ABI_VERSION,
	.name = "tiny_nf",
	.init = tiny_init,
	.burst = tiny_burst,
};

int
main(int argc, char **argv)
{
	return mpw_main(argc, argv, &tiny_nf);
}
