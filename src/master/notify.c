/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * systemd's notification protocol (sd_notify(3)), spoken directly: one
 * datagram per message to the socket named by $NOTIFY_SOCKET.  Without
 * that variable (not started by systemd) every call does nothing.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "master.h"

void
mp_notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	socklen_t len;
	size_t plen;
	int fd;

	if (path == NULL || (path[0] != '/' && path[0] != '@'))
		return;
	plen = strlen(path);
	if (plen >= sizeof(sa.sun_path))
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, plen);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';	/* abstract namespace */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa, len) < 0)
		mp_warn("sendto() failed for the systemd notification \"%s\": %s",
			msg, strerror(errno));
	close(fd);
}

/*
 * The interval for WATCHDOG=1 pings in ms (half of $WATCHDOG_USEC), or 0
 * when systemd did not ask for them or asked another process.
 */
unsigned int
mp_notify_watchdog_ms(void)
{
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	unsigned long long v;

	if (usec == NULL || (pid != NULL && atoi(pid) != getpid()))
		return 0;
	v = strtoull(usec, NULL, 10) / 2000;
	return v == 0 ? 1 : v > 3600000 ? 3600000 : (unsigned int)v;
}
