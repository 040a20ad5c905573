/* 2FA enrolment: enroll, confirm, disable, recovery. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "codecheck.h"
#include "commands.h"
#include "output.h"
#include "qr.h"
#include "recovery.h"
#include "secret_input.h"
#include "secure.h"
#include "session.h"
#include "totp.h"

typedef char recovery_codes_t[MS_RECOVERY_COUNT][MS_RECOVERY_LEN + 1];

static struct ms_totp record_totp(const struct ms_record *record)
{
	struct ms_totp totp = {
		.secret_b32 = record->totp.secret,
		.algorithm = record->totp.algorithm,
		.digits = record->totp.digits,
		.period = record->totp.period,
	};
	return totp;
}

static enum ms_status start_enrolment(struct ctl *ctl,
				      const struct ms_store *store,
				      struct ctl_mailbox *box, void *arg)
{
	struct ms_record *record = &box->record;

	if (record->totp.status == MS_TOTP_ENABLED)
		return ms_fail(&ctl->err, MS_REFUSED,
			       "%s: 2FA is enabled; disable it first", box->name);
	if (ms_totp_secret_new(record->totp.secret, &ctl->err) != MS_OK)
		return ctl->err.status;
	record->totp.status = MS_TOTP_PENDING;
	record->totp.algorithm = ctl->settings.totp.algorithm;
	record->totp.digits = ctl->settings.totp.digits;
	record->totp.period = ctl->settings.totp.period;
	record->totp.n_recovery = 0;
	ms_session_clear(&box->state);
	box->save_record = box->save_state = true;
	return MS_OK;
}

/* The object, with the SVG inside when ctl->qr_inline: drawn first, so
 * that a failure prints nothing. */
static enum ms_status print_enrolment_object(struct ctl *ctl,
					     const struct ctl_mailbox *box,
					     const char *uri)
{
	char *svg = NULL;

	if (ctl->qr_inline &&
	    qr_svg_string(uri, &svg, &ctl->err) != MS_OK)
		return ctl->err.status;
	out_object_begin(false);
	out_string("mailbox", "mailbox", box->name);
	out_string("secret", "secret", box->record.totp.secret);
	out_string("uri", "uri", uri);
	if (svg)
		out_string("qr_svg", "qr-svg", svg);
	out_object_end();
	ms_free_secret(svg);
	return MS_OK;
}

static enum ms_status print_enrolment(struct ctl *ctl,
				      const struct ctl_mailbox *box)
{
	struct ms_totp totp = record_totp(&box->record);
	char *uri = NULL;
	enum ms_status status = ms_totp_uri(&totp, ctl->settings.totp.issuer,
					    box->name, &uri, &ctl->err);

	if (status == MS_OK)
		status = print_enrolment_object(ctl, box, uri);
	if (status != MS_OK) {
		ms_free_secret(uri);
		return status;
	}
	fflush(stdout);
	/* JSON output stays one object: only file forms of the QR code. */
	if (!out_is_json() || strchr(ctl->qr_spec, ':'))
		status = qr_render(uri, ctl->qr_spec, stdout, &ctl->err);
	ms_free_secret(uri);
	if (status == MS_OK && !out_is_json())
		printf("next: mailsecctl 2fa confirm %s CODE (a code from the "
		       "app; 2FA stays pending until then)\n", box->name);
	return status;
}

enum ms_status cmd_2fa_enroll(struct ctl *ctl)
{
	struct ctl_mailbox box;
	enum ms_status status = ctl_mailbox_name(ctl, 0, &box);

	if (status == MS_OK)
		status = qr_spec_check(ctl->qr_spec, &ctl->err);
	if (status == MS_OK)
		status = qr_file_probe(ctl->qr_spec, &ctl->err);
	if (status == MS_OK)
		status = ctl_edit(ctl, &box, start_enrolment, NULL);
	if (status == MS_OK)
		status = print_enrolment(ctl, &box);
	ctl_mailbox_wipe(&box);
	return status;
}

static void print_recovery_codes(const struct ctl_mailbox *box,
				 recovery_codes_t codes)
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

struct confirmation {
	const char *code;
	struct ms_record fresh; /* recovery hashes made before locking */
	enum ms_code_result result;
};

static enum ms_status confirm_enrolment(struct ctl *ctl,
					const struct ms_store *store,
					struct ctl_mailbox *box, void *arg)
{
	struct confirmation *confirmation = arg;
	struct ms_record *record = &box->record;

	if (record->totp.status != MS_TOTP_PENDING)
		return ms_fail(&ctl->err, MS_REFUSED,
			       "%s: no pending 2FA enrolment (run 2fa enroll)",
			       box->name);
	/* Saved whatever the result: the confirming code is used up, and a
	 * wrong one counts toward the lockout, as at login (a pending secret
	 * is not to be guessed with the password alone). The caller refuses
	 * after the save. */
	confirmation->result = ms_code_confirm(&ctl->settings, record,
					       &box->state, confirmation->code,
					       time(NULL));
	box->save_state = true;
	if (confirmation->result != MS_CODE_OK)
		return MS_OK;
	record->totp.status = MS_TOTP_ENABLED;
	memcpy(record->totp.recovery, confirmation->fresh.totp.recovery,
	       sizeof(record->totp.recovery));
	record->totp.n_recovery = confirmation->fresh.totp.n_recovery;
	box->save_record = box->save_state = true;
	return MS_OK;
}

static enum ms_status read_code(struct ctl *ctl, char code[SECRET_INPUT_MAX + 1])
{
	const char *given = ctl->args[1];

	if (strcmp(given, "-") == 0 && ctl->stdin_secret)
		given = ctl->stdin_secret;
	else if (strcmp(given, "-") == 0)
		return secret_read_line("verification code", code, &ctl->err);
	if (strlen(given) > SECRET_INPUT_MAX)
		return ms_fail(&ctl->err, MS_INVALID, "verification code too long");
	strcpy(code, given);
	return MS_OK;
}

enum ms_status cmd_2fa_confirm(struct ctl *ctl)
{
	struct ctl_mailbox box;
	struct confirmation confirmation = { .result = MS_CODE_ERROR };
	char code[SECRET_INPUT_MAX + 1];
	recovery_codes_t codes;
	enum ms_status status = ctl_mailbox_name(ctl, 0, &box);

	if (status == MS_OK)
		status = read_code(ctl, code);
	if (status == MS_OK)
		status = ms_recovery_generate(&confirmation.fresh, codes, &ctl->err);
	confirmation.code = code;
	if (status == MS_OK)
		status = ctl_edit(ctl, &box, confirm_enrolment, &confirmation);
	if (status == MS_OK && confirmation.result == MS_CODE_LOCKED)
		status = ms_fail(&ctl->err, MS_REFUSED,
				 "%s: too many wrong codes: locked for now "
				 "(mailsecctl unlock)", box.name);
	else if (status == MS_OK && confirmation.result != MS_CODE_OK)
		status = ms_fail(&ctl->err, MS_REFUSED,
				 "%s: wrong verification code", box.name);
	if (status == MS_OK)
		print_recovery_codes(&box, codes);
	ms_wipe(code, sizeof(code));
	ms_wipe(codes, sizeof(codes));
	ms_record_wipe(&confirmation.fresh);
	ctl_mailbox_wipe(&box);
	return status;
}

static enum ms_status turn_off(struct ctl *ctl, const struct ms_store *store,
			       struct ctl_mailbox *box, void *arg)
{
	struct ms_record *record = &box->record;

	if (record->totp.status == MS_TOTP_OFF)
		return MS_OK;
	ms_wipe(&record->totp, sizeof(record->totp));
	record->totp.status = MS_TOTP_OFF;
	record->totp.algorithm = MS_SHA1;
	record->totp.digits = 6;
	record->totp.period = 30;
	ms_session_clear(&box->state);
	box->save_record = box->save_state = true;
	return MS_OK;
}

enum ms_status cmd_2fa_disable(struct ctl *ctl)
{
	return ctl_edit_and_show(ctl, turn_off, NULL);
}

static enum ms_status replace_recovery(struct ctl *ctl,
				       const struct ms_store *store,
				       struct ctl_mailbox *box, void *fresh)
{
	const struct ms_record *made = fresh;

	if (box->record.totp.status != MS_TOTP_ENABLED)
		return ms_fail(&ctl->err, MS_REFUSED, "%s: 2FA is not enabled",
			       box->name);
	memcpy(box->record.totp.recovery, made->totp.recovery,
	       sizeof(made->totp.recovery));
	box->record.totp.n_recovery = made->totp.n_recovery;
	/* New codes usually mean the old ones got out: a webmail session
	 * begun with one must not outlive them. */
	ms_session_clear(&box->state);
	box->save_record = box->save_state = true;
	return MS_OK;
}

enum ms_status cmd_2fa_recovery(struct ctl *ctl)
{
	struct ctl_mailbox box;
	struct ms_record fresh = { 0 };
	recovery_codes_t codes;
	enum ms_status status = ctl_mailbox_name(ctl, 0, &box);

	/* Fail fast on a mailbox that cannot take codes: hashing is slow. */
	if (status == MS_OK)
		status = ctl_read(ctl, &box);
	if (status == MS_OK)
		status = replace_recovery(ctl, NULL, &box, &fresh);
	if (status == MS_OK)
		status = ms_recovery_generate(&fresh, codes, &ctl->err);
	if (status == MS_OK)
		status = ctl_edit(ctl, &box, replace_recovery, &fresh);
	if (status == MS_OK)
		print_recovery_codes(&box, codes);
	ms_wipe(codes, sizeof(codes));
	ms_record_wipe(&fresh);
	ctl_mailbox_wipe(&box);
	return status;
}
