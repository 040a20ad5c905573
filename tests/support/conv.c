#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conv.h"
#include "secure.h"

static void note(struct ts_talk *talk, char what)
{
	size_t len = strlen(talk->asked);

	if (len + 1 < sizeof(talk->asked))
		talk->asked[len] = what;
}

static bool is_code_prompt(const char *prompt, const struct ts_talk *talk)
{
	const char *start = talk->code_prompt_start;

	return strcmp(prompt, TS_PROMPT_CODE) == 0 ||
	       (start && strncmp(prompt, start, strlen(start)) == 0);
}

/* The answer to one message, counted; NULL when it must be refused. */
static const char *answer(const struct pam_message *msg, struct ts_talk *talk)
{
	if (msg->msg_style != PAM_PROMPT_ECHO_OFF &&
	    msg->msg_style != PAM_PROMPT_ECHO_ON)
		return "";
	if (msg->msg_style == PAM_PROMPT_ECHO_OFF &&
	    strcmp(msg->msg, TS_PROMPT_PASSWORD) == 0) {
		talk->password_asked++;
		note(talk, 'P');
		return talk->password;
	}
	if (msg->msg_style == PAM_PROMPT_ECHO_OFF &&
	    is_code_prompt(msg->msg, talk)) {
		talk->code_asked++;
		note(talk, 'C');
		return talk->code;
	}
	talk->other_asked++;
	note(talk, '?');
	return NULL;
}

/* The answers given so far are secrets: wiped before they are freed. */
static void free_replies(struct pam_response *replies, int n)
{
	for (int i = 0; i < n; i++)
		ms_free_secret(replies[i].resp);
	free(replies);
}

int ts_converse(int n, const struct pam_message **msg,
		struct pam_response **resp, void *talk)
{
	struct pam_response *replies = calloc((size_t)n, sizeof(*replies));
	unsigned delay_ms = ((struct ts_talk *)talk)->delay_ms;

	if (!replies)
		return PAM_BUF_ERR;
	if (delay_ms) {
		struct timespec wait = { delay_ms / 1000,
					 (long)(delay_ms % 1000) * 1000000L };

		nanosleep(&wait, NULL);
	}
	for (int i = 0; i < n; i++) {
		const char *text = answer(msg[i], talk);

		if (!text || !(replies[i].resp = strdup(text))) {
			free_replies(replies, n);
			return PAM_CONV_ERR;
		}
	}
	*resp = replies;
	return PAM_SUCCESS;
}
