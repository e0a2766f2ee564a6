/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MP_CONTROL_PROTO_H
#define MP_CONTROL_PROTO_H

/*
 * The control protocol between mpctl and the master, over the Unix stream
 * socket control.socket.  A request is one line of printable ASCII, at
 * most MP_CTL_MAX_REQUEST bytes with its '\n':
 *
 *   status | reload | shutdown | restart ID|all | stop ID | start ID
 *
 * The master answers each request with one JSON object per line: zero or
 * more {"progress": "..."} lines while it works, then one final line with
 * "ok" (true or false) and, when false, "error" saying why.  The request
 * parser is shared so that mpctl builds only requests the master accepts,
 * and it is fuzzed (tests/fuzz/fuzz_control.c).
 */

#include <stddef.h>

#define MP_CTL_MAX_REQUEST 4096	/* bytes of a request line, '\n' included */
#define MP_CTL_ALL (-1)		/* the id of "restart all" */

enum mp_ctl_cmd {
	MP_CTL_STATUS = 0,
	MP_CTL_RESTART,
	MP_CTL_STOP,
	MP_CTL_START,
	MP_CTL_RELOAD,
	MP_CTL_SHUTDOWN,
	MP_CTL_CMD_MAX,
};

struct mp_ctl_request {
	enum mp_ctl_cmd cmd;
	int id;			/* restart, stop, start: 0..31, or MP_CTL_ALL */
};

/*
 * Parse one request line of len bytes (without its '\n'; a trailing '\r'
 * is allowed).  Words are separated by spaces or tabs; a command takes
 * exactly the argument it needs; an id is a decimal number below 32
 * (MP_MAX_WORKERS), "all" only for restart.
 *
 * Returns 0 and fills *req, or -EINVAL and writes one printable line
 * into err (at most errlen bytes, NUL included) saying what is wrong;
 * bytes of the request it quotes are escaped.
 */
int mp_ctl_parse_request(const char *line, size_t len, struct mp_ctl_request *req,
			 char *err, size_t errlen);

/*
 * Write req as a request line, '\n' included, into buf of len bytes.
 * Returns the length written, or -ENOSPC.
 */
int mp_ctl_format_request(const struct mp_ctl_request *req, char *buf, size_t len);

/* "status", "restart", ...; NULL for an invalid command. */
const char *mp_ctl_cmd_name(enum mp_ctl_cmd cmd);

#endif /* MP_CONTROL_PROTO_H */
