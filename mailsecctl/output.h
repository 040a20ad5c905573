/* One print layer for text and JSON: each call prints either, so the two
 * forms of any command never drift apart. Everything goes to stdout. */
#ifndef MAILSECCTL_OUTPUT_H
#define MAILSECCTL_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "recovery.h"

void out_set_json(bool json);
bool out_is_json(void);

/* The "sessions_ended" member that closes the JSON object of a command
 * that changes a mailbox: null (OUT_SESSIONS_NULL: no kick_command, or a
 * change that ends none), true, or false with "kick_error". Commands
 * that change nothing show none (OUT_SESSIONS_HIDDEN, the default). Text
 * shows none: the exit status and stderr tell. */
enum out_sessions {
	OUT_SESSIONS_HIDDEN,
	OUT_SESSIONS_NULL,
	OUT_SESSIONS_ENDED,
	OUT_SESSIONS_LEFT,
};
void out_set_sessions(enum out_sessions sessions, const char *kick_error);

/* An object; `inline` objects print as one text line (list rows). */
void out_object_begin(bool inline_text);
void out_object_end(void);
/* JSON only (nothing in text): an object as the member `key` of the
 * object open, or `key`: null. */
void out_member_object_begin(const char *key);
void out_member_object_end(void);
void out_null(const char *key);
/* A top-level JSON array of objects (list); in text, `empty_text` (unless
 * NULL) on a line of its own when it held none. */
void out_list_begin(void);
void out_list_end(const char *empty_text);

/* Text form: "label: value" (or the bare value when label is NULL). */
void out_string(const char *key, const char *label, const char *value);
/* NULL value: JSON null, text `null_text`. */
void out_string_or_null(const char *key, const char *label, const char *value,
			const char *null_text);
void out_uint(const char *key, const char *label, unsigned long value);
void out_bool(const char *key, const char *label, bool value,
	      const char *text_true, const char *text_false);
/* An array of strings: JSON array; text "label:" then one value a line,
 * or "label: none". */
void out_array_begin(const char *key, const char *label);
void out_array_string(const char *value);
void out_array_end(void);
/* A whole array: JSON array; text "label: a, b", or "label: EMPTY". */
void out_string_list(const char *key, const char *label,
		     const char *const items[], unsigned n,
		     const char *empty_text);

/* The objects of mailsecctl's commands, each printed in one place. */
struct ms_error;
struct ms_mailbox;

/* show/list's object: mailbox, non_webmail_access (true unless
 * disabled), non_webmail (enabled, app-passwords, disabled), 2fa,
 * recovery_codes_left, locked_until, and in show app_passwords (how
 * many). Never a secret or hash. */
void out_mailbox(const struct ms_mailbox *box, bool inline_text);

/* show's object without its end (out_object_end), for what show adds. */
void out_mailbox_shown_begin(const struct ms_mailbox *box);

/* remove's: the mailbox and "removed". */
void out_removed(const struct ms_mailbox *box);

/* 2fa enroll's object: mailbox, secret, uri, and qr_svg unless `svg` is
 * NULL. */
void out_enrolment(const struct ms_mailbox *box, const char *uri,
		   const char *svg);

/* After the object: the QR code of `uri` as `qr_spec` says (in JSON only
 * its file forms: the output stays one object), then in text the next
 * step. */
enum ms_status out_enrolment_qr(const struct ms_mailbox *box, const char *uri,
				const char *qr_spec, struct ms_error *err);

/* 2fa confirm's and 2fa recovery's object: the codes, shown only now. */
void out_recovery_codes(const struct ms_mailbox *box,
			char codes[][MS_RECOVERY_LEN + 1]);

/* db init, upgrade and check: the line the database's schema step
 * reported ("schema version 1"): {"report": ...}, in text the line. */
void out_db_report(const char *report);

/* db import and export's summary: "imported N mailboxes, M skipped
 * (already there)"; JSON {"imported": N, "skipped": M} (the key is
 * `done_word`). */
void out_db_transfer(const char *done_word, unsigned long done,
		     unsigned long skipped);

/* output_activity.c: the activity journal's entries (journal.h). */
struct ms_journal_entry;

/* activity's array, newest first, of the `count` entries whose newest
 * decision is at or after `since`: time, first, count, service, role,
 * rhost, result, detail, app. In text a table, or "no activity recorded". */
void out_activity(const struct ms_journal_entry *entries, unsigned count,
		  int64_t since);

/* show's last_login: the newest accepted entry of each role, {webmail,
 * client}, each {time, service, rhost, detail, app} or null; in text the
 * lines "last webmail login: ..." and "last client login: ...", where
 * `none_text` stands for a role without one. */
void out_last_logins(const struct ms_journal_entry *entries, unsigned count,
		     const char *none_text);

#endif
