/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL argument vectors.  The primary and every worker must agree on the file
 * prefix, and lcore ids must be unique across all processes (DPDK indexes
 * per-lcore mempool caches by lcore id), so both vectors are derived from
 * the one config rather than written by hand.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "master.h"

void
mp_strv_free(struct mp_strv *v)
{
	unsigned int i;

	for (i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	v->v = NULL;
	v->n = 0;
}

/* Append a formatted string; the vector stays NULL-terminated. */
static int __attribute__((format(printf, 2, 3)))
strv_addf(struct mp_strv *v, const char *fmt, ...)
{
	char **nv;
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	nv = realloc(v->v, (v->n + 2) * sizeof(*nv));
	if (nv == NULL) {
		free(s);
		return -ENOMEM;
	}
	nv[v->n++] = s;
	nv[v->n] = NULL;
	v->v = nv;
	return 0;
}

/*
 * The primary gets the user's eal.args last so that they can override our
 * choices (for example a more verbose --log-level).
 */
int
mp_eal_primary_argv(const struct mp_config *cfg, const char *argv0,
		    struct mp_strv *out)
{
	unsigned int i;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	rc |= strv_addf(out, "%s", argv0);
	rc |= strv_addf(out, "--proc-type=primary");
	rc |= strv_addf(out, "--file-prefix=%s", cfg->eal.file_prefix);
	if (mp_config_transmitter_own_lcore(cfg))
		rc |= strv_addf(out, "--lcores=%u@%u,%u@%u,%u@%u", cfg->eal.main_lcore,
				cfg->eal.main_cpu, cfg->distributor.lcore,
				cfg->distributor.cpu, cfg->transmitter.lcore,
				cfg->transmitter.cpu);
	else
		rc |= strv_addf(out, "--lcores=%u@%u,%u@%u", cfg->eal.main_lcore,
				cfg->eal.main_cpu, cfg->distributor.lcore,
				cfg->distributor.cpu);
	rc |= strv_addf(out, "--main-lcore=%u", cfg->eal.main_lcore);
	rc |= strv_addf(out, "-m");
	rc |= strv_addf(out, "%u", cfg->eal.memory_mb);
	rc |= strv_addf(out, "--log-level=notice");
	/*
	 * One hugepage file per memseg list instead of one per page: every
	 * secondary opens and maps them all in its rte_eal_init(), and with
	 * fewer files a replacement worker attaches some 15 ms sooner.
	 * Secondaries take the setting from the primary.
	 */
	rc |= strv_addf(out, "--single-file-segments");
#ifdef __SANITIZE_ADDRESS__
	/*
	 * EAL's default hint for its memory (4 GiB) lies inside ASan's shadow,
	 * so a sanitized primary would map it wherever the kernel chooses, an
	 * address an unsanitized secondary (dpdk-proc-info, dpdk-dumpcap)
	 * often has taken already.  Put it above the shadow and below ASan's
	 * own heap at 0x600000000000.
	 */
	rc |= strv_addf(out, "--base-virtaddr=0x140000000000");
#endif
	for (i = 0; i < cfg->eal.args.n; i++)
		rc |= strv_addf(out, "%s", cfg->eal.args.v[i]);
	if (rc != 0) {
		mp_strv_free(out);
		return -ENOMEM;
	}
	return 0;
}

/*
 * Workers never probe devices: the primary owns the ports and secondaries
 * see them through shared memory, so --no-pci is unconditional and the
 * primary's --vdev arguments are not passed on.  Telemetry stays with the
 * primary, which reports for the workers.
 */
int
mp_eal_worker_argv(const struct mp_config *cfg, const char *program,
		   const struct mp_worker_conf *w, struct mp_strv *out)
{
	const struct mp_strv *args;
	unsigned int i;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	rc |= strv_addf(out, "%s", program);
	rc |= strv_addf(out, "--proc-type=secondary");
	rc |= strv_addf(out, "--file-prefix=%s", cfg->eal.file_prefix);
	rc |= strv_addf(out, "--lcores=%u@%u", w->lcore, w->cpu);
	rc |= strv_addf(out, "--main-lcore=%u", w->lcore);
	rc |= strv_addf(out, "--no-pci");
	rc |= strv_addf(out, "--no-telemetry");
	rc |= strv_addf(out, "--log-level=notice");
	rc |= strv_addf(out, "--");
	rc |= strv_addf(out, "-n");
	rc |= strv_addf(out, "%u", w->id);
	args = w->has_args ? &w->args : &cfg->workers.args;
	for (i = 0; i < args->n; i++)
		rc |= strv_addf(out, "%s", args->v[i]);
	if (rc != 0) {
		mp_strv_free(out);
		return -ENOMEM;
	}
	return 0;
}
