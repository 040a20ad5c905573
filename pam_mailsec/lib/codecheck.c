#include "config.h"

#include "codecheck.h"
#include "recovery.h"
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

static enum ms_code_result try_recovery(const struct ms_record *record,
					struct ms_state *state, const char *code)
{
	uint64_t tag = ms_recovery_set_tag(record);
	int index;

	/* Marks of an older set of codes mean nothing for this one. */
	if (state->recovery_tag != tag) {
		state->recovery_tag = tag;
		state->recovery_used = 0;
	}
	index = ms_recovery_match(record, code);
	if (index < 0 || (state->recovery_used & (1u << index)))
		return MS_CODE_WRONG;
	state->recovery_used |= 1u << index;
	return MS_CODE_RECOVERY_OK;
}

static enum ms_code_result try_totp(const struct ms_settings *settings,
				    const struct ms_record *record,
				    struct ms_state *state, const char *code,
				    time_t now)
{
	struct ms_totp totp = {
		.secret_b32 = record->totp.secret,
		.algorithm = record->totp.algorithm,
		.digits = record->totp.digits,
		.period = record->totp.period,
	};
	uint64_t step = 0;

	if (!ms_totp_validate(&totp, now, settings->totp.window, code, &step))
		return MS_CODE_WRONG;
	if (step <= state->last_step)
		return MS_CODE_REPLAYED;
	state->last_step = step;
	return MS_CODE_OK;
}

static void count_failure(const struct ms_settings *settings,
			  struct ms_state *state, time_t now)
{
	if (state->fail_count == 0 ||
	    now - state->fail_since >= (int64_t)settings->lockout.within) {
		state->fail_since = now;
		state->fail_count = 0;
	}
	if (++state->fail_count >= settings->lockout.max_failures) {
		state->locked_until = (int64_t)now + settings->lockout.lock_for;
		state->fail_count = 0;
		state->fail_since = 0;
	}
}

static enum ms_code_result judge(const struct ms_settings *settings,
				 const struct ms_record *record,
				 struct ms_state *state, const char *code,
				 time_t now)
{
	enum ms_code_result result;

	if (ms_state_locked(state, now))
		return MS_CODE_LOCKED;
	if (!code || !code[0])
		result = MS_CODE_MISSING;
	else if (ms_recovery_is_form(code))
		result = try_recovery(record, state, code);
	else
		result = try_totp(settings, record, state, code, now);
	if (result == MS_CODE_OK || result == MS_CODE_RECOVERY_OK) {
		state->fail_count = 0;
		state->fail_since = 0;
	} else {
		count_failure(settings, state, now);
	}
	return result;
}

struct judgement {
	const struct ms_settings *settings;
	const struct ms_record *record;
	const char *code;
	time_t now;
	const unsigned char *session_tag;
	enum ms_code_result result;
};

static bool judge_and_record(struct ms_state *state, void *arg)
{
	struct judgement *j = arg;

	j->result = judge(j->settings, j->record, state, j->code, j->now);
	if (j->session_tag &&
	    (j->result == MS_CODE_OK || j->result == MS_CODE_RECOVERY_OK))
		ms_session_add(state, j->session_tag, j->now);
	/* A locked refusal changes nothing worth a write. */
	return j->result != MS_CODE_LOCKED;
}

enum ms_code_result ms_code_check(const struct ms_store *store,
				  const char *name,
				  const struct ms_record *record,
				  const char *code, time_t now,
				  const unsigned char *session_tag,
				  struct ms_error *err)
{
	struct judgement j = { store->settings, record, code, now, session_tag,
			       MS_CODE_ERROR };

	/* A judgement that cannot be recorded does not count. */
	if (ms_state_edit(store, name, judge_and_record, &j, err) != MS_OK)
		return MS_CODE_ERROR;
	return j.result;
}
