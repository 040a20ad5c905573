#include "config.h"

#include <string.h>

#include "apppass.h"
#include "appstate.h"
#include "cache.h"
#include "journal.h"
#include "mailbox_ops.h"
#include "secure.h"
#include "session.h"
#include "totp.h"

enum ms_status ms_mailbox_load(const struct ms_store *store,
			       struct ms_mailbox *box, struct ms_error *err)
{
	enum ms_status status = ms_record_load(store, box->name, &box->record,
					       err);

	if (status != MS_OK)
		return status;
	return ms_state_load(store, box->name, &box->state, err);
}

/* State first: where an operation changes both, its state change only
 * makes the state stricter (sessions ended, a code used up), so a state
 * written before a record save that fails is harmless, while a record
 * written before a state save that fails would be a change reported as
 * not made. */
enum ms_status ms_mailbox_save(const struct ms_store *store,
			       struct ms_mailbox *box, struct ms_error *err)
{
	enum ms_status status;

	if (box->save_state) {
		status = ms_state_save(store, box->name, &box->state, err);
		if (status != MS_OK)
			return status;
	}
	if (box->save_record)
		return ms_record_save(store, box->name, &box->record, err);
	return MS_OK;
}

enum ms_status ms_mailbox_create(const struct ms_store *store,
				 struct ms_mailbox *box,
				 const char *password_hash,
				 struct ms_error *err)
{
	enum ms_status status = ms_record_exists(store, box->name, err);

	if (status == MS_OK)
		return ms_fail(err, MS_EXISTS, "%s: already exists", box->name);
	if (status != MS_NOT_FOUND)
		return status;
	if (ms_state_remove(store, box->name, err) == MS_SYSTEM ||
	    ms_app_state_remove(store, box->name, err) == MS_SYSTEM ||
	    ms_journal_remove(store, box->name, err) == MS_SYSTEM)
		return MS_SYSTEM;
	ms_record_defaults(&box->record);
	ms_record_set_non_webmail(&box->record,
				  store->settings->non_webmail_default);
	strcpy(box->record.password, password_hash);
	return ms_record_save(store, box->name, &box->record, err);
}

bool ms_mailbox_ends_sessions(const struct ms_mailbox *box,
			      enum ms_status status)
{
	return box->end_live_sessions && (status == MS_OK || box->record_gone);
}

enum ms_status ms_mailbox_remove(const struct ms_store *store,
				 struct ms_mailbox *box,
				 struct ms_error *err)
{
	enum ms_status status = ms_record_remove(store, box->name, err);

	if (status != MS_OK)
		return status;
	box->record_gone = box->end_live_sessions = true;
	if (ms_state_remove(store, box->name, err) == MS_SYSTEM ||
	    ms_app_state_remove(store, box->name, err) == MS_SYSTEM ||
	    ms_journal_remove(store, box->name, err) == MS_SYSTEM)
		return MS_SYSTEM;
	ms_error_clear(err);
	return MS_OK;
}

enum ms_status ms_mailbox_enroll(struct ms_mailbox *box,
				 const struct ms_settings *settings,
				 struct ms_error *err)
{
	struct ms_record *record = &box->record;
	enum ms_status status;

	if (record->totp.status == MS_TOTP_ENABLED)
		return ms_fail(err, MS_REFUSED,
			       "%s: 2FA is enabled; disable it first", box->name);
	status = ms_totp_secret_new(record->totp.secret, err);
	if (status != MS_OK)
		return status;
	record->totp.status = MS_TOTP_PENDING;
	record->totp.algorithm = settings->totp.algorithm;
	record->totp.digits = settings->totp.digits;
	record->totp.period = settings->totp.period;
	record->totp.n_recovery = 0;
	ms_session_clear(&box->state);
	box->save_record = box->save_state = box->end_live_sessions = true;
	return MS_OK;
}

static void set_recovery(struct ms_record *record,
			 const struct ms_record *fresh)
{
	memcpy(record->totp.recovery, fresh->totp.recovery,
	       sizeof(record->totp.recovery));
	record->totp.n_recovery = fresh->totp.n_recovery;
}

/* Kept whatever the result: the confirming code is used up, and a wrong
 * one counts toward the lockout, as at login (a pending secret is not to
 * be guessed with the password alone). */
enum ms_status ms_mailbox_confirm(struct ms_mailbox *box,
				  const struct ms_settings *settings,
				  const char *code, const struct ms_record *fresh,
				  time_t now, enum ms_code_result *result,
				  struct ms_error *err)
{
	struct ms_record *record = &box->record;

	*result = MS_CODE_ERROR;
	if (record->totp.status != MS_TOTP_PENDING)
		return ms_fail(err, MS_REFUSED,
			       "%s: no pending 2FA enrolment (run 2fa enroll)",
			       box->name);
	*result = ms_code_confirm(settings, record, &box->state, code, now);
	box->save_state = true;
	if (*result != MS_CODE_OK)
		return MS_OK;
	record->totp.status = MS_TOTP_ENABLED;
	set_recovery(record, fresh);
	box->save_record = true;
	return MS_OK;
}

void ms_mailbox_disable(struct ms_mailbox *box)
{
	if (box->record.totp.status == MS_TOTP_OFF)
		return;
	ms_record_totp_off(&box->record);
	ms_session_clear(&box->state);
	box->save_record = box->save_state = box->end_live_sessions = true;
}

enum ms_status ms_mailbox_recovery_allowed(const struct ms_mailbox *box,
					   struct ms_error *err)
{
	if (box->record.totp.status != MS_TOTP_ENABLED)
		return ms_fail(err, MS_REFUSED, "%s: 2FA is not enabled",
			       box->name);
	return MS_OK;
}

enum ms_status ms_mailbox_recovery_replace(struct ms_mailbox *box,
					   const struct ms_record *fresh,
					   struct ms_error *err)
{
	enum ms_status status = ms_mailbox_recovery_allowed(box, err);

	if (status != MS_OK)
		return status;
	set_recovery(&box->record, fresh);
	ms_session_clear(&box->state);
	box->save_record = box->save_state = box->end_live_sessions = true;
	return MS_OK;
}

void ms_mailbox_set_non_webmail(struct ms_mailbox *box,
				enum ms_non_webmail mode)
{
	ms_record_set_non_webmail(&box->record, mode);
	box->save_record = true;
	if (mode != MS_NON_WEBMAIL_ENABLED)
		box->end_live_sessions = true;
}

/* Sessions and the cached password already end by construction (their
 * tags cover the hash: session.h, cache.h); cleared all the same. A new
 * password usually means a leaked one, and so may be the app passwords
 * handed out under the old one. */
unsigned ms_mailbox_set_password(struct ms_mailbox *box, const char *hash,
				 bool keep_app_passwords)
{
	unsigned revoked = keep_app_passwords ? 0
					      : ms_app_revoke_all(&box->record);

	strcpy(box->record.password, hash);
	ms_session_clear(&box->state);
	ms_cache_clear(&box->state);
	box->save_record = box->save_state = box->end_live_sessions = true;
	return revoked;
}

enum ms_status ms_mailbox_app_add(struct ms_mailbox *box,
				  const struct ms_app_request *request,
				  time_t now, char shown[MS_APP_SHOWN_MAX],
				  struct ms_error *err)
{
	enum ms_status status = ms_app_add(&box->record, request, now, shown,
					   err);

	if (status == MS_OK)
		box->save_record = true;
	return status;
}

enum ms_status ms_mailbox_app_revoke(struct ms_mailbox *box, const char *name,
				     unsigned *revoked, struct ms_error *err)
{
	enum ms_status status = MS_OK;

	if (name) {
		status = ms_app_revoke(&box->record, name, err);
		*revoked = status == MS_OK;
	} else {
		*revoked = ms_app_revoke_all(&box->record);
	}
	if (*revoked)
		box->save_record = box->end_live_sessions = true;
	return status;
}

void ms_mailbox_unlock(struct ms_mailbox *box,
		       const struct ms_settings *settings, time_t now)
{
	ms_code_unlock(settings, &box->record, &box->state, now);
	box->save_state = true;
}

void ms_mailbox_logout(struct ms_mailbox *box)
{
	ms_session_clear(&box->state);
	ms_cache_clear(&box->state);
	box->save_state = box->end_live_sessions = true;
}

unsigned ms_mailbox_recovery_left(const struct ms_mailbox *box)
{
	if (box->record.totp.status != MS_TOTP_ENABLED)
		return 0;
	return ms_state_recovery_left(&box->state, &box->record);
}

int64_t ms_mailbox_locked_until(const struct ms_mailbox *box, time_t now)
{
	return ms_state_locked(&box->state, now) ? box->state.locked_until : 0;
}

void ms_mailbox_wipe(struct ms_mailbox *box)
{
	ms_record_wipe(&box->record);
	ms_wipe(&box->state, sizeof(box->state));
}
