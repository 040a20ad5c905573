/* Mailbox records: parse, format, and save/load through a store. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "helpers.h"
#include "record.h"
#include "secure.h"
#include "suites.h"

#define SHOWN "/etc/mailsec/users/alice@example.com.conf"
#define SECRET_B32 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" /* 160 bits */

/* A record with no field at its default, so that a field lost on the way
 * shows. */
static void full_record(struct ms_record *r)
{
	memset(r, 0, sizeof(*r));
	strcpy(r->password, "$5$rounds=1000$saltsalt$abcdefghijklmnop");
	r->non_webmail_access = false;
	r->totp.status = MS_TOTP_ENABLED;
	strcpy(r->totp.secret, SECRET_B32);
	r->totp.algorithm = MS_SHA512;
	r->totp.digits = 8;
	r->totp.period = 60;
	r->totp.n_recovery = 3;
	strcpy(r->totp.recovery[0], "$y$j9T$one$aaaa");
	strcpy(r->totp.recovery[1], "$y$j9T$two$bbbb");
	strcpy(r->totp.recovery[2], "$y$j9T$three$cccc");
}

static void assert_record_eq(const struct ms_record *a,
			     const struct ms_record *b)
{
	ck_assert_str_eq(a->password, b->password);
	ck_assert_int_eq(a->non_webmail_access, b->non_webmail_access);
	ck_assert_int_eq(a->totp.status, b->totp.status);
	ck_assert_str_eq(a->totp.secret, b->totp.secret);
	ck_assert_int_eq(a->totp.algorithm, b->totp.algorithm);
	ck_assert_uint_eq(a->totp.digits, b->totp.digits);
	ck_assert_uint_eq(a->totp.period, b->totp.period);
	ck_assert_uint_eq(a->totp.n_recovery, b->totp.n_recovery);
	for (unsigned i = 0; i < a->totp.n_recovery; i++)
		ck_assert_str_eq(a->totp.recovery[i], b->totp.recovery[i]);
}

static enum ms_status parse(const char *text, struct ms_record *r,
			    struct ms_error *err)
{
	memset(err, 0, sizeof(*err));
	return ms_record_parse(text, SHOWN, r, err);
}

START_TEST(format_parse_round_trip)
{
	struct ms_record in, out;
	struct ms_error err;
	char *text = NULL;

	full_record(&in);
	ck_assert_int_eq(ms_record_format(&in, &text, &err), MS_OK);
	/* "totp = {", as records have always been written, not libconfig's
	 * "totp : {". */
	ck_assert_msg(th_has(text, "totp =") && !th_has(text, "totp :"), "%s",
		      text);
	ck_assert_msg(parse(text, &out, &err) == MS_OK, "%s\n%s", err.msg, text);
	ms_free_secret(text);
	assert_record_eq(&in, &out);
}
END_TEST

START_TEST(minimal_record_defaults)
{
	struct ms_record r;
	struct ms_error err;

	ck_assert_msg(parse("version = 1;\npassword = \"$5$x$y\";\n", &r,
			    &err) == MS_OK, "%s", err.msg);
	ck_assert_str_eq(r.password, "$5$x$y");
	/* No non_webmail_access: allowed. No totp: 2FA off. */
	ck_assert(r.non_webmail_access);
	ck_assert_int_eq(r.totp.status, MS_TOTP_OFF);
	ck_assert_str_eq(r.totp.secret, "");
	ck_assert_uint_eq(r.totp.n_recovery, 0);
}
END_TEST

START_TEST(status_names)
{
	static const char *const names[] = { "off", "pending", "enabled" };
	static const enum ms_totp_status values[] = {
		MS_TOTP_OFF, MS_TOTP_PENDING, MS_TOTP_ENABLED
	};
	char text[256];
	struct ms_record r;
	struct ms_error err;

	for (size_t i = 0; i < 3; i++) {
		ck_assert_str_eq(ms_totp_status_name(values[i]), names[i]);
		snprintf(text, sizeof(text),
			 "version = 1;\npassword = \"h\";\n"
			 "totp = { status = \"%s\"; secret = \"%s\"; };\n",
			 names[i], SECRET_B32);
		ck_assert_msg(parse(text, &r, &err) == MS_OK, "%s", err.msg);
		ck_assert_int_eq(r.totp.status, values[i]);
	}
}
END_TEST

/* Invalid records; `line` is where the message must point (0: anywhere). */
struct bad_record {
	const char *text;
	int line;
};

#define HEAD "version = 1;\npassword = \"h\";\n"
static const struct bad_record bad_records[] = {
	{ "password = \"h\";\n", 0 },
	{ "version = 2;\npassword = \"h\";\n", 1 },
	{ "version = 1;\n", 0 },
	{ "version = 1;\npassword = \"\";\n", 2 },
	{ "version = 1;\npassword = 7;\n", 2 },
	{ HEAD "non_webmail_access = 1;\n", 3 },
	{ HEAD "colour = \"red\";\n", 3 },
	{ HEAD "totp = { status = \"on\"; secret = \"" SECRET_B32 "\"; };\n", 3 },
	{ HEAD "totp = { status = \"enabled\"; secret = \"" SECRET_B32 "\";\n"
	       "digits = 5; };\n", 4 },
	{ HEAD "totp = { status = \"enabled\"; secret = \"" SECRET_B32 "\";\n"
	       "digits = 9; };\n", 4 },
	{ HEAD "totp = { status = \"enabled\"; secret = \"" SECRET_B32 "\";\n"
	       "period = 14; };\n", 4 },
	{ HEAD "totp = { status = \"enabled\"; secret = \"" SECRET_B32 "\";\n"
	       "period = 121; };\n", 4 },
	{ HEAD "totp = { status = \"enabled\"; secret = \"" SECRET_B32 "\";\n"
	       "algorithm = \"MD5\"; };\n", 4 },
	{ HEAD "totp = { status = \"enabled\"; secret = \"" SECRET_B32 "\";\n"
	       "colour = 1; };\n", 4 },
	/* Not base32 ('1', '8' and '!' are outside the alphabet). */
	{ HEAD "totp = { status = \"enabled\"; secret = \"ABCDEFGH1811!!!!\"; };\n", 3 },
	/* 72 bits: valid base32, too short. */
	{ HEAD "totp = { status = \"enabled\"; secret = \"GEZDGNBVGY3TQOI=\"; };\n", 3 },
	{ HEAD "totp = { status = \"pending\"; };\n", 3 },
	/* A secret kept with 2FA off must still be a secret. */
	{ HEAD "totp = { status = \"off\"; secret = \"xyz\"; };\n", 3 },
	{ HEAD "totp = { secret = \"" SECRET_B32 "\"; };\n", 3 },
	{ HEAD "totp = 1;\n", 3 },
	{ HEAD "totp = { status = \"enabled\"; secret = \"" SECRET_B32 "\";\n"
	       "recovery = [ \"\" ]; };\n", 0 },
	{ HEAD "password = \"again\";\n", 3 },
	{ HEAD "version = ;\n", 3 },
};

START_TEST(invalid_record)
{
	const struct bad_record *bad = &bad_records[_i];
	char where[sizeof(SHOWN) + 16];
	struct ms_record r;
	struct ms_error err;

	ck_assert_msg(parse(bad->text, &r, &err) == MS_INVALID, "accepted:\n%s",
		      bad->text);
	ck_assert_int_eq(err.status, MS_INVALID);
	if (bad->line > 0)
		snprintf(where, sizeof(where), "%s:%d:", SHOWN, bad->line);
	else
		snprintf(where, sizeof(where), "%s", SHOWN);
	ck_assert_msg(th_has(err.msg, where), "\"%s\" lacks \"%s\"", err.msg,
		      where);
	/* An invalid record leaves nothing usable behind. */
	ck_assert_str_eq(r.password, "");
	ck_assert_str_eq(r.totp.secret, "");
}
END_TEST

START_TEST(secret_of_80_bits_is_enough)
{
	struct ms_record r;
	struct ms_error err;

	ck_assert_msg(parse(HEAD "totp = { status = \"enabled\";"
				 " secret = \"GEZDGNBVGY3TQOJQ\"; };\n",
			    &r, &err) == MS_OK, "%s", err.msg);
	ck_assert_str_eq(r.totp.secret, "GEZDGNBVGY3TQOJQ");
}
END_TEST

START_TEST(save_load_exists_remove)
{
	struct ms_record in, out;
	struct ms_error err = { 0 };
	char path[PATH_MAX];

	full_record(&in);
	ck_assert_int_eq(ms_record_exists(&th.store, "bob@example.com", &err),
			 MS_NOT_FOUND);
	ck_assert_int_eq(ms_record_load(&th.store, "bob@example.com", &out, &err),
			 MS_NOT_FOUND);
	ck_assert_msg(ms_record_save(&th.store, "bob@example.com", &in, &err) ==
			      MS_OK, "%s", err.msg);
	ts_path(path, sizeof(path), th.users, "bob@example.com.conf", NULL);
	ck_assert_uint_eq(ts_mode(path), 0600);
	ck_assert_int_eq(ms_record_exists(&th.store, "bob@example.com", &err),
			 MS_OK);
	ck_assert_msg(ms_record_load(&th.store, "bob@example.com", &out, &err) ==
			      MS_OK, "%s", err.msg);
	assert_record_eq(&in, &out);

	ck_assert_int_eq(ms_record_remove(&th.store, "bob@example.com", &err),
			 MS_OK);
	ck_assert_uint_eq(ts_mode(path), (mode_t)-1);
	ck_assert_int_eq(ms_record_exists(&th.store, "bob@example.com", &err),
			 MS_NOT_FOUND);
	ck_assert_int_eq(ms_record_remove(&th.store, "bob@example.com", &err),
			 MS_NOT_FOUND);
}
END_TEST

/* A login admits only on the file it read: a save in between (a rename,
 * even of the same text), a removal, or a record never loaded from a file
 * is not current. */
START_TEST(current_tells_a_replaced_record)
{
	struct ms_record in, loaded;
	struct ms_error err = { 0 };

	full_record(&in);
	ck_assert_msg(ms_record_save(&th.store, "ann@example.com", &in, &err) ==
			      MS_OK, "%s", err.msg);
	ck_assert_msg(!ms_record_current(&th.store, "ann@example.com", &in),
		      "a record built in memory is never current");
	ck_assert_msg(ms_record_load(&th.store, "ann@example.com", &loaded,
				     &err) == MS_OK, "%s", err.msg);
	ck_assert(ms_record_current(&th.store, "ann@example.com", &loaded));
	ck_assert(ms_record_current(&th.store, "ann@example.com", &loaded));
	ck_assert_msg(ms_record_save(&th.store, "ann@example.com", &in, &err) ==
			      MS_OK, "%s", err.msg);
	ck_assert(!ms_record_current(&th.store, "ann@example.com", &loaded));
	ck_assert_msg(ms_record_load(&th.store, "ann@example.com", &loaded,
				     &err) == MS_OK, "%s", err.msg);
	ck_assert_int_eq(ms_record_remove(&th.store, "ann@example.com", &err),
			 MS_OK);
	ck_assert(!ms_record_current(&th.store, "ann@example.com", &loaded));
}
END_TEST

static void load_digest(struct ms_record *r, struct ms_record_digest *d)
{
	struct ms_error err = { 0 };

	ck_assert_msg(ms_record_load(&th.store, "dan@example.com", r, &err) ==
			      MS_OK, "%s", err.msg);
	*d = r->digest;
}

/* Two loads match only when the file did not change in between; a record
 * that was not loaded matches nothing. */
START_TEST(digest_tells_a_changed_record)
{
	struct ms_record in, r;
	struct ms_record_digest first, again, zero = { { 0 } };
	struct ms_error err = { 0 };

	full_record(&in);
	ck_assert_int_eq(ms_record_save(&th.store, "dan@example.com", &in, &err),
			 MS_OK);
	load_digest(&r, &first);
	load_digest(&r, &again);
	ck_assert_mem_eq(first.bytes, again.bytes, sizeof(first.bytes));
	ck_assert_int_eq(ms_record_unchanged(&r, &first, "dan@example.com",
					     "testing", &err), MS_OK);
	ck_assert_int_eq(ms_record_unchanged(&r, &zero, "dan@example.com",
					     "testing", &err), MS_REFUSED);
	ck_assert_int_eq(ms_record_unchanged(&in, &first, "dan@example.com",
					     "testing", &err), MS_REFUSED);

	/* Saved again unchanged: the same bytes, the same record. */
	ck_assert_int_eq(ms_record_save(&th.store, "dan@example.com", &in, &err),
			 MS_OK);
	load_digest(&r, &again);
	ck_assert_int_eq(ms_record_unchanged(&r, &first, "dan@example.com",
					     "testing", &err), MS_OK);

	in.non_webmail_access = !in.non_webmail_access;
	ck_assert_int_eq(ms_record_save(&th.store, "dan@example.com", &in, &err),
			 MS_OK);
	load_digest(&r, &again);
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(ms_record_unchanged(&r, &first, "dan@example.com",
					     "testing", &err), MS_REFUSED);
	ck_assert_str_eq(err.msg, "dan@example.com: the mailbox changed while "
				  "testing; nothing done");
}
END_TEST

START_TEST(saved_record_is_0600_whatever_the_umask)
{
	struct ms_record r;
	struct ms_error err = { 0 };
	char path[PATH_MAX];
	mode_t old = umask(0);
	enum ms_status status;

	full_record(&r);
	status = ms_record_save(&th.store, "carol@example.com", &r, &err);
	umask(old);
	ck_assert_msg(status == MS_OK, "%s", err.msg);
	ts_path(path, sizeof(path), th.users, "carol@example.com.conf", NULL);
	ck_assert_uint_eq(ts_mode(path), 0600);
	ck_assert_uint_eq(ts_count_prefix(th.users, ".tmp-"), 0);
}
END_TEST

START_TEST(load_error_names_file_and_line)
{
	struct ms_record r;
	struct ms_error err = { 0 };
	char path[PATH_MAX], where[PATH_MAX + 8];

	ts_path(path, sizeof(path), th.users, "dave@example.com.conf", NULL);
	ts_write_str(path, HEAD "non_webmail_access = \"yes\";\n", 0600);
	ck_assert_int_eq(ms_record_load(&th.store, "dave@example.com", &r, &err),
			 MS_INVALID);
	snprintf(where, sizeof(where), "%s:3:", path);
	ck_assert_msg(th_has(err.msg, where), "\"%s\" lacks \"%s\"", err.msg,
		      where);
}
END_TEST

START_TEST(unsafe_record_file_is_refused)
{
	struct ms_record r;
	struct ms_error err = { 0 };
	char path[PATH_MAX];

	ts_path(path, sizeof(path), th.users, "eve@example.com.conf", NULL);
	ts_write_str(path, HEAD, 0620);
	ck_assert_int_eq(ms_record_load(&th.store, "eve@example.com", &r, &err),
			 MS_SYSTEM);
}
END_TEST

Suite *record_suite(void)
{
	Suite *s = suite_create("record");
	TCase *text = ts_tcase("text");
	TCase *store = th_tcase_store("store");

	tcase_add_test(text, format_parse_round_trip);
	tcase_add_test(text, minimal_record_defaults);
	tcase_add_test(text, status_names);
	tcase_add_loop_test(text, invalid_record, 0,
			    sizeof(bad_records) / sizeof(*bad_records));
	tcase_add_test(text, secret_of_80_bits_is_enough);
	suite_add_tcase(s, text);

	ts_add_files_test(store, save_load_exists_remove);
	tcase_add_test(store, digest_tells_a_changed_record);
	tcase_add_test(store, current_tells_a_replaced_record);
	ts_add_files_test(store, saved_record_is_0600_whatever_the_umask);
	ts_add_files_test(store, load_error_names_file_and_line);
	ts_add_files_test(store, unsafe_record_file_is_refused);
	suite_add_tcase(s, store);
	return s;
}
