/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker's stdout and stderr, read by the master and written to its log
 * one whole line at a time, prefixed with the worker's id and pid, so that
 * worker output never interleaves mid-line with anything else.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "supervisor.h"

struct mp_output {
	uv_pipe_t pipe;
	unsigned int id;
	int pid;
	size_t len;
	char buf[2048];
};

static void
emit(struct mp_output *p, size_t n)
{
	mp_info("w%u[%d]: %.*s", p->id, p->pid, (int)n, p->buf);
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
mp_output_prepare(struct mp_sup *s, unsigned int id, uv_stdio_container_t *stdio,
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
		out[i]->id = id;
		stdio[1 + i].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
		stdio[1 + i].data.stream = (uv_stream_t *)&out[i]->pipe;
	}
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
