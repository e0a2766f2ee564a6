/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MP_HUMAN_H
#define MP_HUMAN_H

/* Numbers for people: the master's live table and mpctl status. */

#include <stddef.h>

/*
 * v with a unit prefix, in buf of len bytes: 1234567 -> "1.23M", 1500 ->
 * "1.5k", 12 -> "12".  Keeps tables narrow.  Returns buf.
 */
const char *mp_human(double v, char *buf, size_t len);

#endif /* MP_HUMAN_H */
