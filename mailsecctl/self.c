/* mailsecctl self: the webmail's door into the records (mailsecctl.8,
 * SELF-SERVICE). Unprivileged callers run it as root through sudo, so it
 * trusts nothing they give: a short list of commands, acting only on the
 * mailbox whose credential passed the webmail stack from the client's
 * address, and every refusal logged to syslog with mailbox and address. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "commands.h"
#include "output.h"
#include "secret_input.h"
#include "secure.h"
#include "self_auth.h"

struct self_command {
	const char *words; /* as typed: one word, or group and name */
	int n_args;        /* after the words */
	enum ms_status (*run)(struct ctl *ctl);
	/* Loosens the mailbox's protection or hands out a credential: a
	 * resumed webmail session, which may be a captured string replayed
	 * from the same address, is not enough. */
	bool fresh_code;
};

static const struct self_command commands[] = {
	{ "status", 0, cmd_show, false },
	{ "2fa enroll", 0, cmd_2fa_enroll, false },
	{ "2fa confirm", 1, cmd_2fa_confirm, false },
	{ "2fa disable", 0, cmd_2fa_disable, true },
	{ "2fa recovery", 0, cmd_2fa_recovery, true },
	{ "non-webmail enable", 0, cmd_non_webmail_enable, true },
	{ "non-webmail disable", 0, cmd_non_webmail_disable, false },
	{ "passwd", 0, cmd_passwd, true },
};

#define N_COMMANDS (sizeof(commands) / sizeof(*commands))

struct request {
	char mailbox[MS_NAME_MAX + 1]; /* canonical; "" until valid */
	const char *rhost;             /* NULL until valid */
	const struct self_command *command;
	char *inner_args[2];           /* the command's own: MAILBOX [ARG] */
	int n_inner;
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
	return MS_OK;
}

static enum ms_status authenticate(struct ctl *ctl, const struct request *req)
{
	enum self_how how;

	if (self_authenticate(req->mailbox, req->rhost, &how, &ctl->err) !=
	    MS_OK)
		return ctl->err.status;
	if (req->command->fresh_code && how == SELF_HOW_SESSION)
		return ms_fail(&ctl->err, MS_REFUSED,
			       "%s: %s needs a fresh code, not a resumed "
			       "webmail session", req->mailbox,
			       req->command->words);
	return MS_OK;
}

/* passwd: the new password is the last line of stdin. A line after it
 * means the lines were not the ones the stack asked for (say, a code sent
 * to a stack that needed none): refused, rather than a code made the
 * password. */
static enum ms_status read_new_password(struct ctl *ctl,
					char buf[SECRET_INPUT_MAX + 1])
{
	ssize_t n;
	char extra;

	if (secret_read_line("new password", buf, &ctl->err) != MS_OK)
		return ctl->err.status;
	do
		n = read(STDIN_FILENO, &extra, 1);
	while (n < 0 && errno == EINTR);
	ms_wipe(&extra, sizeof(extra));
	if (n == 0)
		return MS_OK;
	ms_wipe(buf, SECRET_INPUT_MAX + 1);
	return ms_fail(&ctl->err, MS_USAGE,
		       "self passwd: the new password must be the last line "
		       "of standard input");
}

/* The command, on this mailbox only; 2fa enroll writes no file. */
static enum ms_status act(struct ctl *ctl, struct request *req)
{
	char password[SECRET_INPUT_MAX + 1];
	enum ms_status status = MS_OK;

	ctl->args = req->inner_args;
	ctl->n_args = req->n_inner;
	ctl->qr_spec = "none";
	ctl->qr_inline = true;
	if (req->command->run == cmd_passwd) {
		status = read_new_password(ctl, password);
		ctl->new_password = password;
	}
	if (status == MS_OK)
		status = req->command->run(ctl);
	ctl->new_password = NULL;
	ms_wipe(password, sizeof(password));
	return status;
}

/* syslog, beside the error line main prints on stderr. */
static void report(const struct ctl *ctl, const struct request *req,
		   enum ms_status status)
{
	const char *mailbox = req->mailbox[0] ? req->mailbox : "-";
	const char *rhost = req->rhost ? req->rhost : "-";
	const char *command = req->command ? req->command->words : "-";

	if (status == MS_OK)
		syslog(LOG_INFO, "self: mailbox=%s rhost=%s command=%s: done",
		       mailbox, rhost, command);
	else
		syslog(LOG_NOTICE,
		       "self: refused: mailbox=%s rhost=%s command=%s: %s",
		       mailbox, rhost, command,
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
		status = authenticate(ctl, &req);
	if (status == MS_OK)
		status = act(ctl, &req);
	report(ctl, &req, status);
	closelog();
	return status;
}
