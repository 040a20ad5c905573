/* Password hashes over libxcrypt, and secure.c: the constant-time
 * compare, wiping, the secret buffer. */
#include "config.h"

#include <crypt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "helpers.h"
#include "password.h"
#include "secure.h"
#include "suites.h"
#include "../timing.h"

/* Cheap hashes where the method's cost is not what is tested. */
#define CHEAP "$5$"
#define CHEAP_ROUNDS 1000

static void cheap_hash(const char *password, char hash[MS_HASH_MAX])
{
	struct ms_error err = { 0 };

	ck_assert_msg(ms_password_hash(password, CHEAP, CHEAP_ROUNDS, hash,
				       &err) == MS_OK, "%s", err.msg);
}

START_TEST(preferred_method_is_yescrypt)
{
	char hash[MS_HASH_MAX];
	struct ms_error err = { 0 };

	ck_assert_msg(ms_password_hash("correct horse", NULL, 0, hash, &err) ==
			      MS_OK, "%s", err.msg);
	ck_assert_msg(strncmp(hash, "$y$", 3) == 0, "%s", hash);
	ck_assert(ms_password_verify("correct horse", hash));
	ck_assert(!ms_password_verify("correct horsf", hash));
}
END_TEST

START_TEST(chosen_method_and_rounds)
{
	char hash[MS_HASH_MAX];

	cheap_hash("s3cret", hash);
	ck_assert_msg(strncmp(hash, "$5$rounds=1000$", 15) == 0, "%s", hash);
	ck_assert(ms_password_verify("s3cret", hash));
	ck_assert(!ms_password_verify("s3cret ", hash));
	ck_assert(!ms_password_verify("S3cret", hash));
	ck_assert(!ms_password_verify("", hash));
}
END_TEST

START_TEST(fresh_salt_each_time)
{
	char a[MS_HASH_MAX], b[MS_HASH_MAX];

	cheap_hash("same", a);
	cheap_hash("same", b);
	ck_assert_str_ne(a, b);
	ck_assert(ms_password_verify("same", a));
	ck_assert(ms_password_verify("same", b));
}
END_TEST

/* An empty password is none: not hashed, and never accepted, not even by
 * a hash of "" that crypt(3) made for a record written by hand. */
START_TEST(empty_password)
{
	char hash[MS_HASH_MAX] = "untouched";
	struct ms_error err = { 0 };
	struct crypt_data data;
	const char *of_empty;

	ck_assert_int_eq(ms_password_hash("", CHEAP, CHEAP_ROUNDS, hash, &err),
			 MS_INVALID);
	ck_assert_str_eq(err.msg, "empty password");
	ck_assert_str_eq(hash, "untouched");
	ck_assert(!ms_password_usable(""));
	ck_assert(!ms_password_usable(NULL));
	ck_assert(ms_password_usable("x"));
	memset(&data, 0, sizeof(data));
	of_empty = crypt_r("", "$5$rounds=1000$emptyemptyempty$", &data);
	ck_assert(of_empty && of_empty[0] == '$');
	ck_assert(!ms_password_verify("", of_empty));
	ck_assert(!ms_password_verify("x", of_empty));
}
END_TEST

/* Hashes crypt cannot use, as an admin may put in a record to lock it. */
static const char *const unusable[] = {
	"*", "", "!", "!!", "*0", "*1", "*LK*", "x", "$5$", "$y$",
	"$unknown$salt$hash",
};

START_TEST(unusable_hash_never_matches)
{
	const char *hash = unusable[_i];

	ck_assert(!ms_password_verify("", hash));
	ck_assert(!ms_password_verify(hash, hash));
	ck_assert(!ms_password_verify("*0", hash));
	ck_assert(!ms_password_verify("password", hash));
}
END_TEST

START_TEST(locked_hash_never_matches)
{
	char hash[MS_HASH_MAX], locked[MS_HASH_MAX + 1] = "!";

	/* usermod -L style: "!" before a hash that would match. */
	cheap_hash("pw", hash);
	strcat(locked, hash);
	ck_assert(!ms_password_verify("pw", locked));
}
END_TEST

#define TIMING_RUNS 5

START_TEST(dummy_verify_costs_a_real_one)
{
	char hash[MS_HASH_MAX];
	struct ms_error err = { 0 };
	int64_t known[TIMING_RUNS], unknown[TIMING_RUNS], start;

	/* What a known mailbox's record holds by default: yescrypt. */
	ck_assert_msg(ms_password_hash("correct horse", NULL, 0, hash, &err) ==
			      MS_OK, "%s", err.msg);
	/* Interleaved, so that both see the same machine. */
	for (unsigned i = 0; i < TIMING_RUNS; i++) {
		start = cpu_ns();
		ck_assert(!ms_password_verify(i % 2 ? "wrong" : "wrong horse",
					      hash));
		known[i] = cpu_ns() - start;
		start = cpu_ns();
		ms_password_dummy_verify(i % 2 ? "wrong" : "wrong horse");
		unknown[i] = cpu_ns() - start;
	}
	/* An unknown mailbox that answered fast would tell which exist. */
	ck_assert_msg(2 * median_ns(unknown, TIMING_RUNS) >=
			      median_ns(known, TIMING_RUNS),
		      "dummy verify %lld ns, a real one %lld ns (medians)",
		      (long long)median_ns(unknown, TIMING_RUNS),
		      (long long)median_ns(known, TIMING_RUNS));
}
END_TEST

START_TEST(streq_ct)
{
	ck_assert(ms_streq_ct("abc", "abc"));
	ck_assert(ms_streq_ct("", ""));
	ck_assert(!ms_streq_ct("abd", "abc"));
	ck_assert(!ms_streq_ct("ab", "abc"));
	ck_assert(!ms_streq_ct("abcd", "abc"));
	ck_assert(!ms_streq_ct("", "abc"));
	ck_assert(!ms_streq_ct("abc", ""));
	ck_assert(!ms_streq_ct("Abc", "abc"));
}
END_TEST

START_TEST(wipe)
{
	char buf[8] = "secret!";
	char *heap = strdup("on the heap");

	ms_wipe_str(buf);
	ck_assert_mem_eq(buf, "\0\0\0\0\0\0\0", 8);
	ms_wipe_str(NULL);
	ms_wipe(NULL, 4);
	ck_assert_ptr_nonnull(heap);
	ms_free_secret(heap);
	ms_free_secret(NULL);
}
END_TEST

START_TEST(secret_buf_grows_and_keeps_every_byte)
{
	struct ms_secret_buf buf = { 0 };
	char *text;

	for (int i = 0; i < 1000; i++)
		ck_assert(ms_secret_buf_add(&buf, "0123456789", 10));
	ck_assert(ms_secret_buf_add(&buf, "tail", 2));
	ck_assert_uint_eq(buf.len, 10002);
	ck_assert_uint_gt(buf.cap, buf.len);
	text = ms_secret_buf_take(&buf);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_eq(strlen(text), 10002);
	for (int i = 0; i < 1000; i++)
		ck_assert_mem_eq(text + 10 * i, "0123456789", 10);
	ck_assert_str_eq(text + 10000, "ta");
	ck_assert_ptr_null(buf.data);
	ck_assert_uint_eq(buf.len + buf.cap, 0);
	ms_free_secret(text);
}
END_TEST

START_TEST(secret_buf_stream_writes_what_stdio_would)
{
	struct ms_secret_buf buf = { 0 };
	FILE *stream = ms_secret_buf_stream(&buf);
	char expected[4096], *text;
	size_t len = 0;

	ck_assert_ptr_nonnull(stream);
	for (int i = 0; i < 300; i++) {
		fprintf(stream, "line %d: %s\n", i, "x");
		len += (size_t)snprintf(expected + len, sizeof(expected) - len,
					"line %d: %s\n", i, "x");
	}
	ck_assert_int_eq(fclose(stream), 0);
	text = ms_secret_buf_take(&buf);
	ck_assert_str_eq(text, expected);
	ms_free_secret(text);
}
END_TEST

START_TEST(secret_buf_empty_and_failed)
{
	struct ms_secret_buf buf = { 0 };
	char *text = ms_secret_buf_take(&buf);

	ck_assert_str_eq(text, "");
	ms_free_secret(text);
	ck_assert(ms_secret_buf_add_str(&buf, "secret"));
	/* More than could ever be allocated: the text goes, and stays gone. */
	ck_assert(!ms_secret_buf_add(&buf, "x", SIZE_MAX / 2));
	ck_assert(buf.failed);
	ck_assert_ptr_null(buf.data);
	ck_assert(!ms_secret_buf_add_str(&buf, "more"));
	ck_assert_ptr_null(ms_secret_buf_take(&buf));
	ck_assert(!buf.failed);
	ck_assert(ms_secret_buf_add_str(&buf, "again"));
	ms_secret_buf_wipe(&buf);
	ck_assert_ptr_null(buf.data);
	ms_secret_buf_wipe(&buf);
}
END_TEST

Suite *password_suite(void)
{
	Suite *s = suite_create("password");
	TCase *tc = ts_tcase("password");

	tcase_add_test(tc, preferred_method_is_yescrypt);
	tcase_add_test(tc, chosen_method_and_rounds);
	tcase_add_test(tc, fresh_salt_each_time);
	tcase_add_test(tc, empty_password);
	tcase_add_loop_test(tc, unusable_hash_never_matches, 0,
			    sizeof(unusable) / sizeof(*unusable));
	tcase_add_test(tc, locked_hash_never_matches);
	tcase_add_test(tc, dummy_verify_costs_a_real_one);
	tcase_add_test(tc, streq_ct);
	tcase_add_test(tc, wipe);
	tcase_add_test(tc, secret_buf_grows_and_keeps_every_byte);
	tcase_add_test(tc, secret_buf_stream_writes_what_stdio_would);
	tcase_add_test(tc, secret_buf_empty_and_failed);
	suite_add_tcase(s, tc);
	return s;
}
