/* Test-only: counts one decision in a mailbox's activity journal, as the
 * module would, at a time the test chooses. The configuration is
 * MAILSEC_CONFIG's.
 *
 *   journal_note MAILBOX TIME ROLE RESULT DETAIL SERVICE RHOST|- [APP]
 *
 * ROLE webmail|client, RESULT accepted|refused, DETAIL a word of
 * ms_journal_detail_name. Prints "new address" when the module would log
 * one. Exit 0, 2 on bad arguments, else the library's status. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "settings.h"
#include "store.h"

static bool parse_detail(const char *word, enum ms_journal_detail *detail)
{
	for (int i = 0; i < MS_JOURNAL_DETAIL_COUNT; i++) {
		const char *name = ms_journal_detail_name((enum ms_journal_detail)i);

		if (name && strcmp(name, word) == 0) {
			*detail = (enum ms_journal_detail)i;
			return true;
		}
	}
	return false;
}

static bool parse_event(int argc, char **argv, struct ms_journal_event *event)
{
	char *end;

	if (argc != 8 && argc != 9)
		return false;
	event->time = strtoll(argv[2], &end, 10);
	if (*end || !parse_detail(argv[5], &event->detail))
		return false;
	if (strcmp(argv[3], "webmail") == 0)
		event->role = MS_ROLE_WEBMAIL;
	else if (strcmp(argv[3], "client") == 0)
		event->role = MS_ROLE_CLIENT;
	else
		return false;
	if (strcmp(argv[4], "accepted") == 0)
		event->result = MS_JOURNAL_ACCEPTED;
	else if (strcmp(argv[4], "refused") == 0)
		event->result = MS_JOURNAL_REFUSED;
	else
		return false;
	event->service = argv[6];
	event->rhost = argv[7];
	event->app = argc == 9 ? argv[8] : NULL;
	return true;
}

int main(int argc, char **argv)
{
	struct ms_journal_event event;
	struct ms_settings settings;
	struct ms_store store;
	struct ms_error err;
	bool new_address = false;
	enum ms_status status;

	if (!parse_event(argc, argv, &event) || !getenv("MAILSEC_CONFIG")) {
		fprintf(stderr, "usage: MAILSEC_CONFIG=FILE journal_note MAILBOX "
				"TIME ROLE RESULT DETAIL SERVICE RHOST|- [APP]\n");
		return 2;
	}
	status = ms_settings_load(getenv("MAILSEC_CONFIG"), MS_CONF_NAMED,
				  &settings, &err);
	if (status == MS_OK)
		status = ms_store_open(&settings, MS_STORE_CREATE, &store, &err);
	if (status != MS_OK) {
		fprintf(stderr, "journal_note: %s\n", err.msg);
		return (int)status;
	}
	status = ms_journal_note(&store, argv[1], &event, &new_address, &err);
	ms_store_close(&store);
	if (status != MS_OK) {
		fprintf(stderr, "journal_note: %s\n", err.msg);
		return (int)status;
	}
	if (new_address)
		printf("new address\n");
	return 0;
}
