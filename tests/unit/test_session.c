/* Webmail sessions: keyed tags, idle and maximum ages, the table's reuse. */
#include "config.h"

#include <string.h>

#include "helpers.h"
#include "record.h"
#include "session.h"
#include "state.h"
#include "suites.h"

#define NAME "alice@example.com"
#define T0 ((time_t)1700000000)

static const struct ms_session_limits limits = { .idle = 600, .max = 3600 };

static void tag_of(unsigned char tag[MS_SESSION_TAG_BYTES], int n)
{
	memset(tag, n, MS_SESSION_TAG_BYTES);
}

START_TEST(resume_within_idle)
{
	unsigned char tag[MS_SESSION_TAG_BYTES], other[MS_SESSION_TAG_BYTES];
	struct ms_state s;

	memset(&s, 0, sizeof(s));
	tag_of(tag, 1);
	tag_of(other, 2);
	ck_assert(!ms_session_resume(&s, tag, T0, &limits));
	ms_session_add(&s, tag, T0);
	ck_assert(ms_session_resume(&s, tag, T0 + 600, &limits));
	ck_assert(!ms_session_resume(&s, other, T0 + 600, &limits));
	/* Each use moves the idle clock. */
	ck_assert(ms_session_resume(&s, tag, T0 + 1200, &limits));
	ck_assert(!ms_session_resume(&s, tag, T0 + 1801, &limits));
}
END_TEST

START_TEST(maximum_age)
{
	unsigned char tag[MS_SESSION_TAG_BYTES];
	struct ms_state s;
	time_t t = T0;

	memset(&s, 0, sizeof(s));
	tag_of(tag, 1);
	ms_session_add(&s, tag, T0);
	for (t = T0 + 500; t <= T0 + 3600; t += 500)
		ck_assert(ms_session_resume(&s, tag, t, &limits));
	/* Used all along, but older than max: over. */
	ck_assert(!ms_session_resume(&s, tag, T0 + 3601, &limits));
	/* And the dead entry was freed. */
	ck_assert_int_eq(s.sessions[0].created, 0);
}
END_TEST

START_TEST(full_table_drops_least_recently_used)
{
	unsigned char tag[MS_SESSION_TAG_BYTES];
	struct ms_state s;

	memset(&s, 0, sizeof(s));
	for (int i = 0; i < MS_STATE_SESSIONS; i++) {
		tag_of(tag, i + 1);
		ms_session_add(&s, tag, T0 + i);
	}
	/* Session 1 is the oldest but was just used; session 2 was not. */
	tag_of(tag, 1);
	ck_assert(ms_session_resume(&s, tag, T0 + 100, &limits));
	tag_of(tag, 99);
	ms_session_add(&s, tag, T0 + 101);
	ck_assert(ms_session_resume(&s, tag, T0 + 102, &limits));
	tag_of(tag, 1);
	ck_assert(ms_session_resume(&s, tag, T0 + 102, &limits));
	tag_of(tag, 2);
	ck_assert(!ms_session_resume(&s, tag, T0 + 102, &limits));
	tag_of(tag, 3);
	ck_assert(ms_session_resume(&s, tag, T0 + 102, &limits));
}
END_TEST

START_TEST(clear_ends_every_session)
{
	unsigned char tag[MS_SESSION_TAG_BYTES];
	struct ms_state s;

	memset(&s, 0, sizeof(s));
	tag_of(tag, 7);
	ms_session_add(&s, tag, T0);
	ms_session_clear(&s);
	ck_assert(!ms_session_resume(&s, tag, T0, &limits));
}
END_TEST

/* The tag of `credential` from `rhost` for NAME. */
static void tag_for(const struct ms_record *r, const char *rhost,
		    const char *credential,
		    unsigned char tag[MS_SESSION_TAG_BYTES])
{
	struct ms_error err = { 0 };

	ck_assert_msg(ms_session_tag(&th.store, NAME, r, rhost, credential, tag,
				     &err) == MS_OK, "%s", err.msg);
}

START_TEST(tag_covers_every_input)
{
	unsigned char base[MS_SESSION_TAG_BYTES], tag[MS_SESSION_TAG_BYTES];
	struct ms_record r;
	char path[PATH_MAX];

	memset(&r, 0, sizeof(r));
	strcpy(r.password, "$5$x$hash");
	strcpy(r.totp.secret, "GEZDGNBVGY3TQOJQ");
	tag_for(&r, "192.0.2.1", "pw123456", base);
	/* The host key was made on first use, private. */
	ts_path(path, sizeof(path), th.state, ".mailsec-hostkey", NULL);
	ck_assert_uint_eq(ts_mode(path), 0600);

	tag_for(&r, "192.0.2.1", "pw123456", tag);
	ck_assert_mem_eq(tag, base, sizeof(tag));
	tag_for(&r, "192.0.2.2", "pw123456", tag);
	ck_assert(memcmp(tag, base, sizeof(tag)) != 0);
	tag_for(&r, "192.0.2.1", "pw123457", tag);
	ck_assert(memcmp(tag, base, sizeof(tag)) != 0);
	/* A new password or secret ends sessions by construction. */
	strcpy(r.password, "$5$x$other");
	tag_for(&r, "192.0.2.1", "pw123456", tag);
	ck_assert(memcmp(tag, base, sizeof(tag)) != 0);
	strcpy(r.password, "$5$x$hash");
	strcpy(r.totp.secret, "JBSWY3DPEHPK3PXP");
	tag_for(&r, "192.0.2.1", "pw123456", tag);
	ck_assert(memcmp(tag, base, sizeof(tag)) != 0);
}
END_TEST

START_TEST(check_under_lock_records_use)
{
	unsigned char tag[MS_SESSION_TAG_BYTES], other[MS_SESSION_TAG_BYTES];
	struct ms_error err = { 0 };
	struct ms_state s;

	memset(&s, 0, sizeof(s));
	tag_of(tag, 5);
	tag_of(other, 6);
	ms_session_add(&s, tag, T0);
	{
		struct ms_record record = { .password = "$5$x$unused" };

		th_row(NAME, &record);
	}
	ck_assert_int_eq(ms_state_save(&th.store, NAME, &s, &err), MS_OK);
	ck_assert_int_eq(ms_session_check(&th.store, NAME, other, T0 + 10,
					  &limits, &err),
			 MS_SESSION_MISS);
	ck_assert_int_eq(ms_session_check(&th.store, NAME, tag, T0 + 500,
					  &limits, &err),
			 MS_SESSION_HIT);
	/* Its use was saved: still alive 500 s later, past T0 + idle. */
	ck_assert_int_eq(ms_session_check(&th.store, NAME, tag, T0 + 1000,
					  &limits, &err),
			 MS_SESSION_HIT);
	ck_assert_int_eq(ms_state_load(&th.store, NAME, &s, &err), MS_OK);
	ck_assert_int_eq(s.sessions[0].last_used, T0 + 1000);
}
END_TEST

Suite *session_suite(void)
{
	Suite *s = suite_create("session");
	TCase *memory = ts_tcase("table");
	TCase *store = th_tcase_store("store");

	tcase_add_test(memory, resume_within_idle);
	tcase_add_test(memory, maximum_age);
	tcase_add_test(memory, full_table_drops_least_recently_used);
	tcase_add_test(memory, clear_ends_every_session);
	suite_add_tcase(s, memory);

	ts_add_files_test(store, tag_covers_every_input);
	tcase_add_test(store, check_under_lock_records_use);
	suite_add_tcase(s, store);
	return s;
}
