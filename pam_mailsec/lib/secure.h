/* Wiping and comparing secrets: one place, used on every path out. */
#ifndef MAILSEC_SECURE_H
#define MAILSEC_SECURE_H

#include <stdbool.h>
#include <stddef.h>

void ms_wipe(void *buf, size_t len);
/* Wipes a NUL-terminated string in place (NULL is fine). */
void ms_wipe_str(char *str);
/* Wipes and frees a heap string (NULL is fine). */
void ms_free_secret(char *str);

/* Constant-time equality of two strings. The time depends only on the
 * length of `expected` (a stored, non-secret-length value such as a
 * hash), never on where they differ. */
bool ms_streq_ct(const char *given, const char *expected);

#endif
