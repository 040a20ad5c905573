/* Mailbox names: the one rule applied before any path is built from them. */
#include "config.h"

#include <string.h>

#include "name.h"
#include "suites.h"

static enum ms_status canonical(const char *given, char out[MS_NAME_MAX + 1],
				struct ms_error *err)
{
	memset(err, 0, sizeof(*err));
	/* A stale value would hide a function that forgets to clear it. */
	memset(out, 'X', MS_NAME_MAX + 1);
	return ms_name_canonical(given, out, err);
}

/* `given` is refused with a message, and no name is handed out. */
static void assert_refused(const char *given)
{
	char out[MS_NAME_MAX + 1];
	struct ms_error err;

	ck_assert_msg(canonical(given, out, &err) == MS_INVALID,
		      "accepted \"%s\"", given);
	ck_assert_int_eq(err.status, MS_INVALID);
	ck_assert_msg(err.msg[0] != '\0', "no message for \"%s\"", given);
	ck_assert_str_eq(out, "");
}

START_TEST(folds_upper_case)
{
	char out[MS_NAME_MAX + 1];
	struct ms_error err;

	ck_assert_int_eq(canonical("Alice@Example.COM", out, &err), MS_OK);
	ck_assert_str_eq(out, "alice@example.com");
	ck_assert_int_eq(ms_ascii_lower('A'), 'a');
	ck_assert_int_eq(ms_ascii_lower('Z'), 'z');
	/* Only ASCII letters: the bytes around them and non-ASCII stay. */
	ck_assert_int_eq(ms_ascii_lower('@'), '@');
	ck_assert_int_eq(ms_ascii_lower('['), '[');
	ck_assert_int_eq(ms_ascii_lower('\xc4'), '\xc4');
}
END_TEST

START_TEST(accepts_every_allowed_char)
{
	static const char name[] = "a.b_c%d+e-f@x-y.z0123456789";
	char out[MS_NAME_MAX + 1];
	struct ms_error err;

	ck_assert_int_eq(canonical(name, out, &err), MS_OK);
	ck_assert_str_eq(out, name);
	ck_assert_int_eq(canonical("postmaster", out, &err), MS_OK);
	ck_assert_str_eq(out, "postmaster");
}
END_TEST

START_TEST(refuses_empty)
{
	assert_refused("");
}
END_TEST

START_TEST(refuses_leading_dot)
{
	/* ".lock" files and ".tmp-*" temp files start with a dot. */
	assert_refused(".alice@example.com");
	assert_refused(".");
}
END_TEST

START_TEST(refuses_two_at_signs)
{
	assert_refused("a@b@example.com");
	assert_refused("@@");
}
END_TEST

/* Names that would reach outside users_dir or state_dir. */
static const char *const path_tricks[] = {
	"..", "../etc/passwd", "a/b", "x/../y", "/etc/shadow", "alice/",
	"..%2f..",
};

START_TEST(refuses_path_tricks)
{
	/* "..%2f.." is harmless text (no '/'), but it starts with '.'. */
	assert_refused(path_tricks[_i]);
}
END_TEST

/* Bytes outside [a-z0-9._%+-@] once folded. */
static const char *const bad_chars[] = {
	"a b", "a\tb", "a\nb", "a:b", "a\\b", "a*b", "a\"b", "a'b",
	"a;b", "a#b", "a$b", "a!b", "a~b", "a\x7f" "b", "a\x80" "b",
	"\xc3\xa9t\xc3\xa9", "a\xff",
};

START_TEST(refuses_bad_chars)
{
	assert_refused(bad_chars[_i]);
}
END_TEST

START_TEST(length_limit)
{
	char given[MS_NAME_MAX + 2], out[MS_NAME_MAX + 1];
	struct ms_error err;

	memset(given, 'a', MS_NAME_MAX);
	given[MS_NAME_MAX] = '\0';
	ck_assert_int_eq(canonical(given, out, &err), MS_OK);
	ck_assert_uint_eq(strlen(out), MS_NAME_MAX);

	given[MS_NAME_MAX] = 'a';
	given[MS_NAME_MAX + 1] = '\0';
	assert_refused(given);
}
END_TEST

START_TEST(is_canonical_only_as_stored)
{
	ck_assert(ms_name_is_canonical("alice@example.com"));
	ck_assert(!ms_name_is_canonical("Alice@example.com"));
	ck_assert(!ms_name_is_canonical("../../x"));
	ck_assert(!ms_name_is_canonical(""));
}
END_TEST

START_TEST(shown_printable_and_cut)
{
	char out[8];

	ms_name_shown("a\nb\001c", out, sizeof(out));
	ck_assert_str_eq(out, "a?b?c");
	ms_name_shown("0123456789", out, sizeof(out));
	ck_assert_str_eq(out, "0123...");
	ms_name_shown("0123456", out, sizeof(out));
	ck_assert_str_eq(out, "0123456");
}
END_TEST

Suite *name_suite(void)
{
	Suite *s = suite_create("name");
	TCase *tc = tcase_create("canonical");

	tcase_add_test(tc, folds_upper_case);
	tcase_add_test(tc, accepts_every_allowed_char);
	tcase_add_test(tc, refuses_empty);
	tcase_add_test(tc, refuses_leading_dot);
	tcase_add_test(tc, refuses_two_at_signs);
	tcase_add_loop_test(tc, refuses_path_tricks, 0,
			    sizeof(path_tricks) / sizeof(*path_tricks));
	tcase_add_loop_test(tc, refuses_bad_chars, 0,
			    sizeof(bad_chars) / sizeof(*bad_chars));
	tcase_add_test(tc, length_limit);
	tcase_add_test(tc, is_canonical_only_as_stored);
	tcase_add_test(tc, shown_printable_and_cut);
	suite_add_tcase(s, tc);
	return s;
}
