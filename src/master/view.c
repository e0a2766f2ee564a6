/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The periodic stats view: a table redrawn in place when the master's
 * stderr is a terminal (an operator watching), one compact log line per
 * interval otherwise (a log file or journal).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "human.h"
#include "log.h"
#include "master.h"

/* "up 10G", "up", "down": a port's link in the table. */
static const char *
link_text(const struct mp_view_port *p, char *buf, size_t len)
{
	if (!p->link_up)
		return "down";
	if (p->link_speed_mbps == 0)
		return "up";
	if (p->link_speed_mbps % 1000 == 0)
		snprintf(buf, len, "up %uG", p->link_speed_mbps / 1000);
	else
		snprintf(buf, len, "up %uM", p->link_speed_mbps);
	return buf;
}

/* The line names the ports whose link is down, none while all are up. */
static void
print_line(const struct mp_view *v)
{
	char line[1024];
	size_t len;
	unsigned int i;

	len = (size_t)snprintf(line, sizeof(line),
			       "stats: ports rx %.0f pps tx %.0f pps | dist drops %.0f/s",
			       v->rx_pps, v->tx_pps, v->dist_drop_pps);
	for (i = 0; i < v->nb_workers && len < sizeof(line); i++)
		len += (size_t)snprintf(line + len, sizeof(line) - len,
					" | w%u %s rx %.0f pps drops %.0f/s%s%s",
					v->workers[i].id, v->workers[i].state,
					v->workers[i].rx_pps, v->workers[i].drop_pps,
					v->workers[i].counters[0] ? " " : "",
					v->workers[i].counters);
	for (i = 0; i < v->nb_ports && len < sizeof(line); i++)
		if (!v->ports[i].link_up)
			len += (size_t)snprintf(line + len, sizeof(line) - len,
						" | port %u link down", v->ports[i].id);
	mp_info("%s", line);
}

/*
 * The table is one write.  If nothing was logged since the last table, the
 * cursor moves back up over it and it is redrawn in place; otherwise it is
 * drawn below the new log lines.
 */
static void
print_table(const struct mp_view *v)
{
	static unsigned long last_log_lines = (unsigned long)-1;
	static unsigned int last_rows;
	char buf[8192], a[16], b[16], c[16], l[16];
	size_t len = 0;
	unsigned int i, rows = 0;

#define OUT(...)							\
	do {								\
		if (len < sizeof(buf))					\
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, \
						__VA_ARGS__);		\
	} while (0)

	if (last_log_lines == mp_log_lines() && last_rows != 0)
		OUT("\033[%uA", last_rows);
	OUT("\033[J\033[1mmpmaster\033[0m  generation %" PRIu64 "  %s  "
	    "ports rx %s pps  tx %s pps  distributor drops %s/s\n",
	    v->generation, v->mode, mp_human(v->rx_pps, a, sizeof(a)),
	    mp_human(v->tx_pps, b, sizeof(b)), mp_human(v->dist_drop_pps, c, sizeof(c)));
	OUT("  %-4s %-9s %8s %9s %8s %10s %10s %10s  %s\n", "id", "state", "pid",
	    "lcore@cpu", "restarts", "rx pps", "tx pps", "drops/s", "counters");
	rows += 2;
	for (i = 0; i < v->nb_workers; i++) {
		const struct mp_view_worker *w = &v->workers[i];
		char where[24];

		snprintf(where, sizeof(where), "%u@%u", w->lcore, w->cpu);
		OUT("  %-4u %-9s %8d %9s %8u %10s %10s %10s  %s\n", w->id, w->state,
		    w->pid, where, w->restarts, mp_human(w->rx_pps, a, sizeof(a)),
		    mp_human(w->tx_pps, b, sizeof(b)), mp_human(w->drop_pps, c, sizeof(c)),
		    w->counters);
		rows++;
	}
	for (i = 0; i < v->nb_ports; i++) {
		OUT("  port %-3u rx %10s pps  tx %10s pps  link %s\n", v->ports[i].id,
		    mp_human(v->ports[i].rx_pps, a, sizeof(a)),
		    mp_human(v->ports[i].tx_pps, b, sizeof(b)),
		    link_text(&v->ports[i], l, sizeof(l)));
		rows++;
	}
#undef OUT
	if (len > sizeof(buf))
		len = sizeof(buf);
	if (write(STDERR_FILENO, buf, len) < 0)
		return;
	last_rows = rows;
	last_log_lines = mp_log_lines();
}

void
mp_view_print(const struct mp_view *v, bool table)
{
	if (table)
		print_table(v);
	else
		print_line(v);
}
