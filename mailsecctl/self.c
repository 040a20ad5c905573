/* mailsecctl self: the webmail's door into the records (mailsecctl.8,
 * SELF-SERVICE). Unprivileged callers run it as root through sudo, so it
 * trusts nothing they give: only the commands the verb table allows
 * (VERB_SELF_ALLOWED), acting only on the mailbox whose credential passed
 * the webmail stack from the client's address, only on the record it
 * passed against, and every refusal logged to syslog with mailbox and
 * address. */
#include "config.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>
#include <syslog.h>

#include "authkind.h"
#include "commands.h"
#include "output.h"
#include "secure.h"
#include "self_auth.h"
#include "self_input.h"

struct request {
	char mailbox[MS_NAME_MAX + 1]; /* canonical; "" until valid */
	const char *rhost;             /* NULL until valid */
	const struct verb *command;    /* one with VERB_SELF_ALLOWED */
	char words[64];                /* the command as typed, for messages */
	char *inner_args[2];           /* the command's own: MAILBOX [ARG] */
	int n_inner;
	const char *own_line;          /* command->self_secret if it takes one */
	struct self_input input;
	/* Of the record before the stack ran; all zero when it could not be
	 * loaded then, which no later load matches. */
	struct ms_record_digest digest;
	enum ms_auth_kind how;
};

static enum ms_status check_rhost(struct ctl *ctl, struct request *req)
{
	unsigned char addr[sizeof(struct in6_addr)];

	if (!ctl->rhost)
		return ms_fail(&ctl->err, MS_USAGE, "self: --rhost IP is required");
	if (inet_pton(AF_INET, ctl->rhost, addr) != 1 &&
	    inet_pton(AF_INET6, ctl->rhost, addr) != 1)
		return ms_fail(&ctl->err, MS_USAGE,
			       "self: --rhost: not an IPv4 or IPv6 address");
	req->rhost = ctl->rhost;
	return MS_OK;
}

static enum ms_status not_allowed(struct ctl *ctl)
{
	char allowed[256];

	verb_self_list(allowed, sizeof(allowed));
	return ms_fail(&ctl->err, MS_USAGE,
		       "self: command not allowed (allowed: %s)", allowed);
}

/* Everything from the command line, checked before anything is read. */
static enum ms_status parse(struct ctl *ctl, struct request *req)
{
	int used = 0, n_args;
	enum ms_status status = check_rhost(ctl, req);

	if (status != MS_OK)
		return status;
	req->command = verb_find(ctl->n_args - 1, ctl->args + 1, true, &used);
	if (!req->command)
		return not_allowed(ctl);
	verb_words(req->command, true, req->words, sizeof(req->words));
	status = verb_check_options(req->command, ctl);
	if (status != MS_OK)
		return status;
	/* The mailbox is self's own first argument. */
	n_args = ctl->n_args - 1 - used;
	if (n_args < req->command->min_args - 1 ||
	    n_args > req->command->max_args - 1)
		return ms_fail(&ctl->err, MS_USAGE,
			       "self %s: wrong number of arguments", req->words);
	status = ms_name_canonical(ctl->args[0], req->mailbox, &ctl->err);
	if (status != MS_OK)
		return status;
	req->inner_args[0] = req->mailbox;
	req->inner_args[1] = n_args ? ctl->args[1 + used] : NULL;
	req->n_inner = 1 + n_args;
	if (!n_args || strcmp(req->inner_args[1], "-") == 0)
		req->own_line = req->command->self_secret;
	return MS_OK;
}

/* The record as it is before the stack runs. The stack checks the
 * credential against the record as the module reads it, a moment later,
 * and every load the command makes, the one under the lock included, must
 * find this same record (check_loaded). Before the stack, not after: any
 * change between this load and the command's, one the stack itself saw
 * included, makes the digests differ, while a digest taken after the stack
 * could be of a record changed since the module read the one it checked.
 * A failure is not reported here: an unknown mailbox must look like a
 * wrong password, as the stack says it. */
static void note_record(struct ctl *ctl, struct request *req)
{
	struct ms_mailbox box;

	memset(&box, 0, sizeof(box));
	strcpy(box.name, req->mailbox);
	if (ctl_read(ctl, &box) == MS_OK)
		req->digest = box.record.digest;
	ms_error_clear(&ctl->err);
	ms_mailbox_wipe(&box);
}

/* A line the stack did not ask for means the lines were not the ones it
 * wanted (say, a code sent to a stack that needed none): refused, rather
 * than a code made the new password. */
static enum ms_status authenticate(struct ctl *ctl, struct request *req)
{
	enum ms_status status = self_authenticate(req->mailbox, req->rhost,
						  &req->input, &req->how,
						  &ctl->err);

	if (status != MS_OK)
		return status;
	if (self_input_unused(&req->input))
		return ms_fail(&ctl->err, MS_USAGE,
			       "self %s: standard input holds a line the %s "
			       "stack did not ask for%s%s%s",
			       req->words, SELF_SERVICE,
			       req->own_line ? " (the " : "",
			       req->own_line ? req->own_line : "",
			       req->own_line ? " must be the last line)" : "");
	return MS_OK;
}

/* What the login proved (authkind.h) against what this record and the
 * command ask. */
static enum ms_status check_trust(struct ctl *ctl, const struct request *req,
				  const struct ms_record *record)
{
	unsigned flags = req->command->flags;
	bool needs_fresh = (flags & VERB_NEEDS_FRESH_CODE) ||
			   ((flags & VERB_FRESH_WHEN_DISABLED) &&
			    !record->non_webmail_access);

	switch (ms_auth_trusted(req->how, record, needs_fresh)) {
	case MS_TRUST_OK:
		return MS_OK;
	case MS_TRUST_PASSWORD_ALONE:
		return ms_fail(&ctl->err, MS_REFUSED,
			       "%s: 2FA is enabled, but the %s stack took the "
			       "password alone (is %s in webmail_services?)",
			       req->mailbox, SELF_SERVICE, SELF_SERVICE);
	case MS_TRUST_NOT_FRESH:
		return ms_fail(&ctl->err, MS_REFUSED,
			       "%s: %s needs a fresh code, not a resumed "
			       "webmail session", req->mailbox, req->words);
	case MS_TRUST_UNKNOWN:
		break;
	}
	return ms_fail(&ctl->err, MS_REFUSED,
		       "%s: pam_mailsec did not say how it authenticated",
		       req->mailbox);
}

/* Every record the command loads, under the lock for its edit: the one the
 * credential was checked against, and one this login may act on. */
static enum ms_status check_loaded(struct ctl *ctl,
				   const struct ms_mailbox *box, void *arg)
{
	const struct request *req = arg;
	enum ms_status status = ms_record_unchanged(&box->record, &req->digest,
						    box->name,
						    "the credential was checked",
						    &ctl->err);

	if (status != MS_OK)
		return status;
	return check_trust(ctl, req, &box->record);
}

/* The command, on this mailbox only; 2fa enroll writes no file. */
static enum ms_status act(struct ctl *ctl, struct request *req)
{
	enum ms_status status;

	ctl->args = req->inner_args;
	ctl->n_args = req->n_inner;
	ctl->qr_spec = "none";
	ctl->qr_inline = true;
	ctl->stdin_secret = req->input.own;
	ctl->check_loaded = check_loaded;
	ctl->check_arg = req;
	if (req->command->flags & VERB_CHANGES)
		out_set_sessions(OUT_SESSIONS_NULL, NULL);
	status = req->command->run(ctl);
	ctl->stdin_secret = NULL;
	ctl->check_loaded = NULL;
	return status;
}

/* syslog, beside the error line main prints on stderr: the one line of
 * the request, a change done at LOG_NOTICE as the other commands' are
 * (ctl_audit), status at LOG_INFO. */
static void report(const struct ctl *ctl, const struct request *req,
		   enum ms_status status)
{
	const char *mailbox = req->mailbox[0] ? req->mailbox : "-";
	const char *rhost = req->rhost ? req->rhost : "-";
	const char *command = req->command ? req->words : "-";
	char invoker[CTL_INVOKER_MAX];

	ctl_invoker(invoker);
	if (status == MS_OK)
		syslog(req->command->flags & VERB_CHANGES ? LOG_NOTICE : LOG_INFO,
		       "self: mailbox=%s rhost=%s command=%s%s%s %s: done",
		       mailbox, rhost, command, ctl->audit_detail[0] ? " " : "",
		       ctl->audit_detail, invoker);
	else
		syslog(LOG_NOTICE,
		       "self: refused: mailbox=%s rhost=%s command=%s %s: %s",
		       mailbox, rhost, command, invoker,
		       ctl->err.msg[0] ? ctl->err.msg : "failed");
}

static enum ms_status handle(struct ctl *ctl, struct request *req)
{
	enum ms_status status = parse(ctl, req);

	if (status != MS_OK)
		return status;
	status = self_input_read(&req->input, req->own_line, &ctl->err);
	if (status != MS_OK)
		return status;
	note_record(ctl, req);
	status = authenticate(ctl, req);
	if (status != MS_OK)
		return status;
	return act(ctl, req);
}

enum ms_status cmd_self(struct ctl *ctl)
{
	struct request req = { 0 };
	enum ms_status status;

	out_set_json(true);
	openlog("mailsecctl", LOG_PID, LOG_AUTHPRIV);
	status = handle(ctl, &req);
	report(ctl, &req, status);
	closelog();
	self_input_wipe(&req.input);
	return status;
}
