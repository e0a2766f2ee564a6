/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket, an event source: mpctl's requests (control_proto.h)
 * over a Unix stream socket served from the loop.  Each request becomes
 * events for workers, a rollout or a shutdown, and its answer waits for
 * the news the observer brings (mp_control_changed()), so that "stop 3"
 * answers once worker 3 has drained and exited.
 *
 * Anyone the socket's mode lets in is a client, so everything a client
 * controls is bounded: 16 clients, one request line of 4 KiB at a time, a
 * request read in 10 s, and the replies it has not read (a client that
 * never reads is closed, the master's memory does not grow).  Peers are
 * checked once more with SO_PEERCRED: root, the master's own user, or a
 * member of control.group.  A bad request gets one error line, then the
 * connection is closed.
 */
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>
#include <rte_ethdev.h>
#include <rte_ring.h>

#include "control_proto.h"
#include "link.h"
#include "log.h"
#include "supervisor.h"

#define CTL_MAX_CLIENTS 16
#define CTL_READ_MS 10000		/* to send a whole request */
#define CTL_MAX_UNREAD (256 * 1024)	/* bytes of replies not yet read */

enum ctl_wait {
	WAIT_NONE = 0,
	WAIT_STOPPED,		/* stop ID */
	WAIT_RUNNING,		/* start ID */
	WAIT_ROLLOUT,		/* restart, reload: the rollout's end */
	WAIT_EXIT,		/* shutdown: until the connection closes */
};

struct ctl_client {
	uv_pipe_t pipe;
	uv_timer_t timer;
	struct mp_sup *sup;
	bool in_use;
	bool closing;
	bool finishing;			/* closes once its writes are out */
	bool reading;
	unsigned int open_handles;
	unsigned int uid;
	int pid;
	enum ctl_wait wait;
	struct mp_ctl_request req;
	uint64_t ids;			/* the workers a restart waits for */
	size_t len;
	char buf[MP_CTL_MAX_REQUEST];
};

struct ctl_write {
	uv_write_t req;
	struct ctl_client *c;		/* NULL: a refused connection */
	size_t len;
	char data[];
};

static uv_pipe_t server;
static bool server_open;
static struct ctl_client clients[CTL_MAX_CLIENTS];
static gid_t allowed_gid;
static bool have_group;
static dev_t sock_dev;
static ino_t sock_ino;

static void client_read_next(struct ctl_client *c);
static void start_reading(struct ctl_client *c);
static void check_wait(struct ctl_client *c, struct mp_worker *changed,
		       enum mp_worker_state from);

static void
on_client_closed(uv_handle_t *h)
{
	struct ctl_client *c = h->data;

	if (--c->open_handles == 0)
		c->in_use = false;
}

static void
client_close(struct ctl_client *c)
{
	if (c->closing)
		return;
	c->closing = true;
	c->wait = WAIT_NONE;
	uv_close((uv_handle_t *)&c->pipe, on_client_closed);
	uv_close((uv_handle_t *)&c->timer, on_client_closed);
}

static void
on_shutdown(uv_shutdown_t *req, int status)
{
	struct ctl_client *c = req->data;

	free(req);
	client_close(c);
}

/* Close once what was written has gone out. */
static void
client_finish(struct ctl_client *c)
{
	uv_shutdown_t *req;

	if (c->closing || c->finishing)
		return;
	c->finishing = true;
	req = malloc(sizeof(*req));
	if (req != NULL) {
		req->data = c;
		if (uv_shutdown(req, (uv_stream_t *)&c->pipe, on_shutdown) == 0)
			return;
		free(req);
	}
	client_close(c);
}

static void
on_written(uv_write_t *req, int status)
{
	struct ctl_write *w = (struct ctl_write *)req;
	struct ctl_client *c = w->c;

	free(w);
	if (c == NULL || c->closing || c->finishing)
		return;
	if (status < 0) {
		client_close(c);
		return;
	}
	if (c->wait == WAIT_NONE && !c->reading)
		client_read_next(c);
}

/* Queue text and a newline on stream; c is NULL for a refused connection. */
static int
write_line(uv_stream_t *stream, struct ctl_client *c, const char *text)
{
	size_t len = strlen(text);
	struct ctl_write *w;
	uv_buf_t buf;
	int rc;

	if (uv_stream_get_write_queue_size(stream) + len > CTL_MAX_UNREAD)
		return -ENOBUFS;
	w = malloc(sizeof(*w) + len + 1);
	if (w == NULL)
		return -ENOMEM;
	w->c = c;
	w->len = len + 1;
	memcpy(w->data, text, len);
	w->data[len] = '\n';
	buf = uv_buf_init(w->data, (unsigned int)w->len);
	rc = uv_write(&w->req, stream, &buf, 1, on_written);
	if (rc < 0)
		free(w);
	return rc;
}

/* Send obj (which this takes) to c; a client that does not read is closed. */
static void
reply(struct ctl_client *c, json_object *obj)
{
	int rc;

	if (obj == NULL) {
		client_close(c);
		return;
	}
	rc = write_line((uv_stream_t *)&c->pipe, c,
			json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
	json_object_put(obj);
	if (rc == -ENOBUFS)
		mp_warn("control: client pid %d does not read its replies: "
			"closing its connection", c->pid);
	if (rc < 0)
		client_close(c);
}

static json_object *
result(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static json_object *
result(bool ok, const char *fmt, ...)
{
	json_object *obj = json_object_new_object();
	char text[MP_ERR_LEN];
	va_list ap;

	if (obj == NULL)
		return NULL;
	json_object_object_add(obj, "ok", json_object_new_boolean(ok));
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(text, sizeof(text), fmt, ap);
		va_end(ap);
		json_object_object_add(obj, ok ? "message" : "error",
				       json_object_new_string(text));
	}
	return obj;
}

/* End c's request with obj; the next request may follow. */
static void
answer(struct ctl_client *c, json_object *obj)
{
	json_object *ok, *why;

	if (obj != NULL && json_object_object_get_ex(obj, "ok", &ok) &&
	    !json_object_get_boolean(ok) && json_object_object_get_ex(obj, "error", &why))
		mp_warn("control: pid %d: %s refused: %s", c->pid,
			mp_ctl_cmd_name(c->req.cmd), json_object_get_string(why));
	c->wait = WAIT_NONE;
	reply(c, obj);
}

/* Refuse c's request and close: it did not follow the protocol. */
static void
reject(struct ctl_client *c, const char *why)
{
	mp_warn("control: client pid %d: %s", c->pid, why);
	c->wait = WAIT_NONE;
	reply(c, result(false, "%s", why));
	client_finish(c);
}

static void
progress(struct ctl_client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
progress(struct ctl_client *c, const char *fmt, ...)
{
	json_object *obj = json_object_new_object();
	char text[256];
	va_list ap;

	if (obj == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	json_object_object_add(obj, "progress", json_object_new_string(text));
	reply(c, obj);
}

/* v with one decimal, as JSON prints it (json-c would print all 17 digits). */
static json_object *
decimal1(double v)
{
	char text[32];

	snprintf(text, sizeof(text), "%.1f", v);
	return json_object_new_double_s(v, text);
}

static json_object *
worker_status(struct mp_sup *s, struct mp_worker *w, uint64_t now)
{
	json_object *o = json_object_new_object();
	struct rte_ring *ring = s->o->rings[w->id];
	struct mp_worker_slot slot;

	if (o == NULL)
		return NULL;
	mp_sup_worker_snapshot(s->o, w->id, &slot);
	json_object_object_add(o, "id", json_object_new_int((int)w->id));
	json_object_object_add(o, "program", json_object_new_string(slot.program));
	json_object_object_add(o, "state",
			       json_object_new_string(mp_worker_state_name(slot.state)));
	json_object_object_add(o, "pid", json_object_new_int(slot.pid));
	json_object_object_add(o, "lcore", json_object_new_int((int)w->conf.lcore));
	json_object_object_add(o, "cpu", json_object_new_int((int)w->conf.cpu));
	json_object_object_add(o, "restarts", json_object_new_int((int)slot.restarts));
	json_object_object_add(o, "uptime_s", decimal1(
		w->state == MP_W_RUNNING && w->running_ms != 0 ?
		(double)(now - w->running_ms) / 1000.0 : 0.0));
	json_object_object_add(o, "last_exit", json_object_new_string(slot.last_exit));
	/* A stopped worker's last interval is not its rate. */
	json_object_object_add(o, "rx_pps", decimal1(w->proc != NULL ? w->rx_pps : 0));
	json_object_object_add(o, "tx_pps", decimal1(w->proc != NULL ? w->tx_pps : 0));
	json_object_object_add(o, "rx", json_object_new_uint64(slot.stats.rx));
	json_object_object_add(o, "tx", json_object_new_uint64(slot.stats.tx));
	json_object_object_add(o, "drops", json_object_new_uint64(slot.stats.drops));
	json_object_object_add(o, "ring_count",
			       json_object_new_int(ring ? (int)rte_ring_count(ring) : 0));
	json_object_object_add(o, "ring_size",
			       json_object_new_int(ring ? (int)rte_ring_get_capacity(ring) : 0));
	return o;
}

/* The ports in order, each with its device name, link, RX queues and TX path. */
static json_object *
ports_status(const struct mp_sup *s)
{
	const struct mp_shm *shm = s->o->shm;
	json_object *list = json_object_new_array(), *o;
	char name[RTE_ETH_NAME_MAX_LEN];
	struct mp_link link;
	unsigned int i;

	for (i = 0; list != NULL && i < shm->nb_ports && i < MP_MAX_PORTS; i++) {
		o = json_object_new_object();
		if (o == NULL)
			break;
		if (rte_eth_dev_get_name_by_port(shm->ports[i], name) != 0)
			name[0] = '\0';
		mp_link_get(shm->ports[i], &link);
		json_object_object_add(o, "port", json_object_new_int(shm->ports[i]));
		json_object_object_add(o, "name", json_object_new_string(name));
		json_object_object_add(o, "link", json_object_new_string(link.up ? "up" : "down"));
		json_object_object_add(o, "link_speed_mbps",
				       json_object_new_int64(link.speed_mbps));
		json_object_object_add(o, "rx_queues", json_object_new_int(shm->port_nb_rxq[i]));
		json_object_object_add(o, "tx_path", json_object_new_string(
			shm->port_tx_primary[shm->ports[i]] ? "primary" : "direct"));
		json_object_array_add(list, o);
	}
	return list;
}

static json_object *
status(struct mp_sup *s)
{
	json_object *obj = result(true, NULL), *list = json_object_new_array();
	uint64_t now = mp_now_ms();
	bool all = true;
	unsigned int id;

	if (obj == NULL || list == NULL) {
		json_object_put(obj);
		json_object_put(list);
		return NULL;
	}
	for (id = 0; id < MP_MAX_WORKERS; id++) {
		if (!s->w[id].configured)
			continue;
		all = all && s->w[id].state == MP_W_RUNNING;
		json_object_array_add(list, worker_status(s, &s->w[id], now));
	}
	json_object_object_add(obj, "pid", json_object_new_int(getpid()));
	json_object_object_add(obj, "generation",
			       json_object_new_uint64(s->o->shm->generation));
	json_object_object_add(obj, "state", json_object_new_string(
		s->stopping ? "stopping" : s->reloading ? "reloading" : "running"));
	json_object_object_add(obj, "all_running", json_object_new_boolean(all));
	json_object_object_add(obj, "workers", list);
	json_object_object_add(obj, "ports", ports_status(s));
	return obj;
}

/* The worker a request names, or NULL after refusing it. */
static struct mp_worker *
target(struct ctl_client *c)
{
	struct mp_sup *s = c->sup;

	if (s->w[c->req.id].configured)
		return &s->w[c->req.id];
	answer(c, result(false, "worker %d is not in the config", c->req.id));
	return NULL;
}

static const char *
state_name(const struct mp_worker *w)
{
	return mp_worker_state_name(w->state);
}

static void
do_stop(struct ctl_client *c)
{
	struct mp_worker *w = target(c);

	if (w == NULL)
		return;
	if (w->state == MP_W_STOPPED) {
		answer(c, result(true, "worker %u is already stopped", w->id));
		return;
	}
	mp_fsm_apply(w, MP_EV_STOP, NULL);
	if (w->state == MP_W_STOPPED) {
		answer(c, result(true, "worker %u stopped", w->id));
		return;
	}
	c->wait = WAIT_STOPPED;
}

static void
do_start(struct ctl_client *c)
{
	struct mp_worker *w = target(c);

	if (w == NULL)
		return;
	switch (w->state) {
	case MP_W_RUNNING:
		answer(c, result(true, "worker %u is already running (pid %d)",
				 w->id, w->pid));
		return;
	case MP_W_DRAINING:
	case MP_W_STOPPING:
		answer(c, result(false, "worker %u is %s: start it once it has "
				 "stopped", w->id, state_name(w)));
		return;
	case MP_W_BACKOFF:
		/* Now rather than after the backoff, with a new restart count. */
		mp_fsm_apply(w, MP_EV_RESTART, NULL);
		break;
	case MP_W_STOPPED:
	case MP_W_FATAL:
		mp_fsm_apply(w, MP_EV_START, NULL);
		break;
	default:
		break;
	}
	c->wait = WAIT_RUNNING;
}

/* Workers "restart all" takes: those with a process that runs. */
static uint64_t
restartable(const struct mp_sup *s)
{
	uint64_t ids = 0;
	unsigned int id;

	for (id = 0; id < MP_MAX_WORKERS; id++)
		if (s->w[id].configured && (s->w[id].state == MP_W_RUNNING ||
					    s->w[id].state == MP_W_STARTING))
			ids |= UINT64_C(1) << id;
	return ids;
}

static void
do_restart(struct ctl_client *c)
{
	struct mp_sup *s = c->sup;
	struct mp_worker *w;
	uint64_t ids;

	if (c->req.id == MP_CTL_ALL) {
		ids = restartable(s);
		if (ids == 0) {
			answer(c, result(false, "no worker is running"));
			return;
		}
	} else {
		w = target(c);
		if (w == NULL)
			return;
		if (!(restartable(s) & (UINT64_C(1) << w->id))) {
			answer(c, result(false, "worker %u is %s: restart takes a "
					 "running worker (start starts a stopped one)",
					 w->id, state_name(w)));
			return;
		}
		ids = UINT64_C(1) << w->id;
	}
	if (mp_rollout_restart(s, ids) < 0) {
		answer(c, result(false, "a reload or restart is in progress"));
		return;
	}
	c->ids = ids;
	c->wait = WAIT_ROLLOUT;
	check_wait(c, NULL, MP_W_STOPPED);
}

static void
do_reload(struct ctl_client *c)
{
	struct mp_sup *s = c->sup;
	char err[MP_ERR_LEN];
	int rc;

	if (s->reloading) {
		answer(c, result(false, "a reload or restart is in progress"));
		return;
	}
	rc = mp_rollout_reload(s, err, sizeof(err));
	if (rc < 0) {
		answer(c, result(false, "%s", err));
		return;
	}
	c->ids = 0;
	c->wait = WAIT_ROLLOUT;
	check_wait(c, NULL, MP_W_STOPPED);
}

static void
execute(struct ctl_client *c)
{
	struct mp_sup *s = c->sup;
	json_object *obj;
	char line[32];
	int n;

	/* Only what changes something: status may come as fast as asked. */
	if (c->req.cmd == MP_CTL_STATUS) {
		answer(c, status(s));
		return;
	}
	n = mp_ctl_format_request(&c->req, line, sizeof(line));
	mp_info("control: uid %u pid %d: %.*s", c->uid, c->pid, n > 0 ? n - 1 : 0, line);
	if (s->stopping) {
		answer(c, result(false, "the master is stopping"));
		return;
	}
	switch (c->req.cmd) {
	case MP_CTL_STOP:
		do_stop(c);
		break;
	case MP_CTL_START:
		do_start(c);
		break;
	case MP_CTL_RESTART:
		do_restart(c);
		break;
	case MP_CTL_RELOAD:
		do_reload(c);
		break;
	case MP_CTL_SHUTDOWN:
		obj = result(true, "stopping");
		if (obj != NULL)
			json_object_object_add(obj, "pid", json_object_new_int(getpid()));
		c->wait = WAIT_EXIT;
		reply(c, obj);
		mp_shutdown_begin(s, SIGTERM);
		break;
	default:
		break;
	}
}

static void
on_read_timeout(uv_timer_t *timer)
{
	struct ctl_client *c = timer->data;

	reject(c, "no complete request within 10 s");
}

/*
 * Take the next request out of the buffer, or read on.  Only one request
 * is in progress per client, and the next is read only once the previous
 * answer is written: a client cannot queue work or replies.
 */
static void
client_read_next(struct ctl_client *c)
{
	char err[MP_ERR_LEN];
	char *nl;
	size_t used;
	int rc;

	nl = memchr(c->buf, '\n', c->len);
	if (nl == NULL) {
		if (c->len == sizeof(c->buf)) {
			reject(c, "request longer than 4096 bytes");
			return;
		}
		if (!uv_is_active((uv_handle_t *)&c->timer))
			uv_timer_start(&c->timer, on_read_timeout, CTL_READ_MS, 0);
		if (!c->reading)
			start_reading(c);
		return;
	}
	uv_timer_stop(&c->timer);
	used = (size_t)(nl - c->buf) + 1;
	rc = mp_ctl_parse_request(c->buf, used - 1, &c->req, err, sizeof(err));
	memmove(c->buf, c->buf + used, c->len - used);
	c->len -= used;
	if (rc < 0) {
		reject(c, err);
		return;
	}
	execute(c);
}

static void
on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
	struct ctl_client *c = handle->data;

	*buf = uv_buf_init(c->buf + c->len, (unsigned int)(sizeof(c->buf) - c->len));
}

static void
on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
	struct ctl_client *c = stream->data;

	if (nread == 0)
		return;
	if (nread < 0) {
		/* Gone; what it asked for goes on, only the answer is lost. */
		client_close(c);
		return;
	}
	c->len += (size_t)nread;
	if (memchr(c->buf, '\n', c->len) == NULL && c->len < sizeof(c->buf))
		return;
	uv_read_stop(stream);
	c->reading = false;
	client_read_next(c);
}

static void
start_reading(struct ctl_client *c)
{
	c->reading = uv_read_start((uv_stream_t *)&c->pipe, on_alloc, on_read) == 0;
	if (!c->reading)
		client_close(c);
}

/* Is the peer allowed: root, our own user, or a member of control.group? */
static bool
peer_allowed(unsigned int uid, unsigned int gid)
{
	char buf[4096];
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;
	char **m;

	if (uid == 0 || uid == geteuid())
		return true;
	if (!have_group)
		return false;
	if (gid == allowed_gid)
		return true;
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &pwp) != 0 || pwp == NULL)
		return false;
	if (pwp->pw_gid == allowed_gid)
		return true;
	if (getgrgid_r(allowed_gid, &gr, buf, sizeof(buf), &grp) != 0 || grp == NULL)
		return false;
	for (m = grp->gr_mem; *m != NULL; m++)
		if (strcmp(*m, pw.pw_name) == 0)
			return true;
	return false;
}

static void
on_refused_closed(uv_handle_t *h)
{
	free(h);
}

static void
on_refused_written(uv_shutdown_t *req, int status)
{
	uv_close((uv_handle_t *)req->handle, on_refused_closed);
	free(req);
}

/* Tell a connection we cannot serve why, then close it. */
static void
refuse_connection(uv_pipe_t *p, const char *why)
{
	uv_shutdown_t *req = malloc(sizeof(*req));
	json_object *obj = result(false, "%s", why);

	if (obj != NULL)
		write_line((uv_stream_t *)p, NULL,
			   json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
	json_object_put(obj);
	if (req == NULL || uv_shutdown(req, (uv_stream_t *)p, on_refused_written) < 0) {
		free(req);
		uv_close((uv_handle_t *)p, on_refused_closed);
	}
}

static struct ctl_client *
free_client(void)
{
	unsigned int i;

	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		if (!clients[i].in_use)
			return &clients[i];
	return NULL;
}

static void
on_connection(uv_stream_t *srv, int status)
{
	struct mp_sup *s = srv->data;
	struct ctl_client *c = free_client();
	struct ucred cred;
	socklen_t len = sizeof(cred);
	uv_pipe_t *p;
	uv_os_fd_t fd;

	if (status < 0) {
		mp_warn("control: accepting a connection failed: %s", uv_strerror(status));
		return;
	}
	if (c == NULL) {
		p = malloc(sizeof(*p));
		if (p == NULL)
			return;
		uv_pipe_init(&s->loop, p, 0);
		if (uv_accept(srv, (uv_stream_t *)p) < 0) {
			uv_close((uv_handle_t *)p, on_refused_closed);
			return;
		}
		mp_warn("control: %d clients already connected: refusing another",
			CTL_MAX_CLIENTS);
		refuse_connection(p, "too many clients");
		return;
	}
	memset(c, 0, sizeof(*c));
	c->in_use = true;
	c->sup = s;
	p = &c->pipe;
	uv_pipe_init(&s->loop, p, 0);
	uv_timer_init(&s->loop, &c->timer);
	c->pipe.data = c;
	c->timer.data = c;
	c->open_handles = 2;
	if (uv_accept(srv, (uv_stream_t *)p) < 0) {
		client_close(c);
		return;
	}
	if (uv_fileno((uv_handle_t *)p, &fd) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		mp_warn("control: getsockopt(SO_PEERCRED) failed: %s", strerror(errno));
		client_close(c);
		return;
	}
	c->uid = cred.uid;
	c->pid = cred.pid;
	if (!peer_allowed(cred.uid, cred.gid)) {
		reject(c, "permission denied: this user may not control the master");
		return;
	}
	uv_timer_start(&c->timer, on_read_timeout, CTL_READ_MS, 0);
	start_reading(c);
}

/* Has c's wait ended?  Answer it then. */
static void
check_wait(struct ctl_client *c, struct mp_worker *changed,
	   enum mp_worker_state from)
{
	struct mp_sup *s = c->sup;
	struct mp_worker *w = c->req.id >= 0 ? &s->w[c->req.id] : NULL;
	uint64_t failed = 0;
	unsigned int id;

	switch (c->wait) {
	case WAIT_STOPPED:
		if (w->state == MP_W_STOPPED)
			answer(c, result(true, "worker %u stopped", w->id));
		break;
	case WAIT_RUNNING:
		if (w->state == MP_W_RUNNING)
			answer(c, result(true, "worker %u running (pid %d)", w->id, w->pid));
		else if (w->state == MP_W_BACKOFF || w->state == MP_W_FATAL ||
			 w->state == MP_W_STOPPED)
			answer(c, result(false, "worker %u did not start: %s (%s)", w->id,
					 state_name(w), w->slot->last_exit));
		break;
	case WAIT_ROLLOUT:
		if (changed != NULL && (c->ids & (UINT64_C(1) << changed->id)) &&
		    changed->state == MP_W_RUNNING && from != MP_W_RUNNING)
			progress(c, "worker %u running (pid %d)", changed->id, changed->pid);
		if (s->reloading || c->wait != WAIT_ROLLOUT)
			break;
		for (id = 0; id < MP_MAX_WORKERS; id++)
			if ((c->ids & (UINT64_C(1) << id)) && s->w[id].state != MP_W_RUNNING)
				failed |= UINT64_C(1) << id;
		if (failed != 0) {
			id = (unsigned int)__builtin_ctzll(failed);
			answer(c, result(false, "worker %u did not come back: %s (%s)", id,
					 mp_worker_state_name(s->w[id].state),
					 s->w[id].slot->last_exit));
		} else if (c->req.cmd == MP_CTL_RELOAD) {
			answer(c, result(true, "reload applied: generation %" PRIu64,
					 s->o->shm->generation));
		} else {
			answer(c, result(true, "%d worker(s) restarted",
					 __builtin_popcountll(c->ids)));
		}
		break;
	default:
		break;
	}
}

void
mp_control_changed(struct mp_sup *s, struct mp_worker *w,
		   enum mp_worker_state from)
{
	unsigned int i;

	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		if (clients[i].in_use && !clients[i].closing &&
		    clients[i].wait != WAIT_NONE)
			check_wait(&clients[i], w, from);
}

/*
 * A socket file left by a master that died is removed; one that answers
 * belongs to a live master (of another file prefix: ours is held by the
 * pid file and EAL) and is left alone.
 */
static int
clear_stale(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		mp_err("control.socket \"%s\" exists and is not a socket", path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (rc < 0 && errno == ECONNREFUSED) {
		close(fd);
		mp_info("control.socket \"%s\": removing the socket of a master "
			"that is gone", path);
		return unlink(path) < 0 ? -errno : 0;
	}
	close(fd);
	mp_err("control.socket \"%s\" is served by another process", path);
	return -EADDRINUSE;
}

int
mp_control_start(struct mp_sup *s)
{
	const struct mp_config *cfg = s->cfg;
	const char *path = cfg->control.socket;
	char buf[4096];
	struct group gr, *grp = NULL;
	struct stat st;
	mode_t mask;
	int rc;

	have_group = false;
	if (cfg->control.group != NULL) {
		if (getgrnam_r(cfg->control.group, &gr, buf, sizeof(buf), &grp) != 0 ||
		    grp == NULL) {
			mp_err("control.group \"%s\": no such group", cfg->control.group);
			return -ENOENT;
		}
		allowed_gid = grp->gr_gid;
		have_group = true;
	}
	rc = clear_stale(path);
	if (rc < 0)
		goto fail;
	uv_pipe_init(&s->loop, &server, 0);
	server.data = s;
	server_open = true;
	/* Never reachable by others, not even between bind() and chmod(). */
	mask = umask(0177);
	rc = uv_pipe_bind(&server, path);
	umask(mask);
	if (rc < 0) {
		mp_err("uv_pipe_bind() failed for control.socket \"%s\": %s", path,
		       uv_strerror(rc));
		goto fail_close;
	}
	if (have_group && (chown(path, (uid_t)-1, allowed_gid) < 0 ||
			   chmod(path, 0660) < 0)) {
		rc = -errno;
		mp_err("chown()/chmod() failed for control.socket \"%s\" (group "
		       "\"%s\"): %s", path, cfg->control.group, strerror(errno));
		goto fail_close;
	}
	if (stat(path, &st) == 0) {
		sock_dev = st.st_dev;
		sock_ino = st.st_ino;
	}
	rc = uv_listen((uv_stream_t *)&server, CTL_MAX_CLIENTS, on_connection);
	if (rc < 0) {
		mp_err("uv_listen() failed for control.socket \"%s\": %s", path,
		       uv_strerror(rc));
		goto fail_close;
	}
	mp_info("control: listening on %s (mode %s)", path,
		have_group ? "0660" : "0600");
	return 0;

fail_close:
	mp_control_close(s);
fail:
	return rc < 0 ? rc : -EINVAL;
}

void
mp_control_close(struct mp_sup *s)
{
	struct stat st;
	unsigned int i;

	for (i = 0; i < CTL_MAX_CLIENTS; i++) {
		if (!clients[i].in_use || clients[i].closing)
			continue;
		if (clients[i].wait != WAIT_NONE && clients[i].wait != WAIT_EXIT)
			reply(&clients[i], result(false, "the master stopped"));
		/* One that does not read would hold the loop, and the exit. */
		if (uv_stream_get_write_queue_size((uv_stream_t *)&clients[i].pipe) != 0)
			client_close(&clients[i]);
		else
			client_finish(&clients[i]);
	}
	if (!server_open)
		return;
	server_open = false;
	uv_close((uv_handle_t *)&server, NULL);
	/* Only our own file: another master may have replaced it since. */
	if (stat(s->cfg->control.socket, &st) == 0 && st.st_dev == sock_dev &&
	    st.st_ino == sock_ino)
		unlink(s->cfg->control.socket);
}
