/* Mailbox-name validation: whatever it accepts must be safe to build a
 * path from, and it must accept exactly what the rule (name.h) allows. */
#include "config.h"

#include <stdbool.h>

#include "fuzz.h"
#include "name.h"

static bool rule_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("._%+-@", c));
}

static char rule_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* The rule written out again, independently: fold, then 1..MS_NAME_MAX of
 * [a-z0-9._%+-@], no leading '.', at most one '@'. */
static bool rule_accepts(const char *given)
{
	size_t len = strlen(given);
	int at_signs = 0;

	if (len == 0 || len > MS_NAME_MAX || given[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = rule_lower(given[i]);

		if (!rule_char(c))
			return false;
		at_signs += c == '@';
	}
	return at_signs <= 1;
}

/* What a path built from `name` relies on, checked on the output alone. */
static void check_safe(const char *name)
{
	size_t len = strnlen(name, MS_NAME_MAX + 1);

	FUZZ_CHECK(len >= 1 && len <= MS_NAME_MAX);
	FUZZ_CHECK(name[0] != '.');
	FUZZ_CHECK(strchr(name, '/') == NULL);
	FUZZ_CHECK(strchr(name, '@') == strrchr(name, '@'));
	for (size_t i = 0; i < len; i++)
		FUZZ_CHECK(rule_char(name[i]));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *given = fuzz_cstring(data, size);
	char out[MS_NAME_MAX + 1], again[MS_NAME_MAX + 1];
	struct ms_error err = { 0 };
	enum ms_status status = ms_name_canonical(given, out, &err);

	FUZZ_CHECK((status == MS_OK) == rule_accepts(given));
	if (status == MS_OK) {
		check_safe(out);
		FUZZ_CHECK(strlen(out) == strlen(given));
		for (size_t i = 0; out[i]; i++)
			FUZZ_CHECK(out[i] == rule_lower(given[i]));
		/* Canonical means a fixed point. */
		FUZZ_CHECK(ms_name_canonical(out, again, &err) == MS_OK);
		FUZZ_CHECK(strcmp(out, again) == 0);
	} else {
		FUZZ_CHECK(status == MS_INVALID && err.status == MS_INVALID);
		FUZZ_CHECK(out[0] == '\0' && err.msg[0] != '\0');
	}
	free(given);
	return 0;
}
