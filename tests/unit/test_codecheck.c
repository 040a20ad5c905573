/* The code check: replay marks that belong to one secret, replays and
 * missing codes that do not count, unlock after a clock that ran ahead, and
 * the lockout's bound on guesses however they are spaced. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "codecheck.h"
#include "helpers.h"
#include "recovery.h"
#include "secure.h"
#include "state.h"
#include "suites.h"
#include "totp.h"

#define NAME "alice@example.com"
#define T0 ((time_t)1699999980) /* a multiple of 30 and of 60 */
#define DAY 86400

static void enrolled(struct ms_record *record, const char *secret,
		     unsigned period)
{
	memset(record, 0, sizeof(*record));
	strcpy(record->password, "$5$x$unused");
	record->non_webmail_access = true;
	record->totp.status = MS_TOTP_ENABLED;
	strcpy(record->totp.secret, secret);
	record->totp.algorithm = MS_SHA1;
	record->totp.digits = 6;
	record->totp.period = period;
	th_row(NAME, record);
}

static void code_at(const struct ms_record *record, time_t when,
		    char code[16])
{
	struct ms_totp totp = { record->totp.secret, record->totp.algorithm,
				record->totp.digits, record->totp.period };
	struct ms_error err = { 0 };

	ck_assert_msg(ms_totp_generate(&totp, when, code, 16, &err) == MS_OK,
		      "%s", err.msg);
}

/* A well-formed code that no step within the default window of `when`
 * gives. */
static void wrong_code_at(const struct ms_record *record, time_t when,
			  char code[16])
{
	char valid[3][16];

	for (int i = 0; i < 3; i++)
		code_at(record, when + (i - 1) * (time_t)record->totp.period,
			valid[i]);
	for (int digit = 0; digit < 4; digit++) {
		memset(code, '0' + digit, 6);
		code[6] = '\0';
		if (strcmp(code, valid[0]) && strcmp(code, valid[1]) &&
		    strcmp(code, valid[2]))
			return;
	}
	ck_abort_msg("no wrong code found");
}

/* ms_code_check; `*locked_until` as it reports it. */
static enum ms_code_result check_locking(const struct ms_record *record,
					 const char *code, time_t when,
					 int64_t *locked_until)
{
	struct ms_error err = { 0 };
	enum ms_code_result result = ms_code_check(&th.store, NAME, record,
						   code, when, NULL,
						   locked_until, &err);

	ck_assert_msg(result != MS_CODE_ERROR, "%s", err.msg);
	return result;
}

static enum ms_code_result check(const struct ms_record *record,
				 const char *code, time_t when)
{
	int64_t locked_until;

	return check_locking(record, code, when, &locked_until);
}

static void state_of(struct ms_state *state)
{
	struct ms_error err = { 0 };

	ck_assert_msg(ms_state_load(&th.store, NAME, state, &err) == MS_OK,
		      "%s", err.msg);
}

START_TEST(replay_refused_and_not_counted)
{
	struct ms_record record;
	struct ms_state state;
	char code[16];

	enrolled(&record, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", 30);
	code_at(&record, T0, code);
	ck_assert_int_eq(check(&record, code, T0), MS_CODE_OK);
	/* A webmail repeating its string after its session ended: many
	 * more times than max_failures, and never a lock. */
	for (int i = 0; i < 20; i++) {
		ck_assert_int_eq(check(&record, code, T0 + i), MS_CODE_REPLAYED);
		ck_assert_int_eq(check(&record, "", T0 + i), MS_CODE_MISSING);
	}
	state_of(&state);
	ck_assert_uint_eq(state.fail_count, 0);
	ck_assert(!ms_state_locked(&state, T0 + 20));
	code_at(&record, T0 + 30, code);
	ck_assert_int_eq(check(&record, code, T0 + 30), MS_CODE_OK);
}
END_TEST

/* The recovery code used last, given again, is told without the slow
 * hashes: not counted, and cheap (a replay that cost the hashes under
 * the mailbox lock could keep the lock busy for every other login). An
 * older used code counts as a wrong one. */
START_TEST(recovery_replay_is_cheap_and_not_counted)
{
	char codes[MS_RECOVERY_COUNT][MS_RECOVERY_LEN + 1], upper[16];
	struct ms_record record;
	struct ms_state state;
	struct ms_error err = { 0 };
	struct timespec start;
	double one_match, replays;

	enrolled(&record, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", 30);
	ck_assert_msg(ms_recovery_generate(&record, codes, &err) == MS_OK,
		      "%s", err.msg);
	clock_gettime(CLOCK_MONOTONIC, &start);
	ck_assert_int_eq(check(&record, codes[3], T0), MS_CODE_RECOVERY_OK);
	one_match = th_seconds_since(&start);
	strcpy(upper, codes[3]);
	for (char *c = upper; *c; c++)
		*c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (int i = 0; i < 10; i++) {
		ck_assert_int_eq(check(&record, codes[3], T0 + i),
				 MS_CODE_REPLAYED);
		ck_assert_int_eq(check(&record, upper, T0 + i),
				 MS_CODE_REPLAYED);
	}
	replays = th_seconds_since(&start);
	ck_assert_msg(replays < one_match / 2,
		      "20 replays took %.3f s, one check %.3f s", replays,
		      one_match);
	state_of(&state);
	ck_assert_uint_eq(state.fail_count, 0);
	/* Another code used after it: the older one is now a wrong guess. */
	ck_assert_int_eq(check(&record, codes[5], T0 + 20),
			 MS_CODE_RECOVERY_OK);
	ck_assert_int_eq(check(&record, codes[3], T0 + 21), MS_CODE_WRONG);
	state_of(&state);
	ck_assert_uint_eq(state.fail_count, 1);
	ck_assert_int_eq(check(&record, codes[5], T0 + 22), MS_CODE_REPLAYED);
	ms_wipe(codes, sizeof(codes));
}
END_TEST

/* Only the wrong code that starts the lockout says so, with its end. */
START_TEST(wrong_codes_still_lock)
{
	struct ms_record record;
	char code[16];
	int64_t locked_until = -1;

	enrolled(&record, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", 30);
	wrong_code_at(&record, T0, code);
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(check_locking(&record, code, T0 + i,
					       &locked_until), MS_CODE_WRONG);
		ck_assert_int_eq(locked_until, 0);
	}
	ck_assert_int_eq(check_locking(&record, code, T0 + 4, &locked_until),
			 MS_CODE_WRONG);
	ck_assert_int_eq(locked_until, T0 + 4 + 900);
	ck_assert_int_eq(check_locking(&record, code, T0 + 5, &locked_until),
			 MS_CODE_LOCKED);
	ck_assert_int_eq(locked_until, 0);
	code_at(&record, T0 + 5, code);
	ck_assert_int_eq(check_locking(&record, code, T0 + 5, &locked_until),
			 MS_CODE_LOCKED);
	ck_assert_int_eq(locked_until, 0);
}
END_TEST

START_TEST(new_secret_starts_without_a_mark)
{
	struct ms_record old, fresh;
	struct ms_state state = { 0 };
	char code[16];

	/* Re-enrolled with a longer period: every step number of the new
	 * secret is smaller than the old one's, but its time is not. */
	enrolled(&old, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", 30);
	enrolled(&fresh, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 60);
	code_at(&old, T0 + 40, code);
	ck_assert_int_eq(ms_code_confirm(&th.settings, &old, &state, code,
					  T0 + 40),
			 MS_CODE_OK);
	code_at(&fresh, T0 + 45, code);
	ck_assert_int_eq(ms_code_confirm(&th.settings, &fresh, &state, code,
					  T0 + 45),
			 MS_CODE_OK);
	ck_assert_int_eq(state.totp_used_until, T0 + 60);
	ck_assert_int_eq(ms_code_confirm(&th.settings, &fresh, &state, code,
					  T0 + 50),
			 MS_CODE_REPLAYED);
	/* And the old secret's mark, were it enrolled again, is gone too. */
	code_at(&old, T0 + 40, code);
	ck_assert_int_eq(ms_code_confirm(&th.settings, &old, &state, code,
					  T0 + 40),
			 MS_CODE_OK);
}
END_TEST

START_TEST(same_secret_other_period_starts_afresh)
{
	struct ms_record thirty, sixty;
	struct ms_state state = { 0 };
	char code[16];

	enrolled(&thirty, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", 30);
	enrolled(&sixty, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", 60);
	code_at(&thirty, T0 + 10, code);
	ck_assert_int_eq(ms_code_confirm(&th.settings, &thirty, &state, code,
					  T0 + 10),
			 MS_CODE_OK);
	code_at(&sixty, T0 + 20, code);
	ck_assert_int_eq(ms_code_confirm(&th.settings, &sixty, &state, code,
					  T0 + 20),
			 MS_CODE_OK);
}
END_TEST

START_TEST(unlock_drops_a_mark_from_the_future)
{
	struct ms_record record;
	struct ms_state state;
	struct ms_error err = { 0 };
	char code[16];

	enrolled(&record, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", 30);
	/* Accepted while the clock ran an hour ahead. */
	code_at(&record, T0 + 3600, code);
	ck_assert_int_eq(check(&record, code, T0 + 3600), MS_CODE_OK);
	code_at(&record, T0, code);
	ck_assert_int_eq(check(&record, code, T0), MS_CODE_REPLAYED);
	state_of(&state);
	ms_code_unlock(&th.settings, &record, &state, T0);
	ck_assert_msg(ms_state_save(&th.store, NAME, &state, &err) == MS_OK,
		      "%s", err.msg);
	ck_assert_int_eq(check(&record, code, T0), MS_CODE_OK);
	/* A mark of a step under way, or of the next one (a phone a little
	 * ahead, window 1), is kept: unlock does not give a used code back. */
	state_of(&state);
	ms_code_unlock(&th.settings, &record, &state, T0);
	ck_assert_int_eq(state.totp_used_until, T0 + 30);
	ck_assert_int_eq(ms_code_confirm(&th.settings, &record, &state, code,
					  T0),
			 MS_CODE_REPLAYED);
	code_at(&record, T0 + 30, code);
	ck_assert_int_eq(ms_code_confirm(&th.settings, &record, &state, code,
					  T0),
			 MS_CODE_OK);
	ms_code_unlock(&th.settings, &record, &state, T0);
	ck_assert_int_eq(state.totp_used_until, T0 + 60);
	ck_assert_int_eq(ms_code_confirm(&th.settings, &record, &state, code,
					  T0),
			 MS_CODE_REPLAYED);
}
END_TEST

START_TEST(unlock_clears_the_lockout)
{
	struct ms_record record;
	struct ms_state state;

	enrolled(&record, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", 30);
	memset(&state, 0, sizeof(state));
	state.fail_count = 3;
	state.fail_since = T0 - 10;
	state.locked_until = T0 + 100;
	ms_code_unlock(&th.settings, &record, &state, T0);
	ck_assert_uint_eq(state.fail_count, 0);
	ck_assert_int_eq(state.fail_since, 0);
	ck_assert(!ms_state_locked(&state, T0));
}
END_TEST

START_TEST(bare_step_of_an_older_state)
{
	struct ms_record record, sixty;
	struct ms_state state = { 0 };
	char code[16];

	/* Used moments before an upgrade: still a replay. */
	enrolled(&record, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", 30);
	state.legacy_step = (uint64_t)(T0 / 30);
	code_at(&record, T0, code);
	ck_assert_int_eq(ms_code_confirm(&th.settings, &record, &state, code,
					  T0 + 5),
			 MS_CODE_REPLAYED);
	/* A step of a 30 s secret read with a 60 s one would lie decades
	 * ahead: it is not taken. */
	enrolled(&sixty, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 60);
	code_at(&sixty, T0, code);
	ck_assert_int_eq(ms_code_confirm(&th.settings, &sixty, &state, code,
					  T0 + 5),
			 MS_CODE_OK);
	ck_assert_uint_eq(state.legacy_step, 0);
}
END_TEST

/* Spacings an attacker who has the password may choose: the gap before
 * each next guess, given how many it has made and whether it was just
 * told "locked". */
typedef long spacing_fn(unsigned long n, bool locked);

static long every_5s(unsigned long n, bool locked)
{
	return 5;
}

/* Four guesses at once every `within`: never five in one window. */
static long four_per_window(unsigned long n, bool locked)
{
	return n % 4 == 3 ? 300 - 3 : 1;
}

static long one_per_window(unsigned long n, bool locked)
{
	return 300;
}

static long one_per_180s(unsigned long n, bool locked)
{
	return 180;
}

static long burst_then_wait_out(unsigned long n, bool locked)
{
	return locked ? 900 : 1;
}

/* Five at once, then again the moment the lock ends: the most a day's
 * closed interval holds. */
static long bursts_at_lock_ends(unsigned long n, bool locked)
{
	return n % 5 == 4 ? 900 : 0;
}

static long irregular(unsigned long n, bool locked)
{
	return 1 + (long)((n * 2654435761u) % 400);
}

/* Guesses the code check judged (not refused as locked) in a day, both
 * ends included. */
static unsigned long judged_in_a_day(spacing_fn *gap)
{
	struct ms_record record;
	struct ms_error err = { 0 };
	unsigned long judged = 0, n = 0;
	bool locked = false;
	char code[16];

	ck_assert(ms_state_remove(&th.store, NAME, &err) != MS_SYSTEM);
	enrolled(&record, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", 30);
	for (time_t t = T0; t <= T0 + DAY; t += gap(n++, locked)) {
		wrong_code_at(&record, t, code);
		locked = check(&record, code, t) == MS_CODE_LOCKED;
		judged += !locked;
	}
	return judged;
}

START_TEST(lockout_bound_holds_however_guesses_are_spaced)
{
	static spacing_fn *const spacings[] = {
		every_5s, four_per_window, one_per_window, one_per_180s,
		burst_then_wait_out, bursts_at_lock_ends, irregular,
	};
	/* The defaults: 5 failures, one forgiven per 300 s, 900 s locks.
	 * pam_mailsec.8: DAY * max(1/300, 5/900) + 5 = 485. */
	const unsigned long bound = DAY * 5 / 900 + 5;

	ck_assert_uint_eq(th.settings.lockout.max_failures, 5);
	ck_assert_uint_eq(th.settings.lockout.within, 300);
	ck_assert_uint_eq(th.settings.lockout.lock_for, 900);
	for (size_t i = 0; i < sizeof(spacings) / sizeof(*spacings); i++) {
		unsigned long judged = judged_in_a_day(spacings[i]);

		ck_assert_msg(judged <= bound,
			      "spacing %zu: %lu guesses in a day, bound %lu",
			      i, judged, bound);
	}
}
END_TEST

Suite *codecheck_suite(void)
{
	Suite *suite = suite_create("codecheck");
	TCase *replay = th_tcase_store("replay");
	TCase *lockout = th_tcase_store("lockout");

	tcase_add_test(replay, replay_refused_and_not_counted);
	tcase_add_test(replay, new_secret_starts_without_a_mark);
	tcase_add_test(replay, same_secret_other_period_starts_afresh);
	tcase_add_test(replay, unlock_drops_a_mark_from_the_future);
	tcase_add_test(replay, bare_step_of_an_older_state);
	tcase_add_test(replay, recovery_replay_is_cheap_and_not_counted);
	tcase_add_test(lockout, wrong_codes_still_lock);
	tcase_add_test(lockout, unlock_clears_the_lockout);
	tcase_add_test(lockout, lockout_bound_holds_however_guesses_are_spaced);
	suite_add_tcase(suite, replay);
	suite_add_tcase(suite, lockout);
	return suite;
}
