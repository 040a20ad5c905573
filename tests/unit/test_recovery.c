/* One-time recovery codes: form, generation, matching, the set tag. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"
#include "password.h"
#include "recovery.h"
#include "secure.h"
#include "suites.h"

/* ^[a-z2-7]{5}-[a-z2-7]{5}$, checked by hand. */
static bool has_code_form(const char *code)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

	if (strlen(code) != 11 || code[5] != '-')
		return false;
	return strspn(code, alphabet) == 5 && strspn(code + 6, alphabet) == 5;
}

START_TEST(form)
{
	ck_assert(ms_recovery_is_form("abcde-fghij"));
	ck_assert(ms_recovery_is_form("a2345-67xyz"));
	ck_assert(ms_recovery_is_form("ABCDE-FGHIJ")); /* typed in upper case */
	ck_assert(!ms_recovery_is_form(""));
	ck_assert(!ms_recovery_is_form("abcde-fghi"));
	ck_assert(!ms_recovery_is_form("abcde-fghijk"));
	ck_assert(!ms_recovery_is_form("abcdefghijk"));
	ck_assert(!ms_recovery_is_form("abcde_fghij"));
	ck_assert(!ms_recovery_is_form("abcde-fgh1j")); /* not base32 */
	ck_assert(!ms_recovery_is_form("abcd8-fghij"));
	ck_assert(!ms_recovery_is_form("abcde--ghij"));
	ck_assert(!ms_recovery_is_form("123456"));      /* a TOTP code */
}
END_TEST

/* A record holding cheap hashes of `codes`, so that matching each of them
 * (every hash is tried each time) costs little. */
static void cheap_record(struct ms_record *record,
			 char codes[MS_RECOVERY_COUNT][MS_RECOVERY_LEN + 1])
{
	struct ms_error err = { 0 };

	memset(record, 0, sizeof(*record));
	for (unsigned i = 0; i < MS_RECOVERY_COUNT; i++)
		ck_assert_int_eq(ms_password_hash(codes[i], "$5$", 1000,
						  record->totp.recovery[i], &err),
				 MS_OK);
	record->totp.n_recovery = MS_RECOVERY_COUNT;
}

START_TEST(generate)
{
	char codes[MS_RECOVERY_COUNT][MS_RECOVERY_LEN + 1];
	struct ms_record record;
	struct ms_error err = { 0 };
	uint64_t tag;

	memset(&record, 0, sizeof(record));
	/* Old codes, more of them than a new set: all replaced. */
	record.totp.n_recovery = MS_RECOVERY_MAX;
	ck_assert_int_eq(ms_recovery_generate(&record, codes, &err), MS_OK);
	ck_assert_uint_eq(record.totp.n_recovery, MS_RECOVERY_COUNT);
	for (unsigned i = 0; i < MS_RECOVERY_COUNT; i++) {
		ck_assert_msg(has_code_form(codes[i]), "%s", codes[i]);
		ck_assert(ms_recovery_is_form(codes[i]));
		ck_assert(strncmp(record.totp.recovery[i], "$y$", 3) == 0);
		for (unsigned j = 0; j < i; j++)
			ck_assert_str_ne(codes[i], codes[j]);
	}
	/* The stored hashes are those of the shown codes, in order. */
	ck_assert(ms_password_verify(codes[0], record.totp.recovery[0]));
	ck_assert(ms_password_verify(codes[9], record.totp.recovery[9]));
	ck_assert_int_eq(ms_recovery_match(&record, codes[4]), 4);

	/* A new set gets a new tag, so that old used-marks mean nothing. */
	tag = ms_recovery_set_tag(&record);
	ck_assert_uint_eq(ms_recovery_set_tag(&record), tag);
	ck_assert_int_eq(ms_recovery_generate(&record, codes, &err), MS_OK);
	ck_assert_uint_ne(ms_recovery_set_tag(&record), tag);
	ms_wipe(codes, sizeof(codes));
	ms_record_wipe(&record);
}
END_TEST

START_TEST(match)
{
	char codes[MS_RECOVERY_COUNT][MS_RECOVERY_LEN + 1], upper[16];
	struct ms_record record;

	for (unsigned i = 0; i < MS_RECOVERY_COUNT; i++)
		snprintf(codes[i], sizeof(codes[i]), "abcd%c-efgh%c", 'a' + i,
			 'z' - i);
	cheap_record(&record, codes);
	for (int i = 0; i < MS_RECOVERY_COUNT; i++) {
		ck_assert_int_eq(ms_recovery_match(&record, codes[i]), i);
		for (size_t k = 0; k <= MS_RECOVERY_LEN; k++)
			upper[k] = (char)toupper((unsigned char)codes[i][k]);
		ck_assert_int_eq(ms_recovery_match(&record, upper), i);
	}
	ck_assert_int_eq(ms_recovery_match(&record, "abcdz-efgha"), -1);
	ck_assert_int_eq(ms_recovery_match(&record, "abcda-efghz "), -1);
	ck_assert_int_eq(ms_recovery_match(&record, ""), -1);
	record.totp.n_recovery = 0;
	ck_assert_int_eq(ms_recovery_match(&record, codes[0]), -1);
}
END_TEST

START_TEST(set_tag_follows_hashes)
{
	struct ms_record a, b;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	strcpy(a.totp.recovery[0], "$5$x$one");
	strcpy(a.totp.recovery[1], "$5$x$two");
	a.totp.n_recovery = b.totp.n_recovery = 2;
	memcpy(b.totp.recovery, a.totp.recovery, sizeof(a.totp.recovery));
	ck_assert_uint_eq(ms_recovery_set_tag(&a), ms_recovery_set_tag(&b));
	strcpy(b.totp.recovery[1], "$5$x$twO");
	ck_assert_uint_ne(ms_recovery_set_tag(&a), ms_recovery_set_tag(&b));
	/* Joined hashes must not collide with a different split. */
	strcpy(b.totp.recovery[0], "$5$x$one$5$x$two");
	b.totp.n_recovery = 1;
	ck_assert_uint_ne(ms_recovery_set_tag(&a), ms_recovery_set_tag(&b));
}
END_TEST

Suite *recovery_suite(void)
{
	Suite *s = suite_create("recovery");
	TCase *tc = ts_tcase("recovery");

	tcase_add_test(tc, form);
	tcase_add_test(tc, generate);
	tcase_add_test(tc, match);
	tcase_add_test(tc, set_tag_follows_hashes);
	suite_add_tcase(s, tc);
	return s;
}
