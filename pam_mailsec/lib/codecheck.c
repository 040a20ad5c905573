#include "config.h"

#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "codecheck.h"
#include "recovery.h"
#include "secure.h"
#include "session.h"
#include "state.h"
#include "totp.h"

const char *ms_code_result_reason(enum ms_code_result result)
{
	switch (result) {
	case MS_CODE_OK:
		return "code accepted";
	case MS_CODE_RECOVERY_OK:
		return "recovery code accepted";
	case MS_CODE_MISSING:
		return "missing code";
	case MS_CODE_WRONG:
		return "bad code";
	case MS_CODE_REPLAYED:
		return "replayed code";
	case MS_CODE_LOCKED:
		return "locked";
	case MS_CODE_ERROR:
		break;
	}
	return "state error";
}

/* The code used last, given again (a webmail repeating the string its
 * owner logged in with), is a replay, told by its fast tag before any of
 * the slow hashes: not counted, and never holding the lock for long. Any
 * other used code counts as a wrong one: telling it from a wrong code
 * costs the hashes, under the lock, which must not be free to repeat. */
static enum ms_code_result try_recovery(const struct ms_record *record,
					struct ms_state *state, const char *code)
{
	uint64_t tag = ms_recovery_set_tag(record);
	uint64_t code_tag = ms_recovery_code_tag(tag, code);
	int index;

	/* Marks of an older set of codes mean nothing for this one. */
	if (state->recovery_tag != tag) {
		state->recovery_tag = tag;
		state->recovery_used = 0;
		state->recovery_last = 0;
	}
	if (state->recovery_last == code_tag)
		return MS_CODE_REPLAYED;
	index = ms_recovery_match(record, code);
	if (index < 0 || (state->recovery_used & (1u << index)))
		return MS_CODE_WRONG;
	state->recovery_used |= 1u << index;
	state->recovery_last = code_tag;
	return MS_CODE_RECOVERY_OK;
}

/* Which secret a replay mark belongs to: a new enrolment (another secret,
 * or other parameters) starts without one. Never 0, which means none. */
static uint64_t secret_tag(const struct ms_record *record)
{
	const uint32_t params[3] = { (uint32_t)record->totp.algorithm,
				     record->totp.digits, record->totp.period };
	unsigned char out[crypto_generichash_BYTES_MIN];
	crypto_generichash_state hash;
	uint64_t tag;

	crypto_generichash_init(&hash, NULL, 0, sizeof(out));
	crypto_generichash_update(&hash,
				  (const unsigned char *)record->totp.secret,
				  strlen(record->totp.secret));
	crypto_generichash_update(&hash, (const unsigned char *)params,
				  sizeof(params));
	crypto_generichash_final(&hash, out, sizeof(out));
	ms_wipe(&hash, sizeof(hash));
	memcpy(&tag, out, sizeof(tag));
	return tag ? tag : 1;
}

/* How far from now a step the window accepts may end: window + 1
 * periods. */
static int64_t window_reach(const struct ms_settings *settings,
			    const struct ms_record *record)
{
	return ((int64_t)settings->totp.window + 1) * record->totp.period;
}

/* The end of the newest step used with the record's secret; 0 = none.
 * A version 2 or 3 state kept a bare step of whatever secret and period
 * were enrolled then. It is taken for this secret only when it ends
 * within the window's reach of now, as it does for a code used moments
 * before an upgrade: a step of another secret or period could lie
 * anywhere, and would refuse every code as a replay. */
static int64_t replay_mark(const struct ms_settings *settings,
			   const struct ms_record *record,
			   const struct ms_state *state, time_t now)
{
	int64_t period = record->totp.period, reach, end;

	if (state->totp_tag)
		return state->totp_tag == secret_tag(record)
			? state->totp_used_until : 0;
	if (!state->legacy_step || period <= 0 || now < 0 ||
	    state->legacy_step >= (uint64_t)(INT64_MAX / period))
		return 0;
	end = ((int64_t)state->legacy_step + 1) * period;
	reach = window_reach(settings, record);
	if (end <= (int64_t)now - reach || end - reach > (int64_t)now)
		return 0;
	return end;
}

/* The TOTP part alone: MS_CODE_OK and the step marked used when `code` is
 * valid within the window and newer than the mark of this secret; else
 * MS_CODE_WRONG or MS_CODE_REPLAYED. Counts nothing. */
static enum ms_code_result use_totp(const struct ms_settings *settings,
				    const struct ms_record *record,
				    struct ms_state *state, const char *code,
				    time_t now)
{
	struct ms_totp totp = ms_record_totp(record);
	int64_t period = record->totp.period, step_end;
	uint64_t step = 0;

	if (!ms_totp_validate(&totp, now, settings->totp.window, code, &step) ||
	    step >= (uint64_t)(INT64_MAX / period))
		return MS_CODE_WRONG;
	step_end = ((int64_t)step + 1) * period;
	if (step_end <= replay_mark(settings, record, state, now))
		return MS_CODE_REPLAYED;
	state->totp_tag = secret_tag(record);
	state->totp_used_until = step_end;
	state->legacy_step = 0;
	return MS_CODE_OK;
}

/* Brings the failure count up to date: it loses one every lockout.within
 * seconds since fail_since. A clock set back forgives nothing and starts
 * the decay again from now. */
static void forgive_due(const struct ms_settings *settings,
			struct ms_state *state, time_t now)
{
	int64_t within = settings->lockout.within, elapsed, forgiven;

	if (__builtin_sub_overflow((int64_t)now, state->fail_since, &elapsed))
		elapsed = -1;
	if (state->fail_count == 0 || elapsed < 0) {
		state->fail_since = now;
		return;
	}
	forgiven = elapsed / within;
	if (forgiven >= (int64_t)state->fail_count) {
		state->fail_count = 0;
		state->fail_since = now;
		return;
	}
	state->fail_count -= (uint32_t)forgiven;
	state->fail_since += forgiven * within;
}

/* A count that decays at a fixed rate, rather than a window that starts
 * afresh, bounds the guesses however they are spaced: in T seconds without
 * a success at most T * max(1 / within, max_failures / lock_for) +
 * max_failures (pam_mailsec.8). Spaced out, one guess per `within` is
 * forgiven; in bursts, every max_failures of them cost lock_for seconds. */
static void count_failure(const struct ms_settings *settings,
			  struct ms_state *state, time_t now)
{
	forgive_due(settings, state, now);
	if (++state->fail_count >= settings->lockout.max_failures) {
		state->locked_until = (int64_t)now + settings->lockout.lock_for;
		state->fail_count = 0;
		state->fail_since = 0;
	}
}

/* Only a wrong code is a guess: a missing one tells nothing, and a
 * replayed one was known already (a webmail repeating its login string
 * after its session ended). Neither counts toward the lockout. */
static void settle(const struct ms_settings *settings, struct ms_state *state,
		   enum ms_code_result result, time_t now)
{
	if (result == MS_CODE_OK || result == MS_CODE_RECOVERY_OK) {
		state->fail_count = 0;
		state->fail_since = 0;
	} else if (result == MS_CODE_WRONG) {
		count_failure(settings, state, now);
	}
}

/* A pending enrolment has no recovery codes: `recovery` says whether the
 * record's may stand in for a TOTP code. */
static enum ms_code_result judge(const struct ms_settings *settings,
				 const struct ms_record *record,
				 struct ms_state *state, const char *code,
				 time_t now, bool recovery)
{
	enum ms_code_result result;

	if (ms_state_locked(state, now))
		return MS_CODE_LOCKED;
	if (!code || !code[0])
		return MS_CODE_MISSING;
	if (recovery && ms_recovery_is_form(code))
		result = try_recovery(record, state, code);
	else
		result = use_totp(settings, record, state, code, now);
	settle(settings, state, result, now);
	return result;
}

enum ms_code_result ms_code_confirm(const struct ms_settings *settings,
				    const struct ms_record *record,
				    struct ms_state *state, const char *code,
				    time_t now)
{
	return judge(settings, record, state, code, now, false);
}

void ms_code_unlock(const struct ms_settings *settings,
		    const struct ms_record *record, struct ms_state *state,
		    time_t now)
{
	int64_t reach = window_reach(settings, record);

	state->fail_count = 0;
	state->fail_since = 0;
	state->locked_until = 0;
	/* A step beyond the window's reach was taken while the clock ran
	 * ahead: kept, it would refuse every current code as a replay. One
	 * within reach (a phone a little ahead) stays, or its code would
	 * work twice. */
	if (state->totp_tag && state->totp_used_until - reach > (int64_t)now) {
		state->totp_tag = 0;
		state->totp_used_until = 0;
	}
}

struct judgement {
	const struct ms_settings *settings;
	const struct ms_record *record;
	const char *code;
	time_t now;
	const unsigned char *session_tag;
	enum ms_code_result result;
	int64_t locked_until; /* of a lockout this judgement started */
};

static bool judge_and_record(struct ms_state *state, void *arg)
{
	struct judgement *j = arg;

	bool accepted;

	/* An edit may be judged again on a state another host wrote
	 * meanwhile (the database store): nothing of an earlier pass stays. */
	j->locked_until = 0;
	j->result = judge(j->settings, j->record, state, j->code, j->now, true);
	/* A locked state is judged MS_CODE_LOCKED: locked after a wrong code,
	 * it was this code that locked it. */
	if (j->result == MS_CODE_WRONG && ms_state_locked(state, j->now))
		j->locked_until = state->locked_until;
	accepted = j->result == MS_CODE_OK || j->result == MS_CODE_RECOVERY_OK;
	if (j->session_tag && accepted)
		ms_session_add(state, j->session_tag, j->now);
	/* Locked, missing and replayed change nothing worth a write. */
	return accepted || j->result == MS_CODE_WRONG;
}

enum ms_code_result ms_code_check(const struct ms_store *store,
				  const char *name,
				  const struct ms_record *record,
				  const char *code, time_t now,
				  const unsigned char *session_tag,
				  int64_t *locked_until,
				  struct ms_error *err)
{
	struct judgement j = { store->settings, record, code, now, session_tag,
			       MS_CODE_ERROR, 0 };

	*locked_until = 0;
	/* A judgement that cannot be recorded does not count. */
	if (ms_state_edit(store, name, judge_and_record, &j, err) != MS_OK)
		return MS_CODE_ERROR;
	*locked_until = j.locked_until;
	return j.result;
}
