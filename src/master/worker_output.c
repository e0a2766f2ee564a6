/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The stdout and stderr of a child of the master (a worker, a hook), read
 * by the master and written to its log one whole line at a time, prefixed
 * with the child's name and pid ("w3[1234]: ", "hook[1234]: "), so that
 * child output never interleaves mid-line with anything else.
 *
 * A line may start with a level tag, "<N>" with N a syslog priority
 * (3 error, 4 warning, 6 info, 7 debug; sd-daemon(3)'s convention): the
 * line is then logged at that level, without the tag.  A worker's logger
 * writes such lines when the master spawned it (MP_LOG_ENV_TAGGED, log.h),
 * so that a worker's warning is a warning in the master's log and the line
 * carries the master's timestamp and prefix only.  Untagged lines are
 * info.  A line longer than the buffer is cut into pieces.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "supervisor.h"

struct mp_output {
	uv_pipe_t pipe;
	char name[16];		/* "w3", "hook" */
	int pid;
	size_t len;
	char buf[2048];
};

/* The level of a "<N>" syslog priority. */
static enum mp_log_level
tag_level(char digit)
{
	if (digit <= '3')
		return MP_LOG_ERR;
	if (digit == '4')
		return MP_LOG_WARN;
	if (digit <= '6')
		return MP_LOG_INFO;
	return MP_LOG_DEBUG;
}

static void
emit(struct mp_output *p, size_t n)
{
	enum mp_log_level level = MP_LOG_INFO;
	const char *line = p->buf;

	if (n >= 3 && line[0] == '<' && line[1] >= '0' && line[1] <= '7' &&
	    line[2] == '>') {
		level = tag_level(line[1]);
		line += 3;
		n -= 3;
	}
	mp_log(level, "%s[%d]: %.*s", p->name, p->pid, (int)n, line);
}

static void
on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
	struct mp_output *p = handle->data;

	*buf = uv_buf_init(p->buf + p->len, (unsigned int)(sizeof(p->buf) - p->len));
}

static void
on_close(uv_handle_t *handle)
{
	free(handle->data);
}

static void
on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
	struct mp_output *p = stream->data;
	char *nl;
	size_t used;

	if (nread < 0) {
		if (p->len != 0)
			emit(p, p->len);
		uv_close((uv_handle_t *)stream, on_close);
		return;
	}
	p->len += (size_t)nread;
	while ((nl = memchr(p->buf, '\n', p->len)) != NULL) {
		used = (size_t)(nl - p->buf) + 1;
		emit(p, used - 1);
		memmove(p->buf, p->buf + used, p->len - used);
		p->len -= used;
	}
	if (p->len == sizeof(p->buf)) {	/* an overlong line: cut it */
		emit(p, p->len);
		p->len = 0;
	}
}

void
mp_output_prepare(struct mp_sup *s, const char *name, uv_stdio_container_t *stdio,
		  struct mp_output **out)
{
	int i;

	for (i = 0; i < 2; i++) {
		out[i] = calloc(1, sizeof(*out[i]));
		if (out[i] == NULL) {
			stdio[1 + i].flags = UV_INHERIT_FD;
			stdio[1 + i].data.fd = 1 + i;
			continue;
		}
		uv_pipe_init(&s->loop, &out[i]->pipe, 0);
		out[i]->pipe.data = out[i];
		snprintf(out[i]->name, sizeof(out[i]->name), "%s", name);
		stdio[1 + i].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
		stdio[1 + i].data.stream = (uv_stream_t *)&out[i]->pipe;
	}
}

void
mp_output_detach(struct mp_output **out)
{
	int i;

	for (i = 0; i < 2; i++)
		if (out[i] != NULL)
			uv_unref((uv_handle_t *)&out[i]->pipe);
}

void
mp_output_started(struct mp_output **out, int pid, int spawn_rc)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (out[i] == NULL)
			continue;
		if (spawn_rc == 0) {
			out[i]->pid = pid;
			uv_read_start((uv_stream_t *)&out[i]->pipe, on_alloc, on_read);
		} else {
			uv_close((uv_handle_t *)&out[i]->pipe, on_close);
		}
	}
}
