#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "mailbox_ops.h"
#include "output.h"
#include "qr.h"

#define DEPTH_MAX 8

static bool json;
static bool first[DEPTH_MAX] = { true };
static int depth;
static bool inline_row, row_started;
static unsigned list_rows;        /* objects since out_list_begin */
static const char *array_label;   /* text: printed with the first value */
static unsigned array_values;
static enum out_sessions sessions;
static const char *kick_error;

void out_set_json(bool enable)
{
	json = enable;
}

bool out_is_json(void)
{
	return json;
}

static void json_string(const char *text)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

/* The separator before a JSON member or element, and its key. */
static void json_member(const char *key)
{
	if (!first[depth])
		putchar(',');
	first[depth] = false;
	if (key) {
		json_string(key);
		putchar(':');
	}
}

static void open_json(char bracket, const char *key)
{
	json_member(key);
	putchar(bracket);
	if (depth + 1 < DEPTH_MAX)
		depth++;
	first[depth] = true;
}

static void close_json(char bracket)
{
	putchar(bracket);
	if (depth > 0)
		depth--;
	if (depth == 0)
		putchar('\n');
}

void out_object_begin(bool inline_text)
{
	list_rows++;
	if (json)
		open_json('{', NULL);
	inline_row = inline_text;
	row_started = false;
}

void out_set_sessions(enum out_sessions outcome, const char *error)
{
	sessions = outcome;
	kick_error = error;
}

/* Into the command's own object only, not into the rows of a list. */
static void sessions_member(void)
{
	if (sessions == OUT_SESSIONS_HIDDEN || depth != 1)
		return;
	json_member("sessions_ended");
	fputs(sessions == OUT_SESSIONS_NULL ? "null"
	      : sessions == OUT_SESSIONS_ENDED ? "true" : "false", stdout);
	if (sessions == OUT_SESSIONS_LEFT)
		out_string("kick_error", NULL, kick_error);
}

void out_object_end(void)
{
	if (json) {
		sessions_member();
		close_json('}');
	} else if (inline_row)
		putchar('\n');
	inline_row = false;
}

void out_member_object_begin(const char *key)
{
	if (json)
		open_json('{', key);
}

void out_member_object_end(void)
{
	if (json)
		close_json('}');
}

void out_null(const char *key)
{
	if (json) {
		json_member(key);
		fputs("null", stdout);
	}
}

void out_list_begin(void)
{
	list_rows = 0;
	if (json)
		open_json('[', NULL);
}

void out_list_end(const char *empty_text)
{
	if (json)
		close_json(']');
	else if (list_rows == 0 && empty_text)
		printf("%s\n", empty_text);
}

static void text_field(const char *label, const char *value)
{
	if (inline_row) {
		printf(row_started ? "  " : "");
		row_started = true;
		if (label)
			printf("%s=%s", label, value);
		else
			printf("%s", value);
	} else if (label) {
		printf("%s: %s\n", label, value);
	} else {
		printf("%s\n", value);
	}
}

void out_string(const char *key, const char *label, const char *value)
{
	if (json) {
		json_member(key);
		json_string(value);
	} else {
		text_field(label, value);
	}
}

void out_string_or_null(const char *key, const char *label, const char *value,
			const char *null_text)
{
	if (value)
		out_string(key, label, value);
	else if (json)
		out_null(key);
	else
		text_field(label, null_text);
}

void out_uint(const char *key, const char *label, unsigned long value)
{
	char text[32];

	snprintf(text, sizeof(text), "%lu", value);
	if (json) {
		json_member(key);
		fputs(text, stdout);
	} else {
		text_field(label, text);
	}
}

void out_bool(const char *key, const char *label, bool value,
	      const char *text_true, const char *text_false)
{
	if (json) {
		json_member(key);
		fputs(value ? "true" : "false", stdout);
	} else {
		text_field(label, value ? text_true : text_false);
	}
}

void out_array_begin(const char *key, const char *label)
{
	array_label = label;
	array_values = 0;
	if (json)
		open_json('[', key);
}

void out_array_string(const char *value)
{
	if (json) {
		json_member(NULL);
		json_string(value);
		return;
	}
	if (array_values++ == 0)
		printf("%s:\n", array_label);
	printf("  %s\n", value);
}

void out_array_end(void)
{
	if (json)
		close_json(']');
	else if (array_values == 0)
		printf("%s: none\n", array_label);
}

void out_string_list(const char *key, const char *label,
		     const char *const items[], unsigned n,
		     const char *empty_text)
{
	char text[512];
	size_t len = 0;

	if (json) {
		out_array_begin(key, label);
		for (unsigned i = 0; i < n; i++)
			out_array_string(items[i]);
		out_array_end();
		return;
	}
	text[0] = '\0';
	for (unsigned i = 0; i < n && len < sizeof(text); i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%s",
					i ? ", " : "", items[i]);
	text_field(label, n ? text : empty_text);
}

static void mailbox_fields(const struct ms_mailbox *box, bool inline_text)
{
	char until[MS_ISO_TIME_MAX];
	int64_t locked_until = ms_mailbox_locked_until(box, time(NULL));

	out_string("mailbox", inline_text ? NULL : "mailbox", box->name);
	if (json)
		out_bool("non_webmail_access", NULL,
			 box->record.non_webmail_access, "", "");
	out_string("non_webmail", "non-webmail",
		   ms_non_webmail_name(ms_record_non_webmail(&box->record)));
	out_string("2fa", "2fa", ms_totp_status_name(box->record.totp.status));
	out_uint("recovery_codes_left", "recovery-codes",
		 ms_mailbox_recovery_left(box));
	out_string_or_null("locked_until", "locked-until",
			   locked_until ? ms_iso_time(locked_until, until) : NULL,
			   "-");
	if (!inline_text)
		out_uint("app_passwords", "app-passwords", box->record.n_apps);
}

void out_mailbox(const struct ms_mailbox *box, bool inline_text)
{
	out_object_begin(inline_text);
	mailbox_fields(box, inline_text);
	out_object_end();
}

void out_mailbox_shown_begin(const struct ms_mailbox *box)
{
	out_object_begin(false);
	mailbox_fields(box, false);
}

void out_removed(const struct ms_mailbox *box)
{
	out_object_begin(false);
	out_string("mailbox", "mailbox", box->name);
	out_bool("removed", "removed", true, "yes", "no");
	out_object_end();
}

void out_enrolment(const struct ms_mailbox *box, const char *uri,
		   const char *svg)
{
	out_object_begin(false);
	out_string("mailbox", "mailbox", box->name);
	out_string("secret", "secret", box->record.totp.secret);
	out_string("uri", "uri", uri);
	if (svg)
		out_string("qr_svg", "qr-svg", svg);
	out_object_end();
}

enum ms_status out_enrolment_qr(const struct ms_mailbox *box, const char *uri,
				const char *qr_spec, struct ms_error *err)
{
	enum ms_status status = MS_OK;

	fflush(stdout);
	if (!json || strchr(qr_spec, ':'))
		status = qr_render(uri, qr_spec, stdout, err);
	if (status != MS_OK)
		return status;
	if (!json)
		printf("next: mailsecctl 2fa confirm %s CODE (a code from the "
		       "app; 2FA stays pending until then)\n", box->name);
	return MS_OK;
}

void out_recovery_codes(const struct ms_mailbox *box,
			char codes[][MS_RECOVERY_LEN + 1])
{
	out_object_begin(false);
	out_string("mailbox", "mailbox", box->name);
	out_array_begin("recovery_codes",
			"recovery codes (each works once; shown only now)");
	for (unsigned i = 0; i < MS_RECOVERY_COUNT; i++)
		out_array_string(codes[i]);
	out_array_end();
	out_object_end();
}

void out_db_report(const char *report)
{
	out_object_begin(false);
	out_string("report", NULL, report);
	out_object_end();
}

void out_db_transfer(const char *done_word, unsigned long done,
		     unsigned long skipped)
{
	if (!json) {
		printf("%s %lu mailbox%s, %lu skipped (already there)\n",
		       done_word, done, done == 1 ? "" : "es", skipped);
		return;
	}
	out_object_begin(false);
	out_uint(done_word, NULL, done);
	out_uint("skipped", NULL, skipped);
	out_object_end();
}
