/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The YAML config: parsed with libyaml's document API, so every node keeps
 * its position and every error can say FILE:LINE:COL.  Keys are described
 * by tables (name, kind, range, where the value goes) rather than by code,
 * which keeps the list of keys, their ranges and their defaults in one
 * place each.
 *
 * Ranges: file_prefix 1..32 characters of [A-Za-z0-9_-]; lcore ids
 * 0..127 (RTE_MAX_LCORE); memory_mb 16..65536; ports 0..31, 1..32 of
 * them; mempool.mbufs 1024..4194304, cache 0..512 (so DPDK's cache * 1.5
 * <= mbufs always holds);
 * burst 1..512; ring_size a power of two 64..1048576; backoff 0..3600000 ms
 * with first <= cap; max_restarts 0..1000000; window_s 1..86400;
 * stop_timeout_ms 0..600000; heartbeat_timeout_ms 0 or 50..600000;
 * stats.interval_s 0..3600; at most 64 args per list, of at most 4095
 * bytes each, 32 workers; paths 1..PATH_MAX-1 bytes; control.socket
 * 1..107 bytes (sun_path), control.group 0..32 bytes and a group of this
 * machine; "" turns control.group, metrics.listen and
 * hooks.on_state_change off.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <yaml.h>

#include "config.h"

#define MAX_CPUS 4096
#define MAX_DEPTH 32		/* nesting of lists and mappings; the schema needs 4 */
#define MAX_NODES 4096		/* scalars, lists, mappings, aliases; a full config has ~460 */
#define MAX_DIRECTIVES 16	/* %YAML and %TAG lines; a config needs none */
#define MAX_SHOWN 64		/* bytes of a value that a message shows */

/* Positions of instance fields, for checks made after parsing. */
struct instance_marks {
	const yaml_node_t *id, *lcore, *cpu, *program, *args;
};

struct instances_parse {
	struct instance_marks marks[MP_MAX_WORKERS];
	const yaml_node_t *seq;
};

struct parse {
	const char *path;
	const char *buf;		/* the input, len bytes */
	size_t len;
	yaml_encoding_t encoding;	/* as libyaml found it */
	yaml_document_t *doc;
	struct mp_config *cfg;
	char *err;
	size_t errlen;
	struct instances_parse ip;	/* positions of workers.instances */
	char shown[MAX_SHOWN * 4 + 4];	/* a value as a message shows it */
	FILE *list;			/* mp_config_list_keys(): print, not parse */
};

/*
 * Copy raw into err as one line of printable ASCII: every other byte
 * becomes \xNN, so that no newline or terminal escape of the input (or
 * of the file name) reaches a log or a terminal.  Truncated to errlen,
 * but never inside an escape.
 */
static void
put_line(char *err, size_t errlen, const char *raw)
{
	const unsigned char *c;
	size_t len = 0;

	if (errlen == 0)
		return;
	for (c = (const unsigned char *)raw; *c; c++) {
		if (*c >= 0x20 && *c <= 0x7e) {
			if (len + 1 >= errlen)
				break;
			err[len++] = (char)*c;
		} else {
			if (len + 4 >= errlen)
				break;
			snprintf(err + len, 5, "\\x%02x", *c);
			len += 4;
		}
	}
	err[len] = '\0';
}

/* A message about the input as a whole, "NAME: message"; returns rc. */
static int __attribute__((format(printf, 5, 6)))
fail_input(char *err, size_t errlen, int rc, const char *name, const char *fmt, ...)
{
	char raw[MP_ERR_LEN];
	va_list ap;
	int len;

	len = snprintf(raw, sizeof(raw), "%s: ", name);
	if (len >= 0 && (size_t)len < sizeof(raw)) {
		va_start(ap, fmt);
		vsnprintf(raw + len, sizeof(raw) - (size_t)len, fmt, ap);
		va_end(ap);
	}
	put_line(err, errlen, raw);
	return rc;
}

/* Is c (of s, at i, len bytes) a line break for libyaml, and how long? */
static size_t
line_break(const unsigned char *s, size_t i, size_t len)
{
	if (s[i] == '\r')
		return i + 1 < len && s[i + 1] == '\n' ? 2 : 1;
	if (s[i] == '\n')
		return 1;
	if (s[i] == 0xc2 && i + 1 < len && s[i + 1] == 0x85)
		return 2;	/* NEL */
	if (s[i] == 0xe2 && i + 2 < len && s[i + 1] == 0x80 &&
	    (s[i + 2] == 0xa8 || s[i + 2] == 0xa9))
		return 3;	/* LS, PS */
	return 0;
}

/*
 * libyaml reports an error of its reader (bad UTF-8, a control
 * character) by its byte offset alone, with problem_mark left at 1:1:
 * find the line and column of that offset as its scanner counts them, in
 * characters, with the line breaks of YAML 1.1, after a byte order mark.
 * UTF-16 input is counted in 16-bit units, near enough.
 */
static void
offset_mark(const struct parse *p, size_t end, yaml_mark_t *m)
{
	const unsigned char *s = (const unsigned char *)p->buf;
	size_t i = 0, n;
	bool utf16 = p->encoding == YAML_UTF16LE_ENCODING ||
		     p->encoding == YAML_UTF16BE_ENCODING;
	unsigned int unit;

	memset(m, 0, sizeof(*m));
	if (end > p->len)
		end = p->len;
	if (utf16) {
		for (i = 2; i + 1 < end; i += 2) {
			unit = p->encoding == YAML_UTF16LE_ENCODING ?
			       s[i] | s[i + 1] << 8 : s[i] << 8 | s[i + 1];
			if (unit == '\n' || unit == '\r' || unit == 0x85 ||
			    unit == 0x2028 || unit == 0x2029) {
				m->line++;
				m->column = 0;
			} else if ((unit & 0xfc00) != 0xdc00) {
				m->column++;
			}
		}
		return;
	}
	if (end >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < end) {
		n = line_break(s, i, end);
		if (n > 0) {
			m->line++;
			m->column = 0;
			i += n;
			continue;
		}
		if ((s[i] & 0xc0) != 0x80)
			m->column++;
		i++;
	}
}

/*
 * "NAME:LINE:COL: message" at a 0-based position; returns -EINVAL.  At the
 * end of an input without a final line break, libyaml's scanner adds
 * one, so that the last token, node or error would be on a line the file
 * does not have ("---" alone: 2:1): such a position is moved back to the
 * real end.
 */
static int
vfail_pos(struct parse *p, size_t line, size_t column, const char *fmt, va_list ap)
{
	char raw[MP_ERR_LEN];
	yaml_mark_t end;
	int len;

	offset_mark(p, p->len, &end);
	if (line > end.line || (line == end.line && column > end.column)) {
		line = end.line;
		column = end.column;
	}
	len = snprintf(raw, sizeof(raw), "%s:%zu:%zu: ", p->path, line + 1,
		       column + 1);
	if (len >= 0 && (size_t)len < sizeof(raw))
		vsnprintf(raw + len, sizeof(raw) - (size_t)len, fmt, ap);
	put_line(p->err, p->errlen, raw);
	return -EINVAL;
}

/* An error at a position of the input (a token's or an event's). */
static int __attribute__((format(printf, 3, 4)))
fail_mark(struct parse *p, const yaml_mark_t *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail_pos(p, m->line, m->column, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* An error at a node (1:1 without one). */
static int __attribute__((format(printf, 3, 4)))
fail_at(struct parse *p, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail_pos(p, n ? n->start_mark.line : 0, n ? n->start_mark.column : 0, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/*
 * The scalar of n as a message shows it, in p->shown: its first
 * MAX_SHOWN bytes, then "..." if there are more; '"' and '\\' escaped with
 * a backslash, since the value is shown between quotes, and every byte
 * that is not printable ASCII as \xNN (put_line() would escape them too,
 * but then a \ of the value could not be told from one of an escape).
 */
static const char *
show(struct parse *p, const yaml_node_t *n)
{
	const unsigned char *c = (const unsigned char *)n->data.scalar.value;
	size_t i, len = 0, nb = n->data.scalar.length;

	for (i = 0; i < nb && i < MAX_SHOWN; i++) {
		if (c[i] == '"' || c[i] == '\\') {
			p->shown[len++] = '\\';
			p->shown[len++] = (char)c[i];
		} else if (c[i] >= 0x20 && c[i] <= 0x7e) {
			p->shown[len++] = (char)c[i];
		} else {
			snprintf(p->shown + len, 5, "\\x%02x", c[i]);
			len += 4;
		}
	}
	if (nb > MAX_SHOWN) {
		memcpy(p->shown + len, "...", 3);
		len += 3;
	}
	p->shown[len] = '\0';
	return p->shown;
}

/* libyaml's own error, at its position. */
static int
fail_yaml(struct parse *p, const yaml_parser_t *parser)
{
	yaml_mark_t m;

	if (parser->error == YAML_MEMORY_ERROR)
		return fail_input(p->err, p->errlen, -ENOMEM, p->path, "out of memory");
	if (parser->encoding != YAML_ANY_ENCODING)
		p->encoding = parser->encoding;
	if (parser->error == YAML_READER_ERROR) {
		offset_mark(p, parser->problem_offset, &m);
		if (parser->problem_value >= 0)
			return fail_mark(p, &m, "%s (0x%02X)", parser->problem,
					 (unsigned int)parser->problem_value);
		return fail_mark(p, &m, "%s", parser->problem);
	}
	return fail_mark(p, &parser->problem_mark, "%s%s%s",
			 parser->problem ? parser->problem : "YAML error",
			 parser->context ? " " : "", parser->context ? parser->context : "");
}

/* A parser of p's input; 0, or -ENOMEM with the message. */
static int
parser_open(struct parse *p, yaml_parser_t *parser)
{
	if (!yaml_parser_initialize(parser))
		return fail_input(p->err, p->errlen, -ENOMEM, p->path, "out of memory");
	yaml_parser_set_input_string(parser, (const unsigned char *)p->buf, p->len);
	return 0;
}

/*
 * The first of two passes over the input before libyaml builds the
 * document (check_events() is the second), for the one cost that the
 * event pass cannot bound: libyaml's parser checks each %TAG directive
 * against all earlier ones before it reports the document's start, so
 * 60000 of them (1 MB) took 9.4 s.  The scanner alone does not do
 * that, so count directives on its tokens.
 *
 * The scanner has a quadratic cost of its own, in nesting (it checks
 * every open level for a pending simple key at each token): this pass
 * stops where nesting exceeds MAX_DEPTH, and lets the event pass report
 * it at the right node; it also leaves syntax errors to that pass, which
 * finds the first error in the file.
 */
static int
check_tokens(struct parse *p)
{
	unsigned int depth = 0, directives = 0;
	yaml_parser_t parser;
	yaml_token_t token;
	bool done = false;
	int rc;

	rc = parser_open(p, &parser);
	if (rc < 0)
		return rc;
	while (!done && rc == 0) {
		if (!yaml_parser_scan(&parser, &token)) {
			if (parser.error == YAML_MEMORY_ERROR)
				rc = fail_yaml(p, &parser);
			break;
		}
		switch (token.type) {
		case YAML_VERSION_DIRECTIVE_TOKEN:
		case YAML_TAG_DIRECTIVE_TOKEN:
			if (++directives > MAX_DIRECTIVES)
				rc = fail_mark(p, &token.start_mark, "more than %d YAML "
					       "directives", MAX_DIRECTIVES);
			break;
		case YAML_BLOCK_SEQUENCE_START_TOKEN:
		case YAML_BLOCK_MAPPING_START_TOKEN:
		case YAML_FLOW_SEQUENCE_START_TOKEN:
		case YAML_FLOW_MAPPING_START_TOKEN:
			done = ++depth > MAX_DEPTH;
			break;
		case YAML_BLOCK_END_TOKEN:
		case YAML_FLOW_SEQUENCE_END_TOKEN:
		case YAML_FLOW_MAPPING_END_TOKEN:
			if (depth > 0)
				depth--;
			break;
		case YAML_STREAM_END_TOKEN:
			done = true;
			break;
		default:
			break;
		}
		yaml_token_delete(&token);
	}
	p->encoding = parser.encoding;
	yaml_parser_delete(&parser);
	return rc;
}

/* One more node (a scalar, list, mapping or alias) of at most MAX_NODES. */
static int
count_node(struct parse *p, const yaml_event_t *event, unsigned int *nodes)
{
	if (++*nodes > MAX_NODES)
		return fail_mark(p, &event->start_mark, "more than %d YAML nodes",
				 MAX_NODES);
	return 0;
}

/*
 * The second pass, over libyaml's events, refuses what the document API
 * would hide or pay too much for, at the position where it starts:
 *  - nesting deeper than MAX_DEPTH: libyaml's cost grows with the square
 *    of the nesting (32k levels of '[' took 1 to 3 s, 1 MiB of them
 *    did not finish in a minute), and stopping here
 *    keeps the scanner from going deeper than its look-ahead (1024
 *    characters at most past this point);
 *  - more than MAX_NODES nodes: the document costs some 160 bytes a
 *    node (a 1 MiB list took 80 MB), and each anchor is compared with
 *    every earlier one (70000 took 9.9 s);
 *  - a NUL in a scalar, key or value: the document's strings are
 *    NUL-terminated, so "mp\0../../etc" would silently be read as "mp";
 *  - a second document, which yaml_parser_load() would never look at.
 */
static int
check_events(struct parse *p)
{
	unsigned int depth = 0, nodes = 0, documents = 0;
	yaml_parser_t parser;
	yaml_event_t event;
	bool done = false;
	int rc;

	rc = parser_open(p, &parser);
	if (rc < 0)
		return rc;
	while (!done && rc == 0) {
		if (!yaml_parser_parse(&parser, &event)) {
			rc = fail_yaml(p, &parser);
			break;
		}
		switch (event.type) {
		case YAML_DOCUMENT_START_EVENT:
			if (++documents > 1)
				rc = fail_mark(p, &event.start_mark, "only one YAML "
					       "document is allowed");
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > MAX_DEPTH)
				rc = fail_mark(p, &event.start_mark, "nested deeper "
					       "than %d levels", MAX_DEPTH);
			else
				rc = count_node(p, &event, &nodes);
			break;
		case YAML_ALIAS_EVENT:
			rc = count_node(p, &event, &nodes);
			break;
		case YAML_SCALAR_EVENT:
			rc = count_node(p, &event, &nodes);
			if (rc == 0 && strlen((const char *)event.data.scalar.value) !=
				       event.data.scalar.length)
				rc = fail_mark(p, &event.start_mark, "contains a NUL "
					       "character");
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&event);
	}
	yaml_parser_delete(&parser);
	return rc;
}

static const char *
scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static int
get_uint(struct parse *p, const yaml_node_t *n, const char *key,
	 unsigned long min, unsigned long max, unsigned int *out)
{
	const char *s, *c;
	unsigned long v;

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return fail_at(p, n, "%s must be a number", key);
	s = scalar(n);
	if (*s == '\0')
		return fail_at(p, n, "%s must be a number", key);
	for (c = s; *c; c++)
		if (*c < '0' || *c > '9')
			return fail_at(p, n, "%s must be a non-negative integer, not \"%s\"",
				       key, show(p, n));
	errno = 0;
	v = strtoul(s, NULL, 10);
	if (errno != 0 || v < min || v > max)
		return fail_at(p, n, "%s must be between %lu and %lu, not %s",
			       key, min, max, show(p, n));
	*out = (unsigned int)v;
	return 0;
}

/*
 * A string of at most max_len bytes.  Every string is bounded: they end
 * up in paths, argv vectors and log lines, where a 1 MiB value helps
 * nobody; and an empty path would only fail later, at start.
 */
static int
get_string(struct parse *p, const yaml_node_t *n, const char *key,
	   bool nonempty, size_t max_len, char **out)
{
	size_t len;
	char *s;

	if (n->type != YAML_SCALAR_NODE)
		return fail_at(p, n, "%s must be a string", key);
	len = n->data.scalar.length;
	if (nonempty && len == 0)
		return fail_at(p, n, "%s must not be empty", key);
	if (len > max_len)
		return fail_at(p, n, "%s is %zu bytes long, at most %zu are allowed",
			       key, len, max_len);
	s = strdup(scalar(n));
	if (s == NULL)
		return -ENOMEM;
	free(*out);
	*out = s;
	return 0;
}

static int
get_enum(struct parse *p, const yaml_node_t *n, const char *key,
	 const char *const *names, unsigned int nb, unsigned int *out)
{
	char allowed[128] = "";
	unsigned int i;

	if (n->type == YAML_SCALAR_NODE)
		for (i = 0; i < nb; i++)
			if (strcmp(scalar(n), names[i]) == 0) {
				*out = i;
				return 0;
			}
	for (i = 0; i < nb; i++) {
		strncat(allowed, names[i], sizeof(allowed) - strlen(allowed) - 1);
		if (i + 1 < nb)
			strncat(allowed, i + 2 < nb ? ", " : " or ",
				sizeof(allowed) - strlen(allowed) - 1);
	}
	return fail_at(p, n, "%s must be %s", key, allowed);
}

static void
strv_free(struct mp_strv *v)
{
	unsigned int i;

	for (i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	v->v = NULL;
	v->n = 0;
}

static int
get_strv(struct parse *p, const yaml_node_t *n, const char *key,
	 struct mp_strv *out)
{
	yaml_node_item_t *it;
	const yaml_node_t *e;
	struct mp_strv v = { NULL, 0 };
	size_t count;

	if (n->type != YAML_SEQUENCE_NODE)
		return fail_at(p, n, "%s must be a list of strings", key);
	count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (count > MP_MAX_ARGS)
		return fail_at(p, n, "%s has %zu entries, at most %d are allowed",
			       key, count, MP_MAX_ARGS);
	v.v = calloc(count + 1, sizeof(*v.v));
	if (v.v == NULL)
		return -ENOMEM;
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		e = yaml_document_get_node(p->doc, *it);
		if (e->type != YAML_SCALAR_NODE) {
			strv_free(&v);
			return fail_at(p, e, "%s entries must be strings", key);
		}
		if (e->data.scalar.length > MP_MAX_ARG_LEN) {
			strv_free(&v);
			return fail_at(p, e, "%s entry is %zu bytes long, at most %d "
				       "are allowed", key, e->data.scalar.length,
				       MP_MAX_ARG_LEN);
		}
		v.v[v.n] = strdup(scalar(e));
		if (v.v[v.n] == NULL) {
			strv_free(&v);
			return -ENOMEM;
		}
		v.n++;
	}
	strv_free(out);
	*out = v;
	return 0;
}

/* The value types a key can have; see the key tables below. */
enum key_kind {
	K_UINT,		/* unsigned int within [min, max] */
	K_STRING,	/* char * of at most max bytes, non-empty if min */
	K_ENUM,		/* index into names */
	K_MAP,		/* nested mapping, handled by fn */
	K_CUSTOM,	/* any node, handled by fn */
};

typedef int (*key_fn)(struct parse *p, const yaml_node_t *n);

struct key {
	const char *name;
	enum key_kind kind;
	size_t offset;			/* in struct mp_config */
	unsigned long min, max;
	const char *const *names;
	unsigned int nb_names;
	key_fn fn;
};

#define OFF(field) offsetof(struct mp_config, field)
#define UINT(n, f, lo, hi) { n, K_UINT, OFF(f), lo, hi, NULL, 0, NULL }
#define PATH(n, f) { n, K_STRING, OFF(f), 1, PATH_MAX - 1, NULL, 0, NULL }
#define ENUM(n, f, names) { n, K_ENUM, OFF(f), 0, 0, names, RTE_DIM_(names), NULL }
/* A string that may be empty: "" leaves the field NULL (off). */
#define OPTSTR(n, f, hi) { n, K_STRING, OFF(f), 0, hi, NULL, 0, NULL }
#define MAP(n, fn) { n, K_MAP, 0, 0, 0, NULL, 0, fn }
#define CUSTOM(n, fn) { n, K_CUSTOM, 0, 0, 0, NULL, 0, fn }
#define RTE_DIM_(a) (sizeof(a) / sizeof((a)[0]))
#define END { NULL, 0, 0, 0, 0, NULL, 0, NULL }

static const char *const dist_modes[] = { "round-robin", "flow-hash" };
static const char *const poll_modes[] = { "busy", "adaptive" };
static const char *const policies[] = { "always", "on-failure", "never" };
static const char *const port_tx_modes[] = { "auto", "direct", "primary" };

static int parse_map(struct parse *p, const yaml_node_t *n, const char *where,
		     const struct key *keys);

/* Apply one key's value according to its table entry. */
static int
apply_key(struct parse *p, const struct key *k, const yaml_node_t *v,
	  const char *qualified)
{
	void *field = (char *)p->cfg + k->offset;
	unsigned int u = 0;
	int rc;

	switch (k->kind) {
	case K_UINT:
		return get_uint(p, v, qualified, k->min, k->max, field);
	case K_STRING:
		rc = get_string(p, v, qualified, k->min != 0, k->max, field);
		if (rc == 0 && **(char **)field == '\0') {
			free(*(char **)field);
			*(char **)field = NULL;
		}
		return rc;
	case K_ENUM:
		rc = get_enum(p, v, qualified, k->names, k->nb_names, &u);
		if (rc == 0)
			*(int *)field = (int)u;
		return rc;
	case K_MAP:
		if (v->type != YAML_MAPPING_NODE)
			return fail_at(p, v, "%s must be a mapping", qualified);
		return k->fn(p, v);
	case K_CUSTOM:
		return k->fn(p, v);
	}
	return -EINVAL;
}

/*
 * The keys of one table, qualified, one a line; a mapping's through its
 * own table (its function calls parse_map(), which comes back here), so
 * that the list is made from the tables the parser uses.
 */
static int
list_keys(struct parse *p, const char *where, const struct key *keys)
{
	const struct key *k;

	for (k = keys; k->name != NULL; k++) {
		if (k->kind == K_MAP)
			k->fn(p, NULL);
		else
			fprintf(p->list, "%s%s%s\n", where, *where ? "." : "", k->name);
	}
	return 0;
}

static int
parse_map(struct parse *p, const yaml_node_t *n, const char *where,
	  const struct key *keys)
{
	const yaml_node_pair_t *pair, *prev;
	const yaml_node_t *kn, *vn;
	const struct key *k;
	char qualified[96];
	int rc;

	if (p->list != NULL)
		return list_keys(p, where, keys);
	if (n->type != YAML_MAPPING_NODE)
		return fail_at(p, n, "%s must be a mapping", *where ? where : "the config");
	for (pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top; pair++) {
		kn = yaml_document_get_node(p->doc, pair->key);
		vn = yaml_document_get_node(p->doc, pair->value);
		if (kn->type != YAML_SCALAR_NODE)
			return fail_at(p, kn, "keys must be plain strings");
		for (prev = n->data.mapping.pairs.start; prev < pair; prev++) {
			const yaml_node_t *pk = yaml_document_get_node(p->doc, prev->key);

			if (pk->type == YAML_SCALAR_NODE && strcmp(scalar(pk), scalar(kn)) == 0)
				return fail_at(p, kn, "duplicate key \"%s\"", show(p, kn));
		}
		for (k = keys; k->name != NULL; k++)
			if (strcmp(k->name, scalar(kn)) == 0)
				break;
		if (k->name == NULL) {
			if (*where)
				return fail_at(p, kn, "unknown key \"%s\" in %s",
					       show(p, kn), where);
			return fail_at(p, kn, "unknown key \"%s\"", show(p, kn));
		}
		snprintf(qualified, sizeof(qualified), "%s%s%s", where,
			 *where ? "." : "", k->name);
		rc = apply_key(p, k, vn, qualified);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int
check_prefix(struct parse *p, const yaml_node_t *n)
{
	const char *c;

	if (n->type != YAML_SCALAR_NODE)
		return fail_at(p, n, "eal.file_prefix must be a string");
	if (n->data.scalar.length == 0 || n->data.scalar.length > 32)
		return fail_at(p, n, "eal.file_prefix must have 1 to 32 characters");
	for (c = scalar(n); *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '_' || *c == '-'))
			return fail_at(p, n, "eal.file_prefix may contain only letters, "
				       "digits, '_' and '-'");
	return get_string(p, n, "eal.file_prefix", true, 32, &p->cfg->eal.file_prefix);
}

/*
 * The EAL options that the master sets itself (eal_args.c), from the
 * config: in eal.args they would override the file prefix the workers
 * share, the lcores the checker keeps apart (service cores included), the
 * memory, or make the master a secondary.  And those that would break the
 * pipeline outright: without a shared configuration no worker can attach,
 * and EAL's help makes the master print it and exit.
 */
enum eal_owner {
	OWN_NONE = 0,
	OWN_PREFIX,
	OWN_LCORES,
	OWN_MAIN_LCORE,
	OWN_PROC_TYPE,
	OWN_MEMORY,
	OWN_SHARED,
	OWN_HELP,
};

/* Why an option is refused, after "eal.args: "ARG": ". */
static const char *const eal_owners[] = {
	[OWN_PREFIX] = "the master sets --file-prefix itself; use eal.file_prefix",
	[OWN_LCORES] = "the master sets the lcores (--lcores) itself; use "
		       "eal.main_lcore, distributor.lcore and workers.instances",
	[OWN_MAIN_LCORE] = "the master sets --main-lcore itself; use eal.main_lcore",
	[OWN_PROC_TYPE] = "the master sets --proc-type itself; it is always the primary",
	[OWN_MEMORY] = "the master sets the memory (-m) itself; use eal.memory_mb",
	[OWN_SHARED] = "the workers attach to the master's shared memory, which "
		       "--in-memory and --no-shconf do away with",
	[OWN_HELP] = "EAL would print its usage and make the master exit",
};

/*
 * DPDK 22.11's EAL options (lib/eal/common/eal_common_options.c), so that
 * eal.args is read as EAL's getopt_long() will read it: which entries
 * are options and which are their values, and what an abbreviation
 * stands for.  --master-lcore, the old name of --main-lcore, is gone
 * from 22.11; it is refused here with a pointer to eal.main_lcore.
 */
struct eal_option {
	const char *name;
	int has_arg;		/* 0 none, 1 required, 2 optional (after '=' only) */
	enum eal_owner owner;
};

static const struct eal_option eal_long_options[] = {
	{ "base-virtaddr", 1, OWN_NONE },
	{ "create-uio-dev", 0, OWN_NONE },
	{ "file-prefix", 1, OWN_PREFIX },
	{ "help", 0, OWN_HELP },
	{ "huge-dir", 1, OWN_NONE },
	{ "huge-unlink", 2, OWN_NONE },
	{ "iova-mode", 1, OWN_NONE },
	{ "lcores", 1, OWN_LCORES },
	{ "log-level", 1, OWN_NONE },
	{ "trace", 1, OWN_NONE },
	{ "trace-dir", 1, OWN_NONE },
	{ "trace-bufsz", 1, OWN_NONE },
	{ "trace-mode", 1, OWN_NONE },
	{ "main-lcore", 1, OWN_MAIN_LCORE },
	{ "master-lcore", 1, OWN_MAIN_LCORE },
	{ "mbuf-pool-ops-name", 1, OWN_NONE },
	{ "no-hpet", 0, OWN_NONE },
	{ "no-huge", 0, OWN_NONE },
	{ "no-pci", 0, OWN_NONE },
	{ "no-shconf", 0, OWN_SHARED },
	{ "in-memory", 0, OWN_SHARED },
	{ "block", 1, OWN_NONE },
	{ "allow", 1, OWN_NONE },
	{ "proc-type", 1, OWN_PROC_TYPE },
	{ "socket-mem", 1, OWN_MEMORY },
	{ "socket-limit", 1, OWN_NONE },
	{ "syslog", 1, OWN_NONE },
	{ "vdev", 1, OWN_NONE },
	{ "vfio-intr", 1, OWN_NONE },
	{ "vfio-vf-token", 1, OWN_NONE },
	{ "vmware-tsc-map", 0, OWN_NONE },
	{ "legacy-mem", 0, OWN_NONE },
	{ "single-file-segments", 0, OWN_NONE },
	{ "match-allocations", 0, OWN_NONE },
	{ "telemetry", 0, OWN_NONE },
	{ "no-telemetry", 0, OWN_NONE },
	{ "force-max-simd-bitwidth", 1, OWN_NONE },
	{ "huge-worker-stack", 2, OWN_NONE },
};

/* The short options; ':' after one that takes a value. */
static const char eal_short_options[] = "a:b:c:s:d:hl:S:m:n:r:v";

static const struct {
	char name;
	enum eal_owner owner;
} eal_short_owners[] = {
	{ 'c', OWN_LCORES },	/* a coremask: lcores 0..n on CPUs 0..n */
	{ 'l', OWN_LCORES },
	{ 's', OWN_LCORES },	/* service cores: lcores taken from the mask */
	{ 'S', OWN_LCORES },
	{ 'h', OWN_HELP },
	{ 'm', OWN_MEMORY },
};

/*
 * Which of the master's options the eal.args entry arg sets, if any,
 * read as getopt_long() reads it: a long option by its name or any
 * unambiguous prefix of it ("--file=x"), with its value after '=' or in
 * the next entry; short options several to an entry ("-vl0-3"), the
 * value of the one that takes one in the rest of the entry or in the
 * next.  *value_next tells whether the next entry is this one's value.
 * An option EAL does not know, or an ambiguous abbreviation, is not ours:
 * EAL refuses it itself.
 */
static enum eal_owner
eal_option_owner(const char *arg, bool *value_next)
{
	const struct eal_option *o, *found = NULL;
	unsigned int i, matches = 0;
	const char *c, *spec;
	size_t len;

	*value_next = false;
	if (arg[0] != '-' || arg[1] == '\0')
		return OWN_NONE;	/* not an option: getopt passes over it */
	if (arg[1] == '-') {
		len = strcspn(arg + 2, "=");
		for (o = eal_long_options; o < eal_long_options + RTE_DIM_(eal_long_options); o++) {
			if (strncmp(o->name, arg + 2, len) != 0)
				continue;
			found = o;
			if (o->name[len] == '\0') {
				matches = 1;	/* an exact match wins */
				break;
			}
			matches++;
		}
		if (matches != 1)
			return OWN_NONE;
		*value_next = found->has_arg == 1 && arg[2 + len] == '\0';
		return found->owner;
	}
	for (c = arg + 1; *c != '\0'; c++) {
		spec = *c == ':' ? NULL : strchr(eal_short_options, *c);
		if (spec == NULL)
			return OWN_NONE;
		for (i = 0; i < RTE_DIM_(eal_short_owners); i++)
			if (eal_short_owners[i].name == *c)
				return eal_short_owners[i].owner;
		if (spec[1] == ':') {
			*value_next = c[1] == '\0';
			return OWN_NONE;
		}
	}
	return OWN_NONE;
}

/* eal.args, without the options the master sets (up to "--", EAL's end). */
static int
parse_eal_args(struct parse *p, const yaml_node_t *n)
{
	const yaml_node_item_t *it;
	bool value_next = false;
	enum eal_owner owner;
	const yaml_node_t *e;
	int rc;

	rc = get_strv(p, n, "eal.args", &p->cfg->eal.args);
	if (rc < 0)
		return rc;
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		e = yaml_document_get_node(p->doc, *it);
		if (value_next) {
			value_next = false;
			continue;
		}
		if (strcmp(scalar(e), "--") == 0)
			break;
		owner = eal_option_owner(scalar(e), &value_next);
		if (owner != OWN_NONE)
			return fail_at(p, e, "eal.args: \"%s\": %s", show(p, e),
				       eal_owners[owner]);
	}
	return 0;
}

static int
parse_eal(struct parse *p, const yaml_node_t *n)
{
	static const struct key keys[] = {
		CUSTOM("file_prefix", check_prefix),
		UINT("main_lcore", eal.main_lcore, 0, 127),
		UINT("main_cpu", eal.main_cpu, 0, MAX_CPUS - 1),
		UINT("memory_mb", eal.memory_mb, 16, 65536),
		CUSTOM("args", parse_eal_args),
		END,
	};

	return parse_map(p, n, "eal", keys);
}

/*
 * One entry of ports: a port id, or {id: N, tx: auto|direct|primary,
 * rx_queues: N}.
 */
static int
parse_port(struct parse *p, const yaml_node_t *e, unsigned int *id,
	   struct mp_port_conf *pc)
{
	const yaml_node_pair_t *pair;
	const yaml_node_t *seen_id = NULL, *seen_tx = NULL, *seen_rxq = NULL;
	unsigned int u;
	int rc;

	memset(pc, 0, sizeof(*pc));
	if (e->type != YAML_MAPPING_NODE)
		return get_uint(p, e, "a port id", 0, MP_MAX_PORTS - 1, id);
	for (pair = e->data.mapping.pairs.start; pair < e->data.mapping.pairs.top; pair++) {
		const yaml_node_t *kn = yaml_document_get_node(p->doc, pair->key);
		const yaml_node_t *vn = yaml_document_get_node(p->doc, pair->value);
		const yaml_node_t **slot;

		if (kn->type != YAML_SCALAR_NODE)
			return fail_at(p, kn, "keys must be plain strings");
		if (strcmp(scalar(kn), "id") == 0)
			slot = &seen_id;
		else if (strcmp(scalar(kn), "tx") == 0)
			slot = &seen_tx;
		else if (strcmp(scalar(kn), "rx_queues") == 0)
			slot = &seen_rxq;
		else
			return fail_at(p, kn, "unknown key \"%s\" in a port "
				       "(id, tx, rx_queues)", show(p, kn));
		if (*slot != NULL)
			return fail_at(p, kn, "duplicate key \"%s\"", show(p, kn));
		*slot = vn;
		if (slot == &seen_id) {
			rc = get_uint(p, vn, "a port id", 0, MP_MAX_PORTS - 1, id);
		} else if (slot == &seen_tx) {
			rc = get_enum(p, vn, "ports.tx", port_tx_modes,
				      RTE_DIM_(port_tx_modes), &u);
			pc->tx = (enum mp_port_tx)u;
		} else {
			rc = get_uint(p, vn, "ports.rx_queues", 1, MP_MAX_RX_QUEUES,
				      &pc->rx_queues);
		}
		if (rc < 0)
			return rc;
	}
	if (seen_id == NULL)
		return fail_at(p, e, "a port needs its id: {id: N, tx: ..., rx_queues: ...}");
	return 0;
}

static int
parse_ports(struct parse *p, const yaml_node_t *n)
{
	yaml_node_item_t *it;
	unsigned int v, i;
	int rc;

	if (n->type != YAML_SEQUENCE_NODE || n->data.sequence.items.top == n->data.sequence.items.start)
		return fail_at(p, n, "ports must be a non-empty list of port ids");
	if (n->data.sequence.items.top - n->data.sequence.items.start > MP_MAX_PORTS)
		return fail_at(p, n, "at most %d ports are allowed", MP_MAX_PORTS);
	p->cfg->nb_ports = 0;
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		const yaml_node_t *e = yaml_document_get_node(p->doc, *it);

		rc = parse_port(p, e, &v, &p->cfg->port_conf[p->cfg->nb_ports]);
		if (rc < 0)
			return rc;
		for (i = 0; i < p->cfg->nb_ports; i++)
			if (p->cfg->ports[i] == v)
				return fail_at(p, e, "port %u is listed twice", v);
		p->cfg->ports[p->cfg->nb_ports++] = (uint16_t)v;
	}
	return 0;
}

static int
parse_mempool(struct parse *p, const yaml_node_t *n)
{
	static const struct key keys[] = {
		UINT("mbufs", mempool.mbufs, 1024, 4194304),
		UINT("cache", mempool.cache, 0, 512),
		END,
	};

	return parse_map(p, n, "mempool", keys);
}

static int
parse_distributor(struct parse *p, const yaml_node_t *n)
{
	static const struct key keys[] = {
		UINT("lcore", distributor.lcore, 0, 127),
		UINT("cpu", distributor.cpu, 0, MAX_CPUS - 1),
		ENUM("mode", distributor.mode, dist_modes),
		UINT("burst", distributor.burst, 1, 512),
		END,
	};

	return parse_map(p, n, "distributor", keys);
}

static int
parse_transmitter(struct parse *p, const yaml_node_t *n)
{
	static const struct key keys[] = {
		UINT("lcore", transmitter.lcore, 0, 127),
		UINT("cpu", transmitter.cpu, 0, MAX_CPUS - 1),
		END,
	};

	return parse_map(p, n, "transmitter", keys);
}

static int
parse_backoff(struct parse *p, const yaml_node_t *n)
{
	struct mp_restart_conf *r = &p->cfg->workers.restart;
	const yaml_node_t *first, *cap;
	int rc;

	if (n->type != YAML_SEQUENCE_NODE ||
	    n->data.sequence.items.top - n->data.sequence.items.start != 2)
		return fail_at(p, n, "workers.restart.backoff_ms must be a list "
			       "[first, cap] of two numbers");
	first = yaml_document_get_node(p->doc, n->data.sequence.items.start[0]);
	cap = yaml_document_get_node(p->doc, n->data.sequence.items.start[1]);
	rc = get_uint(p, first, "workers.restart.backoff_ms first delay", 0,
		      3600000, &r->backoff_first_ms);
	if (rc == 0)
		rc = get_uint(p, cap, "workers.restart.backoff_ms cap", 0, 3600000,
			      &r->backoff_max_ms);
	if (rc == 0 && r->backoff_first_ms > r->backoff_max_ms)
		return fail_at(p, cap, "workers.restart.backoff_ms cap %u is below "
			       "the first delay %u", r->backoff_max_ms,
			       r->backoff_first_ms);
	return rc;
}

static int
parse_restart(struct parse *p, const yaml_node_t *n)
{
	static const struct key keys[] = {
		ENUM("policy", workers.restart.policy, policies),
		CUSTOM("backoff_ms", parse_backoff),
		UINT("max_restarts", workers.restart.max_restarts, 0, 1000000),
		UINT("window_s", workers.restart.window_s, 1, 86400),
		END,
	};

	return parse_map(p, n, "workers.restart", keys);
}

static int
check_ring_size(struct parse *p, const yaml_node_t *n)
{
	unsigned int v;
	int rc;

	rc = get_uint(p, n, "workers.ring_size", 64, 1048576, &v);
	if (rc < 0)
		return rc;
	if (v & (v - 1))
		return fail_at(p, n, "workers.ring_size %u is not a power of two", v);
	p->cfg->workers.ring_size = v;
	return 0;
}

static int
check_heartbeat(struct parse *p, const yaml_node_t *n)
{
	unsigned int v;
	int rc;

	rc = get_uint(p, n, "workers.heartbeat_timeout_ms", 0, 600000, &v);
	if (rc < 0)
		return rc;
	if (v != 0 && v < 50)
		return fail_at(p, n, "workers.heartbeat_timeout_ms must be 0 (off) "
			       "or at least 50");
	p->cfg->workers.heartbeat_timeout_ms = v;
	return 0;
}

static int worker_args(struct parse *p, const yaml_node_t *n, const char *key,
		       struct mp_strv *out);

/* An instance's own program or args (a canary, another NF). */
static int
parse_instance_program(struct parse *p, const yaml_node_t *kn, const yaml_node_t *vn,
		       struct instance_marks *m, struct mp_worker_conf *w)
{
	bool program = strcmp(scalar(kn), "program") == 0;
	const yaml_node_t **slot = program ? &m->program : &m->args;

	if (*slot != NULL)
		return fail_at(p, kn, "duplicate key \"%s\"", show(p, kn));
	*slot = vn;
	if (program)
		return get_string(p, vn, "the program of a worker instance", true,
				  PATH_MAX - 1, &w->program);
	w->has_args = 1;
	return worker_args(p, vn, "the args of a worker instance", &w->args);
}

static int
parse_instances(struct parse *p, const yaml_node_t *n)
{
	struct mp_config *cfg = p->cfg;
	yaml_node_item_t *it;
	unsigned int i;
	int rc;

	if (n->type != YAML_SEQUENCE_NODE)
		return fail_at(p, n, "workers.instances must be a list of "
			       "{id, lcore, cpu} mappings");
	p->ip.seq = n;
	cfg->workers.nb_instances = 0;
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		const yaml_node_t *e = yaml_document_get_node(p->doc, *it);
		const yaml_node_pair_t *pair;
		struct instance_marks *m;
		struct mp_worker_conf *w;

		if (cfg->workers.nb_instances == MP_MAX_WORKERS)
			return fail_at(p, e, "at most %d workers are allowed", MP_MAX_WORKERS);
		if (e->type != YAML_MAPPING_NODE)
			return fail_at(p, e, "a worker instance must be a mapping "
				       "{id, lcore, cpu}");
		m = &p->ip.marks[cfg->workers.nb_instances];
		w = &cfg->workers.instances[cfg->workers.nb_instances];
		memset(m, 0, sizeof(*m));
		for (pair = e->data.mapping.pairs.start; pair < e->data.mapping.pairs.top; pair++) {
			const yaml_node_t *kn = yaml_document_get_node(p->doc, pair->key);
			const yaml_node_t *vn = yaml_document_get_node(p->doc, pair->value);
			const yaml_node_t **slot;
			unsigned int *dst, max;

			if (kn->type != YAML_SCALAR_NODE)
				return fail_at(p, kn, "keys must be plain strings");
			if (strcmp(scalar(kn), "program") == 0 ||
			    strcmp(scalar(kn), "args") == 0) {
				rc = parse_instance_program(p, kn, vn, m, w);
				if (rc < 0)
					return rc;
				continue;
			}
			if (strcmp(scalar(kn), "id") == 0) {
				slot = &m->id, dst = &w->id, max = MP_MAX_WORKERS - 1;
			} else if (strcmp(scalar(kn), "lcore") == 0) {
				slot = &m->lcore, dst = &w->lcore, max = 127;
			} else if (strcmp(scalar(kn), "cpu") == 0) {
				slot = &m->cpu, dst = &w->cpu, max = MAX_CPUS - 1;
			} else {
				return fail_at(p, kn, "unknown key \"%s\" in a worker "
					       "instance (id, lcore, cpu, program, args)",
					       show(p, kn));
			}
			if (*slot != NULL)
				return fail_at(p, kn, "duplicate key \"%s\"", show(p, kn));
			*slot = vn;
			rc = get_uint(p, vn, scalar(kn), 0, max, dst);
			if (rc < 0)
				return rc;
		}
		if (m->id == NULL || m->lcore == NULL || m->cpu == NULL)
			return fail_at(p, e, "a worker instance needs id, lcore and cpu "
				       "(missing %s)", m->id == NULL ? "id" :
				       m->lcore == NULL ? "lcore" : "cpu");
		for (i = 0; i < cfg->workers.nb_instances; i++)
			if (cfg->workers.instances[i].id == w->id)
				return fail_at(p, m->id, "worker id %u is used twice", w->id);
		cfg->workers.nb_instances++;
	}
	if (cfg->workers.nb_instances == 0)
		return fail_at(p, n, "workers.instances must list at least one worker");
	return 0;
}

/*
 * workers.args, without -n: the master gives each worker its id as
 * "-n ID" before these arguments, and a second -n would win (mpworker's
 * getopt keeps the last), so that every worker took the same id.  Any
 * worker program gets that -n, so this holds for all of them; "--" ends
 * the options.
 */
static int
worker_args(struct parse *p, const yaml_node_t *n, const char *key,
	    struct mp_strv *out)
{
	const yaml_node_item_t *it;
	const yaml_node_t *e;
	int rc;

	rc = get_strv(p, n, key, out);
	if (rc < 0)
		return rc;
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		e = yaml_document_get_node(p->doc, *it);
		if (strcmp(scalar(e), "--") == 0)
			break;
		if (strncmp(scalar(e), "-n", 2) == 0)
			return fail_at(p, e, "%s: \"%s\": the master passes "
				       "-n ID to each worker itself; workers.instances "
				       "sets the ids", key, show(p, e));
	}
	return 0;
}

static int
parse_worker_args(struct parse *p, const yaml_node_t *n)
{
	return worker_args(p, n, "workers.args", &p->cfg->workers.args);
}

static int
parse_workers(struct parse *p, const yaml_node_t *n)
{
	static const struct key keys[] = {
		PATH("program", workers.program),
		CUSTOM("args", parse_worker_args),
		CUSTOM("ring_size", check_ring_size),
		ENUM("poll", workers.poll, poll_modes),
		MAP("restart", parse_restart),
		UINT("stop_timeout_ms", workers.stop_timeout_ms, 0, 600000),
		CUSTOM("heartbeat_timeout_ms", check_heartbeat),
		CUSTOM("instances", parse_instances),
		END,
	};

	return parse_map(p, n, "workers", keys);
}

static int
parse_stats(struct parse *p, const yaml_node_t *n)
{
	static const struct key keys[] = {
		UINT("interval_s", stats.interval_s, 0, 3600),
		END,
	};

	return parse_map(p, n, "stats", keys);
}

static int
check_group(struct parse *p, const yaml_node_t *n)
{
	char buf[4096];
	struct group gr, *found = NULL;
	int rc;

	rc = get_string(p, n, "control.group", false, 32, &p->cfg->control.group);
	if (rc < 0 || p->cfg->control.group[0] == '\0') {
		if (rc == 0) {
			free(p->cfg->control.group);
			p->cfg->control.group = NULL;
		}
		return rc;
	}
	if (getgrnam_r(p->cfg->control.group, &gr, buf, sizeof(buf), &found) != 0 ||
	    found == NULL)
		return fail_at(p, n, "control.group: no group \"%s\" on this machine",
			       show(p, n));
	return 0;
}

static int
parse_control(struct parse *p, const yaml_node_t *n)
{
	static const struct key keys[] = {
		{ "socket", K_STRING, OFF(control.socket), 1,
		  sizeof(((struct sockaddr_un *)0)->sun_path) - 1, NULL, 0, NULL },
		CUSTOM("group", check_group),
		END,
	};

	return parse_map(p, n, "control", keys);
}

int
mp_config_parse_listen(const char *s, struct sockaddr_storage *addr,
		       socklen_t *len)
{
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)addr;
	struct sockaddr_in *a4 = (struct sockaddr_in *)addr;
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *h = s;
	size_t hlen;
	char *end;
	long port;

	colon = strrchr(s, ':');
	if (colon == NULL)
		return -EINVAL;
	hlen = (size_t)(colon - s);
	if (s[0] == '[') {
		if (hlen < 2 || s[hlen - 1] != ']')
			return -EINVAL;
		h = s + 1;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(host) || colon[1] < '0' || colon[1] > '9')
		return -EINVAL;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || port < 1 || port > 65535)
		return -EINVAL;
	memset(addr, 0, sizeof(*addr));
	if (s[0] == '[' && inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a6);
		return 0;
	}
	if (s[0] != '[' && inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*len = sizeof(*a4);
		return 0;
	}
	return -EINVAL;
}

static int
check_listen(struct parse *p, const yaml_node_t *n)
{
	struct mp_config *cfg = p->cfg;
	int rc;

	rc = get_string(p, n, "metrics.listen", false, 64, &cfg->metrics.listen);
	if (rc < 0)
		return rc;
	if (cfg->metrics.listen[0] == '\0') {
		free(cfg->metrics.listen);
		cfg->metrics.listen = NULL;
		return 0;
	}
	if (mp_config_parse_listen(cfg->metrics.listen, &cfg->metrics.addr,
				   &cfg->metrics.addr_len) < 0)
		return fail_at(p, n, "metrics.listen must be ADDRESS:PORT with a "
			       "numeric address (127.0.0.1:9641, [::1]:9641) and "
			       "a port 1..65535, not \"%s\"", show(p, n));
	return 0;
}

static int
parse_metrics(struct parse *p, const yaml_node_t *n)
{
	static const struct key keys[] = {
		CUSTOM("listen", check_listen),
		END,
	};

	return parse_map(p, n, "metrics", keys);
}

static int
parse_hooks(struct parse *p, const yaml_node_t *n)
{
	static const struct key keys[] = {
		OPTSTR("on_state_change", hooks.on_state_change, PATH_MAX - 1),
		END,
	};

	return parse_map(p, n, "hooks", keys);
}

static const struct key top_keys[] = {
	MAP("eal", parse_eal),
	PATH("pid_file", pid_file),
	PATH("log_file", log_file),
	CUSTOM("ports", parse_ports),
	MAP("mempool", parse_mempool),
	MAP("distributor", parse_distributor),
	MAP("transmitter", parse_transmitter),
	MAP("workers", parse_workers),
	MAP("stats", parse_stats),
	MAP("control", parse_control),
	MAP("metrics", parse_metrics),
	MAP("hooks", parse_hooks),
	END,
};

/* Parse "0-3,5" (sysfs cpu list) into a bitmap; returns -1 on bad input. */
static int
read_present_cpus(unsigned char *present, char *text, size_t textlen)
{
	FILE *f = fopen("/sys/devices/system/cpu/present", "r");
	char *s, *end;
	long a, b, i, n;

	memset(present, 0, MAX_CPUS);
	if (f == NULL || fgets(text, (int)textlen, f) == NULL) {
		if (f)
			fclose(f);
		n = sysconf(_SC_NPROCESSORS_CONF);
		for (i = 0; i < n && i < MAX_CPUS; i++)
			present[i] = 1;
		snprintf(text, textlen, "0-%ld", n - 1);
		return 0;
	}
	fclose(f);
	text[strcspn(text, "\n")] = '\0';
	for (s = text; *s;) {
		a = strtol(s, &end, 10);
		b = a;
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		for (i = a; i <= b && i >= 0 && i < MAX_CPUS; i++)
			present[i] = 1;
		if (*end != ',')
			break;
		s = end + 1;
	}
	return 0;
}

/* Find the value node of key in the top-level mapping, for positions. */
static const yaml_node_t *
find_value(struct parse *p, const yaml_node_t *map, const char *key)
{
	const yaml_node_pair_t *pair;

	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		const yaml_node_t *kn = yaml_document_get_node(p->doc, pair->key);

		if (kn->type == YAML_SCALAR_NODE && strcmp(scalar(kn), key) == 0)
			return yaml_document_get_node(p->doc, pair->value);
	}
	return NULL;
}

/*
 * Cross-key rules: dense worker ids, one use per lcore id across every
 * process, CPUs that exist.
 */
static int
check_config(struct parse *p, const yaml_node_t *root)
{
	const struct instances_parse *ip = &p->ip;
	struct mp_config *cfg = p->cfg;
	const yaml_node_t *eal = find_value(p, root, "eal");
	const yaml_node_t *dist = find_value(p, root, "distributor");
	const yaml_node_t *workers = find_value(p, root, "workers");
	const yaml_node_t *tx = find_value(p, root, "transmitter");
	const yaml_node_t *tx_lcore = find_value(p, tx, "lcore");
	const yaml_node_t *tx_cpu = find_value(p, tx, "cpu");
	unsigned char present[MAX_CPUS];
	char present_text[256], owner[128][40];
	const yaml_node_t *where;
	unsigned int i, seen_ids = 0;
	struct mp_worker_conf tmp;

	if (ip->seq == NULL)
		return fail_at(p, workers ? workers : root,
			       "workers.instances is required: list at least one "
			       "{id, lcore, cpu}");
	for (i = 0; i < cfg->workers.nb_instances; i++)
		if (cfg->workers.instances[i].id < 32)
			seen_ids |= 1u << cfg->workers.instances[i].id;
	for (i = 0; i < cfg->workers.nb_instances; i++)
		if (!(seen_ids & (1u << i)))
			return fail_at(p, ip->seq, "worker ids must be dense from 0: "
				       "id %u is missing", i);

	/* lcore ids: each used once across master, distributor and workers. */
	memset(owner, 0, sizeof(owner));
	snprintf(owner[cfg->eal.main_lcore], sizeof(owner[0]), "the main lcore");
	if (owner[cfg->distributor.lcore][0])
		return fail_at(p, find_value(p, dist, "lcore") ?: root,
			       "lcore %u of the distributor is already used by %s",
			       cfg->distributor.lcore, owner[cfg->distributor.lcore]);
	snprintf(owner[cfg->distributor.lcore], sizeof(owner[0]), "the distributor");
	/* Unset, the transmitter is the distributor's loop, on its CPU. */
	if (tx_lcore == NULL)
		cfg->transmitter.lcore = cfg->distributor.lcore;
	if (tx_cpu == NULL || !mp_config_transmitter_own_lcore(cfg)) {
		if (tx_cpu != NULL && cfg->transmitter.cpu != cfg->distributor.cpu)
			return fail_at(p, tx_cpu, "the transmitter runs on the "
				       "distributor's lcore %u, so on its CPU %u: give "
				       "transmitter.lcore an lcore of its own for CPU %u",
				       cfg->distributor.lcore, cfg->distributor.cpu,
				       cfg->transmitter.cpu);
		cfg->transmitter.cpu = cfg->distributor.cpu;
	}
	if (mp_config_transmitter_own_lcore(cfg)) {
		if (owner[cfg->transmitter.lcore][0])
			return fail_at(p, tx_lcore, "lcore %u of the transmitter is "
				       "already used by %s", cfg->transmitter.lcore,
				       owner[cfg->transmitter.lcore]);
		snprintf(owner[cfg->transmitter.lcore], sizeof(owner[0]),
			 "the transmitter");
	}
	for (i = 0; i < cfg->workers.nb_instances; i++) {
		const struct mp_worker_conf *w = &cfg->workers.instances[i];

		if (owner[w->lcore][0])
			return fail_at(p, ip->marks[i].lcore,
				       "lcore %u of worker %u is already used by %s",
				       w->lcore, w->id, owner[w->lcore]);
		snprintf(owner[w->lcore], sizeof(owner[0]), "worker %u", w->id);
	}

	read_present_cpus(present, present_text, sizeof(present_text));
	where = find_value(p, eal, "main_cpu");
	if (!present[cfg->eal.main_cpu])
		return fail_at(p, where ?: root, "CPU %u does not exist on this machine "
			       "(present: %s)", cfg->eal.main_cpu, present_text);
	where = find_value(p, dist, "cpu");
	if (!present[cfg->distributor.cpu])
		return fail_at(p, where ?: root, "CPU %u does not exist on this machine "
			       "(present: %s)", cfg->distributor.cpu, present_text);
	if (!present[cfg->transmitter.cpu])
		return fail_at(p, tx_cpu ?: root, "CPU %u does not exist on this machine "
			       "(present: %s)", cfg->transmitter.cpu, present_text);
	for (i = 0; i < cfg->workers.nb_instances; i++)
		if (!present[cfg->workers.instances[i].cpu])
			return fail_at(p, ip->marks[i].cpu, "CPU %u does not exist on "
				       "this machine (present: %s)",
				       cfg->workers.instances[i].cpu, present_text);

	/* Sorted by id, so instances[i].id == i. */
	for (i = 0; i < cfg->workers.nb_instances; i++) {
		while (cfg->workers.instances[i].id != i) {
			unsigned int j = cfg->workers.instances[i].id;

			tmp = cfg->workers.instances[j];
			cfg->workers.instances[j] = cfg->workers.instances[i];
			cfg->workers.instances[i] = tmp;
		}
	}
	return 0;
}

int
mp_config_defaults(struct mp_config *cfg)
{
	static const char *const args[] = { "--no-pci", "--vdev=net_null0",
					    "--vdev=net_null1" };
	unsigned int i;

	memset(cfg, 0, sizeof(*cfg));
	cfg->eal.file_prefix = strdup("mp");
	cfg->eal.memory_mb = 256;
	cfg->eal.args.v = calloc(4, sizeof(char *));
	if (cfg->eal.file_prefix == NULL || cfg->eal.args.v == NULL)
		goto fail;
	for (i = 0; i < 3; i++) {
		cfg->eal.args.v[i] = strdup(args[i]);
		if (cfg->eal.args.v[i] == NULL)
			goto fail;
		cfg->eal.args.n++;
	}
	cfg->ports[0] = 0;
	cfg->ports[1] = 1;
	cfg->nb_ports = 2;
	cfg->mempool.mbufs = 16383;
	cfg->mempool.cache = 256;
	cfg->distributor.lcore = 1;
	cfg->distributor.cpu = 0;
	cfg->distributor.mode = MP_DIST_ROUND_ROBIN;
	cfg->distributor.burst = 32;
	cfg->transmitter.lcore = cfg->distributor.lcore;
	cfg->transmitter.cpu = cfg->distributor.cpu;
	cfg->workers.ring_size = 2048;
	cfg->workers.poll = MP_POLL_BUSY;
	cfg->workers.restart.policy = MP_RESTART_ALWAYS;
	cfg->workers.restart.backoff_first_ms = 100;
	cfg->workers.restart.backoff_max_ms = 5000;
	cfg->workers.restart.max_restarts = 10;
	cfg->workers.restart.window_s = 60;
	cfg->workers.stop_timeout_ms = 2000;
	cfg->workers.heartbeat_timeout_ms = 1000;
	cfg->stats.interval_s = 1;
	return 0;

fail:
	mp_config_free(cfg);
	return -ENOMEM;
}

int
mp_config_parse(const char *name, const char *buf, size_t len,
		struct mp_config *cfg, char *err, size_t errlen)
{
	struct parse p;
	yaml_parser_t parser;
	yaml_document_t doc;
	const yaml_node_t *root;
	bool have_doc = false;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	if (len > MP_CONFIG_MAX_SIZE)
		return fail_input(err, errlen, -EFBIG, name,
				  "larger than 1 MiB (%zu bytes)", len);
	if (buf == NULL)
		buf = "";
	memset(&p, 0, sizeof(p));
	p.path = name;
	p.buf = buf;
	p.len = len;
	p.cfg = cfg;
	p.err = err;
	p.errlen = errlen;
	rc = check_tokens(&p);
	if (rc == 0)
		rc = check_events(&p);
	if (rc < 0)
		return rc;
	if (mp_config_defaults(cfg) < 0)
		return fail_input(err, errlen, -ENOMEM, name, "out of memory");
	rc = parser_open(&p, &parser);
	if (rc < 0) {
		mp_config_free(cfg);
		return rc;
	}
	if (!yaml_parser_load(&parser, &doc)) {
		rc = fail_yaml(&p, &parser);
		goto fail;
	}
	have_doc = true;
	p.doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (root == NULL) {
		rc = fail_at(&p, NULL, "empty config: workers.instances is required");
		goto fail;
	}
	rc = parse_map(&p, root, "", top_keys);
	if (rc == 0)
		rc = check_config(&p, root);
	if (rc < 0) {
		if (rc == -ENOMEM)
			fail_input(err, errlen, rc, name, "out of memory");
		goto fail;
	}
	cfg->path = strdup(name);
	if (cfg->pid_file == NULL &&
	    asprintf(&cfg->pid_file, "/run/mpmaster-%s.pid", cfg->eal.file_prefix) < 0)
		cfg->pid_file = NULL;
	if (cfg->control.socket == NULL &&
	    asprintf(&cfg->control.socket, "/run/mpmaster-%s.sock", cfg->eal.file_prefix) < 0)
		cfg->control.socket = NULL;
	if (cfg->path == NULL || cfg->pid_file == NULL || cfg->control.socket == NULL) {
		rc = fail_input(err, errlen, -ENOMEM, name, "out of memory");
		goto fail;
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return 0;

fail:
	if (have_doc)
		yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	mp_config_free(cfg);
	return rc;
}

/* What a file that is not a regular one is, for messages. */
static const char *
file_kind(mode_t mode)
{
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	return "of an unknown kind";
}

/* Refuse anything but a regular file of at most MP_CONFIG_MAX_SIZE bytes. */
static int
check_file(const char *path, const struct stat *st, char *err, size_t errlen)
{
	if (S_ISDIR(st->st_mode))
		return fail_input(err, errlen, -EISDIR, path, "is a directory");
	if (!S_ISREG(st->st_mode))
		return fail_input(err, errlen, -EINVAL, path, "not a regular file (%s)",
				  file_kind(st->st_mode));
	if (st->st_size > MP_CONFIG_MAX_SIZE)
		return fail_input(err, errlen, -EFBIG, path, "larger than 1 MiB (%jd bytes)",
				  (intmax_t)st->st_size);
	return 0;
}

/*
 * Read the config file whole into *bufp (*lenp bytes), so that libyaml
 * parses from memory and nothing it does can wait on the file.  A reload
 * runs on the master's event loop, so whatever could block it is refused
 * before it is read: a FIFO would block open() until a writer came (and
 * read() until it wrote), a device may block or act on being opened (a
 * watchdog starts counting), a huge file takes long to read and parse.
 * Hence stat() before opening anything, open() without blocking, the same
 * checks again on the descriptor (the path may have been replaced in
 * between), and a read that stops one byte past the limit, since the file
 * may grow as we read it.
 */
static int
read_file(const char *path, char **bufp, size_t *lenp, char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd, rc;

	if (stat(path, &st) < 0)
		return fail_input(err, errlen, -errno, path, "cannot open: %s",
				  strerror(errno));
	rc = check_file(path, &st, err, errlen);
	if (rc < 0)
		return rc;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return fail_input(err, errlen, -errno, path, "cannot open: %s",
				  strerror(errno));
	if (fstat(fd, &st) < 0) {
		rc = fail_input(err, errlen, -errno, path, "cannot open: %s",
				strerror(errno));
		goto fail;
	}
	rc = check_file(path, &st, err, errlen);
	if (rc < 0)
		goto fail;
	buf = malloc(MP_CONFIG_MAX_SIZE + 1);
	if (buf == NULL) {
		rc = fail_input(err, errlen, -ENOMEM, path, "out of memory");
		goto fail;
	}
	while (len <= MP_CONFIG_MAX_SIZE) {
		n = read(fd, buf + len, MP_CONFIG_MAX_SIZE + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = fail_input(err, errlen, -errno, path, "cannot read: %s",
					strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > MP_CONFIG_MAX_SIZE) {
		rc = fail_input(err, errlen, -EFBIG, path, "larger than 1 MiB "
				"(more than %d bytes)", MP_CONFIG_MAX_SIZE);
		goto fail;
	}
	close(fd);
	*bufp = buf;
	*lenp = len;
	return 0;

fail:
	free(buf);
	close(fd);
	return rc;
}

int
mp_config_load(const char *path, struct mp_config *cfg, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	rc = read_file(path, &buf, &len, err, errlen);
	if (rc < 0)
		return rc;
	rc = mp_config_parse(path, buf, len, cfg, err, errlen);
	free(buf);
	return rc;
}

/*
 * Read path and build its YAML document, for the lenient readers below:
 * the same bounded passes as mp_config_parse(), none of its checks.  On
 * success the caller releases it with doc_close().  p->cfg is a config of
 * defaults, for the value readers.
 */
struct doc {
	struct parse p;
	struct mp_config cfg;
	yaml_parser_t parser;
	yaml_document_t doc;
	char *buf;
	const yaml_node_t *root;
};

static int
doc_open(struct doc *d, const char *path, char *err, size_t errlen)
{
	size_t len = 0;
	int rc;

	memset(d, 0, sizeof(*d));
	rc = read_file(path, &d->buf, &len, err, errlen);
	if (rc < 0)
		return rc;
	d->p.path = path;
	d->p.buf = d->buf;
	d->p.len = len;
	d->p.cfg = &d->cfg;
	d->p.err = err;
	d->p.errlen = errlen;
	rc = check_tokens(&d->p);
	if (rc == 0)
		rc = check_events(&d->p);
	if (rc == 0)
		rc = mp_config_defaults(&d->cfg);
	if (rc < 0)
		goto fail_buf;
	rc = parser_open(&d->p, &d->parser);
	if (rc < 0)
		goto fail_cfg;
	if (!yaml_parser_load(&d->parser, &d->doc)) {
		rc = fail_yaml(&d->p, &d->parser);
		yaml_parser_delete(&d->parser);
		goto fail_cfg;
	}
	d->p.doc = &d->doc;
	d->root = yaml_document_get_root_node(&d->doc);
	return 0;

fail_cfg:
	mp_config_free(&d->cfg);
fail_buf:
	free(d->buf);
	return rc;
}

static void
doc_close(struct doc *d)
{
	yaml_document_delete(&d->doc);
	yaml_parser_delete(&d->parser);
	mp_config_free(&d->cfg);
	free(d->buf);
}

/*
 * The node of a dotted key below n; a number selects the item of a
 * sequence whose "id" is that number (workers.instances.2.program).
 * Stops at the deepest node the file has; *rest is "" if that is the
 * key's own.
 */
static const yaml_node_t *
find_key(struct parse *p, const yaml_node_t *n, const char *key, const char **rest)
{
	const yaml_node_item_t *it;
	const yaml_node_t *next, *id;
	char part[64];
	size_t len;

	while (n != NULL && *key != '\0') {
		len = strcspn(key, ".");
		if (len >= sizeof(part))
			break;
		memcpy(part, key, len);
		part[len] = '\0';
		next = NULL;
		if (n->type == YAML_SEQUENCE_NODE) {
			for (it = n->data.sequence.items.start;
			     it < n->data.sequence.items.top && next == NULL; it++) {
				id = find_value(p, yaml_document_get_node(p->doc, *it), "id");
				if (id != NULL && id->type == YAML_SCALAR_NODE &&
				    strcmp(scalar(id), part) == 0)
					next = yaml_document_get_node(p->doc, *it);
			}
		} else {
			next = find_value(p, n, part);
		}
		if (next == NULL)
			break;
		n = next;
		key += len + (key[len] == '.');
	}
	*rest = key;
	return n;
}

/*
 * A path mpmaster -s or mpctl needs (control.socket, pid_file) from a
 * file that may not pass the checker (an operator editing it, or one
 * broken after the master started): its YAML must parse, key and
 * eal.file_prefix must be valid if present, nothing else is looked at.
 * Without the key, the default of the prefix: /run/mpmaster-PREFIX.EXT.
 */
static int
lenient_path(const char *path, const char *key, const char *ext, size_t max,
	     char **out, char *err, size_t errlen)
{
	const yaml_node_t *n;
	const char *rest;
	struct doc d;
	int rc;

	*out = NULL;
	rc = doc_open(&d, path, err, errlen);
	if (rc < 0)
		return rc;
	n = find_key(&d.p, d.root, key, &rest);
	if (n != NULL && *rest == '\0') {
		rc = get_string(&d.p, n, key, true, max, out);
	} else {
		n = find_value(&d.p, find_value(&d.p, d.root, "eal"), "file_prefix");
		rc = n != NULL ? check_prefix(&d.p, n) : 0;
		if (rc == 0 && asprintf(out, "/run/mpmaster-%s.%s",
					d.cfg.eal.file_prefix, ext) < 0) {
			*out = NULL;
			rc = fail_input(err, errlen, -ENOMEM, path, "out of memory");
		}
	}
	doc_close(&d);
	return rc;
}

int
mp_config_control_socket(const char *path, char **socket_path, char *err,
			 size_t errlen)
{
	return lenient_path(path, "control.socket", "sock",
			    sizeof(((struct sockaddr_un *)0)->sun_path) - 1,
			    socket_path, err, errlen);
}

int
mp_config_pid_file(const char *path, char **pid_file, char *err, size_t errlen)
{
	return lenient_path(path, "pid_file", "pid", PATH_MAX - 1,
			    pid_file, err, errlen);
}

int
mp_config_error_at(const char *path, const char *key, char *err, size_t errlen,
		   const char *fmt, ...)
{
	char msg[MP_ERR_LEN], raw[MP_ERR_LEN + 8];
	const char *rest;
	struct doc d;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (doc_open(&d, path, raw, sizeof(raw)) < 0) {
		snprintf(raw, sizeof(raw), "%s: %s", path, msg);
		put_line(err, errlen, raw);
		return -EINVAL;
	}
	d.p.err = err;
	d.p.errlen = errlen;
	fail_at(&d.p, find_key(&d.p, d.root, key, &rest), "%s", msg);
	doc_close(&d);
	return -EINVAL;
}

void
mp_config_list_keys(FILE *out)
{
	struct parse p;

	memset(&p, 0, sizeof(p));
	p.list = out;
	parse_map(&p, NULL, "", top_keys);
}

void
mp_config_free(struct mp_config *cfg)
{
	unsigned int i;

	free(cfg->path);
	free(cfg->eal.file_prefix);
	strv_free(&cfg->eal.args);
	free(cfg->pid_file);
	free(cfg->log_file);
	free(cfg->control.socket);
	free(cfg->control.group);
	free(cfg->metrics.listen);
	free(cfg->hooks.on_state_change);
	free(cfg->workers.program);
	strv_free(&cfg->workers.args);
	/* All of them: a failed parse may leave strings in the next instance. */
	for (i = 0; i < MP_MAX_WORKERS; i++) {
		free(cfg->workers.instances[i].program);
		strv_free(&cfg->workers.instances[i].args);
	}
	memset(cfg, 0, sizeof(*cfg));
}

const char *
mp_config_dist_mode_name(enum mp_dist_mode mode)
{
	return (unsigned int)mode < RTE_DIM_(dist_modes) ? dist_modes[mode] : "?";
}

const char *
mp_config_port_tx_name(enum mp_port_tx tx)
{
	return (unsigned int)tx < RTE_DIM_(port_tx_modes) ? port_tx_modes[tx] : "?";
}

const char *
mp_config_poll_name(enum mp_poll_mode poll)
{
	return (unsigned int)poll < RTE_DIM_(poll_modes) ? poll_modes[poll] : "?";
}

const char *
mp_config_policy_name(enum mp_restart_policy policy)
{
	return (unsigned int)policy < RTE_DIM_(policies) ? policies[policy] : "?";
}
