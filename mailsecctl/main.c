/* mailsecctl: edits the mailbox records of pam_mailsec. */
#include "config.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "commands.h"
#include "log.h"
#include "output.h"

static const struct verb verbs[] = {
	{ NULL, "add", 1, 1, cmd_add, "MAILBOX",
	  "new mailbox; password from stdin (one line) or the terminal (twice)",
	  VERB_CHANGES, NULL, NULL },
	{ NULL, "remove", 1, 1, cmd_remove, "MAILBOX", "delete the record and its state",
	  VERB_CHANGES, NULL, NULL },
	{ NULL, "list", 0, 0, cmd_list, "", "every mailbox: 2FA status, non-webmail access",
	  0, NULL, NULL },
	{ NULL, "show", 1, 1, cmd_show, "MAILBOX", "settings of one mailbox (never secrets)",
	  VERB_SELF_ALLOWED, "status", NULL },
	{ NULL, "activity", 1, 1, cmd_activity, "MAILBOX [--since WHEN]",
	  "\n                                recent logins and refusals, newest "
	  "first (WHEN: YYYY-MM-DD,\n"
	  "                                YYYY-MM-DDTHH:MM:SSZ, or N then m, h or d ago)",
	  VERB_SELF_ALLOWED | VERB_TAKES_SINCE, NULL, NULL },
	{ NULL, "passwd", 1, 1, cmd_passwd, "MAILBOX [--keep-app-passwords]",
	  "new password, from stdin or the terminal; revokes every app\n"
	  "                                password unless --keep-app-passwords",
	  VERB_CHANGES | VERB_SELF_ALLOWED | VERB_NEEDS_FRESH_CODE |
	  VERB_TAKES_KEEP, NULL, "new password" },
	{ "2fa", "enroll", 1, 1, cmd_2fa_enroll, "MAILBOX [--qr SPEC]",
	  "new secret, pending until confirmed; prints it, its URI and a QR\n"
	  "                                code (SPEC: utf8 ansi none png:FILE svg:FILE)",
	  VERB_CHANGES | VERB_TAKES_QR | VERB_SELF_ALLOWED, NULL, NULL },
	{ "2fa", "confirm", 2, 2, cmd_2fa_confirm, "MAILBOX CODE|-",
	  "enable 2FA with a code from the app (- reads it from stdin)",
	  VERB_CHANGES | VERB_SELF_ALLOWED, NULL, "verification code" },
	{ "2fa", "disable", 1, 1, cmd_2fa_disable, "MAILBOX", "turn 2FA off",
	  VERB_CHANGES | VERB_SELF_ALLOWED |
	  VERB_NEEDS_FRESH_CODE, NULL, NULL },
	{ "2fa", "recovery", 1, 1, cmd_2fa_recovery, "MAILBOX",
	  "fresh recovery codes; the old ones stop working",
	  VERB_CHANGES | VERB_SELF_ALLOWED |
	  VERB_NEEDS_FRESH_CODE, NULL, NULL },
	{ "non-webmail", "enable", 1, 1, cmd_non_webmail_enable, "MAILBOX",
	  "allow IMAP, POP3 and SMTP logins (password or app password)",
	  VERB_CHANGES | VERB_SELF_ALLOWED |
	  VERB_NEEDS_FRESH_CODE, NULL, NULL },
	{ "non-webmail", "app-passwords", 1, 1, cmd_non_webmail_app_passwords,
	  "MAILBOX", "IMAP, POP3 and SMTP take app passwords only",
	  VERB_CHANGES | VERB_SELF_ALLOWED | VERB_FRESH_WHEN_DISABLED, NULL,
	  NULL },
	{ "non-webmail", "disable", 1, 1, cmd_non_webmail_disable, "MAILBOX",
	  "refuse IMAP, POP3 and SMTP logins (webmail keeps working)",
	  VERB_CHANGES | VERB_SELF_ALLOWED, NULL, NULL },
	{ "app-password", "add", 2, 2, cmd_app_add,
	  "MAILBOX NAME [--services LIST] [--from CIDR,...] [--expires DATE|DAYS]",
	  "\n                                new app password for one mail app; "
	  "prints it once",
	  VERB_CHANGES | VERB_SELF_ALLOWED | VERB_NEEDS_FRESH_CODE |
	  VERB_TAKES_APP_OPTIONS, NULL, NULL },
	{ "app-password", "list", 1, 1, cmd_app_list, "MAILBOX",
	  "app passwords with their last use (never the passwords)",
	  VERB_SELF_ALLOWED, NULL, NULL },
	{ "app-password", "revoke", 1, 2, cmd_app_revoke, "MAILBOX NAME|--all",
	  "revoke one app password, or every one",
	  VERB_CHANGES | VERB_SELF_ALLOWED | VERB_TAKES_ALL, NULL, NULL },
	{ NULL, "unlock", 1, 1, cmd_unlock, "MAILBOX", "clear a code lockout",
	  VERB_CHANGES, NULL, NULL },
	{ NULL, "logout", 1, 1, cmd_logout, "MAILBOX",
	  "end every webmail session; forget the cached password",
	  VERB_CHANGES, NULL, NULL },
	{ NULL, "check-config", 0, 0, cmd_check_config, "",
	  "parse mailsec.conf and every record; report each problem",
	  VERB_OWN_CONFIG, NULL, NULL },
	{ "db", "init", 0, 0, cmd_db_init, "",
	  "create the schema in an empty database (store = \"postgresql\")",
	  0, NULL, NULL },
	{ "db", "upgrade", 0, 0, cmd_db_upgrade, "",
	  "bring an older schema up to this release's", 0, NULL, NULL },
	{ "db", "check", 0, 0, cmd_db_check, "",
	  "whether the database's schema is this release's", 0, NULL, NULL },
	{ "db", "import", 0, 0, cmd_db_import, "[--replace]",
	  "copy every mailbox of users_dir and state_dir into the database",
	  VERB_TAKES_REPLACE, NULL, NULL },
	{ "db", "export", 0, 0, cmd_db_export, "[--replace]",
	  "copy every mailbox of the database into users_dir and state_dir",
	  VERB_TAKES_REPLACE, NULL, NULL },
	/* Logs its own line (self.c), done or refused. */
	{ NULL, "self", 2, 4, cmd_self, "MAILBOX COMMAND [ARG]",
	  "the webmail's door: --rhost IP, the mailbox's own\n"
	  "                                credential on stdin; JSON (mailsecctl(8))",
	  VERB_SELF_DOOR, NULL, NULL },
};

#define N_VERBS (sizeof(verbs) / sizeof(*verbs))

const char *verb_words(const struct verb *verb, bool in_self, char *out,
		       size_t size)
{
	if (in_self && verb->self_name)
		snprintf(out, size, "%s", verb->self_name);
	else
		snprintf(out, size, "%s%s%s", verb->group ? verb->group : "",
			 verb->group ? " " : "", verb->name);
	return out;
}

void verb_self_list(char *out, size_t size)
{
	const char *group = NULL;
	size_t len = 0;
	char words[64];

	out[0] = '\0';
	for (size_t i = 0; i < N_VERBS && len < size; i++) {
		const struct verb *verb = &verbs[i];
		bool same_group = verb->group && group &&
				  strcmp(verb->group, group) == 0;

		if (!(verb->flags & VERB_SELF_ALLOWED))
			continue;
		len += (size_t)snprintf(out + len, size - len, "%s%s",
					same_group ? "|" : len ? ", " : "",
					same_group ? verb->name
						   : verb_words(verb, true, words,
								sizeof(words)));
		group = verb->group;
	}
}

static void print_verb(FILE *out, const struct verb *verb)
{
	char words[64], usage_words[96];

	snprintf(usage_words, sizeof(usage_words), "%s %s",
		 verb_words(verb, false, words, sizeof(words)), verb->args);
	fprintf(out, "  %-29s %s\n", usage_words, verb->help);
}

/* Usage of every verb, or of those in `group` (or of `only`). */
static void usage(FILE *out, const char *group, const struct verb *only)
{
	fprintf(out, "usage: mailsecctl [--config FILE] [--json] COMMAND ...\n"
		     "       mailsecctl help [COMMAND] | --help | --version\n\n");
	for (size_t i = 0; i < N_VERBS; i++) {
		const struct verb *verb = &verbs[i];

		if ((only && verb != only) ||
		    (group && (!verb->group || strcmp(verb->group, group) != 0)))
			continue;
		print_verb(out, verb);
	}
	if (!only && !group)
		fprintf(out, "\nExit status: 0 done, 1 refused, 2 usage, 3 no such mailbox,\n"
			     "4 already exists, 5 invalid input or record, 6 system error,\n"
			     "7 saved, but the mailbox's open connections were not closed.\n"
			     "See mailsecctl(8).\n");
}

static bool is_group(const char *word)
{
	for (size_t i = 0; i < N_VERBS; i++)
		if (verbs[i].group && strcmp(verbs[i].group, word) == 0)
			return true;
	return false;
}

/* Whether argv begins with the words of `verb`, and how many they are. */
static int match_verb(const struct verb *verb, int argc, char *const *argv,
		      bool in_self)
{
	if (in_self && verb->self_name)
		return strcmp(verb->self_name, argv[0]) == 0;
	if (!verb->group)
		return strcmp(verb->name, argv[0]) == 0;
	return argc > 1 && strcmp(verb->group, argv[0]) == 0 &&
	       strcmp(verb->name, argv[1]) == 0 ? 2 : 0;
}

const struct verb *verb_find(int argc, char *const *argv, bool in_self,
			     int *words)
{
	for (size_t i = 0; argc > 0 && i < N_VERBS; i++) {
		const struct verb *verb = &verbs[i];

		if (in_self && !(verb->flags & VERB_SELF_ALLOWED))
			continue;
		*words = match_verb(verb, argc, argv, in_self);
		if (*words)
			return verb;
	}
	return NULL;
}

struct options {
	const char *config;
	const char *qr;
	const char *rhost;
	const char *services, *from, *expires, *since;
	bool json, help, version, all, keep_app_passwords, replace;
};

static bool parse_options(int argc, char **argv, struct options *opt)
{
	static const struct option long_options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "qr", required_argument, NULL, 'q' },
		{ "rhost", required_argument, NULL, 'r' },
		{ "services", required_argument, NULL, 's' },
		{ "from", required_argument, NULL, 'f' },
		{ "expires", required_argument, NULL, 'e' },
		{ "since", required_argument, NULL, 'S' },
		{ "all", no_argument, NULL, 'a' },
		{ "keep-app-passwords", no_argument, NULL, 'k' },
		{ "replace", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static char program[] = "mailsecctl";
	int c;

	/* getopt names argv[0] in its errors: "mailsecctl: ...", as ours. */
	argv[0] = program;
	while ((c = getopt_long(argc, argv, "c:jhV", long_options, NULL)) != -1) {
		switch (c) {
		case 'c': opt->config = optarg; break;
		case 'j': opt->json = true; break;
		case 'q': opt->qr = optarg; break;
		case 'r': opt->rhost = optarg; break;
		case 's': opt->services = optarg; break;
		case 'f': opt->from = optarg; break;
		case 'e': opt->expires = optarg; break;
		case 'S': opt->since = optarg; break;
		case 'a': opt->all = true; break;
		case 'k': opt->keep_app_passwords = true; break;
		case 'R': opt->replace = true; break;
		case 'h': opt->help = true; break;
		case 'V': opt->version = true; break;
		default: return false; /* getopt said why */
		}
	}
	return true;
}

static int usage_error(const char *word, const char *what, const char *group)
{
	fprintf(stderr, "mailsecctl: %s: %s\n", word, what);
	usage(stderr, group, NULL);
	return MS_USAGE;
}

/* The verb for argv, or NULL after printing help or a usage error (*exit_code
 * says which). */
static const struct verb *pick_verb(int argc, char *const *argv,
				    const struct options *opt, int *words,
				    int *exit_code)
{
	const struct verb *verb;

	*exit_code = MS_OK;
	/* "help [COMMAND]" is COMMAND --help. */
	if (argc > 0 && strcmp(argv[0], "help") == 0) {
		struct options as_help = *opt;

		as_help.help = true;
		return pick_verb(argc - 1, argv + 1, &as_help, words, exit_code);
	}
	if (argc == 0) {
		if (opt->help) {
			usage(stdout, NULL, NULL);
			return NULL;
		}
		*exit_code = usage_error("usage", "missing COMMAND", NULL);
		return NULL;
	}
	verb = verb_find(argc, argv, false, words);
	if (!verb && opt->help && is_group(argv[0]))
		usage(stdout, argv[0], NULL);
	else if (!verb && is_group(argv[0]))
		*exit_code = usage_error(argv[0], "expected one of these subcommands",
					 argv[0]);
	else if (!verb)
		*exit_code = usage_error(argv[0], "unknown command", NULL);
	else if (opt->help)
		usage(stdout, NULL, verb);
	else
		return verb;
	return NULL;
}

/* self runs for unprivileged callers (sudo): they choose neither the
 * configuration (sudo's env_reset drops MAILSEC_CONFIG) nor a file to
 * write. */
static int check_self_options(const struct verb *verb,
			      const struct options *opt)
{
	bool self = verb->flags & VERB_SELF_DOOR;
	const char *refused = NULL;

	if (!self && opt->rhost)
		refused = "--rhost is only for self";
	else if (self && opt->config)
		refused = "self takes no --config";
	else if (self && opt->qr)
		refused = "self takes no --qr (the JSON of 2fa enroll holds qr_svg)";
	if (!refused)
		return MS_OK;
	fprintf(stderr, "mailsecctl: %s\n", refused);
	return MS_USAGE;
}

enum ms_status verb_check_options(const struct verb *verb, struct ctl *ctl)
{
	char words[64];
	const char *option = NULL;

	if ((ctl->app_services || ctl->app_from || ctl->app_expires) &&
	    !(verb->flags & VERB_TAKES_APP_OPTIONS))
		option = ctl->app_services ? "--services"
			: ctl->app_from ? "--from" : "--expires";
	else if (ctl->app_all && !(verb->flags & VERB_TAKES_ALL))
		option = "--all";
	else if (ctl->keep_app_passwords && !(verb->flags & VERB_TAKES_KEEP))
		option = "--keep-app-passwords";
	else if (ctl->since && !(verb->flags & VERB_TAKES_SINCE))
		option = "--since";
	else if (ctl->replace && !(verb->flags & VERB_TAKES_REPLACE))
		option = "--replace";
	if (!option)
		return MS_OK;
	return ms_fail(&ctl->err, MS_USAGE, "%s is not an option of %s", option,
		       verb_words(verb, false, words, sizeof(words)));
}

static int check_arguments(const struct verb *verb, int n_args,
			   const struct options *opt, struct ctl *ctl)
{
	if (check_self_options(verb, opt) != MS_OK)
		return MS_USAGE;
	if (n_args < verb->min_args || n_args > verb->max_args) {
		fprintf(stderr, "mailsecctl: %s%s%s: wrong number of arguments\n",
			verb->group ? verb->group : "", verb->group ? " " : "",
			verb->name);
		usage(stderr, NULL, verb);
		return MS_USAGE;
	}
	if (opt->qr && !(verb->flags & VERB_TAKES_QR)) {
		fprintf(stderr, "mailsecctl: --qr is only for 2fa enroll\n");
		return MS_USAGE;
	}
	/* self checks them against the command it runs. */
	if (!(verb->flags & VERB_SELF_DOOR) &&
	    verb_check_options(verb, ctl) != MS_OK) {
		fprintf(stderr, "mailsecctl: %s\n", ctl->err.msg);
		return MS_USAGE;
	}
	return MS_OK;
}

static enum ms_status run_verb(const struct verb *verb, struct ctl *ctl)
{
	enum ms_status status;
	char words[64];

	if (!(verb->flags & VERB_OWN_CONFIG)) {
		status = ms_settings_load(ctl->config_path, ctl->config_origin,
					  &ctl->settings, &ctl->err);
		if (status != MS_OK)
			return status;
	}
	if (verb->flags & VERB_CHANGES)
		out_set_sessions(OUT_SESSIONS_NULL, NULL);
	status = verb->run(ctl);
	if (status != MS_OK)
		return status;
	if (verb->flags & VERB_CHANGES)
		ctl_audit(ctl, verb_words(verb, false, words, sizeof(words)));
	status = ctl_sessions_report(ctl, true);
	/* Said already, in its own words. */
	if (status != MS_OK)
		ms_error_clear(&ctl->err);
	return status;
}

static int run(const struct verb *verb, struct ctl *ctl)
{
	enum ms_status status = run_verb(verb, ctl);

	if (status != MS_OK && ctl->err.msg[0])
		ms_log(NULL, LOG_ERR, "%s", ctl->err.msg);
	/* A change that stood though the command failed (a remove): what
	 * became of its sessions after the error; the status stays. */
	if (status != MS_OK)
		ctl_sessions_report(ctl, false);
	if (fflush(stdout) != 0 && status == MS_OK) {
		ms_log(NULL, LOG_ERR, "cannot write the output");
		status = MS_SYSTEM;
	}
	return status;
}

/* --config, else MAILSEC_CONFIG (set and not empty), else the built-in
 * path: only that one may be missing (ms_settings_load). */
static void set_config_path(struct ctl *ctl, const char *option)
{
	const char *env = getenv("MAILSEC_CONFIG");

	ctl->config_origin = MS_CONF_NAMED;
	if (option)
		ctl->config_path = option;
	else if (env && env[0])
		ctl->config_path = env;
	else {
		ctl->config_path = MAILSEC_CONF_DEFAULT;
		ctl->config_origin = MS_CONF_BUILT_IN;
	}
}

int main(int argc, char **argv)
{
	struct options opt = { 0 };
	struct ctl ctl = { 0 };
	const struct verb *verb;
	int words = 0, exit_code;

	ms_log_set_program("mailsecctl");
	if (!parse_options(argc, argv, &opt)) {
		usage(stderr, NULL, NULL);
		return MS_USAGE;
	}
	if (opt.version) {
		printf("mailsecctl %s\n", PACKAGE_VERSION);
		return MS_OK;
	}
	verb = pick_verb(argc - optind, argv + optind, &opt, &words, &exit_code);
	if (!verb)
		return exit_code;
	ctl.args = argv + optind + words;
	ctl.n_args = argc - optind - words;
	ctl.app_services = opt.services;
	ctl.app_from = opt.from;
	ctl.app_expires = opt.expires;
	ctl.app_all = opt.all;
	ctl.keep_app_passwords = opt.keep_app_passwords;
	ctl.since = opt.since;
	ctl.replace = opt.replace;
	exit_code = check_arguments(verb, ctl.n_args, &opt, &ctl);
	if (exit_code != MS_OK)
		return exit_code;
	out_set_json(opt.json);
	ctl.qr_spec = opt.qr ? opt.qr : "utf8";
	ctl.rhost = opt.rhost;
	set_config_path(&ctl, opt.config);
	return run(verb, &ctl);
}
