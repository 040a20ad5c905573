#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "secure.h"

void ms_wipe(void *buf, size_t len)
{
	if (buf)
		explicit_bzero(buf, len);
}

void ms_wipe_str(char *str)
{
	if (str)
		explicit_bzero(str, strlen(str));
}

void ms_free_secret(char *str)
{
	ms_wipe_str(str);
	free(str);
}

bool ms_streq_ct(const char *given, const char *expected)
{
	size_t expected_len = strlen(expected);
	size_t given_len = strnlen(given, expected_len + 1);
	/* Compare against itself on a length mismatch so the work done is the
	 * same either way. */
	const char *other = given_len == expected_len ? given : expected;
	int same = sodium_memcmp(other, expected, expected_len) == 0;

	return same && given_len == expected_len;
}
