/* 2FA enrolment: enroll, confirm, disable, recovery. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "mailbox_ops.h"
#include "output.h"
#include "qr.h"
#include "recovery.h"
#include "secret_input.h"
#include "secure.h"
#include "totp.h"

typedef char recovery_codes_t[MS_RECOVERY_COUNT][MS_RECOVERY_LEN + 1];

static enum ms_status start_enrolment(struct ctl *ctl,
				      const struct ms_store *store,
				      struct ms_mailbox *box, void *arg)
{
	return ms_mailbox_enroll(box, &ctl->settings, &ctl->err);
}

/* The URI, then the printing: a failure on the way prints nothing. */
static enum ms_status enroll(struct ctl *ctl, struct ms_mailbox *box,
			     char **uri, char **svg)
{
	struct ms_totp totp;
	enum ms_status status = ctl_mailbox_name(ctl, 0, box);

	if (status != MS_OK)
		return status;
	status = qr_spec_check(ctl->qr_spec, &ctl->err);
	if (status != MS_OK)
		return status;
	status = qr_file_probe(ctl->qr_spec, &ctl->err);
	if (status != MS_OK)
		return status;
	status = ctl_edit(ctl, box, start_enrolment, NULL);
	if (status != MS_OK)
		return status;
	totp = ms_record_totp(&box->record);
	status = ms_totp_uri(&totp, ctl->settings.totp.issuer, box->name, uri,
			     &ctl->err);
	if (status != MS_OK)
		return status;
	/* The SVG inside the object (self): drawn before anything prints. */
	if (ctl->qr_inline)
		status = qr_svg_string(*uri, svg, &ctl->err);
	if (status != MS_OK)
		return status;
	out_enrolment(box, *uri, *svg);
	return out_enrolment_qr(box, *uri, ctl->qr_spec, &ctl->err);
}

enum ms_status cmd_2fa_enroll(struct ctl *ctl)
{
	struct ms_mailbox box;
	char *uri = NULL, *svg = NULL;
	enum ms_status status = enroll(ctl, &box, &uri, &svg);

	ms_free_secret(svg);
	ms_free_secret(uri);
	ms_mailbox_wipe(&box);
	return status;
}

struct confirmation {
	const char *code;
	struct ms_record fresh; /* recovery hashes made before locking */
	enum ms_code_result result;
};

static enum ms_status confirm_enrolment(struct ctl *ctl,
					const struct ms_store *store,
					struct ms_mailbox *box, void *arg)
{
	struct confirmation *confirmation = arg;

	return ms_mailbox_confirm(box, &ctl->settings, confirmation->code,
				  &confirmation->fresh, time(NULL),
				  &confirmation->result, &ctl->err);
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

/* The code's outcome, once the state that counts it is saved. */
static enum ms_status confirmation_refused(struct ctl *ctl,
					   const struct ms_mailbox *box,
					   enum ms_code_result result)
{
	if (result == MS_CODE_LOCKED)
		return ms_fail(&ctl->err, MS_REFUSED,
			       "%s: too many wrong codes: locked for now "
			       "(mailsecctl unlock)", box->name);
	return ms_fail(&ctl->err, MS_REFUSED, "%s: wrong verification code",
		       box->name);
}

static enum ms_status confirm(struct ctl *ctl, struct ms_mailbox *box,
			      struct confirmation *confirmation,
			      char code[SECRET_INPUT_MAX + 1],
			      recovery_codes_t codes)
{
	enum ms_status status = ctl_mailbox_name(ctl, 0, box);

	if (status != MS_OK)
		return status;
	status = read_code(ctl, code);
	if (status != MS_OK)
		return status;
	status = ms_recovery_generate(&confirmation->fresh, codes, &ctl->err);
	if (status != MS_OK)
		return status;
	confirmation->code = code;
	status = ctl_edit(ctl, box, confirm_enrolment, confirmation);
	if (status != MS_OK)
		return status;
	if (confirmation->result != MS_CODE_OK)
		return confirmation_refused(ctl, box, confirmation->result);
	out_recovery_codes(box, codes);
	return MS_OK;
}

enum ms_status cmd_2fa_confirm(struct ctl *ctl)
{
	struct ms_mailbox box;
	struct confirmation confirmation = { .result = MS_CODE_ERROR };
	char code[SECRET_INPUT_MAX + 1];
	recovery_codes_t codes;
	enum ms_status status = confirm(ctl, &box, &confirmation, code, codes);

	ms_wipe(code, sizeof(code));
	ms_wipe(codes, sizeof(codes));
	ms_record_wipe(&confirmation.fresh);
	ms_mailbox_wipe(&box);
	return status;
}

static enum ms_status turn_off(struct ctl *ctl, const struct ms_store *store,
			       struct ms_mailbox *box, void *arg)
{
	ms_mailbox_disable(box);
	return MS_OK;
}

enum ms_status cmd_2fa_disable(struct ctl *ctl)
{
	return ctl_edit_and_show(ctl, turn_off, NULL);
}

static enum ms_status replace_recovery(struct ctl *ctl,
				       const struct ms_store *store,
				       struct ms_mailbox *box, void *fresh)
{
	return ms_mailbox_recovery_replace(box, fresh, &ctl->err);
}

static enum ms_status new_recovery(struct ctl *ctl, struct ms_mailbox *box,
				   struct ms_record *fresh,
				   recovery_codes_t codes)
{
	/* Fail fast on a mailbox that cannot take codes: hashing is slow. */
	enum ms_status status = ctl_read_named(ctl, box);

	if (status != MS_OK)
		return status;
	status = ms_mailbox_recovery_allowed(box, &ctl->err);
	if (status != MS_OK)
		return status;
	status = ms_recovery_generate(fresh, codes, &ctl->err);
	if (status != MS_OK)
		return status;
	status = ctl_edit(ctl, box, replace_recovery, fresh);
	if (status != MS_OK)
		return status;
	out_recovery_codes(box, codes);
	return MS_OK;
}

enum ms_status cmd_2fa_recovery(struct ctl *ctl)
{
	struct ms_mailbox box;
	struct ms_record fresh = { 0 };
	recovery_codes_t codes;
	enum ms_status status = new_recovery(ctl, &box, &fresh, codes);

	ms_wipe(codes, sizeof(codes));
	ms_record_wipe(&fresh);
	ms_mailbox_wipe(&box);
	return status;
}
