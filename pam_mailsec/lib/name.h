/* Mailbox names: the one rule (DESIGN.md) applied before any path is built. */
#ifndef MAILSEC_NAME_H
#define MAILSEC_NAME_H

#include "error.h"

/* The longest name whose files (NAME.state, NAME.conf, NAME.lock) still fit
 * in one 255-byte directory entry. DESIGN.md allows 254; see README. */
#define MS_NAME_MAX 249

/* ASCII upper case to lower case; every other byte as it is. */
char ms_ascii_lower(char c);

/* Folds ASCII upper case to lower case, then accepts 1..MS_NAME_MAX
 * characters of [a-z0-9._%+-@], not starting with '.', with at most one '@'.
 * On success `out` holds the canonical name. MS_INVALID otherwise, with
 * `out` empty. */
enum ms_status ms_name_canonical(const char *given, char out[MS_NAME_MAX + 1],
				 struct ms_error *err);

#endif
