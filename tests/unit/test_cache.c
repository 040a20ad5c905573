/* The verified-credential cache: the entry's life, its tag, and the
 * password check that uses both (cache.c). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "helpers.h"
#include "password.h"
#include "session.h"
#include "state.h"
#include "suites.h"

#define NAME "alice@example.com"
#define PASSWORD "S3cret pass 42"
#define T0 ((time_t)1700000000)
#define TTL 300

static const unsigned char tag1[MS_CACHE_TAG_BYTES] = { 1, 1, 1 };
static const unsigned char tag2[MS_CACHE_TAG_BYTES] = { 2, 2, 2 };

START_TEST(entry_lives_ttl_seconds)
{
	struct ms_state s = { 0 };

	ck_assert(!ms_cache_live(&s, tag1, T0, TTL));
	ms_cache_put(&s, tag1, T0);
	ck_assert(ms_cache_live(&s, tag1, T0, TTL));
	ck_assert(ms_cache_live(&s, tag1, T0 + TTL - 1, TTL));
	ck_assert(!ms_cache_live(&s, tag1, T0 + TTL, TTL));
	ck_assert(!ms_cache_live(&s, tag2, T0, TTL));
	/* A shorter cache_ttl applies to entries made before. */
	ck_assert(!ms_cache_live(&s, tag1, T0 + 60, 60));
	/* A clock set back: nothing is trusted. */
	ck_assert(!ms_cache_live(&s, tag1, T0 - 1, TTL));
}
END_TEST

START_TEST(empty_entry_matches_nothing)
{
	unsigned char zero[MS_CACHE_TAG_BYTES] = { 0 };
	struct ms_state s = { 0 };

	ck_assert(!ms_cache_live(&s, zero, 0, TTL));
	ck_assert(!ms_cache_live(&s, zero, T0, TTL));
}
END_TEST

START_TEST(put_replaces_and_clear_empties)
{
	struct ms_state s = { 0 };

	ms_cache_put(&s, tag1, T0);
	ms_cache_put(&s, tag2, T0 + 5);
	ck_assert(!ms_cache_live(&s, tag1, T0 + 5, TTL));
	ck_assert(ms_cache_live(&s, tag2, T0 + 5, TTL));
	ck_assert_int_eq(s.cache.verified, T0 + 5);
	ms_cache_clear(&s);
	ck_assert(!ms_cache_live(&s, tag2, T0 + 5, TTL));
	ck_assert_int_eq(s.cache.verified, 0);
}
END_TEST

static void record_with(struct ms_record *r, const char *password)
{
	struct ms_error err = { 0 };

	memset(r, 0, sizeof(*r));
	ck_assert_msg(ms_password_hash(password, "$5$", 1000, r->password,
				       &err) == MS_OK, "%s", err.msg);
	th_row(NAME, r);
}

static void tag_for(const struct ms_record *r, const char *name,
		    const char *password, unsigned char tag[MS_CACHE_TAG_BYTES])
{
	struct ms_error err = { 0 };

	ck_assert_msg(ms_cache_tag(&th.store, name, r, password, tag, &err) ==
			      MS_OK, "%s", err.msg);
}

START_TEST(tag_covers_every_input)
{
	unsigned char base[MS_CACHE_TAG_BYTES], tag[MS_CACHE_TAG_BYTES];
	unsigned char session[MS_SESSION_TAG_BYTES];
	struct ms_error err = { 0 };
	struct ms_record r;

	record_with(&r, PASSWORD);
	tag_for(&r, NAME, PASSWORD, base);
	tag_for(&r, NAME, PASSWORD, tag);
	ck_assert_mem_eq(tag, base, sizeof(tag));
	tag_for(&r, "bob@example.com", PASSWORD, tag);
	ck_assert(memcmp(tag, base, sizeof(tag)) != 0);
	tag_for(&r, NAME, PASSWORD "x", tag);
	ck_assert(memcmp(tag, base, sizeof(tag)) != 0);
	/* The TOTP secret is not an input: 2FA changes keep the entry. */
	strcpy(r.totp.secret, "JBSWY3DPEHPK3PXP");
	tag_for(&r, NAME, PASSWORD, tag);
	ck_assert_mem_eq(tag, base, sizeof(tag));
	/* A session tag of the same strings is another tag. */
	ck_assert_int_eq(ms_session_tag(&th.store, NAME, &r, "", PASSWORD,
					session, &err), MS_OK);
	ck_assert(memcmp(session, base, sizeof(session)) != 0);
	/* The same password hashed again: a new hash, a new tag. */
	record_with(&r, PASSWORD);
	tag_for(&r, NAME, PASSWORD, tag);
	ck_assert(memcmp(tag, base, sizeof(tag)) != 0);
}
END_TEST

/* ms_cache_verify with cache_ttl `ttl`; asserts no cache error. */
static bool verify(const struct ms_record *r, const char *password,
		   time_t now, unsigned ttl, bool *cached)
{
	struct ms_error err = { 0 };
	bool match;

	th.settings.cache_ttl = ttl;
	match = ms_cache_verify(&th.store, NAME, r, password, now, cached, &err);
	ck_assert_msg(err.status == MS_OK, "%s", err.msg);
	return match;
}

static struct ms_state loaded(void)
{
	struct ms_error err = { 0 };
	struct ms_state s;

	ck_assert_msg(ms_state_load(&th.store, NAME, &s, &err) == MS_OK, "%s",
		      err.msg);
	return s;
}

START_TEST(verify_remembers_a_match)
{
	struct ms_record r;
	bool cached = true;

	record_with(&r, PASSWORD);
	ck_assert(verify(&r, PASSWORD, T0, TTL, &cached));
	ck_assert(!cached);
	ck_assert_int_eq(loaded().cache.verified, T0);
	ck_assert(verify(&r, PASSWORD, T0 + 10, TTL, &cached));
	ck_assert(cached);
	/* A hit writes nothing: the entry keeps its first time. */
	ck_assert_int_eq(loaded().cache.verified, T0);
	ck_assert_uint_eq(loaded().seq, 1);
	/* Expired: hashed again, and remembered anew. */
	ck_assert(verify(&r, PASSWORD, T0 + TTL, TTL, &cached));
	ck_assert(!cached);
	ck_assert_int_eq(loaded().cache.verified, T0 + TTL);
}
END_TEST

START_TEST(verify_refuses_a_wrong_password)
{
	struct ms_record r;
	bool cached = true;

	record_with(&r, PASSWORD);
	ck_assert(verify(&r, PASSWORD, T0, TTL, &cached));
	ck_assert(!verify(&r, "wrong", T0 + 1, TTL, &cached));
	ck_assert(!cached);
	ck_assert(!verify(&r, "", T0 + 1, TTL, &cached));
	/* Refusals leave the entry alone. */
	ck_assert(verify(&r, PASSWORD, T0 + 2, TTL, &cached));
	ck_assert(cached);
}
END_TEST

START_TEST(live_entry_answers_without_the_hash)
{
	unsigned char tag[MS_CACHE_TAG_BYTES];
	struct ms_error err = { 0 };
	struct ms_state s;
	struct ms_record r;
	bool cached = false;

	/* A hash crypt cannot use: only the cache can say yes. */
	memset(&r, 0, sizeof(r));
	strcpy(r.password, "!unusable");
	th_row(NAME, &r);
	tag_for(&r, NAME, PASSWORD, tag);
	memset(&s, 0, sizeof(s));
	ms_cache_put(&s, tag, T0);
	ck_assert_int_eq(ms_state_save(&th.store, NAME, &s, &err), MS_OK);
	ck_assert(verify(&r, PASSWORD, T0 + 1, TTL, &cached));
	ck_assert(cached);
	ck_assert(!verify(&r, PASSWORD, T0 + 1, 0, &cached));
	ck_assert(!cached);
}
END_TEST

/* An entry for the empty password (left by a version that took one) does
 * not bring it back. */
START_TEST(live_entry_never_takes_an_empty_password)
{
	unsigned char tag[MS_CACHE_TAG_BYTES];
	struct ms_error err = { 0 };
	struct ms_state s;
	struct ms_record r;
	bool cached = true;

	memset(&r, 0, sizeof(r));
	strcpy(r.password, "!unusable");
	th_row(NAME, &r);
	tag_for(&r, NAME, "", tag);
	memset(&s, 0, sizeof(s));
	ms_cache_put(&s, tag, T0);
	ck_assert_int_eq(ms_state_save(&th.store, NAME, &s, &err), MS_OK);
	ck_assert(!verify(&r, "", T0 + 1, TTL, &cached));
	ck_assert(!cached);
}
END_TEST

START_TEST(off_touches_no_state)
{
	struct ms_record r;
	bool cached = true;

	record_with(&r, PASSWORD);
	ck_assert(verify(&r, PASSWORD, T0, 0, &cached));
	ck_assert(!cached);
	ck_assert_uint_eq(ts_count_prefix(th.state, NAME), 0);
}
END_TEST

START_TEST(unusable_state_leaves_the_hash_to_decide)
{
	struct ms_error err = { 0 };
	struct ms_record r;
	char path[PATH_MAX], *text;
	bool cached = true;

	record_with(&r, PASSWORD);
	ts_path(path, sizeof(path), th.state, NAME ".state", NULL);
	ts_write_str(path, "not a state file", 0600);
	th.settings.cache_ttl = TTL;
	ck_assert(ms_cache_verify(&th.store, NAME, &r, PASSWORD, T0, &cached,
				  &err));
	ck_assert(!cached);
	ck_assert_int_eq(err.status, MS_INVALID);
	ck_assert_msg(th_has(err.msg, "corrupt"), "%s", err.msg);
	ck_assert(!ms_cache_verify(&th.store, NAME, &r, "wrong", T0, &cached,
				   &err));
	/* Not rewritten: a broken state is for the admin to look at. */
	text = ts_read(path, NULL);
	ck_assert_str_eq(text, "not a state file");
	free(text);
}
END_TEST

Suite *cache_suite(void)
{
	Suite *s = suite_create("cache");
	TCase *memory = ts_tcase("entry");
	TCase *store = th_tcase_store("verify");

	tcase_add_test(memory, entry_lives_ttl_seconds);
	tcase_add_test(memory, empty_entry_matches_nothing);
	tcase_add_test(memory, put_replaces_and_clear_empties);
	suite_add_tcase(s, memory);

	tcase_add_test(store, tag_covers_every_input);
	tcase_add_test(store, verify_remembers_a_match);
	tcase_add_test(store, verify_refuses_a_wrong_password);
	tcase_add_test(store, live_entry_answers_without_the_hash);
	tcase_add_test(store, live_entry_never_takes_an_empty_password);
	ts_add_files_test(store, off_touches_no_state);
	ts_add_files_test(store, unusable_state_leaves_the_hash_to_decide);
	suite_add_tcase(s, store);
	return s;
}
