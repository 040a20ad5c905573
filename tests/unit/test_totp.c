/* TOTP: RFC 6238 Appendix B, the validation window, secrets, otpauth URIs. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "helpers.h"
#include "secure.h"
#include "suites.h"
#include "totp.h"

/* RFC 6238 Appendix B: the seed is "1234567890" repeated to the length of
 * the hash (20, 32 and 64 bytes), codes of 8 digits, 30 s steps. */
struct vector {
	enum ms_algorithm algorithm;
	time_t time;
	const char *code;
};

static const struct vector vectors[] = {
	{ MS_SHA1, 59, "94287082" },
	{ MS_SHA256, 59, "46119246" },
	{ MS_SHA512, 59, "90693936" },
	{ MS_SHA1, 1111111109, "07081804" },
	{ MS_SHA256, 1111111109, "68084774" },
	{ MS_SHA512, 1111111109, "25091201" },
	{ MS_SHA1, 1111111111, "14050471" },
	{ MS_SHA256, 1111111111, "67062674" },
	{ MS_SHA512, 1111111111, "99943326" },
	{ MS_SHA1, 1234567890, "89005924" },
	{ MS_SHA256, 1234567890, "91819424" },
	{ MS_SHA512, 1234567890, "93441116" },
	{ MS_SHA1, 2000000000, "69279037" },
	{ MS_SHA256, 2000000000, "90698825" },
	{ MS_SHA512, 2000000000, "38618901" },
	{ MS_SHA1, 20000000000, "65353130" },
	{ MS_SHA256, 20000000000, "77737706" },
	{ MS_SHA512, 20000000000, "47863826" },
};

/* The RFC's seed for `algorithm`, base32-encoded into `b32`. */
static void rfc_secret(enum ms_algorithm algorithm, char b32[MS_SECRET_B32_MAX])
{
	static const char seed[] =
		"1234567890123456789012345678901234567890123456789012345678901234";
	size_t len = algorithm == MS_SHA1 ? 20 : algorithm == MS_SHA256 ? 32 : 64;
	struct ms_error err = { 0 };

	ck_assert_msg(ms_base32_encode(seed, len, b32, MS_SECRET_B32_MAX, &err) ==
			      MS_OK, "%s", err.msg);
}

START_TEST(rfc6238_vectors)
{
	const struct vector *v = &vectors[_i];
	char secret[MS_SECRET_B32_MAX], code[16];
	struct ms_totp totp = { secret, v->algorithm, 8, 30 };
	struct ms_error err = { 0 };
	uint64_t step = 0;

	rfc_secret(v->algorithm, secret);
	ck_assert_msg(ms_totp_generate(&totp, v->time, code, sizeof(code),
				       &err) == MS_OK, "%s", err.msg);
	ck_assert_str_eq(code, v->code);
	/* And the other way round, with no window at all. */
	ck_assert(ms_totp_validate(&totp, v->time, 0, v->code, &step));
	ck_assert_uint_eq(step, (uint64_t)v->time / 30);
}
END_TEST

START_TEST(base32_of_rfc_seed)
{
	char b32[MS_SECRET_B32_MAX];

	rfc_secret(MS_SHA1, b32);
	ck_assert_str_eq(b32, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
}
END_TEST

#define NOW ((time_t)1111111111)

/* The 6-digit SHA1 code of the RFC's secret at `t`. */
static void code_at(const struct ms_totp *totp, time_t t, char code[16])
{
	struct ms_error err = { 0 };

	ck_assert_int_eq(ms_totp_generate(totp, t, code, 16, &err), MS_OK);
}

START_TEST(validate_window)
{
	char secret[MS_SECRET_B32_MAX], code[16];
	struct ms_totp totp = { secret, MS_SHA1, 6, 30 };
	uint64_t step = 0, now_step = (uint64_t)NOW / 30;

	rfc_secret(MS_SHA1, secret);
	code_at(&totp, NOW, code);
	ck_assert(ms_totp_validate(&totp, NOW, 1, code, &step));
	ck_assert_uint_eq(step, now_step);

	/* One step late and one step early: within window 1. */
	code_at(&totp, NOW - 30, code);
	ck_assert(ms_totp_validate(&totp, NOW, 1, code, &step));
	ck_assert_uint_eq(step, now_step - 1);
	ck_assert(!ms_totp_validate(&totp, NOW, 0, code, &step));
	code_at(&totp, NOW + 30, code);
	ck_assert(ms_totp_validate(&totp, NOW, 1, code, &step));
	ck_assert_uint_eq(step, now_step + 1);

	/* Two steps off: outside window 1, inside window 2. */
	code_at(&totp, NOW - 60, code);
	step = 0;
	ck_assert(!ms_totp_validate(&totp, NOW, 1, code, &step));
	ck_assert_uint_eq(step, 0);
	ck_assert(ms_totp_validate(&totp, NOW, 2, code, &step));
	ck_assert_uint_eq(step, now_step - 2);
	code_at(&totp, NOW + 60, code);
	ck_assert(!ms_totp_validate(&totp, NOW, 1, code, &step));
}
END_TEST

START_TEST(validate_refuses_wrong_codes)
{
	char secret[MS_SECRET_B32_MAX], code[16];
	struct ms_totp totp = { secret, MS_SHA1, 6, 30 };
	uint64_t step = 0;

	rfc_secret(MS_SHA1, secret);
	code_at(&totp, NOW, code);
	code[5] = (char)('0' + (code[5] - '0' + 1) % 10);
	ck_assert(!ms_totp_validate(&totp, NOW, 1, code, &step));
	code_at(&totp, NOW, code);
	/* The right digits in the wrong form. */
	ck_assert(!ms_totp_validate(&totp, NOW, 1, "", &step));
	code[5] = '\0';
	ck_assert(!ms_totp_validate(&totp, NOW, 1, code, &step));
	code_at(&totp, NOW, code);
	strcat(code, "0");
	ck_assert(!ms_totp_validate(&totp, NOW, 1, code, &step));
	ck_assert(!ms_totp_validate(&totp, NOW, 1, "12345a", &step));
	/* A secret that cannot be decoded matches nothing. */
	totp.secret_b32 = "not base32!";
	ck_assert(!ms_totp_validate(&totp, NOW, 1, "123456", &step));
}
END_TEST

START_TEST(new_secrets)
{
	char a[MS_SECRET_B32_MAX], b[MS_SECRET_B32_MAX];
	struct ms_error err = { 0 };

	ck_assert_int_eq(ms_totp_secret_new(a, &err), MS_OK);
	ck_assert_int_eq(ms_totp_secret_new(b, &err), MS_OK);
	/* 160 bits: 32 base32 characters, no padding. */
	ck_assert_uint_eq(strlen(a), 32);
	ck_assert_uint_eq(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), 32);
	ck_assert(ms_totp_secret_valid(a));
	ck_assert(ms_totp_secret_valid(b));
	ck_assert_str_ne(a, b);
}
END_TEST

START_TEST(secret_validity)
{
	ck_assert(ms_totp_secret_valid("GEZDGNBVGY3TQOJQ")); /* 80 bits */
	ck_assert(ms_totp_secret_valid("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"));
	ck_assert(!ms_totp_secret_valid(""));
	ck_assert(!ms_totp_secret_valid("GEZDGNBVGY3TQOI=")); /* 72 bits */
	ck_assert(!ms_totp_secret_valid("JBSWY3DP"));         /* 40 bits */
	ck_assert(!ms_totp_secret_valid("GEZDGNBVGY3TQOJ1")); /* '1' */
	ck_assert(!ms_totp_secret_valid("GEZDGNBVGY3TQOJ8GEZDGNBVGY3TQOJQ"));
	ck_assert(!ms_totp_secret_valid("not base32 at all!"));
}
END_TEST

START_TEST(uri_is_percent_encoded)
{
	static const char expected[] =
		"otpauth://totp/Example%20Mail%20%26%20Co:alice%2Btag%40example.com"
		"?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
		"&issuer=Example%20Mail%20%26%20Co"
		"&algorithm=SHA256&digits=8&period=60";
	struct ms_totp totp = { "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", MS_SHA256,
				8, 60 };
	struct ms_error err = { 0 };
	char *uri = NULL;

	ck_assert_int_eq(ms_totp_uri(&totp, "Example Mail & Co",
				     "alice+tag@example.com", &uri, &err),
			 MS_OK);
	ck_assert_str_eq(uri, expected);
	ms_free_secret(uri);
}
END_TEST

START_TEST(uri_defaults)
{
	struct ms_totp totp = { "GEZDGNBVGY3TQOJQ", MS_SHA1, 6, 30 };
	struct ms_error err = { 0 };
	char *uri = NULL;

	ck_assert_int_eq(ms_totp_uri(&totp, "Mail", "bob@example.com", &uri,
				     &err),
			 MS_OK);
	ck_assert_str_eq(uri, "otpauth://totp/Mail:bob%40example.com"
			      "?secret=GEZDGNBVGY3TQOJQ&issuer=Mail"
			      "&algorithm=SHA1&digits=6&period=30");
	ms_free_secret(uri);
}
END_TEST

START_TEST(algorithm_names)
{
	static const enum ms_algorithm all[] = { MS_SHA1, MS_SHA256, MS_SHA512 };
	enum ms_algorithm parsed = MS_SHA1;

	for (size_t i = 0; i < 3; i++) {
		ck_assert(ms_algorithm_parse(ms_algorithm_name(all[i]), &parsed));
		ck_assert_int_eq(parsed, all[i]);
	}
	ck_assert_str_eq(ms_algorithm_name(MS_SHA512), "SHA512");
	ck_assert(!ms_algorithm_parse("sha256", &parsed));
	ck_assert(!ms_algorithm_parse("SHA384", &parsed));
	ck_assert(!ms_algorithm_parse("", &parsed));
}
END_TEST

Suite *totp_suite(void)
{
	Suite *s = suite_create("totp");
	TCase *tc = ts_tcase("totp");

	tcase_add_loop_test(tc, rfc6238_vectors, 0,
			    sizeof(vectors) / sizeof(*vectors));
	tcase_add_test(tc, base32_of_rfc_seed);
	tcase_add_test(tc, validate_window);
	tcase_add_test(tc, validate_refuses_wrong_codes);
	tcase_add_test(tc, new_secrets);
	tcase_add_test(tc, secret_validity);
	tcase_add_test(tc, uri_is_percent_encoded);
	tcase_add_test(tc, uri_defaults);
	tcase_add_test(tc, algorithm_names);
	suite_add_tcase(s, tc);
	return s;
}
