/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Requests of the control protocol (control_proto.h).  The bytes come
 * from any local user the socket lets in, so the parser trusts nothing:
 * it reads at most len bytes, needs no NUL, copies nothing it has not
 * bounded, and quotes offending bytes escaped.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "control_proto.h"

#define MAX_WORDS 3		/* one more than any command takes */
#define MAX_QUOTED 32		/* bytes of a word an error quotes */

static const struct {
	const char *name;
	bool takes_id;
	bool takes_all;
} commands[MP_CTL_CMD_MAX] = {
	[MP_CTL_STATUS] = { "status", false, false },
	[MP_CTL_RESTART] = { "restart", true, true },
	[MP_CTL_STOP] = { "stop", true, false },
	[MP_CTL_START] = { "start", true, false },
	[MP_CTL_RELOAD] = { "reload", false, false },
	[MP_CTL_SHUTDOWN] = { "shutdown", false, false },
};

struct word {
	const char *p;
	size_t len;
};

const char *
mp_ctl_cmd_name(enum mp_ctl_cmd cmd)
{
	return (unsigned int)cmd < MP_CTL_CMD_MAX ? commands[cmd].name : NULL;
}

/* w, escaped and cut to MAX_QUOTED bytes, into out (of 4 * MAX_QUOTED + 4). */
static const char *
quote(const struct word *w, char *out)
{
	size_t i, o = 0;
	unsigned char c;

	for (i = 0; i < w->len && i < MAX_QUOTED; i++) {
		c = (unsigned char)w->p[i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			out[o++] = (char)c;
		else
			o += (size_t)sprintf(out + o, "\\x%02x", c);
	}
	if (w->len > MAX_QUOTED) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

static bool
word_is(const struct word *w, const char *s)
{
	return w->len == strlen(s) && memcmp(w->p, s, w->len) == 0;
}

/* A worker id: 1 or 2 decimal digits, below MP_MAX_WORKERS. */
static int
parse_id(const struct word *w)
{
	int id = 0;
	size_t i;

	if (w->len == 0 || w->len > 2)
		return -1;
	for (i = 0; i < w->len; i++) {
		if (w->p[i] < '0' || w->p[i] > '9')
			return -1;
		id = id * 10 + (w->p[i] - '0');
	}
	return id < MP_MAX_WORKERS ? id : -1;
}

int
mp_ctl_parse_request(const char *line, size_t len, struct mp_ctl_request *req,
		     char *err, size_t errlen)
{
	struct word words[MAX_WORDS];
	char q[4 * MAX_QUOTED + 4];
	unsigned int nb = 0, i;
	const struct word *arg;
	unsigned int cmd;
	size_t pos = 0;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	for (pos = 0; pos < len; pos++) {
		unsigned char c = (unsigned char)line[pos];

		if ((c < 0x20 && c != '\t') || c >= 0x7f) {
			snprintf(err, errlen, "byte %zu of the request is not "
				 "printable ASCII (0x%02x)", pos + 1, c);
			return -EINVAL;
		}
	}
	for (pos = 0; pos < len;) {
		while (pos < len && (line[pos] == ' ' || line[pos] == '\t'))
			pos++;
		if (pos == len)
			break;
		if (nb == MAX_WORDS) {
			snprintf(err, errlen, "too many words in the request");
			return -EINVAL;
		}
		words[nb].p = line + pos;
		while (pos < len && line[pos] != ' ' && line[pos] != '\t')
			pos++;
		words[nb].len = (size_t)(line + pos - words[nb].p);
		nb++;
	}
	if (nb == 0) {
		snprintf(err, errlen, "empty request");
		return -EINVAL;
	}
	for (cmd = 0; cmd < MP_CTL_CMD_MAX; cmd++)
		if (word_is(&words[0], commands[cmd].name))
			break;
	if (cmd == MP_CTL_CMD_MAX) {
		snprintf(err, errlen, "unknown command \"%s\" (status, restart, "
			 "stop, start, reload, shutdown)", quote(&words[0], q));
		return -EINVAL;
	}
	req->cmd = (enum mp_ctl_cmd)cmd;
	req->id = 0;
	i = commands[cmd].takes_id ? 2 : 1;
	if (nb != i) {
		if (nb < i)
			snprintf(err, errlen, "%s needs a worker id%s", commands[cmd].name,
				 commands[cmd].takes_all ? " or \"all\"" : "");
		else
			snprintf(err, errlen, "%s takes %s", commands[cmd].name,
				 i == 1 ? "no argument" : "one argument");
		return -EINVAL;
	}
	if (!commands[cmd].takes_id)
		return 0;
	arg = &words[1];
	if (commands[cmd].takes_all && word_is(arg, "all")) {
		req->id = MP_CTL_ALL;
		return 0;
	}
	req->id = parse_id(arg);
	if (req->id < 0) {
		snprintf(err, errlen, "%s: \"%s\" is not a worker id (0..%d%s)",
			 commands[cmd].name, quote(arg, q), MP_MAX_WORKERS - 1,
			 commands[cmd].takes_all ? " or all" : "");
		return -EINVAL;
	}
	return 0;
}

int
mp_ctl_format_request(const struct mp_ctl_request *req, char *buf, size_t len)
{
	const char *name = mp_ctl_cmd_name(req->cmd);
	int n;

	if (name == NULL)
		return -EINVAL;
	if (!commands[req->cmd].takes_id)
		n = snprintf(buf, len, "%s\n", name);
	else if (req->id == MP_CTL_ALL)
		n = snprintf(buf, len, "%s all\n", name);
	else
		n = snprintf(buf, len, "%s %d\n", name, req->id);
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}
