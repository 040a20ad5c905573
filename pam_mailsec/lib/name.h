/* Mailbox names: the one rule, applied before any path is built. */
#ifndef MAILSEC_NAME_H
#define MAILSEC_NAME_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* The longest name whose files (NAME.state, NAME.conf, NAME.lock) still fit
 * in one 255-byte directory entry. The original design allows 254
 * (README.md, "Departures from the original design"). */
#define MS_NAME_MAX 249

/* A mailbox's file name "NAME.SUFFIX" with its NUL (ms_file_name). The
 * longest suffix is "state"; records are "conf", locks "lock". */
#define MS_FILE_SUFFIX_MAX 5
#define MS_FILE_NAME_MAX (MS_NAME_MAX + 1 + MS_FILE_SUFFIX_MAX + 1)

/* ASCII upper case to lower case; every other byte as it is. */
char ms_ascii_lower(char c);

/* Folds ASCII upper case to lower case, then accepts 1..MS_NAME_MAX
 * characters of [a-z0-9._%+-@], not starting with '.', with at most one '@'.
 * On success `out` holds the canonical name. MS_INVALID otherwise, with
 * `out` empty. */
enum ms_status ms_name_canonical(const char *given, char out[MS_NAME_MAX + 1],
				 struct ms_error *err);

/* A name as a store holds it: ms_name_canonical accepts it and gives it
 * back unchanged ("Alice" and "../x" are not). */
bool ms_name_is_canonical(const char *name);

/* `text`, which may be anything, for a message: each byte outside
 * printable ASCII as '?', cut to fit `size` with "..." at the end. */
void ms_name_shown(const char *text, char *out, size_t size);

#endif
