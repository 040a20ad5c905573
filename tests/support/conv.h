/* A PAM conversation that answers a login's prompts from strings: the
 * password prompt with a password, a code prompt with a code. The module
 * tests and the bench use it; in the bench it is in the timed path, so it
 * allocates only what libpam hands on and the module frees (the reply
 * array and each answer), and does no other work of note. */
#ifndef TESTS_SUPPORT_CONV_H
#define TESTS_SUPPORT_CONV_H

#include <security/pam_appl.h>

#define TS_PROMPT_PASSWORD "Password: "
#define TS_PROMPT_CODE "Verification code: " /* pam_mailsec's and GA's */

/* The answers a user gives, and what was asked. Only echo-off prompts are
 * answered; a NULL answer refuses its prompt (PAM_CONV_ERR), as does any
 * other prompt: an unexpected prompt then fails the login. */
struct ts_talk {
	const char *password; /* to TS_PROMPT_PASSWORD */
	const char *code;     /* to TS_PROMPT_CODE */
	/* Unless NULL, prompts that start with it are answered with `code`
	 * too (another module's code prompt, e.g. pam_oath's). */
	const char *code_prompt_start;
	unsigned delay_ms;    /* waited before each answer: a user typing */
	unsigned password_asked;
	unsigned code_asked;
	unsigned other_asked; /* any other prompt */
	char asked[16];       /* in order: 'P' password, 'C' code, '?' other */
};

/* struct pam_conv's conv; `talk` is a struct ts_talk. Messages that are
 * not prompts get an empty reply. */
int ts_converse(int n, const struct pam_message **msg,
		struct pam_response **resp, void *talk);

#endif
