/* Secrets come from stdin or the terminal, never from argv. */
#ifndef MAILSECCTL_SECRET_INPUT_H
#define MAILSECCTL_SECRET_INPUT_H

#include <stddef.h>

#include "error.h"

/* Longest password accepted, in bytes: crypt(3) takes at most
 * CRYPT_MAX_PASSPHRASE_SIZE - 1 = 511 (a longer one fails with ERANGE). */
#define SECRET_INPUT_MAX 511

/* One line of stdin without its newline, read byte by byte so no stdio
 * buffer keeps a copy. `what` names it in errors. Empty, or holding a
 * NUL byte → MS_INVALID. */
enum ms_status secret_read_line(const char *what, char buf[SECRET_INPUT_MAX + 1],
				struct ms_error *err);

/* A new password: stdin's first line, or on a terminal a no-echo prompt
 * asked twice that must match. */
enum ms_status secret_read_new_password(char buf[SECRET_INPUT_MAX + 1],
					struct ms_error *err);

#endif
