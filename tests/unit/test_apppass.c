/* App passwords: generation, normalising, digest, scope, range, expiry,
 * limits, and their place in the record. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>

#include <sodium.h>

#include "apppass.h"
#include "appstate.h"
#include "helpers.h"
#include "mailbox_ops.h"
#include "record.h"
#include "secure.h"
#include "suites.h"

#define T0 1700000000
#define DAY 86400

/* A record as every version before app passwords wrote it. */
static const char old_record[] =
	"version = 1;\n"
	"password = \"$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7\";\n"
	"non_webmail_access = true;\n"
	"totp = \n"
	"{\n"
	"  status = \"enabled\";\n"
	"  secret = \"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\";\n"
	"  algorithm = \"SHA1\";\n"
	"  digits = 6;\n"
	"  period = 30;\n"
	"  recovery = [ \"$y$j9T$salt00$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN\" ];\n"
	"};\n";

static void base_record(struct ms_record *r)
{
	ms_record_defaults(r);
	strcpy(r->password, "$5$x$y");
}

static void add_ok(struct ms_record *r, const struct ms_app_request *req,
		   char shown[MS_APP_SHOWN_MAX])
{
	struct ms_error err = { 0 };

	ck_assert_msg(ms_app_add(r, req, T0, shown, &err) == MS_OK, "%s",
		      err.msg);
}

START_TEST(generated_is_five_groups_of_four_letters)
{
	char shown[MS_APP_SHOWN_MAX];
	unsigned seen[26] = { 0 };

	for (int round = 0; round < 200; round++) {
		ms_app_generate(shown);
		ck_assert_uint_eq(strlen(shown), 24);
		for (int i = 0; i < 24; i++) {
			if (i % 5 == 4) {
				ck_assert_int_eq(shown[i], ' ');
				continue;
			}
			ck_assert(shown[i] >= 'a' && shown[i] <= 'z');
			seen[shown[i] - 'a']++;
		}
	}
	/* 4000 letters from a uniform source: every letter shows. */
	for (int i = 0; i < 26; i++)
		ck_assert_msg(seen[i] > 50, "letter %c seen %u times", 'a' + i,
			      seen[i]);
}
END_TEST

START_TEST(two_passwords_differ)
{
	char a[MS_APP_SHOWN_MAX], b[MS_APP_SHOWN_MAX];

	ms_app_generate(a);
	ms_app_generate(b);
	ck_assert_str_ne(a, b);
}
END_TEST

START_TEST(normalising_removes_spaces_only)
{
	char out[MS_APP_LETTERS + 1];

	ck_assert(ms_app_normalise("abcd efgh ijkl mnop qrst", out));
	ck_assert_str_eq(out, "abcdefghijklmnopqrst");
	ck_assert(ms_app_normalise("abcdefghijklmnopqrst", out));
	ck_assert(ms_app_normalise(" abcdefghij  klmnopqrst ", out));
	ck_assert(!ms_app_normalise("ABCD efgh ijkl mnop qrst", out));
	ck_assert(!ms_app_normalise("abcd-efgh-ijkl-mnop-qrst", out));
	ck_assert(!ms_app_normalise("abcd\tefgh ijkl mnop qrst", out));
	ck_assert(!ms_app_normalise("abcd efgh ijkl mnop qrs", out));
	ck_assert(!ms_app_normalise("abcd efgh ijkl mnop qrstu", out));
	ck_assert(!ms_app_normalise("", out));
	ck_assert(!ms_app_normalise(NULL, out));
}
END_TEST

START_TEST(digest_matches_its_password_only)
{
	char digest[MS_APP_DIGEST_MAX], again[MS_APP_DIGEST_MAX];
	struct ms_error err = { 0 };

	ck_assert_int_eq(ms_app_digest("abcdefghijklmnopqrst", digest, &err),
			 MS_OK);
	ck_assert(ms_app_digest_valid(digest));
	ck_assert(strncmp(digest, "blake2b$", 8) == 0);
	ck_assert(ms_app_digest_matches("abcdefghijklmnopqrst", digest));
	ck_assert(!ms_app_digest_matches("abcdefghijklmnopqrsu", digest));
	/* A salt of its own: the same password, another digest. */
	ck_assert_int_eq(ms_app_digest("abcdefghijklmnopqrst", again, &err),
			 MS_OK);
	ck_assert_str_ne(digest, again);
	ck_assert(ms_app_digest_matches("abcdefghijklmnopqrst", again));
	ck_assert(!ms_app_digest_valid("blake2b$00"));
	ck_assert(!ms_app_digest_valid(""));
}
END_TEST

START_TEST(names_services_and_ranges_checked)
{
	char long_name[80];

	memset(long_name, 'x', 64);
	long_name[64] = '\0';
	ck_assert(ms_app_name_valid("Thunderbird at home"));
	ck_assert(ms_app_name_valid("Téléphone — K-9"));
	ck_assert(ms_app_name_valid(long_name));
	long_name[64] = 'x';
	long_name[65] = '\0';
	ck_assert(!ms_app_name_valid(long_name));
	ck_assert(!ms_app_name_valid(""));
	ck_assert(!ms_app_name_valid("--all"));
	ck_assert(!ms_app_name_valid("-x"));
	ck_assert(!ms_app_name_valid("tab\there"));
	ck_assert(!ms_app_name_valid("del\x7f"));
	ck_assert(!ms_app_name_valid("c1 \xc2\x85"));
	ck_assert(!ms_app_name_valid("bad \xff utf-8"));
	ck_assert(!ms_app_name_valid("overlong \xc0\xaf"));
	ck_assert(ms_app_service_valid("imap"));
	ck_assert(ms_app_service_valid("dovecot-pop3"));
	ck_assert(!ms_app_service_valid("IMAP"));
	ck_assert(!ms_app_service_valid(""));
	ck_assert(!ms_app_service_valid("a b"));
	ck_assert(ms_app_cidr_valid("192.0.2.0/24"));
	ck_assert(ms_app_cidr_valid("2001:db8::/32"));
	ck_assert(ms_app_cidr_valid("127.0.0.1/32"));
	ck_assert(!ms_app_cidr_valid("192.0.2.0/33"));
	ck_assert(!ms_app_cidr_valid("192.0.2.0"));
	ck_assert(!ms_app_cidr_valid("192.0.2.0/"));
	ck_assert(!ms_app_cidr_valid("192.0.2.0/-1"));
	ck_assert(!ms_app_cidr_valid("example.com/24"));
	ck_assert(!ms_app_cidr_valid("2001:db8::/129"));
}
END_TEST

START_TEST(cidr_contains)
{
	ck_assert(ms_app_cidr_contains("192.0.2.0/24", "192.0.2.77"));
	ck_assert(!ms_app_cidr_contains("192.0.2.0/24", "192.0.3.1"));
	ck_assert(ms_app_cidr_contains("192.0.2.0/24", "::ffff:192.0.2.9"));
	ck_assert(ms_app_cidr_contains("0.0.0.0/0", "203.0.113.1"));
	ck_assert(!ms_app_cidr_contains("0.0.0.0/0", "2001:db8::1"));
	ck_assert(ms_app_cidr_contains("2001:db8::/32", "2001:db8:1::5"));
	ck_assert(!ms_app_cidr_contains("2001:db8::/32", "2001:db9::5"));
	ck_assert(ms_app_cidr_contains("127.0.0.1/32", "127.0.0.1"));
	ck_assert(!ms_app_cidr_contains("127.0.0.1/32", "127.0.0.2"));
	ck_assert(!ms_app_cidr_contains("192.0.2.0/24", "-"));
	ck_assert(!ms_app_cidr_contains("192.0.2.0/24", "mail.example.com"));
	ck_assert(!ms_app_cidr_contains("192.0.2.0/24", NULL));
}
END_TEST

START_TEST(check_scope_range_expiry)
{
	static const char *const smtp_only[] = { "smtp", NULL };
	static const char *const lan[] = { "192.0.2.0/24", "2001:db8::/32",
					   NULL };
	struct ms_app_request req = { "phone", smtp_only, lan, T0 + DAY };
	struct ms_record r;
	char shown[MS_APP_SHOWN_MAX];
	int which = -7;

	base_record(&r);
	add_ok(&r, &req, shown);
	ck_assert_int_eq(ms_app_check(&r, shown, "smtp", "192.0.2.5", T0, &which),
			 MS_APP_OK);
	ck_assert_int_eq(which, 0);
	ck_assert_int_eq(ms_app_check(&r, shown, "smtp", "2001:db8::5", T0,
				      &which), MS_APP_OK);
	ck_assert_int_eq(ms_app_check(&r, shown, "imap", "192.0.2.5", T0, &which),
			 MS_APP_OUT_OF_SCOPE);
	ck_assert_int_eq(ms_app_check(&r, shown, "smtp", "198.51.100.1", T0,
				      &which), MS_APP_OUT_OF_RANGE);
	ck_assert_int_eq(ms_app_check(&r, shown, "smtp", "-", T0, &which),
			 MS_APP_NO_ADDRESS);
	ck_assert_int_eq(ms_app_check(&r, shown, "smtp", NULL, T0, &which),
			 MS_APP_NO_ADDRESS);
	ck_assert_int_eq(ms_app_check(&r, shown, "smtp", "192.0.2.5",
				      T0 + DAY - 1, &which), MS_APP_OK);
	ck_assert_int_eq(ms_app_check(&r, shown, "smtp", "192.0.2.5", T0 + DAY,
				      &which), MS_APP_EXPIRED);
	ck_assert_int_eq(ms_app_check(&r, "aaaa bbbb cccc dddd eeee", "smtp",
				      "192.0.2.5", T0, &which), MS_APP_NONE);
	ck_assert_int_eq(ms_app_check(&r, r.password, "smtp", "192.0.2.5", T0,
				      &which), MS_APP_NONE);
	ms_wipe(shown, sizeof(shown));
}
END_TEST

START_TEST(default_scope_is_imap_pop3_smtp_from_anywhere)
{
	struct ms_app_request req = { "laptop", NULL, NULL, 0 };
	struct ms_record r;
	char shown[MS_APP_SHOWN_MAX], joined[MS_APP_LETTERS + 1];
	int which;

	base_record(&r);
	add_ok(&r, &req, shown);
	ck_assert_uint_eq(r.apps[0].n_services, 3);
	ck_assert_uint_eq(r.apps[0].n_from, 0);
	ck_assert_int_eq(r.apps[0].expires, 0);
	ck_assert_int_eq(r.apps[0].created, T0);
	ck_assert(ms_app_id_valid(r.apps[0].id));
	ck_assert(ms_app_normalise(shown, joined));
	for (const char *const *s = ms_app_default_services; *s; s++)
		ck_assert_int_eq(ms_app_check(&r, joined, *s, "-", (time_t)T0 + 9999 * (time_t)DAY,
					      &which), MS_APP_OK);
	ck_assert_int_eq(ms_app_check(&r, shown, "webmail", "-", T0, &which),
			 MS_APP_OUT_OF_SCOPE);
}
END_TEST

START_TEST(limits_and_names)
{
	struct ms_app_request req = { NULL, NULL, NULL, 0 };
	static const char *const bad_from[] = { "10.0.0.0/40", NULL };
	static const char *const twice[] = { "imap", "imap", NULL };
	struct ms_record r;
	struct ms_error err = { 0 };
	char shown[MS_APP_SHOWN_MAX], name[16];

	base_record(&r);
	for (int i = 0; i < MS_APP_MAX; i++) {
		snprintf(name, sizeof(name), "app %d", i);
		req.name = name;
		add_ok(&r, &req, shown);
	}
	for (unsigned i = 1; i < r.n_apps; i++)
		ck_assert_str_ne(r.apps[i].id, r.apps[0].id);
	req.name = "one more";
	ck_assert_int_eq(ms_app_add(&r, &req, T0, shown, &err), MS_REFUSED);
	req.name = "app 3";
	ck_assert_int_eq(ms_app_add(&r, &req, T0, shown, &err), MS_EXISTS);
	ck_assert_int_eq(ms_app_revoke(&r, "app 3", &err), MS_OK);
	ck_assert_int_eq(ms_app_revoke(&r, "app 3", &err), MS_NOT_FOUND);
	ck_assert_int_eq(ms_app_find(&r, "app 4"), 3);
	req.name = "";
	ck_assert_int_eq(ms_app_add(&r, &req, T0, shown, &err), MS_INVALID);
	req.name = "x";
	req.from = bad_from;
	ck_assert_int_eq(ms_app_add(&r, &req, T0, shown, &err), MS_INVALID);
	req.from = NULL;
	req.services = twice;
	ck_assert_int_eq(ms_app_add(&r, &req, T0, shown, &err), MS_INVALID);
	req.services = NULL;
	req.expires = T0;
	ck_assert_int_eq(ms_app_add(&r, &req, T0, shown, &err), MS_INVALID);
	ck_assert_uint_eq(ms_app_revoke_all(&r), MS_APP_MAX - 1);
	ck_assert_uint_eq(r.n_apps, 0);
}
END_TEST

START_TEST(expiry_dates_and_days)
{
	struct ms_error err = { 0 };
	int64_t at = 0;

	/* 2023-11-14 is T0's day; a date means through its end, UTC. */
	ck_assert_int_eq(ms_app_parse_expiry("2023-11-14", T0, &at, &err), MS_OK);
	ck_assert_int_eq(at, 1700006400);
	ck_assert_int_eq(ms_app_parse_expiry("2024-02-29", T0, &at, &err), MS_OK);
	ck_assert_int_eq(at, 1709251200);
	ck_assert_int_eq(ms_app_parse_expiry("30", T0, &at, &err), MS_OK);
	ck_assert_int_eq(at, T0 + 30 * DAY);
	ck_assert_int_eq(ms_app_parse_expiry("2023-11-13", T0, &at, &err),
			 MS_INVALID);
	ck_assert_int_eq(ms_app_parse_expiry("2023-02-29", T0, &at, &err),
			 MS_INVALID);
	ck_assert_int_eq(ms_app_parse_expiry("2023-13-01", T0, &at, &err),
			 MS_INVALID);
	ck_assert_int_eq(ms_app_parse_expiry("0", T0, &at, &err), MS_INVALID);
	ck_assert_int_eq(ms_app_parse_expiry("3651", T0, &at, &err), MS_INVALID);
	ck_assert_int_eq(ms_app_parse_expiry("-3", T0, &at, &err), MS_INVALID);
	ck_assert_int_eq(ms_app_parse_expiry("7d", T0, &at, &err), MS_INVALID);
	ck_assert_int_eq(ms_app_parse_expiry("", T0, &at, &err), MS_INVALID);
}
END_TEST

static void round_trip(const struct ms_record *in, struct ms_record *out,
		       char **text)
{
	struct ms_error err = { 0 };

	ck_assert_msg(ms_record_format(in, text, &err) == MS_OK, "%s", err.msg);
	ck_assert_msg(ms_record_parse(*text, "record", out, &err) == MS_OK,
		      "%s\n%s", err.msg, *text);
}

START_TEST(record_round_trip_with_app_passwords)
{
	static const char *const services[] = { "imap", "dovecot", NULL };
	static const char *const from[] = { "192.0.2.0/24", "2001:db8::/32",
					    NULL };
	struct ms_app_request req = { "Thunderbird at home", services, from,
				      (int64_t)T0 + 20000 * (int64_t)DAY };
	struct ms_record in, out;
	char shown[MS_APP_SHOWN_MAX], *text = NULL;

	base_record(&in);
	ms_record_set_non_webmail(&in, MS_NON_WEBMAIL_APP_PASSWORDS);
	add_ok(&in, &req, shown);
	req.name = "Téléphone";
	req.services = NULL;
	req.from = NULL;
	req.expires = 0;
	add_ok(&in, &req, shown);
	round_trip(&in, &out, &text);
	ck_assert_msg(th_has(text, "app_passwords_only = true;"), "%s", text);
	ck_assert_msg(!th_has(text, shown), "%s", text);
	ck_assert_int_eq(ms_record_non_webmail(&out),
			 MS_NON_WEBMAIL_APP_PASSWORDS);
	ck_assert_uint_eq(out.n_apps, 2);
	ck_assert_str_eq(out.apps[0].name, "Thunderbird at home");
	ck_assert_str_eq(out.apps[0].id, in.apps[0].id);
	ck_assert_str_eq(out.apps[0].digest, in.apps[0].digest);
	ck_assert_str_eq(out.apps[0].services[1], "dovecot");
	ck_assert_str_eq(out.apps[0].from[1], "2001:db8::/32");
	ck_assert_int_eq(out.apps[0].expires, in.apps[0].expires);
	ck_assert_str_eq(out.apps[1].name, "Téléphone");
	ck_assert_int_eq(out.apps[1].expires, 0);
	ck_assert_uint_eq(out.apps[1].n_from, 0);
	ms_free_secret(text);
}
END_TEST

/* Enabled and disabled records without app passwords are written as
 * before, and today's records read unchanged. */
START_TEST(old_records_are_byte_identical)
{
	struct ms_record r, back;
	struct ms_error err = { 0 };
	char *text = NULL;

	ck_assert_msg(ms_record_parse(old_record, "old", &r, &err) == MS_OK, "%s",
		      err.msg);
	ck_assert_int_eq(ms_record_non_webmail(&r), MS_NON_WEBMAIL_ENABLED);
	ck_assert_uint_eq(r.n_apps, 0);
	round_trip(&r, &back, &text);
	ck_assert_str_eq(text, old_record);
	ms_free_secret(text);
	ms_record_set_non_webmail(&r, MS_NON_WEBMAIL_DISABLED);
	round_trip(&r, &back, &text);
	ck_assert_msg(th_has(text, "non_webmail_access = false;\ntotp ="), "%s",
		      text);
	ck_assert(!th_has(text, "app_passwords"));
	ck_assert_int_eq(ms_record_non_webmail(&back), MS_NON_WEBMAIL_DISABLED);
	ms_free_secret(text);
}
END_TEST

struct bad_apps {
	const char *text;
	int line;
};

#define HEAD "version = 1;\npassword = \"h\";\n"
#define DIGEST "blake2b$00112233445566778899aabbccddeeff$" \
	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define ENTRY(extra) "app_passwords = ( { id = \"0123456789abcdef\";\n" \
	"name = \"n\"; digest = \"" DIGEST "\"; services = [ \"imap\" ];\n" \
	"created = 1700000000; " extra " } );\n"
static const struct bad_apps bad_apps[] = {
	{ HEAD "non_webmail_access = false;\napp_passwords_only = true;\n", 4 },
	{ HEAD "app_passwords_only = 1;\n", 3 },
	{ HEAD "app_passwords = [ 1 ];\n", 3 },
	{ HEAD "app_passwords = ( 1 );\n", 3 },
	{ HEAD ENTRY("colour = 1;"), 5 },
	{ HEAD ENTRY("expires = 0;"), 5 },
	{ HEAD ENTRY("expires = -5;"), 5 },
	{ HEAD ENTRY("from = [ \"192.0.2.0/99\" ];"), 5 },
	{ HEAD ENTRY("from = [ 7 ];"), 5 },
	{ HEAD "app_passwords = ( { id = \"0123456789abcdeX\";\n"
	       "name = \"n\"; digest = \"" DIGEST "\"; services = [ \"imap\" ];\n"
	       "created = 1; } );\n", 3 },
	{ HEAD "app_passwords = ( { id = \"0123456789abcdef\";\n"
	       "name = \"n\"; digest = \"sha256$x\"; services = [ \"imap\" ];\n"
	       "created = 1; } );\n", 3 },
	{ HEAD "app_passwords = ( { id = \"0123456789abcdef\";\n"
	       "name = \"n\"; digest = \"" DIGEST "\"; services = [ ];\n"
	       "created = 1; } );\n", 3 },
	{ HEAD "app_passwords = ( { id = \"0123456789abcdef\";\n"
	       "name = \"n\"; digest = \"" DIGEST "\"; services = [ \"imap\" ];\n"
	       "} );\n", 3 },
	{ HEAD "app_passwords = ( { id = \"0123456789abcdef\";\n"
	       "name = \"n\"; digest = \"" DIGEST "\"; services = [ \"imap\" ];\n"
	       "created = 1; },\n{ id = \"0123456789abcdef\";\n"
	       "name = \"m\"; digest = \"" DIGEST "\"; services = [ \"imap\" ];\n"
	       "created = 1; } );\n", 6 },
};

START_TEST(invalid_app_records)
{
	struct ms_record r;
	struct ms_error err = { 0 };
	char where[32];

	ck_assert_msg(ms_record_parse(bad_apps[_i].text, "rec", &r, &err) ==
			      MS_INVALID, "accepted:\n%s", bad_apps[_i].text);
	snprintf(where, sizeof(where), "rec:%d:", bad_apps[_i].line);
	ck_assert_msg(th_has(err.msg, where), "%s (want %s)", err.msg, where);
}
END_TEST

START_TEST(valid_hand_written_entry)
{
	struct ms_record r;
	struct ms_error err = { 0 };

	ck_assert_msg(ms_record_parse(HEAD ENTRY("expires = 4102444800L;"), "rec",
				      &r, &err) == MS_OK, "%s", err.msg);
	ck_assert_int_eq(r.apps[0].expires, 4102444800LL);
}
END_TEST

/* passwd revokes them unless told to keep them; a new mailbox takes
 * mailsec.conf's default. */
START_TEST(passwd_revokes_and_default_mode)
{
	struct ms_app_request req = { "a", NULL, NULL, 0 };
	struct ms_mailbox box;
	struct ms_error err = { 0 };
	char shown[MS_APP_SHOWN_MAX];
	unsigned revoked = 0;

	memset(&box, 0, sizeof(box));
	strcpy(box.name, "alice@example.com");
	th.settings.non_webmail_default = MS_NON_WEBMAIL_APP_PASSWORDS;
	ck_assert_msg(ms_mailbox_create(&th.store, &box, "$5$x$y", &err) == MS_OK,
		      "%s", err.msg);
	ck_assert_int_eq(ms_record_non_webmail(&box.record),
			 MS_NON_WEBMAIL_APP_PASSWORDS);
	ck_assert_int_eq(ms_mailbox_app_add(&box, &req, T0, shown, &err), MS_OK);
	ck_assert(box.save_record);
	ck_assert_uint_eq(ms_mailbox_set_password(&box, "$5$n", true), 0);
	ck_assert_uint_eq(box.record.n_apps, 1);
	ck_assert_uint_eq(ms_mailbox_set_password(&box, "$5$m", false), 1);
	ck_assert_uint_eq(box.record.n_apps, 0);
	ck_assert_int_eq(ms_mailbox_app_revoke(&box, "a", &revoked, &err),
			 MS_NOT_FOUND);
	ck_assert_int_eq(ms_mailbox_app_revoke(&box, NULL, &revoked, &err), MS_OK);
	ck_assert_uint_eq(revoked, 0);
	ms_mailbox_wipe(&box);
}
END_TEST

static void stored_with_apps(struct ms_record *r, unsigned n)
{
	struct ms_app_request req = { NULL, NULL, NULL, 0 };
	char shown[MS_APP_SHOWN_MAX], name[16];
	struct ms_error err = { 0 };

	base_record(r);
	for (unsigned i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "app %u", i);
		req.name = name;
		add_ok(r, &req, shown);
	}
	/* App-password uses are kept only for a mailbox that has a record. */
	ck_assert_msg(ms_record_save(&th.store, "a@x.org", r, &err) == MS_OK,
		      "%s", err.msg);
}

static void note(const struct ms_record *r, int which, time_t now,
		 const char *service, const char *rhost)
{
	struct ms_error err = { 0 };

	ck_assert_msg(ms_app_state_note(&th.store, "a@x.org", r, which, now,
					service, rhost, &err) == MS_OK, "%s",
		      err.msg);
}

static void load_apps(struct ms_app_state *state)
{
	struct ms_error err = { 0 };

	ck_assert_msg(ms_app_state_load(&th.store, "a@x.org", state, &err) ==
			      MS_OK, "%s", err.msg);
}

START_TEST(app_state_counts_and_drops_revoked)
{
	struct ms_record r;
	struct ms_app_state state;
	const struct ms_app_use *use;
	struct ms_error err = { 0 };
	char id0[MS_APP_ID_MAX];

	stored_with_apps(&r, MS_APP_MAX);
	load_apps(&state);
	ck_assert_ptr_null(ms_app_state_find(&state, r.apps[0].id));
	for (int i = 0; i < MS_APP_MAX; i++)
		note(&r, i, T0 + i, "imap", "192.0.2.1");
	note(&r, 0, T0 + 100, "smtp-submission-with-a-long-service-name",
	     "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
	load_apps(&state);
	use = ms_app_state_find(&state, r.apps[0].id);
	ck_assert_ptr_nonnull(use);
	ck_assert_uint_eq(use->uses, 2);
	ck_assert_int_eq(use->last_used, T0 + 100);
	ck_assert_uint_eq(strlen(use->service), MS_APP_USE_SERVICE_MAX - 1);
	ck_assert_str_eq(use->rhost, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
	ck_assert_uint_eq(ms_app_state_find(&state, r.apps[19].id)->uses, 1);
	/* Revoked, and a new one in its place: its entry goes, the new one
	 * starts at nothing. */
	strcpy(id0, r.apps[0].id);
	ck_assert_int_eq(ms_app_revoke(&r, "app 0", &err), MS_OK);
	stored_with_apps(&r, 0);
	{
		struct ms_record again;

		stored_with_apps(&again, MS_APP_MAX);
		memcpy(&r, &again, sizeof(r));
	}
	note(&r, 5, T0 + 200, "pop3", NULL);
	load_apps(&state);
	ck_assert_ptr_null(ms_app_state_find(&state, id0));
	use = ms_app_state_find(&state, r.apps[5].id);
	ck_assert_uint_eq(use->uses, 1);
	ck_assert_str_eq(use->rhost, "-");
	ck_assert_int_eq(ms_app_state_remove(&th.store, "a@x.org", &err), MS_OK);
	load_apps(&state);
	ck_assert_ptr_null(ms_app_state_find(&state, r.apps[5].id));
}
END_TEST

static void apps_path(char path[PATH_MAX + 32])
{
	snprintf(path, PATH_MAX + 32, "%s/a@x.org.apps", th.state);
}

START_TEST(app_state_torn_and_unknown)
{
	struct ms_record r;
	struct ms_app_state state;
	struct ms_error err = { 0 };
	char path[PATH_MAX + 32];
	unsigned char byte = 0xff, slot[2048];
	uint32_t version = 99;
	int fd;

	stored_with_apps(&r, 1);
	note(&r, 0, T0, "imap", "192.0.2.1");
	note(&r, 0, T0 + 1, "imap", "192.0.2.1");
	apps_path(path);
	fd = open(path, O_RDWR);
	ck_assert_int_ge(fd, 0);
	/* seq 2 went to slot 0: tear it, and slot 1 (seq 1) is read. */
	ck_assert_int_eq(pwrite(fd, &byte, 1, 100), 1);
	load_apps(&state);
	ck_assert_uint_eq(ms_app_state_find(&state, r.apps[0].id)->uses, 1);
	/* Both torn: refused, never a fresh state. */
	ck_assert_int_eq(pwrite(fd, &byte, 1, 2048 + 100), 1);
	ck_assert_int_eq(ms_app_state_load(&th.store, "a@x.org", &state, &err),
			 MS_INVALID);
	close(fd);
	ck_assert_int_eq(ms_app_state_remove(&th.store, "a@x.org", &err), MS_OK);
	note(&r, 0, T0, "imap", "-");
	fd = open(path, O_RDWR);
	/* A newer version, checksummed as it would be, fails closed. */
	ck_assert_int_eq(pread(fd, slot, sizeof(slot), 2048), 2048);
	memcpy(slot + 4, &version, 4);
	/* header 20 bytes and its one entry of 98 */
	crypto_generichash(slot + 2048 - 16, 16, slot, 20 + 98, NULL, 0);
	ck_assert_int_eq(pwrite(fd, slot, sizeof(slot), 2048), 2048);
	close(fd);
	ck_assert_int_eq(ms_app_state_load(&th.store, "a@x.org", &state, &err),
			 MS_INVALID);
}
END_TEST

/* A checksummed slot that names one id in every entry (written by hand,
 * or by a bug) leaves no free entry for another id: counting a login with
 * that one must neither crash the module nor refuse, and the copies go. */
START_TEST(app_state_duplicate_ids)
{
	struct ms_record r;
	struct ms_app_state state;
	char path[PATH_MAX + 32];
	unsigned char slot[2048];
	int fd;

	stored_with_apps(&r, MS_APP_MAX);
	for (int i = 0; i < MS_APP_MAX; i++)
		note(&r, i, T0 + i, "imap", "192.0.2.1");
	apps_path(path);
	fd = open(path, O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, slot, sizeof(slot), 0), 2048);
	/* header 20 bytes, entries of 98 starting with the 8-byte id */
	for (int i = 1; i < MS_APP_MAX; i++)
		memcpy(slot + 20 + i * 98, slot + 20, 8);
	crypto_generichash(slot + 2048 - 16, 16, slot, 20 + MS_APP_MAX * 98,
			   NULL, 0);
	ck_assert_int_eq(pwrite(fd, slot, sizeof(slot), 0), 2048);
	ck_assert_int_eq(pwrite(fd, slot, sizeof(slot), 2048), 2048);
	close(fd);
	note(&r, 1, T0 + 100, "smtp", "192.0.2.2");
	load_apps(&state);
	ck_assert_uint_eq(ms_app_state_find(&state, r.apps[1].id)->uses, 1);
	ck_assert_str_eq(ms_app_state_find(&state, r.apps[1].id)->service,
			 "smtp");
	for (int i = 0, copies = 0; i < MS_APP_MAX; i++) {
		copies += state.uses[i].uses &&
			  strcmp(state.uses[i].id, state.uses[0].id) == 0;
		ck_assert_int_le(copies, 1);
	}
}
END_TEST

/* The login state file is untouched: format 4 as before, read as before. */
START_TEST(state_file_keeps_format_4)
{
	struct ms_record r;
	struct ms_state st;
	struct ms_error err = { 0 };
	char path[PATH_MAX + 32];
	unsigned char head[8];
	uint32_t version;
	int fd;

	memset(&st, 0, sizeof(st));
	st.fail_count = 2;
	ck_assert_int_eq(ms_state_save(&th.store, "a@x.org", &st, &err), MS_OK);
	stored_with_apps(&r, 1);
	note(&r, 0, T0, "imap", "-");
	snprintf(path, sizeof(path), "%s/a@x.org.state", th.state);
	fd = open(path, O_RDONLY);
	ck_assert_int_eq(pread(fd, head, sizeof(head), 512), 8);
	close(fd);
	memcpy(&version, head + 4, 4);
	ck_assert_int_eq(memcmp(head, "MSST", 4), 0);
	ck_assert_uint_eq(version, 4);
	ck_assert_int_eq(ms_state_load(&th.store, "a@x.org", &st, &err), MS_OK);
	ck_assert_uint_eq(st.fail_count, 2);
}
END_TEST

Suite *apppass_suite(void)
{
	Suite *s = suite_create("apppass");
	TCase *rules = ts_tcase("rules");
	TCase *record = ts_tcase("record");
	TCase *store = th_tcase_store("mailbox");

	tcase_add_test(rules, generated_is_five_groups_of_four_letters);
	tcase_add_test(rules, two_passwords_differ);
	tcase_add_test(rules, normalising_removes_spaces_only);
	tcase_add_test(rules, digest_matches_its_password_only);
	tcase_add_test(rules, names_services_and_ranges_checked);
	tcase_add_test(rules, cidr_contains);
	tcase_add_test(rules, check_scope_range_expiry);
	tcase_add_test(rules, default_scope_is_imap_pop3_smtp_from_anywhere);
	tcase_add_test(rules, limits_and_names);
	tcase_add_test(rules, expiry_dates_and_days);
	tcase_add_test(record, record_round_trip_with_app_passwords);
	tcase_add_test(record, old_records_are_byte_identical);
	tcase_add_loop_test(record, invalid_app_records, 0,
			    sizeof(bad_apps) / sizeof(*bad_apps));
	tcase_add_test(record, valid_hand_written_entry);
	tcase_add_test(store, passwd_revokes_and_default_mode);
	tcase_add_test(store, app_state_counts_and_drops_revoked);
	ts_add_files_test(store, app_state_torn_and_unknown);
	ts_add_files_test(store, app_state_duplicate_ids);
	ts_add_files_test(store, state_file_keeps_format_4);
	suite_add_tcase(s, rules);
	suite_add_tcase(s, record);
	suite_add_tcase(s, store);
	suite_add_tcase(s, tcase_when());
	return s;
}
