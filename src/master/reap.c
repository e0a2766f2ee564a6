/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reaping, an event source: libuv reaps every worker (no SIGCHLD handler
 * of ours, no waitpid(-1)) and calls mp_reap_exit_cb().  What the dead
 * process shared is repaired first, before anything else can use it: its
 * ring, its burst, and EAL's locks if it died in its start-up.  Only then
 * is the exit an event for the state machine, which decides what follows.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "supervisor.h"

/* What an exit looked like, for the log and for /mp/workers last_exit. */
void
mp_reap_describe(char *buf, size_t len, int64_t exit_status, int term_signal)
{
	if (term_signal != 0)
		snprintf(buf, len, "signal %d (SIG%s)", term_signal,
			 sigabbrev_np(term_signal) ? sigabbrev_np(term_signal) : "?");
	else
		snprintf(buf, len, "exit %lld", (long long)exit_status);
}

/* libuv calls this only after the process was reaped, so closing is safe. */
void
mp_reap_exit_cb(uv_process_t *proc, int64_t exit_status, int term_signal)
{
	struct mp_worker *w = proc->data;
	struct mp_worker_exit exit = { .clean = exit_status == 0 && term_signal == 0 };

	mp_reap_describe(exit.what, sizeof(exit.what), exit_status, term_signal);
	mp_crash_repair(w->sup, w);
	if (w->running_ms == 0)
		mp_lock_repair_request(w->sup, w);
	w->proc = NULL;
	w->pid = 0;
	mp_spawn_close(proc);
	mp_fsm_apply(w, MP_EV_EXITED, &exit);
}
