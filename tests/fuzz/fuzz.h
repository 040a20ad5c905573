/* What every fuzz target shares: turning bytes into a C string, and
 * checking an invariant in a way libFuzzer records as a crash. */
#ifndef MAILSEC_FUZZ_H
#define MAILSEC_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* abort(), not assert(): the check must stay with NDEBUG, and libFuzzer
 * saves the input that reached it. */
#define FUZZ_CHECK(cond)                                                  \
	((cond) ? (void)0 : fuzz_violated(#cond, __FILE__, __LINE__))

static inline void fuzz_violated(const char *what, const char *file,
				 int line)
{
	fprintf(stderr, "%s:%d: invariant violated: %s\n", file, line, what);
	abort();
}

/* The bytes as the NUL-terminated string a C caller would pass: whatever
 * follows an embedded NUL is simply never seen. Freed with free(). */
static inline char *fuzz_cstring(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	return text;
}

#endif
