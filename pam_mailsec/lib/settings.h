/* mailsec.conf: global settings, every key with a built-in default. */
#ifndef MAILSEC_SETTINGS_H
#define MAILSEC_SETTINGS_H

#include <limits.h>
#include <stdbool.h>

#include "error.h"
#include "totp_params.h"

#define MS_SERVICES_MAX 16
#define MS_SERVICE_NAME_MAX 64
#define MS_ISSUER_MAX 64

/* The bounds of mailsec.conf's numbers (mailsec.conf.5); totp.digits and
 * totp.period are a record's too (totp_params.h). */
#define MS_WINDOW_MAX 10              /* totp.window, steps either side */
#define MS_MAX_FAILURES_MIN 1         /* lockout.max_failures */
#define MS_MAX_FAILURES_MAX 1000
#define MS_WITHIN_MIN 1               /* lockout.within, seconds */
#define MS_WITHIN_MAX 86400           /* a day */
#define MS_LOCK_FOR_MIN 1             /* lockout.lock_for, seconds */
#define MS_LOCK_FOR_MAX 604800        /* a week */
#define MS_CACHE_TTL_MAX 86400        /* cache_ttl, seconds; 0 is off */
#define MS_KICK_ARGS_MAX 16           /* kick_command, words */
#define MS_KICK_ARG_MAX 256           /* kick_command, bytes a word + NUL */
#define MS_KICK_TIMEOUT_MIN 1         /* kick_timeout, seconds */
#define MS_KICK_TIMEOUT_MAX 10        /* below the webmail's 20 s for self */
#define MS_KICK_TIMEOUT_DEFAULT 5

#define MS_CONNINFO_MAX 1024          /* postgresql.conninfo, NUL included */
#define MS_DB_ROLE_MAX 64             /* postgresql.module_role */
#define MS_DB_TIMEOUT_MIN 100         /* postgresql.timeout, milliseconds */
#define MS_DB_TIMEOUT_MAX 60000
#define MS_DB_TIMEOUT_DEFAULT 2000

/* Where records and runtime state are kept (store_ops.h). */
enum ms_store_kind {
	MS_STORE_FILES,      /* users_dir and state_dir */
	MS_STORE_POSTGRESQL, /* the database postgresql.conninfo names */
};

/* The three settings of non-webmail access (mailsecctl non-webmail). */
enum ms_non_webmail {
	MS_NON_WEBMAIL_ENABLED,       /* the password and app passwords */
	MS_NON_WEBMAIL_APP_PASSWORDS, /* app passwords only */
	MS_NON_WEBMAIL_DISABLED,      /* nothing */
};

/* "enabled", "app-passwords", "disabled"; and back: false for other text. */
const char *ms_non_webmail_name(enum ms_non_webmail mode);
bool ms_non_webmail_parse(const char *text, enum ms_non_webmail *mode);

struct ms_settings {
	char path[PATH_MAX];      /* the file these came from */
	char users_dir[PATH_MAX];
	char state_dir[PATH_MAX];
	char webmail_services[MS_SERVICES_MAX][MS_SERVICE_NAME_MAX];
	unsigned n_webmail_services;
	struct {
		char issuer[MS_ISSUER_MAX + 1];
		enum ms_algorithm algorithm;
		unsigned digits;
		unsigned period;
		unsigned window;
	} totp;
	struct {
		unsigned max_failures;
		unsigned within;
		unsigned lock_for;
	} lockout;
	unsigned cache_ttl;
	enum ms_non_webmail non_webmail_default; /* of a new mailbox */
	bool activity_journal; /* the module keeps MAILBOX.journal (journal.h) */
	/* The argv that ends a mailbox's live sessions (kick.h); none when
	 * n_kick_args is 0. */
	char kick_command[MS_KICK_ARGS_MAX][MS_KICK_ARG_MAX];
	unsigned n_kick_args;
	unsigned kick_timeout;
	enum ms_store_kind store;
	struct {
		char conninfo[MS_CONNINFO_MAX];       /* the module's */
		char admin_conninfo[MS_CONNINFO_MAX]; /* mailsecctl's; ""
						       * means conninfo */
		unsigned timeout;                     /* milliseconds */
		char driver[PATH_MAX];  /* the driver's shared object */
		char module_role[MS_DB_ROLE_MAX]; /* granted by db init */
	} postgresql;
};

void ms_settings_defaults(struct ms_settings *settings);

/* Who chose the path. A file someone named (config=, --config,
 * MAILSEC_CONFIG) and that is not there is a typing mistake, whose
 * defaults would pass for the configuration meant; the built-in path
 * missing only means nothing was configured. */
enum ms_conf_origin {
	MS_CONF_BUILT_IN, /* MAILSEC_CONF_DEFAULT, named by no one */
	MS_CONF_NAMED,
};

/* Loads `path` over the defaults. A missing file (or directory) means all
 * defaults when `origin` is MS_CONF_BUILT_IN, and MS_SYSTEM ("PATH: no such
 * file ...") when MS_CONF_NAMED. A bad value, an unknown key or a syntax
 * error fails with MS_INVALID and a message "PATH:LINE: ..."; an unsafe
 * file (symlink, writable by others, foreign owner) or I/O error with
 * MS_SYSTEM. */
enum ms_status ms_settings_load(const char *path, enum ms_conf_origin origin,
				struct ms_settings *settings,
				struct ms_error *err);

/* Whether `service` is listed in webmail_services. */
bool ms_settings_is_webmail_service(const struct ms_settings *settings,
				    const char *service);

#endif
