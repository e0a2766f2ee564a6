/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GET /metrics on metrics.listen, served by libmicrohttpd from the
 * supervisor's libuv loop: the daemon runs without a thread of its own,
 * in epoll mode, and its epoll descriptor is one more handle of the loop
 * (a uv_poll_t), with a uv_timer_t for the timeouts MHD asks for (and a
 * uv_idle_t for those of 0 ms, see metrics_run()).  So the
 * page is rendered on the loop thread, from the supervisor's own data,
 * with no second reader of the worker table.
 *
 * An outsider controls every byte that arrives, so everything is bounded:
 * connections at once, the memory of each (headers and all: a request
 * that does not fit gets an error and the connection is closed), and how
 * long one may stay silent.  A client that trickles bytes in holds one
 * connection of MP_METRICS_MAX_CONNECTIONS and nothing else: MHD reads
 * without blocking, so the loop and every other client go on.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "log.h"
#include "supervisor.h"

#define MP_METRICS_MAX_CONNECTIONS 64
#define MP_METRICS_TIMEOUT_S 10		/* idle connections are closed */
#define MP_METRICS_CONN_MEMORY (32 * 1024)	/* a connection's buffers */
/* MHD's complaints about clients are logged at most this often. */
#define MP_METRICS_LOG_GAP_MS 10000

#define MP_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct mp_metrics {
	struct mp_sup *sup;
	struct MHD_Daemon *daemon;
	uv_poll_t poll;			/* MHD's epoll descriptor */
	uv_timer_t timer;		/* MHD_get_timeout() */
	uv_idle_t again;		/* a timeout of 0: run on the next iteration */
	bool starting;			/* inside MHD_start_daemon() */
	char start_err[256];		/* what MHD said while starting */
	uint64_t log_ms;		/* when a message of MHD's was last logged */
	unsigned int log_suppressed;	/* messages not logged since */
};

/* One server per master, like its loop; loop thread only. */
static struct mp_metrics metrics;

/*
 * A warning about serving, at most one per MP_METRICS_LOG_GAP_MS: most are
 * about clients, and a flood of clients must not become a flood of log
 * lines.  The next one logged says how many were left out.
 */
static void __attribute__((format(printf, 2, 3)))
metrics_warn(struct mp_metrics *m, const char *fmt, ...)
{
	uint64_t now = mp_now_ms();
	char what[256];
	va_list ap;

	if (m->log_ms != 0 && now - m->log_ms < MP_METRICS_LOG_GAP_MS) {
		m->log_suppressed++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (m->log_suppressed != 0)
		mp_warn("metrics: %s (and %u more messages not logged)", what,
			m->log_suppressed);
	else
		mp_warn("metrics: %s", what);
	m->log_ms = now;
	m->log_suppressed = 0;
}

/*
 * MHD's error log.  While it starts, its first message is the cause of a
 * failure (the bind's), kept for the one line that reports it.
 */
static void __attribute__((format(printf, 2, 0)))
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct mp_metrics *m = cls;
	char line[256];
	size_t n;

	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '.'))
		line[--n] = '\0';
	if (!m->starting)
		metrics_warn(m, "libmicrohttpd: %s", line);
	else if (m->start_err[0] == '\0')
		snprintf(m->start_err, sizeof(m->start_err), "%s", line);
}

static enum MHD_Result
reply(struct MHD_Connection *c, unsigned int status, const char *text,
      const char *allow)
{
	struct MHD_Response *r;
	enum MHD_Result rc;

	r = MHD_create_response_from_buffer(strlen(text), (void *)text,
					    MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/plain; charset=utf-8");
	if (allow != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

/*
 * Every request, on its first call (headers complete): the answer is
 * queued at once, so a body, if any, is never read and never stored.
 */
static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
	   const char *method, const char *version, const char *upload_data,
	   size_t *upload_data_size, void **req_cls)
{
	struct mp_metrics *m = cls;
	struct mp_metrics_buf text;
	struct MHD_Response *r;
	enum MHD_Result rc;
	int err;

	if (strcmp(url, "/metrics") != 0)
		return reply(c, MHD_HTTP_NOT_FOUND, "not found: this server has /metrics only\n",
			     NULL);
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED,
			     "method not allowed: GET or HEAD\n", "GET, HEAD");
	err = mp_metrics_render(m->sup, &text);
	if (err < 0) {
		metrics_warn(m, "rendering /metrics failed: %s", strerror(-err));
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
			     "rendering the metrics failed\n", NULL);
	}
	r = MHD_create_response_from_buffer(text.len, text.p, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(text.p);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, MP_METRICS_CONTENT_TYPE);
	rc = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return rc;
}

static void on_timer(uv_timer_t *timer);
static void on_again(uv_idle_t *idle);

/*
 * Let MHD do what is due (accept, read, answer, time out), then wake
 * again when it says.  It says 0 ms while a connection it watches
 * edge-triggered may still have data it has not read: that is an idle
 * handle, run once per loop iteration (after the timers; the poll for
 * I/O then does not block), not a timer of 0 ms, which libuv 1.44 runs
 * again and again within one iteration when its callback re-arms it,
 * starving every other handle.
 */
static void
metrics_run(struct mp_metrics *m)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (MHD_run(m->daemon) != MHD_YES)
		metrics_warn(m, "MHD_run() failed");
	if (MHD_get_timeout(m->daemon, &ms) != MHD_YES) {
		uv_timer_stop(&m->timer);
		uv_idle_stop(&m->again);
	} else if (ms == 0) {
		uv_timer_stop(&m->timer);
		uv_idle_start(&m->again, on_again);
	} else {
		uv_idle_stop(&m->again);
		uv_timer_start(&m->timer, on_timer, ms, 0);
	}
}

static void
on_timer(uv_timer_t *timer)
{
	metrics_run(timer->data);
}

static void
on_again(uv_idle_t *idle)
{
	metrics_run(idle->data);
}

static void
on_poll(uv_poll_t *poll, int status, int events)
{
	struct mp_metrics *m = poll->data;

	if (status < 0)
		metrics_warn(m, "polling MHD's epoll descriptor: %s", uv_strerror(status));
	metrics_run(m);
}

int
mp_metrics_start(struct mp_sup *s)
{
	const struct mp_config *cfg = s->cfg;
	const union MHD_DaemonInfo *info;
	struct mp_metrics *m = &metrics;
	unsigned int flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	uint16_t port;
	int rc, err;

	if (cfg->metrics.listen == NULL)
		return 0;
	memset(m, 0, sizeof(*m));
	m->sup = s;
	if (cfg->metrics.addr.ss_family == AF_INET6) {
		flags |= MHD_USE_IPv6;
		port = ntohs(((const struct sockaddr_in6 *)&cfg->metrics.addr)->sin6_port);
	} else {
		port = ntohs(((const struct sockaddr_in *)&cfg->metrics.addr)->sin_port);
	}
	m->starting = true;
	errno = 0;
	m->daemon = MHD_start_daemon(flags, port, NULL, NULL, on_request, m,
			/* First, so that MHD says nothing on its own stderr. */
			MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, m,
			MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&cfg->metrics.addr,
			MHD_OPTION_CONNECTION_LIMIT, (unsigned int)MP_METRICS_MAX_CONNECTIONS,
			MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)MP_METRICS_TIMEOUT_S,
			MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)MP_METRICS_CONN_MEMORY,
			MHD_OPTION_END);
	err = errno;	/* often the bind's; the log line says more */
	m->starting = false;
	if (m->daemon == NULL) {
		mp_err("metrics.listen %s: cannot serve /metrics: %s", cfg->metrics.listen,
		       m->start_err[0] ? m->start_err : "MHD_start_daemon() failed");
		return err > 0 ? -err : -EIO;
	}
	info = MHD_get_daemon_info(m->daemon, MHD_DAEMON_INFO_EPOLL_FD);
	if (info == NULL) {
		mp_err("metrics.listen %s: MHD_get_daemon_info(MHD_DAEMON_INFO_EPOLL_FD) failed",
		       cfg->metrics.listen);
		MHD_stop_daemon(m->daemon);
		m->daemon = NULL;
		return -EIO;
	}
	rc = uv_poll_init(&s->loop, &m->poll, info->epoll_fd);
	if (rc < 0) {
		mp_err("metrics.listen %s: uv_poll_init() failed for MHD's epoll descriptor: %s",
		       cfg->metrics.listen, uv_strerror(rc));
		MHD_stop_daemon(m->daemon);
		m->daemon = NULL;
		return rc;
	}
	m->poll.data = m;
	uv_timer_init(&s->loop, &m->timer);
	m->timer.data = m;
	uv_idle_init(&s->loop, &m->again);
	m->again.data = m;
	uv_poll_start(&m->poll, UV_READABLE, on_poll);
	mp_info("metrics: serving http://%s/metrics", cfg->metrics.listen);
	return 0;
}

/*
 * Closing the poll handle stops libuv's watch of the descriptor at once,
 * so MHD may close it right after; the handles live in metrics, which
 * outlives the loop, so their close callbacks need to free nothing.
 */
void
mp_metrics_stop(struct mp_sup *s)
{
	struct mp_metrics *m = &metrics;

	if (m->daemon == NULL)
		return;
	uv_close((uv_handle_t *)&m->poll, NULL);
	uv_close((uv_handle_t *)&m->timer, NULL);
	uv_close((uv_handle_t *)&m->again, NULL);
	MHD_stop_daemon(m->daemon);
	m->daemon = NULL;
}
