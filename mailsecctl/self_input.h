/* mailsecctl self's standard input, read whole before anything else is
 * done: the lines answer the webmail stack's prompts (the credential, and
 * the code of a prompt-mode stack), and a command that takes a secret of
 * its own (passwd's new password, 2fa confirm -'s code) has the last one.
 * Reading it all first means the credential is checked and the command
 * acts within moments of each other, never with a caller's input still to
 * come; the deadline keeps a caller from holding a root process open. */
#ifndef MAILSECCTL_SELF_INPUT_H
#define MAILSECCTL_SELF_INPUT_H

#include <stdbool.h>

#include "error.h"
#include "secret_input.h"

#define SELF_INPUT_LINES 3    /* credential, code, the command's own */
#define SELF_INPUT_SECONDS 5  /* from the start of reading to end of file */

struct self_input {
	char lines[SELF_INPUT_LINES][SECRET_INPUT_MAX + 1];
	int n_lines;
	int n_for_stack; /* the first lines: the stack's answers */
	int n_answered;  /* of those, given to the stack so far */
	const char *own; /* the command's line (the last one), or NULL */
};

/* Reads stdin to its end within SELF_INPUT_SECONDS: at most
 * SELF_INPUT_LINES lines (a last line may lack its newline) of at most
 * SECRET_INPUT_MAX bytes, none with a NUL byte. With `own_name` (say "new
 * password") the last line is the command's own and must be there and not
 * empty. MS_INVALID for input that breaks a rule or never ends, MS_SYSTEM
 * when stdin cannot be read; every buffer wiped then. */
enum ms_status self_input_read(struct self_input *input, const char *own_name,
			       struct ms_error *err);

/* The next line for the stack, or NULL when none is left. */
const char *self_input_answer(struct self_input *input);

/* Whether a line meant for the stack was left unasked for. */
bool self_input_unused(const struct self_input *input);

void self_input_wipe(struct self_input *input);

#endif
