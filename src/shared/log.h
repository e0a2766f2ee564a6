/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MP_LOG_H
#define MP_LOG_H

/*
 * One log line per call, written with a single write(2) so that lines of
 * the master and of its workers, which share a stderr, never interleave
 * mid-line.  Format: "2026-11-24T23:59:59.123Z mpmaster[1234]: error: ...".
 */

enum mp_log_level {
	MP_LOG_ERR = 0,
	MP_LOG_WARN,
	MP_LOG_INFO,
	MP_LOG_DEBUG,
};

/*
 * Set with the value "1" in the environment of a process whose stderr is
 * the master's pipe (the master sets it when it spawns a worker): its lines
 * are then "<N>message", N the syslog priority of the level (3 error,
 * 4 warning, 6 info, 7 debug), and the master, which reads them, adds its
 * own timestamp, name and pid (worker_output.c).  A process run by hand
 * keeps the full format.
 */
#define MP_LOG_ENV_TAGGED "MP_LOG_TAGGED"

/*
 * Set the program name shown in each line and the most verbose level kept;
 * the format follows MP_LOG_ENV_TAGGED.
 */
void mp_log_init(const char *ident, enum mp_log_level max_level);

void mp_log(enum mp_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* How many lines mp_log() has written so far. */
unsigned long mp_log_lines(void);

/*
 * Send stdout and stderr to path (append), opened anew; NULL keeps them.
 * Returns 0 or a negative errno (logged).
 */
int mp_log_reopen(const char *path);

#define mp_err(...) mp_log(MP_LOG_ERR, __VA_ARGS__)
#define mp_warn(...) mp_log(MP_LOG_WARN, __VA_ARGS__)
#define mp_info(...) mp_log(MP_LOG_INFO, __VA_ARGS__)
#define mp_debug(...) mp_log(MP_LOG_DEBUG, __VA_ARGS__)

#endif /* MP_LOG_H */
