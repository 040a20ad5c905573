/* Mailboxes made directly through the library, as mailsecctl would: the
 * record under the mailbox lock, codes computed from the secret. */
#ifndef TESTS_PAM_MAILBOX_H
#define TESTS_PAM_MAILBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "name.h"
#include "record.h"
#include "recovery.h"
#include "state.h"

/* Ends in digits on purpose: code=append must cut the code, not these. */
#define MB_PASSWORD "S3cret pass 42"
#define MB_PERIOD 30

enum mb_flags {
	MB_2FA = 1u << 0,       /* status enabled (default: off) */
	MB_PENDING = 1u << 1,   /* status pending */
	MB_NO_CLIENT = 1u << 2, /* non_webmail_access = false */
	MB_RECOVERY = 1u << 3,  /* recovery codes (implies a secret) */
	MB_DIGITS8 = 1u << 4,   /* 8-digit codes */
	MB_YESCRYPT = 1u << 5,  /* libxcrypt's default hash (slow), not $5$ */
};

struct mailbox {
	char name[MS_NAME_MAX + 1];
	char secret[MS_SECRET_B32_MAX];
	unsigned digits;
	char recovery[MS_RECOVERY_COUNT][MS_RECOVERY_LEN + 1];
};

/* Writes users/NAME.conf with password MB_PASSWORD. */
void mb_create(struct mailbox *mb, const char *name, unsigned flags);

/* The code of the step `steps` periods from now. */
void mb_code(const struct mailbox *mb, int steps, char code[16]);

/* A well-formed code that no step of the default window (±1) gives. */
void mb_wrong_code(const struct mailbox *mb, char code[16]);

/* The TOTP step `steps` periods from now. */
unsigned long long mb_step(int steps);

/* When that step ends: the replay mark a code of it leaves in the state. */
int64_t mb_step_end(int steps);

/* Password with something appended (code=append) in a static buffer. */
const char *mb_join(const char *password, const char *code);

void mb_state(const char *name, struct ms_state *state);
void mb_state_save(const char *name, struct ms_state *state);

/* The stored record; and writing one back, as mailsecctl edits do. */
void mb_record_load(const char *name, struct ms_record *record);
void mb_record_save(const char *name, const struct ms_record *record);

/* The activity journal (journal.h): its valid entries, newest first,
 * how many, and into *damaged how many are damaged. */
struct ms_journal_entry;
unsigned mb_journal(const char *name, struct ms_journal_entry *entries,
		    unsigned *damaged);

/* A new app password NAME (ms_app_add under the lock, as mailsecctl
 * app-password add), its password as shown into `shown`. */
struct ms_app_request;
void mb_app_add(const char *name, const struct ms_app_request *request,
		char shown[32]);

/* The app passwords' last use (appstate.h). */
struct ms_app_state;
void mb_app_state(const char *name, struct ms_app_state *state);

/* What mailsecctl unlock does (ms_mailbox_unlock), under the lock. */
void mb_unlock(const char *name);

/* Sleeps into the next step when fewer than `margin` seconds are left of
 * this one, so that a test's codes keep their offsets from "now". */
void mb_wait_step_margin(unsigned margin);

#endif
