/* How a webmail login met its code part, as the module tells the
 * application in the PAM environment (pam_mailsec.8, MAILSEC_AUTH), and
 * what each kind is trusted to do (mailsecctl self). */
#ifndef MAILSEC_AUTHKIND_H
#define MAILSEC_AUTHKIND_H

#include <stdbool.h>

#include "record.h"

#define MS_AUTH_ENV "MAILSEC_AUTH"

enum ms_auth_kind {
	MS_AUTH_UNKNOWN,  /* the module did not say: never trusted */
	MS_AUTH_PASSWORD, /* no code was needed (2FA not enabled) */
	MS_AUTH_SESSION,  /* a webmail session resumed: no code this time */
	MS_AUTH_CODE,
	MS_AUTH_RECOVERY,
	/* A client login with an app password: never a webmail's, and so
	 * never trusted by mailsecctl self. */
	MS_AUTH_APP_PASSWORD,
};

/* "password", "session", "code", "recovery", "app-password"; NULL for
 * MS_AUTH_UNKNOWN. */
const char *ms_auth_kind_name(enum ms_auth_kind kind);

/* "MAILSEC_AUTH=code", for pam_putenv; NULL for MS_AUTH_UNKNOWN. */
const char *ms_auth_kind_env(enum ms_auth_kind kind);

/* The kind a MAILSEC_AUTH value names; MS_AUTH_UNKNOWN for NULL or any
 * other text. */
enum ms_auth_kind ms_auth_kind_parse(const char *value);

enum ms_auth_trust {
	MS_TRUST_OK,
	/* 2FA is enabled, yet the login took the password alone: the stack
	 * never asked for the code (a webmail service given the client
	 * role). Nothing may be done on it. */
	MS_TRUST_PASSWORD_ALONE,
	/* The command wants a fresh code (a code or a recovery code), and
	 * the login resumed a session, which may be a captured string
	 * replayed from the same address. */
	MS_TRUST_NOT_FRESH,
	MS_TRUST_UNKNOWN, /* the module did not say how */
};

/* Whether a webmail login of `kind` against `record` may run a command
 * that does (`needs_fresh_code`) or does not loosen the mailbox's
 * protection or hand out a credential. With 2FA not enabled the password
 * is all there is, and counts as fresh. */
enum ms_auth_trust ms_auth_trusted(enum ms_auth_kind kind,
				   const struct ms_record *record,
				   bool needs_fresh_code);

#endif
