/* mailsecctl self: the webmail's door into the records (mailsecctl.8,
 * SELF-SERVICE). Unprivileged callers run it as root through sudo, so it
 * trusts nothing they give: a short list of commands, acting only on the
 * mailbox whose credential passed the webmail stack from the client's
 * address, only on the record it passed against, and every refusal logged
 * to syslog with mailbox and address. */
#include "config.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>
#include <syslog.h>

#include "commands.h"
#include "output.h"
#include "policy.h"
#include "secure.h"
#include "self_auth.h"
#include "self_input.h"

struct self_command {
	const char *words; /* as typed: one word, or group and name */
	int n_args;        /* after the words */
	enum ms_status (*run)(struct ctl *ctl);
	/* Loosens the mailbox's protection or hands out a credential: a
	 * resumed webmail session, which may be a captured string replayed
	 * from the same address, is not enough. */
	bool fresh_code;
	/* The command's own secret, the last line of stdin (with an
	 * argument: when that is "-"); NULL: none. */
	const char *own_line;
};

static const struct self_command commands[] = {
	{ "status", 0, cmd_show, false, NULL },
	{ "2fa enroll", 0, cmd_2fa_enroll, false, NULL },
	{ "2fa confirm", 1, cmd_2fa_confirm, false, "verification code" },
	{ "2fa disable", 0, cmd_2fa_disable, true, NULL },
	{ "2fa recovery", 0, cmd_2fa_recovery, true, NULL },
	{ "non-webmail enable", 0, cmd_non_webmail_enable, true, NULL },
	{ "non-webmail disable", 0, cmd_non_webmail_disable, false, NULL },
	{ "passwd", 0, cmd_passwd, true, "new password" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(*commands))

struct request {
	char mailbox[MS_NAME_MAX + 1]; /* canonical; "" until valid */
	const char *rhost;             /* NULL until valid */
	const struct self_command *command;
	char *inner_args[2];           /* the command's own: MAILBOX [ARG] */
	int n_inner;
	const char *own_line;          /* command->own_line if it takes one */
	struct self_input input;
	/* Of the record before the stack ran; all zero when it could not be
	 * loaded then, which no later load matches. */
	struct ms_record_digest digest;
	enum self_how how;
};

/* Whether the first words of `argv` are `words`; how many they are. */
static int match_words(const char *words, char *const *argv, int argc)
{
	const char *space = strchr(words, ' ');
	size_t first = space ? (size_t)(space - words) : strlen(words);

	if (argc < 1 || strlen(argv[0]) != first ||
	    strncmp(argv[0], words, first) != 0)
		return 0;
	if (!space)
		return 1;
	return argc > 1 && strcmp(argv[1], space + 1) == 0 ? 2 : 0;
}

static const struct self_command *find_command(char *const *argv, int argc,
					       int *used)
{
	for (size_t i = 0; i < N_COMMANDS; i++) {
		*used = match_words(commands[i].words, argv, argc);
		if (*used)
			return &commands[i];
	}
	return NULL;
}

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

/* Everything from the command line, checked before anything is read. */
static enum ms_status parse(struct ctl *ctl, struct request *req)
{
	int used = 0, n_args;

	if (check_rhost(ctl, req) != MS_OK)
		return ctl->err.status;
	req->command = find_command(ctl->args + 1, ctl->n_args - 1, &used);
	if (!req->command)
		return ms_fail(&ctl->err, MS_USAGE,
			       "self: command not allowed (allowed: status, "
			       "2fa enroll|confirm CODE|disable|recovery, "
			       "non-webmail enable|disable, passwd)");
	n_args = ctl->n_args - 1 - used;
	if (n_args != req->command->n_args)
		return ms_fail(&ctl->err, MS_USAGE,
			       "self %s: wrong number of arguments",
			       req->command->words);
	if (ms_name_canonical(ctl->args[0], req->mailbox, &ctl->err) != MS_OK)
		return ctl->err.status;
	req->inner_args[0] = req->mailbox;
	req->inner_args[1] = n_args ? ctl->args[1 + used] : NULL;
	req->n_inner = 1 + n_args;
	if (!n_args || strcmp(req->inner_args[1], "-") == 0)
		req->own_line = req->command->own_line;
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
	struct ctl_mailbox box;

	memset(&box, 0, sizeof(box));
	strcpy(box.name, req->mailbox);
	if (ctl_read(ctl, &box) == MS_OK)
		req->digest = box.record.digest;
	ms_error_clear(&ctl->err);
	ctl_mailbox_wipe(&box);
}

/* A line the stack did not ask for means the lines were not the ones it
 * wanted (say, a code sent to a stack that needed none): refused, rather
 * than a code made the new password. */
static enum ms_status authenticate(struct ctl *ctl, struct request *req)
{
	if (self_authenticate(req->mailbox, req->rhost, &req->input, &req->how,
			      &ctl->err) != MS_OK)
		return ctl->err.status;
	if (self_input_unused(&req->input))
		return ms_fail(&ctl->err, MS_USAGE,
			       "self %s: standard input holds a line the %s "
			       "stack did not ask for%s%s%s",
			       req->command->words, SELF_SERVICE,
			       req->own_line ? " (the " : "",
			       req->own_line ? req->own_line : "",
			       req->own_line ? " must be the last line)" : "");
	return MS_OK;
}

/* What the login proved against what this record asks. With 2FA enabled,
 * a login on the password alone means the stack never asked for the code
 * (the webmail service has the client role in webmail_services): nothing
 * may be done. A fresh code is a code or a recovery code, not a resumed
 * session; with 2FA not enabled the password is all there is. */
static enum ms_status check_trust(struct ctl *ctl, const struct request *req,
				  const struct ms_record *record)
{
	bool needs_code = ms_policy_needs_code(record, MS_ROLE_WEBMAIL);
	bool fresh = req->how == SELF_HOW_CODE ||
		     req->how == SELF_HOW_RECOVERY ||
		     (req->how == SELF_HOW_PASSWORD && !needs_code);

	if (req->how == SELF_HOW_PASSWORD && needs_code)
		return ms_fail(&ctl->err, MS_REFUSED,
			       "%s: 2FA is enabled, but the %s stack took the "
			       "password alone (is %s in webmail_services?)",
			       req->mailbox, SELF_SERVICE, SELF_SERVICE);
	if (req->command->fresh_code && !fresh)
		return ms_fail(&ctl->err, MS_REFUSED,
			       "%s: %s needs a fresh code, not a resumed "
			       "webmail session", req->mailbox,
			       req->command->words);
	return MS_OK;
}

/* Every record the command loads, under the lock for its edit: the one the
 * credential was checked against, and one this login may act on. */
static enum ms_status check_loaded(struct ctl *ctl,
				   const struct ctl_mailbox *box, void *arg)
{
	const struct request *req = arg;

	if (ms_record_unchanged(&box->record, &req->digest, box->name,
				"the credential was checked", &ctl->err) != MS_OK)
		return ctl->err.status;
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
	const char *command = req->command ? req->command->words : "-";
	char invoker[CTL_INVOKER_MAX];

	ctl_invoker(invoker);
	if (status == MS_OK)
		syslog(req->command->run == cmd_show ? LOG_INFO : LOG_NOTICE,
		       "self: mailbox=%s rhost=%s command=%s %s: done",
		       mailbox, rhost, command, invoker);
	else
		syslog(LOG_NOTICE,
		       "self: refused: mailbox=%s rhost=%s command=%s %s: %s",
		       mailbox, rhost, command, invoker,
		       ctl->err.msg[0] ? ctl->err.msg : "failed");
}

enum ms_status cmd_self(struct ctl *ctl)
{
	struct request req = { 0 };
	enum ms_status status;

	out_set_json(true);
	openlog("mailsecctl", LOG_PID, LOG_AUTHPRIV);
	status = parse(ctl, &req);
	if (status == MS_OK)
		status = self_input_read(&req.input, req.own_line, &ctl->err);
	if (status == MS_OK) {
		note_record(ctl, &req);
		status = authenticate(ctl, &req);
	}
	if (status == MS_OK)
		status = act(ctl, &req);
	report(ctl, &req, status);
	closelog();
	self_input_wipe(&req.input);
	return status;
}
