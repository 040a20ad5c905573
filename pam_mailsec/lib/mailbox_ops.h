/* What can be done to a mailbox: every change mailsecctl makes to a record
 * and its state, as one rule each. The operations change a mailbox in
 * memory and say what to write (save_record, save_state); the caller
 * loads, calls and saves under the mailbox lock (ms_record_lock, or
 * ms_store_lock for ms_mailbox_create).
 *
 * The operations that end webmail sessions or take access away also set
 * end_live_sessions: remove, a new password, logout, 2FA enrolled,
 * disabled or given new recovery codes, non-webmail access set to
 * app-passwords or disabled, app passwords revoked. The caller then ends
 * the connections already open (kick.h) once the change is saved: they
 * were let in under what no longer holds. Adding a mailbox or an app
 * password, enabling non-webmail access, confirming 2FA and unlocking
 * take nothing away. */
#ifndef MAILSEC_MAILBOX_OPS_H
#define MAILSEC_MAILBOX_OPS_H

#include <stdbool.h>
#include <time.h>

#include "apppass.h"
#include "codecheck.h"
#include "error.h"
#include "name.h"
#include "record.h"
#include "settings.h"
#include "state.h"
#include "store.h"

struct ms_mailbox {
	char name[MS_NAME_MAX + 1]; /* canonical */
	struct ms_record record;
	struct ms_state state;
	bool save_record, save_state; /* what an operation changed */
	bool end_live_sessions;       /* see above */
	/* ms_mailbox_remove deleted the record: the mailbox is gone,
	 * whatever failed after. */
	bool record_gone;
};

/* Whether the caller ends the connections already open after an
 * operation (and its save) that ended with `status`: when it marked the
 * box, and it stands: it succeeded, or the record is gone. */
bool ms_mailbox_ends_sessions(const struct ms_mailbox *box,
			      enum ms_status status);

/* Record and state of box->name; MS_NOT_FOUND without a record. */
enum ms_status ms_mailbox_load(const struct ms_store *store,
			       struct ms_mailbox *box, struct ms_error *err);

/* Writes what the operations changed: state first, then the record
 * atomically. */
enum ms_status ms_mailbox_save(const struct ms_store *store,
			       struct ms_mailbox *box, struct ms_error *err);

/* A new mailbox box->name with the record defaults, non-webmail access
 * as mailsec.conf's non_webmail_default says, and `password_hash`,
 * written at once: MS_EXISTS when it has a record already. A state and
 * an activity journal left by an earlier mailbox of that name (its
 * lockout, its used codes, its logins) are removed first, before the
 * record exists. */
enum ms_status ms_mailbox_create(const struct ms_store *store,
				 struct ms_mailbox *box,
				 const char *password_hash,
				 struct ms_error *err);

/* The record, then the state and the activity journal, of box->name
 * (loaded under the lock). The lock file stays: see ms_store_lock. Once
 * the record is deleted, record_gone and end_live_sessions are set, also
 * when removing the state or the journal then fails. */
enum ms_status ms_mailbox_remove(const struct ms_store *store,
				 struct ms_mailbox *box,
				 struct ms_error *err);

/* A new secret with mailsec.conf's TOTP parameters, pending until
 * confirmed, without recovery codes; webmail sessions ended. MS_REFUSED
 * when 2FA is enabled (it is disabled first). */
enum ms_status ms_mailbox_enroll(struct ms_mailbox *box,
				 const struct ms_settings *settings,
				 struct ms_error *err);

/* Judges `code`, the first of the pending secret, as a login's code is
 * judged (ms_code_confirm) and keeps what it used up or counted, whatever
 * the result (*result). On MS_CODE_OK 2FA is enabled with the recovery
 * hashes of `fresh` (made before the lock was taken: hashing is slow).
 * MS_REFUSED when no enrolment is pending. */
enum ms_status ms_mailbox_confirm(struct ms_mailbox *box,
				  const struct ms_settings *settings,
				  const char *code, const struct ms_record *fresh,
				  time_t now, enum ms_code_result *result,
				  struct ms_error *err);

/* 2FA off, webmail sessions ended; nothing to do when it is off. */
void ms_mailbox_disable(struct ms_mailbox *box);

/* MS_OK when 2FA is enabled and can take new recovery codes, else
 * MS_REFUSED. */
enum ms_status ms_mailbox_recovery_allowed(const struct ms_mailbox *box,
					   struct ms_error *err);

/* The recovery hashes of `fresh` in place of the old ones, and webmail
 * sessions ended: a session begun with an old code must not outlive it. */
enum ms_status ms_mailbox_recovery_replace(struct ms_mailbox *box,
					   const struct ms_record *fresh,
					   struct ms_error *err);

void ms_mailbox_set_non_webmail(struct ms_mailbox *box,
				enum ms_non_webmail mode);

/* A new password hash; webmail sessions and the cached password end, and
 * every app password is revoked unless `keep_app_passwords`: how many. */
unsigned ms_mailbox_set_password(struct ms_mailbox *box, const char *hash,
				 bool keep_app_passwords);

/* A new app password (ms_app_add), its password into `shown`. */
enum ms_status ms_mailbox_app_add(struct ms_mailbox *box,
				  const struct ms_app_request *request,
				  time_t now, char shown[MS_APP_SHOWN_MAX],
				  struct ms_error *err);

/* Revokes the app password `name`, or every one when `name` is NULL;
 * how many into `*revoked`. MS_NOT_FOUND when `name` names none. */
enum ms_status ms_mailbox_app_revoke(struct ms_mailbox *box, const char *name,
				     unsigned *revoked, struct ms_error *err);

/* The lockout cleared (ms_code_unlock). */
void ms_mailbox_unlock(struct ms_mailbox *box,
		       const struct ms_settings *settings, time_t now);

/* Every webmail session ended and the cached password forgotten: the next
 * login of every client pays the full hash once more. */
void ms_mailbox_logout(struct ms_mailbox *box);

/* For show: recovery codes not used yet (0 unless 2FA is enabled), and
 * when a lockout in force at `now` ends (0: none). */
unsigned ms_mailbox_recovery_left(const struct ms_mailbox *box);
int64_t ms_mailbox_locked_until(const struct ms_mailbox *box, time_t now);

void ms_mailbox_wipe(struct ms_mailbox *box);

#endif
