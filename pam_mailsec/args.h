/* pam_mailsec's module arguments (pam_mailsec.8). */
#ifndef PAM_MAILSEC_ARGS_H
#define PAM_MAILSEC_ARGS_H

#include <stdbool.h>

#include <security/pam_modules.h>

#include "policy.h"

enum code_mode { CODE_PROMPT, CODE_APPEND };

struct module_args {
	const char *config; /* mailsec.conf; NULL for the default */
	enum ms_role role;  /* MS_ROLE_UNSET: from webmail_services */
	enum code_mode code_mode;
	unsigned session_idle; /* session=SECONDS; 0: no webmail sessions */
	unsigned session_max;  /* session_max=SECONDS */
	bool no_password;
	bool debug;
};

/* Defaults, then each argument in turn. An unknown or malformed argument is
 * logged and makes the result false: the stack then fails closed. */
bool module_args_parse(pam_handle_t *pamh, int argc, const char **argv,
		       struct module_args *args);

#endif
