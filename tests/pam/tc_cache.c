/* The verified-credential cache (mailsec.conf cache_ttl): a password that
 * passed the slow hash is taken again on a keyed tag in the state, while
 * access, lockout and codes are judged on every login.
 *
 * What shows that a login took the cache's word: an entry planted for a
 * password the record's hash refuses lets that password in. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "fixture.h"
#include "mailbox.h"
#include "pamrun.h"
#include "password.h"
#include "suites.h"

#define ALICE "alice@example.com"
#define PLANTED "planted, never hashed"
#define NEW_PASSWORD "N3w pass 77"
#define TTL 300
#define TTL_CONF FX_CONF_DEFAULT "cache_ttl = 300;\n"

/* The tag of `password` for ALICE's record as it is now. */
static void tag_for(const char *password,
		    unsigned char tag[MS_CACHE_TAG_BYTES])
{
	struct ms_settings settings;
	struct ms_store store;
	struct ms_record record;
	struct ms_error err;

	mb_record_load(ALICE, &record);
	ck_assert_msg(ms_settings_load(fx.conf, MS_CONF_NAMED, &settings, &err) ==
			      MS_OK, "%s",
		      err.msg);
	ck_assert_msg(ms_store_open(&settings, MS_STORE_READ, &store, &err) ==
			      MS_OK, "%s", err.msg);
	ck_assert_msg(ms_cache_tag(&store, ALICE, &record, password, tag,
				   &err) == MS_OK, "%s", err.msg);
	ms_store_close(&store);
	ms_record_wipe(&record);
}

static void plant(const char *password, time_t verified)
{
	unsigned char tag[MS_CACHE_TAG_BYTES];
	struct ms_state state;

	tag_for(password, tag);
	mb_state(ALICE, &state);
	ms_cache_put(&state, tag, verified);
	mb_state_save(ALICE, &state);
}

static bool cache_empty(void)
{
	struct ms_state state;

	mb_state(ALICE, &state);
	return state.cache.verified == 0;
}

/* Whether the state's entry is that of `password`. */
static bool cached(const char *password)
{
	unsigned char tag[MS_CACHE_TAG_BYTES];
	struct ms_state state;

	tag_for(password, tag);
	mb_state(ALICE, &state);
	return state.cache.verified != 0 &&
	       memcmp(state.cache.tag, tag, sizeof(tag)) == 0;
}

static int imap(const char *password)
{
	return pr_auth("imap", ALICE, password, NULL);
}

static void cache_on(struct mailbox *mb, unsigned flags)
{
	fx_conf(TTL_CONF);
	mb_create(mb, ALICE, flags);
}

START_TEST(success_fills_the_cache)
{
	struct mailbox mb;

	cache_on(&mb, 0);
	ck_pam(imap(MB_PASSWORD), PAM_SUCCESS);
	ck_assert(cached(MB_PASSWORD));
	ck_pam(imap(MB_PASSWORD), PAM_SUCCESS);
	/* Wrong passwords meet the hash, and leave the entry alone. */
	ck_pam(imap("wrong"), PAM_AUTH_ERR);
	ck_pam(imap(MB_PASSWORD "x"), PAM_AUTH_ERR);
	ck_pam(imap(""), PAM_AUTH_ERR);
	ck_assert(cached(MB_PASSWORD));
}
END_TEST

START_TEST(live_entry_spares_the_hash)
{
	struct mailbox mb;

	cache_on(&mb, 0);
	plant(PLANTED, time(NULL));
	ck_pam(imap(PLANTED), PAM_SUCCESS);
	/* The real password takes the one entry over. */
	ck_pam(imap(MB_PASSWORD), PAM_SUCCESS);
	ck_assert(cached(MB_PASSWORD));
	ck_pam(imap(PLANTED), PAM_AUTH_ERR);
}
END_TEST

START_TEST(off_by_default)
{
	struct mailbox mb;

	mb_create(&mb, ALICE, 0);
	plant(PLANTED, time(NULL));
	ck_pam(imap(PLANTED), PAM_AUTH_ERR);
	ck_pam(imap(MB_PASSWORD), PAM_SUCCESS);
	ck_assert(!cached(MB_PASSWORD));
}
END_TEST

START_TEST(entry_lasts_ttl_seconds)
{
	struct mailbox mb;
	time_t now = time(NULL);

	cache_on(&mb, 0);
	plant(PLANTED, now - TTL + 10);
	ck_pam(imap(PLANTED), PAM_SUCCESS);
	plant(PLANTED, now - TTL);
	ck_pam(imap(PLANTED), PAM_AUTH_ERR);
	/* Verified "in the future": the clock went back; trust nothing. */
	plant(PLANTED, now + 60);
	ck_pam(imap(PLANTED), PAM_AUTH_ERR);
}
END_TEST

START_TEST(expired_entry_is_verified_again)
{
	struct ms_state before, after;
	struct mailbox mb;

	fx_conf(FX_CONF_DEFAULT "cache_ttl = 1;\n");
	mb_create(&mb, ALICE, 0);
	ck_pam(imap(MB_PASSWORD), PAM_SUCCESS);
	mb_state(ALICE, &before);
	sleep(2);
	ck_pam(imap(MB_PASSWORD), PAM_SUCCESS);
	mb_state(ALICE, &after);
	ck_assert_int_gt(after.cache.verified, before.cache.verified);
}
END_TEST

START_TEST(new_password_ends_the_entry)
{
	struct ms_record record;
	struct ms_error err;
	struct mailbox mb;

	cache_on(&mb, 0);
	ck_pam(imap(MB_PASSWORD), PAM_SUCCESS);
	/* A new hash, the state left alone: the entry dies by construction. */
	mb_record_load(ALICE, &record);
	ck_assert_msg(ms_password_hash(NEW_PASSWORD, "$5$", 1000,
				       record.password, &err) == MS_OK,
		      "%s", err.msg);
	mb_record_save(ALICE, &record);
	ms_record_wipe(&record);
	ck_pam(imap(MB_PASSWORD), PAM_AUTH_ERR);
	ck_pam(imap(NEW_PASSWORD), PAM_SUCCESS);
	ck_assert(cached(NEW_PASSWORD));
}
END_TEST

START_TEST(access_judged_on_every_login)
{
	struct ms_record record;
	struct mailbox mb;

	cache_on(&mb, 0);
	ck_pam(imap(MB_PASSWORD), PAM_SUCCESS);
	mb_record_load(ALICE, &record);
	record.non_webmail_access = false;
	mb_record_save(ALICE, &record);
	ms_record_wipe(&record);
	ck_assert(cached(MB_PASSWORD));
	ck_pam(imap(MB_PASSWORD), PAM_PERM_DENIED);
	ck_pam(pr_acct("imap", ALICE), PAM_PERM_DENIED);
	ck_pam(pr_auth("webmail", ALICE, MB_PASSWORD, NULL), PAM_SUCCESS);
}
END_TEST

START_TEST(codes_and_lockout_judged_on_every_login)
{
	char code[16], wrong[16];
	struct mailbox mb;

	cache_on(&mb, MB_2FA);
	mb_wait_step_margin(5);
	mb_code(&mb, 0, code);
	mb_wrong_code(&mb, wrong);
	pr_expect("webmail", ALICE, MB_PASSWORD, code, PAM_SUCCESS, "PC");
	ck_assert(cached(MB_PASSWORD));
	pr_expect("webmail", ALICE, MB_PASSWORD, code, PAM_AUTH_ERR, "PC");
	/* Three wrong codes lock (FX_CONF_DEFAULT): a good one is refused. */
	for (int i = 0; i < 3; i++)
		pr_expect("webmail", ALICE, MB_PASSWORD, wrong, PAM_AUTH_ERR,
			  "PC");
	mb_code(&mb, 1, code);
	pr_expect("webmail", ALICE, MB_PASSWORD, code, PAM_AUTH_ERR, "PC");
}
END_TEST

START_TEST(append_mode_caches_the_password_alone)
{
	char code[16], whole[64];
	struct mailbox mb;

	cache_on(&mb, MB_2FA);
	fx_stack_args("webmail", "code=append");
	mb_wait_step_margin(5);
	mb_code(&mb, 0, code);
	snprintf(whole, sizeof(whole), "%s%s", MB_PASSWORD, code);
	ck_pam(pr_auth("webmail", ALICE, whole, NULL), PAM_SUCCESS);
	ck_assert(cached(MB_PASSWORD));
	ck_assert(!cached(whole));
	/* The code is used up, cache or not. */
	ck_pam(pr_auth("webmail", ALICE, whole, NULL), PAM_AUTH_ERR);
	mb_code(&mb, 1, code);
	ck_pam(pr_auth("webmail", ALICE, mb_join(MB_PASSWORD, code), NULL),
	       PAM_SUCCESS);
}
END_TEST

START_TEST(unknown_mailbox_leaves_no_state)
{
	char path[PATH_MAX];

	fx_conf(TTL_CONF);
	for (int i = 0; i < 2; i++)
		ck_pam(pr_auth("imap", "nobody@example.com", MB_PASSWORD, NULL),
		       PAM_USER_UNKNOWN);
	ts_path(path, sizeof(path), fx.state, "nobody@example.com", "state");
	ck_assert_int_ne(access(path, F_OK), 0);
}
END_TEST

START_TEST(state_trouble_falls_back_to_the_hash)
{
	char path[PATH_MAX];
	struct mailbox mb;

	cache_on(&mb, 0);
	ts_path(path, sizeof(path), fx.state, ALICE, "state");
	ts_write_str(path, "not a state file", 0600);
	ck_pam(imap(MB_PASSWORD), PAM_SUCCESS);
	ck_pam(imap("wrong"), PAM_AUTH_ERR);
}
END_TEST

/* mailsecctl COMMAND ALICE, fed `input`, when the build names it. */
static bool run_ctl(const char *command, const char *input)
{
	const char *ctl = getenv("MAILSECCTL");
	char line[3 * PATH_MAX];
	FILE *pipe;

	if (!ctl || ctl[0] != '/')
		return false;
	snprintf(line, sizeof(line), "'%s' --config '%s' %s %s >/dev/null", ctl,
		 fx.conf, command, ALICE);
	pipe = popen(line, "w");
	ck_assert_ptr_nonnull(pipe);
	fputs(input, pipe);
	ck_assert_int_eq(pclose(pipe), 0);
	return true;
}

START_TEST(logout_and_passwd_forget_the_entry)
{
	struct mailbox mb;

	cache_on(&mb, 0);
	ck_pam(imap(MB_PASSWORD), PAM_SUCCESS);
	if (!run_ctl("logout", ""))
		return; /* no mailsecctl outside `make check` */
	ck_assert(cache_empty());
	ck_pam(imap(MB_PASSWORD), PAM_SUCCESS);
	ck_assert(!cache_empty());
	ck_assert(run_ctl("passwd", NEW_PASSWORD "\n"));
	ck_assert(cache_empty());
	ck_pam(imap(MB_PASSWORD), PAM_AUTH_ERR);
	ck_pam(imap(NEW_PASSWORD), PAM_SUCCESS);
}
END_TEST

static double seconds_of_login(void)
{
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_pam(imap(MB_PASSWORD), PAM_SUCCESS);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
}

START_TEST(cached_login_skips_the_slow_hash)
{
	struct mailbox mb;
	double first, best = 1e9;

	cache_on(&mb, MB_YESCRYPT);
	first = seconds_of_login();
	for (int i = 0; i < 3; i++) {
		double t = seconds_of_login();

		best = t < best ? t : best;
	}
	ck_assert_msg(best * 5 < first, "uncached %.6f s, cached %.6f s", first,
		      best);
}
END_TEST

TCase *tcase_cache(void)
{
	TCase *tc = tcase_with_fixture("cache");

	tcase_add_test(tc, success_fills_the_cache);
	tcase_add_test(tc, live_entry_spares_the_hash);
	tcase_add_test(tc, off_by_default);
	tcase_add_test(tc, entry_lasts_ttl_seconds);
	tcase_add_test(tc, expired_entry_is_verified_again);
	tcase_add_test(tc, new_password_ends_the_entry);
	tcase_add_test(tc, access_judged_on_every_login);
	tcase_add_test(tc, codes_and_lockout_judged_on_every_login);
	tcase_add_test(tc, append_mode_caches_the_password_alone);
	tcase_add_test(tc, unknown_mailbox_leaves_no_state);
	tcase_add_test(tc, state_trouble_falls_back_to_the_hash);
	tcase_add_test(tc, logout_and_passwd_forget_the_entry);
	tcase_add_test(tc, cached_login_skips_the_slow_hash);
	return tc;
}
