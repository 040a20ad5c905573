#include "config.h"

#include <string.h>

#include "name.h"

static int allowed_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       strchr("._%+-@", c) != NULL;
}

char ms_ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

enum ms_status ms_name_canonical(const char *given, char out[MS_NAME_MAX + 1],
				 struct ms_error *err)
{
	size_t len = strnlen(given, MS_NAME_MAX + 1);
	int at_signs = 0;

	out[0] = '\0';
	if (len == 0)
		return ms_fail(err, MS_INVALID, "empty mailbox name");
	if (len > MS_NAME_MAX)
		return ms_fail(err, MS_INVALID,
			       "mailbox name longer than %d characters",
			       MS_NAME_MAX);
	if (given[0] == '.')
		return ms_fail(err, MS_INVALID,
			       "mailbox name must not start with '.'");
	for (size_t i = 0; i < len; i++) {
		char c = ms_ascii_lower(given[i]);

		/* The name is not echoed: it may hold arbitrary bytes. */
		if (c == '\0' || !allowed_char(c))
			return ms_fail(err, MS_INVALID,
				       "mailbox name has a character outside [a-z0-9._%%+-@] at position %zu",
				       i + 1);
		if (c == '@' && ++at_signs > 1)
			return ms_fail(err, MS_INVALID,
				       "mailbox name has more than one '@'");
	}
	/* Only now: a refused name must leave `out` empty, not a prefix of
	 * itself that a caller could log or use. */
	for (size_t i = 0; i < len; i++)
		out[i] = ms_ascii_lower(given[i]);
	out[len] = '\0';
	return MS_OK;
}

bool ms_name_is_canonical(const char *name)
{
	char canonical[MS_NAME_MAX + 1];
	struct ms_error err;

	return ms_name_canonical(name, canonical, &err) == MS_OK &&
	       strcmp(name, canonical) == 0;
}

void ms_name_shown(const char *text, char *out, size_t size)
{
	static const char cut[] = "...";
	size_t i = 0;

	if (size == 0)
		return;
	for (; text[i] && i + 1 < size; i++)
		out[i] = (text[i] > 0x20 && text[i] < 0x7f) ? text[i] : '?';
	out[i] = '\0';
	if (text[i] && size > sizeof(cut))
		memcpy(out + size - sizeof(cut), cut, sizeof(cut));
}
