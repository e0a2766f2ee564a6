/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mpctl: control a running mpmaster over its control socket, as
 * supervisorctl does supervisord.  It finds the socket in the master's
 * config file (only there: the file may be mid-edit, mpctl reload is how
 * its errors are reported), sends one request (control_proto.h) and
 * prints the answer: progress lines as they come, then the result.
 *
 * Exit codes: 0 done; 1 refused, failed, or a usage error; 2 no master
 * runs for that config; 3 status: not every configured worker is running
 * (the LSB status convention).
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "config.h"
#include "control_proto.h"
#include "human.h"

#define EXIT_REFUSED 1
#define EXIT_NO_MASTER 2
#define EXIT_NOT_RUNNING 3
#define MAX_REPLY (1024 * 1024)	/* bytes of one reply line */

static const char *prog = "mpctl";

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: %s -c FILE [-w SECONDS] COMMAND\n"
		"commands:\n"
		"  status [--json]   one row per worker and per port (its link); exit 3\n"
		"                    unless all workers run\n"
		"  restart ID|all    drain and replace, one at a time\n"
		"  stop ID           drain and stop; stays stopped until start or a reload\n"
		"  start ID          start a stopped or fatal worker\n"
		"  reload            as SIGHUP, with the result\n"
		"  shutdown          as SIGTERM; waits until the master has exited\n"
		"options:\n"
		"  -c, --config FILE    the master's config (finds control.socket)\n"
		"  -w, --wait SECONDS   give up waiting after this (default 120)\n"
		"  -h, --help\n", prog);
}

static int
fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
fail(int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Connect to path; returns the fd or -errno. */
static int
connect_master(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}

struct reader {
	int fd;
	int64_t deadline;
	size_t len;
	char *buf;
};

/*
 * The next line of the answer, NUL-terminated in r->buf, as a JSON object
 * (the caller puts it), or NULL with *code set: EOF, a timeout, garbage.
 */
static json_object *
next_reply(struct reader *r, size_t *consumed, int *code)
{
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
	json_object *obj;
	ssize_t n;
	char *nl;
	int64_t left;

	for (;;) {
		nl = r->len ? memchr(r->buf, '\n', r->len) : NULL;
		if (nl != NULL)
			break;
		if (r->len == MAX_REPLY) {
			*code = fail(EXIT_REFUSED, "an answer longer than %d bytes", MAX_REPLY);
			return NULL;
		}
		left = r->deadline - now_ms();
		if (left <= 0) {
			*code = fail(EXIT_REFUSED, "no answer in time (see -w)");
			return NULL;
		}
		n = poll(&pfd, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			continue;
		n = read(r->fd, r->buf + r->len, MAX_REPLY - r->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*code = fail(EXIT_REFUSED, "the master closed the connection%s%s",
				     n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
			return NULL;
		}
		r->len += (size_t)n;
	}
	*nl = '\0';
	*consumed = (size_t)(nl - r->buf) + 1;
	obj = json_tokener_parse(r->buf);
	if (obj == NULL || !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		*code = fail(EXIT_REFUSED, "the master answered garbage");
		return NULL;
	}
	return obj;
}

static void
reader_consume(struct reader *r, size_t n)
{
	memmove(r->buf, r->buf + n, r->len - n);
	r->len -= n;
}

static const char *
get_str(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

static int64_t
get_int(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

static double
get_double(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_double(v) : 0;
}

static const char *
duration(double s, char *buf, size_t len)
{
	unsigned long t = (unsigned long)s;

	if (s <= 0)
		snprintf(buf, len, "-");
	else if (t < 60)
		snprintf(buf, len, "%.1fs", s);
	else if (t < 3600)
		snprintf(buf, len, "%lum%02lus", t / 60, t % 60);
	else if (t < 86400)
		snprintf(buf, len, "%luh%02lum", t / 3600, t / 60 % 60);
	else
		snprintf(buf, len, "%lud%02luh", t / 86400, t / 3600 % 24);
	return buf;
}

static void
print_status(json_object *st)
{
	json_object *list, *w;
	char lc[24], up[24], rx[16], tx[16], ring[32];
	size_t i, n;

	printf("master pid %lld, generation %lld, %s\n", (long long)get_int(st, "pid"),
	       (long long)get_int(st, "generation"), get_str(st, "state"));
	printf("%-3s %-16s %-9s %-8s %-10s %8s %8s %-20s %8s %8s %8s %11s\n",
	       "ID", "PROGRAM", "STATE", "PID", "LCORE@CPU", "RESTARTS", "UPTIME",
	       "LAST EXIT", "RX PPS", "TX PPS", "DROPS", "RING");
	if (!json_object_object_get_ex(st, "workers", &list))
		return;
	n = json_object_array_length(list);
	for (i = 0; i < n; i++) {
		w = json_object_array_get_idx(list, i);
		snprintf(lc, sizeof(lc), "%lld@%lld", (long long)get_int(w, "lcore"),
			 (long long)get_int(w, "cpu"));
		snprintf(ring, sizeof(ring), "%lld/%lld", (long long)get_int(w, "ring_count"),
			 (long long)get_int(w, "ring_size"));
		printf("%-3lld %-16.16s %-9s %-8lld %-10s %8lld %8s %-20.20s %8s %8s %8lld %11s\n",
		       (long long)get_int(w, "id"), get_str(w, "program"), get_str(w, "state"),
		       (long long)get_int(w, "pid"), lc, (long long)get_int(w, "restarts"),
		       duration(get_double(w, "uptime_s"), up, sizeof(up)),
		       *get_str(w, "last_exit") ? get_str(w, "last_exit") : "-",
		       mp_human(get_double(w, "rx_pps"), rx, sizeof(rx)),
		       mp_human(get_double(w, "tx_pps"), tx, sizeof(tx)),
		       (long long)get_int(w, "drops"), ring);
	}
	if (!json_object_object_get_ex(st, "ports", &list))
		return;
	printf("%-5s %-16s %-5s %-11s %-3s %s\n", "PORT", "NAME", "LINK", "SPEED", "RXQ", "TX");
	n = json_object_array_length(list);
	for (i = 0; i < n; i++) {
		w = json_object_array_get_idx(list, i);
		if (get_int(w, "link_speed_mbps") > 0)
			snprintf(lc, sizeof(lc), "%lld Mbps", (long long)get_int(w, "link_speed_mbps"));
		else
			snprintf(lc, sizeof(lc), "-");
		printf("%-5lld %-16.16s %-5s %-11s %-3lld %s\n", (long long)get_int(w, "port"),
		       get_str(w, "name"), get_str(w, "link"), lc,
		       (long long)get_int(w, "rx_queues"), get_str(w, "tx_path"));
	}
}

/* Wait until process pid has exited (shutdown), through a pidfd. */
static int
wait_exit(int pidfd, int pid, int64_t deadline)
{
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
	int64_t left;
	int n;

	if (pidfd < 0) {
		/* No pidfd (an old kernel): poll for the pid. */
		while (kill(pid, 0) == 0 || errno != ESRCH) {
			if (now_ms() >= deadline)
				return fail(EXIT_REFUSED, "the master (pid %d) did not "
					    "exit in time (see -w)", pid);
			poll(NULL, 0, 50);
		}
		return 0;
	}
	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return fail(EXIT_REFUSED, "the master (pid %d) did not exit "
				    "in time (see -w)", pid);
		n = poll(&pfd, 1, (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return fail(EXIT_REFUSED, "poll() on the master's pidfd failed: %s",
				    strerror(errno));
	}
}

static int
parse_command(int argc, char **argv, struct mp_ctl_request *req, bool *json)
{
	char line[MP_CTL_MAX_REQUEST], err[MP_ERR_LEN];
	size_t len = 0;
	int i, n;

	*json = false;
	if (argc >= 2 && strcmp(argv[0], "status") == 0 &&
	    strcmp(argv[argc - 1], "--json") == 0) {
		*json = true;
		argc--;
	}
	for (i = 0; i < argc; i++) {
		n = snprintf(line + len, sizeof(line) - len, "%s%s", i ? " " : "", argv[i]);
		if (n < 0 || (size_t)n >= sizeof(line) - len)
			return fail(EXIT_REFUSED, "command too long");
		len += (size_t)n;
	}
	if (mp_ctl_parse_request(line, len, req, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", prog, err);
		usage(stderr);
		return EXIT_REFUSED;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "wait", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct mp_ctl_request req;
	char *socket_path = NULL;
	struct reader r = { .fd = -1 };
	const char *file = NULL;
	char err[MP_ERR_LEN], line[64];
	json_object *obj, *ok;
	struct ucred cred;
	socklen_t credlen = sizeof(cred);
	size_t used;
	long wait_s = 120;
	int opt, rc, code = EXIT_REFUSED, pidfd = -1;
	bool json;
	char *end;

	while ((opt = getopt_long(argc, argv, "+c:w:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			file = optarg;
			break;
		case 'w':
			errno = 0;
			wait_s = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || wait_s < 1 || wait_s > 86400)
				return fail(EXIT_REFUSED, "-w: \"%s\" is not a number of "
					    "seconds (1..86400)", optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_REFUSED;
		}
	}
	if (file == NULL) {
		fprintf(stderr, "%s: -c FILE is required\n", prog);
		usage(stderr);
		return EXIT_REFUSED;
	}
	if (optind >= argc) {
		fprintf(stderr, "%s: a command is required\n", prog);
		usage(stderr);
		return EXIT_REFUSED;
	}
	rc = parse_command(argc - optind, argv + optind, &req, &json);
	if (rc != 0)
		return rc;
	if (mp_config_control_socket(file, &socket_path, err, sizeof(err)) < 0)
		return fail(EXIT_REFUSED, "%s", err);
	r.fd = connect_master(socket_path);
	if (r.fd < 0) {
		rc = -r.fd;
		code = rc == ENOENT || rc == ECONNREFUSED ? EXIT_NO_MASTER : EXIT_REFUSED;
		fail(code, "%s %s (control.socket %s: %s)",
		     code == EXIT_NO_MASTER ? "no master is running for" :
		     "cannot reach the master of", file, socket_path, strerror(rc));
		free(socket_path);
		return code;
	}
	/*
	 * The master's pidfd now, while the connection proves it alive, so
	 * that waiting for its exit cannot confuse it with a later process.
	 */
	if (req.cmd == MP_CTL_SHUTDOWN &&
	    getsockopt(r.fd, SOL_SOCKET, SO_PEERCRED, &cred, &credlen) == 0)
		pidfd = (int)syscall(SYS_pidfd_open, cred.pid, 0);
	signal(SIGPIPE, SIG_IGN);
	rc = mp_ctl_format_request(&req, line, sizeof(line));
	/*
	 * A master that refuses the peer (SO_PEERCRED) answers and closes at
	 * once, maybe before the request is written: then EPIPE, and its
	 * answer waits to be read.
	 */
	if (rc < 0 || (write(r.fd, line, (size_t)rc) != rc && errno != EPIPE)) {
		code = fail(EXIT_REFUSED, "sending the request failed: %s", strerror(errno));
		goto out;
	}
	r.buf = malloc(MAX_REPLY);
	if (r.buf == NULL) {
		code = fail(EXIT_REFUSED, "out of memory");
		goto out;
	}
	r.deadline = now_ms() + wait_s * 1000;
	for (;;) {
		obj = next_reply(&r, &used, &code);
		if (obj == NULL)
			goto out;
		if (json_object_object_get_ex(obj, "progress", NULL)) {
			if (!json)
				printf("%s\n", get_str(obj, "progress"));
			fflush(stdout);
			json_object_put(obj);
			reader_consume(&r, used);
			continue;
		}
		break;
	}
	if (!json_object_object_get_ex(obj, "ok", &ok) || !json_object_get_boolean(ok)) {
		code = fail(EXIT_REFUSED, "%s", get_str(obj, "error"));
		json_object_put(obj);
		goto out;
	}
	code = 0;
	if (req.cmd == MP_CTL_STATUS) {
		if (json)
			printf("%s\n", r.buf);
		else
			print_status(obj);
		json_object_object_get_ex(obj, "all_running", &ok);
		code = json_object_get_boolean(ok) ? 0 : EXIT_NOT_RUNNING;
	} else if (req.cmd == MP_CTL_SHUTDOWN) {
		code = wait_exit(pidfd, (int)get_int(obj, "pid"), r.deadline);
		if (code == 0)
			printf("master (pid %lld) stopped\n", (long long)get_int(obj, "pid"));
	} else {
		printf("%s\n", get_str(obj, "message"));
	}
	json_object_put(obj);
out:
	free(r.buf);
	if (pidfd >= 0)
		close(pidfd);
	close(r.fd);
	free(socket_path);
	return code;
}
