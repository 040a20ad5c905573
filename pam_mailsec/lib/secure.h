/* Wiping and comparing secrets: one place, used on every path out. */
#ifndef MAILSEC_SECURE_H
#define MAILSEC_SECURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

void ms_wipe(void *buf, size_t len);
/* Wipes a NUL-terminated string in place (NULL is fine). */
void ms_wipe_str(char *str);
/* Wipes and frees a heap string (NULL is fine). */
void ms_free_secret(char *str);

/* Constant-time equality of two strings. The time depends only on the
 * length of `expected` (a stored, non-secret-length value such as a
 * hash), never on where they differ. */
bool ms_streq_ct(const char *given, const char *expected);

/* Text holding a secret, built in memory this library allocates and
 * wipes: growing copies into a new allocation and wipes the old one, where
 * realloc or open_memstream would leave copies in freed memory. Start from
 * { 0 }. */
struct ms_secret_buf {
	char *data; /* NUL-terminated; NULL until something is added */
	size_t len, cap;
	bool failed; /* an allocation failed: the text is wiped and gone */
};

/* Appends `len` bytes; false (and `failed` set) when out of memory. */
bool ms_secret_buf_add(struct ms_secret_buf *buf, const char *bytes,
		       size_t len);
bool ms_secret_buf_add_str(struct ms_secret_buf *buf, const char *str);
/* An unbuffered stream writing into `buf`, for writers that only take a
 * FILE *: no stdio buffer holds a copy. NULL when out of memory. */
FILE *ms_secret_buf_stream(struct ms_secret_buf *buf);
/* The text ("" when nothing was added), the caller's to ms_free_secret;
 * NULL when an allocation failed. `buf` is empty afterwards. */
char *ms_secret_buf_take(struct ms_secret_buf *buf);
/* Wipes and frees the text; `buf` is empty afterwards. */
void ms_secret_buf_wipe(struct ms_secret_buf *buf);

#endif
